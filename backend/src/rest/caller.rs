//! Guard 1, authenticate: who is calling, from `Authorization: Bearer <token>`.
//!
//! The four kinds of credential the REST API accepts (SPEC §4.1) become one [`Caller`]: a user
//! (through an admin session or a personal access token, acting with the user's current
//! principal), a scoped API key, or a Partner API credential (an OAuth access token). Later
//! guards ask the caller two things: which company it acts for, and whether it is a third party
//! (everything but a first-party session), since access type and rate limits apply only to
//! third parties.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{HeaderMap, header, request::Parts};
use uuid::Uuid;

use crate::auth::bearer::{self, BearerForm};
use crate::auth::{Principal, Tenant, session};
use crate::oauth::{self, CredentialAccess};
use crate::rest::problem::{Problem, ProblemKind};
use crate::service::api_keys::{self, ApiKeyView};
use crate::service::personal_tokens;
use crate::state::{App, AppState};
use crate::token::{self, TokenKind};

/// How a user's request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A first-party session (the SPA, the mobile apps).
    Session,
    /// A personal access token (scripts, integrations).
    PersonalToken,
}

/// An authenticated caller of the REST API.
#[derive(Debug, Clone)]
pub enum Caller {
    User { principal: Arc<Principal>, via: Via },
    ApiKey(Arc<ApiKeyView>),
    ApiCredential(Arc<CredentialAccess>),
}

impl Caller {
    /// The company the caller acts for; `None` for hub users (platform and reseller staff).
    pub fn company_id(&self) -> Option<Uuid> {
        match self {
            Self::User { principal, .. } => match principal.tenant {
                Tenant::Company { company_id, .. } => Some(company_id),
                Tenant::Platform | Tenant::Reseller { .. } => None,
            },
            Self::ApiKey(key) => Some(key.key.company_id),
            Self::ApiCredential(access) => Some(access.company_id),
        }
    }

    /// Whether access type and rate limits apply: to every credential but a first-party session
    /// (SPEC §3.4, seed 000: the mobile apps are excluded).
    pub fn third_party(&self) -> bool {
        !matches!(
            self,
            Self::User {
                via: Via::Session,
                ..
            }
        )
    }

    /// Whether this is a first-party session.
    pub fn is_session(&self) -> bool {
        !self.third_party()
    }

    /// Authenticates the request's bearer token.
    pub async fn from_headers(app: &App, headers: &HeaderMap) -> Result<Self, Problem> {
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| {
                Problem::new(
                    ProblemKind::Unauthenticated,
                    "send a token in the Authorization header: `Bearer <token>`",
                )
            })?
            .to_str()
            .map_err(|_| {
                Problem::new(
                    ProblemKind::Unauthenticated,
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        let token = bearer::token_from_header(value)?;
        Self::authenticate(app, token).await
    }

    /// Authenticates a bearer token of any accepted kind.
    pub async fn authenticate(app: &App, token: &str) -> Result<Self, Problem> {
        match bearer::classify(token) {
            BearerForm::Session => {
                let p = session::authenticate(&app.db, &app.session_keys, token).await?;
                Ok(Self::User {
                    principal: Arc::new(p),
                    via: Via::Session,
                })
            }
            BearerForm::AccessToken => {
                let access = oauth::verify_access_token(app, token).await?;
                Ok(Self::ApiCredential(Arc::new(access)))
            }
            BearerForm::Prefixed => {
                let parsed = token::parse(token)
                    .map_err(|e| Problem::new(ProblemKind::Unauthenticated, e.to_string()))?;
                match parsed.kind {
                    TokenKind::PersonalAccessToken => Ok(Self::User {
                        principal: personal_tokens::authenticate(app, &parsed).await?,
                        via: Via::PersonalToken,
                    }),
                    TokenKind::ApiKey => {
                        Ok(Self::ApiKey(api_keys::authenticate(app, &parsed).await?))
                    }
                    TokenKind::ClientSecret => Err(Problem::new(
                        ProblemKind::Unauthenticated,
                        "a client secret is not a bearer token: exchange it for an access token \
                         at POST /oauth/token",
                    )),
                }
            }
        }
    }
}

/// Handlers that only need to know who calls (and no endpoint guard) can take a `Caller`.
impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let state = AppState::from_ref(state);
        let caller = Self::from_headers(&state.app, &parts.headers).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
