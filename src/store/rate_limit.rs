//! Booking attempts per client per minute, counted in the database so every app instance
//! shares one count.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Counts one more attempt from `client_hash` in the current minute and returns the count.
pub async fn count_booking_attempt(
    conn: &mut PgConnection,
    client_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<i32> {
    let attempts = sqlx::query_scalar!(
        r#"insert into booking_rate (client_hash, minute, attempts) values ($1, date_trunc('minute', $2::timestamptz), 1)
         on conflict (client_hash, minute) do update set attempts = booking_rate.attempts + 1
         returning attempts"#,
        client_hash,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    // Old minutes are worth nothing; sweep them now and then rather than on every request.
    if attempts == 1 && now.timestamp() % 16 == 0 {
        forget_old_attempts(conn, now).await?;
    }
    Ok(attempts)
}

/// Deletes the counts of minutes that ended more than five minutes before `now`.
pub async fn forget_old_attempts(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let deleted = sqlx::query!(
        r#"delete from booking_rate where minute < $1::timestamptz - interval '5 minutes'"#,
        now
    )
    .execute(conn)
    .await?;
    Ok(deleted.rows_affected())
}
