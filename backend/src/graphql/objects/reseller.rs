use async_graphql::{ID, Object};
use time::OffsetDateTime;

use super::Feature;
use crate::service::resellers::ResellerView;

/// A reseller: groups companies and caps their API rate limits.
pub struct Reseller(pub ResellerView);

#[Object]
impl Reseller {
    async fn id(&self) -> ID {
        ID(self.0.reseller.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.reseller.name
    }
    /// Ceiling of its companies' rate limits, requests per minute (1..=1200, default 60).
    async fn api_rate_limit(&self) -> i32 {
        self.0.reseller.api_rate_limit
    }
    async fn features(&self) -> Vec<Feature> {
        self.0.features().into_iter().map(Feature).collect()
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.reseller.created_at
    }
    async fn updated_at(&self) -> OffsetDateTime {
        self.0.reseller.updated_at
    }
}
