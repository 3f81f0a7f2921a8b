//! `time_off` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_off")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub company_id: Uuid,
    pub employee_id: Uuid,
    /// `vacation` | `sick` | `parental` | `unpaid` | `other`
    pub kind: String,
    pub start_date: TimeDate,
    pub end_date: TimeDate,
    /// `requested` | `approved` | `rejected` | `cancelled`
    pub status: String,
    pub note: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
