//! The principal a request acts as: the user, their role's permissions, their tenant and their
//! visibility groups. Loaded fresh for each request, so a role change or a deactivation applies
//! at once to every session (and, later, every token) of the user. One statement
//! (`auth::one_read`), so a cold token costs one database read.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::auth::one_read::{self, Sql};
use crate::entity::{company, role, user};
use crate::error::{AppError, AppResult};
use crate::service::companies::CompanyView;

fn user_gone() -> AppError {
    AppError::Unauthenticated("the user no longer exists".into())
}

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
    /// Loads an active user's principal in one statement. A deactivated or missing user cannot
    /// act.
    pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Self> {
        Ok(Self::load_with_company(db, user_id).await?.0)
    }

    /// [`Principal::load`], with the user's company view when the user is a company user (one
    /// statement: see `auth::one_read`).
    pub async fn load_with_company(
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> AppResult<(Self, Option<CompanyView>)> {
        let sql = Sql::of(db);
        let stmt = sql.statement(
            format!(
                "SELECT {} FROM users u {} WHERE u.id = {}",
                Self::columns(&sql),
                Self::JOINS,
                sql.param(1)
            ),
            vec![user_id.into()],
        );
        let row = one_read::one(db, stmt).await?.ok_or_else(user_gone)?;
        Self::from_row(&row)
    }

    /// How a statement that has the user as `u` joins the rest of the principal (role `r`,
    /// company `co`, reseller `rs`), for [`Principal::columns`].
    pub(crate) const JOINS: &'static str = "LEFT JOIN roles r ON r.id = u.role_id \
         LEFT JOIN companies co ON co.id = u.company_id \
         LEFT JOIN resellers rs ON rs.id = co.reseller_id";

    /// The select list of a principal (with [`Principal::JOINS`]): the user without the
    /// password hash, the role, the company view, the role's permissions and the departments
    /// of the user's visibility groups. Read back with [`Principal::from_row`].
    pub(crate) fn columns(sql: &Sql) -> String {
        format!(
            "{}, {}, {}, {} AS p_permissions, {} AS p_groups",
            Sql::columns::<user::Entity>("u", "u_", &["password_hash"]),
            Sql::columns::<role::Entity>("r", "r_", &[]),
            sql.company_columns(),
            sql.json_array(
                "rp.permission",
                "role_permissions rp WHERE rp.role_id = u.role_id"
            ),
            sql.json_array(
                &sql.json_col("g.departments"),
                "user_visibility_groups ug JOIN visibility_groups g ON g.id = ug.group_id \
                 WHERE ug.user_id = u.id"
            ),
        )
    }

    /// The principal of a row read with [`Principal::columns`], with the same refusals as ever:
    /// a missing or deactivated user, a company user whose company is gone.
    pub(crate) fn from_row(row: &QueryResult) -> AppResult<(Self, Option<CompanyView>)> {
        let user = one_read::optional::<user::Model>(row, "u_")?.ok_or_else(user_gone)?;
        if !user.active {
            return Err(AppError::Unauthenticated("the user is deactivated".into()));
        }
        let user_id = user.id;
        let role = one_read::optional::<role::Model>(row, "r_")?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {user_id} has no role")))?;
        let permissions: BTreeSet<String> = one_read::json_text(row, "p_permissions")?;
        let company_row = one_read::optional::<company::Model>(row, "co_")?;
        let tenant = match (user.company_id, user.reseller_id) {
            (Some(company_id), _) => {
                let company = company_row.ok_or_else(user_gone)?;
                Tenant::Company {
                    company_id,
                    reseller_id: company.reseller_id,
                }
            }
            (None, Some(reseller_id)) => Tenant::Reseller { reseller_id },
            (None, None) => Tenant::Platform,
        };
        let company = match tenant {
            Tenant::Company { .. } => one_read::company_view(row)?,
            _ => None,
        };
        // Each group's departments as `visibility_groups::departments` reads them.
        let groups: Vec<serde_json::Value> = one_read::json_text(row, "p_groups")?;
        let departments = if groups.is_empty() {
            None
        } else {
            let all: BTreeSet<String> = groups
                .into_iter()
                .flat_map(|d| serde_json::from_value::<Vec<String>>(d).unwrap_or_default())
                .collect();
            Some(all.into_iter().collect())
        };
        Ok((
            Self {
                user,
                role,
                permissions,
                tenant,
                departments,
                session_id: None,
                personal_token_id: None,
            },
            company,
        ))
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
