//! The HTTP door to the schema: reads the bearer token, then executes.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse},
};

use crate::auth::session;
use crate::graphql::context::{Auth, ClientIp};
use crate::state::AppState;

/// `POST /graphql`.
pub async fn execute(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> GraphQLResponse {
    let auth = authenticate(&state, &headers).await;
    let req = req.into_inner().data(auth).data(ClientIp(peer.ip()));
    state.schema.execute(req).await.into()
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
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Auth::Invalid("the Authorization header must be `Bearer <token>`".into());
    };
    if !session::looks_like_jwt(token) {
        return Auth::Invalid("the bearer token is not a valid Portcullis token".into());
    }
    match session::authenticate(&state.app.db, &state.app.session_keys, token).await {
        Ok(p) => Auth::Principal(Arc::new(p)),
        Err(e) => Auth::Invalid(e.to_string()),
    }
}
