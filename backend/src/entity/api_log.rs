//! `api_logs` table: one logged request (SPEC §5).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_logs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// When the request arrived.
    pub time: TimeDateTimeWithTimeZone,
    pub method: String,
    /// Path and query string as received, secrets in the query redacted.
    #[sea_orm(column_type = "Text")]
    pub uri: String,
    /// The route template (`/api/v1/employees/{id}`), or the path when no route matched.
    pub endpoint: String,
    pub status_code: i32,
    pub response_time_us: i64,
    pub request_ip: Option<String>,
    /// Header name → value, secrets redacted.
    pub request_headers: Json,
    pub response_headers: Json,
    /// Bodies, truncated and with secrets redacted.
    #[sea_orm(column_type = "Text", nullable)]
    pub request_body: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    /// Error text of a 5xx or a panic.
    #[sea_orm(column_type = "Text", nullable)]
    pub exception: Option<String>,
    /// The guards' verdict in words a support engineer can hand on: `allowed`, or
    /// `<guard>: <why>` (`rate_limit: company limit 60/min reached, resets in 12 s`).
    #[sea_orm(column_type = "Text")]
    pub decision: String,
    /// The guard that denied the request (`authenticate`, `feature_flag`, `access_type`,
    /// `rate_limit`, `permission`, `scope`); `None` when allowed. For filtering.
    pub denied_by: Option<String>,
    pub company_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// `session`, `personal_access_token`, `api_key` or `api_credential`.
    pub credential_kind: Option<String>,
    pub credential_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
