//! Serves "least privilege from real use" (`unusedGrants` of API keys and Partner API
//! credentials): which route templates and methods one credential used, among the requests the
//! guards allowed, since a point in time.
//!
//! No index led with `credential_id`: the question scanned every row of the window. This one is
//! partial (only allowed requests, the only ones that count, and most of a busy table) and
//! covering (kind, endpoint and method ride along), so the grouped query reads one contiguous
//! slice of the index and no table row. The query must spell the predicate as the literal
//! `decision = 'allowed'` for either database to use a partial index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL keeps the key short and carries the rest as payload (INCLUDE); SQLite has no
        // INCLUDE, so the columns follow in the key (as in m20261202_000009).
        let sql = match m.get_database_backend() {
            DbBackend::Postgres => {
                r#"CREATE INDEX ix_api_logs_credential_allowed ON api_logs (credential_id, "time")
                   INCLUDE (credential_kind, endpoint, method) WHERE decision = 'allowed'"#
            }
            _ => {
                r#"CREATE INDEX ix_api_logs_credential_allowed ON api_logs
                   (credential_id, "time", credential_kind, endpoint, method)
                   WHERE decision = 'allowed'"#
            }
        };
        m.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_api_logs_credential_allowed")
                .table(Alias::new("api_logs"))
                .to_owned(),
        )
        .await
    }
}
