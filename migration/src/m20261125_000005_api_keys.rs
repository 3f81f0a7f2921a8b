//! Scoped API keys (seed 004): per company, stored only as a SHA-256 hash, each with one grant
//! row per endpoint (actions and optional field restriction).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_tenancy::Companies;
use crate::m20261125_000002_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    CompanyId,
    Name,
    PublicId,
    KeyHash,
    CreatedByUserId,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum ApiKeyGrants {
    Table,
    ApiKeyId,
    Endpoint,
    Actions,
    Fields,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(uuid(ApiKeys::Id).primary_key())
                .col(uuid(ApiKeys::CompanyId))
                .col(string(ApiKeys::Name))
                .col(string(ApiKeys::PublicId))
                .col(string(ApiKeys::KeyHash))
                .col(uuid_null(ApiKeys::CreatedByUserId))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_keys_company")
                        .from(ApiKeys::Table, ApiKeys::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // The key outlives the admin who made it: it belongs to the company.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_keys_created_by_user")
                        .from(ApiKeys::Table, ApiKeys::CreatedByUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_api_keys_public_id")
                .table(ApiKeys::Table)
                .col(ApiKeys::PublicId)
                .unique()
                .to_owned(),
        )
        .await?;
        // Also serves every per-company lookup (list, revoke all).
        m.create_index(
            Index::create()
                .name("ux_api_keys_company_name")
                .table(ApiKeys::Table)
                .col(ApiKeys::CompanyId)
                .col(ApiKeys::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeyGrants::Table)
                .col(uuid(ApiKeyGrants::ApiKeyId))
                .col(string(ApiKeyGrants::Endpoint))
                // JSON array of action names (`shared::api::ApiAction::as_str`).
                .col(json_binary(ApiKeyGrants::Actions))
                // JSON array of field names; NULL = every field of the endpoint.
                .col(json_binary_null(ApiKeyGrants::Fields))
                .primary_key(
                    Index::create()
                        .col(ApiKeyGrants::ApiKeyId)
                        .col(ApiKeyGrants::Endpoint),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_key_grants_api_key")
                        .from(ApiKeyGrants::Table, ApiKeyGrants::ApiKeyId)
                        .to(ApiKeys::Table, ApiKeys::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiKeyGrants::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}
