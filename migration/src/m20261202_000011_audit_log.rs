//! `audit_logs` table: who changed which credential or setting, when, from where (issue 10).
//! Rows are written inside the transaction of the change they describe. No foreign keys: the
//! history outlives the users, companies and credentials it names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditLogs {
    Table,
    Id,
    Time,
    Action,
    ActorUserId,
    ActorEmail,
    ActorKind,
    CredentialId,
    CompanyId,
    ResellerId,
    TargetType,
    TargetId,
    Changes,
    Ip,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLogs::Table)
                .col(uuid(AuditLogs::Id).primary_key())
                .col(timestamp_with_time_zone(AuditLogs::Time))
                .col(string(AuditLogs::Action))
                .col(uuid_null(AuditLogs::ActorUserId))
                .col(string_null(AuditLogs::ActorEmail))
                .col(string(AuditLogs::ActorKind))
                .col(uuid_null(AuditLogs::CredentialId))
                .col(uuid_null(AuditLogs::CompanyId))
                .col(uuid_null(AuditLogs::ResellerId))
                .col(string(AuditLogs::TargetType))
                .col(string_null(AuditLogs::TargetId))
                .col(json(AuditLogs::Changes))
                .col(string_null(AuditLogs::Ip))
                .to_owned(),
        )
        .await?;
        // The list is newest first by id (UUIDv7, time-ordered) within a scope.
        let indexes: [(&str, AuditLogs); 5] = [
            ("ix_audit_logs_company", AuditLogs::CompanyId),
            ("ix_audit_logs_reseller", AuditLogs::ResellerId),
            ("ix_audit_logs_actor", AuditLogs::ActorUserId),
            ("ix_audit_logs_action", AuditLogs::Action),
            ("ix_audit_logs_target", AuditLogs::TargetId),
        ];
        for (name, lead) in indexes {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AuditLogs::Table)
                    .col(lead)
                    .col(AuditLogs::Id)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_audit_logs_time")
                .table(AuditLogs::Table)
                .col(AuditLogs::Time)
                .to_owned(),
        )
        .await
    }
}
