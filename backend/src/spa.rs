//! The admin SPA (SPEC §6), served by the same binary at `/`.
//!
//! Trunk builds the app into one folder (`--spa-dir`, default `frontend/dist`): an `index.html`
//! and assets whose names carry a content hash (`frontend-0123456789abcdef_bg.wasm`). This module
//! is the router's fallback, so it only sees requests no API route matched:
//!
//! - paths under the server's own prefixes (`/api`, `/graphql`, `/oauth`, ...) are a plain 404,
//!   never the app's HTML, so a mistyped API call does not answer 200 with a web page;
//! - a file that exists is served; a hashed asset with `Cache-Control: immutable` for a year
//!   (its name changes when its content does), anything else with `no-cache` (revalidated, so a
//!   new deployment is picked up at once);
//! - a missing path that looks like a file (its last segment has a dot) is a 404;
//! - any other path is a client-side route: the app's `index.html`, `no-cache`;
//! - without a built app (`index.html` missing) every page answers 503 with how to build it,
//!   while the API keeps working.

use std::path::Path;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::{spa_headers, state::AppState};

/// Path prefixes that belong to the server, not to the app's client-side router.
const SERVER_PREFIXES: &[&str] = &[
    "/api",
    "/graphql",
    "/oauth",
    "/metrics",
    "/healthz",
    "/readyz",
    "/.well-known",
];

/// For assets whose name carries their content hash: a changed file gets a new name.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For `index.html` and unhashed files: always revalidate, so a deployment shows at once.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// The router's fallback: see the module documentation.
pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if is_server_path(&path) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let dir = state.app.config.spa_dir.as_path();
    let index = dir.join("index.html");
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        return not_built(dir);
    }

    let last_segment = path.rsplit('/').next().unwrap_or_default();
    let looks_like_file = last_segment.contains('.');
    let result = if looks_like_file {
        ServeDir::new(dir).oneshot(request).await
    } else {
        ServeDir::new(dir)
            .fallback(ServeFile::new(&index))
            .oneshot(request)
            .await
    };
    // ServeDir's error type is `Infallible`: IO errors already are 500 responses.
    let mut response = match result {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    let cache = if response.status().is_success() && is_hashed_asset(last_segment) {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Decided by the path, not the answer's Content-Type: a revalidation's 304 has no type, and
    // the browser takes the 304's headers (this CSP too) for the cached page.
    let is_html = !looks_like_file || last_segment.ends_with(".html");
    // The only HTML page of the app is index.html (also every client-side route's answer).
    let html = if is_html {
        tokio::fs::read_to_string(&index).await.ok()
    } else {
        None
    };
    spa_headers::apply(response.headers_mut(), html.as_deref());
    response
}

/// Whether a path belongs to the server (exactly a prefix, or below it).
fn is_server_path(path: &str) -> bool {
    SERVER_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Whether a file name carries Trunk's content hash: `<stem>-<16 hex digits>[_bg].<ext>`.
pub fn is_hashed_asset(file_name: &str) -> bool {
    let Some((stem, _ext)) = file_name.split_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The answer when the app has not been built: says where it was looked for and how to build it.
fn not_built(dir: &Path) -> Response {
    let body = format!(
        "The Portcullis admin app is not built: no index.html in {}.\n\
         Build it with ./scripts/build-frontend.sh (./scripts/run.sh does it for you), or point \
         --spa-dir / PORTCULLIS_SPA_DIR at a built app. The API (/graphql, /api/v1) works \
         regardless.\n",
        dir.display()
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_REVALIDATE),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("frontend-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("frontend-0123456789abcdef.js"));
        assert!(is_hashed_asset("style-fedcba9876543210.css"));
        assert!(!is_hashed_asset("index.html"));
        assert!(!is_hashed_asset("logo.svg"));
        assert!(!is_hashed_asset("style-nothex!nothex!.css"));
        assert!(!is_hashed_asset("frontend-0123.js"));
        assert!(!is_hashed_asset("companies"));
    }

    #[test]
    fn server_prefixes_match_whole_segments() {
        assert!(is_server_path("/api"));
        assert!(is_server_path("/api/v1/nope"));
        assert!(is_server_path("/graphql/x"));
        assert!(is_server_path("/.well-known/other"));
        assert!(!is_server_path("/apis"));
        assert!(!is_server_path("/companies/1"));
        assert!(!is_server_path("/"));
    }
}
