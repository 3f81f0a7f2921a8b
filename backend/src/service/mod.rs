//! The domain layer: every rule about who may do what to which tenant lives here, once, and the
//! GraphQL (and later REST) doors only translate. Each function takes the acting `Principal`,
//! checks its permission, then its scope (out-of-scope rows are NOT_FOUND, never FORBIDDEN, so
//! their existence does not leak), validates, and writes in one transaction.

pub mod api_credentials;
pub mod api_keys;
pub mod api_logs;
pub mod audit;
pub mod companies;
pub mod features;
pub mod pagination;
pub mod personal_tokens;
pub mod resellers;
pub mod roles;
pub mod sessions;
pub mod usage;
pub mod users;
pub mod visibility_groups;
