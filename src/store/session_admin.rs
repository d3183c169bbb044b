//! An administrator's changes to one session: cancelling it, and who leads it. Each locks
//! the session's row, the one lock for its seats.

use super::bookings::{lock_session, promote_waitlist};
use super::outbox;
use crate::domain::booking::{Actor, GroupCancelKind};
use crate::domain::messages::MessageKind;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Cancels the session and every active booking in it, with `reason` (staff's words) in each
/// booking's history and `kind` for the people booked to read. Returns how many bookings were cancelled (None when the session was cancelled
/// already: nothing changed), or None for an unknown session.
pub async fn cancel_session(
    conn: &mut PgConnection,
    session_id: i64,
    actor: Actor,
    reason: &str,
    kind: GroupCancelKind,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Option<u64>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if lock_session(&mut tx, session_id).await?.is_none() {
        return Ok(None);
    }
    let newly_cancelled = sqlx::query!(
        r#"update session set status = 'cancelled', cancel_kind = $2 where id = $1 and status <> 'cancelled'"#,
        session_id,
        kind.code()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if newly_cancelled == 0 {
        return Ok(Some(None));
    }
    let cancelled: Vec<i64> = sqlx::query_scalar!(
        r#"with active as (
           select id, status from booking
           where session_id = $1 and booking_is_active(status) for update),
         cancelled as (
           update booking b set status = 'cancelled' from active where b.id = active.id
           returning b.id, active.status as was)
         insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
         select id, was, 'cancelled', $2, $3, $4 from cancelled returning booking_id"#,
        session_id,
        actor.code(),
        now,
        reason
    )
    .fetch_all(&mut *tx)
    .await?;
    outbox::notify(&mut tx, &cancelled, MessageKind::GroupCancelled, now).await?;
    tx.commit().await?;
    Ok(Some(Some(cancelled.len() as u64)))
}

/// Adds a co-facilitator: the session's ceiling rises, so waiting people may be promoted.
/// Returns None for an unknown session, Some(false) if the counselor led it already.
pub async fn add_counselor(
    conn: &mut PgConnection,
    session_id: i64,
    counselor_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<bool>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if lock_session(&mut tx, session_id).await?.is_none() {
        return Ok(None);
    }
    let added = sqlx::query!(
        r#"insert into session_counselor (session_id, counselor_id)
         select $1, id from counselor where id = $2 and active on conflict do nothing"#,
        session_id,
        counselor_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added > 0 {
        let session = lock_session(&mut tx, session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        promote_waitlist(&mut tx, &session, now).await?;
    }
    tx.commit().await?;
    Ok(Some(added > 0))
}

/// Why a counselor could not be taken off a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalRefused {
    /// A session is never left without a counselor.
    LastCounselor,
    /// More seats are held than the smaller ceiling allows: no one is stranded.
    WouldStrand {
        held: i64,
        seats_after: i32,
    },
    NotLeading,
}

pub async fn remove_counselor(
    conn: &mut PgConnection,
    session_id: i64,
    counselor_id: i64,
) -> sqlx::Result<Option<Result<(), RemovalRefused>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(session) = lock_session(&mut tx, session_id).await? else {
        return Ok(None);
    };
    let leads = sqlx::query_scalar!(
        r#"select exists (select 1 from session_counselor where session_id = $1 and counselor_id = $2) as "leads!""#,
        session_id,
        counselor_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let held = i64::from(session.held());
    let (counselors, seats_after) = (session.counselors(), session.seats_without_one_counselor());
    let refused = if !leads {
        Some(RemovalRefused::NotLeading)
    } else if counselors <= 1 {
        Some(RemovalRefused::LastCounselor)
    } else if held > i64::from(seats_after) {
        Some(RemovalRefused::WouldStrand { held, seats_after })
    } else {
        None
    };
    if let Some(why) = refused {
        return Ok(Some(Err(why)));
    }
    sqlx::query!(
        r#"delete from session_counselor where session_id = $1 and counselor_id = $2"#,
        session_id,
        counselor_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Ok(())))
}
