//! `/api/v1/employees`: the company's employees, the data integrators exchange most.
//!
//! Every query is filtered by the caller's company (tenant isolation: another company's id is
//! "not found") and, for users limited by visibility groups, by their departments. Responses
//! pass through the caller's field restriction (API keys).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::ApiEndpoint;
use shared::limits::EMAIL_MAX_CHARS;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entity::{document, employee, time_off};
use crate::error::AppError;
use crate::rest::extract::Query;
use crate::rest::guard::{Guarded, Scope};
use crate::rest::input::{JsonObject, Patch, invalid, not_cleared, patched, required};
use crate::rest::page;
use crate::rest::problem::{Problem, ProblemDetails, ProblemKind};
use crate::service::pagination;
use crate::state::AppState;

/// Longest first or last name.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest department or job title.
pub const LABEL_MAX_CHARS: usize = 100;
/// Longest phone number (with spaces, `+`, extensions).
pub const PHONE_MAX_CHARS: usize = 40;
/// Highest yearly salary accepted: far above any real one, well inside every integer type.
pub const SALARY_MAX: i64 = 1_000_000_000_000;

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
    State(state): State<AppState>,
    g: Guarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let company_id = g.company_id()?;
    let req = page::by_name_request(params.limit, params.cursor.as_deref())?;
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
    page::body(&g.scope, &data, next_cursor)
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
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let row = find_visible(&state, &g, &id).await?;
    Ok(Json(g.scope.render(&Employee::from(row))?))
}

/// A path id as a UUID; a malformed id names nothing: the same answer as an absent one.
pub fn path_id(id: &str, what: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(id).map_err(|_| Problem::not_found(what))
}

/// The employee of the caller's company with this id, if the caller's visibility groups let
/// them see it; any other case is "not found".
pub async fn find_visible(
    state: &AppState,
    g: &Guarded,
    id: &str,
) -> Result<employee::Model, Problem> {
    let id = path_id(id, "employee")?;
    visible_by_id(state, g, id)
        .await?
        .ok_or_else(|| Problem::not_found("employee"))
}

/// Like [`find_visible`], for an id that is already a UUID; `None` when not visible.
pub async fn visible_by_id(
    state: &AppState,
    g: &Guarded,
    id: Uuid,
) -> Result<Option<employee::Model>, Problem> {
    let company_id = g.company_id()?;
    Ok(employee::Entity::find_by_id(id)
        .filter(employee::Column::CompanyId.eq(company_id))
        .one(&state.app.db)
        .await?
        .filter(|e| g.scope.sees_department(e.department.as_deref())))
}

/// An `employee_id` in a body (time off, documents) must name an employee the caller sees; one
/// message for absent, another company's and invisible, so the answer reveals nothing.
pub async fn check_reference(state: &AppState, g: &Guarded, id: Uuid) -> Result<(), Problem> {
    match visible_by_id(state, g, id).await? {
        Some(_) => Ok(()),
        None => Err(invalid(
            "employee_id",
            format!("employee_id {id} is not an employee of your company that you can see"),
        )),
    }
}

/// The ids of the company's employees a department-limited caller sees, as a subquery for the
/// records that hang off employees (time off, documents); `None` when the caller is not limited.
pub fn visible_ids(company_id: Uuid, scope: &Scope) -> Option<SelectStatement> {
    let departments = scope.departments.as_ref()?;
    Some(
        employee::Entity::find()
            .select_only()
            .column(employee::Column::Id)
            .filter(employee::Column::CompanyId.eq(company_id))
            .filter(employee::Column::Department.is_in(departments.iter().map(String::as_str)))
            .into_query(),
    )
}

/// A department-limited user may write only employees of their departments.
fn check_department(scope: &Scope, department: Option<&str>) -> Result<(), Problem> {
    if scope.sees_department(department) {
        return Ok(());
    }
    let allowed = scope.departments.as_deref().unwrap_or_default().join(", ");
    Err(Problem::new(
        ProblemKind::Forbidden,
        format!(
            "your visibility groups limit you to employees of the departments {allowed}: \
             department must be one of them"
        ),
    )
    .with("field", "department"))
}

/// `end_date` may not be before `start_date`.
pub fn check_dates(start: Option<Date>, end: Option<Date>) -> Result<(), Problem> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(invalid(
            "end_date",
            format!("end_date {e} is before start_date {s}"),
        )),
        _ => Ok(()),
    }
}

/// The fields a write may set: every field but the id.
fn writable() -> Vec<&'static str> {
    ApiEndpoint::Employees
        .fields()
        .iter()
        .copied()
        .filter(|f| *f != "id")
        .collect()
}

/// A create or update body, checked field by field.
struct EmployeeInput {
    first_name: Patch<String>,
    last_name: Patch<String>,
    email: Patch<String>,
    department: Patch<String>,
    job_title: Patch<String>,
    start_date: Patch<Date>,
    end_date: Patch<Date>,
    phone: Patch<String>,
    salary: Patch<i64>,
}

/// Checks a body: unknown fields first (422), then the key's writable fields (403), then each
/// value (422, naming the field and its limit).
fn parse(g: &Guarded, body: &JsonObject) -> Result<EmployeeInput, Problem> {
    body.reject_unknown(&writable())?;
    g.scope.check_write(&body.0)?;
    let email = match body.text("email", EMAIL_MAX_CHARS)? {
        Patch::Set(e) => Patch::Set(shared::limits::email(&e).map_err(AppError::from)?),
        other => other,
    };
    Ok(EmployeeInput {
        first_name: body.text("first_name", NAME_MAX_CHARS)?,
        last_name: body.text("last_name", NAME_MAX_CHARS)?,
        email,
        department: body.text("department", LABEL_MAX_CHARS)?,
        job_title: body.text("job_title", LABEL_MAX_CHARS)?,
        start_date: body.date("start_date")?,
        end_date: body.date("end_date")?,
        phone: body.text("phone", PHONE_MAX_CHARS)?,
        salary: body.integer("salary", 0, SALARY_MAX)?,
    })
}

/// `201 Created` with the resource and its `Location`.
pub fn created(location: String, body: Value) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

/// Creates an employee in the caller's company.
#[utoipa::path(
    post,
    path = "/api/v1/employees",
    tag = "employees",
    operation_id = "createEmployee",
    request_body(content = EmployeeWrite, description = "`first_name` and `last_name` are required; unknown fields are rejected"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created employee; `Location` names it", body = Employee, headers(("Location" = String, description = "The employee's URL"))),
        (status = 400, description = "Malformed JSON, or not an object (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `employees.create` or the key's EMPLOYEES:CREATE grant, a field the key may not write, or a department outside the caller's visibility groups (`forbidden`, with `field`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`payload-too-large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as `application/json` (`unsupported-media-type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Unknown field, missing or invalid value, `end_date` before `start_date` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    g: Guarded,
    body: JsonObject,
) -> Result<Response, Problem> {
    let company_id = g.company_id()?;
    let input = parse(&g, &body)?;
    let first_name = required(input.first_name, "first_name")?;
    let last_name = required(input.last_name, "last_name")?;
    let department = patched(None, input.department);
    check_department(&g.scope, department.as_deref())?;
    let start_date = patched(None, input.start_date);
    let end_date = patched(None, input.end_date);
    check_dates(start_date, end_date)?;
    let now = OffsetDateTime::now_utc();
    let row = employee::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_id: Set(company_id),
        first_name: Set(first_name),
        last_name: Set(last_name),
        email: Set(patched(None, input.email)),
        department: Set(department),
        job_title: Set(patched(None, input.job_title)),
        start_date: Set(start_date),
        end_date: Set(end_date),
        phone: Set(patched(None, input.phone)),
        salary: Set(patched(None, input.salary)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.app.db)
    .await?;
    let location = format!("/api/v1/employees/{}", row.id);
    Ok(created(location, g.scope.render(&Employee::from(row))?))
}

/// Changes some fields of an employee: absent fields are unchanged, `null` clears an optional
/// field.
#[utoipa::path(
    patch,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    operation_id = "updateEmployee",
    params(("id" = Uuid, Path, description = "The employee's id")),
    request_body(content = EmployeeWrite, description = "Only the fields to change; `null` clears an optional field; unknown fields are rejected"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated employee", body = Employee),
        (status = 400, description = "Malformed JSON, or not an object (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `employees.update` or the key's EMPLOYEES:UPDATE grant, a field the key may not write, or a department outside the caller's visibility groups (`forbidden`, with `field`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such employee in the caller's company and visible departments (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`payload-too-large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as `application/json` (`unsupported-media-type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Unknown field, invalid value, `end_date` before `start_date` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
    body: JsonObject,
) -> Result<Json<Value>, Problem> {
    let row = find_visible(&state, &g, &id).await?;
    let input = parse(&g, &body)?;
    let first_name = not_cleared(input.first_name, "first_name")?;
    let last_name = not_cleared(input.last_name, "last_name")?;
    let department = patched(row.department.clone(), input.department);
    check_department(&g.scope, department.as_deref())?;
    let start_date = patched(row.start_date, input.start_date);
    let end_date = patched(row.end_date, input.end_date);
    check_dates(start_date, end_date)?;
    let email = patched(row.email.clone(), input.email);
    let job_title = patched(row.job_title.clone(), input.job_title);
    let phone = patched(row.phone.clone(), input.phone);
    let salary = patched(row.salary, input.salary);
    let mut am: employee::ActiveModel = row.into();
    if let Some(v) = first_name {
        am.first_name = Set(v);
    }
    if let Some(v) = last_name {
        am.last_name = Set(v);
    }
    am.email = Set(email);
    am.department = Set(department);
    am.job_title = Set(job_title);
    am.start_date = Set(start_date);
    am.end_date = Set(end_date);
    am.phone = Set(phone);
    am.salary = Set(salary);
    am.updated_at = Set(OffsetDateTime::now_utc());
    let row = am.update(&state.app.db).await?;
    Ok(Json(g.scope.render(&Employee::from(row))?))
}

/// Deletes an employee, with their time off; their documents stay, no longer linked to them.
#[utoipa::path(
    delete,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    operation_id = "deleteEmployee",
    params(("id" = Uuid, Path, description = "The employee's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `employees.delete` or the key's EMPLOYEES:DELETE grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such employee in the caller's company and visible departments (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let row = find_visible(&state, &g, &id).await?;
    // The foreign keys say the same (cascade, set null), but SQLite enforces them only on
    // connections that enabled them: done explicitly, in one transaction, on both databases.
    let txn = state.app.db.begin().await?;
    time_off::Entity::delete_many()
        .filter(time_off::Column::EmployeeId.eq(row.id))
        .exec(&txn)
        .await?;
    document::Entity::update_many()
        .col_expr(
            document::Column::EmployeeId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(document::Column::EmployeeId.eq(row.id))
        .exec(&txn)
        .await?;
    employee::Entity::delete_by_id(row.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of a create or an update (for the document; handlers read it field by field).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EmployeeWrite {
    /// 1 to 100 characters; required on create.
    pub first_name: Option<String>,
    /// 1 to 100 characters; required on create.
    pub last_name: Option<String>,
    /// An e-mail address, at most 254 characters.
    pub email: Option<String>,
    /// At most 100 characters. A user limited by visibility groups must name one of theirs.
    pub department: Option<String>,
    /// At most 100 characters.
    pub job_title: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date, value_type = Option<String>)]
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`, not before `start_date`.
    #[schema(format = Date, value_type = Option<String>)]
    pub end_date: Option<String>,
    /// At most 40 characters.
    pub phone: Option<String>,
    /// Yearly salary in whole currency units, 0 to 10^12.
    #[schema(minimum = 0)]
    pub salary: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    #[test]
    fn writable_fields_are_the_catalogue_without_id() {
        let w = writable();
        assert!(!w.contains(&"id"));
        assert_eq!(w.len(), ApiEndpoint::Employees.fields().len() - 1);
    }

    #[test]
    fn end_before_start_names_end_date() {
        let p = check_dates(Some(date!(2024 - 05 - 02)), Some(date!(2024 - 05 - 01)))
            .expect_err("before");
        assert_eq!(p.extensions.get("field"), Some(&json!("end_date")));
        assert!(check_dates(Some(date!(2024 - 05 - 02)), Some(date!(2024 - 05 - 02))).is_ok());
        assert!(check_dates(None, Some(date!(2024 - 05 - 02))).is_ok());
    }

    #[test]
    fn departments_outside_the_groups_are_forbidden() {
        let s = Scope {
            departments: Some(vec!["Engineering".into()]),
            ..Scope::default()
        };
        assert!(check_department(&s, Some("Engineering")).is_ok());
        let p = check_department(&s, Some("Sales")).expect_err("sales");
        assert_eq!(p.status, 403);
        assert_eq!(p.extensions.get("field"), Some(&json!("department")));
        assert!(check_department(&Scope::default(), None).is_ok());
    }
}
