//! The data integrators exchange through the public API: employees, time off, documents.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_tenancy::Companies;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Employees {
    Table,
    Id,
    CompanyId,
    FirstName,
    LastName,
    Email,
    Department,
    JobTitle,
    StartDate,
    EndDate,
    Phone,
    Salary,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TimeOff {
    Table,
    Id,
    CompanyId,
    EmployeeId,
    Kind,
    StartDate,
    EndDate,
    Status,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    CompanyId,
    EmployeeId,
    FileName,
    ContentType,
    SizeBytes,
    Content,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Employees::Table)
                .col(uuid(Employees::Id).primary_key())
                .col(uuid(Employees::CompanyId))
                .col(string(Employees::FirstName))
                .col(string(Employees::LastName))
                .col(string_null(Employees::Email))
                .col(string_null(Employees::Department))
                .col(string_null(Employees::JobTitle))
                .col(date_null(Employees::StartDate))
                .col(date_null(Employees::EndDate))
                .col(string_null(Employees::Phone))
                .col(big_integer_null(Employees::Salary))
                .col(timestamp_with_time_zone(Employees::CreatedAt))
                .col(timestamp_with_time_zone(Employees::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_employees_company")
                        .from(Employees::Table, Employees::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_employees_company_id")
                .table(Employees::Table)
                .col(Employees::CompanyId)
                .col(Employees::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_employees_company_department")
                .table(Employees::Table)
                .col(Employees::CompanyId)
                .col(Employees::Department)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TimeOff::Table)
                .col(uuid(TimeOff::Id).primary_key())
                .col(uuid(TimeOff::CompanyId))
                .col(uuid(TimeOff::EmployeeId))
                .col(string(TimeOff::Kind))
                .col(date(TimeOff::StartDate))
                .col(date(TimeOff::EndDate))
                .col(string(TimeOff::Status))
                .col(text_null(TimeOff::Note))
                .col(timestamp_with_time_zone(TimeOff::CreatedAt))
                .col(timestamp_with_time_zone(TimeOff::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_time_off_company")
                        .from(TimeOff::Table, TimeOff::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_time_off_employee")
                        .from(TimeOff::Table, TimeOff::EmployeeId)
                        .to(Employees::Table, Employees::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_time_off_company_id")
                .table(TimeOff::Table)
                .col(TimeOff::CompanyId)
                .col(TimeOff::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_time_off_employee")
                .table(TimeOff::Table)
                .col(TimeOff::EmployeeId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(uuid(Documents::Id).primary_key())
                .col(uuid(Documents::CompanyId))
                .col(uuid_null(Documents::EmployeeId))
                .col(string(Documents::FileName))
                .col(string(Documents::ContentType))
                .col(big_integer(Documents::SizeBytes))
                .col(blob(Documents::Content))
                .col(timestamp_with_time_zone(Documents::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_documents_company")
                        .from(Documents::Table, Documents::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_documents_employee")
                        .from(Documents::Table, Documents::EmployeeId)
                        .to(Employees::Table, Employees::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_documents_company_id")
                .table(Documents::Table)
                .col(Documents::CompanyId)
                .col(Documents::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Documents::Table.into_iden(),
            TimeOff::Table.into_iden(),
            Employees::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
