use async_graphql::{Enum, ID, Object};
use time::OffsetDateTime;

use super::{Feature, Reseller};
use crate::service::companies::CompanyView;
use crate::service::resellers::ResellerView;

/// What kind of third-party API operations a company may make.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAccessType {
    /// No API access; requests are rejected as unauthorised. The default.
    None,
    /// GET requests only; others are rejected with "Read access only".
    ReadOnly,
    /// All methods, subject to permissions.
    ReadWrite,
}

impl From<shared::ApiAccessType> for ApiAccessType {
    fn from(v: shared::ApiAccessType) -> Self {
        match v {
            shared::ApiAccessType::None => Self::None,
            shared::ApiAccessType::ReadOnly => Self::ReadOnly,
            shared::ApiAccessType::ReadWrite => Self::ReadWrite,
        }
    }
}

impl From<ApiAccessType> for shared::ApiAccessType {
    fn from(v: ApiAccessType) -> Self {
        match v {
            ApiAccessType::None => Self::None,
            ApiAccessType::ReadOnly => Self::ReadOnly,
            ApiAccessType::ReadWrite => Self::ReadWrite,
        }
    }
}

/// A customer company and its API settings.
pub struct Company(pub CompanyView);

#[Object]
impl Company {
    async fn id(&self) -> ID {
        ID(self.0.company.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.company.name
    }
    async fn reseller(&self) -> Reseller {
        Reseller(ResellerView {
            reseller: self.0.reseller.clone(),
            flags: self.0.reseller_flags.clone(),
        })
    }
    async fn api_access_type(&self) -> ApiAccessType {
        self.0.access_type().into()
    }
    /// The company's own limit, requests per minute.
    async fn api_rate_limit(&self) -> i32 {
        self.0.company.api_rate_limit
    }
    /// The limit in force: `min(apiRateLimit, reseller.apiRateLimit)`.
    async fn effective_api_rate_limit(&self) -> i32 {
        self.0.effective_rate_limit()
    }
    /// The recommended interval between subsequent requests to the same endpoint. This is
    /// strictly enforced by our mobile apps. An empty value allows the apps to decide freely.
    async fn api_request_delay_seconds(&self) -> Option<i32> {
        self.0.company.api_request_delay_seconds
    }
    async fn features(&self) -> Vec<Feature> {
        self.0.features().into_iter().map(Feature).collect()
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.company.created_at
    }
    async fn updated_at(&self) -> OffsetDateTime {
        self.0.company.updated_at
    }
}
