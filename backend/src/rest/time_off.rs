//! `/api/v1/time-off`: employees' absences (the TIME_OFF endpoint).
//!
//! A time-off record belongs to an employee of the caller's company. It is visible exactly when
//! its employee is: another company's record, or one of an employee outside the caller's
//! visibility groups, is "not found". On create and update, an `employee_id` the caller cannot
//! see (absent, another company's, outside their groups) is a 422 `validation` error on
//! `employee_id` with one message for all three cases, so the answer reveals nothing about
//! other tenants' ids.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::ApiEndpoint;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::entity::time_off;
use crate::rest::employees::{self, check_dates, created, path_id, visible_ids};
use crate::rest::extract::Query;
use crate::rest::guard::Guarded;
use crate::rest::input::{JsonObject, Patch, invalid, not_cleared, parse_date, patched, required};
use crate::rest::page;
use crate::rest::problem::{Problem, ProblemDetails};
use crate::state::AppState;

/// The kinds of time off.
pub const KINDS: &[&str] = &["vacation", "sick", "parental", "unpaid", "other"];
/// The states of a request.
pub const STATUSES: &[&str] = &["requested", "approved", "rejected", "cancelled"];
/// Longest note.
pub const NOTE_MAX_CHARS: usize = 2000;

/// What a request is for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TimeOffKind {
    Vacation,
    Sick,
    Parental,
    Unpaid,
    Other,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TimeOffStatus {
    Requested,
    Approved,
    Rejected,
    Cancelled,
}

/// A time-off record. An API key limited to some fields of the TIME_OFF endpoint receives only
/// those, so no member is guaranteed present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeOff {
    #[schema(required = false)]
    pub id: Uuid,
    #[schema(required = false)]
    pub employee_id: Uuid,
    #[schema(required = false, value_type = TimeOffKind)]
    pub kind: String,
    /// First day off, `YYYY-MM-DD`.
    #[schema(required = false, format = Date, value_type = String)]
    pub start_date: String,
    /// Last day off (inclusive), `YYYY-MM-DD`.
    #[schema(required = false, format = Date, value_type = String)]
    pub end_date: String,
    #[schema(required = false, value_type = TimeOffStatus)]
    pub status: String,
    #[schema(required = false)]
    pub note: Option<String>,
}

impl From<time_off::Model> for TimeOff {
    fn from(m: time_off::Model) -> Self {
        Self {
            id: m.id,
            employee_id: m.employee_id,
            kind: m.kind,
            start_date: m.start_date.to_string(),
            end_date: m.end_date.to_string(),
            status: m.status,
            note: m.note,
        }
    }
}

/// One page of time off.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeOffPage {
    pub data: Vec<TimeOff>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the list; unknown ones are rejected.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only this employee's time off.
    pub employee_id: Option<Uuid>,
    /// Only time off in this state.
    #[param(value_type = Option<TimeOffStatus>)]
    pub status: Option<String>,
    /// Only time off that ends on or after this day, `YYYY-MM-DD`.
    #[param(format = Date, value_type = Option<String>)]
    pub from: Option<String>,
    /// Only time off that starts on or before this day, `YYYY-MM-DD`.
    #[param(format = Date, value_type = Option<String>)]
    pub to: Option<String>,
}

/// The body of a create or an update (for the document; handlers read it field by field).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TimeOffWrite {
    /// An employee of the caller's company, visible to the caller; required on create.
    pub employee_id: Option<Uuid>,
    /// Required on create.
    pub kind: Option<TimeOffKind>,
    /// `YYYY-MM-DD`; required on create.
    #[schema(format = Date, value_type = Option<String>)]
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`, not before `start_date`; required on create.
    #[schema(format = Date, value_type = Option<String>)]
    pub end_date: Option<String>,
    /// Default `requested`.
    pub status: Option<TimeOffStatus>,
    /// At most 2000 characters.
    pub note: Option<String>,
}

/// The record of the caller's company with this id, if its employee is visible to the caller.
async fn find_visible(state: &AppState, g: &Guarded, id: &str) -> Result<time_off::Model, Problem> {
    let company_id = g.company_id()?;
    let id = path_id(id, "time off")?;
    let mut q = time_off::Entity::find_by_id(id).filter(time_off::Column::CompanyId.eq(company_id));
    if let Some(ids) = visible_ids(company_id, &g.scope) {
        q = q.filter(time_off::Column::EmployeeId.in_subquery(ids));
    }
    q.one(&state.app.db)
        .await?
        .ok_or_else(|| Problem::not_found("time off"))
}

fn writable() -> Vec<&'static str> {
    ApiEndpoint::TimeOff
        .fields()
        .iter()
        .copied()
        .filter(|f| *f != "id")
        .collect()
}

struct TimeOffInput {
    employee_id: Patch<Uuid>,
    kind: Patch<String>,
    start_date: Patch<time::Date>,
    end_date: Patch<time::Date>,
    status: Patch<String>,
    note: Patch<String>,
}

fn parse(g: &Guarded, body: &JsonObject) -> Result<TimeOffInput, Problem> {
    body.reject_unknown(&writable())?;
    g.scope.check_write(&body.0)?;
    Ok(TimeOffInput {
        employee_id: body.uuid("employee_id")?,
        kind: body.choice("kind", KINDS)?,
        start_date: body.date("start_date")?,
        end_date: body.date("end_date")?,
        status: body.choice("status", STATUSES)?,
        note: body.text("note", NOTE_MAX_CHARS)?,
    })
}

/// The company's time off visible to the caller, oldest record first.
#[utoipa::path(
    get,
    path = "/api/v1/time-off",
    tag = "time-off",
    operation_id = "listTimeOff",
    params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of time off, in creation order", body = TimeOffPage),
        (status = 400, description = "Malformed or unknown query parameter (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `time_off.read` or the key's TIME_OFF:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, invalid `cursor`, `status`, `from` or `to` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    g: Guarded,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, Problem> {
    let company_id = g.company_id()?;
    let first = page::limit(params.limit)?;
    let after = page::id_cursor(params.cursor.as_deref())?;
    let mut q = time_off::Entity::find().filter(time_off::Column::CompanyId.eq(company_id));
    if let Some(e) = params.employee_id {
        q = q.filter(time_off::Column::EmployeeId.eq(e));
    }
    if let Some(s) = &params.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(invalid(
                "status",
                format!("status must be one of {}", STATUSES.join(", ")),
            ));
        }
        q = q.filter(time_off::Column::Status.eq(s.as_str()));
    }
    let from = params
        .from
        .as_deref()
        .map(|s| parse_date("from", s))
        .transpose()?;
    let to = params
        .to
        .as_deref()
        .map(|s| parse_date("to", s))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(invalid("to", format!("to {t} is before from {f}")));
    }
    // Overlap with [from, to]: ends on or after `from` and starts on or before `to`.
    if let Some(f) = from {
        q = q.filter(time_off::Column::EndDate.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(time_off::Column::StartDate.lte(t));
    }
    if let Some(ids) = visible_ids(company_id, &g.scope) {
        q = q.filter(time_off::Column::EmployeeId.in_subquery(ids));
    }
    let (rows, next_cursor) = page::by_id(
        &state.app.db,
        q,
        time_off::Column::Id,
        first,
        after,
        |m: &time_off::Model| m.id,
    )
    .await?;
    let data: Vec<TimeOff> = rows.into_iter().map(Into::into).collect();
    page::body(&g.scope, &data, next_cursor)
}

/// One time-off record.
#[utoipa::path(
    get,
    path = "/api/v1/time-off/{id}",
    tag = "time-off",
    operation_id = "getTimeOff",
    params(("id" = Uuid, Path, description = "The record's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record", body = TimeOff),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Missing `time_off.read` or the key's TIME_OFF:READ grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such record in the caller's company, or its employee is outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let row = find_visible(&state, &g, &id).await?;
    Ok(Json(g.scope.render(&TimeOff::from(row))?))
}

/// Records time off for an employee.
#[utoipa::path(
    post,
    path = "/api/v1/time-off",
    tag = "time-off",
    operation_id = "createTimeOff",
    request_body(content = TimeOffWrite, description = "`employee_id`, `kind`, `start_date` and `end_date` are required; unknown fields are rejected"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created record; `Location` names it", body = TimeOff, headers(("Location" = String, description = "The record's URL"))),
        (status = 400, description = "Malformed JSON, or not an object (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `time_off.create` or the key's TIME_OFF:CREATE grant, or a field the key may not write (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`payload-too-large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as `application/json` (`unsupported-media-type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Unknown field, missing or invalid value, an `employee_id` the caller cannot see, `end_date` before `start_date` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
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
    let employee_id = required(input.employee_id, "employee_id")?;
    let kind = required(input.kind, "kind")?;
    let start_date = required(input.start_date, "start_date")?;
    let end_date = required(input.end_date, "end_date")?;
    check_dates(Some(start_date), Some(end_date))?;
    let status = patched(None, input.status).unwrap_or_else(|| STATUSES[0].to_string());
    employees::check_reference(&state, &g, employee_id).await?;
    let now = OffsetDateTime::now_utc();
    let row = time_off::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_id: Set(company_id),
        employee_id: Set(employee_id),
        kind: Set(kind),
        start_date: Set(start_date),
        end_date: Set(end_date),
        status: Set(status),
        note: Set(patched(None, input.note)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.app.db)
    .await?;
    let location = format!("/api/v1/time-off/{}", row.id);
    Ok(created(location, g.scope.render(&TimeOff::from(row))?))
}

/// Changes some fields of a record: absent fields are unchanged, `null` clears the note.
#[utoipa::path(
    patch,
    path = "/api/v1/time-off/{id}",
    tag = "time-off",
    operation_id = "updateTimeOff",
    params(("id" = Uuid, Path, description = "The record's id")),
    request_body(content = TimeOffWrite, description = "Only the fields to change; unknown fields are rejected"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated record", body = TimeOff),
        (status = 400, description = "Malformed JSON, or not an object (`bad-request`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `time_off.update` or the key's TIME_OFF:UPDATE grant, or a field the key may not write (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such record in the caller's company, or its employee is outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`payload-too-large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Body not sent as `application/json` (`unsupported-media-type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Unknown field, invalid value, an `employee_id` the caller cannot see, `end_date` before `start_date` (`validation`, with `field`)", body = ProblemDetails, content_type = "application/problem+json"),
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
    let employee_id = not_cleared(input.employee_id, "employee_id")?;
    let kind = not_cleared(input.kind, "kind")?;
    let start_date = not_cleared(input.start_date, "start_date")?.unwrap_or(row.start_date);
    let end_date = not_cleared(input.end_date, "end_date")?.unwrap_or(row.end_date);
    check_dates(Some(start_date), Some(end_date))?;
    let status = not_cleared(input.status, "status")?;
    if let Some(e) = employee_id {
        employees::check_reference(&state, &g, e).await?;
    }
    let note = patched(row.note.clone(), input.note);
    let mut am: time_off::ActiveModel = row.into();
    if let Some(v) = employee_id {
        am.employee_id = Set(v);
    }
    if let Some(v) = kind {
        am.kind = Set(v);
    }
    if let Some(v) = status {
        am.status = Set(v);
    }
    am.start_date = Set(start_date);
    am.end_date = Set(end_date);
    am.note = Set(note);
    am.updated_at = Set(OffsetDateTime::now_utc());
    let row = am.update(&state.app.db).await?;
    Ok(Json(g.scope.render(&TimeOff::from(row))?))
}

/// Deletes a record.
#[utoipa::path(
    delete,
    path = "/api/v1/time-off/{id}",
    tag = "time-off",
    operation_id = "deleteTimeOff",
    params(("id" = Uuid, Path, description = "The record's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid credentials (`unauthenticated`), API access flag off (`api-access-disabled`), or access type none (`access-type-none`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Read-only access type (`read-only`), missing `time_off.delete` or the key's TIME_OFF:DELETE grant (`forbidden`), or a hub user's credentials (`company-required`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such record in the caller's company, or its employee is outside the caller's visibility groups (`not-found`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit exceeded (`rate-limited`)", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    g: Guarded,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let row = find_visible(&state, &g, &id).await?;
    time_off::Entity::delete_by_id(row.id)
        .exec(&state.app.db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_and_statuses_match_the_schema_enums() {
        for k in KINDS {
            let parsed: TimeOffKind = serde_json::from_value(json!(k)).expect("kind");
            assert_eq!(serde_json::to_value(parsed).expect("ser"), json!(k));
        }
        for s in STATUSES {
            let parsed: TimeOffStatus = serde_json::from_value(json!(s)).expect("status");
            assert_eq!(serde_json::to_value(parsed).expect("ser"), json!(s));
        }
        assert_eq!(writable().len(), ApiEndpoint::TimeOff.fields().len() - 1);
    }
}
