//! What counselors see of the groups they lead: who is coming, and who came.

use crate::domain::Language;
use crate::domain::booking::{Actor, BookingStatus};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Whether `counselor_id` leads session `session_id`.
pub async fn leads(conn: &mut PgConnection, session_id: i64, counselor_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from session_counselor where session_id = $1 and counselor_id = $2) as "leads!""#,
        session_id,
        counselor_id
    )
    .fetch_one(conn)
    .await
}

/// One participant as a counselor needs them to run the group.
#[derive(Clone)]
pub struct RosterLine {
    pub booking_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub language: Language,
    pub status: BookingStatus,
    pub notes: Option<String>,
}

/// Confirmed and requested participants (and, once marked, who attended or did not),
/// by last name. People on the waitlist are not on the roster; a repeat request holds a seat,
/// so it is (until intake cancels it).
pub async fn roster(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Vec<RosterLine>> {
    sqlx::query_as!(
        RosterLine,
        r#"select id as booking_id, first_name, last_name, language as "language: Language",
                status as "status: BookingStatus", notes
         from booking
         where session_id = $1
           and status = any($2)
         order by lower(last_name), lower(first_name), id"#,
        session_id,
        BookingStatus::ON_ROSTER as &[BookingStatus]
    )
    .fetch_all(conn)
    .await
}

/// Marks attendance: each confirmed participant (or one marked before, to correct a mark)
/// becomes `attended` or `no_show`. Others are left alone. Returns how many changed.
pub async fn record_attendance(
    conn: &mut PgConnection,
    session_id: i64,
    marks: &[(i64, BookingStatus)],
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let mut changed = 0;
    for (booking_id, mark) in marks {
        if !matches!(mark, BookingStatus::Attended | BookingStatus::NoShow) {
            continue;
        }
        let done: Option<i64> = sqlx::query_scalar!(
            r#"with marked as (
               update booking set status = $3
               where id = $1 and session_id = $2
                 and status = any($6) and status <> $3
               returning id, (select status from booking where id = $1) as was)
             insert into booking_event (booking_id, from_status, to_status, actor, at)
             select id, was, $3, $4, $5 from marked returning booking_id"#,
            booking_id,
            session_id,
            *mark as BookingStatus,
            actor.code(),
            now,
            BookingStatus::ATTENDANCE_MARKABLE as &[BookingStatus]
        )
        .fetch_optional(&mut *tx)
        .await?;
        changed += u64::from(done.is_some());
    }
    tx.commit().await?;
    Ok(changed)
}

redacted_debug!(RosterLine);
