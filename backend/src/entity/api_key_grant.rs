//! `api_key_grants` table: what one API key may do on one endpoint.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub api_key_id: Uuid,
    /// `shared::api::ApiEndpoint::as_str`, e.g. `time_off`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub endpoint: String,
    /// JSON array of `shared::api::ApiAction::as_str`, e.g. `["read"]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub actions: Json,
    /// JSON array of field names; NULL = every field of the endpoint (seed 004's default).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub fields: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
