//! The guards of the public REST API, in the order of SPEC §4, defined in one place: [`check`].
//!
//! 1. authenticate (`rest::caller`): PAT, API key, OAuth access token or session → 401;
//! 2. feature flag (`feature_flag`): `api_access` effective for the company → else 401;
//! 3. access type (`access_type`, third parties only): `none` → 401, `read_only` + write → 403;
//! 4. rate limit (`rate_limit`, third parties only): per company, exact, 429 over it;
//! 5. permission (`permission`): role, credential scope or key grant → else 403;
//! 6. scope (`scope`): tenant, visibility groups and key fields, applied by the handlers to
//!    their queries and responses through [`Guarded::scope`].
//!
//! Each route declares its endpoint with [`guarded`] (the action follows from the method, or is
//! given, as Download is); the layer runs the guards before the handler and decorates the
//! response after it. Handlers take the outcome as a [`Guarded`] argument, which cannot be had
//! on a route without the layer, so a handler cannot forget its guards.

pub mod access_type;
pub mod feature_flag;
pub mod hub;
pub mod permission;
pub mod rate_limit;
pub mod scope;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, request::Parts};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use sea_orm::EntityTrait;
use shared::api::{ApiAction, ApiEndpoint};
use uuid::Uuid;

use crate::entity::{company, reseller};
use crate::logs::{self, Decision, Identity};
use crate::rest::caller::Caller;
use crate::rest::problem::{Problem, ProblemKind};
use crate::service::companies::CompanyView;
use crate::service::features;
use crate::state::{App, AppState};

pub use scope::Scope;

/// The header that advertises the company's recommended delay between requests to first-party
/// apps (SPEC §2; not enforced by the server).
pub const REQUEST_DELAY_HEADER: HeaderName = HeaderName::from_static("x-api-request-delay");

/// What the guards established about an admitted request.
#[derive(Clone)]
pub struct Guarded {
    pub caller: Caller,
    pub endpoint: ApiEndpoint,
    pub action: ApiAction,
    /// The caller's company with its settings and flags; `None` for hub users.
    company: Option<Arc<CompanyView>>,
    pub scope: Scope,
    /// Headers every response to this request carries (the delay hint; rate-limit headers).
    pub response_headers: HeaderMap,
}

impl Guarded {
    /// The caller's company, for endpoints that serve one company's data.
    pub fn company(&self) -> Result<&CompanyView, Problem> {
        self.company.as_deref().ok_or_else(|| {
            Problem::new(
                ProblemKind::CompanyRequired,
                "this endpoint serves a company's data: use credentials of a company user, or \
                 a company's API key or Partner API credential",
            )
        })
    }

    /// The caller's company id, for tenant filters.
    pub fn company_id(&self) -> Result<Uuid, Problem> {
        self.company().map(|c| c.company.id)
    }
}

/// Handlers take the guards' outcome as an argument. Its absence means the route was added
/// without [`guarded`]: a programming error, answered 500 rather than served unguarded.
impl<S: Send + Sync> FromRequestParts<S> for Guarded {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Guarded>().cloned().ok_or_else(|| {
            tracing::error!(path = %parts.uri.path(), "REST route without guard layer");
            Problem::internal()
        })
    }
}

/// The action a method performs on an endpoint.
pub fn action_for(method: &Method) -> ApiAction {
    match *method {
        Method::POST => ApiAction::Create,
        Method::PUT | Method::PATCH => ApiAction::Update,
        Method::DELETE => ApiAction::Delete,
        _ => ApiAction::Read,
    }
}

/// Loads the company with its reseller and both levels of flags (four indexed reads).
pub async fn load_company(app: &App, company_id: Uuid) -> Result<Arc<CompanyView>, Problem> {
    let gone = || Problem::new(ProblemKind::Unauthenticated, "the company no longer exists");
    let company = company::Entity::find_by_id(company_id)
        .one(&app.db)
        .await?
        .ok_or_else(gone)?;
    let reseller = reseller::Entity::find_by_id(company.reseller_id)
        .one(&app.db)
        .await?
        .ok_or_else(gone)?;
    let company_flags = features::company_flags(&app.db, [company.id])
        .await?
        .remove(&company.id)
        .unwrap_or_default();
    let reseller_flags = features::reseller_flags(&app.db, [reseller.id])
        .await?
        .remove(&reseller.id)
        .unwrap_or_default();
    Ok(Arc::new(CompanyView {
        company,
        reseller,
        company_flags,
        reseller_flags,
    }))
}

/// Guards 2 to 4 for a caller acting for a company: the `api_access` flag, then, for third
/// parties only, the access type and the rate limit. Shared with the GraphQL door, where a
/// personal access token (a script) passes the same gate (a mutation is a write). Adds the
/// headers every answer to the request carries (limits for third parties, the delay hint for
/// first-party sessions) to `response_headers`.
pub async fn company_gate(
    app: &App,
    company: &CompanyView,
    third_party: bool,
    writes: bool,
    response_headers: &mut HeaderMap,
) -> Result<(), Problem> {
    feature_flag::check(company)?;
    if third_party {
        access_type::check(company.access_type(), writes)?;
        rate_limit::check(app, company, response_headers).await?;
    } else if let Some(delay) = company.company.api_request_delay_seconds {
        // First-party apps honour the company's delay between requests (SPEC §2).
        response_headers.insert(REQUEST_DELAY_HEADER, HeaderValue::from(delay));
    }
    Ok(())
}

/// Whether a method changes anything (everything but GET and HEAD, for the access type).
pub fn writes(method: &Method) -> bool {
    !(method == Method::GET || method == Method::HEAD)
}

/// Runs guards 2 to 6 for an authenticated caller, in order; the first failure answers.
pub async fn check(
    app: &App,
    caller: Caller,
    endpoint: ApiEndpoint,
    action: ApiAction,
    method: &Method,
) -> Result<Guarded, Problem> {
    let company = match caller.company_id() {
        Some(id) => Some(load_company(app, id).await?),
        // Hub users act across companies; company endpoints refuse them in `Guarded::company`.
        None => None,
    };
    let mut response_headers = HeaderMap::new();
    if let Some(c) = &company {
        company_gate(
            app,
            c,
            caller.third_party(),
            writes(method),
            &mut response_headers,
        )
        .await?;
    }
    permission::check(&caller, endpoint, action)?;
    let scope = Scope::of(&caller, endpoint);
    Ok(Guarded {
        caller,
        endpoint,
        action,
        company,
        scope,
        response_headers,
    })
}

/// One route's guard configuration: the middleware's state.
#[derive(Clone)]
struct RouteGuard {
    state: AppState,
    endpoint: ApiEndpoint,
    /// The action, when the method does not say it (Download is a GET).
    action: Option<ApiAction>,
}

/// Puts a route behind the guards for an endpoint; the action follows from the method.
pub fn guarded(
    state: &AppState,
    endpoint: ApiEndpoint,
    route: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    guarded_as(state, endpoint, None, route)
}

/// Like [`guarded`], with the action given (`Some(ApiAction::Download)` for downloads).
pub fn guarded_as(
    state: &AppState,
    endpoint: ApiEndpoint,
    action: Option<ApiAction>,
    route: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    route.route_layer(middleware::from_fn_with_state(
        RouteGuard {
            state: state.clone(),
            endpoint,
            action,
        },
        run,
    ))
}

/// Runs the guards, then the handler. Every answer carries the guards' [`Decision`] and the
/// caller's identity, for the request log (`logs::capture`).
async fn run(State(g): State<RouteGuard>, mut req: Request, next: Next) -> Response {
    let action = g.action.unwrap_or_else(|| action_for(req.method()));
    let caller = match Caller::from_headers(&g.state.app, req.headers()).await {
        Ok(c) => c,
        Err(p) => return logs::refuse(p, None),
    };
    let identity = Identity::of(&caller);
    let guarded = match check(&g.state.app, caller, g.endpoint, action, req.method()).await {
        Ok(o) => o,
        Err(p) => return logs::refuse(p, Some(identity)),
    };
    let headers = guarded.response_headers.clone();
    req.extensions_mut().insert(guarded.caller.clone());
    req.extensions_mut().insert(guarded);
    let mut resp = next.run(req).await;
    resp.headers_mut().extend(headers);
    resp.extensions_mut()
        .insert(Decision::allowed(Some(identity)));
    resp
}
