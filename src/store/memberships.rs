//! "Join every week": a person's place in a weekly series (see the migration). Every week of
//! it is a booking of its own, taken under the seat rules of any request: the week's session
//! is locked, its seats counted, and the person holds a seat or waits. Several sessions are
//! always locked in id order, so two joins (or a join and a move) cannot deadlock.

use super::bookings::{LockedSession, lock_session, lock_with_standing, promote_waitlist};
use crate::domain::booking::{Actor, BookingStatus, new_reference};
use crate::tokens::{digest, new_request_key};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Where a membership stands (`membership.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipStatus {
    /// Waiting for intake's call: its weeks hold seats as requests do.
    Requested,
    /// Confirmed by intake: a new week is confirmed when a seat is free.
    Active,
    /// Left by the person, declined or ended by intake: no more weeks.
    Ended,
}

impl MembershipStatus {
    pub fn code(self) -> &'static str {
        match self {
            MembershipStatus::Requested => "requested",
            MembershipStatus::Active => "active",
            MembershipStatus::Ended => "ended",
        }
    }
}

impl TryFrom<String> for MembershipStatus {
    type Error = crate::domain::UnknownCode;

    fn try_from(code: String) -> Result<MembershipStatus, Self::Error> {
        [MembershipStatus::Requested, MembershipStatus::Active, MembershipStatus::Ended]
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or(crate::domain::UnknownCode(code))
    }
}

/// What a history line of a week taken for a membership says.
pub const WEEK_REASON: &str = "a week of a weekly place";

/// Locks the scheduled sessions of series `series_id` that start at `from` or later, in id
/// order: taken before any one of them is locked, so that every path locking several sessions
/// of a series takes them in the same order.
pub async fn lock_weeks_from(
    conn: &mut PgConnection,
    series_id: i64,
    from: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select id from session where series_id = $1 and starts_at >= $2 and status = 'scheduled'
           order by id for update"#,
        series_id,
        from
    )
    .fetch_all(conn)
    .await
}

/// Locks the sessions where membership `id` has bookings, in id order (see the module).
pub async fn lock_sessions_of(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query_scalar!(
        r#"select s.id from session s
           where s.id in (select session_id from booking where membership_id = $1)
           order by s.id for update"#,
        id
    )
    .fetch_all(conn)
    .await?;
    Ok(())
}

/// Makes booking `origin` (just taken, its session locked) the start of a membership of its
/// series, and takes the series' later weeks for the person. The caller holds the series
/// (`for share`) and the weeks' locks ([`lock_weeks_from`]).
pub async fn join(
    conn: &mut PgConnection,
    origin: i64,
    series_id: i64,
    later_weeks: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar!(
        r#"with made as (
             insert into membership (series_id, origin_booking_id, status, created_at)
             values ($1, $2, 'requested', $3) returning id)
           update booking set membership_id = (select id from made) where id = $2
           returning membership_id as "id!""#,
        series_id,
        origin,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let member = sqlx::query_as!(
        Member,
        r#"select m.id, m.status as "status: MembershipStatus", o.phone
           from membership m join booking o on o.id = m.origin_booking_id where m.id = $1"#,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    for &session_id in later_weeks {
        take_week(conn, &member, session_id, now).await?;
    }
    Ok(id)
}

/// A membership as its weeks are taken: read once, however many weeks.
struct Member {
    id: i64,
    status: MembershipStatus,
    /// The phone of its first booking (a week is not taken twice for one phone).
    phone: String,
}

/// Takes the newly generated sessions `session_ids` of series `series_id` for each of its
/// open memberships, oldest membership first. The caller holds the series' lock.
pub async fn fill_new_weeks(
    conn: &mut PgConnection,
    series_id: i64,
    session_ids: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    if session_ids.is_empty() {
        return Ok(());
    }
    // Held against a leave being saved meanwhile: it waits, then ends these weeks too.
    let open: Vec<Member> = sqlx::query_as!(
        Member,
        r#"select m.id, m.status as "status: MembershipStatus", o.phone
           from membership m join booking o on o.id = m.origin_booking_id
           where m.series_id = $1 and m.status <> 'ended' order by m.id for share of m"#,
        series_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut sorted = session_ids.to_vec();
    sorted.sort_unstable();
    for member in &open {
        for &session_id in &sorted {
            take_week(conn, member, session_id, now).await?;
        }
    }
    Ok(())
}

/// Takes session `session_id` for membership `id` by the rules of a request: a seat when one
/// is free (confirmed at once once the membership is), else the waitlist. A week that has
/// begun, is cancelled, or where the person already has an active booking is left alone.
async fn take_week(
    conn: &mut PgConnection,
    member: &Member,
    session_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let Some((session, standing)) = lock_with_standing(&mut *conn, session_id, &member.phone, None).await?
    else {
        return Ok(());
    };
    if session.cancelled || session.starts_at <= now {
        return Ok(());
    }
    if member.status == MembershipStatus::Ended {
        return Ok(());
    }
    if standing.duplicate_of.is_some() {
        return Ok(());
    }
    let status = match session.admission().0 {
        BookingStatus::Requested if member.status == MembershipStatus::Active => BookingStatus::Confirmed,
        other => other,
    };
    insert_week(conn, member.id, &session, status, standing.overlaps, now).await
}

/// Writes the week's booking: the person's details as they gave them with the membership's
/// first booking. It has a reference of its own (its calendar event) and a manage token no one
/// knows: the membership's link is the one its messages carry (see `outbox::claim_due`).
async fn insert_week(
    conn: &mut PgConnection,
    id: i64,
    session: &LockedSession,
    status: BookingStatus,
    overlaps: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    loop {
        let inserted: Option<i64> = sqlx::query_scalar!(
            r#"with made as (
                 insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name,
                                      phone, email, language, notes, consent_sms, consent_voicemail, source,
                                      overlap_flag, created_at, consent_email, sms_stopped_at, returning_patient,
                                      payment, needs_ride, accommodation, patient_id, membership_id)
                 select $1, $2, $3, $4, o.first_name, o.last_name, o.phone, o.email, o.language, o.notes,
                        o.consent_sms, o.consent_voicemail, o.source, $5, $6, o.consent_email, o.sms_stopped_at,
                        o.returning_patient, o.payment, o.needs_ride, o.accommodation, o.patient_id, m.id
                 from membership m join booking o on o.id = m.origin_booking_id where m.id = $7
                 on conflict (reference) do nothing
                 returning id)
               insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
               select id, null, $4, $8, $6, $9 from made returning booking_id"#,
            session.id,
            new_reference(),
            digest(&new_request_key()),
            status as BookingStatus,
            overlaps,
            now,
            id,
            Actor::System.code(),
            WEEK_REASON
        )
        .fetch_optional(&mut *conn)
        .await?;
        // A reference already taken (about one in a hundred billion): draw another.
        if inserted.is_some() {
            return Ok(());
        }
    }
}

/// Confirms a membership still waiting for intake: it becomes active, and every week it
/// requested that has not begun is confirmed with it (no message of their own: the person is
/// told once, of the booking intake confirmed). Returns the weeks confirmed.
pub async fn confirm(
    conn: &mut PgConnection,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"with activated as (
             update membership set status = 'active' where id = $1 and status = 'requested' returning id),
           weeks as (
             update booking b set status = 'confirmed'
             from session s, activated
             where b.membership_id = activated.id and s.id = b.session_id and b.status = 'requested'
               and s.starts_at > $3
             returning b.id)
           insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
           select id, 'requested', 'confirmed', $2, $3, $4 from weeks returning booking_id"#,
        id,
        actor.code(),
        now,
        WEEK_REASON
    )
    .fetch_all(conn)
    .await
}

/// The reason a week's history gives when its membership ends, by who ended it.
pub const LEFT_REASON: &str = "left the weekly group";
pub const ENDED_BY_CLINIC_REASON: &str = "the weekly place was ended by the clinic";
pub const DECLINED_REASON: &str = "the weekly place was declined";

/// Ends membership `id` (the person leaves, or intake ends it): no more weeks are taken, and
/// each week still active that has not begun is cancelled, its seat going to that week's
/// waitlist. Returns the weeks it ended, or None when the membership had already ended.
pub async fn end(
    conn: &mut PgConnection,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Vec<i64>>> {
    let reason = if actor == Actor::Patient { LEFT_REASON } else { ENDED_BY_CLINIC_REASON };
    end_from(
        conn,
        id,
        &[MembershipStatus::Requested, MembershipStatus::Active],
        BookingStatus::Cancelled,
        actor,
        reason,
        now,
    )
    .await
}

/// Declines membership `id` if it is still waiting for intake: its weeks are declined.
pub async fn end_if_requested(
    conn: &mut PgConnection,
    id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Vec<i64>>> {
    end_from(conn, id, &[MembershipStatus::Requested], BookingStatus::Declined, actor, DECLINED_REASON, now)
        .await
}

/// Ends membership `id` if its status is one of `from`, each of its weeks still active that
/// has not begun becoming `to`.
async fn end_from(
    conn: &mut PgConnection,
    id: i64,
    from: &[MembershipStatus],
    to: BookingStatus,
    actor: Actor,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Vec<i64>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    lock_sessions_of(&mut tx, id).await?;
    let ended = sqlx::query_scalar!(
        r#"update membership set status = 'ended', ended_at = $2 where id = $1 and status = any($3) returning id"#,
        id,
        now,
        &from.iter().map(|s| s.code()).collect::<Vec<_>>() as &[&str]
    )
    .fetch_optional(&mut *tx)
    .await?;
    if ended.is_none() {
        return Ok(None);
    }
    let weeks: Vec<(i64, i64)> = sqlx::query!(
        r#"with due as (
             select b.id, b.session_id, b.status from booking b join session s on s.id = b.session_id
             where b.membership_id = $1 and booking_is_active(b.status) and s.starts_at > $2),
           changed as (
             update booking b set status = $3 from due where b.id = due.id
             returning b.id, b.session_id, due.status as was),
           event as (
             insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
             select id, was, $3, $4, $2, $5 from changed)
           select id, session_id from changed order by session_id"#,
        id,
        now,
        to as BookingStatus,
        actor.code(),
        reason
    )
    .map(|r| (r.id, r.session_id))
    .fetch_all(&mut *tx)
    .await?;
    for (_, session_id) in &weeks {
        let session = lock_session(&mut tx, *session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        promote_waitlist(&mut tx, &session, now).await?;
    }
    tx.commit().await?;
    Ok(Some(weeks.into_iter().map(|(id, _)| id).collect()))
}

/// One week of a membership, as the person's page and intake's request page list it.
#[derive(Clone, Debug)]
pub struct Week {
    pub booking_id: i64,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: BookingStatus,
    pub group_cancelled: bool,
    /// Live position among those waiting.
    pub waitlist_position: Option<i64>,
}

/// A membership and its weeks that have not begun, soonest first.
#[derive(Clone, Debug)]
pub struct Membership {
    pub id: i64,
    pub status: MembershipStatus,
    pub weeks: Vec<Week>,
}

pub async fn of_booking(
    conn: &mut PgConnection,
    booking_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Membership>> {
    let Some(head) = sqlx::query!(
        r#"select m.id, m.status as "status: MembershipStatus" from membership m
           join booking b on b.membership_id = m.id where b.id = $1"#,
        booking_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let weeks = sqlx::query_as!(
        Week,
        r#"select b.id as booking_id, b.session_id, s.starts_at, s.ends_at, b.status as "status: BookingStatus",
                  s.status = 'cancelled' as "group_cancelled!",
                  case when b.status = 'waitlisted' then
                    (select count(*) + 1 from booking w where w.session_id = b.session_id
                       and w.status = 'waitlisted' and w.id < b.id)
                  end as waitlist_position
           from booking b join session s on s.id = b.session_id
           where b.membership_id = $1 and s.starts_at > $2
           order by s.starts_at"#,
        head.id,
        now
    )
    .fetch_all(conn)
    .await?;
    Ok(Some(Membership { id: head.id, status: head.status, weeks }))
}
