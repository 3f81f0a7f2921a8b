use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use time::OffsetDateTime;

use super::{Company, Reseller, Role, VisibilityGroup};
use crate::auth::Principal;
use crate::entity::user;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::GqlResult;
use crate::service::{companies, resellers, roles, visibility_groups};

/// A person who signs in: platform staff, reseller staff or a company user.
///
/// `viewer` is who looks at it when that is not the request's own principal: in the `login`
/// response the request has no session yet, but the user just signed in may see their own
/// company and reseller.
pub struct User {
    pub model: user::Model,
    viewer: Option<Arc<Principal>>,
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        Self {
            model,
            viewer: None,
        }
    }
}

impl User {
    pub fn seen_by(model: user::Model, viewer: Arc<Principal>) -> Self {
        Self {
            model,
            viewer: Some(viewer),
        }
    }

    fn viewer<'a>(&'a self, ctx: &'a Context<'_>) -> Result<&'a Arc<Principal>, AppError> {
        match (&self.viewer, ctx.principal()) {
            (_, Ok(p)) => Ok(p),
            (Some(v), Err(_)) => Ok(v),
            (None, Err(e)) => Err(e),
        }
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.model.email
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Deactivated users cannot sign in, and their sessions and tokens stop working.
    async fn active(&self) -> bool {
        self.model.active
    }
    async fn role(&self, ctx: &Context<'_>) -> GqlResult<Role> {
        Ok(Role(
            roles::view_by_id(&ctx.app().db, self.model.role_id).await?,
        ))
    }
    /// The permissions the user's role grants now.
    async fn permissions(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        Ok(roles::view_by_id(&ctx.app().db, self.model.role_id)
            .await?
            .permissions)
    }
    /// The user's company (company users only).
    async fn company(&self, ctx: &Context<'_>) -> GqlResult<Option<Company>> {
        let Some(id) = self.model.company_id else {
            return Ok(None);
        };
        let p = self.viewer(ctx)?;
        Ok(companies::get(p, &ctx.app().db, id).await.ok().map(Company))
    }
    /// The user's reseller (reseller staff only).
    async fn reseller(&self, ctx: &Context<'_>) -> GqlResult<Option<Reseller>> {
        let Some(id) = self.model.reseller_id else {
            return Ok(None);
        };
        let p = self.viewer(ctx)?;
        Ok(resellers::get(p, &ctx.app().db, id)
            .await
            .ok()
            .map(Reseller))
    }
    /// Groups limiting which employees the user sees; none = everything the role allows.
    async fn visibility_groups(&self, ctx: &Context<'_>) -> GqlResult<Vec<VisibilityGroup>> {
        Ok(visibility_groups::of_user(&ctx.app().db, self.model.id)
            .await?
            .into_iter()
            .map(VisibilityGroup)
            .collect())
    }
    async fn last_login_at(&self) -> Option<OffsetDateTime> {
        self.model.last_login_at
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.model.created_at
    }
}
