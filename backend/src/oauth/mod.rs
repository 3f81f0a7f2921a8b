//! OAuth 2.0 for Partner API credentials (SPEC §3.2): the client-credentials grant
//! (RFC 6749 §4.4) at `POST /oauth/token`, issuing JWT access tokens (RFC 9068) signed with
//! Ed25519; revocation (RFC 7009) at `POST /oauth/revoke`; introspection (RFC 7662) at
//! `POST /oauth/introspect`; the public keys at `GET /.well-known/jwks.json`.
//!
//! The credentials themselves (rows, secrets, rotation) live in `service::api_credentials`;
//! this module is the protocol. `verify_access_token` is what the REST API uses to accept a
//! token.

pub mod cache;
pub mod errors;
pub mod introspect;
pub mod jwks;
pub mod keys;
pub mod revoke;
pub mod token;

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use crate::entity::api_credential;
use crate::service::api_credentials;
use crate::state::App;

pub use errors::{OAuthError, OAuthErrorCode};
pub use keys::OAuthKeys;
pub use token::{
    ACCESS_TOKEN_TTL_SECS, CredentialAccess, client_credentials_grant, verify_access_token,
};

/// Largest accepted body of an OAuth request; real ones are a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Parameters the endpoints know, so error messages may name them (any other name could be
/// something pasted by mistake, such as a secret).
const KNOWN_PARAMS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "token",
    "token_type_hint",
];

/// A parsed `application/x-www-form-urlencoded` request body. Public for the fuzz targets
/// (`backend/fuzz`), which feed it arbitrary bodies.
pub struct Form(HashMap<String, String>);

impl Form {
    /// Parses the body, requiring the form content type (RFC 6749 §3.2) and each parameter at
    /// most once (§3.1).
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the request body must be application/x-www-form-urlencoded",
            ));
        }
        let mut params = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            let k = k.into_owned();
            if params.contains_key(&k) {
                let what = if KNOWN_PARAMS.contains(&k.as_str()) {
                    format!("the parameter {k} is given more than once")
                } else {
                    "a parameter is given more than once".to_string()
                };
                return Err(OAuthError::invalid_request(what));
            }
            params.insert(k, v.into_owned());
        }
        Ok(Self(params))
    }

    /// A parameter's value; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The client's claimed identity, before it is checked. Public for the fuzz targets.
pub struct ClientCredentials {
    pub client_id: String,
    secret: SecretString,
    /// Sent with HTTP Basic: errors must then answer with `WWW-Authenticate: Basic`.
    pub basic: bool,
}

/// Decodes one `application/x-www-form-urlencoded` component of a Basic credential
/// (RFC 6749 §2.3.1 encodes id and secret that way before Base64).
fn form_decode(s: &str) -> Option<String> {
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

impl ClientCredentials {
    /// Credentials sent in the form body (for callers that already hold them, such as the
    /// benchmark through `token::client_credentials_grant`).
    pub(crate) fn from_parts(client_id: &str, secret: &str) -> Self {
        Self {
            client_id: client_id.to_string(),
            secret: SecretString::from(secret.to_string()),
            basic: false,
        }
    }

    /// Reads client authentication from HTTP Basic or from the `client_id` / `client_secret`
    /// form parameters. Using both is an `invalid_request` (RFC 6749 §2.3: one method per
    /// request); using neither, or a malformed header, is `invalid_client`.
    pub fn from_request(headers: &HeaderMap, form: &Form) -> Result<Self, OAuthError> {
        let Some(auth) = headers.get(header::AUTHORIZATION) else {
            return match (form.get("client_id"), form.get("client_secret")) {
                (Some(id), Some(secret)) => Ok(Self {
                    client_id: id.to_string(),
                    secret: SecretString::from(secret.to_string()),
                    basic: false,
                }),
                _ => Err(OAuthError::invalid_client(false)),
            };
        };
        if form.get("client_secret").is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method: HTTP Basic or the client_id and \
                 client_secret parameters, not both",
            ));
        }
        let bad = || OAuthError::invalid_client(true);
        let value = auth.to_str().map_err(|_| bad())?;
        let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(bad)?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(bad());
        }
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
        let decoded = SecretString::from(String::from_utf8(decoded).map_err(|_| bad())?);
        let (id, secret) = decoded.expose_secret().split_once(':').ok_or_else(bad)?;
        let client_id = form_decode(id).ok_or_else(bad)?;
        let secret = SecretString::from(form_decode(secret).ok_or_else(bad)?);
        // A client_id parameter next to Basic is tolerated when it names the same client.
        if form.get("client_id").is_some_and(|f| f != client_id) {
            return Err(OAuthError::invalid_request(
                "the client_id parameter does not match the HTTP Basic credentials",
            ));
        }
        Ok(Self {
            client_id,
            secret,
            basic: true,
        })
    }

    /// Checks the credentials; the credential row on success, `invalid_client` otherwise.
    pub(crate) async fn authenticate(
        &self,
        app: &App,
    ) -> Result<api_credential::Model, OAuthError> {
        api_credentials::authenticate_client(app, &self.client_id, self.secret.expose_secret())
            .await
            .map_err(|e| OAuthError::from_client_auth(e, self.basic))
    }
}
