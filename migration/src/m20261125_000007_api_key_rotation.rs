//! Rotation without downtime for API keys: after a regeneration the previous key may keep
//! working for a grace period, so integrations can switch over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    PreviousPublicId,
    PreviousKeyHash,
    PreviousKeyExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        for col in [
            string_null(ApiKeys::PreviousPublicId),
            string_null(ApiKeys::PreviousKeyHash),
            timestamp_with_time_zone_null(ApiKeys::PreviousKeyExpiresAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_api_keys_previous_public_id")
                .table(ApiKeys::Table)
                .col(ApiKeys::PreviousPublicId)
                .to_owned(),
        )
        .await
    }
}
