use async_graphql::{ID, Object};
use time::OffsetDateTime;

use crate::entity::visibility_group;
use crate::service::visibility_groups;

/// Limits its members, and their tokens, to the employees of some departments.
pub struct VisibilityGroup(pub visibility_group::Model);

#[Object]
impl VisibilityGroup {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn company_id(&self) -> ID {
        ID(self.0.company_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn departments(&self) -> Vec<String> {
        visibility_groups::departments(&self.0)
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
}
