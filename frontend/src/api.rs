//! The one door to the server: GraphQL over `POST /graphql` with `gloo-net`, the session token
//! as `Authorization: Bearer`. Errors come back as the server's own (`shared::graphql::Error`,
//! with `extensions.code` and `extensions.field`), so forms can show them next to the field.

use std::collections::BTreeMap;

use gloo_net::http::Request;
use serde::{Serialize, de::DeserializeOwned};
use shared::graphql::{self as gql, Error};

use crate::auth;

/// A call's outcome: the data, or every error the server (or the network) reported.
pub type ApiResult<T> = Result<T, Vec<Error>>;

/// Sends one GraphQL operation and decodes its `data`.
///
/// When a call made with a session answers `UNAUTHENTICATED` (the session expired, was signed
/// out elsewhere, or the user was deactivated), the token is dropped and the browser goes to the
/// sign-in page: nothing else on the page can work any more.
pub async fn call<V: Serialize, T: DeserializeOwned>(query: &str, variables: V) -> ApiResult<T> {
    let token = auth::token();
    let mut builder = Request::post("/graphql").header("Accept", "application/json");
    if let Some(token) = &token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = builder
        .json(&gql::Request { query, variables })
        .map_err(|e| vec![Error::client(format!("Could not encode the request: {e}"))])?;
    let response = request.send().await.map_err(|_| {
        vec![Error::client(
            "The server could not be reached. Check your connection and try again.",
        )]
    })?;
    let status = response.status();
    let body: gql::Response<T> = response.json().await.map_err(|_| {
        vec![Error::client(format!(
            "The server gave an unexpected answer (HTTP {status})."
        ))]
    })?;
    if !body.errors.is_empty() {
        if token.is_some() && body.errors.iter().any(Error::is_unauthenticated) {
            auth::session_lost();
        }
        return Err(body.errors);
    }
    body.data
        .ok_or_else(|| vec![Error::client("The server answered without data.")])
}

/// The first error's message, for places that show one line.
pub fn first_message(errors: &[Error]) -> String {
    errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| "Something went wrong.".to_string())
}

/// Errors of a form: those about one input field, shown next to it, and the rest, shown above.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormErrors {
    pub fields: BTreeMap<String, String>,
    pub general: Vec<String>,
}

impl FormErrors {
    pub fn from_server(errors: &[Error]) -> Self {
        let (fields, general) = gql::split_by_field(errors);
        Self {
            fields: fields.into_iter().collect(),
            general,
        }
    }

    pub fn from_validation(e: shared::ValidationError) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(e.field.to_string(), e.message);
        Self {
            fields,
            general: Vec::new(),
        }
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }
}
