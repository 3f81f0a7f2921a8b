use async_graphql::{ID, Object, SimpleObject};

use crate::service::roles::RoleView;

/// A named set of permissions.
pub struct Role(pub RoleView);

#[Object]
impl Role {
    async fn id(&self) -> ID {
        ID(self.0.role.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.role.name
    }
    /// Built-in roles are shared by every tenant and cannot be changed.
    async fn built_in(&self) -> bool {
        self.0.role.built_in
    }
    /// `platform`, `reseller` or `company`: the kind of user the role is for.
    async fn kind(&self) -> &str {
        &self.0.role.kind
    }
    /// The company a custom role belongs to; null for built-in roles.
    async fn company_id(&self) -> Option<ID> {
        self.0.role.company_id.map(|c| ID(c.to_string()))
    }
    async fn permissions(&self) -> &[String] {
        &self.0.permissions
    }
}

/// An entry of the permission catalogue.
#[derive(SimpleObject)]
pub struct Permission {
    pub key: String,
    pub description: String,
    /// `hub` (resellers and companies from above) or `company` (inside one company).
    pub scope: String,
}

impl From<&shared::permissions::PermissionInfo> for Permission {
    fn from(p: &shared::permissions::PermissionInfo) -> Self {
        Self {
            key: p.key.into(),
            description: p.description.into(),
            scope: match p.scope {
                shared::permissions::PermissionScope::Hub => "hub".into(),
                shared::permissions::PermissionScope::Company => "company".into(),
            },
        }
    }
}
