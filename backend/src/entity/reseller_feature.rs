//! `reseller_features` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reseller_features")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub reseller_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub flag: String,
    pub enabled: bool,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
