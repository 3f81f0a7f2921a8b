//! The GraphQL operations the SPA sends (their text is in `shared::operations`, where the
//! server's tests check them against the schema) and the types their answers decode into.

use serde::Deserialize;

pub use shared::operations::*;

// ---- response types -------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A Relay connection page (SPEC §8).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub total_count: i64,
    pub page_info: PageInfo,
    pub nodes: Vec<T>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feature {
    pub flag: String,
    pub label: String,
    pub description: String,
    pub enabled: bool,
    pub effective: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reseller {
    pub id: String,
    pub name: String,
    pub api_rate_limit: i32,
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: String,
    pub name: String,
    pub api_access_type: shared::ApiAccessType,
    pub api_rate_limit: i32,
    pub effective_api_rate_limit: i32,
    pub api_request_delay_seconds: Option<i32>,
    pub features: Vec<Feature>,
    pub reseller: Reseller,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IdName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub active: bool,
    pub last_login_at: Option<String>,
    pub role: IdName,
    pub company: Option<IdName>,
    pub reseller: Option<IdName>,
    pub visibility_groups: Vec<IdName>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: String,
    pub name: String,
    pub built_in: bool,
    pub kind: String,
    pub company_id: Option<String>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisibilityGroup {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub departments: Vec<String>,
}

// ---- API Logs dashboard ---------------------------------------------------------------------

/// A company as a log or a statistic names it (`name` is null once the company is deleted).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogCompany {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogUser {
    pub id: String,
}

/// A row of the log list; the detail drawer's fields are filled only by `apiLog`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiLog {
    pub id: String,
    pub time: String,
    pub method: String,
    pub uri: String,
    pub endpoint: String,
    pub status_code: i32,
    pub response_time_us: i64,
    pub decision: String,
    pub company: Option<LogCompany>,
    pub user: Option<LogUser>,
    pub credential_kind: Option<String>,
    #[serde(default)]
    pub request_ip: Option<String>,
    #[serde(default)]
    pub exception: Option<String>,
    #[serde(default)]
    pub denied_by: Option<String>,
    #[serde(default)]
    pub credential_id: Option<String>,
    #[serde(default)]
    pub request_headers: serde_json::Value,
    #[serde(default)]
    pub response_headers: serde_json::Value,
    #[serde(default)]
    pub request_body: Option<String>,
    #[serde(default)]
    pub response_body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EndpointCount {
    pub endpoint: String,
    pub method: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointLatency {
    pub endpoint: String,
    pub method: String,
    pub avg_response_time_us: i64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CompanyCount {
    pub company: LogCompany,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusClassCount {
    pub status_class: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyPercentiles {
    pub p50_us: Option<i64>,
    pub p95_us: Option<i64>,
    pub p99_us: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub bucket_start: String,
    pub requests: i64,
    pub errors: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiLogStats {
    pub from: String,
    pub to: String,
    pub total: i64,
    pub errors: i64,
    pub bucket_seconds: i64,
    pub top_endpoints: Vec<EndpointCount>,
    pub slowest_endpoints: Vec<EndpointLatency>,
    pub most_active_companies: Vec<CompanyCount>,
    pub status_classes: Vec<StatusClassCount>,
    pub latency: LatencyPercentiles,
    pub series: Vec<SeriesPoint>,
}

/// A user as the log filter offers them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserName {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// One of the caller's personal access tokens (never the secret: `masked_token` is the prefix
/// and public id with the secret replaced by dots).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    pub id: String,
    pub name: String,
    pub masked_token: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
}

/// `createPersonalAccessToken`: the only answer that ever holds the token itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPersonalAccessToken {
    pub token: String,
    pub personal_access_token: PersonalAccessToken,
}

/// The role a Partner API credential is bound to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRole {
    pub id: String,
    pub name: String,
    pub permissions: Vec<String>,
}

/// Partner API client credentials (SPEC §3.2, seed 001).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiCredential {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub company_id: String,
    pub role: CredentialRole,
    pub masked_secret: String,
    /// `ACTIVE` or `REVOKED`.
    pub status: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub previous_secret_expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl ApiCredential {
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// The one answer that holds a client secret (creation and regeneration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiCredential {
    pub client_id: String,
    pub client_secret: String,
    pub credential: ApiCredential,
}

/// A scoped API key (SPEC §3.3, seed 004); its grants decode straight into the shared type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub masked_key: String,
    pub grants: Vec<shared::api::ApiGrant>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub previous_key_expires_at: Option<String>,
}

/// The one answer that holds a key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub key: String,
    pub api_key: ApiKey,
}

/// Which of a key's or credential's grants were used in a window (least privilege from real use).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantUsage {
    pub days: i32,
    pub since: String,
    pub requests: i32,
    pub used: Vec<shared::api::ApiGrant>,
    pub unused: Vec<shared::api::ApiGrant>,
    pub used_permissions: Vec<String>,
    pub unused_permissions: Vec<String>,
    pub unattributed_requests: i32,
}
