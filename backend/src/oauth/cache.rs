//! Verified access tokens, cached by the SHA-256 of the JWT, so the hot path of a busy token does
//! no database read and no signature check (issue "verification cost").
//!
//! A JWT is immutable: the same bytes verified once verify the same way again, except for what
//! the database says (credential revoked or regenerated, `jti` revoked, role narrowed) and the
//! clock. The clock is checked on every hit (`exp`); the database is covered by the epoch of
//! `auth::cache`: every write that can void a token calls
//! [`crate::cluster::Invalidator::invalidate`], and an entry cached under an older epoch is never
//! used. Reusing that one epoch, rather than a second one, gives cross-instance invalidation a
//! single hook to drive.

use moka::sync::Cache;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::auth::cache::{CAPACITY, TTL};
use crate::oauth::token::CredentialAccess;

/// The cache key of a JWT: its SHA-256, so the cache never holds a usable token.
pub(crate) type TokenKey = [u8; 32];

pub(crate) fn key(jwt: &str) -> TokenKey {
    Sha256::digest(jwt.as_bytes()).into()
}

#[derive(Clone)]
struct Entry {
    epoch: u64,
    access: CredentialAccess,
}

/// Results of `verify_access_token` that succeeded.
pub struct VerifiedTokens {
    entries: Cache<TokenKey, Entry>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            // The principal cache's bounds: the same staleness across instances (TTL) and one
            // entry per live token at most.
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
        }
    }
}

impl VerifiedTokens {
    /// The access a token grants, if cached under `epoch` (the current one) and not expired.
    pub(crate) fn get(&self, key: &TokenKey, epoch: u64) -> Option<CredentialAccess> {
        let e = self.entries.get(key)?;
        let fresh = e.epoch == epoch && e.access.expires_at > OffsetDateTime::now_utc();
        if fresh {
            Some(e.access)
        } else {
            self.entries.invalidate(key);
            None
        }
    }

    /// Caches a verification just made. `epoch` must be read *before* the database reads that
    /// produced it, so a write committed meanwhile makes the entry stale rather than wrong.
    pub(crate) fn insert(&self, key: TokenKey, epoch: u64, access: CredentialAccess) {
        self.entries.insert(key, Entry { epoch, access });
    }

    /// Entries held, stale ones included until they are next looked up (for tests and metrics).
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
