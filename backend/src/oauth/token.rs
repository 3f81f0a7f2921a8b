//! `POST /oauth/token` (client-credentials grant, RFC 6749 §4.4) and the JWT access tokens it
//! issues (RFC 9068 profile): header `typ: at+jwt`, `alg: EdDSA`, `kid`; claims `iss`, `sub`
//! (= client id), `aud`, `exp`, `iat`, `jti`, `client_id`, `company_id`, `scope`.
//!
//! Tokens are self-contained for signature and expiry, but `verify_access_token` also reads the
//! credential, so revoking or regenerating it voids outstanding tokens at once, and the
//! revocation list of RFC 7009 voids single tokens. Successful verifications are cached
//! (`oauth::cache`) and every such write drops the cache, so the hot path reads no database.

use std::collections::BTreeSet;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, Header, Validation};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::permissions as perm;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::last_used::CredentialKind;
use crate::auth::one_read::{self, Sql};
use crate::entity::api_credential;
use crate::error::{AppError, AppResult};
use crate::logs::Identity;
use crate::oauth::cache;
use crate::oauth::errors::{OAuthError, OAuthErrorCode, decided, no_store};
use crate::oauth::{ClientCredentials, Form};
use crate::service::api_credentials;
use crate::service::companies::CompanyView;
use crate::service::roles;
use crate::state::{App, AppState};

/// Lifetime of an access token, in seconds (SPEC §3.2: one hour). Short, because a token cannot
/// be narrowed after issue; a client simply asks for another.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 3600;

/// The only grant type supported: machine-to-machine access.
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";

/// The JWT `typ` of RFC 9068 §2.1, which keeps an access token from being mistaken for another
/// kind of JWT (an ID token, an admin session).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Longest string even looked at as a token.
const MAX_JWT_LEN: usize = 8 * 1024;

/// An access token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub company_id: Uuid,
    /// Space-separated permission keys.
    pub scope: String,
}

/// What a verified access token allows: the REST guards act on this.
#[derive(Debug, Clone)]
pub struct CredentialAccess {
    pub credential_id: Uuid,
    pub client_id: String,
    pub company_id: Uuid,
    pub role_id: Uuid,
    /// The token's scope, narrowed to what the credential's role grants *now* (a custom role can
    /// lose permissions after the token was issued), in catalogue order.
    pub scopes: Vec<String>,
    pub jti: Uuid,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl CredentialAccess {
    pub fn has(&self, permission: &str) -> bool {
        self.scopes.iter().any(|s| s == permission)
    }
}

/// The `iss` of every access token: the configured public URL.
pub fn issuer(app: &App) -> String {
    app.config.public_url.trim_end_matches('/').to_string()
}

/// The `aud` of every access token: the public REST API.
pub fn audience(app: &App) -> String {
    format!("{}/api/v1", issuer(app))
}

/// The issue instant of a token, in Unix milliseconds: the timestamp of its UUIDv7 `jti`, which
/// is signed with the rest and finer than `iat` (whole seconds), so "issued before the secret
/// was regenerated" is decided to the millisecond.
fn issued_at_ms(jti: &Uuid) -> Option<i64> {
    if jti.get_version_num() != 7 {
        return None;
    }
    let (secs, nanos) = jti.get_timestamp()?.to_unix();
    i64::try_from(secs)
        .ok()?
        .checked_mul(1000)?
        .checked_add(i64::from(nanos / 1_000_000))
}

/// Signs an access token for a credential with the given scope.
pub(crate) fn issue(
    app: &App,
    cred: &api_credential::Model,
    scopes: &[String],
) -> AppResult<(String, AccessClaims)> {
    let jti = Uuid::now_v7();
    let ms = issued_at_ms(&jti).context("a UUIDv7 without timestamp")?;
    let iat = ms.div_euclid(1000);
    let claims = AccessClaims {
        iss: issuer(app),
        sub: cred.client_id.clone(),
        aud: audience(app),
        exp: iat + ACCESS_TOKEN_TTL_SECS,
        iat,
        jti: jti.to_string(),
        client_id: cred.client_id.clone(),
        company_id: cred.company_id,
        scope: scopes.join(" "),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    header.kid = Some(app.oauth_keys.kid().to_string());
    let jwt = jsonwebtoken::encode(&header, &claims, app.oauth_keys.encoding())
        .context("signing an access token")?;
    Ok((jwt, claims))
}

fn invalid() -> AppError {
    AppError::Unauthenticated("the access token is invalid".into())
}

fn revoked() -> AppError {
    AppError::Unauthenticated("the access token has been revoked".into())
}

/// Checks a token's form, header, signature, issuer, audience and expiry, but not the database.
/// Only `EdDSA` with our `kid` is accepted: `alg: none`, HMAC (including the public key used as
/// an HMAC secret) and foreign keys fail before any signature check.
pub fn decode_claims(app: &App, jwt: &str) -> AppResult<AccessClaims> {
    if jwt.len() > MAX_JWT_LEN {
        return Err(invalid());
    }
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| invalid())?;
    let typ_ok = header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP) || t.eq_ignore_ascii_case("application/at+jwt")
    });
    if header.alg != Algorithm::EdDSA
        || header.kid.as_deref() != Some(app.oauth_keys.kid())
        || !typ_ok
    {
        return Err(invalid());
    }
    let mut v = Validation::new(Algorithm::EdDSA);
    v.set_issuer(&[issuer(app)]);
    v.set_audience(&[audience(app)]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 0;
    let data =
        jsonwebtoken::decode::<AccessClaims>(jwt, app.oauth_keys.decoding(), &v).map_err(|e| {
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::Unauthenticated("the access token has expired".into())
                }
                _ => invalid(),
            }
        })?;
    if data.claims.sub != data.claims.client_id {
        return Err(invalid());
    }
    Ok(data.claims)
}

/// Verifies an access token for use: `decode_claims`, then the credential must exist, belong to
/// the token's company, be unrevoked, and not have been regenerated or revoked after the token
/// was issued (`tokens_not_before`); the token's `jti` must not be revoked (RFC 7009). Records
/// the credential's use.
///
/// Hot path: a token verified before, with no voiding write since (see `oauth::cache`), is
/// answered from the cache without a database read; only its expiry is checked again.
pub async fn verify_access_token(app: &App, jwt: &str) -> AppResult<CredentialAccess> {
    if jwt.len() > MAX_JWT_LEN {
        return Err(invalid());
    }
    let key = cache::key(jwt);
    // Read before the database, so a voiding write committed meanwhile leaves a stale entry.
    let epoch = app.invalidator.current();
    if let Some(access) = app.oauth_keys.verified().get(&key, epoch) {
        app.last_used
            .touch(CredentialKind::ApiCredential, access.credential_id);
        return Ok(access);
    }
    let access = verify_uncached(app, jwt, epoch).await?;
    app.oauth_keys.verified().insert(key, epoch, access.clone());
    Ok(access)
}

/// `verify_access_token` without the cache: signature and claims, then [`verify_claims`].
/// `epoch` was read before, for the company view it caches on the way (see `auth::cache`).
async fn verify_uncached(app: &App, jwt: &str, epoch: u64) -> AppResult<CredentialAccess> {
    let claims = decode_claims(app, jwt)?;
    let (access, company) = verify_claims(&app.db, &claims).await?;
    if let Some(company) = company {
        app.remember_company(epoch, company);
    }
    app.last_used
        .touch(CredentialKind::ApiCredential, access.credential_id);
    Ok(access)
}

/// Checks decoded claims against the database in ONE statement (`auth::one_read`): the
/// credential by client id with its role's permissions and its company view, and whether the
/// `jti` is revoked. The credential must belong to the token's company, be unrevoked, and not
/// have been regenerated or revoked after the token was issued (`tokens_not_before`).
pub async fn verify_claims(
    db: &impl ConnectionTrait,
    claims: &AccessClaims,
) -> AppResult<(CredentialAccess, Option<CompanyView>)> {
    let jti = Uuid::parse_str(&claims.jti).map_err(|_| invalid())?;
    let issued_ms = issued_at_ms(&jti).ok_or_else(invalid)?;
    let sql = Sql::of(db);
    let stmt = sql.statement(
        format!(
            "SELECT {}, {}, r.id AS role_found, {} AS c_permissions, \
             (SELECT x.jti FROM revoked_access_tokens x WHERE x.jti = {}) AS revoked_jti \
             FROM api_credentials c LEFT JOIN roles r ON r.id = c.role_id {} \
             WHERE c.client_id = {} LIMIT 1",
            Sql::columns::<api_credential::Entity>("c", "c_", &[]),
            sql.company_columns(),
            sql.json_array(
                "rp.permission",
                "role_permissions rp WHERE rp.role_id = c.role_id"
            ),
            sql.param(2),
            one_read::company_joins("c"),
            sql.param(1),
        ),
        vec![claims.client_id.as_str().into(), jti.to_string().into()],
    );
    let row = one_read::one(db, stmt).await?.ok_or_else(invalid)?;
    let cred = api_credential::Model::from_query_result(&row, "c_")?;
    if cred.company_id != claims.company_id {
        return Err(invalid());
    }
    if cred.revoked_at.is_some() {
        return Err(revoked());
    }
    let not_before = cred.tokens_not_before;
    let not_before_ms =
        i64::try_from(not_before.unix_timestamp_nanos() / 1_000_000).map_err(|_| invalid())?;
    if issued_ms < not_before_ms || claims.iat < not_before.unix_timestamp() {
        return Err(revoked());
    }
    let revoked_jti: Option<String> = row.try_get("", "revoked_jti")?;
    if revoked_jti.is_some() {
        return Err(revoked());
    }
    // As `api_credentials::role_permissions`: a credential whose role is gone has none.
    let role_found: Option<Uuid> = row.try_get("", "role_found")?;
    if role_found.is_none() {
        return Err(AppError::NotFound("role".into()));
    }
    let mut granted: Vec<String> = one_read::json_text(&row, "c_permissions")?;
    roles::sort_by_catalogue(&mut granted);
    let wanted: BTreeSet<&str> = claims.scope.split(' ').collect();
    let scopes = granted
        .into_iter()
        .filter(|g| wanted.contains(g.as_str()))
        .collect();
    let company = one_read::company_view(&row)?;
    let access = CredentialAccess {
        credential_id: cred.id,
        client_id: cred.client_id,
        company_id: cred.company_id,
        role_id: cred.role_id,
        scopes,
        jti,
        issued_at: OffsetDateTime::from_unix_timestamp(claims.iat).map_err(|_| invalid())?,
        expires_at: OffsetDateTime::from_unix_timestamp(claims.exp).map_err(|_| invalid())?,
    };
    Ok((access, company))
}

/// The scope to grant: all of the role's permissions when none is requested, else the requested
/// subset (RFC 6749 §3.3), which must lie within the role.
fn select_scopes(granted: &[String], requested: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let invalid_scope = |d: String| OAuthError::new(OAuthErrorCode::InvalidScope, d);
    let scopes: Vec<String> = match requested {
        None => granted.to_vec(),
        Some(req) => {
            let wanted: BTreeSet<&str> = req.split(' ').filter(|s| !s.is_empty()).collect();
            if wanted.is_empty() {
                return Err(invalid_scope("the scope is empty".into()));
            }
            if let Some(w) = wanted.iter().find(|w| !granted.iter().any(|g| g == *w)) {
                return Err(invalid_scope(if perm::find(w).is_some() {
                    format!("the scope {w} is not granted to this client's role")
                } else {
                    "an unknown scope was requested".into()
                }));
            }
            granted
                .iter()
                .filter(|g| wanted.contains(g.as_str()))
                .cloned()
                .collect()
        }
    };
    if scopes.is_empty() {
        return Err(invalid_scope(
            "this client's role grants no permissions".into(),
        ));
    }
    Ok(scopes)
}

/// The client-credentials grant once the request is parsed: authenticates the client, settles
/// the scope and signs the token.
async fn grant(
    app: &App,
    client: &ClientCredentials,
    scope: Option<&str>,
    who: &mut Option<Identity>,
) -> Result<(String, AccessClaims), OAuthError> {
    let cred = client.authenticate(app).await?;
    *who = Some(Identity::of_client(&cred));
    let granted = api_credentials::role_permissions(&app.db, &cred).await?;
    let scopes = select_scopes(&granted, scope)?;
    Ok(issue(app, &cred, &scopes)?)
}

/// What `POST /oauth/token` does for a client authenticating with `client_id` and
/// `client_secret` in the form body, without HTTP. Public so benchmarks and tools mint tokens
/// exactly as the endpoint does; `scope` is the requested scope (all of the role's when `None`).
pub async fn client_credentials_grant(
    app: &App,
    client_id: &str,
    client_secret: &str,
    scope: Option<&str>,
) -> Result<(String, AccessClaims), OAuthError> {
    grant(
        app,
        &ClientCredentials::from_parts(client_id, client_secret),
        scope,
        &mut None,
    )
    .await
}

async fn handle(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    who: &mut Option<Identity>,
) -> Result<Response, OAuthError> {
    let form = Form::parse(headers, body)?;
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("the grant_type parameter is required"))?;
    let client = ClientCredentials::from_request(headers, &form)?;
    if grant_type != GRANT_CLIENT_CREDENTIALS {
        return Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            "only grant_type=client_credentials is supported",
        ));
    }
    let (jwt, claims) = grant(app, &client, form.get("scope"), who).await?;
    let mut resp = axum::Json(json!({
        "access_token": jwt,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL_SECS,
        "scope": claims.scope,
    }))
    .into_response();
    no_store(&mut resp);
    Ok(resp)
}

/// `POST /oauth/token`.
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut client = None;
    let result = handle(&state.app, &headers, &body, &mut client).await;
    decided(result, client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_a_subset_of_the_role() {
        let granted = vec!["company.read".to_string(), "employees.read".to_string()];
        assert_eq!(select_scopes(&granted, None).expect("all"), granted);
        assert_eq!(
            select_scopes(&granted, Some("employees.read  company.read")).expect("both"),
            granted
        );
        assert_eq!(
            select_scopes(&granted, Some("employees.read")).expect("one"),
            vec!["employees.read".to_string()]
        );
        for bad in ["employees.create", "nope", "   "] {
            let e = select_scopes(&granted, Some(bad)).expect_err(bad);
            assert_eq!(e.code, OAuthErrorCode::InvalidScope);
        }
        assert!(select_scopes(&[], None).is_err());
    }

    #[test]
    fn jti_timestamp_is_read_to_the_millisecond() {
        let jti = Uuid::now_v7();
        let ms = issued_at_ms(&jti).expect("v7");
        let now = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        assert!((now as i64 - ms).abs() < 5_000);
        assert_eq!(issued_at_ms(&Uuid::new_v4()), None);
    }
}
