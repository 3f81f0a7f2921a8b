//! What a resolver knows about its request: who is calling (`Auth`), and the app.

use std::sync::Arc;

use async_graphql::Context;

use crate::auth::Principal;
use crate::error::AppError;
use crate::state::App;

/// The outcome of reading the `Authorization` header. An invalid header does not fail the whole
/// request at once, so that `login` still works with a stale token in the client; any resolver
/// that needs a principal reports why there is none.
#[derive(Clone)]
pub enum Auth {
    Anonymous,
    Invalid(String),
    /// The token could not be checked: the database is unavailable. Not "unauthenticated",
    /// which would make clients drop a valid session; resolvers answer UNAVAILABLE instead.
    Unavailable,
    Principal(Arc<Principal>),
}

/// The caller's network address, for login throttling and audit: the peer's, or, when the peer
/// is one of `--trusted-proxies`, the client it forwarded for (`X-Forwarded-For`), exactly as
/// the API logs record it. An untrusted peer's `X-Forwarded-For` is ignored, so it can neither
/// escape its own throttle nor get another address throttled.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    pub fn resolve(app: &App, peer: std::net::IpAddr, headers: &axum::http::HeaderMap) -> Self {
        Self(
            crate::logs::client_ip::resolve(Some(peer), headers, &app.config.trusted_proxies)
                .unwrap_or(peer),
        )
    }
}

pub trait ContextExt {
    fn app(&self) -> &Arc<App>;
    /// The authenticated principal, or UNAUTHENTICATED.
    fn principal(&self) -> Result<&Arc<Principal>, AppError>;
}

impl ContextExt for Context<'_> {
    fn app(&self) -> &Arc<App> {
        self.data_unchecked::<Arc<App>>()
    }

    fn principal(&self) -> Result<&Arc<Principal>, AppError> {
        match self.data_opt::<Auth>() {
            Some(Auth::Principal(p)) => Ok(p),
            Some(Auth::Invalid(why)) => Err(AppError::Unauthenticated(why.clone())),
            Some(Auth::Unavailable) => {
                Err(AppError::Internal(crate::db::outage::Unavailable.into()))
            }
            _ => Err(AppError::Unauthenticated(
                "sign in first: send Authorization: Bearer <token>".into(),
            )),
        }
    }
}
