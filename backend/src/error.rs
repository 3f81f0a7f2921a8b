//! The service layer's error type, and how it becomes a GraphQL error.
//!
//! Every domain function returns `AppResult<T>`; resolvers convert with `graphql::error::GqlError`. Each variant has a stable `code`
//! (`extensions.code` in GraphQL; later the `type` of a problem+json body), and a message meant
//! for the caller. Internal errors are logged with their cause and shown only as "internal error",
//! so database details never reach a client.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};
use shared::ValidationError;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; `field` names the input field.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// No, or no valid, credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or outside the caller's scope (the two are indistinguishable on purpose).
    #[error("{0} not found")]
    NotFound(String),
    /// The write would break a uniqueness rule or a reference.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// Too many attempts; retry after the given number of seconds.
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden_missing(permission: &str) -> Self {
        Self::Forbidden(format!("missing permission {permission}"))
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "VALIDATION",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Internal(_) if self.is_unavailable() => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Whether this is the database being unreachable (not a bug): the caller should retry
    /// later. REST answers 503 with `Retry-After`, GraphQL `UNAVAILABLE` with `retryAfter`.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Internal(cause) if crate::db::outage::caused_by_outage(cause))
    }
}

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        Self::Validation {
            field: e.field.to_string(),
            message: e.message,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        Self::Internal(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// Turns a unique-constraint violation into a `Conflict` with a helpful message, and anything
/// else into an internal error. Used right where a write can collide, so the message can name
/// the field.
pub fn on_unique_violation(err: DbErr, field: &str, message: impl Into<String>) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(Some(field), message),
        _ => AppError::from(err),
    }
}

impl AppError {
    /// The GraphQL form: message plus `extensions.code` (and `field`, `retryAfter` where known).
    pub fn into_graphql(self) -> async_graphql::Error {
        let e = self;
        if e.is_unavailable() {
            if let AppError::Internal(cause) = &e {
                tracing::warn!(error = %format!("{cause:#}"), "database unavailable");
            }
            return async_graphql::Error::new("the database is unavailable; retry later")
                .extend_with(|_, ext| {
                    ext.set("code", "UNAVAILABLE");
                    ext.set("retryAfter", crate::db::outage::RETRY_AFTER_SECS);
                });
        }
        if let AppError::Internal(cause) = &e {
            tracing::error!(error = ?cause, "internal error");
        }
        let code = e.code();
        let base = async_graphql::Error::new(e.to_string());
        match e {
            AppError::Validation { field, .. } => base.extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("field", field.clone());
            }),
            AppError::Conflict {
                field: Some(field), ..
            } => base.extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("field", field.clone());
            }),
            AppError::RateLimited { retry_after, .. } => base.extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("retryAfter", retry_after);
            }),
            _ => base.extend_with(|_, ext| ext.set("code", code)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = AppError::from(anyhow::anyhow!("password=hunter2 connection refused"));
        let gql = e.into_graphql();
        assert_eq!(gql.message, "internal error");
    }

    #[test]
    fn validation_carries_field_and_code() {
        let e = AppError::from(ValidationError::new("apiRateLimit", "too big"));
        let gql = e.into_graphql();
        let ext = gql.extensions.expect("extensions");
        assert_eq!(
            ext.get("code").map(|v| v.to_string()),
            Some("\"VALIDATION\"".into())
        );
        assert_eq!(
            ext.get("field").map(|v| v.to_string()),
            Some("\"apiRateLimit\"".into())
        );
    }
}
