//! A request still undecided when its group starts closes itself: intake can no longer confirm
//! it, so it leaves the worklist, with the reason in its history. Every instance runs this; the
//! update is one statement, so two instances at once close each request once.

use crate::store::bookings;
use crate::web::Clock;
use sqlx::PgPool;
use std::time::Duration;

/// How often requests are looked at: a group's undecided requests close at most this long
/// after it starts.
pub const PERIOD: Duration = Duration::from_secs(60);

pub async fn run(pool: PgPool, clock: Clock) {
    loop {
        match once(&pool, clock).await {
            Ok(0) => {}
            Ok(expired) => {
                tracing::info!(expired, "requests still undecided when their group started were closed")
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
