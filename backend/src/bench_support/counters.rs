//! Counts of what the server did, read by the load suite before and after a scenario: SQL
//! statements (reads and writes, from sea-orm's metric callback on the pool) and password
//! hashes (argon2, `auth::password`). Process-wide atomics: one server per process.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::state::AppState;

static DB_READS: AtomicU64 = AtomicU64::new(0);
static DB_WRITES: AtomicU64 = AtomicU64::new(0);
static PASSWORD_HASHES: AtomicU64 = AtomicU64::new(0);

/// Whether a statement only reads (what "database reads per token" counts).
pub fn is_read(sql: &str) -> bool {
    let head = sql.trim_start();
    let word = head.get(..6).unwrap_or(head);
    word.eq_ignore_ascii_case("select")
        || head
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("with"))
}

/// Counts every statement the pool runs (transactions included).
pub fn instrument(mut db: DatabaseConnection) -> DatabaseConnection {
    db.set_metric_callback(|info| {
        let counter = if is_read(&info.statement.sql) {
            &DB_READS
        } else {
            &DB_WRITES
        };
        counter.fetch_add(1, Ordering::Relaxed);
    });
    db
}

/// Called by `auth::password` for every argon2 hash or verification.
pub fn count_password_hash() {
    PASSWORD_HASHES.fetch_add(1, Ordering::Relaxed);
}

/// The counters now, with the sizes of the verified-credential caches.
pub fn snapshot(state: &AppState) -> Value {
    let app = &state.app;
    json!({
        "db_reads": DB_READS.load(Ordering::Relaxed),
        "db_writes": DB_WRITES.load(Ordering::Relaxed),
        "password_hashes": PASSWORD_HASHES.load(Ordering::Relaxed),
        "cached_principals": app.principals.len(),
        "cached_api_keys": app.api_keys.len(),
        "cached_access_tokens": app.oauth_keys.verified().len(),
    })
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/bench/counters",
        get(|State(state): State<AppState>| async move { Json(snapshot(&state)) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_selects() {
        assert!(is_read("SELECT 1"));
        assert!(is_read("  select \"id\" FROM x"));
        assert!(is_read("WITH t AS (SELECT 1) SELECT * FROM t"));
        assert!(!is_read("INSERT INTO x VALUES (1)"));
        assert!(!is_read("UPDATE x SET a = 1"));
        assert!(!is_read("BEGIN"));
        assert!(!is_read(""));
    }
}
