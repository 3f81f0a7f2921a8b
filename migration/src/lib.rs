//! Database migrations. They run at every start (`portcullis serve`) and are frozen once released:
//! a change to the data model is a new file here, never an edit of an old one.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_tenancy;
mod m20261125_000002_identity;
mod m20261125_000003_company_data;
mod m20261125_000004_personal_access_tokens;
mod m20261125_000005_api_keys;
mod m20261125_000006_api_credentials;
mod m20261125_000007_api_key_rotation;
mod m20261201_000008_api_logs;
mod m20261202_000009_api_logs_stats_index;
mod m20261202_000010_api_logs_credential_usage_index;
mod m20261202_000011_audit_log;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_tenancy::Migration),
            Box::new(m20261125_000002_identity::Migration),
            Box::new(m20261125_000003_company_data::Migration),
            Box::new(m20261125_000004_personal_access_tokens::Migration),
            Box::new(m20261125_000005_api_keys::Migration),
            Box::new(m20261125_000006_api_credentials::Migration),
            Box::new(m20261125_000007_api_key_rotation::Migration),
            Box::new(m20261201_000008_api_logs::Migration),
            Box::new(m20261202_000009_api_logs_stats_index::Migration),
            Box::new(m20261202_000010_api_logs_credential_usage_index::Migration),
            Box::new(m20261202_000011_audit_log::Migration),
        ]
    }
}
