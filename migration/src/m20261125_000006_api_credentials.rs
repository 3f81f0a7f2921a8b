//! Partner API credentials (OAuth2 client credentials, SPEC §3.2) and the revoked access tokens
//! of RFC 7009. Secrets are stored only as SHA-256 hashes.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_tenancy::Companies;
use crate::m20261125_000002_identity::{Roles, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiCredentials {
    Table,
    Id,
    CompanyId,
    Name,
    ClientId,
    RoleId,
    SecretPublicId,
    SecretHash,
    PreviousSecretPublicId,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    TokensNotBefore,
    CreatedByUserId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RevokedAccessTokens {
    Table,
    Jti,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiCredentials::Table)
                .col(uuid(ApiCredentials::Id).primary_key())
                .col(uuid(ApiCredentials::CompanyId))
                .col(string(ApiCredentials::Name))
                .col(string(ApiCredentials::ClientId))
                .col(uuid(ApiCredentials::RoleId))
                .col(string(ApiCredentials::SecretPublicId))
                .col(string(ApiCredentials::SecretHash))
                .col(string_null(ApiCredentials::PreviousSecretPublicId))
                .col(string_null(ApiCredentials::PreviousSecretHash))
                .col(timestamp_with_time_zone_null(
                    ApiCredentials::PreviousSecretExpiresAt,
                ))
                .col(timestamp_with_time_zone(ApiCredentials::TokensNotBefore))
                .col(uuid_null(ApiCredentials::CreatedByUserId))
                .col(timestamp_with_time_zone(ApiCredentials::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiCredentials::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiCredentials::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_credentials_company")
                        .from(ApiCredentials::Table, ApiCredentials::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // A role in use by a credential cannot disappear under it.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_credentials_role")
                        .from(ApiCredentials::Table, ApiCredentials::RoleId)
                        .to(Roles::Table, Roles::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                // The credential outlives the user who created it.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_credentials_created_by")
                        .from(ApiCredentials::Table, ApiCredentials::CreatedByUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ux_api_credentials_client_id", ApiCredentials::ClientId),
            (
                "ux_api_credentials_secret_public_id",
                ApiCredentials::SecretPublicId,
            ),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(ApiCredentials::Table)
                    .col(col)
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ux_api_credentials_company_name")
                .table(ApiCredentials::Table)
                .col(ApiCredentials::CompanyId)
                .col(ApiCredentials::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RevokedAccessTokens::Table)
                .col(string(RevokedAccessTokens::Jti).primary_key())
                .col(timestamp_with_time_zone(RevokedAccessTokens::ExpiresAt))
                .to_owned(),
        )
        .await?;
        // Rows are pruned once the token they revoke has expired anyway.
        m.create_index(
            Index::create()
                .name("ix_revoked_access_tokens_expires_at")
                .table(RevokedAccessTokens::Table)
                .col(RevokedAccessTokens::ExpiresAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RevokedAccessTokens::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ApiCredentials::Table).to_owned())
            .await
    }
}
