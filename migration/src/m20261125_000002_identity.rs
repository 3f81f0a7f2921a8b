//! Permissions catalogue, roles, users, visibility groups, sessions and server secrets.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000001_tenancy::{Companies, Resellers};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Permissions {
    Table,
    Key,
    Description,
    Scope,
}

#[derive(DeriveIden)]
pub enum Roles {
    Table,
    Id,
    CompanyId,
    Name,
    Kind,
    BuiltIn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RolePermissions {
    Table,
    RoleId,
    Permission,
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    RoleId,
    ResellerId,
    CompanyId,
    Active,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VisibilityGroups {
    Table,
    Id,
    CompanyId,
    Name,
    Departments,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserVisibilityGroups {
    Table,
    UserId,
    GroupId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Permissions::Table)
                .col(string(Permissions::Key).primary_key())
                .col(text(Permissions::Description))
                .col(string(Permissions::Scope))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(uuid(Roles::Id).primary_key())
                .col(uuid_null(Roles::CompanyId))
                .col(string(Roles::Name))
                .col(string(Roles::Kind))
                .col(boolean(Roles::BuiltIn).default(false))
                .col(timestamp_with_time_zone(Roles::CreatedAt))
                .col(timestamp_with_time_zone(Roles::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_roles_company",
                    (Roles::Table, Roles::CompanyId),
                    (Companies::Table, Companies::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_roles_company_name")
                .table(Roles::Table)
                .col(Roles::CompanyId)
                .col(Roles::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_roles_company")
                .table(Roles::Table)
                .col(Roles::CompanyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RolePermissions::Table)
                .col(uuid(RolePermissions::RoleId))
                .col(string(RolePermissions::Permission))
                .primary_key(
                    Index::create()
                        .col(RolePermissions::RoleId)
                        .col(RolePermissions::Permission),
                )
                .foreign_key(&mut fk(
                    "fk_role_permissions_role",
                    (RolePermissions::Table, RolePermissions::RoleId),
                    (Roles::Table, Roles::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_role_permissions_permission",
                    (RolePermissions::Table, RolePermissions::Permission),
                    (Permissions::Table, Permissions::Key),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid(Users::Id).primary_key())
                .col(string(Users::Email))
                .col(string(Users::Name))
                .col(string_null(Users::PasswordHash))
                .col(uuid(Users::RoleId))
                .col(uuid_null(Users::ResellerId))
                .col(uuid_null(Users::CompanyId))
                .col(boolean(Users::Active).default(true))
                .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_users_role",
                    (Users::Table, Users::RoleId),
                    (Roles::Table, Roles::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_users_reseller",
                    (Users::Table, Users::ResellerId),
                    (Resellers::Table, Resellers::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_users_company",
                    (Users::Table, Users::CompanyId),
                    (Companies::Table, Companies::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_users_email")
                .table(Users::Table)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_users_company", Users::CompanyId),
            ("ix_users_reseller", Users::ResellerId),
            ("ix_users_role", Users::RoleId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Users::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(VisibilityGroups::Table)
                .col(uuid(VisibilityGroups::Id).primary_key())
                .col(uuid(VisibilityGroups::CompanyId))
                .col(string(VisibilityGroups::Name))
                .col(json_binary(VisibilityGroups::Departments))
                .col(timestamp_with_time_zone(VisibilityGroups::CreatedAt))
                .col(timestamp_with_time_zone(VisibilityGroups::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_visibility_groups_company",
                    (VisibilityGroups::Table, VisibilityGroups::CompanyId),
                    (Companies::Table, Companies::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_visibility_groups_company_name")
                .table(VisibilityGroups::Table)
                .col(VisibilityGroups::CompanyId)
                .col(VisibilityGroups::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserVisibilityGroups::Table)
                .col(uuid(UserVisibilityGroups::UserId))
                .col(uuid(UserVisibilityGroups::GroupId))
                .primary_key(
                    Index::create()
                        .col(UserVisibilityGroups::UserId)
                        .col(UserVisibilityGroups::GroupId),
                )
                .foreign_key(&mut fk(
                    "fk_user_visibility_groups_user",
                    (UserVisibilityGroups::Table, UserVisibilityGroups::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_user_visibility_groups_group",
                    (UserVisibilityGroups::Table, UserVisibilityGroups::GroupId),
                    (VisibilityGroups::Table, VisibilityGroups::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(uuid(Sessions::Id).primary_key())
                .col(uuid(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .foreign_key(&mut fk(
                    "fk_sessions_user",
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServerSecrets::Table)
                .col(string(ServerSecrets::Name).primary_key())
                .col(text(ServerSecrets::Value))
                .col(timestamp_with_time_zone(ServerSecrets::CreatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ServerSecrets::Table.into_iden(),
            Sessions::Table.into_iden(),
            UserVisibilityGroups::Table.into_iden(),
            VisibilityGroups::Table.into_iden(),
            Users::Table.into_iden(),
            RolePermissions::Table.into_iden(),
            Roles::Table.into_iden(),
            Permissions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
