//! Users: platform staff, reseller staff and company users, each with one role.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};
use shared::permissions as perm;
use shared::roles::RoleKind;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{Principal, Tenant, password, session};
use crate::entity::{company, role, user, user_visibility_group, visibility_group};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::pagination::{self, Page, PageRequest};
use crate::service::{audit, companies, resellers, roles, visibility_groups};
use crate::state::App;

#[derive(Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: Option<String>,
    pub role_id: Uuid,
    pub company_id: Option<Uuid>,
    pub reseller_id: Option<Uuid>,
    pub visibility_group_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub role_id: Option<Uuid>,
    pub active: Option<bool>,
    pub visibility_group_ids: Option<Vec<Uuid>>,
}

fn not_found() -> AppError {
    AppError::NotFound("user".into())
}

fn without_secret(mut u: user::Model) -> user::Model {
    u.password_hash = None;
    u
}

/// Whether the principal may see this user.
async fn can_see(p: &Principal, db: &impl ConnectionTrait, u: &user::Model) -> AppResult<bool> {
    if p.user.id == u.id {
        return Ok(true);
    }
    Ok(match p.tenant {
        Tenant::Platform => true,
        Tenant::Reseller { reseller_id } => {
            if u.reseller_id == Some(reseller_id) {
                true
            } else if let Some(c) = u.company_id {
                company::Entity::find_by_id(c)
                    .one(db)
                    .await?
                    .is_some_and(|c| c.reseller_id == reseller_id)
            } else {
                false
            }
        }
        Tenant::Company { company_id, .. } => u.company_id == Some(company_id),
    })
}

pub async fn find_visible(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<user::Model> {
    let u = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if u.id != p.user.id {
        p.require(perm::USERS_READ)?;
    }
    if !can_see(p, db, &u).await? {
        return Err(not_found());
    }
    Ok(without_secret(u))
}

pub async fn list(
    p: &Principal,
    db: &DatabaseConnection,
    search: Option<&str>,
    company_id: Option<Uuid>,
    reseller_id: Option<Uuid>,
    req: &PageRequest,
) -> AppResult<Page<user::Model>> {
    p.require(perm::USERS_READ)?;
    let search = pagination::parse_search(search)?;
    let mut q = user::Entity::find();
    match p.tenant {
        Tenant::Platform => {}
        Tenant::Reseller { reseller_id: r } => {
            let company_ids = company::Entity::find()
                .select_only()
                .column(company::Column::Id)
                .filter(company::Column::ResellerId.eq(r))
                .into_tuple::<Uuid>()
                .all(db)
                .await?;
            q = q.filter(
                Condition::any()
                    .add(user::Column::ResellerId.eq(r))
                    .add(user::Column::CompanyId.is_in(company_ids)),
            );
        }
        Tenant::Company { company_id: c, .. } => q = q.filter(user::Column::CompanyId.eq(c)),
    }
    if let Some(c) = company_id {
        q = q.filter(user::Column::CompanyId.eq(c));
    }
    if let Some(r) = reseller_id {
        q = q.filter(user::Column::ResellerId.eq(r));
    }
    if let Some(s) = &search {
        q = q.filter(
            Condition::any()
                .add(pagination::contains_ci(user::Column::Name, s))
                .add(pagination::contains_ci(user::Column::Email, s)),
        );
    }
    let page = pagination::by_name(db, q, user::Column::Name, user::Column::Id, req, |u| {
        (u.name.clone(), u.id)
    })
    .await?;
    Ok(page.map(without_secret))
}

/// Checks that the principal may give `role` to a user placed at `company_id` / `reseller_id`.
async fn check_assignable(
    p: &Principal,
    db: &impl ConnectionTrait,
    role_id: Uuid,
    company_id: Option<Uuid>,
    reseller_id: Option<Uuid>,
) -> AppResult<role::Model> {
    let role = roles::find_visible(p, db, role_id)
        .await
        .map_err(|_| AppError::validation("roleId", "roleId does not name a role you can see"))?;
    let kind = RoleKind::parse(&role.kind).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("role {} has kind {}", role.id, role.kind))
    })?;
    match kind {
        RoleKind::Platform => {
            if !p.is_platform() {
                return Err(AppError::Forbidden(
                    "only platform staff can create platform staff".into(),
                ));
            }
            if company_id.is_some() || reseller_id.is_some() {
                return Err(AppError::validation(
                    "roleId",
                    format!(
                        "the role '{}' is for platform staff: give neither companyId nor resellerId",
                        role.name
                    ),
                ));
            }
        }
        RoleKind::Reseller => {
            let r = reseller_id
                .filter(|_| company_id.is_none())
                .ok_or_else(|| {
                    AppError::validation(
                        "resellerId",
                        format!(
                            "the role '{}' is for reseller staff: give resellerId and no companyId",
                            role.name
                        ),
                    )
                })?;
            resellers::find_visible(p, db, r).await.map_err(|_| {
                AppError::validation(
                    "resellerId",
                    "resellerId does not name a reseller you manage",
                )
            })?;
        }
        RoleKind::Company => {
            let c = company_id
                .filter(|_| reseller_id.is_none())
                .ok_or_else(|| {
                    AppError::validation(
                        "companyId",
                        format!(
                            "the role '{}' is for company users: give companyId and no resellerId",
                            role.name
                        ),
                    )
                })?;
            companies::find_visible(p, db, c).await.map_err(|_| {
                AppError::validation("companyId", "companyId does not name a company you manage")
            })?;
            if role.company_id.is_some_and(|rc| rc != c) {
                return Err(AppError::validation(
                    "roleId",
                    "the role belongs to another company",
                ));
            }
        }
    }
    // Inside a company, nobody hands out more than they hold.
    if matches!(p.tenant, Tenant::Company { .. }) {
        let granted = roles::view_by_id(db, role.id).await?;
        if let Some(missing) = granted.permissions.iter().find(|k| !p.has(k)) {
            return Err(AppError::Forbidden(format!(
                "you cannot give the role '{}': it grants {missing}, which you do not hold",
                role.name
            )));
        }
    }
    Ok(role)
}

/// Validates that every group belongs to the user's company; returns them deduplicated.
async fn check_groups(
    db: &impl ConnectionTrait,
    company_id: Option<Uuid>,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let Some(company_id) = company_id else {
        return Err(AppError::validation(
            "visibilityGroupIds",
            "visibility groups apply to company users only",
        ));
    };
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let found = visibility_group::Entity::find()
        .filter(visibility_group::Column::Id.is_in(ids.clone()))
        .filter(visibility_group::Column::CompanyId.eq(company_id))
        .all(db)
        .await?;
    if found.len() != ids.len() {
        return Err(AppError::validation(
            "visibilityGroupIds",
            "visibilityGroupIds names a group that is not in the user's company",
        ));
    }
    Ok(ids)
}

/// The ids of the groups a user is in, sorted (as `check_groups` returns them).
async fn group_ids_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = visibility_groups::of_user(db, user_id)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// A principal limited by visibility groups hands out no more than it sees itself: every
/// company user it creates or regroups must end up limited to departments within its own, and
/// never unlimited (no groups).
async fn check_within_own_limit(
    p: &Principal,
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<()> {
    let Some(mine) = &p.departments else {
        return Ok(());
    };
    if ids.is_empty() {
        return Err(AppError::Forbidden(format!(
            "you see only the departments {}: give the user visibility groups within them",
            mine.join(", ")
        )));
    }
    let groups = visibility_group::Entity::find()
        .filter(visibility_group::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    for g in &groups {
        if let Some(extra) = visibility_groups::departments(g)
            .into_iter()
            .find(|d| !mine.contains(d))
        {
            return Err(AppError::Forbidden(format!(
                "the group '{}' shows department '{extra}', which you do not see",
                g.name
            )));
        }
    }
    Ok(())
}

async fn set_groups(db: &impl ConnectionTrait, user_id: Uuid, ids: &[Uuid]) -> AppResult<()> {
    user_visibility_group::Entity::delete_many()
        .filter(user_visibility_group::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !ids.is_empty() {
        user_visibility_group::Entity::insert_many(ids.iter().map(|g| {
            user_visibility_group::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(*g),
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
    input: NewUser,
) -> AppResult<user::Model> {
    p.require(perm::USERS_CREATE)?;
    let email = shared::limits::email(&input.email)?;
    let name = shared::limits::name("name", &input.name)?;
    check_assignable(p, db, input.role_id, input.company_id, input.reseller_id).await?;
    let groups = check_groups(
        db,
        input.company_id,
        input.visibility_group_ids.as_deref().unwrap_or_default(),
    )
    .await?;
    if input.company_id.is_some() {
        check_within_own_limit(p, db, &groups).await?;
    }
    let hash = match input.password {
        Some(pw) => {
            shared::limits::password(&pw)?;
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let model = user::Model {
        id: Uuid::now_v7(),
        email: email.clone(),
        name,
        password_hash: hash,
        role_id: input.role_id,
        reseller_id: input.reseller_id,
        company_id: input.company_id,
        active: true,
        last_login_at: None,
        created_at: now,
        updated_at: now,
    };
    let txn = db.begin().await?;
    user::Entity::insert(user::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "email",
                format!("a user with email {email} already exists"),
            )
        })?;
    set_groups(&txn, model.id, &groups).await?;
    // Whether a password was set, never the password or its hash.
    let changes = serde_json::json!({
        "email": model.email,
        "name": model.name,
        "roleId": model.role_id,
        "visibilityGroupIds": groups,
        "passwordSet": model.password_hash.is_some(),
    });
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("user.create", "user", model.id)
            .tenant(model.company_id, model.reseller_id)
            .changes(changes),
    )
    .await?;
    txn.commit().await?;
    Ok(without_secret(model))
}

pub async fn update(app: &App, p: &Principal, id: Uuid, upd: UserUpdate) -> AppResult<user::Model> {
    let db = &app.db;
    let current = find_visible(p, db, id).await?;
    p.require(perm::USERS_EDIT)?;
    let is_self = current.id == p.user.id;
    let mut am = user::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    if let Some(n) = &upd.name {
        am.name = Set(shared::limits::name("name", n)?);
    }
    if let Some(role_id) = upd.role_id.filter(|r| *r != current.role_id) {
        if is_self {
            return Err(AppError::Forbidden(
                "you cannot change your own role".into(),
            ));
        }
        check_assignable(p, db, role_id, current.company_id, current.reseller_id).await?;
        am.role_id = Set(role_id);
    }
    let deactivate = upd.active == Some(false) && current.active;
    if let Some(active) = upd.active {
        if is_self && !active {
            return Err(AppError::Forbidden("you cannot deactivate yourself".into()));
        }
        am.active = Set(active);
    }
    let groups = match &upd.visibility_group_ids {
        Some(ids) => {
            let ids = check_groups(db, current.company_id, ids).await?;
            // Groups limit what their members see: lifting one's own limit is an escalation.
            if is_self && ids != group_ids_of(db, id).await? {
                return Err(AppError::Forbidden(
                    "you cannot change your own visibility groups".into(),
                ));
            }
            if !is_self {
                check_within_own_limit(p, db, &ids).await?;
            }
            Some(ids)
        }
        None => None,
    };
    let groups_before = match &groups {
        Some(_) => Some(group_ids_of(db, id).await?),
        None => None,
    };
    let txn = db.begin().await?;
    let updated = user::Entity::update(am).exec(&txn).await?;
    if let Some(ids) = &groups {
        set_groups(&txn, id, ids).await?;
    }
    let mut changes = serde_json::Map::new();
    audit::diff(&mut changes, "name", &current.name, &updated.name);
    audit::diff(&mut changes, "roleId", &current.role_id, &updated.role_id);
    audit::diff(&mut changes, "active", &current.active, &updated.active);
    if let (Some(before), Some(after)) = (&groups_before, &groups) {
        audit::diff(&mut changes, "visibilityGroupIds", before, after);
    }
    audit::record(
        &txn,
        p.into(),
        audit::Event::new("user.update", "user", id)
            .tenant(current.company_id, current.reseller_id)
            .changes(changes.into()),
    )
    .await?;
    if deactivate {
        // Sessions end now; tokens (later issues) fail because the principal will not load.
        session::revoke_all_for_user(&txn, id).await?;
    }
    txn.commit().await?;
    // What this principal's tokens may do changed: drop cached principals.
    app.invalidator.invalidate();
    Ok(without_secret(updated))
}
