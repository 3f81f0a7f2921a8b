//! The HTTP door to the schema: reads the bearer token, then executes.

use std::net::SocketAddr;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
};

use crate::auth::bearer;
use crate::graphql::context::{Auth, ClientIp};
use crate::graphql::third_party;
use crate::state::AppState;

/// `POST /graphql`.
pub async fn execute(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let auth = authenticate(&state, &headers).await;
    let req = req.into_inner();
    // Scripts' personal tokens pass the public API's gate (flag, access type, rate limit).
    let gate_headers = match &auth {
        Auth::Principal(p) => match third_party::gate(&state.app, p, &req).await {
            Ok(h) => h,
            Err(problem) => return third_party::refusal(problem),
        },
        _ => HeaderMap::new(),
    };
    let req = req.data(auth).data(ClientIp(peer.ip()));
    let mut resp = GraphQLResponse::from(state.schema.execute(req).await).into_response();
    resp.headers_mut().extend(gate_headers);
    resp
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
        Err(e) => Auth::Invalid(e.to_string()),
    }
}
