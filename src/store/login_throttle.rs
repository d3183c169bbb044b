//! Failed staff logins, counted per account and per client address (both hashed), so that
//! guessing is slowed and then locked out on every app instance at once.

use crate::domain::staff::{FAILURE_WINDOW, FAILURES_BEFORE_LOCK, LOCK_DURATION};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Whether any of `keys` is locked at `now`.
pub async fn locked(conn: &mut PgConnection, keys: &[Vec<u8>], now: DateTime<Utc>) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from login_throttle where key_hash = any($1) and locked_until > $2)",
    )
    .bind(keys)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Counts a failure for each key, locking a key on its fifth failure within the window.
/// Returns the highest count, for slowing the answer.
pub async fn record_failure(
    conn: &mut PgConnection,
    keys: &[Vec<u8>],
    now: DateTime<Utc>,
) -> sqlx::Result<i32> {
    let counts: Vec<i32> = sqlx::query_scalar(
        "insert into login_throttle (key_hash, failures, last_failure_at) \
         select k, 1, $2 from unnest($1::bytea[]) as k \
         on conflict (key_hash) do update set \
           failures = case when login_throttle.last_failure_at < $2 - $3 \
                             or login_throttle.locked_until <= $2 then 1 \
                           else login_throttle.failures + 1 end, \
           last_failure_at = $2, \
           locked_until = case when (case when login_throttle.last_failure_at < $2 - $3 \
                                            or login_throttle.locked_until <= $2 then 1 \
                                          else login_throttle.failures + 1 end) >= $4 \
                               then $2 + $5 else null end \
         returning failures",
    )
    .bind(keys)
    .bind(now)
    .bind(FAILURE_WINDOW)
    .bind(FAILURES_BEFORE_LOCK)
    .bind(LOCK_DURATION)
    .fetch_all(conn)
    .await?;
    Ok(counts.into_iter().max().unwrap_or(0))
}

/// A successful login forgets the account's failures.
pub async fn clear(conn: &mut PgConnection, key: &[u8]) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where key_hash = $1").bind(key).execute(conn).await?;
    Ok(())
}
