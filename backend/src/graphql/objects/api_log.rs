//! API request logs and their statistics (SPEC §5, §8).

use async_graphql::{ID, Json, Object, SimpleObject};
use time::OffsetDateTime;

use crate::service::api_logs::{self as service, LogView};

/// One logged request. Headers and bodies are stored redacted and truncated.
pub struct ApiLog(pub LogView);

/// The company a log or a statistic is about.
#[derive(SimpleObject)]
pub struct ApiLogCompany {
    pub id: ID,
    /// Null when the company no longer exists.
    pub name: Option<String>,
}

/// The user a log is about.
#[derive(SimpleObject)]
pub struct ApiLogUser {
    pub id: ID,
}

#[Object]
impl ApiLog {
    async fn id(&self) -> ID {
        ID(self.0.log.id.to_string())
    }
    /// When the request arrived.
    async fn time(&self) -> OffsetDateTime {
        self.0.log.time
    }
    async fn method(&self) -> &str {
        &self.0.log.method
    }
    /// Path and query string as received, secrets redacted.
    async fn uri(&self) -> &str {
        &self.0.log.uri
    }
    /// The route template (`/api/v1/employees/{id}`), or the path when no route matched.
    async fn endpoint(&self) -> &str {
        &self.0.log.endpoint
    }
    async fn status_code(&self) -> i32 {
        self.0.log.status_code
    }
    /// Microseconds.
    async fn response_time_us(&self) -> i64 {
        self.0.log.response_time_us
    }
    async fn request_ip(&self) -> Option<&str> {
        self.0.log.request_ip.as_deref()
    }
    /// Error text of a 5xx or a panic.
    async fn exception(&self) -> Option<&str> {
        self.0.log.exception.as_deref()
    }
    /// The guards' verdict: `allowed`, or `<guard>: <why>`.
    async fn decision(&self) -> &str {
        &self.0.log.decision
    }
    /// The guard that denied the request; null when allowed.
    async fn denied_by(&self) -> Option<&str> {
        self.0.log.denied_by.as_deref()
    }
    /// Header name → value, secrets redacted.
    async fn request_headers(&self) -> Json<serde_json::Value> {
        Json(self.0.log.request_headers.clone())
    }
    async fn response_headers(&self) -> Json<serde_json::Value> {
        Json(self.0.log.response_headers.clone())
    }
    async fn request_body(&self) -> Option<&str> {
        self.0.log.request_body.as_deref()
    }
    async fn response_body(&self) -> Option<&str> {
        self.0.log.response_body.as_deref()
    }
    async fn company(&self) -> Option<ApiLogCompany> {
        self.0.log.company_id.map(|id| ApiLogCompany {
            id: ID(id.to_string()),
            name: self.0.company_name.clone(),
        })
    }
    async fn user(&self) -> Option<ApiLogUser> {
        self.0.log.user_id.map(|id| ApiLogUser {
            id: ID(id.to_string()),
        })
    }
    /// `session`, `personal_access_token`, `api_key` or `api_credential`.
    async fn credential_kind(&self) -> Option<&str> {
        self.0.log.credential_kind.as_deref()
    }
    async fn credential_id(&self) -> Option<ID> {
        self.0.log.credential_id.map(|id| ID(id.to_string()))
    }
}

#[derive(SimpleObject)]
pub struct EndpointCount {
    pub endpoint: String,
    pub method: String,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct EndpointLatency {
    pub endpoint: String,
    pub method: String,
    /// Average response time, whole microseconds.
    pub avg_response_time_us: i64,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct CompanyCount {
    pub company: ApiLogCompany,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct StatusClassCount {
    /// `2xx`, `4xx`, ...
    pub status_class: String,
    pub count: u64,
}

/// Nearest-rank percentiles of the response time; null when no request matched.
#[derive(SimpleObject)]
pub struct LatencyPercentiles {
    pub p50_us: Option<i64>,
    pub p95_us: Option<i64>,
    pub p99_us: Option<i64>,
}

#[derive(SimpleObject)]
pub struct SeriesPoint {
    pub bucket_start: OffsetDateTime,
    pub requests: u64,
    /// Requests answered with a status ≥ 500.
    pub errors: u64,
}

/// The dashboard's numbers for the filtered range.
#[derive(SimpleObject)]
pub struct ApiLogStats {
    /// The range the numbers cover: `[from, to)`, whole seconds.
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub total: u64,
    /// Requests answered with a status ≥ 500 (server errors); client errors are in
    /// `statusClasses`.
    pub errors: u64,
    /// The 10 most requested endpoints (endpoint and method).
    pub top_endpoints: Vec<EndpointCount>,
    /// The 10 endpoints with the highest average response time.
    pub slowest_endpoints: Vec<EndpointLatency>,
    /// The 10 companies with the most requests.
    pub most_active_companies: Vec<CompanyCount>,
    pub status_classes: Vec<StatusClassCount>,
    pub latency: LatencyPercentiles,
    /// Seconds per series bucket: 300 up to 6 h, 3600 up to 7 days, 86400 beyond.
    pub bucket_seconds: i64,
    /// Requests and errors per bucket, empty buckets included.
    pub series: Vec<SeriesPoint>,
}

impl From<service::LogStats> for ApiLogStats {
    fn from(s: service::LogStats) -> Self {
        Self {
            from: s.from,
            to: s.to,
            total: s.total,
            errors: s.errors,
            top_endpoints: s
                .top_endpoints
                .into_iter()
                .map(|e| EndpointCount {
                    endpoint: e.endpoint,
                    method: e.method,
                    count: e.count,
                })
                .collect(),
            slowest_endpoints: s
                .slowest_endpoints
                .into_iter()
                .map(|e| EndpointLatency {
                    endpoint: e.endpoint,
                    method: e.method,
                    avg_response_time_us: e.avg_response_time_us,
                    count: e.count,
                })
                .collect(),
            most_active_companies: s
                .most_active_companies
                .into_iter()
                .map(|c| CompanyCount {
                    company: ApiLogCompany {
                        id: ID(c.company_id.to_string()),
                        name: c.company_name,
                    },
                    count: c.count,
                })
                .collect(),
            status_classes: s
                .status_classes
                .into_iter()
                .map(|c| StatusClassCount {
                    status_class: c.status_class,
                    count: c.count,
                })
                .collect(),
            latency: LatencyPercentiles {
                p50_us: s.latency.p50_us,
                p95_us: s.latency.p95_us,
                p99_us: s.latency.p99_us,
            },
            bucket_seconds: s.bucket_seconds,
            series: s
                .series
                .into_iter()
                .map(|p| SeriesPoint {
                    bucket_start: p.bucket_start,
                    requests: p.requests,
                    errors: p.errors,
                })
                .collect(),
        }
    }
}
