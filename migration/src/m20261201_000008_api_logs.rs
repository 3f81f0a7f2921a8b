//! API request logs (SPEC §5): one row per logged request, written in batches by the background
//! writer and read by the analytics. No foreign keys: a log outlives the company, user or
//! credential it names (deleting one must neither fail nor erase its history).
//!
//! Indexes serve the dashboard: every filter the list and the stats offer is a column that leads
//! an index followed by `time`, so a filtered, time-ranged query reads only its own rows; `time`
//! alone serves the unfiltered range and retention.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ApiLogs {
    Table,
    Id,
    Time,
    Method,
    Uri,
    Endpoint,
    StatusCode,
    ResponseTimeUs,
    RequestIp,
    RequestHeaders,
    ResponseHeaders,
    RequestBody,
    ResponseBody,
    Exception,
    Decision,
    DeniedBy,
    CompanyId,
    UserId,
    CredentialKind,
    CredentialId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiLogs::Table)
                .col(uuid(ApiLogs::Id).primary_key())
                .col(timestamp_with_time_zone(ApiLogs::Time))
                .col(string(ApiLogs::Method))
                .col(text(ApiLogs::Uri))
                .col(string(ApiLogs::Endpoint))
                .col(integer(ApiLogs::StatusCode))
                .col(big_integer(ApiLogs::ResponseTimeUs))
                .col(string_null(ApiLogs::RequestIp))
                .col(json(ApiLogs::RequestHeaders))
                .col(json(ApiLogs::ResponseHeaders))
                .col(text_null(ApiLogs::RequestBody))
                .col(text_null(ApiLogs::ResponseBody))
                .col(text_null(ApiLogs::Exception))
                .col(text(ApiLogs::Decision))
                .col(string_null(ApiLogs::DeniedBy))
                .col(uuid_null(ApiLogs::CompanyId))
                .col(uuid_null(ApiLogs::UserId))
                .col(string_null(ApiLogs::CredentialKind))
                .col(uuid_null(ApiLogs::CredentialId))
                .to_owned(),
        )
        .await?;
        let indexes: [(&str, Option<ApiLogs>); 6] = [
            ("ix_api_logs_time", None),
            ("ix_api_logs_company_time", Some(ApiLogs::CompanyId)),
            ("ix_api_logs_user_time", Some(ApiLogs::UserId)),
            ("ix_api_logs_endpoint_time", Some(ApiLogs::Endpoint)),
            ("ix_api_logs_status_time", Some(ApiLogs::StatusCode)),
            ("ix_api_logs_denied_by_time", Some(ApiLogs::DeniedBy)),
        ];
        for (name, lead) in indexes {
            let mut index = Index::create();
            index.name(name).table(ApiLogs::Table);
            if let Some(col) = lead {
                index.col(col);
            }
            index.col(ApiLogs::Time);
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}
