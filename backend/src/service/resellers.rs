//! Resellers: the middle of platform → reseller → company, and the ceiling of their companies'
//! rate limits.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use shared::permissions as perm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Principal;
use crate::entity::{reseller, reseller_feature};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::audit;
use crate::service::features::{self, FeatureState, Flags};
use crate::service::pagination::{self, Page, PageRequest};

pub struct ResellerView {
    pub reseller: reseller::Model,
    pub flags: Flags,
}

impl ResellerView {
    pub fn features(&self) -> Vec<FeatureState> {
        features::reseller_states(&self.flags)
    }
}

async fn view(db: &impl ConnectionTrait, r: reseller::Model) -> AppResult<ResellerView> {
    let flags = features::reseller_flags(db, [r.id])
        .await?
        .remove(&r.id)
        .unwrap_or_default();
    Ok(ResellerView { reseller: r, flags })
}

fn not_found() -> AppError {
    AppError::NotFound("reseller".into())
}

/// Loads a reseller the principal may see, or NOT_FOUND.
pub async fn find_visible(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<reseller::Model> {
    if !p.can_see_reseller(id) {
        return Err(not_found());
    }
    reseller::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)
}

pub async fn list(
    p: &Principal,
    db: &DatabaseConnection,
    search: Option<&str>,
    req: &PageRequest,
) -> AppResult<Page<ResellerView>> {
    p.require(perm::RESELLERS_READ)?;
    let search = pagination::parse_search(search)?;
    let mut q = reseller::Entity::find();
    match p.tenant {
        crate::auth::Tenant::Platform => {}
        crate::auth::Tenant::Reseller { reseller_id } => {
            q = q.filter(reseller::Column::Id.eq(reseller_id))
        }
        crate::auth::Tenant::Company { .. } => q = q.filter(reseller::Column::Id.is_null()),
    }
    if let Some(s) = &search {
        q = q.filter(pagination::contains_ci(reseller::Column::Name, s));
    }
    let page = pagination::by_name(
        db,
        q,
        reseller::Column::Name,
        reseller::Column::Id,
        req,
        |r| (r.name.clone(), r.id),
    )
    .await?;
    let mut flags = features::reseller_flags(db, page.items.iter().map(|(_, r)| r.id)).await?;
    Ok(page.map(|r| ResellerView {
        flags: flags.remove(&r.id).unwrap_or_default(),
        reseller: r,
    }))
}

pub async fn get(p: &Principal, db: &DatabaseConnection, id: Uuid) -> AppResult<ResellerView> {
    p.require(perm::RESELLERS_READ)?;
    let r = find_visible(p, db, id).await?;
    view(db, r).await
}

pub async fn create(
    p: &Principal,
    db: &DatabaseConnection,
    name: &str,
    api_rate_limit: Option<i32>,
) -> AppResult<ResellerView> {
    p.require(perm::RESELLERS_CREATE)?;
    let name = shared::limits::name("name", name)?;
    let limit = shared::limits::reseller_rate_limit(
        api_rate_limit.unwrap_or(shared::limits::RESELLER_RATE_LIMIT_DEFAULT),
    )?;
    let now = OffsetDateTime::now_utc();
    let model = reseller::Model {
        id: Uuid::now_v7(),
        name: name.clone(),
        api_rate_limit: limit,
        created_at: now,
        updated_at: now,
    };
    let txn = db.begin().await?;
    reseller::Entity::insert(reseller::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "name",
                format!("a reseller named '{name}' already exists"),
            )
        })?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("reseller.create", "reseller", model.id)
            .reseller(model.id)
            .changes(
                serde_json::json!({ "name": model.name, "apiRateLimit": model.api_rate_limit }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(ResellerView {
        reseller: model,
        flags: Flags::new(),
    })
}

pub async fn update(
    p: &Principal,
    db: &DatabaseConnection,
    id: Uuid,
    name: Option<&str>,
    api_rate_limit: Option<i32>,
) -> AppResult<ResellerView> {
    p.require(perm::RESELLERS_READ)?;
    let current = find_visible(p, db, id).await?;
    p.require(perm::RESELLERS_EDIT)?;
    let mut am = reseller::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut new_name = current.name.clone();
    if let Some(n) = name {
        new_name = shared::limits::name("name", n)?;
        am.name = Set(new_name.clone());
    }
    if let Some(l) = api_rate_limit {
        // Lowering the ceiling does not rewrite companies: their effective limit is
        // min(company, reseller), computed where it is used.
        am.api_rate_limit = Set(shared::limits::reseller_rate_limit(l)?);
    }
    let txn = db.begin().await?;
    let updated = reseller::Entity::update(am).exec(&txn).await.map_err(|e| {
        on_unique_violation(
            e,
            "name",
            format!("a reseller named '{new_name}' already exists"),
        )
    })?;
    let mut changes = serde_json::Map::new();
    audit::diff(&mut changes, "name", &current.name, &updated.name);
    audit::diff(
        &mut changes,
        "apiRateLimit",
        &current.api_rate_limit,
        &updated.api_rate_limit,
    );
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("reseller.update", "reseller", id)
            .reseller(id)
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
) -> AppResult<ResellerView> {
    p.require(perm::RESELLERS_READ)?;
    let r = find_visible(p, db, id).await?;
    p.require(perm::RESELLERS_EDIT)?;
    let f = features::validate_flag(flag)?;
    // Read before the transaction: on SQLite (WAL) a transaction that reads first cannot always
    // upgrade to a write when another connection wrote meanwhile (SQLITE_BUSY_SNAPSHOT).
    let before = reseller_feature::Entity::find_by_id((id, f.key.to_string()))
        .one(db)
        .await?
        .map(|r| r.enabled);
    let txn = db.begin().await?;
    features::upsert_reseller_flag(&txn, id, f.key, enabled).await?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("reseller.feature.set", "reseller", id)
            .reseller(id)
            .changes(serde_json::json!({
                "flag": f.key,
                "enabled": { "before": before, "after": enabled },
            })),
    )
    .await?;
    txn.commit().await?;
    view(db, r).await
}
