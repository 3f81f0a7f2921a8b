use async_graphql::{Context, ID, Object};
use time::OffsetDateTime;

use super::{Company, Reseller, Role, VisibilityGroup};
use crate::entity::user;
use crate::graphql::context::ContextExt;
use crate::graphql::error::GqlResult;
use crate::service::{companies, resellers, roles, visibility_groups};

/// A person who signs in: platform staff, reseller staff or a company user.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Deactivated users cannot sign in, and their sessions and tokens stop working.
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn role(&self, ctx: &Context<'_>) -> GqlResult<Role> {
        Ok(Role(
            roles::view_by_id(&ctx.app().db, self.0.role_id).await?,
        ))
    }
    /// The permissions the user's role grants now.
    async fn permissions(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        Ok(roles::view_by_id(&ctx.app().db, self.0.role_id)
            .await?
            .permissions)
    }
    /// The user's company (company users only).
    async fn company(&self, ctx: &Context<'_>) -> GqlResult<Option<Company>> {
        let Some(id) = self.0.company_id else {
            return Ok(None);
        };
        let p = ctx.principal()?;
        Ok(companies::get(p, &ctx.app().db, id).await.ok().map(Company))
    }
    /// The user's reseller (reseller staff only).
    async fn reseller(&self, ctx: &Context<'_>) -> GqlResult<Option<Reseller>> {
        let Some(id) = self.0.reseller_id else {
            return Ok(None);
        };
        let p = ctx.principal()?;
        Ok(resellers::get(p, &ctx.app().db, id)
            .await
            .ok()
            .map(Reseller))
    }
    /// Groups limiting which employees the user sees; none = everything the role allows.
    async fn visibility_groups(&self, ctx: &Context<'_>) -> GqlResult<Vec<VisibilityGroup>> {
        Ok(visibility_groups::of_user(&ctx.app().db, self.0.id)
            .await?
            .into_iter()
            .map(VisibilityGroup)
            .collect())
    }
    async fn last_login_at(&self) -> Option<OffsetDateTime> {
        self.0.last_login_at
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
}
