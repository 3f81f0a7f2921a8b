//! The audit log: who changed which credential or setting, what, when, from where (issue 10).
//!
//! **Writing.** Each change calls [`record`] once, on the same transaction as the change when the
//! change is transactional, so a rolled-back change leaves no row and a committed one always has
//! its row. `changes` holds the before/after of the changed fields, and never a secret, hash or
//! token: only masked forms; as a second line of defence, [`record`] passes it through the API
//! log redactor (`logs::redact::json`), which blanks every field named like a secret. The client
//! IP comes from the request (see [`with_client_ip`]), resolved like the API logs' (behind
//! `--trusted-proxies` only), so no service signature has to carry it.
//!
//! **Reading** (`auditLogs`) needs `audit_log.view`. Platform users see every row; reseller admins
//! their reseller's rows (reseller-level ones and those of its companies: a company's row carries
//! its reseller too); company users their company's. Newest first, by id (UUIDv7).

use std::future::Future;
use std::net::IpAddr;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::permissions as perm;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::auth::{Principal, Tenant};
use crate::entity::{audit_log, company};
use crate::error::{AppError, AppResult};
use crate::service::api_logs::time_bound;
use crate::service::pagination::Page;

tokio::task_local! {
    /// The client IP of the request being served (see [`with_client_ip`]).
    static CLIENT_IP: Option<IpAddr>;
}

/// Runs a request's work with its client IP known to [`record`]. The GraphQL door wraps every
/// execution in it; work outside any request (start-up, background jobs) records no IP.
pub async fn with_client_ip<F: Future>(ip: Option<IpAddr>, f: F) -> F::Output {
    CLIENT_IP.scope(ip, f).await
}

fn client_ip() -> Option<IpAddr> {
    CLIENT_IP.try_with(|ip| *ip).ok().flatten()
}

/// Who acted.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub email: Option<String>,
    /// `session`, `personal_access_token`, `api_credential` or `anonymous`.
    pub kind: &'static str,
    pub credential_id: Option<Uuid>,
}

impl Actor {
    /// Nobody signed in (a failed sign-in).
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            email: None,
            kind: "anonymous",
            credential_id: None,
        }
    }
}

impl Actor {
    /// A Partner API client acting with its own client credentials (`/oauth/revoke`).
    pub fn api_credential(credential_id: Uuid) -> Self {
        Self {
            user_id: None,
            email: None,
            kind: "api_credential",
            credential_id: Some(credential_id),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        let (kind, credential_id) = match p.personal_token_id {
            Some(id) => ("personal_access_token", Some(id)),
            None => ("session", None),
        };
        Self {
            user_id: Some(p.user.id),
            email: Some(p.user.email.clone()),
            kind,
            credential_id,
        }
    }
}

/// What happened, to what, in which tenant.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub company_id: Option<Uuid>,
    pub reseller_id: Option<Uuid>,
    pub changes: Value,
}

impl Event {
    pub fn new(action: &'static str, target_type: &'static str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            company_id: None,
            reseller_id: None,
            changes: Value::Object(Default::default()),
        }
    }

    /// The change belongs to this company (its reseller is looked up by [`record`]).
    pub fn company(mut self, id: impl Into<Option<Uuid>>) -> Self {
        self.company_id = id.into();
        self
    }

    /// The change belongs to this reseller.
    pub fn reseller(mut self, id: impl Into<Option<Uuid>>) -> Self {
        self.reseller_id = id.into();
        self
    }

    /// Before/after of the changed fields (no secrets: masked forms only).
    pub fn changes(mut self, changes: Value) -> Self {
        self.changes = changes;
        self
    }

    /// The tenant of a user or a role: its company, else its reseller.
    pub fn tenant(self, company_id: Option<Uuid>, reseller_id: Option<Uuid>) -> Self {
        match company_id {
            Some(c) => self.company(c),
            None => self.reseller(reseller_id),
        }
    }
}

/// `{"field": {"before": b, "after": a}}` for a field that changed; nothing when it did not.
pub fn diff<T: Serialize + PartialEq>(
    changes: &mut serde_json::Map<String, Value>,
    field: &str,
    before: &T,
    after: &T,
) {
    if before != after {
        changes.insert(
            field.to_string(),
            serde_json::json!({ "before": before, "after": after }),
        );
    }
}

/// A time as the changes show it.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Writes one audit row on `db` — the change's own transaction when it has one. Fails when the
/// row cannot be written, which rolls the change back with it: no unaudited change.
pub async fn record(db: &impl ConnectionTrait, actor: Actor, event: Event) -> AppResult<()> {
    let mut changes = event.changes;
    crate::logs::redact::json(&mut changes);
    let mut reseller_id = event.reseller_id;
    if reseller_id.is_none()
        && let Some(c) = event.company_id
    {
        reseller_id = company::Entity::find_by_id(c)
            .select_only()
            .column(company::Column::ResellerId)
            .into_tuple::<Uuid>()
            .one(db)
            .await?;
    }
    let ip = client_ip();
    tracing::info!(
        target: "portcullis::audit",
        action = event.action,
        actor_user_id = ?actor.user_id,
        actor_kind = actor.kind,
        target_type = event.target_type,
        target_id = ?event.target_id,
        company_id = ?event.company_id,
        ip = ?ip,
        "audit"
    );
    let row = audit_log::Model {
        id: Uuid::now_v7(),
        time: OffsetDateTime::now_utc(),
        action: event.action.to_string(),
        actor_user_id: actor.user_id,
        actor_email: actor.email,
        actor_kind: actor.kind.to_string(),
        credential_id: actor.credential_id,
        company_id: event.company_id,
        reseller_id,
        target_type: event.target_type.to_string(),
        target_id: event.target_id,
        changes,
        ip: ip.map(|i| i.to_string()),
    };
    audit_log::Entity::insert(audit_log::ActiveModel::from(row))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Longest accepted `action`, `targetType` or `targetId` filter.
const FILTER_MAX_CHARS: usize = 200;

/// The list's filters, as the caller gave them. No range means all time.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub company_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

fn text_filter(field: &'static str, v: &Option<String>) -> AppResult<Option<String>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > FILTER_MAX_CHARS => Err(AppError::validation(
            field,
            format!("{field} is too long: at most {FILTER_MAX_CHARS} characters"),
        )),
        s => Ok(s.map(str::to_string)),
    }
}

/// Whole seconds: `from` rounded down, `to` up (see `api_logs::time_bound`).
fn whole_second(t: OffsetDateTime, up: bool) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    let floor = t.replace_nanosecond(0).unwrap_or(t);
    if up && floor != t {
        floor + Duration::SECOND
    } else {
        floor
    }
}

/// Position in the newest-first list: the last row seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    #[serde(rename = "a")]
    pub id: Uuid,
}

impl AuditCursor {
    pub fn encode(&self) -> String {
        crate::service::pagination::encode_cursor(self)
    }

    pub fn decode(s: &str) -> AppResult<Self> {
        crate::service::pagination::decode_cursor(s, 256)
    }
}

/// An audit row with the name of its company (`None` without one, or when it was deleted).
#[derive(Debug, Clone)]
pub struct AuditView {
    pub entry: audit_log::Model,
    pub company_name: Option<String>,
}

/// The audit log in the caller's scope, newest first (`audit_log.view`). A `companyId` filter
/// outside the scope matches nothing.
pub async fn list(
    p: &Principal,
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<Page<AuditView>> {
    use audit_log::Column as C;
    p.require(perm::AUDIT_LOG_VIEW)?;
    let first = shared::limits::page_size(first)?;
    let after = after.map(AuditCursor::decode).transpose()?;
    let backend = db.get_database_backend();
    let mut cond = Condition::all();
    match p.tenant {
        Tenant::Platform => {}
        Tenant::Reseller { reseller_id } => cond = cond.add(C::ResellerId.eq(reseller_id)),
        Tenant::Company { company_id, .. } => cond = cond.add(C::CompanyId.eq(company_id)),
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from >= to
    {
        return Err(AppError::validation("from", "from must be before to"));
    }
    if let Some(from) = filter.from {
        cond = cond.add(C::Time.gte(time_bound(backend, whole_second(from, false))));
    }
    if let Some(to) = filter.to {
        cond = cond.add(C::Time.lt(time_bound(backend, whole_second(to, true))));
    }
    if let Some(v) = filter.company_id {
        cond = cond.add(C::CompanyId.eq(v));
    }
    if let Some(v) = filter.actor_id {
        cond = cond.add(C::ActorUserId.eq(v));
    }
    if let Some(v) = text_filter("action", &filter.action)? {
        cond = cond.add(C::Action.eq(v));
    }
    if let Some(v) = text_filter("targetType", &filter.target_type)? {
        cond = cond.add(C::TargetType.eq(v));
    }
    if let Some(v) = text_filter("targetId", &filter.target_id)? {
        cond = cond.add(C::TargetId.eq(v));
    }
    let total = audit_log::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let mut q = audit_log::Entity::find().filter(cond);
    if let Some(a) = &after {
        q = q.filter(C::Id.lt(a.id));
    }
    let mut rows = q.order_by_desc(C::Id).limit(first + 1).all(db).await?;
    let has_next = rows.len() as u64 > first;
    rows.truncate(first as usize);
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.company_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<Uuid, String> = if ids.is_empty() {
        Default::default()
    } else {
        company::Entity::find()
            .select_only()
            .column(company::Column::Id)
            .column(company::Column::Name)
            .filter(company::Column::Id.is_in(ids))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(Page {
        items: rows
            .into_iter()
            .map(|entry| {
                let cursor = AuditCursor { id: entry.id }.encode();
                let company_name = entry.company_id.and_then(|c| names.get(&c).cloned());
                (
                    cursor,
                    AuditView {
                        entry,
                        company_name,
                    },
                )
            })
            .collect(),
        has_next,
        has_previous: after.is_some(),
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = AuditCursor { id: Uuid::now_v7() };
        assert_eq!(AuditCursor::decode(&c.encode()).ok(), Some(c));
        assert!(AuditCursor::decode("nope!").is_err());
        assert!(AuditCursor::decode(&"a".repeat(300)).is_err());
    }

    #[test]
    fn diff_keeps_only_changes() {
        let mut m = serde_json::Map::new();
        diff(&mut m, "name", &"a", &"a");
        diff(&mut m, "limit", &Some(1), &Some(2));
        assert_eq!(
            Value::Object(m),
            serde_json::json!({ "limit": { "before": 1, "after": 2 } })
        );
    }

    #[tokio::test]
    async fn the_request_ip_reaches_record() {
        assert_eq!(client_ip(), None);
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let seen = with_client_ip(Some(ip), async { client_ip() }).await;
        assert_eq!(seen, Some(ip));
    }
}
