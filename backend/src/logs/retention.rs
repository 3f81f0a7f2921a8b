//! Retention of request logs (`--log-retention-days`, default 30; 0 keeps them forever): rows
//! older than the cutoff are deleted at start and every hour, a small batch per statement, so
//! that the writer is never locked out for long (SQLite has one writer at a time).

use std::time::Duration;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::entity::api_log;

/// Rows deleted per statement.
pub const BATCH: u64 = 1000;

/// How often old rows are pruned.
pub const EVERY: Duration = Duration::from_secs(3600);

/// Deletes every row older than `cutoff`, `batch` rows per statement; returns how many went.
pub async fn prune(
    db: &DatabaseConnection,
    cutoff: OffsetDateTime,
    batch: u64,
) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let ids = Query::select()
            .column(api_log::Column::Id)
            .from(api_log::Entity)
            .and_where(api_log::Column::Time.lt(cutoff))
            .limit(batch)
            .to_owned();
        let gone = api_log::Entity::delete_many()
            .filter(api_log::Column::Id.in_subquery(ids))
            .exec(db)
            .await?
            .rows_affected;
        total += gone;
        if gone < batch {
            return Ok(total);
        }
        // Let the writer in between two batches.
        tokio::task::yield_now().await;
    }
}

/// Prunes at start and then every [`EVERY`]; `None` when retention is off (0 days).
pub fn spawn(db: DatabaseConnection, days: u32) -> Option<JoinHandle<()>> {
    if days == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let cutoff = OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
            match prune(&db, cutoff, BATCH).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, days, "pruned old API logs"),
                Err(e) => tracing::warn!(error = %e, "could not prune old API logs; will retry"),
            }
        }
    }))
}
