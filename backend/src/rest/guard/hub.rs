//! The guards of the hub routes (`/api/v1/companies`), which serve platform and reseller staff
//! rather than one company, so they have no `ApiEndpoint` (that enum is the API keys' public
//! contract) and none of the company guards (flag, access type, rate limit are a company's).
//!
//! 1. authenticate, as every route (`rest::caller`) → 401;
//! 2. a hub user, through a session or a personal token: API keys and Partner API credentials
//!    belong to a company, and company users have `GET /api/v1/company` → 403;
//! 3. the permission the GraphQL `companies` query requires, `companies.read` → 403 naming it.
//!
//! Scope (which companies) is the service's own rule (`service::companies`), which the handlers
//! call with the principal, so REST and GraphQL cannot disagree on it.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use shared::permissions as perm;

use crate::auth::{Principal, Tenant};
use crate::logs::{self, Decision, Identity};
use crate::rest::caller::Caller;
use crate::rest::guard::permission::missing_permission;
use crate::rest::problem::{Problem, ProblemKind};
use crate::state::AppState;

/// A hub user admitted to a hub route.
#[derive(Clone)]
pub struct HubGuarded {
    pub principal: Arc<Principal>,
}

/// Guards 2 and 3 for an authenticated caller.
pub fn check(caller: Caller) -> Result<HubGuarded, Problem> {
    let principal = match caller {
        Caller::User { principal, .. } => principal,
        Caller::ApiKey(_) | Caller::ApiCredential(_) => {
            return Err(Problem::new(
                ProblemKind::Forbidden,
                "this is a hub endpoint, for platform and reseller staff: use a hub user's \
                 session or personal access token, not a company's API key or Partner API credential",
            ));
        }
    };
    if matches!(principal.tenant, Tenant::Company { .. }) {
        return Err(Problem::new(
            ProblemKind::Forbidden,
            "this is a hub endpoint, for platform and reseller staff: a company user reads \
             their own company at GET /api/v1/company",
        ));
    }
    if !principal.has(perm::COMPANIES_READ) {
        return Err(missing_permission(perm::COMPANIES_READ));
    }
    Ok(HubGuarded { principal })
}

/// Puts a route behind the hub guards.
pub fn hub_guarded(state: &AppState, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.route_layer(middleware::from_fn_with_state(state.clone(), run))
}

async fn run(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match Caller::from_headers(&state.app, req.headers()).await {
        Ok(c) => c,
        Err(p) => return logs::refuse(p, None),
    };
    let identity = Identity::of(&caller);
    match check(caller) {
        Ok(h) => {
            req.extensions_mut().insert(h);
            let mut resp = next.run(req).await;
            resp.extensions_mut()
                .insert(Decision::allowed(Some(identity)));
            resp
        }
        Err(p) => logs::refuse(p, Some(identity)),
    }
}

/// Like `Guarded`: its absence means a hub route without [`hub_guarded`], answered 500.
impl<S: Send + Sync> FromRequestParts<S> for HubGuarded {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<HubGuarded>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!(path = %parts.uri.path(), "hub route without hub guard layer");
                Problem::internal()
            })
    }
}
