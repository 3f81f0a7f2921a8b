//! Integration tests: the real router on a random port, against a fresh SQLite file and a fresh
//! PostgreSQL database per test. `db_test!(name)` runs `async fn name(app: &TestApp)` on both.

#[macro_use]
mod helpers;

mod api_keys;
mod audit_log;
mod authz_matrix;
mod bad_input;
mod bench_suite;
mod cluster;
mod cold_verification;
mod contract;
mod cors;
mod faults;
mod faults_process;
mod graphql_gate;
mod least_privilege;
mod login_throttle;
mod logs_analytics;
mod logs_capture;
mod metrics;
mod oauth;
mod personal_tokens;
mod process;
mod proxy;
mod rest;
mod rest_resources;
mod schema;
mod session;
mod spa;
mod spa_operations;
mod tenancy;
mod token_attacks;
mod users;
