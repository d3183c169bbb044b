//! Keeps every weekly series' sessions generated `GROUPCARE_SCHEDULE_WEEKS` ahead, so a group
//! never stops existing because nobody saved its series lately: at start and once a day, on
//! one app instance at a time.

use crate::domain::schedule::Horizon;
use crate::store::jobs::{self, Job};
use crate::store::schedule;
use crate::web::Clock;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// How often a running app extends the schedule.
pub const PERIOD: Duration = Duration::from_secs(24 * 60 * 60);
/// After a failure (the database away), the next try.
const RETRY: Duration = Duration::from_secs(10 * 60);

/// Extends the schedule now, then every [`PERIOD`].
pub async fn run(pool: PgPool, clock: Clock, horizon: Horizon) {
    loop {
        let wait = match extend(&pool, clock.now(), horizon).await {
            Ok(Some(created)) => {
                tracing::info!(created, weeks = horizon.weeks, "weekly groups scheduled ahead");
                PERIOD
            }
            Ok(None) => {
                tracing::debug!("another instance is scheduling the weekly groups");
                PERIOD
            }
            Err(e) => {
                tracing::error!(error = %e, "scheduling the weekly groups ahead failed; trying again in 10 minutes");
                RETRY
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Generates the missing sessions of every series through the horizon from `now`, in one
/// transaction. None when another instance holds the job's lock (it is doing the same).
pub async fn extend(pool: &PgPool, now: DateTime<Utc>, horizon: Horizon) -> sqlx::Result<Option<u64>> {
    let mut tx = pool.begin().await?;
    if !jobs::try_lock(&mut tx, Job::ScheduleHorizon).await? {
        return Ok(None);
    }
    let created = schedule::generate_all_ahead(&mut tx, now, horizon).await?;
    tx.commit().await?;
    Ok(Some(created))
}
