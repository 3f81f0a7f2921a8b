//! Admin sessions: `login` issues a short-lived JWT (HS256, signed with a secret the server
//! generates once and keeps in the database, so every instance and every restart agrees).
//! Each session is also a row, so it can be revoked (sign-out, deactivation) before it expires.

use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::TryRngCore;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Principal;
use crate::entity::{server_secret, session};
use crate::error::{AppError, AppResult};

const SECRET_NAME: &str = "session_jwt_hs256";
const ISSUER: &str = "portcullis";
const AUDIENCE: &str = "portcullis-admin";

/// The signing keys; deliberately not `Debug`.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
}

impl SessionKeys {
    /// Reads the signing secret, creating it on first start. Two instances starting together
    /// both try to insert; the loser's insert is ignored and both read the winner's secret.
    pub async fn load_or_create(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .context("reading the OS random number generator")?;
        let candidate = server_secret::ActiveModel {
            name: Set(SECRET_NAME.into()),
            value: Set(base64::engine::general_purpose::STANDARD.encode(bytes)),
            created_at: Set(OffsetDateTime::now_utc()),
        };
        server_secret::Entity::insert(candidate)
            .on_conflict_do_nothing_on([server_secret::Column::Name])
            .exec(db)
            .await?;
        let row = server_secret::Entity::find_by_id(SECRET_NAME.to_string())
            .one(db)
            .await?
            .context("session secret missing after insert")?;
        let secret = base64::engine::general_purpose::STANDARD
            .decode(row.value.as_bytes())
            .context("session secret is not base64")?;
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
        })
    }

    fn validation() -> Validation {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 0;
        v
    }
}

/// Whether a bearer token looks like a session JWT (three base64url parts) rather than one of
/// the prefixed API secrets.
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

/// Starts a session for a user; returns the token and its expiry.
pub async fn create(
    db: &impl ConnectionTrait,
    keys: &SessionKeys,
    user_id: Uuid,
    ttl: time::Duration,
) -> AppResult<(String, OffsetDateTime)> {
    let now = OffsetDateTime::now_utc();
    let expires_at = now + ttl;
    let sid = Uuid::now_v7();
    session::Entity::insert(session::ActiveModel {
        id: Set(sid),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    })
    .exec(db)
    .await?;
    let claims = Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user_id,
        sid,
        iat: now.unix_timestamp(),
        exp: expires_at.unix_timestamp(),
    };
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
        .context("signing session token")?;
    Ok((token, expires_at))
}

/// Verifies a session token and loads its principal. The session must exist, be unexpired and
/// unrevoked, and its user active.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    keys: &SessionKeys,
    token: &str,
) -> AppResult<Principal> {
    let data = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &SessionKeys::validation())
        .map_err(|e| {
            let why = match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the session has expired",
                _ => "the session token is invalid",
            };
            AppError::Unauthenticated(why.into())
        })?;
    let claims = data.claims;
    let row = session::Entity::find_by_id(claims.sid)
        .one(db)
        .await?
        .filter(|s| s.user_id == claims.sub)
        .ok_or_else(|| AppError::Unauthenticated("the session token is invalid".into()))?;
    if row.revoked_at.is_some() {
        return Err(AppError::Unauthenticated(
            "the session was signed out".into(),
        ));
    }
    if row.expires_at <= OffsetDateTime::now_utc() {
        return Err(AppError::Unauthenticated("the session has expired".into()));
    }
    let mut principal = Principal::load(db, claims.sub).await?;
    principal.session_id = Some(claims.sid);
    Ok(principal)
}

/// Signs one session out.
pub async fn revoke(db: &impl ConnectionTrait, session_id: Uuid) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc()),
        )
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Signs every session of a user out (deactivation).
pub async fn revoke_all_for_user(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc()),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
