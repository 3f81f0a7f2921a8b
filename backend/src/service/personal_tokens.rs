//! Personal access tokens (SPEC §3.1, seeds 000/002/003): a user's own tokens for scripts and
//! integrations. A token carries its user's *current* permissions and visibility groups: it
//! authenticates as the user, whose principal is loaded fresh, so a role change applies at once
//! and a deactivated user's tokens fail.

use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::permissions as perm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Principal;
use crate::auth::last_used::CredentialKind;
use crate::auth::one_read::{self, Sql};
use crate::entity::personal_access_token as pat;
use crate::error::{AppError, AppResult, on_unique_violation};
use crate::service::companies::CompanyView;
use crate::service::{audit, pagination};
use crate::state::App;
use crate::token::{self, ParsedToken, TokenKind};

/// The seeds' wording, which users know from the existing product.
pub const DUPLICATE_NAME: &str = "Token already exists";

fn not_found() -> AppError {
    AppError::NotFound("personal access token".into())
}

pub fn masked(t: &pat::Model) -> String {
    token::mask(TokenKind::PersonalAccessToken, &t.public_id)
}

pub fn is_expired(t: &pat::Model, now: OffsetDateTime) -> bool {
    t.expires_at.is_some_and(|e| e <= now)
}

/// How far ahead lists warn about an expiry.
pub const EXPIRY_WARNING: time::Duration = time::Duration::days(7);

/// Not yet expired, but expiring within `EXPIRY_WARNING`.
pub fn is_expiring_soon(t: &pat::Model, now: OffsetDateTime) -> bool {
    t.expires_at
        .is_some_and(|e| e > now && e <= now + EXPIRY_WARNING)
}

/// The caller's tokens that expire within `EXPIRY_WARNING`, soonest first.
pub async fn expiring(app: &App, p: &Principal) -> AppResult<Vec<pat::Model>> {
    let now = OffsetDateTime::now_utc();
    let mut rows: Vec<pat::Model> = list(app, p, None)
        .await?
        .into_iter()
        .filter(|t| is_expiring_soon(t, now))
        .collect();
    rows.sort_by_key(|t| t.expires_at);
    Ok(rows)
}

/// Creates a token for the caller. Returns the full token (to be shown once) and the row.
pub async fn create(
    p: &Principal,
    db: &DatabaseConnection,
    name: &str,
    expires_at: Option<OffsetDateTime>,
) -> AppResult<(String, pat::Model)> {
    p.require(perm::PERSONAL_TOKENS_MANAGE)?;
    let name = shared::limits::name("name", name)?;
    let now = OffsetDateTime::now_utc();
    if let Some(e) = expires_at
        && e <= now
    {
        return Err(AppError::validation(
            "expiresAt",
            "expiresAt must be in the future (or absent for no expiration)",
        ));
    }
    let minted =
        token::mint(TokenKind::PersonalAccessToken).map_err(|e| AppError::Internal(e.into()))?;
    let model = pat::Model {
        id: Uuid::now_v7(),
        user_id: p.user.id,
        name,
        public_id: minted.public_id.clone(),
        token_hash: minted.hash.clone(),
        created_at: now,
        last_used_at: None,
        expires_at,
    };
    let txn = db.begin().await?;
    pat::Entity::insert(pat::ActiveModel::from(model.clone()))
        .exec(&txn)
        .await
        .map_err(|e| on_unique_violation(e, "name", DUPLICATE_NAME))?;
    audit::record(
        &txn,
        p.into(),
        audit_event("personal_token.create", p, &model),
    )
    .await?;
    txn.commit().await?;
    Ok((minted.expose().to_string(), model))
}

/// The caller's own tokens, newest first, optionally filtered by part of the name.
pub async fn list(app: &App, p: &Principal, name: Option<&str>) -> AppResult<Vec<pat::Model>> {
    p.require(perm::PERSONAL_TOKENS_MANAGE)?;
    let search = pagination::parse_search(name)?;
    let mut q = pat::Entity::find().filter(pat::Column::UserId.eq(p.user.id));
    if let Some(s) = &search {
        q = q.filter(pagination::contains_ci(pat::Column::Name, s));
    }
    let mut rows = q
        .order_by_desc(pat::Column::CreatedAt)
        .order_by_desc(pat::Column::Id)
        .all(&app.db)
        .await?;
    for r in &mut rows {
        if let Some(at) = app
            .last_used
            .pending(CredentialKind::PersonalAccessToken, r.id)
        {
            r.last_used_at = Some(at);
        }
    }
    Ok(rows)
}

/// Revokes (deletes) one of the caller's own tokens; another user's is NOT_FOUND.
pub async fn revoke(app: &App, p: &Principal, id: Uuid) -> AppResult<bool> {
    let db = &app.db;
    p.require(perm::PERSONAL_TOKENS_MANAGE)?;
    // Read before the transaction (SQLite: a transaction must write first, see `companies`).
    let Some(row) = pat::Entity::find_by_id(id)
        .filter(pat::Column::UserId.eq(p.user.id))
        .one(db)
        .await?
    else {
        return Err(not_found());
    };
    let txn = db.begin().await?;
    let res = pat::Entity::delete_many()
        .filter(pat::Column::Id.eq(id))
        .filter(pat::Column::UserId.eq(p.user.id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(not_found());
    }
    audit::record(
        &txn,
        p.into(),
        audit_event("personal_token.revoke", p, &row),
    )
    .await?;
    txn.commit().await?;
    app.invalidator.invalidate();
    Ok(true)
}

/// The audit entry of a token: its name, masked form and expiry, never the token.
fn audit_event(action: &'static str, p: &Principal, t: &pat::Model) -> audit::Event {
    audit::Event::new(action, "personal_access_token", t.id)
        .tenant(p.user.company_id, p.user.reseller_id)
        .changes(serde_json::json!({
            "name": t.name,
            "masked": masked(t),
            "expiresAt": t.expires_at.map(audit::rfc3339),
        }))
}

/// What a cold verification of a personal access token established.
pub struct Verified {
    /// The user's current principal, carrying the token's id.
    pub principal: Principal,
    /// The user's company view, for the REST guard (company users only).
    pub company: Option<CompanyView>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Verifies a parsed `pat_` token against the database in ONE statement (`auth::one_read`):
/// the row by public id with the user's whole principal and company view, then a constant-time
/// hash comparison, the expiry, and the principal's own refusals (deactivated user, ...).
pub async fn verify_cold(
    db: &impl ConnectionTrait,
    parsed: &ParsedToken<'_>,
) -> AppResult<Verified> {
    let invalid = || AppError::Unauthenticated("the token is invalid or has been revoked".into());
    let sql = Sql::of(db);
    let stmt = sql.statement(
        format!(
            "SELECT {}, {} FROM personal_access_tokens t \
             LEFT JOIN users u ON u.id = t.user_id {} WHERE t.public_id = {} LIMIT 1",
            Sql::columns::<pat::Entity>("t", "t_", &[]),
            Principal::columns(&sql),
            Principal::JOINS,
            sql.param(1)
        ),
        vec![parsed.public_id.into()],
    );
    let row = one_read::one(db, stmt).await?.ok_or_else(invalid)?;
    let token = pat::Model::from_query_result(&row, "t_")?;
    if !parsed.matches(&token.token_hash) {
        return Err(invalid());
    }
    if is_expired(&token, OffsetDateTime::now_utc()) {
        return Err(AppError::Unauthenticated("the token has expired".into()));
    }
    let (mut principal, company) = Principal::from_row(&row)?;
    principal.personal_token_id = Some(token.id);
    Ok(Verified {
        principal,
        company,
        expires_at: token.expires_at,
    })
}

/// Authenticates a parsed `pat_` token. Hot path: a cache hit by token hash, no database read.
/// Otherwise [`verify_cold`], one statement, whose principal is then cached (see
/// `auth::cache`), as is the company view the REST guard reads next.
pub async fn authenticate(app: &App, parsed: &ParsedToken<'_>) -> AppResult<Arc<Principal>> {
    let hash = parsed.hash();
    // Read before the database, so a change committed meanwhile leaves a stale entry.
    let epoch = app.invalidator.current();
    if let Some(p) = app.principals.get(&hash, epoch) {
        if let Some(id) = p.personal_token_id {
            app.last_used.touch(CredentialKind::PersonalAccessToken, id);
        }
        return Ok(p);
    }
    let v = verify_cold(&app.db, parsed).await?;
    if let Some(company) = v.company {
        app.remember_company(epoch, company);
    }
    let principal = Arc::new(v.principal);
    app.principals
        .insert(hash, epoch, principal.clone(), v.expires_at);
    if let Some(id) = principal.personal_token_id {
        app.last_used.touch(CredentialKind::PersonalAccessToken, id);
    }
    Ok(principal)
}
