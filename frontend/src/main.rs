//! The Portcullis admin SPA (SPEC §6): Leptos, client-side rendered, built to WASM by Trunk
//! (`Trunk.toml`, `scripts/build-frontend.sh`) and served by the backend at `/`.
//!
//! - [`api`]: the one door to the server (`POST /graphql`), typed with `shared::graphql`;
//! - [`auth`]: the session token (localStorage) and the signed-in user (`me`), whose
//!   permissions filter the navigation and the pages;
//! - [`app`]: the routes and the app shell;
//! - [`components`]: the building blocks every page uses (dialogs, field errors, states);
//! - [`pages`]: one module per page.
//!
//! Validation rules, limits, the permission catalogue and the feature flags come from the
//! `shared` crate, which the server uses too, so a form refuses what the server would refuse,
//! with the same words.

mod api;
mod app;
mod auth;
mod components;
mod pages;
mod queries;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
