//! Scoped API keys (SPEC §8, credentials; seed 004): generate, list, revoke one, revoke all.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::{ApiAction, ApiEndpoint, ApiKey};
use crate::service::api_keys;

/// What the key may do on one endpoint.
#[derive(InputObject)]
pub struct ApiKeyGrantInput {
    pub endpoint: ApiEndpoint,
    /// At least one, each supported by the endpoint.
    pub actions: Vec<ApiAction>,
    /// The fields the key may access. If you do not restrict the fields, the key will be able
    /// to access ALL fields.
    pub fields: Option<Vec<String>>,
}

impl From<ApiKeyGrantInput> for shared::api::ApiGrant {
    fn from(g: ApiKeyGrantInput) -> Self {
        Self {
            endpoint: g.endpoint.into(),
            actions: g.actions.into_iter().map(Into::into).collect(),
            fields: g.fields,
        }
    }
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub company_id: ID,
    /// Unique within the company.
    pub name: String,
    /// One per endpoint the key may use.
    pub grants: Vec<ApiKeyGrantInput>,
}

/// The one response that contains the key: copy it now, it will not be shown again.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub key: String,
    pub api_key: ApiKey,
}

#[derive(Default)]
pub struct ApiKeysQuery;

#[Object]
impl ApiKeysQuery {
    /// A company's API keys, newest first. Company administrators only.
    async fn api_keys(&self, ctx: &Context<'_>, company_id: ID) -> GqlResult<Vec<ApiKey>> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &company_id)?;
        Ok(api_keys::list(ctx.app(), p, company_id)
            .await?
            .into_iter()
            .map(ApiKey)
            .collect())
    }
}

#[derive(Default)]
pub struct ApiKeysMutation;

#[Object]
impl ApiKeysMutation {
    /// Generates a key with the given grants. The key is in this response only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> GqlResult<CreatedApiKey> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &input.company_id)?;
        let grants: Vec<shared::api::ApiGrant> = input.grants.into_iter().map(Into::into).collect();
        let (key, view) =
            api_keys::create(p, &ctx.app().db, company_id, &input.name, &grants).await?;
        Ok(CreatedApiKey {
            key,
            api_key: ApiKey(view),
        })
    }

    /// Replaces a key's secret; the new key is in this response only. With `graceSeconds`
    /// (0..=86400, default 0) the old key keeps working that long, so integrations can switch
    /// over without downtime.
    async fn regenerate_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
        grace_seconds: Option<i32>,
    ) -> GqlResult<CreatedApiKey> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let (key, view) = api_keys::regenerate(ctx.app(), p, id, grace_seconds).await?;
        Ok(CreatedApiKey {
            key,
            api_key: ApiKey(view),
        })
    }

    /// Replaces a key's grants (same key string); takes effect at once on every instance (cache
    /// invalidation like revocation). Validated like `createApiKey`'s grants. Used to narrow a
    /// key to what it used (`ApiKey.unusedGrants.used`).
    async fn update_api_key_grants(
        &self,
        ctx: &Context<'_>,
        id: ID,
        grants: Vec<ApiKeyGrantInput>,
    ) -> GqlResult<ApiKey> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let grants: Vec<shared::api::ApiGrant> = grants.into_iter().map(Into::into).collect();
        Ok(ApiKey(
            api_keys::update_grants(ctx.app(), p, id, &grants).await?,
        ))
    }

    /// Revokes one key; it stops working at once. This cannot be undone.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(api_keys::revoke(ctx.app(), p, id).await?)
    }

    /// Revokes every key of the company at once; returns how many were revoked. This cannot be
    /// undone: every integration must be given a new key.
    async fn revoke_all_api_keys(&self, ctx: &Context<'_>, company_id: ID) -> GqlResult<i32> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &company_id)?;
        let n = api_keys::revoke_all(ctx.app(), p, company_id).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}
