//! Verified principals (and other verified credentials), cached by the SHA-256 of the token that proved them, so the hot path of
//! a busy token does no database read (SPEC §3, issue "verification cost").
//!
//! Correctness comes from an *epoch*: every write that can change what some principal may do
//! (role or permission changes, deactivation, visibility groups, revocation) calls
//! [`crate::cluster::Invalidator::invalidate`], and an entry cached under an older epoch is
//! never used. Such writes are rare admin actions, so dropping everything is cheaper than
//! tracking who depends on what. The epoch belongs to the instance's `Invalidator` (`App`), which
//! also carries invalidations to and from the other instances (see `cluster`); callers read it
//! there and pass it in.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use time::OffsetDateTime;

use crate::auth::Principal;

/// Upper bound on how long an entry lives even without local changes.
pub const TTL: Duration = Duration::from_secs(30);
/// Entries kept at most (one per live token).
pub const CAPACITY: u64 = 100_000;

struct Entry<V> {
    epoch: u64,
    value: Arc<V>,
    /// The credential's own expiry, checked on every hit.
    expires_at: Option<OffsetDateTime>,
}

impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Self {
            epoch: self.epoch,
            value: self.value.clone(),
            expires_at: self.expires_at,
        }
    }
}

/// Verified credentials of one kind, keyed by the SHA-256 of the secret that proved them.
pub struct EpochCache<V> {
    entries: Cache<String, Entry<V>>,
}

/// Verified user principals (sessions' and personal tokens').
pub type PrincipalCache = EpochCache<Principal>;

impl<V: Send + Sync + 'static> Default for EpochCache<V> {
    fn default() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
        }
    }
}

impl<V: Send + Sync + 'static> EpochCache<V> {
    /// The value for a token hash, if cached under `epoch` (the current one) and unexpired.
    pub fn get(&self, token_hash: &str, epoch: u64) -> Option<Arc<V>> {
        let e = self.entries.get(token_hash)?;
        let fresh =
            e.epoch == epoch && e.expires_at.is_none_or(|at| at > OffsetDateTime::now_utc());
        if fresh {
            Some(e.value)
        } else {
            self.entries.invalidate(token_hash);
            None
        }
    }

    /// Caches a value just verified. `epoch` must be read *before* the database reads that
    /// produced it, so a change committed meanwhile makes the entry stale rather than wrong.
    pub fn insert(
        &self,
        token_hash: String,
        epoch: u64,
        value: Arc<V>,
        expires_at: Option<OffsetDateTime>,
    ) {
        self.entries.insert(
            token_hash,
            Entry {
                epoch,
                value,
                expires_at,
            },
        );
    }

    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
