//! Credentials (SPEC §8, credentials): personal access tokens so far.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
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

/// Which kind of credential an entry is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CredentialKind {
    PersonalAccessToken,
    ApiCredential,
    ApiKey,
}

/// A credential of the caller's that expires within 7 days, so the admin app can warn.
#[derive(SimpleObject)]
pub struct ExpiringCredential {
    pub kind: CredentialKind,
    pub id: ID,
    pub name: String,
    pub expires_at: OffsetDateTime,
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

    /// The caller's credentials expiring within 7 days, soonest first.
    async fn expiring_credentials(&self, ctx: &Context<'_>) -> GqlResult<Vec<ExpiringCredential>> {
        let p = ctx.principal()?;
        Ok(personal_tokens::expiring(ctx.app(), p)
            .await?
            .into_iter()
            .filter_map(|t| {
                Some(ExpiringCredential {
                    kind: CredentialKind::PersonalAccessToken,
                    id: ID(t.id.to_string()),
                    name: t.name,
                    expires_at: t.expires_at?,
                })
            })
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
        Ok(personal_tokens::revoke(ctx.app(), p, id).await?)
    }
}
