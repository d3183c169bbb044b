//! The outbox: what the app owes each patient, written in the same transaction as the change
//! that owes it (a rolled-back change sends nothing; a committed one is never forgotten), and
//! taken from here by the sending worker of any app instance (`notify`).

use crate::domain::booking::BookingStatus;
use crate::domain::messages::{Channel, MAX_ATTEMPTS, MessageKind, MessageState};
use crate::domain::{ClinicZone, Language};
use crate::store::intake::ClinicScope;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Writes a `kind` message for each of `booking_ids`, one per channel its patient agreed to
/// (the database's `booking_message_channels`), due at `now`. Returns how many it wrote. (A new
/// request writes its first message itself: `bookings::request_seat`.)
pub async fn notify(
    conn: &mut PgConnection,
    booking_ids: &[i64],
    kind: MessageKind,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    if booking_ids.is_empty() {
        return Ok(0);
    }
    let written = sqlx::query!(
        r#"insert into message (booking_id, kind, channel, waitlist_position, created_at, next_attempt_at)
           select b.id, $2, c.channel,
                  case when $2 = 'waitlisted'::message_kind then
                    (select count(*) from booking w
                     where w.session_id = b.session_id and w.status = 'waitlisted' and w.id <= b.id)::int
                  end,
                  $3, $3
           from booking b cross join lateral booking_message_channels(b.consent_sms, b.consent_email, b.email) c (channel)
           where b.id = any($1)"#,
        booking_ids,
        kind as MessageKind,
        now
    )
    .execute(conn)
    .await?;
    Ok(written.rows_affected())
}

/// Writes the booking's newest message again (intake's "send again", when the person lost it),
/// on the channels they agree to now, with today's facts (their place in line now). A
/// reminder is not repeated: the message before it says the same day, time and place. Returns
/// the kind written, or None when there was nothing to repeat or no channel the person still
/// agrees to.
pub async fn resend_last(
    conn: &mut PgConnection,
    booking_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<MessageKind>> {
    let last = sqlx::query_scalar!(
        r#"select kind as "kind: MessageKind" from message where booking_id = $1 and kind <> 'reminder'
           order by id desc limit 1"#,
        booking_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match last {
        Some(kind) if notify(conn, &[booking_id], kind, now).await? > 0 => Ok(Some(kind)),
        _ => Ok(None),
    }
}

/// Writes the reminders now due: for each confirmed booking of a group that has not started,
/// the reminder of the window `now` is in (a group 24 h away gets the 24-hour one; confirmed
/// an hour before, only the 2-hour one), once per channel. `hours` is
/// `GROUPCARE_REMINDER_HOURS`. Returns how many were written.
pub async fn write_due_reminders(
    conn: &mut PgConnection,
    hours: &[i32],
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let mut sorted = hours.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    // Each reminder's window ends where the next, shorter one's begins.
    let window_ends: Vec<i32> = (0..sorted.len()).map(|i| sorted.get(i + 1).copied().unwrap_or(0)).collect();
    let written = sqlx::query!(
        r#"insert into message (booking_id, kind, channel, reminder_hours, reminder_for, created_at, next_attempt_at)
           select b.id, 'reminder', c.channel, r.hours, s.starts_at, $1, $1
           from unnest($2::int[], $3::int[]) as r (hours, window_end)
           join session s on s.status = 'scheduled' and s.starts_at > $1
                         and s.starts_at - make_interval(hours => r.hours) <= $1
                         and s.starts_at - make_interval(hours => r.window_end) > $1
           join booking b on b.session_id = s.id and b.status = 'confirmed'
           cross join lateral booking_message_channels(b.consent_sms, b.consent_email, b.email) c (channel)
           on conflict (booking_id, channel, reminder_hours, reminder_for) where kind = 'reminder' do nothing"#,
        now,
        &sorted,
        &window_ends
    )
    .execute(conn)
    .await?;
    Ok(written.rows_affected())
}

/// A message a worker has claimed, with what it needs to write and send it.
pub struct Claimed {
    pub id: i64,
    pub kind: MessageKind,
    pub channel: Channel,
    /// When it was written (an answer to what the person just did goes out at any hour).
    pub created_at: DateTime<Utc>,
    /// Tries before this one.
    pub attempts: i32,
    /// Sent with every try of this message (see the migration).
    pub idempotency_key: String,
    /// False for a reminder whose booking is no longer confirmed for that time, or whose
    /// group has begun.
    pub still_applies: bool,
    /// The person still agrees to this channel (STOP takes SMS back).
    pub consented: bool,
    /// Where it goes.
    pub phone: String,
    pub email: Option<String>,
    /// What it says (`notify::render`).
    pub language: Language,
    pub waitlist_position: Option<i32>,
    pub starts_at: DateTime<Utc>,
    pub time_zone: ClinicZone,
    pub sender_name: String,
    pub address: String,
    pub clinic_phone: String,
    /// The booking's reference (its calendar event's identity).
    pub reference: String,
    /// The manage link's sealed token and the reference it is sealed under: the booking's own,
    /// or, for a week of a membership, the membership's first booking's (one link for every week).
    pub link_reference: String,
    pub manage_token_sealed: Option<Vec<u8>>,
    /// For the calendar file a confirmation e-mail carries.
    pub ends_at: DateTime<Utc>,
    pub status: BookingStatus,
    pub calendar_sequence: i32,
    pub group_cancelled: bool,
}

/// A worker's hold on the messages it claimed.
pub struct Lease<'a> {
    /// The worker's own id (random per worker).
    pub holder: &'a str,
    /// Until then no other worker takes them; after it, they are due again.
    pub until: DateTime<Utc>,
}

/// Claims up to `limit` due messages for this worker (another instance skips them; if this
/// one dies, they are due again once the lease ends). Oldest due first.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease: &Lease<'_>,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let mut claimed = sqlx::query_as!(
        Claimed,
        r#"update message m set lease_until = $2, lease_holder = $4
           from booking b join session s on s.id = b.session_id join clinic c on c.id = s.clinic_id
                left join membership mb on mb.id = b.membership_id
                left join booking o on o.id = mb.origin_booking_id
           where b.id = m.booking_id
             and m.id in (select id from message
                          where state = 'pending' and next_attempt_at <= $1
                            and (lease_until is null or lease_until <= $1)
                          order by next_attempt_at, id limit $3
                          for update skip locked)
           returning m.id, m.kind as "kind: MessageKind", m.channel as "channel: Channel", m.created_at, m.attempts,
                     m.idempotency_key,
                     (m.kind <> 'reminder' or (b.status = 'confirmed' and s.status = 'scheduled'
                                               and s.starts_at = m.reminder_for and s.starts_at > $1))
                       as "still_applies!",
                     m.channel in (select booking_message_channels(b.consent_sms, b.consent_email, b.email))
                       as "consented!",
                     b.phone, b.email, b.language as "language: Language", m.waitlist_position,
                     s.starts_at, c.time_zone as "time_zone: ClinicZone", c.message_name as sender_name,
                     c.address, c.phone as clinic_phone, b.reference,
                     coalesce(o.reference, b.reference) as "link_reference!",
                     coalesce(o.manage_token_sealed, b.manage_token_sealed) as manage_token_sealed,
                     s.ends_at, b.status as "status: BookingStatus",
                     b.calendar_sequence + s.calendar_sequence as "calendar_sequence!",
                     s.status = 'cancelled' as "group_cancelled!""#,
        now,
        lease.until,
        limit,
        lease.holder
    )
    .fetch_all(conn)
    .await?;
    // `returning` keeps no order.
    claimed.sort_unstable_by_key(|m| m.id);
    Ok(claimed)
}

/// Just before a try at `now`: whether message `id` is still pending and this worker's, under
/// a lease that has not run out (renewed to `lease.until` for the try), and whether the person
/// still agrees to its channel (a STOP may have come since the claim).
pub async fn still_mine(
    conn: &mut PgConnection,
    id: i64,
    lease: &Lease<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar!(
        r#"update message m set lease_until = $3
           from booking b
           where m.id = $1 and m.state = 'pending' and m.lease_holder = $2 and m.lease_until > $4
             and b.id = m.booking_id
           returning m.channel in (select booking_message_channels(b.consent_sms, b.consent_email, b.email))
                     as "consented!""#,
        id,
        lease.holder,
        lease.until,
        now
    )
    .fetch_optional(conn)
    .await
}

/// How one try of a message went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// It failed; try again at `at` (or list it as failed when that was the last try).
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// It failed in a way another try cannot mend (the provider refused the address).
    Failed {
        error: String,
    },
}

/// Records a try of message `id` (the `tries`-th) by the worker `holder`, if the message is
/// still its own (false: another worker took it over, and its record stands). `error`s are
/// ours, naming the provider's answer, never the message or its recipient.
pub async fn record_attempt(
    conn: &mut PgConnection,
    id: i64,
    holder: &str,
    attempt: &Attempt,
    tries: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let (state, error, next) = match attempt {
        Attempt::Sent => (MessageState::Sent, None, None),
        Attempt::Retry { error, at } if tries < MAX_ATTEMPTS => {
            (MessageState::Pending, Some(error), Some(*at))
        }
        Attempt::Retry { error, .. } | Attempt::Failed { error } => (MessageState::Failed, Some(error), None),
    };
    let recorded = sqlx::query!(
        "update message set state = $2, attempts = $3, last_error = $4, lease_until = null, lease_holder = null,
                sent_at = case when $2 = 'sent'::message_state then $5::timestamptz end,
                next_attempt_at = coalesce($6::timestamptz, next_attempt_at)
         where id = $1 and lease_holder = $7",
        id,
        state as MessageState,
        tries,
        error.map(String::as_str),
        now,
        next,
        holder
    )
    .execute(conn)
    .await?;
    Ok(recorded.rows_affected() == 1)
}

/// Holds message `id` until `until` without counting a try (an SMS in the quiet hours).
pub async fn postpone(
    conn: &mut PgConnection,
    id: i64,
    holder: &str,
    until: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update message set next_attempt_at = $2, lease_until = null, lease_holder = null
         where id = $1 and lease_holder = $3",
        id,
        until,
        holder
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An admin's "try again" on a failed message of `scope`: due now, with its tries counted
/// afresh. Returns its booking, or None when it is not a failed message there.
pub async fn retry_failed(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "update message m set state = 'pending', attempts = 0, next_attempt_at = $2, lease_until = null
         from booking b join session s on s.id = b.session_id
         where m.id = $1 and m.state = 'failed' and b.id = m.booking_id
           and ($3::bigint[] is null or s.clinic_id = any($3))
         returning m.booking_id",
        id,
        now,
        scope.ids()
    )
    .fetch_optional(conn)
    .await
}

/// Why a message will not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsent {
    /// This deployment has no way to send on its channel (the embedded default).
    NoChannel,
    /// The patient took their consent to this channel back (STOP).
    ConsentWithdrawn,
    /// A reminder for a booking that is no longer confirmed, or a group that is gone.
    NoLongerApplies,
}

impl Unsent {
    pub fn code(self) -> &'static str {
        match self {
            Unsent::NoChannel => "no_channel",
            Unsent::ConsentWithdrawn => "consent_withdrawn",
            Unsent::NoLongerApplies => "no_longer_applies",
        }
    }

    pub fn from_code(code: &str) -> Option<Unsent> {
        [Unsent::NoChannel, Unsent::ConsentWithdrawn, Unsent::NoLongerApplies]
            .into_iter()
            .find(|u| u.code() == code)
    }
}

/// Records the messages `ids` the worker `holder` claimed as not sent, for `why`.
pub async fn mark_unsent(
    conn: &mut PgConnection,
    ids: &[i64],
    holder: &str,
    why: Unsent,
) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "update message set state = 'unsent', unsent_reason = $2, lease_until = null, lease_holder = null
         where id = any($1) and lease_holder = $3",
        ids,
        why.code(),
        holder
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A message as staff lists show it: what and how, never its text or recipient.
#[derive(Clone, Debug)]
pub struct MessageLine {
    pub id: i64,
    pub booking_id: i64,
    pub kind: MessageKind,
    pub channel: Channel,
    pub state: MessageState,
    pub unsent_reason: Option<String>,
    /// What the provider answered to the last failed try (our words, no patient data).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The booking's clinic, whose time the list is shown in.
    pub clinic_name: String,
    pub time_zone: ClinicZone,
    /// What the message says (see `notify::render`): nothing about the person but the
    /// language they chose and their place in line.
    pub language: Language,
    pub waitlist_position: Option<i32>,
    pub starts_at: DateTime<Utc>,
    /// The clinic's neutral name for messages ('' when none is set), address and phone.
    pub sender_name: String,
    pub address: String,
    pub phone: String,
}

/// The messages of one booking, oldest first.
pub async fn of_booking(conn: &mut PgConnection, booking_id: i64) -> sqlx::Result<Vec<MessageLine>> {
    let mut lines = newest(conn, Some(booking_id), &ClinicScope::All, None).await?;
    lines.reverse();
    Ok(lines)
}

/// The newest 200 messages of bookings in `scope` (only those in `state`, when given),
/// newest first.
pub async fn recent(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    state: Option<MessageState>,
) -> sqlx::Result<Vec<MessageLine>> {
    newest(conn, None, scope, state).await
}

/// The newest 200 messages of `booking` (or of every booking) in `scope` and `state`, newest
/// first.
async fn newest(
    conn: &mut PgConnection,
    booking: Option<i64>,
    scope: &ClinicScope,
    state: Option<MessageState>,
) -> sqlx::Result<Vec<MessageLine>> {
    sqlx::query_as!(
        MessageLine,
        r#"select m.id, m.booking_id, m.kind as "kind: MessageKind", m.channel as "channel: Channel",
                  m.state as "state: MessageState", m.unsent_reason, m.last_error, m.created_at, m.sent_at,
                  c.name as clinic_name, c.time_zone as "time_zone: ClinicZone",
                  b.language as "language: Language", m.waitlist_position, s.starts_at,
                  c.message_name as sender_name, c.address, c.phone
           from message m join booking b on b.id = m.booking_id join session s on s.id = b.session_id
           join clinic c on c.id = s.clinic_id
           where ($1::bigint is null or m.booking_id = $1) and ($2::bigint[] is null or s.clinic_id = any($2))
             and ($3::message_state is null or m.state = $3)
           order by m.id desc limit 200"#,
        booking,
        scope.ids(),
        state as Option<MessageState>
    )
    .fetch_all(conn)
    .await
}
