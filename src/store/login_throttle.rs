//! Staff sign-in attempts, counted per key (HMACs of an account at an address, an account,
//! an address) in windows of their own, so guessing is capped on every app instance at once.
//! An attempt is counted before its password is checked, in one statement: many at once
//! cannot all slip under the limit.

use crate::domain::staff::AttemptLimit;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// One key to count an attempt under, and its limit.
pub struct ThrottleKey {
    pub hash: Vec<u8>,
    pub limit: AttemptLimit,
}

/// Where a key stands after counting this attempt.
#[derive(Clone, Debug)]
pub struct Count {
    pub key_hash: Vec<u8>,
    pub attempts: i32,
    /// Over its limit in this window: the attempt is refused unchecked.
    pub refused: bool,
}

/// Counts one attempt under every key (a key whose window ended starts a new one), unless a
/// key is over its limit: then nothing is counted (so hammering a locked key cannot push the
/// account's or the address's count up), and the caller refuses the attempt unchecked. The
/// keys' rows stay locked until the count commits, so attempts at once are decided one by one.
pub async fn count_attempt(
    conn: &mut PgConnection,
    keys: &[&ThrottleKey],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Count>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let counts = add_attempt(&mut tx, keys, now).await?;
    if counts.iter().any(|c| c.refused) {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(counts)
}

async fn add_attempt(
    conn: &mut PgConnection,
    keys: &[&ThrottleKey],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Count>> {
    let hashes: Vec<Vec<u8>> = keys.iter().map(|k| k.hash.clone()).collect();
    let windows: Vec<i32> = keys.iter().map(|k| k.limit.window.num_seconds() as i32).collect();
    let maxima: Vec<i32> = keys.iter().map(|k| k.limit.max_attempts).collect();
    // Every SET expression reads the row as it was: `ended` is the same test in each.
    sqlx::query_as!(
        Count,
        r#"insert into login_throttle as t (key_hash, attempts, window_start, window_seconds, max_attempts)
         select k, 1, $2, w, m from unnest($1::bytea[], $3::int[], $4::int[]) as x (k, w, m)
         on conflict (key_hash) do update set
           attempts = case when t.window_start + make_interval(secs => t.window_seconds) <= $2 then 1
                           else t.attempts + 1 end,
           refusal_audited = t.refusal_audited
                             and t.window_start + make_interval(secs => t.window_seconds) > $2,
           window_start = case when t.window_start + make_interval(secs => t.window_seconds) <= $2 then $2
                               else t.window_start end,
           window_seconds = excluded.window_seconds,
           max_attempts = excluded.max_attempts
         returning key_hash, attempts, attempts > max_attempts as "refused!""#,
        &hashes,
        now,
        &windows,
        &maxima
    )
    .fetch_all(conn)
    .await
}

/// Of the refused `keys`, those whose refusal is not yet in the audit log this window; they
/// are marked, so the next refused attempt writes nothing.
pub async fn first_refusals(conn: &mut PgConnection, keys: &[Vec<u8>]) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"update login_throttle set refusal_audited = true
         where key_hash = any($1) and not refusal_audited and attempts >= max_attempts returning key_hash"#,
        keys
    )
    .fetch_all(conn)
    .await
}

/// Takes back an attempt that was counted but never checked (no capacity to check it).
pub async fn uncount(conn: &mut PgConnection, keys: &[Vec<u8>]) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update login_throttle set attempts = greatest(attempts - 1, 0) where key_hash = any($1)"#,
        keys
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a key (a successful sign-in clears its account-at-address count).
pub async fn forget(conn: &mut PgConnection, key: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(r#"delete from login_throttle where key_hash = $1"#, key).execute(conn).await?;
    Ok(())
}

/// Whether the account signed in from this address (`key`: the two together, as an HMAC)
/// since `since`.
pub async fn is_known_address(
    conn: &mut PgConnection,
    key: &[u8],
    since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from staff_known_address where key_hash = $1 and last_sign_in_at > $2) as "known!""#,
        key,
        since
    )
    .fetch_one(conn)
    .await
}

/// Remembers a successful sign-in of the account from this address.
pub async fn remember_address(conn: &mut PgConnection, key: &[u8], now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into staff_known_address (key_hash, last_sign_in_at) values ($1, $2)
         on conflict (key_hash) do update set last_sign_in_at = excluded.last_sign_in_at"#,
        key,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}
