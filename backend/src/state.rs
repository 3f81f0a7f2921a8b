//! Shared application state: handed to every handler (axum) and resolver (async-graphql).

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::cache::{EpochCache, PrincipalCache};
use crate::auth::last_used::LastUsed;
use crate::auth::session::SessionKeys;
use crate::cluster::Invalidator;
use crate::config::ServeArgs;
use crate::graphql::PortcullisSchema;
use crate::logs::Capture;
use crate::metrics::Metrics;
use crate::oauth::OAuthKeys;
use crate::ratelimit::Limiter;
use crate::service::api_keys::ApiKeyView;
use crate::service::companies::CompanyView;
use crate::service::sessions::LoginThrottle;

/// What every request needs. Not `Debug`: it holds signing keys.
pub struct App {
    pub db: DatabaseConnection,
    pub config: ServeArgs,
    pub session_keys: SessionKeys,
    /// Signs and verifies OAuth access tokens (Partner API credentials).
    pub oauth_keys: OAuthKeys,
    pub login_throttle: LoginThrottle,
    pub last_used: LastUsed,
    pub principals: PrincipalCache,
    /// Verified API keys (see `auth::cache`).
    pub api_keys: EpochCache<ApiKeyView>,
    /// Companies as the REST guards read them, by id (see `rest::guard::load_company`).
    pub companies: EpochCache<CompanyView>,
    /// Per-company API rate limits (in-process, or shared through Redis).
    pub limiter: Limiter,
    /// The epoch of the caches above, and its link to the other instances (see `cluster`).
    pub invalidator: Invalidator,
    /// This instance's Prometheus registry (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// The request-log capture layer's settings and queue (see `logs`).
    pub api_logs: Arc<Capture>,
}

impl App {
    /// The key of a company's view in `companies`.
    pub fn company_key(company_id: uuid::Uuid) -> String {
        company_id.to_string()
    }

    /// Caches a company view read with a credential's cold verification (`auth::one_read`), so
    /// the REST guard's `load_company` that follows reads nothing. `epoch` must have been read
    /// before the statement that produced the view, as for every epoch-cached entry.
    pub fn remember_company(&self, epoch: u64, view: CompanyView) {
        let key = Self::company_key(view.company.id);
        self.companies.insert(key, epoch, Arc::new(view), None);
    }

    pub fn session_ttl(&self) -> time::Duration {
        time::Duration::seconds(self.config.session_ttl_secs.min(i64::MAX as u64) as i64)
    }
}

/// The router's state: the app, and the GraphQL schema built on it.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub schema: PortcullisSchema,
}
