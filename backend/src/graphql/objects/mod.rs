//! GraphQL object types: thin wrappers over service views, one file per domain type.

mod api_credential;
mod api_key;
mod api_log;
mod company;
mod feature;
mod grant_usage;
mod personal_access_token;
mod reseller;
mod role;
mod user;
mod visibility_group;

pub use api_credential::ApiCredential;
pub use api_key::{ApiAction, ApiEndpoint, ApiKey};
pub use api_log::{ApiLog, ApiLogStats};
pub use company::{ApiAccessType, Company};
pub use feature::Feature;
pub use grant_usage::GrantUsage;
pub use personal_access_token::PersonalAccessToken;
pub use reseller::Reseller;
pub use role::{Permission, Role};
pub use user::User;
pub use visibility_group::VisibilityGroup;
