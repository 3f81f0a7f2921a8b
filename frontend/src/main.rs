//! The Portcullis admin SPA (placeholder).
//!
//! The Leptos client-side app arrives with the SPA issue. It will be built for `wasm32` by Trunk
//! (see `Trunk.toml` and `frontend/index.html` at the repository root) and served by the backend.
//! Until then this crate only proves that the workspace layout builds, and that the code the SPA
//! will share with the server (the [`shared`] crate: permission catalogue, feature flags,
//! validation bounds) compiles into it.

use shared as _;

fn main() {}
