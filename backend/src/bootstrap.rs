//! What every start does after migrations: bring the permission catalogue and the built-in roles
//! in the database in line with the code, and create the first super admin on an empty database.

use anyhow::Context;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait, sea_query::OnConflict,
};
use shared::permissions::{CATALOGUE, PermissionScope};
use shared::roles::{BUILT_IN_ROLES, SUPER_ADMIN};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::password;
use crate::entity::{permission, role, role_permission, user};

/// Upserts the catalogue, removes permissions the code no longer has, and resets the built-in
/// roles' permissions to their definitions. One transaction: a half-synced catalogue never shows.
pub async fn sync_catalogue(db: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    let rows = CATALOGUE.iter().map(|p| permission::ActiveModel {
        key: Set(p.key.into()),
        description: Set(p.description.into()),
        scope: Set(match p.scope {
            PermissionScope::Hub => "hub".into(),
            PermissionScope::Company => "company".into(),
        }),
    });
    permission::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(permission::Column::Key)
                .update_columns([permission::Column::Description, permission::Column::Scope])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    let keys: Vec<&str> = CATALOGUE.iter().map(|p| p.key).collect();
    permission::Entity::delete_many()
        .filter(permission::Column::Key.is_not_in(keys))
        .exec(&txn)
        .await?;

    let now = OffsetDateTime::now_utc();
    for def in BUILT_IN_ROLES {
        let existing = role::Entity::find()
            .filter(role::Column::BuiltIn.eq(true))
            .filter(role::Column::Name.eq(def.name))
            .one(&txn)
            .await?;
        let role_id = match existing {
            Some(r) => r.id,
            None => {
                let id = Uuid::now_v7();
                role::Entity::insert(role::ActiveModel {
                    id: Set(id),
                    company_id: Set(None),
                    name: Set(def.name.into()),
                    kind: Set(def.kind.as_str().into()),
                    built_in: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .exec(&txn)
                .await?;
                id
            }
        };
        role_permission::Entity::delete_many()
            .filter(role_permission::Column::RoleId.eq(role_id))
            .exec(&txn)
            .await?;
        let grants = def
            .permissions()
            .into_iter()
            .map(|p| role_permission::ActiveModel {
                role_id: Set(role_id),
                permission: Set(p.into()),
            });
        role_permission::Entity::insert_many(grants)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The id of a built-in role by name.
pub async fn built_in_role_id(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
) -> anyhow::Result<Uuid> {
    role::Entity::find()
        .filter(role::Column::BuiltIn.eq(true))
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|r| r.id)
        .with_context(|| format!("built-in role {name} is missing"))
}

/// What `ensure_super_admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// Users exist already; nothing was done.
    Existing,
    /// Created with the configured password.
    Created { email: String },
    /// Created with a generated password, to be shown once to the operator.
    CreatedWithGeneratedPassword { email: String, password: String },
}

/// Creates the first super admin when the database has no user at all.
pub async fn ensure_super_admin(
    db: &DatabaseConnection,
    email: &str,
    configured_password: Option<&str>,
) -> anyhow::Result<AdminBootstrap> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(AdminBootstrap::Existing);
    }
    let email = shared::limits::email(email).context("PORTCULLIS_ADMIN_EMAIL")?;
    let (password, generated) = match configured_password {
        Some(p) => {
            shared::limits::password(p).context("PORTCULLIS_ADMIN_PASSWORD")?;
            (p.to_string(), false)
        }
        None => (password::generate(), true),
    };
    let hash = password::hash(password.clone()).await?;
    let role_id = built_in_role_id(db, SUPER_ADMIN).await?;
    let now = OffsetDateTime::now_utc();
    user::Entity::insert(user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.clone()),
        name: Set("Super admin".into()),
        password_hash: Set(Some(hash)),
        role_id: Set(role_id),
        reseller_id: Set(None),
        company_id: Set(None),
        active: Set(true),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(db)
    .await?;
    Ok(if generated {
        AdminBootstrap::CreatedWithGeneratedPassword { email, password }
    } else {
        AdminBootstrap::Created { email }
    })
}
