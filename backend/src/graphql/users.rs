//! Users, roles, the permission catalogue and visibility groups.

use async_graphql::{Context, ID, InputObject, Object};

use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::{Permission, Role, User, VisibilityGroup};
use crate::graphql::pagination::{CountedConnection, connection};
use crate::service::pagination::PageRequest;
use crate::service::users::{NewUser, UserUpdate};
use crate::service::{roles, users, visibility_groups};

fn parse_ids(field: &'static str, ids: Option<Vec<ID>>) -> GqlResult<Option<Vec<uuid::Uuid>>> {
    ids.map(|list| list.iter().map(|i| parse_id(field, i)).collect())
        .transpose()
}

fn opt_id(field: &'static str, id: Option<&ID>) -> GqlResult<Option<uuid::Uuid>> {
    id.map(|i| parse_id(field, i)).transpose()
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// Users in the caller's scope, by name; `search` matches name or e-mail.
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
        company_id: Option<ID>,
        reseller_id: Option<ID>,
    ) -> GqlResult<CountedConnection<User>> {
        let p = ctx.principal()?;
        let req = PageRequest::parse(first, after.as_deref())?;
        let page = users::list(
            p,
            &ctx.app().db,
            search.as_deref(),
            opt_id("companyId", company_id.as_ref())?,
            opt_id("resellerId", reseller_id.as_ref())?,
            &req,
        )
        .await?;
        Ok(connection(page, User::from))
    }

    async fn user(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<User>> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        match users::find_visible(p, &ctx.app().db, id).await {
            Ok(u) => Ok(Some(User::from(u))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Roles usable in a company (built-in and its custom ones), or without `companyId` the
    /// built-in roles within the caller's reach.
    async fn roles(&self, ctx: &Context<'_>, company_id: Option<ID>) -> GqlResult<Vec<Role>> {
        let p = ctx.principal()?;
        let company_id = opt_id("companyId", company_id.as_ref())?;
        Ok(roles::list(p, &ctx.app().db, company_id)
            .await?
            .into_iter()
            .map(Role)
            .collect())
    }

    /// The permission catalogue.
    async fn permissions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Permission>> {
        ctx.principal()?;
        Ok(shared::permissions::CATALOGUE
            .iter()
            .map(Permission::from)
            .collect())
    }

    async fn visibility_groups(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
    ) -> GqlResult<Vec<VisibilityGroup>> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &company_id)?;
        Ok(visibility_groups::list(p, &ctx.app().db, company_id)
            .await?
            .into_iter()
            .map(VisibilityGroup)
            .collect())
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub name: String,
    /// At least 12 characters. Without one the user cannot sign in with a password.
    pub password: Option<String>,
    pub role_id: ID,
    /// For company roles.
    pub company_id: Option<ID>,
    /// For the Reseller admin role.
    pub reseller_id: Option<ID>,
    pub visibility_group_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub name: Option<String>,
    pub role_id: Option<ID>,
    /// false deactivates: sign-in, sessions and tokens stop working at once.
    pub active: Option<bool>,
    pub visibility_group_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct CreateRoleInput {
    pub company_id: ID,
    pub name: String,
    pub permissions: Vec<String>,
}

#[derive(InputObject)]
pub struct UpdateRoleInput {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct CreateVisibilityGroupInput {
    pub company_id: ID,
    pub name: String,
    pub departments: Vec<String>,
}

#[derive(InputObject)]
pub struct UpdateVisibilityGroupInput {
    pub name: Option<String>,
    pub departments: Option<Vec<String>>,
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> GqlResult<User> {
        let p = ctx.principal()?;
        let new = NewUser {
            email: input.email,
            name: input.name,
            password: input.password,
            role_id: parse_id("roleId", &input.role_id)?,
            company_id: opt_id("companyId", input.company_id.as_ref())?,
            reseller_id: opt_id("resellerId", input.reseller_id.as_ref())?,
            visibility_group_ids: parse_ids("visibilityGroupIds", input.visibility_group_ids)?,
        };
        Ok(User::from(users::create(p, &ctx.app().db, new).await?))
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> GqlResult<User> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let upd = UserUpdate {
            name: input.name,
            role_id: opt_id("roleId", input.role_id.as_ref())?,
            active: input.active,
            visibility_group_ids: parse_ids("visibilityGroupIds", input.visibility_group_ids)?,
        };
        Ok(User::from(users::update(ctx.app(), p, id, upd).await?))
    }

    /// A custom role for one company, with company permissions only.
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> GqlResult<Role> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &input.company_id)?;
        let v = roles::create(
            p,
            &ctx.app().db,
            company_id,
            &input.name,
            &input.permissions,
        )
        .await?;
        Ok(Role(v))
    }

    async fn update_role(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateRoleInput,
    ) -> GqlResult<Role> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let v = roles::update(
            ctx.app(),
            p,
            id,
            input.name.as_deref(),
            input.permissions.as_deref(),
        )
        .await?;
        Ok(Role(v))
    }

    /// Deletes a custom role that nobody holds.
    async fn delete_role(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(roles::delete(ctx.app(), p, id).await?)
    }

    async fn create_visibility_group(
        &self,
        ctx: &Context<'_>,
        input: CreateVisibilityGroupInput,
    ) -> GqlResult<VisibilityGroup> {
        let p = ctx.principal()?;
        let company_id = parse_id("companyId", &input.company_id)?;
        let g = visibility_groups::create(
            p,
            &ctx.app().db,
            company_id,
            &input.name,
            &input.departments,
        )
        .await?;
        Ok(VisibilityGroup(g))
    }

    async fn update_visibility_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateVisibilityGroupInput,
    ) -> GqlResult<VisibilityGroup> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let g = visibility_groups::update(
            ctx.app(),
            p,
            id,
            input.name.as_deref(),
            input.departments.as_deref(),
        )
        .await?;
        Ok(VisibilityGroup(g))
    }

    async fn delete_visibility_group(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        Ok(visibility_groups::delete(ctx.app(), p, id).await?)
    }
}
