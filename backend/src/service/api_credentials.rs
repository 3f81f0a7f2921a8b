//! Partner API credentials (SPEC §3.2, seed 001): OAuth2 client credentials (RFC 6749 §4.4) of
//! one company. Each credential is a `cli_…` client id plus a `pcs_…` client secret (shown once,
//! stored as a SHA-256 hash) and is bound to a role chosen at creation, so an integration gets
//! least privilege. Access tokens are minted by `crate::oauth`; this module owns the rows.
//!
//! Rotation: regenerating a secret may keep the old one valid for a grace period (so an
//! integration can be switched over without downtime), but voids every access token issued so
//! far at once (`tokens_not_before`), as does revoking.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use shared::permissions as perm;
use shared::roles::{COMPANY_ADMIN, RoleKind};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::last_used::CredentialKind;
use crate::auth::{Principal, Tenant};
use crate::entity::{api_credential as cred, company, role};
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::roles::{self, RoleView};
use crate::service::{audit, companies, usage};
use crate::state::App;
use crate::token::{self, TokenKind};

/// Whether a credential can still authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Revoked,
}

/// What `create` and `regenerate` return: the one moment the secret exists in clear.
pub struct IssuedSecret {
    pub client_id: String,
    /// The full `pcs_…` secret, to be shown once and never again.
    pub client_secret: String,
    pub credential: cred::Model,
}

fn not_found() -> AppError {
    AppError::NotFound("API credential".into())
}

pub fn status(c: &cred::Model) -> Status {
    if c.revoked_at.is_some() {
        Status::Revoked
    } else {
        Status::Active
    }
}

/// When the previous secret stops working, while it still works (null once the grace is over,
/// when there was none, or after a revocation).
pub fn previous_secret_expires_at(c: &cred::Model, now: OffsetDateTime) -> Option<OffsetDateTime> {
    if c.revoked_at.is_some() || c.previous_secret_hash.is_none() {
        return None;
    }
    c.previous_secret_expires_at.filter(|e| *e > now)
}

/// The masked current secret: public id visible, secret hidden (SPEC §3).
pub fn masked_secret(c: &cred::Model) -> String {
    token::mask(TokenKind::ClientSecret, &c.secret_public_id)
}

/// The instant from which access tokens are valid again, for a change made at `now`.
///
/// An access token's issue time is the millisecond timestamp of its UUIDv7 `jti` (see
/// `oauth::token`). Starting one millisecond after `now` means a token issued in the same
/// millisecond as the change is void too: it may have been issued just before it, and a client
/// simply asks again, whereas a token surviving a revocation would be a hole.
pub fn tokens_valid_from(now: OffsetDateTime) -> OffsetDateTime {
    let ms = now.unix_timestamp_nanos() / 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos((ms + 1) * 1_000_000).unwrap_or(now)
}

/// The company whose credentials the principal wants to manage, or NOT_FOUND when it is out of
/// scope. A company user asking about another company gets NOT_FOUND (not FORBIDDEN for lacking
/// `companies.read`), so the other company's existence does not leak.
async fn manageable_company(
    p: &Principal,
    db: &impl ConnectionTrait,
    company_id: Uuid,
) -> AppResult<company::Model> {
    p.require(perm::API_CREDENTIALS_MANAGE)?;
    if matches!(p.tenant, Tenant::Company { company_id: c, .. } if c != company_id) {
        return Err(AppError::NotFound("company".into()));
    }
    companies::find_visible(p, db, company_id).await
}

/// A credential the principal may manage, or NOT_FOUND.
async fn find_manageable(
    p: &Principal,
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<cred::Model> {
    p.require(perm::API_CREDENTIALS_MANAGE)?;
    let c = cred::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    manageable_company(p, db, c.company_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
    Ok(c)
}

/// The role a new credential gets: the one named, which must be a company role usable in this
/// company (built-in Company admin / Company member, or the company's own custom role), or by
/// default the built-in Company admin. Inside a company nobody hands out more than they hold, so
/// a company user cannot give a credential permissions they lack.
async fn credential_role(
    p: &Principal,
    db: &impl ConnectionTrait,
    company_id: Uuid,
    role_id: Option<Uuid>,
) -> AppResult<RoleView> {
    let company_kind = RoleKind::Company.as_str();
    let role = match role_id {
        None => role::Entity::find()
            .filter(role::Column::BuiltIn.eq(true))
            .filter(role::Column::Kind.eq(company_kind))
            .filter(role::Column::Name.eq(COMPANY_ADMIN))
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "the built-in Company admin role is missing"
                ))
            })?,
        Some(id) => role::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|r| {
                r.kind == company_kind
                    && match r.company_id {
                        None => r.built_in,
                        Some(c) => c == company_id,
                    }
            })
            .ok_or_else(|| {
                AppError::validation(
                    "roleId",
                    "roleId does not name a role usable in this company: choose Company admin, \
                     Company member or one of the company's own roles",
                )
            })?,
    };
    let view = roles::view_by_id(db, role.id).await?;
    if matches!(p.tenant, Tenant::Company { .. })
        && let Some(missing) = view.permissions.iter().find(|k| !p.has(k))
    {
        return Err(AppError::Forbidden(format!(
            "you cannot give the role '{}': it grants {missing}, which you do not hold",
            view.role.name
        )));
    }
    Ok(view)
}

fn mint_secret() -> AppResult<token::MintedToken> {
    token::mint(TokenKind::ClientSecret).map_err(|e| AppError::Internal(e.into()))
}

/// Shows a stamp not yet flushed, so "last used" is current between flushes.
fn with_pending_last_used(app: &App, mut c: cred::Model) -> cred::Model {
    if let Some(at) = app.last_used.pending(CredentialKind::ApiCredential, c.id) {
        c.last_used_at = Some(at);
    }
    c
}

/// The audit entry of a change to a credential (its changes are added by the caller).
fn audit_event(action: &'static str, c: &cred::Model) -> audit::Event {
    audit::Event::new(action, "api_credential", c.id).company(c.company_id)
}

/// A client secret's masked form, from its public id.
fn mask_secret(public_id: &str) -> String {
    token::mask(TokenKind::ClientSecret, public_id)
}

/// Creates a credential; the result holds the client secret, shown this once.
pub async fn create(
    app: &App,
    p: &Principal,
    company_id: Uuid,
    name: &str,
    role_id: Option<Uuid>,
) -> AppResult<IssuedSecret> {
    let db = &app.db;
    manageable_company(p, db, company_id).await?;
    let name = shared::limits::name("name", name)?;
    let role = credential_role(p, db, company_id, role_id).await?;
    let secret = mint_secret()?;
    let client_id = token::new_client_id().map_err(|e| AppError::Internal(e.into()))?;
    let now = OffsetDateTime::now_utc();
    let model = cred::Model {
        id: Uuid::now_v7(),
        company_id,
        name: name.clone(),
        client_id: client_id.clone(),
        role_id: role.role.id,
        secret_public_id: secret.public_id.clone(),
        secret_hash: secret.hash.clone(),
        previous_secret_public_id: None,
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        tokens_not_before: tokens_valid_from(now),
        created_by_user_id: Some(p.user.id),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let txn = db.begin().await?;
    cred::Entity::insert(cred::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| {
            on_unique_violation(
                e,
                "name",
                format!("an API credential named '{name}' already exists in this company"),
            )
        })?;
    let changes = serde_json::json!({
        "name": name,
        "clientId": client_id,
        "role": { "id": role.role.id, "name": role.role.name },
        "secret": secret.masked(),
    });
    audit::record(
        &txn,
        p.into(),
        audit_event("api_credential.create", &model).changes(changes),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedSecret {
        client_id,
        client_secret: secret.expose().to_string(),
        credential: model,
    })
}

/// The company's credentials, newest first, revoked ones included (with their status).
pub async fn list(app: &App, p: &Principal, company_id: Uuid) -> AppResult<Vec<cred::Model>> {
    manageable_company(p, &app.db, company_id).await?;
    let rows = cred::Entity::find()
        .filter(cred::Column::CompanyId.eq(company_id))
        .order_by_desc(cred::Column::CreatedAt)
        .order_by_desc(cred::Column::Id)
        .all(&app.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| with_pending_last_used(app, c))
        .collect())
}

/// One credential's details.
pub async fn get(app: &App, p: &Principal, id: Uuid) -> AppResult<cred::Model> {
    let c = find_manageable(p, &app.db, id).await?;
    Ok(with_pending_last_used(app, c))
}

/// Replaces the client secret. With `grace_seconds` > 0 the old secret keeps working that long,
/// so an integration can switch over without downtime; access tokens issued so far stop working
/// at once either way (a regeneration usually follows a suspected leak). Only one previous secret
/// is kept: regenerating again during a grace period ends the older one's grace.
pub async fn regenerate(
    app: &App,
    p: &Principal,
    id: Uuid,
    grace_seconds: Option<i32>,
) -> AppResult<IssuedSecret> {
    let db = &app.db;
    let current = find_manageable(p, db, id).await?;
    let grace = shared::limits::rotation_grace_seconds(grace_seconds)?;
    let revoked = || AppError::conflict(None, "the credential is revoked: create a new one");
    if current.revoked_at.is_some() {
        return Err(revoked());
    }
    let secret = mint_secret()?;
    let now = OffsetDateTime::now_utc();
    let (prev_id, prev_hash, prev_until) = if grace > 0 {
        (
            Some(current.secret_public_id.clone()),
            Some(current.secret_hash.clone()),
            Some(now + time::Duration::seconds(i64::from(grace))),
        )
    } else {
        (None, None, None)
    };
    // Conditional on "not revoked", so a concurrent revocation cannot be undone by a rotation.
    let txn = db.begin().await?;
    let res = cred::Entity::update_many()
        .col_expr(
            cred::Column::SecretPublicId,
            Expr::value(secret.public_id.clone()),
        )
        .col_expr(cred::Column::SecretHash, Expr::value(secret.hash.clone()))
        .col_expr(cred::Column::PreviousSecretPublicId, Expr::value(prev_id))
        .col_expr(cred::Column::PreviousSecretHash, Expr::value(prev_hash))
        .col_expr(
            cred::Column::PreviousSecretExpiresAt,
            Expr::value(prev_until),
        )
        .col_expr(
            cred::Column::TokensNotBefore,
            Expr::value(tokens_valid_from(now)),
        )
        .filter(cred::Column::Id.eq(id))
        .filter(cred::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(revoked());
    }
    let changes = serde_json::json!({
        "secret": { "before": mask_secret(&current.secret_public_id), "after": secret.masked() },
        "graceSeconds": grace,
    });
    audit::record(
        &txn,
        p.into(),
        audit_event("api_credential.regenerate_secret", &current).changes(changes),
    )
    .await?;
    txn.commit().await?;
    // Tokens issued so far are void: cached verifications of them must not outlive this write.
    app.invalidator.invalidate();
    let updated = cred::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok(IssuedSecret {
        client_id: updated.client_id.clone(),
        client_secret: secret.expose().to_string(),
        credential: with_pending_last_used(app, updated),
    })
}

/// Revokes a credential for good: its secrets stop working and every access token issued with
/// it fails at once. The row stays, with status revoked, so lists keep the history. Revoking a
/// revoked credential is a no-op.
pub async fn revoke(app: &App, p: &Principal, id: Uuid) -> AppResult<bool> {
    let db = &app.db;
    let current = find_manageable(p, db, id).await?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let res = cred::Entity::update_many()
        .col_expr(cred::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(
            cred::Column::TokensNotBefore,
            Expr::value(tokens_valid_from(now)),
        )
        .col_expr(
            cred::Column::PreviousSecretPublicId,
            Expr::value(None::<String>),
        )
        .col_expr(
            cred::Column::PreviousSecretHash,
            Expr::value(None::<String>),
        )
        .col_expr(
            cred::Column::PreviousSecretExpiresAt,
            Expr::value(None::<OffsetDateTime>),
        )
        .filter(cred::Column::Id.eq(id))
        .filter(cred::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    // A second revocation changes nothing and is not audited again.
    if res.rows_affected > 0 {
        let changes = serde_json::json!({ "name": current.name, "clientId": current.client_id });
        audit::record(
            &txn,
            p.into(),
            audit_event("api_credential.revoke", &current).changes(changes),
        )
        .await?;
    }
    txn.commit().await?;
    // Its access tokens fail at once, cached verifications included (see `oauth::cache`).
    app.invalidator.invalidate();
    Ok(true)
}

/// Which of its role's permissions a credential used in the last `days` (1..=90, default 30),
/// from the request logs (see `service::usage`): the role's company permissions, as the
/// endpoint × actions they open, against the requests its access tokens made. Checked like the
/// credential list: `api_credentials.manage` and the company in scope, else NOT_FOUND.
pub async fn usage(
    app: &App,
    p: &Principal,
    c: &cred::Model,
    days: Option<i32>,
) -> AppResult<usage::GrantUsage> {
    manageable_company(p, &app.db, c.company_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
    let days = shared::limits::usage_days(days)?;
    let since = usage::window_start(OffsetDateTime::now_utc(), days);
    let permissions = role_permissions(&app.db, c).await?;
    let observed = usage::observe(&app.db, usage::Subject::ApiCredential, c.id, since).await?;
    Ok(usage::of_role(&permissions, &observed, days, since))
}

/// Narrows a credential to some of its role's permissions (issue 8, least privilege from real
/// use): creates a custom role of the credential's company holding exactly `permissions` and
/// binds the credential to it, in one transaction. The client id and secret do not change, and
/// access tokens already issued stay valid but lose the removed permissions at once on every
/// instance: verification intersects a token's scope with the credential's current role
/// (`oauth::token::verify_access_token`), and the cached verifications are dropped here.
///
/// Needs `roles.edit` as well as `api_credentials.manage`, since it creates a role. The
/// permissions must be non-empty, known, company-scoped (`roles::validate_permissions`, which
/// also refuses a company user granting what they lack) and held by the current role: this only
/// ever removes. A revoked credential is CONFLICT, as for regeneration.
pub async fn narrow(
    app: &App,
    p: &Principal,
    id: Uuid,
    role_name: &str,
    permissions: &[String],
) -> AppResult<cred::Model> {
    let db = &app.db;
    let current = find_manageable(p, db, id).await?;
    p.require(perm::ROLES_EDIT)?;
    let revoked = || AppError::conflict(None, "the credential is revoked: create a new one");
    if current.revoked_at.is_some() {
        return Err(revoked());
    }
    let name = roles::validate_role_name_as("roleName", role_name)?;
    if permissions.is_empty() {
        return Err(AppError::validation(
            "permissions",
            "permissions must not be empty: a credential needs at least one permission (revoke \
             it if it needs none)",
        ));
    }
    let permissions = roles::validate_permissions(p, permissions)?;
    let role = roles::view_by_id(db, current.role_id).await?;
    if let Some(extra) = permissions.iter().find(|k| !role.permissions.contains(k)) {
        return Err(AppError::validation(
            "permissions",
            format!(
                "the credential's role '{}' does not grant {extra}: narrowing can only remove \
                 permissions",
                role.role.name
            ),
        ));
    }
    let txn = db.begin().await?;
    let narrowed =
        roles::insert_custom(&txn, current.company_id, &name, permissions, "roleName").await?;
    // Conditional on the role it was checked against and on "not revoked", so that a concurrent
    // change is not silently overwritten.
    let res = cred::Entity::update_many()
        .col_expr(cred::Column::RoleId, Expr::value(narrowed.role.id))
        .filter(cred::Column::Id.eq(id))
        .filter(cred::Column::RoleId.eq(current.role_id))
        .filter(cred::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(
            None,
            "the credential changed meanwhile (revoked, or bound to another role): reload and \
             try again",
        ));
    }
    let changes = serde_json::json!({
        "role": {
            "before": { "id": role.role.id, "name": role.role.name },
            "after": { "id": narrowed.role.id, "name": narrowed.role.name },
        },
        "permissions": { "before": role.permissions, "after": narrowed.permissions },
    });
    audit::record(
        &txn,
        p.into(),
        audit_event("api_credential.narrow", &current).changes(changes),
    )
    .await?;
    txn.commit().await?;
    // Cached token verifications carry the old role's permissions.
    app.invalidator.invalidate();
    let updated = cred::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok(with_pending_last_used(app, updated))
}

/// Looks a credential up by client id (no scope check: for the OAuth endpoints).
pub async fn find_by_client_id(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> AppResult<Option<cred::Model>> {
    Ok(cred::Entity::find()
        .filter(cred::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// OAuth client authentication (RFC 6749 §2.3.1): the client id and either the current secret,
/// or the previous one while its grace period lasts. Secrets are compared in constant time (by
/// hash); a malformed secret is rejected before any database read. Every failure has the same
/// message, so a caller cannot tell an unknown client from a wrong secret.
pub async fn authenticate_client(
    app: &App,
    client_id: &str,
    secret: &str,
) -> AppResult<cred::Model> {
    let invalid = || AppError::Unauthenticated("client authentication failed".into());
    let parsed = token::parse(secret).map_err(|_| invalid())?;
    if parsed.kind != TokenKind::ClientSecret || client_id.len() > 64 {
        return Err(invalid());
    }
    let c = find_by_client_id(&app.db, client_id)
        .await?
        .ok_or_else(invalid)?;
    if c.revoked_at.is_some() {
        return Err(invalid());
    }
    let now = OffsetDateTime::now_utc();
    // Both comparisons run every time, so timing does not say which secret matched.
    let current = parsed.matches(&c.secret_hash) && parsed.public_id == c.secret_public_id;
    let previous = match (&c.previous_secret_public_id, &c.previous_secret_hash) {
        (Some(pid), Some(hash)) => {
            parsed.matches(hash)
                && parsed.public_id == pid.as_str()
                && previous_secret_expires_at(&c, now).is_some()
        }
        _ => false,
    };
    if !(current || previous) {
        return Err(invalid());
    }
    app.last_used.touch(CredentialKind::ApiCredential, c.id);
    Ok(c)
}

/// The permissions of a credential's role, now (a custom role may have changed since a token was
/// issued, so callers intersect the token's scope with this).
pub async fn role_permissions(
    db: &impl ConnectionTrait,
    c: &cred::Model,
) -> AppResult<Vec<String>> {
    Ok(roles::view_by_id(db, c.role_id).await?.permissions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_valid_from_is_the_next_millisecond() {
        let now =
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).expect("instant");
        let from = tokens_valid_from(now);
        assert_eq!(from.unix_timestamp_nanos(), 1_700_000_000_124_000_000);
        assert!(from > now);
    }
}
