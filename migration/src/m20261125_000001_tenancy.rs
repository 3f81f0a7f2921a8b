//! Resellers, companies, and the feature flags set on each level.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Resellers {
    Table,
    Id,
    Name,
    ApiRateLimit,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Companies {
    Table,
    Id,
    ResellerId,
    Name,
    ApiAccessType,
    ApiRateLimit,
    ApiRequestDelaySeconds,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ResellerFeatures {
    Table,
    ResellerId,
    Flag,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CompanyFeatures {
    Table,
    CompanyId,
    Flag,
    Enabled,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Resellers::Table)
                .col(uuid(Resellers::Id).primary_key())
                .col(string(Resellers::Name))
                .col(integer(Resellers::ApiRateLimit).default(60))
                .col(timestamp_with_time_zone(Resellers::CreatedAt))
                .col(timestamp_with_time_zone(Resellers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_resellers_name")
                .table(Resellers::Table)
                .col(Resellers::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Companies::Table)
                .col(uuid(Companies::Id).primary_key())
                .col(uuid(Companies::ResellerId))
                .col(string(Companies::Name))
                .col(string(Companies::ApiAccessType).default("none"))
                .col(integer(Companies::ApiRateLimit).default(60))
                .col(integer_null(Companies::ApiRequestDelaySeconds))
                .col(timestamp_with_time_zone(Companies::CreatedAt))
                .col(timestamp_with_time_zone(Companies::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_companies_reseller")
                        .from(Companies::Table, Companies::ResellerId)
                        .to(Resellers::Table, Resellers::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_companies_reseller_name")
                .table(Companies::Table)
                .col(Companies::ResellerId)
                .col(Companies::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_companies_name_id")
                .table(Companies::Table)
                .col(Companies::Name)
                .col(Companies::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ResellerFeatures::Table)
                .col(uuid(ResellerFeatures::ResellerId))
                .col(string(ResellerFeatures::Flag))
                .col(boolean(ResellerFeatures::Enabled))
                .col(timestamp_with_time_zone(ResellerFeatures::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(ResellerFeatures::ResellerId)
                        .col(ResellerFeatures::Flag),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_reseller_features_reseller")
                        .from(ResellerFeatures::Table, ResellerFeatures::ResellerId)
                        .to(Resellers::Table, Resellers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CompanyFeatures::Table)
                .col(uuid(CompanyFeatures::CompanyId))
                .col(string(CompanyFeatures::Flag))
                .col(boolean(CompanyFeatures::Enabled))
                .col(timestamp_with_time_zone(CompanyFeatures::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(CompanyFeatures::CompanyId)
                        .col(CompanyFeatures::Flag),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_company_features_company")
                        .from(CompanyFeatures::Table, CompanyFeatures::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            CompanyFeatures::Table.into_iden(),
            ResellerFeatures::Table.into_iden(),
            Companies::Table.into_iden(),
            Resellers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
