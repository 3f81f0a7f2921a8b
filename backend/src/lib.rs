//! Portcullis: the API access management server.
//!
//! `server::start` wires everything: database (`db`), start-up work (`bootstrap`, `demo`), state
//! (`state`), routes and layers (`router`). Requests reach the GraphQL door (`graphql`), which
//! authenticates (`auth`) and calls the domain layer (`service`), which reads and writes the
//! tables (`entity`). Errors are one type (`error`).

pub mod auth;
#[cfg(feature = "bench")]
pub mod bench_support;
pub mod bootstrap;
pub mod cluster;
pub mod config;
pub mod cors;
pub mod db;
pub mod demo;
pub mod entity;
pub mod error;
pub mod graphql;
pub mod health;
pub mod logs;
pub mod metrics;
pub mod oauth;
pub mod ratelimit;
pub mod rest;
pub mod router;
pub mod server;
pub mod service;
pub mod spa;
pub mod spa_headers;
pub mod state;
pub mod token;
