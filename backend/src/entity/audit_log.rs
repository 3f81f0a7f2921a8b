//! `audit_logs` table: one credential or settings change (see `service::audit`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_logs")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub time: TimeDateTimeWithTimeZone,
    /// `api_key.create`, `user.update`, `session.login_failure`, …
    pub action: String,
    /// The user who acted; `None` for an anonymous attempt (a failed sign-in).
    pub actor_user_id: Option<Uuid>,
    /// Their e-mail at the time (users may be renamed later).
    pub actor_email: Option<String>,
    /// How the actor authenticated: `session`, `personal_access_token` or `anonymous`.
    pub actor_kind: String,
    /// The machine credential that acted (the personal access token's id), if any.
    pub credential_id: Option<Uuid>,
    /// The company the change belongs to, if any.
    pub company_id: Option<Uuid>,
    /// The reseller the change belongs to (also set for a company's changes), if any.
    pub reseller_id: Option<Uuid>,
    pub target_type: String,
    pub target_id: Option<String>,
    /// Before/after of the changed fields; never a secret, hash or token (masked forms only).
    pub changes: Json,
    pub ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
