//! `api_credentials` table: Partner API OAuth2 clients (SPEC §3.2). Secrets are kept only as
//! SHA-256 hashes; the previous secret lives on during a rotation's grace period.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    /// `cli_<public id>`: the OAuth `client_id`, not a secret.
    pub client_id: String,
    /// The role whose permissions bound every access token's scope.
    pub role_id: Uuid,
    /// Public id of the current `pcs_` secret.
    pub secret_public_id: String,
    /// Hex SHA-256 of the current secret.
    pub secret_hash: String,
    /// The secret replaced by the last regeneration, valid until `previous_secret_expires_at`.
    pub previous_secret_public_id: Option<String>,
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<TimeDateTimeWithTimeZone>,
    /// Access tokens issued before this instant are void (set on create, regenerate, revoke).
    pub tokens_not_before: TimeDateTimeWithTimeZone,
    pub created_by_user_id: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
