//! Who is calling: passwords, sessions, and the principal every request acts as.

pub mod bearer;
pub mod cache;
pub mod last_used;
pub mod one_read;
pub mod password;
pub mod principal;
pub mod session;

pub use principal::{Principal, Tenant};
