use async_graphql::{Context, Enum, ID, Object};
use time::OffsetDateTime;

use super::{GrantUsage, Role};
use crate::entity::api_credential as cred;
use crate::graphql::context::ContextExt;
use crate::graphql::error::GqlResult;
use crate::service::{api_credentials, roles};

/// Whether a Partner API credential still works.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiCredentialStatus {
    Active,
    /// Its secrets and every access token issued with it no longer work.
    Revoked,
}

/// Partner API credentials (OAuth2 client credentials) of a company. The client secret is never
/// shown again after creation or regeneration.
pub struct ApiCredential(pub cred::Model);

#[Object]
impl ApiCredential {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The OAuth `client_id` (`cli_…`): an identifier, not a secret.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// An internal name for the integration using these credentials.
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn company_id(&self) -> ID {
        ID(self.0.company_id.to_string())
    }
    /// The role whose permissions bound what access tokens may do.
    async fn role(&self, ctx: &Context<'_>) -> GqlResult<Role> {
        Ok(Role(
            roles::view_by_id(&ctx.app().db, self.0.role_id).await?,
        ))
    }
    /// The current client secret, masked: prefix and public id, the secret replaced by dots.
    async fn masked_secret(&self) -> String {
        api_credentials::masked_secret(&self.0)
    }
    async fn status(&self) -> ApiCredentialStatus {
        match api_credentials::status(&self.0) {
            api_credentials::Status::Active => ApiCredentialStatus::Active,
            api_credentials::Status::Revoked => ApiCredentialStatus::Revoked,
        }
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    /// Null when never used.
    async fn last_used_at(&self) -> Option<OffsetDateTime> {
        self.0.last_used_at
    }
    /// While a regenerated credential's previous secret still works: when it stops. Null otherwise.
    async fn previous_secret_expires_at(&self) -> Option<OffsetDateTime> {
        api_credentials::previous_secret_expires_at(&self.0, OffsetDateTime::now_utc())
    }
    /// When the credential was revoked; null while active.
    async fn revoked_at(&self) -> Option<OffsetDateTime> {
        self.0.revoked_at
    }
    /// Which of its role's permissions the credential actually used in the last `days` (1 to
    /// 90), from the request logs: the basis for narrowing it with `narrowApiCredential`.
    async fn unused_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: Option<i32>,
    ) -> GqlResult<GrantUsage> {
        let p = ctx.principal()?;
        Ok(api_credentials::usage(ctx.app(), p, &self.0, days)
            .await?
            .into())
    }
}
