//! "Last used" stamps for credentials, coalesced in memory and written in one batch per
//! interval: a token used a thousand times a second costs one UPDATE per interval, not a
//! thousand. A stamp can be up to one interval late, and is flushed at graceful shutdown.

use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::api_credential;
use crate::entity::personal_access_token;
use crate::error::AppResult;

/// Which table a credential lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    PersonalAccessToken,
    ApiCredential,
    ApiKey,
}

#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<(CredentialKind, Uuid), OffsetDateTime>>,
}

impl LastUsed {
    /// Notes a use now.
    pub fn touch(&self, kind: CredentialKind, id: Uuid) {
        if let Ok(mut map) = self.pending.lock() {
            map.insert((kind, id), OffsetDateTime::now_utc());
        }
    }

    /// Writes every pending stamp; returns how many. On failure the stamps are put back, so a
    /// database hiccup delays them instead of losing them.
    pub async fn flush(&self, db: &DatabaseConnection) -> AppResult<usize> {
        let batch: Vec<_> = match self.pending.lock() {
            Ok(mut map) => map.drain().collect(),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let result = async {
            let txn = db.begin().await?;
            for ((kind, id), at) in &batch {
                match kind {
                    CredentialKind::ApiKey => {
                        crate::entity::api_key::Entity::update_many()
                            .col_expr(crate::entity::api_key::Column::LastUsedAt, Expr::value(*at))
                            .filter(crate::entity::api_key::Column::Id.eq(*id))
                            .exec(&txn)
                            .await?;
                    }
                    CredentialKind::PersonalAccessToken => {
                        personal_access_token::Entity::update_many()
                            .col_expr(personal_access_token::Column::LastUsedAt, Expr::value(*at))
                            .filter(personal_access_token::Column::Id.eq(*id))
                            .exec(&txn)
                            .await?;
                    }
                    CredentialKind::ApiCredential => {
                        api_credential::Entity::update_many()
                            .col_expr(api_credential::Column::LastUsedAt, Expr::value(*at))
                            .filter(api_credential::Column::Id.eq(*id))
                            .exec(&txn)
                            .await?;
                    }
                }
            }
            txn.commit().await
        }
        .await;
        if let Err(e) = result {
            if let Ok(mut map) = self.pending.lock() {
                for (key, at) in batch {
                    map.entry(key).or_insert(at);
                }
            }
            return Err(e.into());
        }
        Ok(batch.len())
    }

    /// The stamp not yet written for a credential, if any (lists show it so "last used" is
    /// current even between flushes).
    pub fn pending(&self, kind: CredentialKind, id: Uuid) -> Option<OffsetDateTime> {
        self.pending.lock().ok()?.get(&(kind, id)).copied()
    }
}
