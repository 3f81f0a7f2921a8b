//! Benchmark-only code, compiled with the `bench` cargo feature and never in normal builds (the
//! `bench_feature_absent` test checks that): what `bench/run.sh`, the load suite of the
//! performance issue, needs from the server.
//!
//! - [`baseline`]: `GET /bench/baseline/employees`, the employees list handler with no guard,
//!   the yardstick the guarded routes are measured against;
//! - [`counters`]: statements run and password hashes computed, at `GET /bench/counters`, so
//!   the suite counts database reads per cold token instead of guessing;
//! - [`seed`]: `portcullis bench-seed`, bulk data and tokens minted by the real token code;
//! - [`writer`]: `portcullis bench-writer`, the API log writer's rows per second in isolation.

pub mod baseline;
pub mod counters;
pub mod seed;
pub mod writer;

use axum::Router;

use crate::state::AppState;

/// The benchmark routes, merged at the root by `router::build` in benchmark builds.
pub fn routes(state: &AppState) -> Router<AppState> {
    baseline::routes(state).merge(counters::routes())
}
