//! Credential verification cost (issue: "a criterion benchmark for parse+verify of each token
//! kind, cache hit and miss"). Run with `cargo bench -p backend --bench tokens`.
//!
//! - `token/parse_verify/*`: shape + checksum + SHA-256 + constant-time compare, no I/O.
//! - `pat_auth/cache_hit`: a personal token whose principal is cached (the hot path).
//! - `api_key_auth/*`, `oauth_verify/*`: the same for API keys and OAuth access tokens.
//! - `pat_auth/cache_miss`: the same token after the cache was dropped: one indexed read by
//!   public id plus the principal's reads, on a temporary SQLite database.
//! - `oauth_verify/cache_hit`: an OAuth access token (JWT) verified before: SHA-256 of the JWT
//!   and a cache lookup, no signature check, no database read.
//! - `oauth_verify/cache_miss`: the same token after the cache was dropped: header, Ed25519
//!   signature and claims, then the credential, revoked-`jti` and role reads.

use std::hint::black_box;

use backend::auth::Principal;
use backend::config::ServeArgs;
use backend::service::{api_credentials, api_keys, companies, personal_tokens, resellers};
use backend::token::{self, TokenKind};
use criterion::{Criterion, criterion_group, criterion_main};
use sea_orm::EntityTrait;

fn parse_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("token/parse_verify");
    for kind in TokenKind::ALL {
        let minted = token::mint(kind).expect("mint");
        let full = minted.expose().to_string();
        let hash = minted.hash.clone();
        group.bench_function(kind.prefix(), |b| {
            b.iter(|| {
                let parsed = token::parse(black_box(&full)).expect("parses");
                assert!(parsed.matches(black_box(&hash)));
            })
        });
    }
    group.finish();
    c.bench_function("token/mint", |b| {
        b.iter(|| token::mint(TokenKind::PersonalAccessToken).expect("mint"))
    });
}

/// A running server on a temporary SQLite database, and a super admin's principal.
struct Bench {
    rt: tokio::runtime::Runtime,
    path: std::path::PathBuf,
    server: backend::server::RunningServer,
    admin: Principal,
}

impl Bench {
    fn start() -> Self {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let path =
            std::env::temp_dir().join(format!("pc_bench_{}.db", uuid::Uuid::now_v7().simple()));
        let (server, admin) = rt.block_on(async {
            let mut config =
                ServeArgs::for_database(format!("sqlite://{}?mode=rwc", path.display()));
            config.admin_password = Some("bench-admin-password".into());
            let server = backend::server::start(config, std::future::pending())
                .await
                .expect("server");
            let admin = backend::entity::user::Entity::find()
                .one(&server.state.app.db)
                .await
                .expect("query")
                .expect("admin");
            let p = Principal::load(&server.state.app.db, admin.id)
                .await
                .expect("principal");
            (server, p)
        });
        Self {
            rt,
            path,
            server,
            admin,
        }
    }

    fn stop(self) {
        self.rt
            .block_on(async { self.server.stop().await.expect("stop") });
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn pat_auth(c: &mut Criterion) {
    let bench = Bench::start();
    let app = bench.server.state.app.clone();
    let token = bench.rt.block_on(async {
        let (token, _) = personal_tokens::create(&bench.admin, &app.db, "bench", None)
            .await
            .expect("token");
        token
    });
    let mut group = c.benchmark_group("pat_auth");
    group.bench_function("cache_hit", |b| {
        b.to_async(&bench.rt).iter(|| async {
            let parsed = token::parse(&token).expect("parses");
            personal_tokens::authenticate(&app, &parsed)
                .await
                .expect("valid")
        })
    });
    group.bench_function("cache_miss", |b| {
        b.to_async(&bench.rt).iter(|| async {
            app.invalidator.invalidate();
            let parsed = token::parse(&token).expect("parses");
            personal_tokens::authenticate(&app, &parsed)
                .await
                .expect("valid")
        })
    });
    group.finish();
    drop(app);
    bench.stop();
}

fn api_key_auth(c: &mut Criterion) {
    let bench = Bench::start();
    let app = bench.server.state.app.clone();
    let key = bench.rt.block_on(async {
        let reseller = resellers::create(&bench.admin, &app.db, "Key reseller", None)
            .await
            .expect("reseller");
        let company = companies::create(&bench.admin, &app.db, reseller.reseller.id, "Keys")
            .await
            .expect("company");
        let grants = [shared::api::ApiGrant {
            endpoint: shared::api::ApiEndpoint::Employees,
            actions: vec![shared::api::ApiAction::Read],
            fields: None,
        }];
        let (key, _) =
            api_keys::create(&bench.admin, &app.db, company.company.id, "bench", &grants)
                .await
                .expect("key");
        key
    });
    let mut group = c.benchmark_group("api_key_auth");
    group.bench_function("cache_hit", |b| {
        b.to_async(&bench.rt).iter(|| async {
            let parsed = token::parse(&key).expect("parses");
            api_keys::authenticate(&app, &parsed).await.expect("valid")
        })
    });
    group.bench_function("cache_miss", |b| {
        b.to_async(&bench.rt).iter(|| async {
            app.invalidator.invalidate();
            let parsed = token::parse(&key).expect("parses");
            api_keys::authenticate(&app, &parsed).await.expect("valid")
        })
    });
    group.finish();
    drop(app);
    bench.stop();
}

fn oauth_verify(c: &mut Criterion) {
    let bench = Bench::start();
    let app = bench.server.state.app.clone();
    // A credential made through the service layer, and a token minted as `/oauth/token` does.
    let jwt = bench.rt.block_on(async {
        let reseller = resellers::create(&bench.admin, &app.db, "Bench reseller", None)
            .await
            .expect("reseller");
        let company = companies::create(&bench.admin, &app.db, reseller.reseller.id, "Bench")
            .await
            .expect("company");
        let cred = api_credentials::create(&app, &bench.admin, company.company.id, "bench", None)
            .await
            .expect("credential");
        let (jwt, _) = backend::oauth::client_credentials_grant(
            &app,
            &cred.client_id,
            &cred.client_secret,
            None,
        )
        .await
        .expect("token");
        jwt
    });
    let mut group = c.benchmark_group("oauth_verify");
    group.bench_function("cache_hit", |b| {
        b.to_async(&bench.rt).iter(|| async {
            backend::oauth::verify_access_token(&app, black_box(&jwt))
                .await
                .expect("valid")
        })
    });
    group.bench_function("cache_miss", |b| {
        b.to_async(&bench.rt).iter(|| async {
            app.invalidator.invalidate();
            backend::oauth::verify_access_token(&app, black_box(&jwt))
                .await
                .expect("valid")
        })
    });
    group.finish();
    drop(app);
    bench.stop();
}

criterion_group!(benches, parse_verify, pat_auth, api_key_auth, oauth_verify);
criterion_main!(benches);
