//! Types and rules shared by the Portcullis server and its admin SPA.
//!
//! Everything here compiles for both the server and `wasm32`, so the SPA and the server agree by
//! construction on the permission catalogue, the feature flags, the API access types and the
//! validation bounds: a form can refuse what the server would refuse, with the same words.

pub mod access;
pub mod api;
pub mod charts;
pub mod datetime;
pub mod features;
pub mod forms;
pub mod graphql;
pub mod limits;
pub mod log_filters;
pub mod openapi;
pub mod operations;
pub mod permissions;
pub mod roles;

pub use access::ApiAccessType;
pub use limits::ValidationError;
