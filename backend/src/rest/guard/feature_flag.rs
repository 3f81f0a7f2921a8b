//! Guard 2, feature flag: the public API is open to a company only while its `api_access` flag
//! is effective, that is enabled on the company *and* on its reseller (funnelling, SPEC §2).
//! A reseller that switches the flag off closes the API for all its companies at once, whatever
//! each company's own setting.

use shared::features::API_ACCESS;

use crate::rest::problem::{Problem, ProblemKind};
use crate::service::companies::CompanyView;

/// Whether a flag is effective for the company, by the one funnelling rule of `shared`.
pub fn is_effective(company: &CompanyView, flag: &str) -> bool {
    company
        .features()
        .iter()
        .any(|f| f.flag.key == flag && f.effective)
}

pub fn check(company: &CompanyView) -> Result<(), Problem> {
    if is_effective(company, API_ACCESS) {
        return Ok(());
    }
    let company_on = company
        .company_flags
        .get(API_ACCESS)
        .copied()
        .unwrap_or(false);
    let detail = if company_on {
        "API access is disabled for this company's reseller"
    } else {
        "API access is disabled for this company"
    };
    Err(Problem::new(ProblemKind::ApiAccessDisabled, detail))
}
