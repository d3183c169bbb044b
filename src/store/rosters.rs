//! What counselors see of the groups they lead: who is coming, and who came.

use crate::domain::Language;
use crate::domain::booking::{Actor, BookingStatus, new_reference};
use crate::tokens::digest;
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
    /// What they asked for at the group (an interpreter…): all of the answers a counselor sees.
    pub accommodation: Option<String>,
    /// No earlier group this phone attended.
    pub first_visit: bool,
}

/// Confirmed and requested participants (and, once marked, who attended or did not),
/// by last name. Not the person's note: it is written to intake (minimum necessary). People on the waitlist are not on the roster; a repeat request holds a seat,
/// so it is (until intake cancels it).
pub async fn roster(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Vec<RosterLine>> {
    sqlx::query_as!(
        RosterLine,
        r#"select b.id as booking_id, b.first_name, b.last_name, b.language as "language: Language",
                b.status as "status: BookingStatus", b.accommodation,
                not exists (select 1 from booking p join session ps on ps.id = p.session_id
                            where p.phone = b.phone and p.id <> b.id and p.status = 'attended'
                              and ps.starts_at < s.starts_at) as "first_visit!"
         from booking b join session s on s.id = b.session_id
         where b.session_id = $1
           and b.status = any($2)
         order by lower(b.last_name), lower(b.first_name), b.id"#,
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

/// Someone a change to a group affects, with the number to call them on.
pub struct CallLine {
    pub booking_id: i64,
    pub session_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub status: BookingStatus,
}

/// Everyone a cancellation of the sessions `session_ids` would reach: still coming or waiting,
/// by last name.
pub async fn call_list(conn: &mut PgConnection, session_ids: &[i64]) -> sqlx::Result<Vec<CallLine>> {
    sqlx::query_as!(
        CallLine,
        r#"select id as booking_id, session_id, first_name, last_name, phone, status as "status: BookingStatus"
           from booking where session_id = any($1) and booking_is_active(status)
           order by lower(last_name), lower(first_name), id"#,
        session_ids
    )
    .fetch_all(conn)
    .await
}

redacted_debug!(CallLine);

/// Adds someone who came to session `session_id` without a booking: a booking from source
/// `walk_in`, attended, in `language`, with no way to reach them but the clinic (no consents,
/// a private link nobody holds). It goes to intake's worklist to be matched to a record.
/// Returns the booking's id.
pub async fn add_walk_in(
    conn: &mut PgConnection,
    session_id: i64,
    person: &WalkIn<'_>,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    loop {
        let reference = new_reference();
        let unheld_link = digest(&crate::tokens::new_request_key());
        let made: Option<i64> = sqlx::query_scalar!(
            r#"with made as (
               insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name,
                                    phone, language, consent_sms, consent_voicemail, source, overlap_flag, created_at)
               values ($1, $2, $3, 'attended', $4, $5, $6, $7, false, false, 'walk_in', false, $8)
               on conflict (reference) do nothing
               returning id)
             insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
             select id, null, 'attended', $9, $8, 'came without a booking' from made returning booking_id"#,
            session_id,
            &reference,
            unheld_link,
            person.first_name,
            person.last_name,
            person.phone,
            person.language as Language,
            now,
            actor.code()
        )
        .fetch_optional(&mut *conn)
        .await?;
        // A reference already taken (about one in a hundred billion): draw another.
        if let Some(id) = made {
            return Ok(id);
        }
    }
}

/// Whether phone `phone` (E.164) is on session `session_id`'s roster already (a walk-in sent
/// twice, or someone who had booked after all).
pub async fn on_roster(conn: &mut PgConnection, session_id: i64, phone: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from booking where session_id = $1 and phone = $2 and status = any($3)) as "on!""#,
        session_id,
        phone,
        BookingStatus::ON_ROSTER as &[BookingStatus]
    )
    .fetch_one(conn)
    .await
}

/// Someone who came without a booking, as the counselor takes them at the door.
pub struct WalkIn<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// E.164.
    pub phone: &'a str,
    pub language: Language,
}

redacted_debug!(RosterLine);
