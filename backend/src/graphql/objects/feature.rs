use async_graphql::Object;

use crate::service::features::FeatureState;

/// A feature flag on a reseller or a company. For a company, `effective` is the funnelled state:
/// enabled here *and* on the reseller.
pub struct Feature(pub FeatureState);

#[Object]
impl Feature {
    async fn flag(&self) -> &str {
        self.0.flag.key
    }
    /// Human-readable name.
    async fn label(&self) -> &str {
        self.0.flag.label
    }
    async fn description(&self) -> &str {
        self.0.flag.description
    }
    /// Set on this level.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// In force (for a company: also enabled on its reseller).
    async fn effective(&self) -> bool {
        self.0.effective
    }
}
