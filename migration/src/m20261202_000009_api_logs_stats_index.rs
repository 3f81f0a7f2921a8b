//! Makes the dashboard's statistics index-only (SPEC §5: fast on millions of rows).
//!
//! Every statistic reads the same few columns of the rows in a time range. Through the plain
//! `time` index each row costs a random read of the table (a log row carries headers and bodies),
//! which made `apiLogStats` for a day of a million-row table take over a second on SQLite. A
//! covering index ordered by `time` and carrying those columns answers the statistics, the
//! `method` and `minResponseTimeUs` filters and the list's `totalCount` from the index alone; it
//! replaces the plain `time` index (same leading column, so the range and retention still use it).
//!
//! `exception` is not carried (it is free text); a partial index on the rows that have one serves
//! the `hasException` filter, which looks for the rare failures.
//!
//! PostgreSQL answers from an index alone only for pages its visibility map marks all-visible,
//! which only VACUUM sets. For an append-only table the default autovacuum waits for inserts
//! worth 20% of the table (days of logs), so the newest day, the one the dashboard opens on, would
//! always need the table too. The table is vacuumed after 1% of inserts instead (at least 10,000).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // PostgreSQL keeps the key to `time` and stores the rest as payload (INCLUDE), which keeps
        // the tree's inner pages small; SQLite has no INCLUDE, so the columns follow in the key.
        let covering = match m.get_database_backend() {
            DbBackend::Postgres => {
                r#"CREATE INDEX ix_api_logs_time_stats ON api_logs ("time")
                   INCLUDE (status_code, response_time_us, method, endpoint, company_id)"#
            }
            _ => {
                r#"CREATE INDEX ix_api_logs_time_stats ON api_logs
                   ("time", status_code, response_time_us, method, endpoint, company_id)"#
            }
        };
        db.execute_unprepared(covering).await?;
        db.execute_unprepared(
            r#"CREATE INDEX ix_api_logs_exception_time ON api_logs ("time")
               WHERE exception IS NOT NULL"#,
        )
        .await?;
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE api_logs SET (autovacuum_vacuum_insert_scale_factor = 0.01, \
                 autovacuum_vacuum_insert_threshold = 10000)",
            )
            .await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_api_logs_time")
                .table(Alias::new("api_logs"))
                .to_owned(),
        )
        .await
    }
}
