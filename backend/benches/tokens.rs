//! Credential verification cost (issue: "a criterion benchmark for parse+verify of each token
//! kind, cache hit and miss"). Run with `cargo bench -p backend --bench tokens`.
//!
//! - `token/parse_verify/*`: shape + checksum + SHA-256 + constant-time compare, no I/O.
//! - `pat_auth/cache_hit`: a personal token whose principal is cached (the hot path).
//! - `pat_auth/cache_miss`: the same token after the cache was dropped: one indexed read by
//!   public id plus the principal's reads, on a temporary SQLite database.

use std::hint::black_box;

use backend::auth::Principal;
use backend::auth::cache;
use backend::config::ServeArgs;
use backend::service::personal_tokens;
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

fn pat_auth(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let path = std::env::temp_dir().join(format!("pc_bench_{}.db", uuid::Uuid::now_v7().simple()));
    let (server, token) = rt.block_on(async {
        let mut config = ServeArgs::for_database(format!("sqlite://{}?mode=rwc", path.display()));
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
        let (token, _) = personal_tokens::create(&p, &server.state.app.db, "bench", None)
            .await
            .expect("token");
        (server, token)
    });
    let app = server.state.app.clone();
    let mut group = c.benchmark_group("pat_auth");
    group.bench_function("cache_hit", |b| {
        b.to_async(&rt).iter(|| async {
            let parsed = token::parse(&token).expect("parses");
            personal_tokens::authenticate(&app, &parsed)
                .await
                .expect("valid")
        })
    });
    group.bench_function("cache_miss", |b| {
        b.to_async(&rt).iter(|| async {
            cache::invalidate_all();
            let parsed = token::parse(&token).expect("parses");
            personal_tokens::authenticate(&app, &parsed)
                .await
                .expect("valid")
        })
    });
    group.finish();
    rt.block_on(async { server.stop().await.expect("stop") });
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

criterion_group!(benches, parse_verify, pat_auth);
criterion_main!(benches);
