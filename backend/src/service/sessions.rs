//! Signing in: password check, throttling of guessing, session creation.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use moka::sync::Cache;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::auth::{Principal, password, session};
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::state::App;

/// Failed logins allowed per account within the window before it is locked for the window.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 10;
/// Failed logins allowed per client IP within the window.
pub const MAX_FAILURES_PER_IP: u32 = 100;
/// The throttling window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins per account and per IP, forgetting them after the window. In-process:
/// per instance, which bounds guessing to N×instances per window; good enough until issue #10
/// moves it to the shared limiter.
pub struct LoginThrottle {
    failures: Cache<String, Arc<AtomicU32>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(FAILURE_WINDOW)
                .build(),
        }
    }
}

impl LoginThrottle {
    fn keys(email: &str, ip: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (format!("account:{email}"), MAX_FAILURES_PER_ACCOUNT),
            (
                format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default()),
                MAX_FAILURES_PER_IP,
            ),
        ]
    }

    fn check(&self, email: &str, ip: Option<IpAddr>) -> AppResult<()> {
        for (key, max) in Self::keys(email, ip) {
            if let Some(n) = self.failures.get(&key)
                && n.load(Ordering::Relaxed) >= max
            {
                return Err(AppError::RateLimited {
                    message: format!(
                        "too many failed sign-ins: at most {max} per {} minutes; try again later",
                        FAILURE_WINDOW.as_secs() / 60
                    ),
                    retry_after: FAILURE_WINDOW.as_secs(),
                });
            }
        }
        Ok(())
    }

    fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        for (key, _) in Self::keys(email, ip) {
            self.failures
                .get_with(key, || Arc::new(AtomicU32::new(0)))
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn record_success(&self, email: &str) {
        self.failures.invalidate(&format!("account:{email}"));
    }
}

/// Verifies the credentials and starts a session. Unknown e-mail, wrong password and deactivated
/// user all answer the same, after the same work.
pub async fn login(
    app: &App,
    email: &str,
    password: String,
    ip: Option<IpAddr>,
) -> AppResult<(String, OffsetDateTime, Principal)> {
    let email = email.trim().to_lowercase();
    app.login_throttle.check(&email, ip)?;
    if password.chars().count() > shared::limits::PASSWORD_MAX_CHARS {
        return Err(AppError::validation(
            "password",
            format!(
                "password is too long: at most {} characters",
                shared::limits::PASSWORD_MAX_CHARS
            ),
        ));
    }
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email.clone()))
        .one(&app.db)
        .await?;
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(password, stored).await?;
    let user = match found {
        Some(u) if ok && u.active => u,
        _ => {
            app.login_throttle.record_failure(&email, ip);
            return Err(AppError::Unauthenticated(
                "invalid email or password".into(),
            ));
        }
    };
    app.login_throttle.record_success(&email);
    // Fails for a user whose company vanished or whose role is broken: better now than later.
    let mut principal = Principal::load(&app.db, user.id).await?;
    let (token, expires_at) =
        session::create(&app.db, &app.session_keys, user.id, app.session_ttl()).await?;
    user::Entity::update(user::ActiveModel {
        id: Set(user.id),
        last_login_at: Set(Some(OffsetDateTime::now_utc())),
        ..Default::default()
    })
    .exec(&app.db)
    .await?;
    principal.user.last_login_at = Some(OffsetDateTime::now_utc());
    Ok((token, expires_at, principal))
}
