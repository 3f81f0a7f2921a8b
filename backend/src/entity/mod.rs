//! sea-orm entities, one per table. The tables themselves are created by the `migration` crate;
//! relations are queried explicitly by foreign key, which keeps each query visible at its call site.

pub mod api_credential;
pub mod api_key;
pub mod api_key_grant;
pub mod api_log;
pub mod audit_log;
pub mod company;
pub mod company_feature;
pub mod document;
pub mod employee;
pub mod permission;
pub mod personal_access_token;
pub mod reseller;
pub mod reseller_feature;
pub mod revoked_access_token;
pub mod role;
pub mod role_permission;
pub mod server_secret;
pub mod session;
pub mod time_off;
pub mod user;
pub mod user_visibility_group;
pub mod visibility_group;
