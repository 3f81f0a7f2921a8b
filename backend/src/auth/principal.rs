//! The principal a request acts as: the user, their role's permissions, their tenant and their
//! visibility groups. Loaded fresh for each request, so a role change or a deactivation applies
//! at once to every session (and, later, every token) of the user.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::{company, role, role_permission, user};
use crate::error::{AppError, AppResult};
use crate::service::visibility_groups;

/// Where a principal sits in the platform → reseller → company hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenant {
    Platform,
    Reseller { reseller_id: Uuid },
    Company { company_id: Uuid, reseller_id: Uuid },
}

#[derive(Debug, Clone)]
pub struct Principal {
    /// The user, without the password hash.
    pub user: user::Model,
    pub role: role::Model,
    pub permissions: BTreeSet<String>,
    pub tenant: Tenant,
    /// Departments the user is limited to by visibility groups; `None` = no limit.
    pub departments: Option<Vec<String>>,
    /// The admin session this request came with, if any.
    pub session_id: Option<Uuid>,
    /// The personal access token this request came with, if any.
    pub personal_token_id: Option<Uuid>,
}

impl Principal {
    /// Loads an active user's principal. A deactivated or missing user cannot act.
    pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Self> {
        let unauthenticated = || AppError::Unauthenticated("the user no longer exists".into());
        let mut user = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .ok_or_else(unauthenticated)?;
        if !user.active {
            return Err(AppError::Unauthenticated("the user is deactivated".into()));
        }
        user.password_hash = None;
        let role = role::Entity::find_by_id(user.role_id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {user_id} has no role")))?;
        let permissions = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.eq(role.id))
            .all(db)
            .await?
            .into_iter()
            .map(|rp| rp.permission)
            .collect();
        let tenant = match (user.company_id, user.reseller_id) {
            (Some(company_id), _) => {
                let company = company::Entity::find_by_id(company_id)
                    .one(db)
                    .await?
                    .ok_or_else(unauthenticated)?;
                Tenant::Company {
                    company_id,
                    reseller_id: company.reseller_id,
                }
            }
            (None, Some(reseller_id)) => Tenant::Reseller { reseller_id },
            (None, None) => Tenant::Platform,
        };
        let departments = Self::departments_of(db, user_id).await?;
        Ok(Self {
            user,
            role,
            permissions,
            tenant,
            departments,
            session_id: None,
            personal_token_id: None,
        })
    }

    /// The union of the user's groups' departments; `None` when the user is in no group.
    async fn departments_of(
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> AppResult<Option<Vec<String>>> {
        let groups = visibility_groups::of_user(db, user_id).await?;
        if groups.is_empty() {
            return Ok(None);
        }
        let departments: BTreeSet<String> = groups
            .iter()
            .flat_map(visibility_groups::departments)
            .collect();
        Ok(Some(departments.into_iter().collect()))
    }

    pub fn has(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    /// Fails with FORBIDDEN naming the missing permission.
    pub fn require(&self, permission: &str) -> AppResult<()> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden_missing(permission))
        }
    }

    pub fn is_platform(&self) -> bool {
        self.tenant == Tenant::Platform
    }

    /// Whether the principal may see this reseller at all (company users see none).
    pub fn can_see_reseller(&self, reseller_id: Uuid) -> bool {
        match self.tenant {
            Tenant::Platform => true,
            Tenant::Reseller { reseller_id: r } => r == reseller_id,
            Tenant::Company { .. } => false,
        }
    }

    /// Whether the principal may see this company.
    pub fn can_see_company(&self, company_id: Uuid, reseller_id: Uuid) -> bool {
        match self.tenant {
            Tenant::Platform => true,
            Tenant::Reseller { reseller_id: r } => r == reseller_id,
            Tenant::Company { company_id: c, .. } => c == company_id,
        }
    }

    /// The reseller filter for lists: `Some(id)` when the principal is limited to one reseller.
    pub fn reseller_filter(&self) -> Option<Uuid> {
        match self.tenant {
            Tenant::Platform => None,
            Tenant::Reseller { reseller_id } | Tenant::Company { reseller_id, .. } => {
                Some(reseller_id)
            }
        }
    }

    /// The company filter for lists: `Some(id)` when the principal is limited to one company.
    pub fn company_filter(&self) -> Option<Uuid> {
        match self.tenant {
            Tenant::Company { company_id, .. } => Some(company_id),
            _ => None,
        }
    }
}
