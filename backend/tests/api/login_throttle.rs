//! Password guessing: failed sign-ins are throttled per account and per client IP, the client IP
//! being resolved as for the API logs (`X-Forwarded-For` believed only from trusted proxies).
//! The throttle lives in the process, so one backend is enough.

use std::time::{Duration, Instant};

use backend::config::ServeArgs;
use serde_json::{Value, json};

use crate::helpers::*;

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";

async fn login_from(app: &TestApp, xff: Option<&str>, email: &str, password: &str) -> Value {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": LOGIN, "variables": { "e": email, "p": password } }));
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    req.send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

fn retry_after(body: &Value) -> u64 {
    body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfter: {body:#}"))
}

fn signed_in(body: &Value) -> bool {
    body["data"]["login"]["token"].is_string()
}

async fn spawn(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, configure).await
}

async fn with_app(configure: impl FnOnce(&mut ServeArgs), body: impl AsyncFnOnce(&TestApp)) {
    let app = spawn(configure).await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(&app))).await;
    app.stop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn trusted_local_proxy(c: &mut ServeArgs) {
    c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_ip_behind_a_trusted_proxy_is_throttled_alone() {
    with_app(
        |c| {
            trusted_local_proxy(c);
            c.login.login_max_failures_per_ip = 5;
        },
        async |app| {
            // The proxy (127.0.0.1, trusted) forwards for 198.51.100.7, who also forged an
            // entry on the left: the forged one is not believed.
            let attacker = "203.0.113.9, 198.51.100.7";
            for i in 0..5 {
                let body = login_from(app, Some(attacker), &format!("x{i}@nowhere"), "wrong").await;
                assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
            }
            // Even the right password is refused from that client now, with a retry time.
            let body = login_from(app, Some(attacker), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert_eq!(error_code(&body), "RATE_LIMITED", "{body:#}");
            assert!((1..=900).contains(&retry_after(&body)), "{body:#}");
            assert!(
                error_message(&body).contains("at most 5 per 15 minutes"),
                "{body:#}"
            );
            // A different forged left part does not get the attacker out.
            let body = login_from(app, Some("192.0.2.1, 198.51.100.7"), "y@nowhere", "x").await;
            assert_eq!(error_code(&body), "RATE_LIMITED", "{body:#}");
            // The address the attacker wrote is not framed: that client signs in fine, and so
            // does the proxy itself.
            let body = login_from(app, Some("203.0.113.9"), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert!(signed_in(&body), "{body:#}");
            let body = login_from(app, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert!(signed_in(&body), "{body:#}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    with_app(
        |c| c.login.login_max_failures_per_ip = 5,
        async |app| {
            // No trusted proxies: every request counts against the peer, whatever it claims.
            for i in 0..5 {
                let spoof = format!("203.0.113.{i}");
                let body = login_from(app, Some(&spoof), &format!("x{i}@nowhere"), "x").await;
                assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
            }
            let body = login_from(app, Some("203.0.113.77"), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert_eq!(error_code(&body), "RATE_LIMITED", "{body:#}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_account_stays_locked_until_the_window_ends() {
    const WINDOW: u64 = 4;
    with_app(
        |c| {
            c.login.login_max_failures_per_account = 3;
            c.login.login_failure_window_secs = WINDOW;
        },
        async |app| {
            let started = Instant::now();
            for _ in 0..3 {
                let body = login_from(app, None, ADMIN_EMAIL, "wrong password").await;
                assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
            }
            // The right password during the lock is refused too.
            let body = login_from(app, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert_eq!(error_code(&body), "RATE_LIMITED", "{body:#}");
            assert!(retry_after(&body) <= WINDOW, "{body:#}");
            assert!(
                error_message(&body).contains(&format!("at most 3 per {WINDOW} seconds")),
                "{body:#}"
            );
            // Once the window has passed, it works.
            let wait = Duration::from_millis(WINDOW * 1000 + 300).saturating_sub(started.elapsed());
            tokio::time::sleep(wait).await;
            let body = login_from(app, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert!(signed_in(&body), "{body:#}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_resets_the_accounts_count() {
    with_app(
        |c| c.login.login_max_failures_per_account = 3,
        async |app| {
            for _ in 0..2 {
                login_from(app, None, ADMIN_EMAIL, "wrong password").await;
            }
            assert!(signed_in(
                &login_from(app, None, ADMIN_EMAIL, ADMIN_PASSWORD).await
            ));
            // Two more failures: four in all, but only two since the success.
            for _ in 0..2 {
                let body = login_from(app, None, ADMIN_EMAIL, "wrong password").await;
                assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
            }
            let body = login_from(app, None, ADMIN_EMAIL, ADMIN_PASSWORD).await;
            assert!(signed_in(&body), "{body:#}");
        },
    )
    .await;
}
