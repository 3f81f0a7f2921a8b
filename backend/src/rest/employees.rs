//! `/api/v1/employees`: the company's employees, the data integrators exchange most.
//!
//! Every query is filtered by the caller's company (tenant isolation: another company's id is
//! "not found") and, for users limited by visibility groups, by their departments. Responses
//! pass through the caller's field restriction (API keys).

use axum::Json;
use axum::extract::Path;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entity::employee;
use crate::error::AppError;
use crate::rest::extract::Query;
use crate::rest::guard::Guarded;
use crate::rest::problem::{Problem, ProblemDetails};
use crate::service::pagination::{self, NameCursor, PageRequest};
use crate::state::AppState;

/// An employee. An API key limited to some fields of the EMPLOYEES endpoint receives only those,
/// so no member is guaranteed present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Employee {
    #[schema(required = false)]
    pub id: Uuid,
    #[schema(required = false)]
    pub first_name: String,
    #[schema(required = false)]
    pub last_name: String,
    #[schema(required = false)]
    pub email: Option<String>,
    #[schema(required = false)]
    pub department: Option<String>,
    #[schema(required = false)]
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(required = false, format = Date, value_type = Option<String>)]
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(required = false, format = Date, value_type = Option<String>)]
    pub end_date: Option<String>,
    #[schema(required = false)]
    pub phone: Option<String>,
    /// Yearly salary in whole currency units.
    #[schema(required = false)]
    pub salary: Option<i64>,
}

impl From<employee::Model> for Employee {
    fn from(m: employee::Model) -> Self {
        Self {
            id: m.id,
            first_name: m.first_name,
            last_name: m.last_name,
            email: m.email,
            department: m.department,
            job_title: m.job_title,
            // `Date`'s Display is ISO 8601's `YYYY-MM-DD`.
            start_date: m.start_date.map(|d| d.to_string()),
            end_date: m.end_date.map(|d| d.to_string()),
            phone: m.phone,
            salary: m.salary,
        }
    }
}

/// One page of employees.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeePage {
    pub data: Vec<Employee>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the list. Unknown parameters are rejected, so a typo (`limt`) is an
/// error rather than a silently ignored filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only employees of this department (exact match).
    pub department: Option<String>,
}

/// The REST names of the paging parameters, for their errors.
fn page_request(limit: Option<i32>, cursor: Option<&str>) -> Result<PageRequest, Problem> {
    let first = limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if !(1..=PAGE_SIZE_MAX).contains(&first) {
        return Err(AppError::validation(
            "limit",
            format!("limit {first} is out of range: it must be between 1 and {PAGE_SIZE_MAX}"),
        )
        .into());
    }
    let after = cursor
        .map(NameCursor::decode)
        .transpose()
        .map_err(|_| AppError::validation("cursor", "cursor is not a valid cursor"))?;
    Ok(PageRequest {
        first: first as u64,
        after,
    })
}

/// The company's employees visible to the caller, by last name.
#[utoipa::path(
    get,
    path = "/api/v1/employees",
    tag = "employees",
    operation_id = "listEmployees",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of employees, ordered by last name", body = EmployeePage),
        (status = 400, description = "Malformed or unknown query parameter (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `employees.read` or the key's EMPLOYEES:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range or invalid `cursor` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    axum::extract::State(state): axum::extract::State<AppState>,
    g: Guarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let company_id = g.company_id()?;
    let req = page_request(params.limit, params.cursor.as_deref())?;
    let mut q = employee::Entity::find().filter(employee::Column::CompanyId.eq(company_id));
    if let Some(d) = &params.department {
        q = q.filter(employee::Column::Department.eq(d.as_str()));
    }
    if let Some(departments) = &g.scope.departments {
        q = q.filter(employee::Column::Department.is_in(departments.iter().map(String::as_str)));
    }
    let page = pagination::by_name(
        &state.app.db,
        q,
        employee::Column::LastName,
        employee::Column::Id,
        &req,
        |e| (e.last_name.clone(), e.id),
    )
    .await?;
    let next_cursor = if page.has_next {
        page.items.last().map(|(c, _)| c.clone())
    } else {
        None
    };
    let data: Vec<Employee> = page.items.into_iter().map(|(_, m)| m.into()).collect();
    Ok(Json(json!({
        "data": g.scope.render(&data)?,
        "next_cursor": next_cursor,
    })))
}

/// One employee of the caller's company.
#[utoipa::path(
    get,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    operation_id = "getEmployee",
    params(("id" = Uuid, Path, description = "The employee's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The employee", body = Employee),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `employees.read` or the key's EMPLOYEES:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such employee in the caller's company and visible departments (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    axum::extract::State(state): axum::extract::State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let company_id = g.company_id()?;
    // A malformed id names no employee: the same answer as an absent one.
    let id = Uuid::parse_str(&id).map_err(|_| Problem::not_found("employee"))?;
    let row = employee::Entity::find_by_id(id)
        .filter(employee::Column::CompanyId.eq(company_id))
        .one(&state.app.db)
        .await?
        .filter(|e| g.scope.sees_department(e.department.as_deref()))
        .ok_or_else(|| Problem::not_found("employee"))?;
    Ok(Json(g.scope.render(&Employee::from(row))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_errors_use_the_rest_names() {
        for (limit, cursor, field) in [
            (Some(0), None, "limit"),
            (Some(201), None, "limit"),
            (None, Some("garbage!"), "cursor"),
        ] {
            let p = page_request(limit, cursor).expect_err(field);
            assert_eq!(p.extensions.get("field"), Some(&json!(field)));
            assert_eq!(p.status, 422);
        }
        assert_eq!(page_request(None, None).expect("default").first, 50);
        assert_eq!(page_request(Some(200), None).expect("max").first, 200);
    }
}
