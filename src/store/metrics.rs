//! What the metrics listener reads from the database at each scrape: counts, never a row's
//! contents.

use sqlx::PgConnection;

/// Booking transitions recorded after event `after` (all of this database's, whichever
/// instance made them): (from, to, how many), and the newest event's id.
pub async fn transitions_since(
    conn: &mut PgConnection,
    after: i64,
) -> sqlx::Result<(Vec<(Option<String>, String, i64)>, i64)> {
    let rows = sqlx::query!(
        r#"select from_status::text as "from_status", to_status::text as "to_status!", count(*) as "n!",
                  max(id) as "last!"
           from booking_event where id > $1 group by from_status, to_status"#,
        after
    )
    .fetch_all(conn)
    .await?;
    let last = rows.iter().map(|r| r.last).max().unwrap_or(after);
    Ok((rows.into_iter().map(|r| (r.from_status, r.to_status, r.n)).collect(), last))
}

/// Messages still to be sent (the outbox's depth).
pub async fn messages_pending(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from message where state = 'pending'"#)
        .fetch_one(conn)
        .await
}
