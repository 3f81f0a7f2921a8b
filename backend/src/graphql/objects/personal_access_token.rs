use async_graphql::{ID, Object};
use time::OffsetDateTime;

use crate::entity::personal_access_token as pat;
use crate::service::personal_tokens;

/// A personal access token as lists show it: the secret is never shown again.
pub struct PersonalAccessToken(pub pat::Model);

#[Object]
impl PersonalAccessToken {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The name is used as an internal identifier.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Prefix and public id; the secret replaced by dots.
    async fn masked_token(&self) -> String {
        personal_tokens::masked(&self.0)
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    /// Null when never used.
    async fn last_used_at(&self) -> Option<OffsetDateTime> {
        self.0.last_used_at
    }
    /// Null for "No expiration".
    async fn expires_at(&self) -> Option<OffsetDateTime> {
        self.0.expires_at
    }
    async fn expired(&self) -> bool {
        personal_tokens::is_expired(&self.0, OffsetDateTime::now_utc())
    }
    /// Expires within 7 days: time to rotate.
    async fn expiring_soon(&self) -> bool {
        personal_tokens::is_expiring_soon(&self.0, OffsetDateTime::now_utc())
    }
}
