//! The GraphQL admin API (`/graphql`): a thin door onto `service`. Names and shapes follow SPEC §8,
//! a public contract for scripts; `schema.graphql` at the repo root is the exported SDL and a test
//! fails when the two drift apart.

mod api_credentials;
mod api_keys;
mod api_logs;
mod audit_log;
pub mod context;
mod credentials;
pub mod error;
pub mod http;
pub mod input_guard;
mod objects;
mod pagination;
mod session;
mod tenancy;
pub mod third_party;
mod users;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::state::App;

/// Deepest accepted query: enough for every real query and GraphiQL's introspection, not for abuse.
pub const MAX_DEPTH: usize = 16;
/// Most expensive accepted query (each field costs 1).
pub const MAX_COMPLEXITY: usize = 2_000;

#[derive(MergedObject, Default)]
pub struct Query(
    session::SessionQuery,
    tenancy::TenancyQuery,
    users::UsersQuery,
    credentials::CredentialsQuery,
    api_keys::ApiKeysQuery,
    api_credentials::ApiCredentialsQuery,
    api_logs::ApiLogsQuery,
    audit_log::AuditLogQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutation,
    tenancy::TenancyMutation,
    users::UsersMutation,
    credentials::CredentialsMutation,
    api_keys::ApiKeysMutation,
    api_credentials::ApiCredentialsMutation,
);

pub type PortcullisSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

pub fn build_schema(app: Arc<App>) -> PortcullisSchema {
    builder().data(app).finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
