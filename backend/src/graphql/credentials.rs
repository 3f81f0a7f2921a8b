//! Credentials (SPEC §8, credentials): personal access tokens so far.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use time::OffsetDateTime;

use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::PersonalAccessToken;
use crate::service::personal_tokens;

#[derive(InputObject)]
pub struct CreatePersonalAccessTokenInput {
    /// The name is used as an internal identifier.
    pub name: String,
    /// Absent for "No expiration".
    pub expires_at: Option<OffsetDateTime>,
}

/// The one response that contains the token: copy it now, it will not be shown again.
#[derive(SimpleObject)]
pub struct CreatedPersonalAccessToken {
    pub token: String,
    pub personal_access_token: PersonalAccessToken,
}

#[derive(Default)]
pub struct CredentialsQuery;

#[Object]
impl CredentialsQuery {
    /// The caller's own personal access tokens, newest first; `name` filters by part of it.
    async fn personal_access_tokens(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> GqlResult<Vec<PersonalAccessToken>> {
        let p = ctx.principal()?;
        Ok(personal_tokens::list(ctx.app(), p, name.as_deref())
            .await?
            .into_iter()
            .map(PersonalAccessToken)
            .collect())
    }
}

#[derive(Default)]
pub struct CredentialsMutation;

#[Object]
impl CredentialsMutation {
    /// Generates a token sharing the caller's permissions. To restrict what a token can reach,
    /// create a separate user with a narrower role and generate the token as that user.
    async fn create_personal_access_token(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonalAccessTokenInput,
    ) -> GqlResult<CreatedPersonalAccessToken> {
        let p = ctx.principal()?;
        let (token, row) =
            personal_tokens::create(p, &ctx.app().db, &input.name, input.expires_at).await?;
        Ok(CreatedPersonalAccessToken {
            token,
            personal_access_token: PersonalAccessToken(row),
        })
    }

    /// Revokes one of the caller's own tokens; it stops working at once.
    async fn revoke_personal_access_token(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(personal_tokens::revoke(p, &ctx.app().db, id).await?)
    }
}
