//! `POST /oauth/revoke` (RFC 7009): a client revokes one of its own access tokens, for example
//! when an integration shuts down. The token's `jti` is kept until the token would have expired
//! anyway, and `verify_access_token` rejects it from then on (the verification cache is dropped
//! at once on this instance).
//!
//! Whatever the token (unknown, malformed, expired, or another client's), the answer is 200 once
//! the client is authenticated (RFC 7009 §2.2): a client learns nothing about tokens that are
//! not its own, and cannot affect them.

use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use time::OffsetDateTime;

use crate::entity::revoked_access_token;
use crate::error::AppError;
use crate::logs::{Identity, client_ip};
use crate::oauth::errors::{OAuthError, decided, no_store};
use crate::oauth::token::decode_claims;
use crate::oauth::{ClientCredentials, Form};
use crate::service::audit;
use crate::state::{App, AppState};

async fn handle(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    who: &mut Option<Identity>,
) -> Result<Response, OAuthError> {
    let form = Form::parse(headers, body)?;
    let creds = ClientCredentials::from_request(headers, &form)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("the token parameter is required"))?;
    let cred = creds.authenticate(app).await?;
    *who = Some(Identity::of_client(&cred));
    // `token_type_hint` may be ignored (§2.1): access tokens are the only kind there is.
    if let Ok(claims) = decode_claims(app, token)
        && claims.client_id == cred.client_id
        && let Ok(expires_at) = OffsetDateTime::from_unix_timestamp(claims.exp)
    {
        // The revocation and its audit row commit together.
        let txn = app.db.begin().await.map_err(AppError::from)?;
        let inserted = revoked_access_token::Entity::insert(revoked_access_token::ActiveModel {
            jti: sea_orm::ActiveValue::Set(claims.jti.clone()),
            expires_at: sea_orm::ActiveValue::Set(expires_at),
        })
        .on_conflict_do_nothing_on([revoked_access_token::Column::Jti])
        .exec(&txn)
        .await
        .map_err(AppError::from)?;
        // Revoking a token twice changes nothing the second time: one audit row.
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            audit::record(
                &txn,
                audit::Actor::api_credential(cred.id),
                audit::Event::new("api_credential.token_revoke", "api_credential", cred.id)
                    .company(cred.company_id)
                    .changes(serde_json::json!({
                        "jti": claims.jti,
                        "expiresAt": audit::rfc3339(expires_at),
                    })),
            )
            .await
            .map_err(OAuthError::from)?;
        }
        txn.commit().await.map_err(AppError::from)?;
        // The token may be in the verification cache: make every cached entry stale now.
        app.invalidator.invalidate();
        // Entries for tokens that have expired since protect nothing: drop them.
        revoked_access_token::Entity::delete_many()
            .filter(revoked_access_token::Column::ExpiresAt.lt(OffsetDateTime::now_utc()))
            .exec(&app.db)
            .await
            .map_err(AppError::from)?;
    }
    let mut resp = StatusCode::OK.into_response();
    no_store(&mut resp);
    Ok(resp)
}

/// `POST /oauth/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut client = None;
    // The audit row names the client's address, resolved like the API logs'.
    let ip = client_ip::resolve(Some(peer.ip()), &headers, &state.app.config.trusted_proxies);
    let result = audit::with_client_ip(ip, handle(&state.app, &headers, &body, &mut client)).await;
    decided(result, client)
}
