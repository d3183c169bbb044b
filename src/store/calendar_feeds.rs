//! Counselors' private calendar feeds: a token only its owner holds (the database keeps its
//! digest), made again to replace the old one, or turned off.

use crate::tokens::digest;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::collections::HashMap;

/// Gives `staff_id` a feed with `token`, replacing any they had (the old link stops working).
pub async fn issue(
    conn: &mut PgConnection,
    staff_id: i64,
    token: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into calendar_feed (staff_id, token_hash, created_at) values ($1, $2, $3)
         on conflict (staff_id) do update set token_hash = excluded.token_hash, created_at = excluded.created_at",
        staff_id,
        digest(token),
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns `staff_id`'s feed off. False when they had none.
pub async fn revoke(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<bool> {
    let gone = sqlx::query!("delete from calendar_feed where staff_id = $1", staff_id).execute(conn).await?;
    Ok(gone.rows_affected() == 1)
}

/// When `staff_id`'s current feed was made, if they have one.
pub async fn made_at(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!("select created_at from calendar_feed where staff_id = $1", staff_id)
        .fetch_optional(conn)
        .await
}

/// The counselor whose feed `token` opens: an active counselor account's, else none.
pub async fn counselor_of(conn: &mut PgConnection, token: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"select s.counselor_id as "counselor_id!" from calendar_feed f join staff s on s.id = f.staff_id
           where f.token_hash = $1 and s.active and s.role = 'counselor' and s.counselor_id is not null"#,
        digest(token)
    )
    .fetch_optional(conn)
    .await
}

/// Each of `session_ids`' change counter (the feed's SEQUENCE).
pub async fn sequences(conn: &mut PgConnection, session_ids: &[i64]) -> sqlx::Result<HashMap<i64, i32>> {
    let rows = sqlx::query!("select id, calendar_sequence from session where id = any($1)", session_ids)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.calendar_sequence)).collect())
}
