use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use time::OffsetDateTime;

use super::GrantUsage;
use crate::graphql::context::ContextExt;
use crate::graphql::error::GqlResult;
use crate::service::api_keys::{self, ApiKeyView};

/// A resource of the public REST API that an API key can be granted access to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiEndpoint {
    /// `GET /api/v1/company`. Actions: READ.
    Company,
    /// `/api/v1/employees`. Actions: CREATE, READ, UPDATE, DELETE.
    Employees,
    /// `/api/v1/time-off` (employee time off). Actions: CREATE, READ, UPDATE, DELETE.
    TimeOff,
    /// `/api/v1/documents`. Actions: CREATE, READ, DELETE, DOWNLOAD.
    Documents,
    /// `GET /api/v1/users`. Actions: READ.
    Users,
}

/// What an API key may do on an endpoint.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAction {
    /// This allows the key to create new data.
    Create,
    /// This allows the key to read existing data.
    Read,
    /// This allows the key to update existing data.
    Update,
    /// This allows the key to delete existing data.
    Delete,
    /// This allows the key to download an existing document.
    Download,
}

impl From<shared::api::ApiEndpoint> for ApiEndpoint {
    fn from(v: shared::api::ApiEndpoint) -> Self {
        use shared::api::ApiEndpoint as S;
        match v {
            S::Company => Self::Company,
            S::Employees => Self::Employees,
            S::TimeOff => Self::TimeOff,
            S::Documents => Self::Documents,
            S::Users => Self::Users,
        }
    }
}

impl From<ApiEndpoint> for shared::api::ApiEndpoint {
    fn from(v: ApiEndpoint) -> Self {
        match v {
            ApiEndpoint::Company => Self::Company,
            ApiEndpoint::Employees => Self::Employees,
            ApiEndpoint::TimeOff => Self::TimeOff,
            ApiEndpoint::Documents => Self::Documents,
            ApiEndpoint::Users => Self::Users,
        }
    }
}

impl From<shared::api::ApiAction> for ApiAction {
    fn from(v: shared::api::ApiAction) -> Self {
        use shared::api::ApiAction as S;
        match v {
            S::Create => Self::Create,
            S::Read => Self::Read,
            S::Update => Self::Update,
            S::Delete => Self::Delete,
            S::Download => Self::Download,
        }
    }
}

impl From<ApiAction> for shared::api::ApiAction {
    fn from(v: ApiAction) -> Self {
        match v {
            ApiAction::Create => Self::Create,
            ApiAction::Read => Self::Read,
            ApiAction::Update => Self::Update,
            ApiAction::Delete => Self::Delete,
            ApiAction::Download => Self::Download,
        }
    }
}

/// What a key may do on one endpoint.
#[derive(SimpleObject)]
pub struct ApiKeyGrant {
    pub endpoint: ApiEndpoint,
    pub actions: Vec<ApiAction>,
    /// The fields the key may see and write; null = all fields.
    pub fields: Option<Vec<String>>,
}

impl From<&shared::api::ApiGrant> for ApiKeyGrant {
    fn from(g: &shared::api::ApiGrant) -> Self {
        Self {
            endpoint: g.endpoint.into(),
            actions: g.actions.iter().map(|a| (*a).into()).collect(),
            fields: g.fields.clone(),
        }
    }
}

/// A scoped API key of a company as lists show it: the secret is never shown again.
pub struct ApiKey(pub ApiKeyView);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.key.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.key.name
    }
    /// Prefix and public id; the secret replaced by dots.
    async fn masked_key(&self) -> String {
        self.0.masked()
    }
    /// The endpoints the key may use, with their actions and fields (the (i) details view).
    async fn grants(&self) -> Vec<ApiKeyGrant> {
        self.0.grants.iter().map(ApiKeyGrant::from).collect()
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.key.created_at
    }
    /// Null when never used.
    async fn last_used_at(&self) -> Option<OffsetDateTime> {
        self.0.key.last_used_at
    }
    /// After a regeneration with a grace period: when the previous key stops working. Null
    /// when there is none, or its grace is over.
    async fn previous_key_expires_at(&self) -> Option<OffsetDateTime> {
        self.0
            .key
            .previous_key_expires_at
            .filter(|at| *at > OffsetDateTime::now_utc())
    }
    /// Which of the grants the key actually used in the last `days` (1 to 90), from the request
    /// logs: the basis for narrowing it with `updateApiKeyGrants`.
    async fn unused_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: Option<i32>,
    ) -> GqlResult<GrantUsage> {
        let p = ctx.principal()?;
        Ok(api_keys::usage(ctx.app(), p, &self.0, days).await?.into())
    }
}
