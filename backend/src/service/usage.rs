//! Least privilege from real use (issue 8): which of an API key's grants, or of a Partner API
//! credential's role, the credential actually used in the last days, read from the request logs,
//! so that an administrator can narrow it to what is used in one confirmed step.
//!
//! **What counts.** Rows of `api_logs` made with the credential, in the window, that every guard
//! allowed (`decision = 'allowed'`): a request refused by a guard (401, 403, 429) used nothing.
//! A request the guards allowed counts even when the handler then failed (a 404, a 422): the
//! permission was exercised. The OAuth endpoints (`/oauth/token`, `/oauth/revoke`,
//! `/oauth/introspect`) are how a credential obtains and manages its tokens, not a use of a
//! permission, so they are left out entirely.
//!
//! **From a row to a permission.** A row keeps the route template and the method; the guards'
//! own route table (`rest::guard::endpoint_action`) turns them into the endpoint and action that
//! were checked, and `rest::guard::permission::required` into the catalogue permission. A row
//! that maps to nothing (a future route, or GraphQL) is *unattributed*: then what was used is not
//! fully known, and narrowing to the attributed part could break the integration, so callers
//! must not offer it (`unattributed_requests > 0`).
//!
//! **Fields.** Read responses carry every granted field, so which fields an integration looks
//! at cannot be observed: a used grant keeps the fields it was granted.
//!
//! **Cost.** One grouped query per credential over the partial covering index
//! `ix_api_logs_credential_allowed` (migration `m20261202_000010`): it reads only the
//! credential's allowed rows of the window, from the index alone.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, FromQueryResult, Statement};
use shared::api::{ApiAction, ApiEndpoint, ApiGrant};
use shared::permissions::{self as perm, PermissionScope};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::api_log;
use crate::error::AppResult;
use crate::rest::guard::endpoint_action;
use crate::rest::guard::permission::required;
use crate::service::api_logs::time_bound;

/// The credentials whose use is analysed, by the `credential_kind` their log rows carry
/// (`logs::Identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    ApiKey,
    ApiCredential,
}

impl Subject {
    pub fn log_kind(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::ApiCredential => "api_credential",
        }
    }
}

/// What a credential was granted against what it used in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantUsage {
    pub days: i32,
    /// Start of the window (inclusive, whole seconds, UTC).
    pub since: OffsetDateTime,
    /// Allowed requests in the window, OAuth endpoints excluded.
    pub requests: u64,
    /// The granted endpoint × actions that were used, with the grant's fields; endpoint order,
    /// actions in catalogue order. Only what is granted now: a use of something since removed
    /// is not proposed back.
    pub used: Vec<ApiGrant>,
    /// The granted endpoint × actions never used in the window, with the grant's fields.
    pub unused: Vec<ApiGrant>,
    /// The catalogue permissions behind `used`, in catalogue order.
    pub used_permissions: Vec<String>,
    /// The granted permissions never used, in catalogue order.
    pub unused_permissions: Vec<String>,
    /// Allowed requests that map to no endpoint and action.
    pub unattributed_requests: u64,
}

/// A credential's allowed requests in a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub requests: u64,
    pub by_action: BTreeMap<(ApiEndpoint, ApiAction), u64>,
    pub unattributed: u64,
}

impl Observed {
    fn used(&self, endpoint: ApiEndpoint, action: ApiAction) -> bool {
        self.by_action.contains_key(&(endpoint, action))
    }
}

/// The start of a window of `days` ending now, at a whole second (the log queries' bound).
pub fn window_start(now: OffsetDateTime, days: i32) -> OffsetDateTime {
    let since = now - Duration::days(i64::from(days));
    since.replace_nanosecond(0).unwrap_or(since)
}

/// The one query: allowed requests of one credential since `since`, per route template and
/// method. `decision = 'allowed'` is a literal, not a parameter, so that both databases can
/// prove the partial index applies. Public so a test can check the plan uses the index.
pub fn usage_statement(
    backend: DbBackend,
    subject: Subject,
    credential_id: Uuid,
    since: OffsetDateTime,
) -> Statement {
    use api_log::Column as C;
    let query = Query::select()
        .column(C::Endpoint)
        .column(C::Method)
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from(api_log::Entity)
        .and_where(C::CredentialId.eq(credential_id))
        .and_where(C::Time.gte(time_bound(backend, since)))
        .and_where(Expr::cust("decision = 'allowed'"))
        .and_where(C::CredentialKind.eq(subject.log_kind()))
        .group_by_col(C::Endpoint)
        .group_by_col(C::Method)
        .to_owned();
    backend.build(&query)
}

#[derive(FromQueryResult)]
struct UsageRow {
    endpoint: String,
    method: String,
    n: i64,
}

/// Reads what a credential did since `since`.
pub async fn observe(
    db: &impl ConnectionTrait,
    subject: Subject,
    credential_id: Uuid,
    since: OffsetDateTime,
) -> AppResult<Observed> {
    let stmt = usage_statement(db.get_database_backend(), subject, credential_id, since);
    let rows = UsageRow::find_by_statement(stmt).all(db).await?;
    let mut out = Observed::default();
    for r in rows {
        if r.endpoint.starts_with("/oauth/") {
            continue;
        }
        let n = u64::try_from(r.n).unwrap_or(0);
        out.requests += n;
        match endpoint_action(&r.endpoint, &r.method) {
            Some(pair) => *out.by_action.entry(pair).or_default() += n,
            None => out.unattributed += n,
        }
    }
    Ok(out)
}

fn catalogue_order(keys: BTreeSet<&str>) -> Vec<String> {
    perm::CATALOGUE
        .iter()
        .filter(|p| keys.contains(p.key))
        .map(|p| p.key.to_string())
        .collect()
}

/// Splits grants into used and unused, each grant keeping its fields. `granted_permissions` is
/// what `unused_permissions` is taken from (for a key, its grants' permissions; for a
/// credential, every company permission of its role, including those REST never checks).
fn split(
    grants: &[ApiGrant],
    granted_permissions: BTreeSet<&str>,
    observed: &Observed,
    days: i32,
    since: OffsetDateTime,
) -> GrantUsage {
    let mut used = Vec::new();
    let mut unused = Vec::new();
    let mut used_permissions = BTreeSet::new();
    let mut sorted: Vec<&ApiGrant> = grants.iter().collect();
    sorted.sort_by_key(|g| g.endpoint);
    for g in sorted {
        let (yes, no): (Vec<ApiAction>, Vec<ApiAction>) = g
            .endpoint
            .actions()
            .iter()
            .copied()
            .filter(|a| g.allows(*a))
            .partition(|a| observed.used(g.endpoint, *a));
        used_permissions.extend(yes.iter().filter_map(|a| required(g.endpoint, *a)));
        for (actions, into) in [(yes, &mut used), (no, &mut unused)] {
            if !actions.is_empty() {
                into.push(ApiGrant {
                    endpoint: g.endpoint,
                    actions,
                    fields: g.fields.clone(),
                });
            }
        }
    }
    let unused_permissions = granted_permissions
        .into_iter()
        .filter(|k| !used_permissions.contains(k))
        .collect();
    GrantUsage {
        days,
        since,
        requests: observed.requests,
        used,
        unused,
        used_permissions: catalogue_order(used_permissions),
        unused_permissions: catalogue_order(unused_permissions),
        unattributed_requests: observed.unattributed,
    }
}

/// An API key's usage: its grants against what it did.
pub fn of_grants(
    grants: &[ApiGrant],
    observed: &Observed,
    days: i32,
    since: OffsetDateTime,
) -> GrantUsage {
    let granted = grants
        .iter()
        .flat_map(|g| g.actions.iter().filter_map(|a| required(g.endpoint, *a)))
        .collect();
    split(grants, granted, observed, days, since)
}

/// A role's permissions as the endpoint × actions they open on the REST API (no field limits).
pub fn grants_of_permissions(permissions: &[String]) -> Vec<ApiGrant> {
    ApiEndpoint::ALL
        .iter()
        .filter_map(|&endpoint| {
            let actions: Vec<ApiAction> = endpoint
                .actions()
                .iter()
                .copied()
                .filter(|&a| {
                    required(endpoint, a).is_some_and(|k| permissions.iter().any(|p| p == k))
                })
                .collect();
            (!actions.is_empty()).then_some(ApiGrant {
                endpoint,
                actions,
                fields: None,
            })
        })
        .collect()
}

/// A Partner API credential's usage: its role's company permissions against what it did.
pub fn of_role(
    permissions: &[String],
    observed: &Observed,
    days: i32,
    since: OffsetDateTime,
) -> GrantUsage {
    let granted = permissions
        .iter()
        .filter_map(|k| perm::find(k))
        .filter(|p| p.scope == PermissionScope::Company)
        .map(|p| p.key)
        .collect();
    split(
        &grants_of_permissions(permissions),
        granted,
        observed,
        days,
        since,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApiAction::*;
    use ApiEndpoint::*;

    fn observed(pairs: &[(ApiEndpoint, ApiAction, u64)], unattributed: u64) -> Observed {
        let mut o = Observed {
            unattributed,
            requests: unattributed,
            ..Default::default()
        };
        for &(e, a, n) in pairs {
            o.by_action.insert((e, a), n);
            o.requests += n;
        }
        o
    }

    fn grant(endpoint: ApiEndpoint, actions: &[ApiAction], fields: Option<&[&str]>) -> ApiGrant {
        ApiGrant {
            endpoint,
            actions: actions.to_vec(),
            fields: fields.map(|f| f.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn a_key_splits_by_action_and_keeps_its_fields() {
        let grants = [
            grant(TimeOff, &[Read], None),
            grant(Employees, &[Read, Create], Some(&["id", "last_name"])),
        ];
        // A use of something not granted (Users) is counted but not proposed.
        let o = observed(&[(Employees, Read, 3), (Users, Read, 1)], 0);
        let since = OffsetDateTime::UNIX_EPOCH;
        let u = of_grants(&grants, &o, 30, since);
        assert_eq!(u.requests, 4);
        assert_eq!(
            u.used,
            vec![grant(Employees, &[Read], Some(&["id", "last_name"]))]
        );
        assert_eq!(
            u.unused,
            vec![
                grant(Employees, &[Create], Some(&["id", "last_name"])),
                grant(TimeOff, &[Read], None),
            ]
        );
        assert_eq!(u.used_permissions, vec!["employees.read"]);
        assert_eq!(
            u.unused_permissions,
            vec!["employees.create", "time_off.read"]
        );
        assert_eq!(u.unattributed_requests, 0);
    }

    #[test]
    fn a_role_counts_every_company_permission() {
        let role: Vec<String> = [
            "employees.read",
            "employees.create",
            "roles.edit",
            "companies.read",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let o = observed(&[(Employees, Create, 2)], 1);
        let u = of_role(&role, &o, 7, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(u.used, vec![grant(Employees, &[Create], None)]);
        assert_eq!(u.unused, vec![grant(Employees, &[Read], None)]);
        assert_eq!(u.used_permissions, vec!["employees.create"]);
        // Hub permissions are not the credential's to use; roles.edit is, though REST never
        // checks it.
        assert_eq!(u.unused_permissions, vec!["roles.edit", "employees.read"]);
        assert_eq!((u.requests, u.unattributed_requests), (3, 1));
    }

    #[test]
    fn windows_start_at_a_whole_second() {
        let now = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_900_000_000).expect("t");
        let s = window_start(now, 30);
        assert_eq!(s.unix_timestamp(), 1_700_000_000 - 30 * 86_400);
        assert_eq!(s.nanosecond(), 0);
    }
}
