//! Visibility groups (seed 002): limit a company user, and every token of theirs, to some
//! departments' employees (and their time off and documents).

use std::collections::BTreeSet;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::permissions as perm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Principal;
use crate::entity::{user_visibility_group, visibility_group};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::{audit, companies};
use crate::state::App;

/// Most departments in one group.
pub const MAX_DEPARTMENTS: usize = 100;

/// A user limited by visibility groups cannot change groups: editing one could widen what they,
/// or anyone, sees.
fn require_unlimited(p: &Principal) -> AppResult<()> {
    if p.departments.is_some() {
        return Err(AppError::Forbidden(
            "you are limited by visibility groups and cannot change them".into(),
        ));
    }
    Ok(())
}

fn not_found() -> AppError {
    AppError::NotFound("visibility group".into())
}

/// The departments of a group, as stored (a JSON array of strings).
pub fn departments(g: &visibility_group::Model) -> Vec<String> {
    serde_json::from_value(g.departments.clone()).unwrap_or_default()
}

fn validate_departments(list: &[String]) -> AppResult<Vec<String>> {
    if list.is_empty() {
        return Err(AppError::validation(
            "departments",
            "departments must name at least one department",
        ));
    }
    if list.len() > MAX_DEPARTMENTS {
        return Err(AppError::validation(
            "departments",
            format!(
                "{} departments given: at most {MAX_DEPARTMENTS} are allowed",
                list.len()
            ),
        ));
    }
    let mut out = BTreeSet::new();
    for d in list {
        out.insert(shared::limits::name("departments", d)?);
    }
    Ok(out.into_iter().collect())
}

pub async fn find_visible(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<visibility_group::Model> {
    let g = visibility_group::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    companies::find_visible(p, db, g.company_id)
        .await
        .map_err(|_| not_found())?;
    Ok(g)
}

pub async fn list(
    p: &Principal,
    db: &DatabaseConnection,
    company_id: Uuid,
) -> AppResult<Vec<visibility_group::Model>> {
    p.require(perm::VISIBILITY_GROUPS_READ)?;
    companies::find_visible(p, db, company_id).await?;
    Ok(visibility_group::Entity::find()
        .filter(visibility_group::Column::CompanyId.eq(company_id))
        .order_by_asc(visibility_group::Column::Name)
        .all(db)
        .await?)
}

/// The groups a user is in.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<visibility_group::Model>> {
    let ids: Vec<Uuid> = user_visibility_group::Entity::find()
        .filter(user_visibility_group::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    Ok(visibility_group::Entity::find()
        .filter(visibility_group::Column::Id.is_in(ids))
        .order_by_asc(visibility_group::Column::Name)
        .all(db)
        .await?)
}

pub async fn create(
    p: &Principal,
    db: &DatabaseConnection,
    company_id: Uuid,
    name: &str,
    departments: &[String],
) -> AppResult<visibility_group::Model> {
    p.require(perm::VISIBILITY_GROUPS_EDIT)?;
    require_unlimited(p)?;
    companies::find_visible(p, db, company_id).await?;
    let name = shared::limits::name("name", name)?;
    let departments = validate_departments(departments)?;
    let now = OffsetDateTime::now_utc();
    let model = visibility_group::Model {
        id: Uuid::now_v7(),
        company_id,
        name: name.clone(),
        departments: serde_json::json!(departments),
        created_at: now,
        updated_at: now,
    };
    let txn = db.begin().await?;
    visibility_group::Entity::insert(visibility_group::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "name",
                format!("a visibility group named '{name}' already exists"),
            )
        })?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("visibility_group.create", "visibility_group", model.id)
            .company(company_id)
            .changes(serde_json::json!({ "name": model.name, "departments": model.departments })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update(
    app: &App,
    p: &Principal,
    id: Uuid,
    name: Option<&str>,
    departments: Option<&[String]>,
) -> AppResult<visibility_group::Model> {
    let db = &app.db;
    p.require(perm::VISIBILITY_GROUPS_READ)?;
    let g = find_visible(p, db, id).await?;
    p.require(perm::VISIBILITY_GROUPS_EDIT)?;
    require_unlimited(p)?;
    let mut am = visibility_group::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut new_name = g.name.clone();
    if let Some(n) = name {
        new_name = shared::limits::name("name", n)?;
        am.name = Set(new_name.clone());
    }
    if let Some(d) = departments {
        am.departments = Set(serde_json::json!(validate_departments(d)?));
    }
    let txn = db.begin().await?;
    let updated = visibility_group::Entity::update(am)
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "name",
                format!("a visibility group named '{new_name}' already exists"),
            )
        })?;
    let mut changes = serde_json::Map::new();
    audit::diff(&mut changes, "name", &g.name, &updated.name);
    audit::diff(
        &mut changes,
        "departments",
        &g.departments,
        &updated.departments,
    );
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("visibility_group.update", "visibility_group", id)
            .company(g.company_id)
            .changes(changes.into()),
    )
    .await?;
    txn.commit().await?;
    app.invalidator.invalidate();
    Ok(updated)
}

/// Deletes a group; its members lose that limit (membership rows cascade).
pub async fn delete(app: &App, p: &Principal, id: Uuid) -> AppResult<bool> {
    let db = &app.db;
    p.require(perm::VISIBILITY_GROUPS_READ)?;
    let g = find_visible(p, db, id).await?;
    p.require(perm::VISIBILITY_GROUPS_EDIT)?;
    require_unlimited(p)?;
    let txn = db.begin().await?;
    visibility_group::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("visibility_group.delete", "visibility_group", id)
            .company(g.company_id)
            .changes(serde_json::json!({ "name": g.name, "departments": g.departments })),
    )
    .await?;
    txn.commit().await?;
    app.invalidator.invalidate();
    Ok(true)
}
