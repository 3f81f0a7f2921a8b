//! The HTTP door to the schema: reads the bearer token, then executes.

use std::net::SocketAddr;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
};

use crate::auth::bearer;
use crate::graphql::context::{Auth, ClientIp};
use crate::graphql::input_guard;
use crate::graphql::third_party;
use crate::logs::{Decision, Identity};
use crate::rest::problem::{Problem, ProblemKind};
use crate::state::AppState;
use crate::token::{self, TokenKind};

/// `POST /graphql`.
pub async fn execute(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let req = match input_guard::read(request).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if let Some(e) = input_guard::nul_bytes(&req) {
        let errors = vec![e.into_server_error(async_graphql::Pos::default())];
        return GraphQLResponse::from(async_graphql::Response::from_errors(errors)).into_response();
    }
    let auth = authenticate(&state, &headers).await;
    let ip = ClientIp::resolve(&state.app, peer.ip(), &headers);
    // Requests made with a personal access token (scripts) are logged with the gate's verdict
    // (`logs::capture` logs the /graphql requests that carry a `Decision`); sessions are not.
    let identity = match &auth {
        Auth::Principal(p) if p.personal_token_id.is_some() => Some(Identity::of_principal(p)),
        _ => None,
    };
    if let Auth::Invalid(why) = &auth
        && personal_token_shaped(&headers)
    {
        let mut resp = execute_plain(&state, auth.clone(), ip, req).await;
        let problem = Problem::new(ProblemKind::Unauthenticated, why.clone());
        resp.extensions_mut()
            .insert(Decision::denied(&problem, None));
        return resp;
    }
    // Scripts' personal tokens pass the public API's gate (flag, access type, rate limit).
    let gate_headers = match &auth {
        Auth::Principal(p) => match third_party::gate(&state.app, p, &req).await {
            Ok(h) => h,
            Err(problem) => {
                let decision = Decision::denied(&problem, identity.clone());
                let mut resp = third_party::refusal(problem);
                if identity.is_some() {
                    resp.extensions_mut().insert(decision);
                }
                return resp;
            }
        },
        _ => HeaderMap::new(),
    };
    let mut resp = execute_plain(&state, auth, ip, req).await;
    resp.headers_mut().extend(gate_headers);
    if identity.is_some() {
        resp.extensions_mut().insert(Decision::allowed(identity));
    }
    resp
}

async fn execute_plain(
    state: &AppState,
    auth: Auth,
    ip: ClientIp,
    req: async_graphql::Request,
) -> Response {
    let req = req.data(auth).data(ip);
    // The audit log records the client IP of every change made by this request.
    let resp = crate::service::audit::with_client_ip(Some(ip.0), state.schema.execute(req)).await;
    GraphQLResponse::from(resp).into_response()
}

/// Whether the bearer token has the form of a personal access token (logged even when invalid:
/// a script's failures are what its owner asks support about).
fn personal_token_shaped(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| bearer::token_from_header(v).ok())
        .and_then(|t| token::parse(t).ok())
        .is_some_and(|t| t.kind == TokenKind::PersonalAccessToken)
}

/// `GET /graphql`: the GraphiQL explorer for people writing scripts.
pub async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Portcullis GraphQL")
            .finish(),
    )
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Auth {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Auth::Anonymous;
    };
    let token = match value
        .to_str()
        .map_err(|_| ())
        .and_then(|v| bearer::token_from_header(v).map_err(|_| ()))
    {
        Ok(t) => t,
        Err(()) => {
            return Auth::Invalid("the Authorization header must be `Bearer <token>`".into());
        }
    };
    match bearer::authenticate(&state.app, token).await {
        Ok(p) => Auth::Principal(p),
        Err(e) if e.is_unavailable() => Auth::Unavailable,
        Err(e) => Auth::Invalid(e.to_string()),
    }
}
