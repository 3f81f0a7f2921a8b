//! Partner API credentials (SPEC §3.2, §8): OAuth2 client credentials of a company, managed with
//! `api_credentials.manage`. Tokens are then obtained at `POST /oauth/token`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::ApiCredential;
use crate::service::api_credentials::{self, IssuedSecret};

#[derive(InputObject)]
pub struct CreateApiCredentialInput {
    pub company_id: ID,
    /// An internal name for the integration, unique in the company.
    pub name: String,
    /// The role bounding what the credentials may do; defaults to the built-in Company admin.
    /// Choose the narrowest role the integration needs.
    pub role_id: Option<ID>,
}

/// Narrows a credential to some of its role's permissions.
#[derive(InputObject)]
pub struct NarrowApiCredentialInput {
    /// The name of the custom role to create, unique in the company.
    pub role_name: String,
    /// Its permissions: at least one, company permissions that the credential's current role
    /// holds (typically `ApiCredential.unusedGrants.usedPermissions`).
    pub permissions: Vec<String>,
}

/// The one response that contains the client secret: store it securely now, it will not be
/// shown again.
#[derive(SimpleObject)]
pub struct CreatedApiCredential {
    pub client_id: String,
    pub client_secret: String,
    pub credential: ApiCredential,
}

impl From<IssuedSecret> for CreatedApiCredential {
    fn from(i: IssuedSecret) -> Self {
        Self {
            client_id: i.client_id,
            client_secret: i.client_secret,
            credential: ApiCredential(i.credential),
        }
    }
}

#[derive(Default)]
pub struct ApiCredentialsQuery;

#[Object]
impl ApiCredentialsQuery {
    /// A company's Partner API credentials, newest first, revoked ones included.
    async fn api_credentials(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
    ) -> GqlResult<Vec<ApiCredential>> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &company_id)?;
        Ok(api_credentials::list(ctx.app(), p, company_id)
            .await?
            .into_iter()
            .map(ApiCredential)
            .collect())
    }

    /// One credential's details; null when absent or out of scope.
    async fn api_credential(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<ApiCredential>> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        match api_credentials::get(ctx.app(), p, id).await {
            Ok(c) => Ok(Some(ApiCredential(c))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[derive(Default)]
pub struct ApiCredentialsMutation;

#[Object]
impl ApiCredentialsMutation {
    /// Creates credentials for an integration: a client id and a client secret, shown once.
    async fn create_api_credential(
        &self,
        ctx: &Context<'_>,
        input: CreateApiCredentialInput,
    ) -> GqlResult<CreatedApiCredential> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &input.company_id)?;
        let role_id = input
            .role_id
            .as_ref()
            .map(|r| parse_id("roleId", r))
            .transpose()?;
        Ok(
            api_credentials::create(ctx.app(), p, company_id, &input.name, role_id)
                .await?
                .into(),
        )
    }

    /// Replaces the client secret (shown once). The old secret keeps working for
    /// `graceSeconds` (0 to 86400, default 0) so the integration can switch over; access tokens
    /// issued so far stop working at once.
    async fn regenerate_api_credential_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
        grace_seconds: Option<i32>,
    ) -> GqlResult<CreatedApiCredential> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(api_credentials::regenerate(ctx.app(), p, id, grace_seconds)
            .await?
            .into())
    }

    /// Creates a custom role of the credential's company with exactly these permissions (a
    /// subset of its current role's, company scope) and binds the credential to it, in one
    /// transaction. The client id and secret do not change; access tokens already issued keep
    /// working but lose the removed permissions at once. Needs `roles.edit` too.
    async fn narrow_api_credential(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NarrowApiCredentialInput,
    ) -> GqlResult<ApiCredential> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(ApiCredential(
            api_credentials::narrow(ctx.app(), p, id, &input.role_name, &input.permissions).await?,
        ))
    }

    /// Revokes credentials for good: their secrets and every access token issued with them stop
    /// working at once.
    async fn revoke_api_credential(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(api_credentials::revoke(ctx.app(), p, id).await?)
    }
}
