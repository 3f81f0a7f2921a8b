//! API request logs (SPEC §5, §8): `apiLogs`, `apiLog`, `apiLogStats`.

use async_graphql::{Context, ID, InputObject, Object};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::{GqlResult, parse_id};
use crate::graphql::objects::{ApiLog, ApiLogStats};
use crate::graphql::pagination::{CountedConnection, connection};
use crate::service::api_logs::{self, LogFilter, LogPageRequest};

/// Filters of the log list and the statistics. The range is `[from, to)` at whole seconds,
/// default the last 24 hours, at most 366 days.
#[derive(InputObject, Default)]
pub struct ApiLogFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub company_id: Option<ID>,
    pub user_id: Option<ID>,
    /// Exact route template, e.g. `/api/v1/employees/{id}`.
    pub endpoint: Option<String>,
    /// HTTP method, any case.
    pub method: Option<String>,
    pub status_code: Option<i32>,
    /// `1xx` … `5xx`.
    pub status_class: Option<String>,
    /// Only requests at least this slow (µs).
    pub min_response_time_us: Option<i32>,
    pub has_exception: Option<bool>,
    /// The guard that denied the request: `authenticate`, `feature_flag`, `access_type`,
    /// `rate_limit`, `permission`, `scope`.
    pub denied_by: Option<String>,
}

impl ApiLogFilter {
    fn into_service(self) -> Result<LogFilter, AppError> {
        let id = |field: &'static str, v: Option<ID>| {
            v.map(|v| {
                uuid::Uuid::parse_str(v.as_str()).map_err(|_| {
                    AppError::validation(field, format!("{field} '{}' is not a valid id", *v))
                })
            })
            .transpose()
        };
        Ok(LogFilter {
            from: self.from,
            to: self.to,
            company_id: id("companyId", self.company_id)?,
            user_id: id("userId", self.user_id)?,
            endpoint: self.endpoint,
            method: self.method,
            status_code: self.status_code,
            status_class: self.status_class,
            min_response_time_us: self.min_response_time_us.map(i64::from),
            has_exception: self.has_exception,
            denied_by: self.denied_by,
        })
    }
}

#[derive(Default)]
pub struct ApiLogsQuery;

#[Object]
impl ApiLogsQuery {
    /// Logged requests in the caller's scope, newest first (permission `api_logs.view`).
    async fn api_logs(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApiLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<CountedConnection<ApiLog>> {
        let p = ctx.principal()?;
        let filter = filter.unwrap_or_default().into_service()?;
        let req = LogPageRequest::parse(first, after.as_deref())?;
        let page = api_logs::list(p, &ctx.app().db, &filter, &req).await?;
        Ok(connection(page, ApiLog))
    }

    /// One logged request in the caller's scope; null when absent or out of scope.
    async fn api_log(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<ApiLog>> {
        let p = ctx.principal()?;
        let id = parse_id("id", &id)?;
        match api_logs::get(p, &ctx.app().db, id).await {
            Ok(v) => Ok(Some(ApiLog(v))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The dashboard's statistics over the filtered range.
    async fn api_log_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApiLogFilter>,
    ) -> GqlResult<ApiLogStats> {
        let p = ctx.principal()?;
        let filter = filter.unwrap_or_default().into_service()?;
        let stats = api_logs::stats(p, &ctx.app().db, &filter).await?;
        Ok(stats.into())
    }
}
