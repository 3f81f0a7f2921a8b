//! `GET /api/logs/export.csv`: the API Logs dashboard's CSV export (SPEC §5).
//!
//! The dashboard's filters as query parameters, with the names of `ApiLogFilter` (`from`, `to`
//! in RFC 3339, `companyId`, `userId`, `endpoint`, `method`, `statusCode`, `statusClass`,
//! `minResponseTimeUs`, `hasException`, `deniedBy`), the same scope and permission
//! (`api_logs.view`) as `apiLogs`, and `Authorization: Bearer` with a session or a personal
//! access token (the SPA fetches the file and saves the blob). A script's personal token of a
//! company user passes the same gate as on `/graphql` (flag, access type, rate limit).
//!
//! Rows are streamed newest first, fetched by keyset in pages of [`PAGE_ROWS`], so an export of
//! a million rows never sits in memory. No headers or bodies: one line per request. Failures
//! before the first byte are problem+json (401, 403, 422); a database failure mid-stream aborts
//! the body, so a truncated file cannot pass for a complete one.

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::auth::{Principal, Tenant, bearer};
use crate::entity::api_log;
use crate::error::AppError;
use crate::rest::guard;
use crate::rest::problem::Problem;
use crate::service::api_logs::{self, LogCursor, LogFilter, Scope, ValidFilter};
use crate::state::AppState;

/// Rows fetched per database round trip.
pub const PAGE_ROWS: u64 = 1_000;

/// The CSV columns, in order.
pub const COLUMNS: [&str; 12] = [
    "time",
    "method",
    "uri",
    "endpoint",
    "status",
    "response_time_us",
    "request_ip",
    "company_id",
    "user_id",
    "credential_kind",
    "decision",
    "exception",
];

pub async fn export_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut response_headers = HeaderMap::new();
    let prepared = prepare(&state, &headers, query.as_deref(), &mut response_headers).await;
    let (scope, filter) = match prepared {
        Ok(v) => v,
        Err(problem) => {
            let mut resp = problem.into_response();
            resp.headers_mut().extend(response_headers);
            return resp;
        }
    };
    let file_name = format!(
        "api-logs-{}-{}.csv",
        compact(filter.from),
        compact(filter.to)
    );
    let body = Body::from_stream(rows(state.app.db.clone(), scope, filter));
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.extend(response_headers);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `20261201T120000Z`: a file-name-safe form of an instant.
fn compact(t: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Authenticates, checks permission and scope, and validates the filters.
async fn prepare(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    response_headers: &mut HeaderMap,
) -> Result<(Scope, ValidFilter), Problem> {
    let principal = authenticate(state, headers).await?;
    gate(state, &principal, response_headers).await?;
    let scope = api_logs::scope_of(&principal, &state.app.db).await?;
    let filter = parse_filter(query.unwrap_or(""))?.validate(OffsetDateTime::now_utc())?;
    Ok((scope, filter))
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<std::sync::Arc<Principal>, Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::Unauthenticated("sign in first: send Authorization: Bearer <token>".into())
        })?
        .to_str()
        .map_err(|_| {
            AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    let token = bearer::token_from_header(value)?;
    Ok(bearer::authenticate(&state.app, token).await?)
}

/// A company user's personal token is a third party: the company's API settings apply.
async fn gate(
    state: &AppState,
    principal: &Principal,
    response_headers: &mut HeaderMap,
) -> Result<(), Problem> {
    let Tenant::Company { company_id, .. } = principal.tenant else {
        return Ok(());
    };
    if principal.personal_token_id.is_none() {
        return Ok(());
    }
    let company = guard::load_company(&state.app, company_id).await?;
    guard::company_gate(&state.app, &company, true, false, response_headers).await
}

/// The filters of the query string. Public for the fuzz targets (`backend/fuzz`).
pub fn parse_filter(query: &str) -> Result<LogFilter, AppError> {
    let mut f = LogFilter::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        let bad = |what: &str| {
            AppError::validation(key.to_string(), format!("{key} '{value}' is not {what}"))
        };
        let time = || OffsetDateTime::parse(&value, &Rfc3339).map_err(|_| bad("an RFC 3339 time"));
        let id = || Uuid::parse_str(&value).map_err(|_| bad("a valid id"));
        match key.as_ref() {
            "from" => f.from = Some(time()?),
            "to" => f.to = Some(time()?),
            "companyId" => f.company_id = Some(id()?),
            "userId" => f.user_id = Some(id()?),
            "endpoint" => f.endpoint = Some(value.clone()),
            "method" => f.method = Some(value.clone()),
            "statusCode" => f.status_code = Some(value.parse().map_err(|_| bad("a number"))?),
            "statusClass" => f.status_class = Some(value.clone()),
            "minResponseTimeUs" => {
                f.min_response_time_us = Some(value.parse().map_err(|_| bad("a number"))?)
            }
            "hasException" => {
                f.has_exception = Some(value.parse().map_err(|_| bad("true or false"))?)
            }
            "deniedBy" => f.denied_by = Some(value.clone()),
            other => {
                return Err(AppError::validation(
                    other.to_string(),
                    format!("unknown parameter '{other}'"),
                ));
            }
        }
    }
    Ok(f)
}

/// A spreadsheet must not run a cell as a formula: free text that starts like one is quoted
/// with a leading apostrophe (OWASP "CSV injection").
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

fn write_rows(
    out: &mut csv::Writer<Vec<u8>>,
    logs: &[api_log::Model],
) -> Result<(), std::io::Error> {
    let opt = |v: Option<Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
    for l in logs {
        let time = l.time.format(&Rfc3339).map_err(std::io::Error::other)?;
        out.write_record([
            time.as_str(),
            &l.method,
            &cell(&l.uri),
            &cell(&l.endpoint),
            &l.status_code.to_string(),
            &l.response_time_us.to_string(),
            &cell(l.request_ip.as_deref().unwrap_or("")),
            &opt(l.company_id),
            &opt(l.user_id),
            l.credential_kind.as_deref().unwrap_or(""),
            &cell(&l.decision),
            &cell(l.exception.as_deref().unwrap_or("")),
        ])?;
    }
    Ok(())
}

struct Cursor {
    db: DatabaseConnection,
    scope: Scope,
    filter: ValidFilter,
    after: Option<LogCursor>,
    started: bool,
    done: bool,
}

/// The body: the header line, then one chunk per page.
fn rows(
    db: DatabaseConnection,
    scope: Scope,
    filter: ValidFilter,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let start = Cursor {
        db,
        scope,
        filter,
        after: None,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(start, |mut c| async move {
        if c.done {
            return None;
        }
        let mut out = csv::Writer::from_writer(Vec::new());
        if !c.started {
            c.started = true;
            if let Err(e) = out.write_record(COLUMNS) {
                return Some((Err(e.into()), Cursor { done: true, ..c }));
            }
        }
        let page =
            api_logs::fetch_page(&c.db, &c.scope, &c.filter, c.after.as_ref(), PAGE_ROWS).await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "CSV export: reading logs failed");
                let err = std::io::Error::other("reading logs failed");
                return Some((Err(err), Cursor { done: true, ..c }));
            }
        };
        c.done = (page.len() as u64) < PAGE_ROWS;
        c.after = page.last().map(LogCursor::of);
        let chunk = write_rows(&mut out, &page)
            .and_then(|()| out.into_inner().map_err(|e| e.into_error()))
            .map(Bytes::from);
        if chunk.is_err() {
            c.done = true;
        }
        Some((chunk, c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_parameters() {
        let f = parse_filter("from=2026-12-01T00:00:00Z&statusClass=5xx&hasException=true&endpoint=%2Fapi%2Fv1%2Fcompany")
            .expect("parses");
        assert_eq!(f.status_class.as_deref(), Some("5xx"));
        assert_eq!(f.has_exception, Some(true));
        assert_eq!(f.endpoint.as_deref(), Some("/api/v1/company"));
        for (q, field) in [
            ("from=yesterday", "from"),
            ("statusCode=abc", "statusCode"),
            ("companyId=1", "companyId"),
            ("hasException=maybe", "hasException"),
            ("colour=red", "colour"),
        ] {
            match parse_filter(q) {
                Err(AppError::Validation { field: got, .. }) => assert_eq!(got, field, "{q}"),
                other => panic!("{q}: expected a validation error, got {other:?}"),
            }
        }
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("/api/v1/company"), "/api/v1/company");
    }
}
