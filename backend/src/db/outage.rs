//! Telling "the database cannot be reached right now" apart from every other database error.
//!
//! An outage is the caller's cue to retry later (REST answers 503 with `Retry-After`, GraphQL
//! `extensions.code = "UNAVAILABLE"`) and the log writer's cue to keep its rows and retry, where
//! any other failure (a bug, a constraint) is a 500 and is not retried forever.

use sea_orm::sqlx;
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::{DbErr, RuntimeErr};

/// Seconds a client is asked to wait (`Retry-After`) when the database is unavailable.
pub const RETRY_AFTER_SECS: u64 = 5;

/// True when the error means the database is unreachable, refusing connections, shutting down,
/// or (SQLite) locked or unwritable: a condition that passes by itself, not a wrong request.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        // The pool could not hand out a connection in time (the server is down, or saturated).
        DbErr::ConnectionAcquire(_) => true,
        // Opening a connection failed.
        DbErr::Conn(_) => true,
        DbErr::Exec(rt) | DbErr::Query(rt) => match rt {
            RuntimeErr::SqlxError(e) => sqlx_unavailable(e),
            _ => false,
        },
        _ => false,
    }
}

/// An outage met earlier and remembered without its `DbErr` (which is not `Clone`-friendly to
/// carry around), e.g. by the GraphQL door when the token could not be checked.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the database is unavailable")]
pub struct Unavailable;

/// True when a database outage is anywhere in the error's chain of causes.
pub fn caused_by_outage(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<DbErr>().is_some_and(is_unavailable) || e.is::<Unavailable>())
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                pg_code_unavailable(pg.code())
            } else if let Some(lite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                lite.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(sqlite_code_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs of a connection that is gone or a server that does not serve now.
fn pg_code_unavailable(code: &str) -> bool {
    // Class 08: connection exception.
    code.starts_with("08")
        || matches!(
            code,
            // admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now
            "57P01" | "57P02" | "57P03"
            // too_many_connections
            | "53300"
        )
}

/// SQLite result codes (the primary code, the low byte of an extended one) of a file that is
/// busy, locked, read-only, failing I/O, full or cannot be opened.
fn sqlite_code_unavailable(code: i32) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    matches!(
        code & 0xff,
        BUSY | LOCKED | READONLY | IOERR | FULL | CANTOPEN
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnAcquireErr;
    use std::sync::Arc;

    #[test]
    fn connection_failures_are_outages_and_the_rest_is_not() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(io)
        ))));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(sqlx::Error::RowNotFound)
        ))));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        let wrapped = anyhow::Error::new(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
            .context("loading the principal");
        assert!(caused_by_outage(&wrapped));
        assert!(!caused_by_outage(&anyhow::anyhow!("no role")));
        assert!(caused_by_outage(&anyhow::Error::new(Unavailable)));
    }

    #[test]
    fn sqlstates_and_sqlite_codes() {
        assert!(pg_code_unavailable("08006"));
        assert!(pg_code_unavailable("57P01"));
        assert!(!pg_code_unavailable("23505"));
        assert!(sqlite_code_unavailable(5));
        assert!(sqlite_code_unavailable(517)); // SQLITE_BUSY_SNAPSHOT
        assert!(!sqlite_code_unavailable(19)); // SQLITE_CONSTRAINT
    }
}
