//! Integration tests: the real router on a random port, against a fresh SQLite file and a fresh
//! PostgreSQL database per test. `db_test!(name)` runs `async fn name(app: &TestApp)` on both.

#[macro_use]
mod helpers;

mod api_keys;
mod authz_matrix;
mod bad_input;
mod cluster;
mod contract;
mod graphql_gate;
mod least_privilege;
mod logs_analytics;
mod logs_capture;
mod metrics;
mod oauth;
mod personal_tokens;
mod process;
mod rest;
mod rest_resources;
mod schema;
mod session;
mod spa;
mod spa_operations;
mod tenancy;
mod token_attacks;
mod users;
