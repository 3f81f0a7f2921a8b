//! One module per page of SPEC §6: sign-in, tenancy, users, roles, visibility groups, tokens,
//! API Management, Settings (Partner API, API V2 keys) and the API Logs dashboard.

mod api_keys;
mod api_logs;
mod api_management;
mod companies;
mod company_edit;
mod groups;
mod home;
mod login;
mod partner_api;
mod reseller_edit;
mod resellers;
mod roles;
pub mod settings;
mod tokens;
mod users;

pub use api_keys::ApiKeysPage;
pub use api_logs::ApiLogsPage;
pub use api_management::ApiManagementPage;
pub use companies::CompaniesPage;
pub use company_edit::CompanyEditPage;
pub use groups::GroupsPage;
pub use home::{HomePage, NotFound};
pub use login::LoginPage;
pub use partner_api::PartnerApiPage;
pub use reseller_edit::ResellerEditPage;
pub use resellers::ResellersPage;
pub use roles::RolesPage;
pub use settings::SettingsPage;
pub use tokens::TokensPage;
pub use users::UsersPage;

/// Rows per page of every list.
pub const PAGE_SIZE: i64 = 20;

/// `Some(text)` unless it is blank: an empty search box means "no filter".
pub fn non_blank(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}
