//! `api_keys` table: scoped API keys of a company (seed 004). What a key may do is in
//! `api_key_grants`, one row per endpoint.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub company_id: Uuid,
    /// Unique per company.
    pub name: String,
    /// The key's public id: finds the row, shown in the masked form.
    pub public_id: String,
    /// Hex SHA-256 of the whole key; the key itself is never stored.
    pub key_hash: String,
    /// Who generated it, for the audit trail; NULL once that user is deleted, since the key
    /// belongs to the company, not to the admin.
    pub created_by_user_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    /// The key replaced by the last regeneration, while its grace period lasts.
    pub previous_public_id: Option<String>,
    pub previous_key_hash: Option<String>,
    /// When the previous key stops working.
    pub previous_key_expires_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
