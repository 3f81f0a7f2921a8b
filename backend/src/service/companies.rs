//! Companies and their API settings (SPEC §2, seed 000).

use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use shared::ApiAccessType;
use shared::features::API_ACCESS;
use shared::permissions as perm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{Principal, Tenant};
use crate::entity::{company, company_feature, reseller};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::audit;
use crate::service::features::{self, FeatureState, Flags};
use crate::service::pagination::{self, Page, PageRequest};

/// A company with what it needs to be shown: its reseller and both levels of flags.
pub struct CompanyView {
    pub company: company::Model,
    pub reseller: reseller::Model,
    pub company_flags: Flags,
    pub reseller_flags: Flags,
}

impl CompanyView {
    pub fn access_type(&self) -> ApiAccessType {
        ApiAccessType::parse(&self.company.api_access_type).unwrap_or_default()
    }

    /// `min(company, reseller)`: a reseller may lower its ceiling after the company was saved.
    pub fn effective_rate_limit(&self) -> i32 {
        shared::limits::effective_company_rate_limit(
            self.company.api_rate_limit,
            self.reseller.api_rate_limit,
        )
    }

    pub fn features(&self) -> Vec<FeatureState> {
        features::company_states(&self.company_flags, &self.reseller_flags)
    }
}

/// A change to an optional value: leave it, clear it, or set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

#[derive(Debug, Default)]
pub struct CompanyUpdate {
    pub name: Option<String>,
    pub api_access_type: Option<ApiAccessType>,
    pub api_rate_limit: Option<i32>,
    pub api_request_delay_seconds: Patch<i32>,
}

fn not_found() -> AppError {
    AppError::NotFound("company".into())
}

/// Builds views for many companies with four queries in all, whatever their number.
async fn views(
    db: &impl ConnectionTrait,
    companies: Vec<company::Model>,
) -> AppResult<Vec<CompanyView>> {
    let reseller_ids: Vec<Uuid> = companies.iter().map(|c| c.reseller_id).collect();
    let resellers: HashMap<Uuid, reseller::Model> = reseller::Entity::find()
        .filter(reseller::Column::Id.is_in(reseller_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut cflags = features::company_flags(db, companies.iter().map(|c| c.id)).await?;
    let rflags = features::reseller_flags(db, reseller_ids).await?;
    companies
        .into_iter()
        .map(|c| {
            let reseller = resellers
                .get(&c.reseller_id)
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("company without reseller")))?;
            Ok(CompanyView {
                company_flags: cflags.remove(&c.id).unwrap_or_default(),
                reseller_flags: rflags.get(&c.reseller_id).cloned().unwrap_or_default(),
                company: c,
                reseller,
            })
        })
        .collect()
}

async fn view(db: &impl ConnectionTrait, c: company::Model) -> AppResult<CompanyView> {
    views(db, vec![c]).await?.pop().ok_or_else(not_found)
}

/// Loads a company the principal may see, or NOT_FOUND. Company users always see their own
/// company; hub users need `companies.read` and the company in their scope.
pub async fn find_visible(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<company::Model> {
    let own = matches!(p.tenant, Tenant::Company { company_id, .. } if company_id == id);
    if !own {
        p.require(perm::COMPANIES_READ)?;
    }
    let c = company::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !p.can_see_company(c.id, c.reseller_id) {
        return Err(not_found());
    }
    Ok(c)
}

pub async fn list(
    p: &Principal,
    db: &DatabaseConnection,
    search: Option<&str>,
    reseller_id: Option<Uuid>,
    req: &PageRequest,
) -> AppResult<Page<CompanyView>> {
    p.require(perm::COMPANIES_READ)?;
    let search = pagination::parse_search(search)?;
    let mut q = company::Entity::find();
    if let Some(r) = p.reseller_filter() {
        q = q.filter(company::Column::ResellerId.eq(r));
    }
    if let Some(c) = p.company_filter() {
        q = q.filter(company::Column::Id.eq(c));
    }
    if let Some(r) = reseller_id {
        q = q.filter(company::Column::ResellerId.eq(r));
    }
    if let Some(s) = &search {
        q = q.filter(pagination::contains_ci(company::Column::Name, s));
    }
    let page = pagination::by_name(
        db,
        q,
        company::Column::Name,
        company::Column::Id,
        req,
        |c| (c.name.clone(), c.id),
    )
    .await?;
    let cursors: Vec<String> = page.items.iter().map(|(c, _)| c.clone()).collect();
    let models = page.items.into_iter().map(|(_, m)| m).collect();
    let list = views(db, models).await?;
    Ok(Page {
        items: cursors.into_iter().zip(list).collect(),
        has_next: page.has_next,
        has_previous: page.has_previous,
        total: page.total,
    })
}

/// One company for `company(id)`. A company user asking for any other company gets NOT_FOUND
/// (null), like a hub user asking outside their scope, rather than FORBIDDEN for lacking
/// `companies.read`: the contract is "null when absent or out of scope".
pub async fn get(p: &Principal, db: &DatabaseConnection, id: Uuid) -> AppResult<CompanyView> {
    if matches!(p.tenant, Tenant::Company { company_id, .. } if company_id != id) {
        return Err(not_found());
    }
    let c = find_visible(p, db, id).await?;
    view(db, c).await
}

pub async fn create(
    p: &Principal,
    db: &DatabaseConnection,
    reseller_id: Uuid,
    name: &str,
) -> AppResult<CompanyView> {
    p.require(perm::COMPANIES_CREATE)?;
    let reseller = crate::service::resellers::find_visible(p, db, reseller_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::validation(
                "resellerId",
                "resellerId does not name a reseller you manage",
            ),
            other => other,
        })?;
    let name = shared::limits::name("name", name)?;
    let now = OffsetDateTime::now_utc();
    let model = company::Model {
        id: Uuid::now_v7(),
        reseller_id,
        name: name.clone(),
        api_access_type: ApiAccessType::None.as_str().into(),
        // The default, unless the reseller's ceiling is lower.
        api_rate_limit: shared::limits::COMPANY_RATE_LIMIT_DEFAULT.min(reseller.api_rate_limit),
        api_request_delay_seconds: None,
        created_at: now,
        updated_at: now,
    };
    let txn = db.begin().await?;
    company::Entity::insert(company::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "name",
                format!(
                    "a company named '{name}' already exists under reseller '{}'",
                    reseller.name
                ),
            )
        })?;
    let changes = serde_json::json!({
        "name": model.name,
        "apiAccessType": model.api_access_type,
        "apiRateLimit": model.api_rate_limit,
    });
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("company.create", "company", model.id)
            .company(model.id)
            .reseller(reseller_id)
            .changes(changes),
    )
    .await?;
    txn.commit().await?;
    view(db, model).await
}

/// Changes name and API settings. Turning access on (from NONE) also turns the company's
/// `api_access` flag on, in the same transaction, so flag and access type stay in sync (seed 000).
pub async fn update(
    p: &Principal,
    db: &DatabaseConnection,
    id: Uuid,
    upd: CompanyUpdate,
) -> AppResult<CompanyView> {
    let current = find_visible(p, db, id).await?;
    p.require(perm::COMPANIES_EDIT)?;
    let reseller = reseller::Entity::find_by_id(current.reseller_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let mut am = company::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut new_name = current.name.clone();
    if let Some(n) = &upd.name {
        new_name = shared::limits::name("name", n)?;
        am.name = Set(new_name.clone());
    }
    if let Some(l) = upd.api_rate_limit {
        am.api_rate_limit = Set(shared::limits::company_rate_limit(
            l,
            reseller.api_rate_limit,
        )?);
    }
    match upd.api_request_delay_seconds {
        Patch::Keep => {}
        Patch::Clear => am.api_request_delay_seconds = Set(None),
        Patch::Set(d) => {
            am.api_request_delay_seconds = Set(Some(shared::limits::api_request_delay(d)?))
        }
    }
    let was = ApiAccessType::parse(&current.api_access_type).unwrap_or_default();
    let mut enable_flag = false;
    if let Some(t) = upd.api_access_type {
        am.api_access_type = Set(t.as_str().into());
        enable_flag = !was.is_enabled() && t.is_enabled();
    }
    let txn = db.begin().await?;
    let updated = company::Entity::update(am).exec(&txn).await.map_err(|e| {
        on_unique_violation(
            e,
            "name",
            format!(
                "a company named '{new_name}' already exists under reseller '{}'",
                reseller.name
            ),
        )
    })?;
    if enable_flag {
        features::upsert_company_flag(&txn, id, API_ACCESS, true).await?;
    }
    let mut changes = serde_json::Map::new();
    audit::diff(&mut changes, "name", &current.name, &updated.name);
    audit::diff(
        &mut changes,
        "apiAccessType",
        &current.api_access_type,
        &updated.api_access_type,
    );
    audit::diff(
        &mut changes,
        "apiRateLimit",
        &current.api_rate_limit,
        &updated.api_rate_limit,
    );
    audit::diff(
        &mut changes,
        "apiRequestDelaySeconds",
        &current.api_request_delay_seconds,
        &updated.api_request_delay_seconds,
    );
    if enable_flag {
        changes.insert(
            format!("flags.{API_ACCESS}"),
            serde_json::json!({ "after": true }),
        );
    }
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("company.update", "company", id)
            .company(id)
            .reseller(current.reseller_id)
            .changes(changes.into()),
    )
    .await?;
    txn.commit().await?;
    view(db, updated).await
}

pub async fn set_feature(
    p: &Principal,
    db: &DatabaseConnection,
    id: Uuid,
    flag: &str,
    enabled: bool,
) -> AppResult<CompanyView> {
    let c = find_visible(p, db, id).await?;
    p.require(perm::COMPANIES_EDIT)?;
    let f = features::validate_flag(flag)?;
    // Read before the transaction: on SQLite (WAL) a transaction that reads first cannot always
    // upgrade to a write when another connection wrote meanwhile (SQLITE_BUSY_SNAPSHOT).
    let before = company_feature::Entity::find_by_id((id, f.key.to_string()))
        .one(db)
        .await?
        .map(|r| r.enabled);
    let txn = db.begin().await?;
    features::upsert_company_flag(&txn, id, f.key, enabled).await?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("company.feature.set", "company", id)
            .company(id)
            .reseller(c.reseller_id)
            .changes(serde_json::json!({
                "flag": f.key,
                "enabled": { "before": before, "after": enabled },
            })),
    )
    .await?;
    txn.commit().await?;
    view(db, c).await
}
