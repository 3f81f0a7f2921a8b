//! The built-in roles (SPEC §1). Custom roles are per company and hold company permissions only.

use crate::permissions::{self as p, PermissionScope};

/// Which kind of user a role is for. A role can only be given to users of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    /// Platform staff: no reseller, no company.
    Platform,
    /// Staff of one reseller.
    Reseller,
    /// Users of one company.
    Company,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Reseller => "reseller",
            Self::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Platform, Self::Reseller, Self::Company]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

pub struct BuiltInRole {
    pub name: &'static str,
    pub kind: RoleKind,
    /// `None` means every permission in the catalogue.
    pub permissions: Option<&'static [&'static str]>,
}

pub const SUPER_ADMIN: &str = "Super admin";
pub const RESELLER_ADMIN: &str = "Reseller admin";
pub const COMPANY_ADMIN: &str = "Company admin";
pub const COMPANY_MEMBER: &str = "Company member";

/// Reseller admins manage their own reseller's companies and everything inside them, but can
/// neither create resellers nor change their own reseller's ceiling or flags.
const RESELLER_ADMIN_PERMISSIONS: &[&str] = &[
    p::RESELLERS_READ,
    p::COMPANIES_READ,
    p::COMPANIES_CREATE,
    p::COMPANIES_EDIT,
    p::COMPANY_READ,
    p::USERS_READ,
    p::USERS_CREATE,
    p::USERS_EDIT,
    p::ROLES_READ,
    p::ROLES_EDIT,
    p::VISIBILITY_GROUPS_READ,
    p::VISIBILITY_GROUPS_EDIT,
    p::EMPLOYEES_READ,
    p::TIME_OFF_READ,
    p::DOCUMENTS_READ,
    p::PERSONAL_TOKENS_MANAGE,
    p::API_LOGS_VIEW,
    p::AUDIT_LOG_VIEW,
];

/// Company members read, and may create tokens for themselves (which then read too).
const COMPANY_MEMBER_PERMISSIONS: &[&str] = &[
    p::COMPANY_READ,
    p::USERS_READ,
    p::EMPLOYEES_READ,
    p::TIME_OFF_READ,
    p::DOCUMENTS_READ,
    p::DOCUMENTS_DOWNLOAD,
    p::PERSONAL_TOKENS_MANAGE,
];

pub const BUILT_IN_ROLES: &[BuiltInRole] = &[
    BuiltInRole {
        name: SUPER_ADMIN,
        kind: RoleKind::Platform,
        permissions: None,
    },
    BuiltInRole {
        name: RESELLER_ADMIN,
        kind: RoleKind::Reseller,
        permissions: Some(RESELLER_ADMIN_PERMISSIONS),
    },
    BuiltInRole {
        name: COMPANY_ADMIN,
        kind: RoleKind::Company,
        permissions: None, // every company-scoped permission, see `permissions()`
    },
    BuiltInRole {
        name: COMPANY_MEMBER,
        kind: RoleKind::Company,
        permissions: Some(COMPANY_MEMBER_PERMISSIONS),
    },
];

impl BuiltInRole {
    /// The role's permission keys.
    pub fn permissions(&self) -> Vec<&'static str> {
        match (self.permissions, self.kind) {
            (Some(list), _) => list.to_vec(),
            (None, RoleKind::Company) => p::keys_in_scope(PermissionScope::Company).collect(),
            (None, _) => p::CATALOGUE.iter().map(|p| p.key).collect(),
        }
    }
}

pub fn built_in(name: &str) -> Option<&'static BuiltInRole> {
    BUILT_IN_ROLES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_permissions_exist_and_fit_their_kind() {
        for role in BUILT_IN_ROLES {
            for key in role.permissions() {
                let info = p::find(key).unwrap_or_else(|| panic!("{key} not in catalogue"));
                if role.kind == RoleKind::Company {
                    assert_eq!(
                        info.scope,
                        PermissionScope::Company,
                        "{} has {key}",
                        role.name
                    );
                }
            }
        }
        let admin = built_in(COMPANY_ADMIN).expect("company admin");
        assert!(admin.permissions().contains(&p::API_KEYS_MANAGE));
        assert!(admin.permissions().contains(&p::AUDIT_LOG_VIEW));
        assert!(!admin.permissions().contains(&p::COMPANIES_EDIT));
        let member = built_in(COMPANY_MEMBER).expect("member");
        assert!(!member.permissions().contains(&p::EMPLOYEES_CREATE));
        assert!(!member.permissions().contains(&p::AUDIT_LOG_VIEW));
        assert_eq!(
            built_in(SUPER_ADMIN).map(|r| r.permissions().len()),
            Some(p::CATALOGUE.len())
        );
    }
}
