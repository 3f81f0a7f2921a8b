//! Guard 4, rate limit (third-party credentials only, SPEC §4.4): per company, per minute, at
//! the effective limit `min(company, reseller)`, read from the company on every request so a
//! limit changed in the admin API applies to the next request. Every guarded response carries
//! the limit headers; over the limit the answer is 429 with `Retry-After`.

use axum::http::HeaderMap;

use crate::ratelimit::headers;
use crate::rest::problem::{Problem, ProblemKind};
use crate::service::companies::CompanyView;
use crate::state::App;

/// The limiter key of a company: one budget per company, whichever credential spends it.
pub fn key(company: &CompanyView) -> String {
    format!("company:{}", company.company.id)
}

pub async fn check(
    app: &App,
    company: &CompanyView,
    response_headers: &mut HeaderMap,
) -> Result<(), Problem> {
    let limit = u32::try_from(company.effective_rate_limit()).unwrap_or(0);
    let decision = app.limiter.check(&key(company), limit).await;
    let window = app.limiter.window();
    headers::apply(response_headers, &decision, window);
    if decision.allowed {
        return Ok(());
    }
    let retry = decision.retry_after.unwrap_or(decision.reset_after);
    let mut problem = Problem::new(
        ProblemKind::RateLimited,
        format!(
            "company limit {limit}/min reached, resets in {} s",
            retry.as_secs().max(1)
        ),
    );
    for (name, value) in headers::to_header_map(&decision, window) {
        if let Some(name) = name {
            problem = problem.with_header(name, value);
        }
    }
    Err(problem)
}
