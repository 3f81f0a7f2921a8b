//! API request logs for the dashboard (SPEC §5): the filtered list (newest first, keyset by
//! `(time, id)`), one log, the statistics, and the pages the CSV export streams.
//!
//! **Scope.** Everything needs `api_logs.view`. Platform users see every row, including rows
//! that belong to no company (hub users' scripts, unauthenticated calls); reseller admins see the
//! rows of their reseller's companies; company users the rows of their own company. A `companyId`
//! or `userId` filter outside the caller's scope simply matches nothing, and a log outside it is
//! NOT_FOUND: another tenant's rows are never shown, nor is their existence.
//!
//! **Range.** `[from, to)` at whole seconds (`from` rounded down, `to` up), default the last
//! 24 hours, at most [`MAX_RANGE_DAYS`]. Whole seconds because SQLite stores times as RFC 3339
//! text whose fraction is trimmed, so only a bound that ends with the seconds' `.` compares right
//! against every row of that second (see [`time_bound`]).
//!
//! **Errors** are server errors: status ≥ 500. Client errors (4xx, denials among them) are in the
//! status-class breakdown.
//!
//! **Percentiles** are nearest-rank (the value at rank ⌈p·n⌉ in ascending order), computed by the
//! database with `ROW_NUMBER() OVER (ORDER BY response_time_us)` on both backends, so SQLite and
//! PostgreSQL give the same answer. Every statistic is an aggregate query over the filtered
//! range, served by the covering `time` index (or a narrower `(filter column, time)` index); the
//! queries run concurrently.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use serde::{Deserialize, Serialize};
use shared::permissions as perm;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::auth::{Principal, Tenant};
use crate::entity::{api_log, company};
use crate::error::{AppError, AppResult};
use crate::service::pagination::Page;

/// Longest accepted range.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The range when none is given.
pub const DEFAULT_RANGE: Duration = Duration::hours(24);
/// Rows in each top list.
pub const TOP: u64 = 10;
/// Longest accepted `endpoint` filter.
const ENDPOINT_MAX_CHARS: usize = 500;

/// The dashboard's filters, as the caller gave them.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub company_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// Exact route template, e.g. `/api/v1/employees/{id}`.
    pub endpoint: Option<String>,
    /// HTTP method, any case.
    pub method: Option<String>,
    pub status_code: Option<i32>,
    /// `1xx` … `5xx`, any case.
    pub status_class: Option<String>,
    pub min_response_time_us: Option<i64>,
    pub has_exception: Option<bool>,
    /// The guard that denied the request (`rate_limit`, `permission`, ...).
    pub denied_by: Option<String>,
}

/// Filters after validation: a closed range and normalised values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidFilter {
    /// Inclusive, whole seconds, UTC.
    pub from: OffsetDateTime,
    /// Exclusive, whole seconds, UTC.
    pub to: OffsetDateTime,
    pub company_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub endpoint: Option<String>,
    pub method: Option<String>,
    pub status_code: Option<i32>,
    /// The hundreds digit: 5 for `5xx`.
    pub status_class: Option<i32>,
    pub min_response_time_us: Option<i64>,
    pub has_exception: Option<bool>,
    pub denied_by: Option<String>,
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn floor_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// `None` past the last representable second.
fn ceil_second(t: OffsetDateTime) -> Option<OffsetDateTime> {
    if t.nanosecond() == 0 {
        Some(t)
    } else {
        floor_second(t).checked_add(Duration::SECOND)
    }
}

/// A time the range cannot be computed with: at the very ends of what `time` represents
/// (years ±9999), where converting to UTC or rounding would overflow.
fn out_of_range(field: &str) -> AppError {
    AppError::validation(
        field,
        format!("{field} is outside the supported range of times"),
    )
}

impl LogFilter {
    /// Validates the filters; `now` closes an open range. Errors name the field.
    pub fn validate(&self, now: OffsetDateTime) -> AppResult<ValidFilter> {
        let to = self.to.unwrap_or(now);
        let from = match self.from {
            Some(from) => from,
            None => to
                .checked_sub(DEFAULT_RANGE)
                .ok_or_else(|| out_of_range("to"))?,
        };
        if from >= to {
            return Err(AppError::validation("from", "from must be before to"));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(AppError::validation(
                "to",
                format!("the range from from to to is longer than {MAX_RANGE_DAYS} days"),
            ));
        }
        let from = from
            .checked_to_offset(UtcOffset::UTC)
            .map(floor_second)
            .ok_or_else(|| out_of_range("from"))?;
        let to = to
            .checked_to_offset(UtcOffset::UTC)
            .and_then(ceil_second)
            .ok_or_else(|| out_of_range("to"))?;

        let method = match trimmed(&self.method) {
            None => None,
            Some(m) if m.len() <= 16 && m.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(m.to_ascii_uppercase())
            }
            Some(m) => {
                return Err(AppError::validation(
                    "method",
                    format!("method '{m}' is not an HTTP method"),
                ));
            }
        };
        let endpoint = match trimmed(&self.endpoint) {
            Some(e) if e.chars().count() > ENDPOINT_MAX_CHARS => {
                return Err(AppError::validation(
                    "endpoint",
                    format!("endpoint is too long: at most {ENDPOINT_MAX_CHARS} characters"),
                ));
            }
            e => e.map(str::to_string),
        };
        if let Some(code) = self.status_code
            && !(100..=599).contains(&code)
        {
            return Err(AppError::validation(
                "statusCode",
                format!("statusCode {code} is not an HTTP status: it must be between 100 and 599"),
            ));
        }
        let status_class = match trimmed(&self.status_class) {
            None => None,
            Some(c) => Some(parse_status_class(c).ok_or_else(|| {
                AppError::validation(
                    "statusClass",
                    format!("statusClass '{c}' must be one of 1xx, 2xx, 3xx, 4xx, 5xx"),
                )
            })?),
        };
        if let Some(min) = self.min_response_time_us
            && min < 0
        {
            return Err(AppError::validation(
                "minResponseTimeUs",
                "minResponseTimeUs must not be negative",
            ));
        }
        let denied_by = match trimmed(&self.denied_by) {
            Some(d) if d.len() > 64 => {
                return Err(AppError::validation("deniedBy", "deniedBy is too long"));
            }
            d => d.map(str::to_string),
        };
        Ok(ValidFilter {
            from,
            to,
            company_id: self.company_id,
            user_id: self.user_id,
            endpoint,
            method,
            status_code: self.status_code,
            status_class,
            min_response_time_us: self.min_response_time_us,
            has_exception: self.has_exception,
            denied_by,
        })
    }
}

/// `5xx` → 5.
fn parse_status_class(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() == 3 && b[1].eq_ignore_ascii_case(&b'x') && b[2].eq_ignore_ascii_case(&b'x') {
        let d = i32::from(b[0]) - i32::from(b'0');
        return (1..=5).contains(&d).then_some(d);
    }
    None
}

/// Which rows the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Companies(Vec<Uuid>),
}

impl Scope {
    fn allows(&self, company_id: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            Scope::Companies(ids) => company_id.is_some_and(|c| ids.contains(&c)),
        }
    }
}

/// Checks `api_logs.view` and works out the caller's scope.
pub async fn scope_of(p: &Principal, db: &impl ConnectionTrait) -> AppResult<Scope> {
    p.require(perm::API_LOGS_VIEW)?;
    Ok(match p.tenant {
        Tenant::Platform => Scope::All,
        Tenant::Company { company_id, .. } => Scope::Companies(vec![company_id]),
        Tenant::Reseller { reseller_id } => Scope::Companies(
            company::Entity::find()
                .select_only()
                .column(company::Column::Id)
                .filter(company::Column::ResellerId.eq(reseller_id))
                .into_tuple::<Uuid>()
                .all(db)
                .await?,
        ),
    })
}

/// A range bound for the `time` column. PostgreSQL compares instants; SQLite compares the
/// RFC 3339 text sqlx wrote (`2026-12-01T21:00:00.5Z`, the fraction trimmed, absent when zero),
/// so a whole-second bound is given as `2026-12-01T21:00:00.`: every row of that second sorts
/// after it (`.5Z`, `Z` > `.`) and every row of the second before sorts before it.
pub(crate) fn time_bound(backend: DbBackend, t: OffsetDateTime) -> sea_orm::Value {
    match backend {
        DbBackend::Sqlite => {
            let text = t
                .format(&Rfc3339)
                .unwrap_or_default()
                .trim_end_matches('Z')
                .to_string();
            sea_orm::Value::from(format!("{text}."))
        }
        _ => sea_orm::Value::from(t),
    }
}

/// The WHERE clause of every query: scope, range and filters.
pub fn condition(backend: DbBackend, scope: &Scope, f: &ValidFilter) -> Condition {
    use api_log::Column as C;
    let mut c = Condition::all()
        .add(C::Time.gte(time_bound(backend, f.from)))
        .add(C::Time.lt(time_bound(backend, f.to)));
    match scope {
        Scope::All => {}
        Scope::Companies(ids) if ids.is_empty() => c = c.add(Expr::val(1).eq(0)),
        Scope::Companies(ids) if ids.len() == 1 => c = c.add(C::CompanyId.eq(ids[0])),
        Scope::Companies(ids) => c = c.add(C::CompanyId.is_in(ids.clone())),
    }
    if let Some(v) = f.company_id {
        c = c.add(C::CompanyId.eq(v));
    }
    if let Some(v) = f.user_id {
        c = c.add(C::UserId.eq(v));
    }
    if let Some(v) = &f.endpoint {
        c = c.add(C::Endpoint.eq(v.clone()));
    }
    if let Some(v) = &f.method {
        c = c.add(C::Method.eq(v.clone()));
    }
    if let Some(v) = f.status_code {
        c = c.add(C::StatusCode.eq(v));
    }
    if let Some(class) = f.status_class {
        // A list of equalities, so that the (status_code, time) index serves each with a range.
        c = c.add(C::StatusCode.is_in(class * 100..class * 100 + 100));
    }
    if let Some(v) = f.min_response_time_us {
        c = c.add(C::ResponseTimeUs.gte(v));
    }
    match f.has_exception {
        Some(true) => c = c.add(C::Exception.is_not_null()),
        Some(false) => c = c.add(C::Exception.is_null()),
        None => {}
    }
    if let Some(v) = &f.denied_by {
        c = c.add(C::DeniedBy.eq(v.clone()));
    }
    c
}

/// Position in the newest-first list: the last row seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCursor {
    #[serde(rename = "t", with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl LogCursor {
    pub fn of(m: &api_log::Model) -> Self {
        Self {
            time: m.time,
            id: m.id,
        }
    }

    pub fn encode(&self) -> String {
        crate::service::pagination::encode_cursor(self)
    }

    pub fn decode(s: &str) -> AppResult<Self> {
        crate::service::pagination::decode_cursor(s, 512)
    }
}

/// A validated page request of the log list.
#[derive(Debug, Clone)]
pub struct LogPageRequest {
    pub first: u64,
    pub after: Option<LogCursor>,
}

impl LogPageRequest {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        Ok(Self {
            first: shared::limits::page_size(first)?,
            after: after.map(LogCursor::decode).transpose()?,
        })
    }
}

/// A log with its company's name (`None` when the row has no company or it no longer exists).
#[derive(Debug, Clone)]
pub struct LogView {
    pub log: api_log::Model,
    pub company_name: Option<String>,
}

fn ordered(select: Select<api_log::Entity>, after: Option<&LogCursor>) -> Select<api_log::Entity> {
    use api_log::Column as C;
    let mut q = select;
    if let Some(a) = after {
        q = q.filter(
            Condition::any()
                .add(C::Time.lt(a.time))
                .add(Condition::all().add(C::Time.eq(a.time)).add(C::Id.lt(a.id))),
        );
    }
    q.order_by_desc(C::Time).order_by_desc(C::Id)
}

/// Up to `limit` rows after `after`, newest first (for the list and the export).
pub async fn fetch_page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: &ValidFilter,
    after: Option<&LogCursor>,
    limit: u64,
) -> AppResult<Vec<api_log::Model>> {
    let cond = condition(db.get_database_backend(), scope, f);
    Ok(ordered(api_log::Entity::find().filter(cond), after)
        .limit(limit)
        .all(db)
        .await?)
}

async fn company_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(company::Entity::find()
        .select_only()
        .column(company::Column::Id)
        .column(company::Column::Name)
        .filter(company::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The log list, newest first.
pub async fn list(
    p: &Principal,
    db: &impl ConnectionTrait,
    filter: &LogFilter,
    req: &LogPageRequest,
) -> AppResult<Page<LogView>> {
    let scope = scope_of(p, db).await?;
    let f = filter.validate(OffsetDateTime::now_utc())?;
    list_in_scope(db, &scope, &f, req).await
}

/// [`list`] for a scope and filter already checked.
pub async fn list_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: &ValidFilter,
    req: &LogPageRequest,
) -> AppResult<Page<LogView>> {
    let cond = condition(db.get_database_backend(), scope, f);
    let total = api_log::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let mut rows = fetch_page(db, scope, f, req.after.as_ref(), req.first + 1).await?;
    let has_next = rows.len() as u64 > req.first;
    rows.truncate(req.first as usize);
    let names = company_names(db, rows.iter().filter_map(|r| r.company_id)).await?;
    let items = rows
        .into_iter()
        .map(|log| {
            let cursor = LogCursor::of(&log).encode();
            let company_name = log.company_id.and_then(|c| names.get(&c).cloned());
            (cursor, LogView { log, company_name })
        })
        .collect();
    Ok(Page {
        items,
        has_next,
        has_previous: req.after.is_some(),
        total,
    })
}

/// One log in the caller's scope, or NOT_FOUND.
pub async fn get(p: &Principal, db: &impl ConnectionTrait, id: Uuid) -> AppResult<LogView> {
    let scope = scope_of(p, db).await?;
    let not_found = || AppError::NotFound("api log".into());
    let log = api_log::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !scope.allows(log.company_id) {
        return Err(not_found());
    }
    let company_name = match log.company_id {
        Some(c) => company_names(db, [c]).await?.remove(&c),
        None => None,
    };
    Ok(LogView { log, company_name })
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointCount {
    pub endpoint: String,
    pub method: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointLatency {
    pub endpoint: String,
    pub method: String,
    /// Rounded down to whole microseconds.
    pub avg_response_time_us: i64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyCount {
    pub company_id: Uuid,
    /// `None` when the company no longer exists.
    pub company_name: Option<String>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassCount {
    /// `2xx`, `4xx`, ...
    pub status_class: String,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    pub p50_us: Option<i64>,
    pub p95_us: Option<i64>,
    pub p99_us: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesPoint {
    pub bucket_start: OffsetDateTime,
    pub requests: u64,
    /// Status ≥ 500.
    pub errors: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStats {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub total: u64,
    pub errors: u64,
    pub top_endpoints: Vec<EndpointCount>,
    pub slowest_endpoints: Vec<EndpointLatency>,
    pub most_active_companies: Vec<CompanyCount>,
    pub status_classes: Vec<ClassCount>,
    pub latency: Latency,
    pub bucket_seconds: i64,
    /// One point per bucket from the bucket holding `from` to the one holding the last second
    /// before `to`, empty buckets included.
    pub series: Vec<SeriesPoint>,
}

/// Bucket size for a range: 5 minutes up to 6 hours, 1 hour up to 7 days, 1 day beyond.
pub fn bucket_seconds(range: Duration) -> i64 {
    if range <= Duration::hours(6) {
        300
    } else if range <= Duration::days(7) {
        3_600
    } else {
        86_400
    }
}

#[derive(FromQueryResult)]
struct BucketClassRow {
    bucket: i64,
    class: i32,
    n: i64,
}

#[derive(FromQueryResult)]
struct EndpointRow {
    endpoint: String,
    method: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct LatencyRow {
    endpoint: String,
    method: String,
    avg_us: i64,
    n: i64,
}

#[derive(FromQueryResult)]
struct CompanyRow {
    company_id: Uuid,
    n: i64,
}

#[derive(FromQueryResult)]
struct RankRow {
    rn: i64,
    n: i64,
    response_time_us: i64,
}

fn count_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The latency percentiles of the dashboard, in percent.
const PERCENTILES: [i64; 3] = [50, 95, 99];

/// Nearest rank ⌈p·n/100⌉, at least 1. The SQL of [`percentiles`] computes the same.
fn nearest_rank(n: i64, percent: i64) -> i64 {
    Ord::max((n * percent + 99) / 100, 1)
}

/// p50, p95 and p99 by nearest rank, in one query: one sort of the range's response times
/// (a window numbers them), keeping only the three ranks.
async fn percentiles(db: &impl ConnectionTrait, cond: Condition) -> Result<Latency, DbErr> {
    let ranked = api_log::Entity::find()
        .select_only()
        .column(api_log::Column::ResponseTimeUs)
        .column_as(
            Expr::cust("ROW_NUMBER() OVER (ORDER BY response_time_us)"),
            "rn",
        )
        .column_as(Expr::cust("COUNT(*) OVER ()"), "n")
        .filter(cond)
        .into_query();
    let ranks = PERCENTILES
        .iter()
        .map(|p| format!("(n * {p} + 99) / 100"))
        .collect::<Vec<_>>()
        .join(", ");
    let query = Query::select()
        .columns([
            Alias::new("rn"),
            Alias::new("n"),
            Alias::new("response_time_us"),
        ])
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::cust(format!("rn IN ({ranks})")))
        .to_owned();
    let rows = RankRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let at = |percent: i64| {
        rows.iter()
            .find(|r| r.rn == nearest_rank(r.n, percent))
            .map(|r| r.response_time_us)
    };
    Ok(Latency {
        p50_us: at(PERCENTILES[0]),
        p95_us: at(PERCENTILES[1]),
        p99_us: at(PERCENTILES[2]),
    })
}

/// The dashboard's statistics for the filtered range.
pub async fn stats(
    p: &Principal,
    db: &impl ConnectionTrait,
    filter: &LogFilter,
) -> AppResult<LogStats> {
    let scope = scope_of(p, db).await?;
    let f = filter.validate(OffsetDateTime::now_utc())?;
    stats_in_scope(db, &scope, &f).await
}

/// [`stats`] for a scope and filter already checked.
///
/// Five aggregate queries, run concurrently, each an index-only scan of the range over the
/// covering `(time, status_code, response_time_us, method, endpoint, company_id)` index when no
/// other index is narrower: requests per (bucket, status class), which gives the totals, the
/// status classes and the series; the top endpoints; the slowest endpoints; the most active
/// companies; and the percentiles.
pub async fn stats_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: &ValidFilter,
) -> AppResult<LogStats> {
    use api_log::Column as C;
    let backend = db.get_database_backend();
    let cond = condition(backend, scope, f);
    let base = || api_log::Entity::find().filter(cond.clone());
    let count = || Expr::cust("COUNT(*)");

    let bucket = bucket_seconds(f.to - f.from);
    let bucket_expr = match backend {
        DbBackend::Postgres => {
            format!("CAST(floor(extract(epoch FROM \"time\") / {bucket}) * {bucket} AS BIGINT)")
        }
        _ => format!("(CAST(strftime('%s', \"time\") AS INTEGER) / {bucket}) * {bucket}"),
    };
    let per_bucket = base()
        .select_only()
        .column_as(Expr::cust(bucket_expr.clone()), "bucket")
        .column_as(Expr::cust("status_code / 100"), "class")
        .column_as(count(), "n")
        .group_by(Expr::cust(bucket_expr))
        .group_by(Expr::cust("status_code / 100"))
        .into_model::<BucketClassRow>()
        .all(db);
    let top = base()
        .select_only()
        .column(C::Endpoint)
        .column(C::Method)
        .column_as(count(), "n")
        .group_by(C::Endpoint)
        .group_by(C::Method)
        .order_by(count(), Order::Desc)
        .order_by_asc(C::Endpoint)
        .order_by_asc(C::Method)
        .limit(TOP)
        .into_model::<EndpointRow>()
        .all(db);
    let slowest = base()
        .select_only()
        .column(C::Endpoint)
        .column(C::Method)
        .column_as(
            Expr::cust("CAST(AVG(response_time_us) AS BIGINT)"),
            "avg_us",
        )
        .column_as(count(), "n")
        .group_by(C::Endpoint)
        .group_by(C::Method)
        .order_by(Expr::cust("AVG(response_time_us)"), Order::Desc)
        .order_by_asc(C::Endpoint)
        .order_by_asc(C::Method)
        .limit(TOP)
        .into_model::<LatencyRow>()
        .all(db);
    let companies = base()
        .select_only()
        .column(C::CompanyId)
        .column_as(count(), "n")
        .filter(C::CompanyId.is_not_null())
        .group_by(C::CompanyId)
        .order_by(count(), Order::Desc)
        .order_by_asc(C::CompanyId)
        .limit(TOP)
        .into_model::<CompanyRow>()
        .all(db);
    let latency = percentiles(db, cond.clone());

    let (per_bucket, top, slowest, companies, latency) =
        tokio::try_join!(per_bucket, top, slowest, companies, latency)?;

    let names = company_names(db, companies.iter().map(|c| c.company_id)).await?;
    let mut by_class: HashMap<i32, u64> = HashMap::new();
    for r in &per_bucket {
        *by_class.entry(r.class).or_default() += count_u64(r.n);
    }
    let total: u64 = by_class.values().sum();
    let errors: u64 = by_class
        .iter()
        .filter(|(class, _)| **class >= 5)
        .map(|(_, n)| n)
        .sum();
    let mut status_classes: Vec<ClassCount> = by_class
        .into_iter()
        .map(|(class, count)| ClassCount {
            status_class: format!("{class}xx"),
            count,
        })
        .collect();
    status_classes.sort_by(|a, b| a.status_class.cmp(&b.status_class));

    Ok(LogStats {
        from: f.from,
        to: f.to,
        total,
        errors,
        top_endpoints: top
            .into_iter()
            .map(|r| EndpointCount {
                endpoint: r.endpoint,
                method: r.method,
                count: count_u64(r.n),
            })
            .collect(),
        slowest_endpoints: slowest
            .into_iter()
            .map(|r| EndpointLatency {
                endpoint: r.endpoint,
                method: r.method,
                avg_response_time_us: r.avg_us,
                count: count_u64(r.n),
            })
            .collect(),
        most_active_companies: companies
            .into_iter()
            .map(|r| CompanyCount {
                company_id: r.company_id,
                company_name: names.get(&r.company_id).cloned(),
                count: count_u64(r.n),
            })
            .collect(),
        status_classes,
        latency,
        bucket_seconds: bucket,
        series: fill_series(f.from, f.to, bucket, &series_rows(&per_bucket)),
    })
}

/// Requests and errors (status ≥ 500) per bucket start.
fn series_rows(rows: &[BucketClassRow]) -> HashMap<i64, (u64, u64)> {
    let mut out: HashMap<i64, (u64, u64)> = HashMap::new();
    for r in rows {
        let e = out.entry(r.bucket).or_default();
        e.0 += count_u64(r.n);
        if r.class >= 5 {
            e.1 += count_u64(r.n);
        }
    }
    out
}

/// Every bucket of the range, zero where the database found no row.
fn fill_series(
    from: OffsetDateTime,
    to: OffsetDateTime,
    bucket: i64,
    by_start: &HashMap<i64, (u64, u64)>,
) -> Vec<SeriesPoint> {
    let first = from.unix_timestamp().div_euclid(bucket) * bucket;
    let last = (to.unix_timestamp() - 1).div_euclid(bucket) * bucket;
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let (requests, errors) = by_start.get(&start).copied().unwrap_or((0, 0));
        if let Ok(bucket_start) = OffsetDateTime::from_unix_timestamp(start) {
            out.push(SeriesPoint {
                bucket_start,
                requests,
                errors,
            });
        }
        start += bucket;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn defaults_and_rounding() {
        let now = datetime!(2026-12-01 12:00:00.5 UTC);
        let f = LogFilter::default().validate(now).expect("valid");
        assert_eq!(f.to, datetime!(2026-12-01 12:00:01 UTC));
        assert_eq!(f.from, datetime!(2026-11-30 12:00:00 UTC));
    }

    #[test]
    fn validation_names_the_field() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let field = |f: LogFilter| match f.validate(now) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            field(LogFilter {
                from: Some(now),
                to: Some(now - Duration::HOUR),
                ..Default::default()
            }),
            "from"
        );
        assert_eq!(
            field(LogFilter {
                from: Some(now - Duration::days(367)),
                to: Some(now),
                ..Default::default()
            }),
            "to"
        );
        for bad in ["6xx", "5x", "50x", "x5x"] {
            assert_eq!(
                field(LogFilter {
                    status_class: Some(bad.into()),
                    ..Default::default()
                }),
                "statusClass"
            );
        }
        assert_eq!(
            field(LogFilter {
                min_response_time_us: Some(-1),
                ..Default::default()
            }),
            "minResponseTimeUs"
        );
        assert_eq!(
            field(LogFilter {
                status_code: Some(42),
                ..Default::default()
            }),
            "statusCode"
        );
        assert_eq!(
            field(LogFilter {
                method: Some("GE T".into()),
                ..Default::default()
            }),
            "method"
        );
    }

    /// Found by the `cursor` fuzz target: a time at the end of the supported range with a
    /// negative offset (valid RFC 3339, e.g. in the export's `to`) overflowed when converted to
    /// UTC or rounded up, and the request panicked.
    #[test]
    fn times_at_the_ends_of_the_range_are_validation_errors() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let field = |f: LogFilter| match f.validate(now) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        let last = datetime!(9999-12-31 23:59:59.5 -23:59);
        assert_eq!(
            field(LogFilter {
                from: Some(datetime!(9999-12-31 00:00 UTC)),
                to: Some(last),
                ..Default::default()
            }),
            "to"
        );
        let last_utc = datetime!(9999-12-31 23:59:59.5 UTC);
        assert_eq!(
            field(LogFilter {
                from: Some(last_utc - Duration::HOUR),
                to: Some(last_utc),
                ..Default::default()
            }),
            "to"
        );
        let first = datetime!(-9999-01-01 00:00:00 +23:59);
        assert_eq!(
            field(LogFilter {
                to: Some(first),
                ..Default::default()
            }),
            "to"
        );
        assert_eq!(
            field(LogFilter {
                from: Some(first),
                to: Some(first + Duration::HOUR),
                ..Default::default()
            }),
            "from"
        );
    }

    #[test]
    fn status_classes_and_buckets() {
        assert_eq!(parse_status_class("5xx"), Some(5));
        assert_eq!(parse_status_class("2XX"), Some(2));
        assert_eq!(parse_status_class("0xx"), None);
        assert_eq!(bucket_seconds(Duration::hours(6)), 300);
        assert_eq!(bucket_seconds(Duration::hours(24)), 3_600);
        assert_eq!(bucket_seconds(Duration::days(7)), 3_600);
        assert_eq!(bucket_seconds(Duration::days(8)), 86_400);
    }

    #[test]
    fn series_covers_the_range() {
        let from = datetime!(2026-12-01 10:30 UTC);
        let to = datetime!(2026-12-01 13:00 UTC);
        let pts = fill_series(from, to, 3_600, &HashMap::new());
        let starts: Vec<_> = pts.iter().map(|p| p.bucket_start).collect();
        assert_eq!(
            starts,
            vec![
                datetime!(2026-12-01 10:00 UTC),
                datetime!(2026-12-01 11:00 UTC),
                datetime!(2026-12-01 12:00 UTC),
            ]
        );
    }

    #[test]
    fn cursor_round_trip() {
        let c = LogCursor {
            time: datetime!(2026-12-01 10:30:00.123456 UTC),
            id: Uuid::now_v7(),
        };
        assert_eq!(LogCursor::decode(&c.encode()).expect("decodes"), c);
        assert!(LogCursor::decode("nope").is_err());
    }
}
