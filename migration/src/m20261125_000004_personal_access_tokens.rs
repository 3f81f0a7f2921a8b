//! Personal access tokens: owned by one user, stored only as a SHA-256 hash.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000002_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PersonalAccessTokens {
    Table,
    Id,
    UserId,
    Name,
    PublicId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PersonalAccessTokens::Table)
                .col(uuid(PersonalAccessTokens::Id).primary_key())
                .col(uuid(PersonalAccessTokens::UserId))
                .col(string(PersonalAccessTokens::Name))
                .col(string(PersonalAccessTokens::PublicId))
                .col(string(PersonalAccessTokens::TokenHash))
                .col(timestamp_with_time_zone(PersonalAccessTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    PersonalAccessTokens::LastUsedAt,
                ))
                .col(timestamp_with_time_zone_null(
                    PersonalAccessTokens::ExpiresAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_personal_access_tokens_user")
                        .from(PersonalAccessTokens::Table, PersonalAccessTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_personal_access_tokens_public_id")
                .table(PersonalAccessTokens::Table)
                .col(PersonalAccessTokens::PublicId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_personal_access_tokens_user_name")
                .table(PersonalAccessTokens::Table)
                .col(PersonalAccessTokens::UserId)
                .col(PersonalAccessTokens::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PersonalAccessTokens::Table).to_owned())
            .await
    }
}
