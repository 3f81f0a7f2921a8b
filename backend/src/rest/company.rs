//! `GET /api/v1/company`: the caller's own company and its API settings, so an integrator can
//! see which access type and rate limit apply to it.

use axum::Json;
use serde::Serialize;
use serde_json::Value;
use shared::ApiAccessType;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::rest::guard::Guarded;
use crate::rest::problem::{Problem, ProblemDetails};
use crate::service::companies::CompanyView;

/// What third-party credentials of the company may do.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessType {
    None,
    ReadOnly,
    ReadWrite,
}

impl From<ApiAccessType> for AccessType {
    fn from(a: ApiAccessType) -> Self {
        match a {
            ApiAccessType::None => Self::None,
            ApiAccessType::ReadOnly => Self::ReadOnly,
            ApiAccessType::ReadWrite => Self::ReadWrite,
        }
    }
}

/// The caller's company. An API key limited to some fields of the COMPANY endpoint receives
/// only those, so no member is guaranteed present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Company {
    #[schema(required = false)]
    pub id: Uuid,
    #[schema(required = false)]
    pub name: String,
    #[schema(required = false)]
    pub api_access_type: AccessType,
    /// Requests per minute that apply to the company's third-party credentials: its own limit,
    /// or its reseller's if that is lower.
    #[schema(required = false)]
    pub api_rate_limit: i32,
    /// The recommended interval, in seconds, between subsequent requests to the same endpoint;
    /// null lets apps decide freely.
    #[schema(required = false)]
    pub api_request_delay_seconds: Option<i32>,
}

impl From<&CompanyView> for Company {
    fn from(v: &CompanyView) -> Self {
        Self {
            id: v.company.id,
            name: v.company.name.clone(),
            api_access_type: v.access_type().into(),
            api_rate_limit: v.effective_rate_limit(),
            api_request_delay_seconds: v.company.api_request_delay_seconds,
        }
    }
}

/// The caller's company.
#[utoipa::path(
    get,
    path = "/api/v1/company",
    tag = "company",
    operation_id = "getCompany",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's company", body = Company),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `company.read` or the key's COMPANY:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn get(g: Guarded) -> Result<Json<Value>, Problem> {
    let company = Company::from(g.company()?);
    Ok(Json(g.scope.render(&company)?))
}
