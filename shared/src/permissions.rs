//! The permission catalogue: one list in code, synced into the `permissions` table at start-up
//! and compiled into the SPA, so a permission cannot exist on one side only.

/// Where a permission may be granted. Hub permissions act on resellers and companies from above;
/// company permissions act inside one company and are the only ones a custom role may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionScope {
    Hub,
    Company,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionInfo {
    pub key: &'static str,
    pub description: &'static str,
    pub scope: PermissionScope,
}

macro_rules! catalogue {
    ($( $const:ident = $key:literal, $scope:ident, $desc:literal; )*) => {
        $( #[doc = $desc] pub const $const: &str = $key; )*
        /// Every permission, in display order.
        pub const CATALOGUE: &[PermissionInfo] = &[
            $( PermissionInfo { key: $key, description: $desc, scope: PermissionScope::$scope }, )*
        ];
    };
}

catalogue! {
    RESELLERS_READ = "resellers.read", Hub, "See resellers and their settings.";
    RESELLERS_CREATE = "resellers.create", Hub, "Create resellers.";
    RESELLERS_EDIT = "resellers.edit", Hub, "Change a reseller's name, rate-limit ceiling and feature flags.";
    COMPANIES_READ = "companies.read", Hub, "See companies and their API settings.";
    COMPANIES_CREATE = "companies.create", Hub, "Create companies under a reseller.";
    COMPANIES_EDIT = "companies.edit", Hub, "Change a company's name, API settings and feature flags.";
    COMPANY_READ = "company.read", Company, "Read the caller's own company (REST `GET /api/v1/company`).";
    USERS_READ = "users.read", Company, "See users.";
    USERS_CREATE = "users.create", Company, "Create users.";
    USERS_EDIT = "users.edit", Company, "Change users' names, roles, visibility groups and deactivate them.";
    ROLES_READ = "roles.read", Company, "See roles and their permissions.";
    ROLES_EDIT = "roles.edit", Company, "Create, change and delete custom roles.";
    VISIBILITY_GROUPS_READ = "visibility_groups.read", Company, "See visibility groups.";
    VISIBILITY_GROUPS_EDIT = "visibility_groups.edit", Company, "Create, change and delete visibility groups.";
    EMPLOYEES_READ = "employees.read", Company, "Read employees.";
    EMPLOYEES_CREATE = "employees.create", Company, "Create employees.";
    EMPLOYEES_UPDATE = "employees.update", Company, "Update employees.";
    EMPLOYEES_DELETE = "employees.delete", Company, "Delete employees.";
    TIME_OFF_READ = "time_off.read", Company, "Read time off.";
    TIME_OFF_CREATE = "time_off.create", Company, "Create time off.";
    TIME_OFF_UPDATE = "time_off.update", Company, "Update time off.";
    TIME_OFF_DELETE = "time_off.delete", Company, "Delete time off.";
    DOCUMENTS_READ = "documents.read", Company, "Read document metadata.";
    DOCUMENTS_CREATE = "documents.create", Company, "Upload documents.";
    DOCUMENTS_DELETE = "documents.delete", Company, "Delete documents.";
    DOCUMENTS_DOWNLOAD = "documents.download", Company, "Download document contents.";
    PERSONAL_TOKENS_MANAGE = "personal_tokens.manage", Company, "Create and revoke one's own personal access tokens.";
    API_CREDENTIALS_MANAGE = "api_credentials.manage", Company, "Create, regenerate and revoke Partner API client credentials.";
    API_KEYS_MANAGE = "api_keys.manage", Company, "Create and revoke scoped API keys.";
    API_LOGS_VIEW = "api_logs.view", Company, "See API request logs and analytics.";
    AUDIT_LOG_VIEW = "audit_log.view", Company, "See the audit log: who changed which credential or setting, and when.";
}

/// Looks a permission up by key.
pub fn find(key: &str) -> Option<&'static PermissionInfo> {
    CATALOGUE.iter().find(|p| p.key == key)
}

/// The keys of every permission of a scope.
pub fn keys_in_scope(scope: PermissionScope) -> impl Iterator<Item = &'static str> {
    CATALOGUE
        .iter()
        .filter(move |p| p.scope == scope)
        .map(|p| p.key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for p in CATALOGUE {
            assert!(seen.insert(p.key), "duplicate {}", p.key);
            let (resource, action) = p.key.split_once('.').expect("resource.action");
            assert!(!resource.is_empty() && !action.is_empty());
            assert!(
                p.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            );
        }
        assert_eq!(
            find(API_LOGS_VIEW).map(|p| p.scope),
            Some(PermissionScope::Company)
        );
        assert!(find("nope.nope").is_none());
    }
}
