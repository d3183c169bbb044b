//! A request still undecided when its group ends closes itself, with the reason in its history
//! (it left intake's worklist when the group started; during the group the counselor may still
//! mark the person as here). Every instance runs this; the
//! update is one statement, so two instances at once close each request once.

use crate::store::bookings;
use crate::web::Clock;
use sqlx::PgPool;
use std::time::Duration;

/// How often requests are looked at: a group's undecided requests close at most this long
/// after it ends.
pub const PERIOD: Duration = Duration::from_secs(60);

pub async fn run(pool: PgPool, clock: Clock) {
    loop {
        match once(&pool, clock).await {
            Ok(0) => {}
            Ok(expired) => {
                tracing::info!(expired, "requests still undecided when their group ended were closed")
            }
            Err(e) => tracing::error!(error = %e, "closing undecided requests failed; trying again shortly"),
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// Closes what is due now; returns how many requests it closed.
pub async fn once(pool: &PgPool, clock: Clock) -> sqlx::Result<u64> {
    bookings::expire_undecided(&mut *pool.acquire().await?, clock.now()).await
}
