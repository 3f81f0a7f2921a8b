//! Roles: the built-in ones every tenant shares, and custom roles a company defines for itself
//! (so a least-privilege user, and tokens for it, can exist: seeds 000, 002).

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use shared::permissions::{self as perm, PermissionScope};
use shared::roles::RoleKind;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{Principal, Tenant};
use crate::entity::{api_credential, role, role_permission, user};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::{audit, companies};
use crate::state::App;

#[derive(Debug, Clone)]
pub struct RoleView {
    pub role: role::Model,
    pub permissions: Vec<String>,
}

impl RoleView {
    pub fn kind(&self) -> Option<RoleKind> {
        RoleKind::parse(&self.role.kind)
    }
}

fn not_found() -> AppError {
    AppError::NotFound("role".into())
}

/// Sorts permission keys in catalogue order, which reads better than alphabetical; every
/// `RoleView` lists them this way, whether just written or read back.
pub(crate) fn sort_by_catalogue(permissions: &mut [String]) {
    permissions.sort_by_cached_key(|k| {
        perm::CATALOGUE
            .iter()
            .position(|p| p.key == k)
            .unwrap_or(usize::MAX)
    });
}

async fn with_permissions(
    db: &impl ConnectionTrait,
    roles: Vec<role::Model>,
) -> AppResult<Vec<RoleView>> {
    let ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    let mut by_role: HashMap<Uuid, Vec<String>> = HashMap::new();
    for rp in role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(ids))
        .all(db)
        .await?
    {
        by_role.entry(rp.role_id).or_default().push(rp.permission);
    }
    Ok(roles
        .into_iter()
        .map(|r| {
            let mut permissions = by_role.remove(&r.id).unwrap_or_default();
            sort_by_catalogue(&mut permissions);
            RoleView {
                role: r,
                permissions,
            }
        })
        .collect())
}

/// A role by id, with its permissions, without a scope check: for showing the role of a user
/// the caller may already see.
pub async fn view_by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<RoleView> {
    let r = role::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    with_permissions(db, vec![r])
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// Whether the principal may see this role: built-in roles are public; custom roles belong to a
/// company the principal can see.
async fn visible(p: &Principal, db: &impl ConnectionTrait, r: &role::Model) -> AppResult<bool> {
    match r.company_id {
        None => Ok(true),
        Some(c) => Ok(companies::find_visible(p, db, c).await.is_ok()),
    }
}

pub async fn find_visible(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<role::Model> {
    let r = role::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !visible(p, db, &r).await? {
        return Err(not_found());
    }
    Ok(r)
}

/// Roles the principal may see. With `company_id`: the company roles usable in that company
/// (built-in and its own). Without: the built-in roles of the principal's reach, and for company
/// users their company's custom roles.
pub async fn list(
    p: &Principal,
    db: &DatabaseConnection,
    company_id: Option<Uuid>,
) -> AppResult<Vec<RoleView>> {
    p.require(perm::ROLES_READ)?;
    let company_id = company_id.or_else(|| p.company_filter());
    let mut cond = Condition::any();
    match company_id {
        Some(c) => {
            companies::find_visible(p, db, c).await?;
            cond = cond
                .add(
                    Condition::all()
                        .add(role::Column::BuiltIn.eq(true))
                        .add(role::Column::Kind.eq(RoleKind::Company.as_str())),
                )
                .add(role::Column::CompanyId.eq(c));
        }
        None => {
            let kinds: Vec<&str> = match p.tenant {
                Tenant::Platform => vec!["platform", "reseller", "company"],
                Tenant::Reseller { .. } => vec!["reseller", "company"],
                Tenant::Company { .. } => vec!["company"],
            };
            cond = cond.add(
                Condition::all()
                    .add(role::Column::BuiltIn.eq(true))
                    .add(role::Column::Kind.is_in(kinds)),
            );
        }
    }
    let roles = role::Entity::find()
        .filter(cond)
        .order_by_desc(role::Column::BuiltIn)
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    with_permissions(db, roles).await
}

/// Checks a permission list for a custom role: known, company-scoped, no duplicates, and — for a
/// company user — none the user lacks (nobody hands out more than they hold).
pub(crate) fn validate_permissions(p: &Principal, list: &[String]) -> AppResult<Vec<String>> {
    let mut out = BTreeSet::new();
    for key in list {
        let info = perm::find(key).ok_or_else(|| {
            AppError::validation("permissions", format!("unknown permission '{key}'"))
        })?;
        if info.scope != PermissionScope::Company {
            return Err(AppError::validation(
                "permissions",
                format!("permission '{key}' is for hub staff and cannot be part of a company role"),
            ));
        }
        if matches!(p.tenant, Tenant::Company { .. }) && !p.has(key) {
            return Err(AppError::Forbidden(format!(
                "you cannot grant permission {key}, which you do not hold"
            )));
        }
        out.insert(info.key.to_string());
    }
    Ok(out.into_iter().collect())
}

fn validate_role_name(name: &str) -> AppResult<String> {
    validate_role_name_as("name", name)
}

/// [`validate_role_name`] for an input that calls the name `field` (`roleName`).
pub(crate) fn validate_role_name_as(field: &'static str, name: &str) -> AppResult<String> {
    let name = shared::limits::name(field, name)?;
    // Case-insensitively: "company admin" next to "Company admin" would pass for the built-in.
    if shared::roles::BUILT_IN_ROLES
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(&name))
    {
        return Err(AppError::conflict(
            Some(field),
            format!("'{name}' is the name of a built-in role"),
        ));
    }
    Ok(name)
}

async fn replace_permissions(
    db: &impl ConnectionTrait,
    role_id: Uuid,
    permissions: &[String],
) -> AppResult<()> {
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    if !permissions.is_empty() {
        role_permission::Entity::insert_many(permissions.iter().map(|k| {
            role_permission::ActiveModel {
                role_id: Set(role_id),
                permission: Set(k.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn create(
    p: &Principal,
    db: &DatabaseConnection,
    company_id: Uuid,
    name: &str,
    permissions: &[String],
) -> AppResult<RoleView> {
    p.require(perm::ROLES_EDIT)?;
    companies::find_visible(p, db, company_id).await?;
    let name = validate_role_name(name)?;
    let permissions = validate_permissions(p, permissions)?;
    let txn = db.begin().await?;
    let view = insert_custom(&txn, company_id, &name, permissions, "name").await?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("role.create", "role", view.role.id)
            .company(company_id)
            .changes(
                serde_json::json!({ "name": view.role.name, "permissions": view.permissions }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Writes a new custom role of a company with its (already validated) permissions, inside the
/// caller's transaction. A second role of the same name in the company is CONFLICT on `field`.
pub(crate) async fn insert_custom(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    name: &str,
    mut permissions: Vec<String>,
    field: &str,
) -> AppResult<RoleView> {
    let now = OffsetDateTime::now_utc();
    let model = role::Model {
        id: Uuid::now_v7(),
        company_id: Some(company_id),
        name: name.to_string(),
        kind: RoleKind::Company.as_str().into(),
        built_in: false,
        created_at: now,
        updated_at: now,
    };
    role::Entity::insert(role::ActiveModel::from(model.clone()))
        .exec(db)
        .await
        .map_err(|e| {
            on_unique_violation(e, field, format!("a role named '{name}' already exists"))
        })?;
    replace_permissions(db, model.id, &permissions).await?;
    sort_by_catalogue(&mut permissions);
    Ok(RoleView {
        role: model,
        permissions,
    })
}

pub async fn update(
    app: &App,
    p: &Principal,
    id: Uuid,
    name: Option<&str>,
    permissions: Option<&[String]>,
) -> AppResult<RoleView> {
    let db = &app.db;
    p.require(perm::ROLES_READ)?;
    let r = find_visible(p, db, id).await?;
    p.require(perm::ROLES_EDIT)?;
    if r.built_in {
        return Err(AppError::Forbidden(
            "built-in roles cannot be changed".into(),
        ));
    }
    let mut am = role::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut new_name = r.name.clone();
    if let Some(n) = name {
        new_name = validate_role_name(n)?;
        am.name = Set(new_name.clone());
    }
    let permissions = permissions
        .map(|list| validate_permissions(p, list))
        .transpose()?;
    let before = view_by_id(db, id).await?;
    let txn = db.begin().await?;
    role::Entity::update(am).exec(&txn).await.map_err(|e| {
        on_unique_violation(
            e,
            "name",
            format!("a role named '{new_name}' already exists"),
        )
    })?;
    if let Some(list) = &permissions {
        replace_permissions(&txn, id, list).await?;
    }
    let mut changes = serde_json::Map::new();
    audit::diff(&mut changes, "name", &r.name, &new_name);
    if let Some(list) = &permissions {
        let mut after = list.clone();
        sort_by_catalogue(&mut after);
        audit::diff(&mut changes, "permissions", &before.permissions, &after);
    }
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("role.update", "role", id)
            .company(r.company_id)
            .changes(changes.into()),
    )
    .await?;
    txn.commit().await?;
    // What this principal's tokens may do changed: drop cached principals.
    app.invalidator.invalidate();
    view_by_id(db, id).await
}

pub async fn delete(app: &App, p: &Principal, id: Uuid) -> AppResult<bool> {
    let db = &app.db;
    p.require(perm::ROLES_READ)?;
    let r = find_visible(p, db, id).await?;
    p.require(perm::ROLES_EDIT)?;
    if r.built_in {
        return Err(AppError::Forbidden(
            "built-in roles cannot be deleted".into(),
        ));
    }
    let txn = db.begin().await?;
    let holders = user::Entity::find()
        .filter(user::Column::RoleId.eq(id))
        .count(&txn)
        .await?;
    let credentials = api_credential::Entity::find()
        .filter(api_credential::Column::RoleId.eq(id))
        .count(&txn)
        .await?;
    if holders > 0 || credentials > 0 {
        return Err(AppError::conflict(
            None,
            format!(
                "the role is assigned to {holders} user(s) and {credentials} API credential(s); \
                 give them another role first"
            ),
        ));
    }
    role::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("role.delete", "role", id)
            .company(r.company_id)
            .changes(serde_json::json!({ "name": r.name })),
    )
    .await?;
    txn.commit().await?;
    // What this principal's tokens may do changed: drop cached principals.
    app.invalidator.invalidate();
    Ok(true)
}
