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
//! Each route's endpoint is in [`GUARDED_ROUTES`], which the router reads through
//! [`GuardedRouter::guarded_route`] (the action follows from the method, or is given, as Download
//! is); the layer runs the guards before the handler and decorates the
//! response after it. Handlers take the outcome as a [`Guarded`] argument, which cannot be had
//! on a route without the layer, so a handler cannot forget its guards.

pub mod access_type;
pub mod feature_flag;
pub mod hub;
pub mod permission;
pub mod rate_limit;
pub mod scope;

use std::sync::Arc;

use axum::Router;
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

#[cfg(feature = "bench")]
impl Guarded {
    /// Benchmark builds only: an outcome made without running any guard, so the unguarded
    /// baseline route (`bench_support::baseline`) can call the very same handlers.
    pub fn unchecked(caller: Caller, company: Arc<CompanyView>, endpoint: ApiEndpoint) -> Self {
        let scope = Scope::of(&caller, endpoint);
        Self {
            caller,
            endpoint,
            action: ApiAction::Read,
            company: Some(company),
            scope,
            response_headers: HeaderMap::new(),
        }
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

/// Where the REST API is mounted; logged route templates start with it.
pub const API_PREFIX: &str = "/api/v1";

/// One guarded route of `/api/v1`: its template (relative to [`API_PREFIX`]), the endpoint it
/// serves and, when the method does not say it, the action (Download is a GET).
#[derive(Debug, Clone, Copy)]
pub struct GuardedRoute {
    pub path: &'static str,
    pub endpoint: ApiEndpoint,
    pub action: Option<ApiAction>,
}

const fn route(
    path: &'static str,
    endpoint: ApiEndpoint,
    action: Option<ApiAction>,
) -> GuardedRoute {
    GuardedRoute {
        path,
        endpoint,
        action,
    }
}

/// Every guarded route and what it serves: the one table the router (`rest::routes`, through
/// [`GuardedRouter::guarded_route`]) and the analysis of request logs
/// ([`endpoint_action`], for least privilege from real use) both read, so that what the guards
/// checked and what the logs are said to have used cannot disagree.
pub const GUARDED_ROUTES: &[GuardedRoute] = &[
    route("/company", ApiEndpoint::Company, None),
    route("/employees", ApiEndpoint::Employees, None),
    route("/employees/{id}", ApiEndpoint::Employees, None),
    route("/time-off", ApiEndpoint::TimeOff, None),
    route("/time-off/{id}", ApiEndpoint::TimeOff, None),
    route("/documents", ApiEndpoint::Documents, None),
    route("/documents/{id}", ApiEndpoint::Documents, None),
    route(
        "/documents/{id}/download",
        ApiEndpoint::Documents,
        Some(ApiAction::Download),
    ),
    route("/users", ApiEndpoint::Users, None),
];

/// The guarded route with this template (relative to [`API_PREFIX`]).
pub fn guarded_route(path: &str) -> Option<&'static GuardedRoute> {
    GUARDED_ROUTES.iter().find(|r| r.path == path)
}

/// The endpoint and action the guards checked for a request, from what its log row keeps: the
/// route template (`/api/v1/employees/{id}`) and the method. `None` for anything that is not a
/// guarded `/api/v1` route (GraphQL, OAuth, the hub routes, an unmatched path).
pub fn endpoint_action(template: &str, method: &str) -> Option<(ApiEndpoint, ApiAction)> {
    let r = guarded_route(template.strip_prefix(API_PREFIX)?)?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    Some((r.endpoint, r.action.unwrap_or_else(|| action_for(&method))))
}

/// Registers guarded routes by template: the endpoint and action come from [`GUARDED_ROUTES`].
pub trait GuardedRouter {
    fn guarded_route(
        self,
        state: &AppState,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self;
}

impl GuardedRouter for Router<AppState> {
    fn guarded_route(
        self,
        state: &AppState,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        match guarded_route(path) {
            Some(r) => self.route(path, guarded_as(state, r.endpoint, r.action, route)),
            None => {
                // A programming error caught by every route's tests: without the layer, the
                // handlers' `Guarded` argument answers 500, never an unguarded response.
                tracing::error!(
                    path,
                    "route missing from GUARDED_ROUTES: it will answer 500"
                );
                self.route(path, route)
            }
        }
    }
}

/// The company with its reseller and both levels of flags, as the guards need it: cached per
/// company under the epoch of `auth::cache` (a busy company's requests then read nothing; a
/// credential's cold verification puts it there too, see `App::remember_company`), so
/// every write that changes what the guards read of a company or reseller (API settings, rate
/// limits, flags) calls [`crate::cluster::Invalidator::invalidate`], and the next request
/// reads the change.
pub async fn load_company(app: &App, company_id: Uuid) -> Result<Arc<CompanyView>, Problem> {
    let key = App::company_key(company_id);
    // Read before the database, so a change committed meanwhile leaves a stale entry.
    let epoch = app.invalidator.current();
    if let Some(view) = app.companies.get(&key, epoch) {
        return Ok(view);
    }
    let view = read_company(app, company_id).await?;
    app.companies.insert(key, epoch, view.clone(), None);
    Ok(view)
}

/// Reads the company with its reseller and both levels of flags (four indexed reads).
async fn read_company(app: &App, company_id: Uuid) -> Result<Arc<CompanyView>, Problem> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_templates_map_to_what_the_guards_checked() {
        use ApiAction::*;
        use ApiEndpoint::*;
        let cases = [
            ("/api/v1/employees", "GET", Some((Employees, Read))),
            ("/api/v1/employees", "HEAD", Some((Employees, Read))),
            ("/api/v1/employees", "POST", Some((Employees, Create))),
            ("/api/v1/employees/{id}", "PATCH", Some((Employees, Update))),
            ("/api/v1/time-off/{id}", "DELETE", Some((TimeOff, Delete))),
            (
                "/api/v1/documents/{id}/download",
                "GET",
                Some((Documents, Download)),
            ),
            ("/api/v1/company", "GET", Some((Company, Read))),
            ("/api/v1/users", "GET", Some((Users, Read))),
            // Not guarded by an endpoint: the hub routes, GraphQL, OAuth, unknown paths.
            ("/api/v1/companies", "GET", None),
            ("/graphql", "POST", None),
            ("/oauth/token", "POST", None),
            ("/employees", "GET", None),
            ("/api/v1/nope", "GET", None),
            ("/api/v1/employees", "NOT A METHOD", None),
        ];
        for (template, method, want) in cases {
            assert_eq!(
                endpoint_action(template, method),
                want,
                "{method} {template}"
            );
        }
        for r in GUARDED_ROUTES {
            assert!(r.path.starts_with('/'), "{}", r.path);
            assert!(
                r.action.is_none_or(|a| r.endpoint.supports(a)),
                "{}",
                r.path
            );
        }
    }
}
