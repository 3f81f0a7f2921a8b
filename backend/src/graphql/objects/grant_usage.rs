use async_graphql::SimpleObject;
use time::OffsetDateTime;

use super::api_key::ApiKeyGrant;
use crate::service::usage;

/// Which of a credential's grants were actually used in a window, from the request logs (least
/// privilege from real use). Counts only requests that every guard allowed; requests refused by
/// a guard (401, 403, 429) used nothing, and the OAuth endpoints (`/oauth/token`, revoke,
/// introspect) are not a use of any permission and are left out. Read responses carry every
/// granted field, so which fields an integration uses cannot be observed: a used grant keeps the
/// fields it was granted (null = all).
#[derive(SimpleObject)]
pub struct GrantUsage {
    /// The window, in days, ending now.
    pub days: i32,
    /// Start of the window (whole seconds, UTC).
    pub since: OffsetDateTime,
    /// Requests made with this credential in the window that passed the guards.
    pub requests: i32,
    /// The endpoint × actions actually used, among those granted now; `fields` as granted
    /// (field use on reads cannot be observed). For an API key, this is the narrowed grant set
    /// to propose (`updateApiKeyGrants`).
    pub used: Vec<ApiKeyGrant>,
    /// The endpoint × actions granted but not used in the window, with their fields as granted.
    pub unused: Vec<ApiKeyGrant>,
    /// The catalogue permissions behind `used` (e.g. `employees.read`), in catalogue order. For
    /// a Partner API credential, the role to propose (`narrowApiCredential`).
    pub used_permissions: Vec<String>,
    /// Granted permissions never used: an API key's from its grants; a credential's, every
    /// company permission of its role (including those the REST API never checks).
    pub unused_permissions: Vec<String>,
    /// Allowed requests whose permission cannot be derived (e.g. GraphQL calls, routes this
    /// version does not know). When above 0, what was used is not fully known: do not offer to
    /// narrow.
    pub unattributed_requests: i32,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<usage::GrantUsage> for GrantUsage {
    fn from(u: usage::GrantUsage) -> Self {
        Self {
            days: u.days,
            since: u.since,
            requests: int(u.requests),
            used: u.used.iter().map(ApiKeyGrant::from).collect(),
            unused: u.unused.iter().map(ApiKeyGrant::from).collect(),
            used_permissions: u.used_permissions,
            unused_permissions: u.unused_permissions,
            unattributed_requests: int(u.unattributed_requests),
        }
    }
}
