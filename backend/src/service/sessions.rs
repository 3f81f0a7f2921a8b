//! Signing in: password check, throttling of guessing, session creation.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use time::OffsetDateTime;

use crate::auth::{Principal, password, session};
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::state::App;

/// Default failed logins allowed per account (e-mail) within the window.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 10;
/// Default failed logins allowed per client IP within the window.
pub const MAX_FAILURES_PER_IP: u32 = 100;
/// Default throttling window, in seconds.
pub const FAILURE_WINDOW_SECS: u64 = 15 * 60;

/// Limits of password guessing (`portcullis serve --help`).
#[derive(Debug, Clone, clap::Args)]
pub struct LoginThrottleArgs {
    /// Failed sign-ins allowed per e-mail address within the window; then every sign-in to it,
    /// even with the right password, is refused until the window (counted from the first
    /// failure) ends. A successful sign-in clears the address's count.
    #[arg(long, env = "PORTCULLIS_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = MAX_FAILURES_PER_ACCOUNT)]
    pub login_max_failures_per_account: u32,

    /// Failed sign-ins allowed per client IP (see `--trusted-proxies`) within the window, over
    /// all e-mail addresses.
    #[arg(long, env = "PORTCULLIS_LOGIN_MAX_FAILURES_PER_IP", default_value_t = MAX_FAILURES_PER_IP)]
    pub login_max_failures_per_ip: u32,

    /// The sign-in throttling window, in seconds.
    #[arg(
        long,
        env = "PORTCULLIS_LOGIN_FAILURE_WINDOW_SECS",
        default_value_t = FAILURE_WINDOW_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub login_failure_window_secs: u64,
}

impl Default for LoginThrottleArgs {
    fn default() -> Self {
        Self {
            login_max_failures_per_account: MAX_FAILURES_PER_ACCOUNT,
            login_max_failures_per_ip: MAX_FAILURES_PER_IP,
            login_failure_window_secs: FAILURE_WINDOW_SECS,
        }
    }
}

/// Failures of one key since its window started.
struct Window {
    started: Instant,
    count: AtomicU32,
}

/// Counts failed logins per account and per client IP, each in a fixed window that starts at its
/// first failure. In-process: per instance, which bounds guessing to N×instances per window.
pub struct LoginThrottle {
    failures: Cache<String, Arc<Window>>,
    window: Duration,
    max_per_account: u32,
    max_per_ip: u32,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(&LoginThrottleArgs::default())
    }
}

impl LoginThrottle {
    pub fn new(args: &LoginThrottleArgs) -> Self {
        let window = Duration::from_secs(args.login_failure_window_secs.max(1));
        Self {
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(window)
                .build(),
            window,
            max_per_account: args.login_max_failures_per_account,
            max_per_ip: args.login_max_failures_per_ip,
        }
    }

    fn keys(&self, email: &str, ip: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (format!("account:{email}"), self.max_per_account),
            (
                format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default()),
                self.max_per_ip,
            ),
        ]
    }

    fn check(&self, email: &str, ip: Option<IpAddr>) -> AppResult<()> {
        for (key, max) in self.keys(email, ip) {
            if let Some(w) = self.failures.get(&key)
                && w.count.load(Ordering::Relaxed) >= max
            {
                let left = self.window.saturating_sub(w.started.elapsed());
                let window = self.window.as_secs();
                let per = if window.is_multiple_of(60) {
                    format!("{} minutes", window / 60)
                } else {
                    format!("{window} seconds")
                };
                return Err(AppError::RateLimited {
                    message: format!(
                        "too many failed sign-ins: at most {max} per {per}; try again later"
                    ),
                    // Whole seconds, rounded up, at least 1.
                    retry_after: (left.as_millis().div_ceil(1000) as u64).max(1),
                });
            }
        }
        Ok(())
    }

    fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        for (key, _) in self.keys(email, ip) {
            self.failures
                .get_with(key, || {
                    Arc::new(Window {
                        started: Instant::now(),
                        count: AtomicU32::new(0),
                    })
                })
                .count
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn record_success(&self, email: &str) {
        self.failures.invalidate(&format!("account:{email}"));
    }
}

/// Signs a session out: its token stops working at once, and the audit log says who left when.
/// The revocation and its audit row commit together.
pub async fn logout(app: &App, p: &Principal, session_id: uuid::Uuid) -> AppResult<()> {
    let txn = app.db.begin().await?;
    session::revoke(&txn, session_id).await?;
    audit::record(
        &txn,
        audit::Actor::from(p),
        audit::Event::new("session.logout", "user", p.user.id)
            .tenant(p.user.company_id, p.user.reseller_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
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
        other => {
            app.login_throttle.record_failure(&email, ip);
            // Never the password: only the address tried, and the account when there is one.
            let mut event = audit::Event::new("session.login_failure", "user", "")
                .changes(serde_json::json!({ "email": email }));
            event.target_id = other.as_ref().map(|u| u.id.to_string());
            if let Some(u) = &other {
                event = event.tenant(u.company_id, u.reseller_id);
            }
            audit::record(&app.db, audit::Actor::anonymous(), event).await?;
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
    audit::record(
        &app.db,
        audit::Actor::from(&principal),
        audit::Event::new("session.login_success", "user", user.id)
            .tenant(user.company_id, user.reseller_id)
            .changes(serde_json::json!({ "expiresAt": audit::rfc3339(expires_at) })),
    )
    .await?;
    Ok((token, expires_at, principal))
}
