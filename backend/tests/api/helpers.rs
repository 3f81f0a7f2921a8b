//! `TestApp`: a running server with typed helpers, one per test.
// Not every helper is used by every test file set; unused ones are not errors.
#![allow(dead_code)]

use std::net::SocketAddr;

use backend::config::ServeArgs;
use backend::server::{self, RunningServer};
use futures::FutureExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@portcullis.local";
pub const ADMIN_PASSWORD: &str = "test-admin-password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where PostgreSQL is; each test creates its own database there and drops it afterwards.
fn pg_base() -> String {
    std::env::var("PORTCULLIS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    server: Option<RunningServer>,
    db: TestDb,
    config: ServeArgs,
}

/// Runs a test body against a fresh app on the given backend, and cleans up even if it panics.
pub async fn run(backend: Backend, body: impl AsyncFnOnce(&TestApp)) {
    let app = TestApp::spawn(backend).await;
    let outcome = std::panic::AssertUnwindSafe(body(&app))
        .catch_unwind()
        .await;
    app.stop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Declares one test per backend for `async fn $name(app: &TestApp)`.
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name).await;
            }
        }
    };
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with a chance to change the configuration first (e.g. `redis_url`).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let name = format!("pc_test_{}", uuid::Uuid::now_v7().simple());
        let (url, db) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    TestDb::Sqlite(path),
                )
            }
            Backend::Postgres => {
                let admin = Database::connect(format!("{}/postgres", pg_base()))
                    .await
                    .expect("PostgreSQL must be running (PORTCULLIS_TEST_PG_URL)");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (format!("{}/{name}", pg_base()), TestDb::Postgres(name))
            }
        };
        let mut config = ServeArgs::for_database(url);
        config.admin_email = ADMIN_EMAIL.into();
        config.admin_password = Some(ADMIN_PASSWORD.into());
        configure(&mut config);
        let server = server::start(config.clone(), std::future::pending())
            .await
            .expect("server starts");
        Self {
            addr: server.addr,
            backend,
            client: reqwest::Client::new(),
            server: Some(server),
            db,
            config,
        }
    }

    /// Starts another instance on the same database and configuration (a second server behind
    /// the same load balancer). The caller stops it before the test ends.
    pub async fn second_instance(&self) -> RunningServer {
        server::start(self.config.clone(), std::future::pending())
            .await
            .expect("second instance starts")
    }

    /// The running server's state (database handle and configuration), for direct checks.
    pub fn state(&self) -> &backend::state::AppState {
        &self.server.as_ref().expect("running").state
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server (gracefully) but keeps its database, e.g. to check what shutdown wrote.
    pub async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
    }

    /// The database URL the server uses.
    pub fn database_url(&self) -> &str {
        &self.config.database.database_url
    }

    /// Stops the server and deletes its database.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
        match &self.db {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            TestDb::Postgres(name) => {
                if let Ok(admin) = Database::connect(format!("{}/postgres", pg_base())).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            }
        }
    }

    /// Sends a GraphQL request and returns the whole JSON response (`data` and `errors`).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        assert!(
            resp.status().is_success(),
            "GraphQL HTTP status {}",
            resp.status()
        );
        resp.json().await.expect("json body")
    }

    /// Like `gql`, but asserts there are no errors and returns `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Signs in and returns the session token; panics on failure.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .gql_ok(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        data["login"]["token"]
            .as_str()
            .expect("token string")
            .to_string()
    }

    /// A session of the bootstrap super admin.
    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }
}

/// The first error's `extensions.code`, or panics when there is no error.
pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {body:#}"))
        .to_string()
}

/// The first error's message.
pub fn error_message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {body:#}"))
        .to_string()
}
