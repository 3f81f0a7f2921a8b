//! The admin SPA at `/` (SPEC §6): files from `--spa-dir`, client-side routes answered with
//! `index.html`, long-lived caching only for content-hashed assets, API paths never swallowed,
//! and a clear message when the app has not been built.

use reqwest::StatusCode;

use crate::helpers::*;

const INDEX: &str = "<!DOCTYPE html><title>Portcullis test app</title>\
    <script type=\"module\">import init from '/frontend-0123456789abcdef.js'; await init();</script>";
const HASHED_WASM: &str = "frontend-0123456789abcdef_bg.wasm";

/// A fake built app in a temporary folder: index.html, a hashed asset, an unhashed file.
fn fake_dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pc_spa_{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("index.html"), INDEX).expect("write index");
    std::fs::write(dir.join(HASHED_WASM), b"\0asm\x01\0\0\0").expect("write wasm");
    std::fs::write(dir.join("robots.txt"), "User-agent: *\n").expect("write robots");
    dir
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("request")
}

fn cache_control(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn serves_the_built_app(backend: Backend) {
    let dist = fake_dist();
    let dir = dist.clone();
    let app = TestApp::spawn_with(backend, move |c| c.spa_dir = dir).await;

    // The app itself, and a client-side route, both get index.html, revalidated each time.
    for path in [
        "/",
        "/companies/0190c0de-0000-7000-8000-000000000000/edit",
        "/login",
    ] {
        let resp = get(&app, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&resp), "no-cache", "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html"),
            "{path}"
        );
        // Security headers: a strict CSP that allows exactly the page's inline loader.
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_string();
        let loader_hash = backend::spa_headers::inline_script_hashes(INDEX);
        assert_eq!(loader_hash.len(), 1);
        assert!(csp.contains(&loader_hash[0]), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .expect("script-src");
        assert!(!script_src.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(resp.headers()["x-frame-options"], "DENY", "{path}");
        assert_eq!(resp.headers()["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(resp.text().await.expect("body"), INDEX, "{path}");
    }

    // A revalidation (304, no Content-Type) keeps the page's CSP: the browser applies the
    // 304's headers to the cached page, so a CSP without the loader's hash would break a reload.
    let first = get(&app, "/login").await;
    let last_modified = first.headers()["last-modified"].clone();
    let revalidated = app
        .client
        .get(app.url("/login"))
        .header("if-modified-since", last_modified)
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    let loader_hash = &backend::spa_headers::inline_script_hashes(INDEX)[0];
    assert!(
        revalidated.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains(loader_hash.as_str()),
        "a 304 must carry the page's CSP"
    );

    // A hashed asset: the right type, cached for a year.
    let resp = get(&app, &format!("/{HASHED_WASM}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/wasm");
    assert_eq!(cache_control(&resp), "public, max-age=31536000, immutable");

    // An unhashed file is revalidated; a missing file is a 404, not the app's HTML.
    let resp = get(&app, "/robots.txt").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(cache_control(&resp), "no-cache");
    let resp = get(&app, "/frontend-ffffffffffffffff.js").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // The server's own paths are never answered with the app.
    for path in [
        "/api/nope",
        "/graphql/nope",
        "/oauth/nope",
        "/.well-known/nope",
    ] {
        let resp = get(&app, path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert_ne!(resp.text().await.expect("body"), INDEX, "{path}");
    }
    // The REST API keeps its own problem+json 404, and the API itself still works.
    let resp = get(&app, "/api/v1/nope").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/problem+json")
    );
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);

    // Writes to a client route are not pages.
    let resp = app
        .client
        .post(app.url("/companies"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);

    app.stop().await;
    std::fs::remove_dir_all(dist).ok();
}

async fn says_how_to_build_when_missing(backend: Backend) {
    let missing = std::env::temp_dir().join(format!("pc_spa_missing_{}", uuid::Uuid::now_v7()));
    let dir = missing.clone();
    let app = TestApp::spawn_with(backend, move |c| c.spa_dir = dir).await;
    let resp = get(&app, "/").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = resp.text().await.expect("body");
    assert!(body.contains("not built"), "{body}");
    assert!(body.contains("build-frontend.sh"), "{body}");
    assert!(body.contains(&missing.display().to_string()), "{body}");
    // The API is unaffected.
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
    app.stop().await;
}

// Serving files does not touch the database: SQLite is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_built_app_sqlite() {
    serves_the_built_app(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn says_how_to_build_when_missing_sqlite() {
    says_how_to_build_when_missing(Backend::Sqlite).await;
}
