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
