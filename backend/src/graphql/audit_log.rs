//! The audit log (issue 10): `auditLogs`, who changed which credential or setting, when.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::GqlResult;
use crate::graphql::pagination::{CountedConnection, connection};
use crate::service::audit::{self, AuditFilter, AuditView};

/// Filters of the audit log. The range is `[from, to)` at whole seconds; no range means all time.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub company_id: Option<ID>,
    /// The acting user.
    pub actor_id: Option<ID>,
    /// Exact action, e.g. `api_key.create`.
    pub action: Option<String>,
    /// Exact target type, e.g. `api_key`.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

impl AuditLogFilter {
    fn into_service(self) -> Result<AuditFilter, AppError> {
        let id = |field: &'static str, v: Option<ID>| {
            v.map(|v| {
                uuid::Uuid::parse_str(v.as_str()).map_err(|_| {
                    AppError::validation(field, format!("{field} '{}' is not a valid id", *v))
                })
            })
            .transpose()
        };
        Ok(AuditFilter {
            from: self.from,
            to: self.to,
            company_id: id("companyId", self.company_id)?,
            actor_id: id("actorId", self.actor_id)?,
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
        })
    }
}

/// Who made a change.
#[derive(SimpleObject)]
pub struct AuditLogActor {
    pub id: ID,
    /// The e-mail at the time of the change.
    pub email: Option<String>,
}

/// The company a change belongs to.
#[derive(SimpleObject)]
pub struct AuditLogCompany {
    pub id: ID,
    /// Null when the company no longer exists.
    pub name: Option<String>,
}

/// The reseller a change belongs to.
#[derive(SimpleObject)]
pub struct AuditLogReseller {
    pub id: ID,
}

/// One credential or settings change.
pub struct AuditLog(AuditView);

#[Object]
impl AuditLog {
    async fn id(&self) -> ID {
        ID(self.0.entry.id.to_string())
    }
    async fn time(&self) -> OffsetDateTime {
        self.0.entry.time
    }
    /// `api_key.create`, `user.update`, `session.login_failure`, …
    async fn action(&self) -> &str {
        &self.0.entry.action
    }
    /// The acting user; null for an anonymous attempt (a failed sign-in).
    async fn actor(&self) -> Option<AuditLogActor> {
        self.0.entry.actor_user_id.map(|id| AuditLogActor {
            id: ID(id.to_string()),
            email: self.0.entry.actor_email.clone(),
        })
    }
    /// How the actor authenticated: `session`, `personal_access_token`, `api_credential` (a Partner
    /// API client revoking its own token) or `anonymous`.
    async fn actor_kind(&self) -> &str {
        &self.0.entry.actor_kind
    }
    /// The machine credential that acted (a personal access token or a Partner API credential), if
    /// any.
    async fn credential_id(&self) -> Option<ID> {
        self.0.entry.credential_id.map(|id| ID(id.to_string()))
    }
    async fn company(&self) -> Option<AuditLogCompany> {
        self.0.entry.company_id.map(|id| AuditLogCompany {
            id: ID(id.to_string()),
            name: self.0.company_name.clone(),
        })
    }
    async fn reseller(&self) -> Option<AuditLogReseller> {
        self.0.entry.reseller_id.map(|id| AuditLogReseller {
            id: ID(id.to_string()),
        })
    }
    /// `api_key`, `user`, `company`, …
    async fn target_type(&self) -> &str {
        &self.0.entry.target_type
    }
    async fn target_id(&self) -> Option<&str> {
        self.0.entry.target_id.as_deref()
    }
    /// Before/after of the changed fields (`{"name": {"before": …, "after": …}}`), or what was
    /// created. Never a secret: credentials appear masked.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(self.0.entry.changes.clone())
    }
    /// The client's address (behind `--trusted-proxies`, from `X-Forwarded-For`).
    async fn ip(&self) -> Option<&str> {
        self.0.entry.ip.as_deref()
    }
}

#[derive(Default)]
pub struct AuditLogQuery;

#[Object]
impl AuditLogQuery {
    /// Credential and settings changes in the caller's scope, newest first (permission
    /// `audit_log.view`). `first` is 1..=200, default 50.
    async fn audit_logs(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<CountedConnection<AuditLog>> {
        let p = ctx.principal()?;
        let filter = filter.unwrap_or_default().into_service()?;
        let page = audit::list(p, &ctx.app().db, &filter, first, after.as_deref()).await?;
        Ok(connection(page, AuditLog))
    }
}
