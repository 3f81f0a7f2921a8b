//! Resellers, companies and their feature flags (SPEC §8, tenancy).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::{ApiAccessType, Company, Reseller};
use crate::graphql::pagination::{CountedConnection, connection};
use crate::service::companies::{CompanyUpdate, Patch};
use crate::service::pagination::PageRequest;
use crate::service::{companies, resellers};

#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// Resellers in the caller's scope, by name.
    async fn resellers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<CountedConnection<Reseller>> {
        let p = ctx.principal()?;
        let req = PageRequest::parse(first, after.as_deref())?;
        let page = resellers::list(p, &ctx.app().db, search.as_deref(), &req).await?;
        Ok(connection(page, Reseller))
    }

    async fn reseller(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Reseller>> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        match resellers::get(p, &ctx.app().db, id).await {
            Ok(v) => Ok(Some(Reseller(v))),
            Err(crate::error::AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Companies in the caller's scope, by name; `search` matches part of the name.
    async fn companies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
        reseller_id: Option<ID>,
    ) -> GqlResult<CountedConnection<Company>> {
        let p = ctx.principal()?;
        let req = PageRequest::parse(first, after.as_deref())?;
        let reseller_id = reseller_id
            .as_ref()
            .map(|r| parse_id("resellerId", r))
            .transpose()?;
        let page = companies::list(p, &ctx.app().db, search.as_deref(), reseller_id, &req).await?;
        Ok(connection(page, Company))
    }

    /// A company in the caller's scope; null when absent or out of scope.
    async fn company(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Company>> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        match companies::get(p, &ctx.app().db, id).await {
            Ok(v) => Ok(Some(Company(v))),
            Err(crate::error::AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[derive(InputObject)]
pub struct CreateResellerInput {
    pub name: String,
    /// Requests per minute, 1..=1200; default 60.
    pub api_rate_limit: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateResellerInput {
    pub name: Option<String>,
    pub api_rate_limit: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateCompanyInput {
    pub reseller_id: ID,
    pub name: String,
}

#[derive(InputObject)]
pub struct UpdateCompanyInput {
    pub name: Option<String>,
    /// Turning access on (from NONE) also enables the company's `api_access` flag.
    pub api_access_type: Option<ApiAccessType>,
    /// Requests per minute, 1..=the reseller's ceiling.
    pub api_rate_limit: Option<i32>,
    /// Seconds, ≥ 0; null clears it (the apps then decide freely).
    pub api_request_delay_seconds: MaybeUndefined<i32>,
}

#[derive(Default)]
pub struct TenancyMutation;

#[Object]
impl TenancyMutation {
    async fn create_reseller(
        &self,
        ctx: &Context<'_>,
        input: CreateResellerInput,
    ) -> GqlResult<Reseller> {
        let p = ctx.principal()?;
        let v = resellers::create(p, &ctx.app().db, &input.name, input.api_rate_limit).await?;
        Ok(Reseller(v))
    }

    async fn update_reseller(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateResellerInput,
    ) -> GqlResult<Reseller> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let v = resellers::update(
            p,
            &ctx.app().db,
            id,
            input.name.as_deref(),
            input.api_rate_limit,
        )
        .await?;
        // The guards cache companies with their reseller's limit: drop them.
        ctx.app().invalidator.invalidate();
        Ok(Reseller(v))
    }

    async fn create_company(
        &self,
        ctx: &Context<'_>,
        input: CreateCompanyInput,
    ) -> GqlResult<Company> {
        let p = ctx.principal()?;
        let reseller_id = parse_id("resellerId", &input.reseller_id)?;
        let v = companies::create(p, &ctx.app().db, reseller_id, &input.name).await?;
        Ok(Company(v))
    }

    async fn update_company(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> GqlResult<Company> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        let upd = CompanyUpdate {
            name: input.name,
            api_access_type: input.api_access_type.map(Into::into),
            api_rate_limit: input.api_rate_limit,
            api_request_delay_seconds: match input.api_request_delay_seconds {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(v) => Patch::Set(v),
            },
        };
        let v = companies::update(p, &ctx.app().db, id, upd).await?;
        // The guards cache companies (settings and flags): drop them.
        ctx.app().invalidator.invalidate();
        Ok(Company(v))
    }

    async fn set_reseller_feature(
        &self,
        ctx: &Context<'_>,
        reseller_id: ID,
        flag: String,
        enabled: bool,
    ) -> GqlResult<Reseller> {
        let p = ctx.principal()?;
        let id = parse_id("resellerId", &reseller_id)?;
        let v = resellers::set_feature(p, &ctx.app().db, id, &flag, enabled).await?;
        ctx.app().invalidator.invalidate();
        Ok(Reseller(v))
    }

    async fn set_company_feature(
        &self,
        ctx: &Context<'_>,
        company_id: ID,
        flag: String,
        enabled: bool,
    ) -> GqlResult<Company> {
        let p = ctx.principal()?;
        let id = parse_id("companyId", &company_id)?;
        let v = companies::set_feature(p, &ctx.app().db, id, &flag, enabled).await?;
        ctx.app().invalidator.invalidate();
        Ok(Company(v))
    }
}
