//! Booking requests: holding a seat, the waitlist, cancelling and promotion. Every change to
//! a session's bookings first locks that session's row, so requests for one session are
//! decided one at a time by the database, whichever app instance took them.

use crate::domain::Language;
use crate::domain::booking::{
    Actor, BookingSource, BookingStatus, GroupCancelKind, NewBooking, Payment, Unbookable, admission,
    check_bookable, manage_token, new_reference, seat_capacity,
};
use crate::domain::messages::MessageKind;
use crate::keys::Keys;
use crate::store::secrets::manage_token_context;
use crate::store::{memberships, outbox};
use crate::tokens::digest;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use std::ops::ControlFlow;

/// Who asks, for which session, under which one-time key.
pub struct SeatRequest<'a> {
    pub session_id: i64,
    pub booking: &'a NewBooking,
    pub request_key: &'a str,
    pub now: DateTime<Utc>,
    pub cutoff: Duration,
    /// The server's key for manage links (see [`manage_token`]).
    pub link_key: &'a [u8],
    /// Seals the manage link's token into the booking, so later messages carry the link;
    /// None keeps no link (the demo's invented requests).
    pub keys: Option<&'a Keys>,
    pub source: BookingSource,
}

/// What the person who asked is told. A repeat request gets an answer of the same shape,
/// with a reference and link of its own: never another booking's.
#[derive(Clone, PartialEq, Eq)]
pub struct BookingAnswer {
    pub reference: String,
    pub status: BookingStatus,
    pub waitlist_position: Option<i32>,
    pub manage_token: String,
}

// The link is a secret: debug output shows the outcome only.
impl std::fmt::Debug for BookingAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookingAnswer")
            .field("status", &self.status)
            .field("waitlist_position", &self.waitlist_position)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    UnknownSession,
    Unbookable(Unbookable),
    /// The one-time key was already used for a different request.
    KeyReused,
}

/// A session whose row this transaction has locked: only [`lock_session`] and
/// [`lock_with_standing`] make one, and holding one is the proof a caller may change who holds
/// its seats.
pub struct LockedSession {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    room_capacity: i32,
    seats_per_counselor: i32,
    counselors: i64,
    /// Seats held and places waiting when it was locked (kept on the session's row by the
    /// database from every change to its bookings: migration 0021).
    held: i32,
    waiting: i32,
}

impl LockedSession {
    /// Its seats now (the rule is `domain::booking::seat_capacity`).
    pub fn seats(&self) -> i32 {
        seat_capacity(self.room_capacity, self.counselors as i32, self.seats_per_counselor)
    }

    /// Its seats with one counselor fewer.
    pub fn seats_without_one_counselor(&self) -> i32 {
        seat_capacity(self.room_capacity, self.counselors as i32 - 1, self.seats_per_counselor)
    }

    pub fn counselors(&self) -> i64 {
        self.counselors
    }

    /// Seats held when it was locked.
    pub fn held(&self) -> i32 {
        self.held
    }

    /// What a request made now gets: a seat, or a place on the waitlist (and which).
    pub fn admission(&self) -> (BookingStatus, Option<i32>) {
        admission(self.seats(), i64::from(self.held), i64::from(self.waiting))
    }
}

/// Where `phone` stands at a session: an active booking of the same phone there (the request
/// would repeat it), and whether the phone has an active booking at the same clinic
/// overlapping in time; and, for a request under a one-time key, the answer that key already
/// got. (The session's seats and waitlist are the [`LockedSession`]'s.)
pub(super) struct Standing {
    pub duplicate_of: Option<i64>,
    pub overlaps: bool,
    pub earlier: Option<EarlierAnswer>,
}

/// The standing of the locked `session` for `phone`; a booking being moved from `leaving`
/// does not count as an overlap. Overlaps are looked for in this clinic only: another
/// program's bookings of the person are not this clinic's to learn of (42 CFR Part 2), not
/// even as a flag. The same statement counts the session's counselors again into `session`:
/// it follows the lock, so [`lock_with_standing`] needs no statement of its own for them. It
/// also looks up what the one-time key hashed to `key_hash` was answered, if it was: read
/// after the group's lock, it sees a request under the same key for this group that held the
/// lock before (so a double click is answered once).
pub(super) async fn standing(
    conn: &mut PgConnection,
    session: &mut LockedSession,
    phone: &str,
    leaving: Option<i64>,
    key_hash: Option<&[u8]>,
) -> sqlx::Result<Standing> {
    let found = sqlx::query!(
        r#"select (select min(d.id) from booking d where d.session_id = $1 and d.phone = $2
                   and booking_is_active(d.status)) as duplicate_of,
                exists (select 1 from booking o join session os on os.id = o.session_id
                        where o.phone = $2 and o.session_id <> $1
                          and ($5::bigint is null or o.session_id <> $5)
                          and booking_is_active(o.status)
                          and os.status = 'scheduled'
                          and os.clinic_id = (select clinic_id from session where id = $1)
                          and os.starts_at < $4 and os.ends_at > $3) as "overlaps!",
                (select count(*) from session_counselor where session_id = $1) as "counselors!",
                earlier.fingerprint as "earlier_fingerprint?", earlier.reference as "earlier_reference?",
                earlier.answer_status as "earlier_status?: BookingStatus",
                earlier.answer_waitlist_position as earlier_waitlist_position
         from (select) as this
         left join lateral (select r.fingerprint, b.reference, r.answer_status, r.answer_waitlist_position
                            from booking_request r join booking b on b.id = r.booking_id
                            where r.key_hash = $6) as earlier on true"#,
        session.id,
        phone,
        session.starts_at,
        session.ends_at,
        leaving,
        key_hash
    )
    .fetch_one(conn)
    .await?;
    session.counselors = found.counselors;
    let earlier = match (found.earlier_fingerprint, found.earlier_reference, found.earlier_status) {
        (Some(fingerprint), Some(reference), Some(answer_status)) => Some(EarlierAnswer {
            fingerprint,
            reference,
            answer_status,
            answer_waitlist_position: found.earlier_waitlist_position,
        }),
        _ => None,
    };
    Ok(Standing { duplicate_of: found.duplicate_of, overlaps: found.overlaps, earlier })
}

/// What a one-time key was answered, and a fingerprint of the request it came with.
pub(super) struct EarlierAnswer {
    fingerprint: Vec<u8>,
    reference: String,
    answer_status: BookingStatus,
    answer_waitlist_position: Option<i32>,
}

/// Locks the session's row for the rest of the transaction: the one lock for its seats.
pub async fn lock_session(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Option<LockedSession>> {
    let Some(mut locked) = lock_row(&mut *conn, session_id).await? else {
        return Ok(None);
    };
    // Counted once the lock is ours, in a statement of its own: a subquery of the locking
    // statement would see the counselors as they were when it began waiting, before the change
    // (a counselor taken off) that held the lock, and hand out seats the group no longer has.
    locked.counselors = sqlx::query_scalar!(
        r#"select count(*) as "n!" from session_counselor where session_id = $1"#,
        session_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(locked))
}

/// Locks session `session_id`'s row for the rest of the transaction, as [`lock_session`] does,
/// and tells where `phone` stands there and what the one-time key hashed to `key_hash` was
/// answered ([`standing`], which counts the counselors after the lock): a request's path holds
/// the group's lock one round trip less.
pub(super) async fn lock_with_standing(
    conn: &mut PgConnection,
    session_id: i64,
    phone: &str,
    key_hash: Option<&[u8]>,
) -> sqlx::Result<Option<(LockedSession, Standing)>> {
    let Some(mut locked) = lock_row(&mut *conn, session_id).await? else {
        return Ok(None);
    };
    let standing = standing(conn, &mut locked, phone, None, key_hash).await?;
    Ok(Some((locked, standing)))
}

/// The locking statement alone: its counselors are not counted yet (0), so it never leaves
/// this module but through the two above, which count them.
async fn lock_row(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Option<LockedSession>> {
    sqlx::query_as!(
        LockedSession,
        r#"select s.id, s.starts_at, s.ends_at, s.status = 'cancelled' as "cancelled!", s.room_capacity,
                s.seats_per_counselor, 0::bigint as "counselors!", s.seats_held as held, s.places_waiting as waiting
         from session s where s.id = $1 for update of s"#,
        session_id
    )
    .fetch_optional(conn)
    .await
}

/// Whether booking `id` is still in `session_id`. Read under that session's lock, it stays so
/// (a move locks both groups): a caller that read the booking's group before taking the lock
/// checks with this, and starts again if intake moved it meanwhile.
pub async fn still_in(conn: &mut PgConnection, id: i64, session_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"select session_id = $2 as "same!" from booking where id = $1"#, id, session_id)
        .fetch_one(conn)
        .await
}

/// Takes a booking request: holds a seat when one is free, joins the waitlist otherwise.
/// The same one-time key always gets the same answer.
pub async fn request_seat(
    conn: &mut PgConnection,
    req: &SeatRequest<'_>,
) -> sqlx::Result<Result<BookingAnswer, Refused>> {
    let key_hash = digest(req.request_key);
    let token = manage_token(req.link_key, req.request_key);
    let fingerprint = req.booking.fingerprint(req.session_id);
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;

    // Every week: the series is held against a change or generation being saved meanwhile,
    // and its weeks from this one on are locked in id order before any one of them.
    let series_id = match req.booking.every_week {
        // A retired clinic's or topic's series makes no new weeks: its groups are booked once.
        true => sqlx::query_scalar!(
            r#"select s.series_id from session s join clinic c on c.id = s.clinic_id join topic t on t.id = s.topic_id
               where s.id = $1 and c.active and t.active"#,
            req.session_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .flatten(),
        false => None,
    };
    let mut weeks = Vec::new();
    if let Some(series_id) = series_id {
        sqlx::query_scalar!("select id from series where id = $1 for share", series_id)
            .fetch_optional(&mut *tx)
            .await?;
        let starts_at = sqlx::query_scalar!("select starts_at from session where id = $1", req.session_id)
            .fetch_one(&mut *tx)
            .await?;
        weeks = memberships::lock_weeks_from(&mut tx, series_id, starts_at).await?;
    }
    let phone = req.booking.phone.e164();
    // Requests under one key for one group wait for each other at its lock, and the later one
    // finds the earlier's answer.
    let Some((session, standing)) =
        lock_with_standing(&mut tx, req.session_id, phone, Some(&key_hash)).await?
    else {
        return Ok(Err(Refused::UnknownSession));
    };
    if let Some(earlier) = standing.earlier {
        if earlier.fingerprint != fingerprint {
            return Ok(Err(Refused::KeyReused));
        }
        return Ok(Ok(BookingAnswer {
            reference: earlier.reference,
            status: earlier.answer_status,
            waitlist_position: earlier.answer_waitlist_position,
            manage_token: token,
        }));
    }
    if let Err(why) = check_bookable(session.cancelled, session.starts_at, req.now, req.cutoff) {
        return Ok(Err(Refused::Unbookable(why)));
    }

    // A repeat of the same phone is taken exactly as a new request (a seat or a waitlist
    // place, promoted like any other), so no public count tells it apart; it is marked for
    // intake, who cancel it in one step.
    let (status, waitlist_position) = session.admission();
    // The person's first message, written with the booking (its place in line is the answer's).
    let told = match status {
        BookingStatus::Waitlisted => MessageKind::Waitlisted,
        _ => MessageKind::RequestReceived,
    };
    let b = req.booking;
    let reference = loop {
        let reference = new_reference();
        let made = sqlx::query_scalar!(
            r#"with made as (
               insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name,
                                    phone, email, language, notes, consent_sms, consent_voicemail, source,
                                    duplicate_of, overlap_flag, created_at, consent_email, manage_token_sealed,
                                    returning_patient, payment, needs_ride, accommodation)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $21, $22,
                       $23, $24, $25, $26)
               on conflict (reference) do nothing
               returning id),
             event as (
               insert into booking_event (booking_id, from_status, to_status, actor, at)
               select id, null, $4, $20, $16 from made),
             request as (
               insert into booking_request (key_hash, fingerprint, booking_id, answer_status,
                                            answer_waitlist_position, created_at)
               select $17, $18, id, $4, $19, $16 from made),
             told as (
               insert into message (booking_id, kind, channel, waitlist_position, created_at, next_attempt_at)
               select made.id, $27, c.channel, $19, $16, $16
               from made cross join lateral booking_message_channels($11, $21, $8) c (channel))
             select id from made"#,
            req.session_id,
            &reference,
            digest(&token),
            status as BookingStatus,
            b.first_name.as_str(),
            b.last_name.as_str(),
            phone,
            b.email.as_ref().map(|e| e.as_str()),
            b.language as Language,
            b.notes.as_deref(),
            b.consent_sms,
            b.consent_voicemail,
            req.source.code(),
            standing.duplicate_of,
            standing.overlaps,
            req.now,
            &key_hash,
            &fingerprint,
            waitlist_position,
            Actor::Patient.code(),
            b.consent_email,
            req.keys.map(|keys| keys.seal(&manage_token_context(&reference), token.as_bytes())),
            b.returning_patient,
            b.payment.map(Payment::code),
            b.needs_ride,
            b.accommodation.as_deref(),
            told as MessageKind
        )
        .fetch_optional(&mut *tx)
        .await;
        let inserted: Option<i64> = match made {
            // The key was used meanwhile for a request to another group: the two waited at
            // different locks, and the key's unique records (its link's hash, its request's)
            // refuse the later one.
            Err(sqlx::Error::Database(e))
                if matches!(
                    e.constraint(),
                    Some("booking_manage_token_hash_key" | "booking_request_pkey")
                ) =>
            {
                return Ok(Err(Refused::KeyReused));
            }
            other => other?,
        };
        // A reference already taken (about one in a hundred billion): draw another.
        if let Some(id) = inserted {
            if let Some(series_id) = series_id {
                weeks.retain(|&week| week != session.id);
                memberships::join(&mut tx, id, series_id, &weeks, req.now).await?;
            }
            break reference;
        }
    };
    tx.commit().await?;
    Ok(Ok(BookingAnswer { reference, status, waitlist_position, manage_token: token }))
}

/// A booking as its own manage link shows it.
#[derive(Clone)]
pub struct OwnBooking {
    pub id: i64,
    pub session_id: i64,
    pub reference: String,
    pub status: BookingStatus,
    pub language: Language,
    /// Live position among those waiting.
    pub waitlist_position: Option<i64>,
    /// Rises with every change to the booking or its group (the calendar file's SEQUENCE).
    pub calendar_sequence: i32,
    /// The clinic cancelled the group itself, and why (in words the person may read).
    pub group_cancelled: bool,
    pub cancel_kind: Option<GroupCancelKind>,
    /// Who cancelled the booking, when it is cancelled: the person, or the clinic.
    pub cancelled_by: Option<Actor>,
    /// The membership ("every week") this booking began, if it did.
    pub membership_id: Option<i64>,
}

pub async fn by_manage_token(conn: &mut PgConnection, token: &str) -> sqlx::Result<Option<OwnBooking>> {
    sqlx::query_as!(
        OwnBooking,
        r#"select b.id, b.session_id, b.reference, b.status as "status: BookingStatus",
                b.language as "language: Language",
                case when b.status = 'waitlisted' then
                  (select count(*) + 1 from booking w where w.session_id = b.session_id
                     and w.status = 'waitlisted' and w.id < b.id)
                end as waitlist_position,
                b.calendar_sequence + s.calendar_sequence as "calendar_sequence!",
                s.status = 'cancelled' as "group_cancelled!",
                s.cancel_kind as "cancel_kind: GroupCancelKind",
                (select e.actor from booking_event e where e.booking_id = b.id and e.to_status = 'cancelled'
                 order by e.id desc limit 1) as "cancelled_by?: Actor",
                b.membership_id
         from booking b join session s on s.id = b.session_id where b.manage_token_hash = $1"#,
        digest(token)
    )
    .fetch_optional(conn)
    .await
}

/// Cancels booking `id` of the session the caller has locked, if it is still active there,
/// and hands its seat on: the person is told, and the session's waitlist moves up. Returns
/// whether it changed.
async fn cancel_in_locked(
    conn: &mut PgConnection,
    id: i64,
    session: &LockedSession,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let cancelled = sqlx::query_scalar!(
        r#"with cancelled as (
           update booking set status = 'cancelled'
           where id = $1 and session_id = $4 and booking_is_active(status)
           returning id, (select status from booking where id = $1) as was)
         insert into booking_event (booking_id, from_status, to_status, actor, at)
         select id, was, 'cancelled', $2, $3 from cancelled returning booking_id"#,
        id,
        actor.code(),
        now,
        session.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if cancelled.is_none() {
        return Ok(false);
    }
    let told = if actor == Actor::Patient {
        MessageKind::CancelledByPatient
    } else {
        MessageKind::CancelledByClinic
    };
    outbox::notify(&mut *conn, &[id], told, now).await?;
    promote_waitlist(conn, session, now).await?;
    Ok(true)
}

/// Cancels the booking behind a manage link and hands its seat to the waitlist. Cancelling
/// again, or a booking that is no longer active, changes nothing. Returns whether it changed,
/// or None when no booking has this link.
pub async fn cancel_by_manage_token(
    conn: &mut PgConnection,
    token: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<bool>> {
    // Intake may move the booking between reading it and locking its session: then the seat
    // to hand on is in the other group, so read it again (a move is rare; twice is plenty).
    for _ in 0..3 {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let Some(own) = by_manage_token(&mut tx, token).await? else {
            return Ok(None);
        };
        let session = lock_session(&mut tx, own.session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        if !cancel_in_locked(&mut tx, own.id, &session, actor, now).await? {
            let moved = sqlx::query_scalar!("select session_id from booking where id = $1", own.id)
                .fetch_one(&mut *tx)
                .await?
                != own.session_id;
            if moved {
                continue;
            }
            return Ok(Some(false));
        }
        tx.commit().await?;
        return Ok(Some(true));
    }
    // Still moving after three reads: nothing changed; the person's page shows where it stands.
    Ok(Some(false))
}

/// Skips one week of the membership behind a manage link: cancels its booking `week` if that
/// booking is one of the membership's, still active, and its group has not begun. Returns
/// whether it changed, or None when no booking has this link.
pub async fn skip_week(
    conn: &mut PgConnection,
    token: &str,
    week: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<bool>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(own) = by_manage_token(&mut tx, token).await? else {
        return Ok(None);
    };
    let Some(membership_id) = own.membership_id else {
        return Ok(Some(false));
    };
    let session_id = sqlx::query_scalar!(
        "select session_id from booking where id = $1 and membership_id = $2",
        week,
        membership_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(session_id) = session_id else {
        return Ok(Some(false));
    };
    let session = lock_session(&mut tx, session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    if session.starts_at <= now {
        return Ok(Some(false));
    }
    let changed = cancel_in_locked(&mut tx, week, &session, Actor::Patient, now).await?;
    tx.commit().await?;
    Ok(Some(changed))
}

/// The reason an expired request's history gives.
pub const EXPIRED_REASON: &str = "expired: still undecided when the group ended";

/// Closes every request (asked for or waiting) whose group has ended without intake deciding
/// it (during the group the counselor may still mark someone who came): cancelled by the app,
/// with [`EXPIRED_REASON`] in its history. No message: the
/// person's page says what happened. Returns how many it closed.
pub async fn expire_undecided(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // The groups first, as every change to a group's bookings does (a booking's status change
    // writes its group's seat counts): one busy now is left for the next round.
    let groups = sqlx::query_scalar!(
        r#"select s.id from session s
           where s.id in (select b.session_id from booking b where b.status in ('requested', 'waitlisted'))
             and s.ends_at <= $1
           order by s.id
           for update of s skip locked"#,
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let expired = sqlx::query_scalar!(
        r#"with due as (
             select b.id, b.status from booking b
             where b.session_id = any($4) and b.status in ('requested', 'waitlisted')
             for update),
           closed as (
             update booking b set status = 'cancelled' from due where b.id = due.id
             returning b.id, due.status as was)
         insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
         select id, was, 'cancelled', $2, $1, $3 from closed returning booking_id"#,
        now,
        Actor::System.code(),
        EXPIRED_REASON,
        &groups
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(expired.len() as u64)
}

/// Moves the oldest waitlisted requests up to `requested` while seats are free in the session
/// the caller has locked. Its seats are read again here (the row is this transaction's
/// already), so a change to them earlier in the transaction always counts. Returns the
/// promoted bookings' ids.
pub async fn promote_waitlist(
    conn: &mut PgConnection,
    session: &LockedSession,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let session = lock_session(&mut *conn, session.id).await?.ok_or(sqlx::Error::RowNotFound)?;
    let promoted = sqlx::query_scalar!(
        r#"with next as (
           select id from booking
           where session_id = $1 and status = 'waitlisted'
           order by id
           limit greatest(0, $4::int - $5::int)
           for update),
         promoted as (
           update booking b set status = 'requested' from next where b.id = next.id returning b.id)
         insert into booking_event (booking_id, from_status, to_status, actor, at)
         select id, 'waitlisted', 'requested', $3, $2 from promoted returning booking_id"#,
        session.id,
        now,
        Actor::System.code(),
        session.seats(),
        session.held
    )
    .fetch_all(&mut *conn)
    .await?;
    outbox::notify(conn, &promoted, MessageKind::PromotedFromWaitlist, now).await?;
    Ok(promoted)
}

/// Why a booking could not be moved to another session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveRefused {
    UnknownSession,
    Unbookable(Unbookable),
    /// The same phone already has an active booking there.
    AlreadyThere,
    /// Only active bookings move.
    NotActive,
    SameSession,
    /// A week of a weekly place moves within its clinic only (the place, its weeks and who may
    /// see them belong to one clinic).
    WeeklyPlaceElsewhere,
}

/// Moves an active booking to `target` by the rules of a new request: a seat when one is
/// free there (a confirmed booking stays confirmed), else the waitlist. The seat it leaves
/// goes to the old session's waitlist. Both sessions are locked, lower id first, so two
/// moves in opposite directions cannot deadlock. Returns the new status.
pub async fn move_booking(
    conn: &mut PgConnection,
    booking_id: i64,
    target: i64,
    actor: Actor,
    now: DateTime<Utc>,
    cutoff: Duration,
) -> sqlx::Result<Result<BookingStatus, MoveRefused>> {
    // Another move may carry the booking to a third group between reading where it is and
    // locking that group: then read again (a move is rare; three reads are plenty).
    for _ in 0..3 {
        if let ControlFlow::Break(done) = move_once(conn, booking_id, target, actor, now, cutoff).await? {
            return Ok(done);
        }
    }
    Ok(Err(MoveRefused::NotActive))
}

/// One try of [`move_booking`]: `Continue` when the booking left the group it was read in
/// before that group was locked (nothing is changed).
async fn move_once(
    conn: &mut PgConnection,
    booking_id: i64,
    target: i64,
    actor: Actor,
    now: DateTime<Utc>,
    cutoff: Duration,
) -> sqlx::Result<ControlFlow<Result<BookingStatus, MoveRefused>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let (source, phone, weekly): (i64, String, bool) = sqlx::query!(
        r#"select session_id, phone, membership_id is not null as "weekly!" from booking where id = $1"#,
        booking_id
    )
    .map(|r| (r.session_id, r.phone, r.weekly))
    .fetch_one(&mut *tx)
    .await?;
    if source == target {
        return Ok(ControlFlow::Break(Err(MoveRefused::SameSession)));
    }
    if weekly {
        let same_clinic = sqlx::query_scalar!(
            r#"select t.clinic_id = s.clinic_id as "same!" from session t, session s where t.id = $1 and s.id = $2"#,
            target,
            source
        )
        .fetch_optional(&mut *tx)
        .await?;
        if same_clinic == Some(false) {
            return Ok(ControlFlow::Break(Err(MoveRefused::WeeklyPlaceElsewhere)));
        }
    }
    let (first, second) = (source.min(target), source.max(target));
    let first_locked = lock_session(&mut tx, first).await?;
    let second_locked = lock_session(&mut tx, second).await?;
    let (target_locked, source_locked) =
        if target == first { (first_locked, second_locked) } else { (second_locked, first_locked) };
    let source_locked = source_locked.ok_or(sqlx::Error::RowNotFound)?;
    if !still_in(&mut tx, booking_id, source).await? {
        return Ok(ControlFlow::Continue(()));
    }
    let Some(mut locked) = target_locked else {
        return Ok(ControlFlow::Break(Err(MoveRefused::UnknownSession)));
    };
    // Read again under the locks: the status may have changed meanwhile.
    let status = sqlx::query_scalar!(
        r#"select status as "status: BookingStatus" from booking where id = $1"#,
        booking_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if !status.is_active() {
        return Ok(ControlFlow::Break(Err(MoveRefused::NotActive)));
    }
    if let Err(why) = check_bookable(locked.cancelled, locked.starts_at, now, cutoff) {
        return Ok(ControlFlow::Break(Err(MoveRefused::Unbookable(why))));
    }
    let standing = standing(&mut tx, &mut locked, &phone, Some(source), None).await?;
    if standing.duplicate_of.is_some() {
        return Ok(ControlFlow::Break(Err(MoveRefused::AlreadyThere)));
    }
    let new_status = match locked.admission().0 {
        BookingStatus::Requested if status == BookingStatus::Confirmed => BookingStatus::Confirmed,
        other => other,
    };
    // The history line begins as the database's reasons find a move by (`booking_moved_reason`).
    sqlx::query!(
        r#"with moved as (
           update booking b set session_id = $2, status = $3, overlap_flag = $4, duplicate_of = null,
             patient_id = case when ts.clinic_id = fs.clinic_id then b.patient_id end
           from session ts, session fs where b.id = $1 and ts.id = $2 and fs.id = $9
           returning b.id)
         insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
         select id, $5, $3, $6, $7, booking_moved_reason() || $8 from moved"#,
        booking_id,
        target,
        new_status as BookingStatus,
        standing.overlaps,
        status as BookingStatus,
        actor.code(),
        now,
        source.to_string(),
        source
    )
    .execute(&mut *tx)
    .await?;
    outbox::notify(&mut tx, &[booking_id], MessageKind::Moved, now).await?;
    promote_waitlist(&mut tx, &source_locked, now).await?;
    tx.commit().await?;
    Ok(ControlFlow::Break(Ok(new_status)))
}

redacted_debug!(OwnBooking);
