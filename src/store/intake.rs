//! What intake staff read and change: the queue of requests, one request with its history,
//! status changes (with the waitlist promoted when a seat frees) and contact attempts.

use super::bookings::{lock_session, promote_waitlist, still_in};
use super::{memberships, outbox};
use crate::domain::audit::AuditAction;
use crate::domain::booking::{Actor, AdmissionAnswers, Attention, BookingSource, BookingStatus, Payment};
use crate::domain::messages::MessageKind;
use crate::domain::{ClinicZone, Language};
use chrono::{DateTime, Datelike, Utc};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::ops::ControlFlow;

/// Which clinics a staff member may see: all (administrators) or a list (intake).
#[derive(Clone, Debug)]
pub enum ClinicScope {
    All,
    Only(Vec<i64>),
}

impl ClinicScope {
    pub fn includes(&self, clinic_id: i64) -> bool {
        match self {
            ClinicScope::All => true,
            ClinicScope::Only(ids) => ids.contains(&clinic_id),
        }
    }

    /// The list to bind, or None for all.
    pub fn ids(&self) -> Option<&[i64]> {
        match self {
            ClinicScope::All => None,
            ClinicScope::Only(ids) => Some(ids),
        }
    }
}

#[derive(Clone)]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub status: BookingStatus,
    pub first_name: String,
    pub last_name: String,
    pub created_at: DateTime<Utc>,
    pub overlap_flag: bool,
    pub is_repeat: bool,
    pub session_id: i64,
    pub starts_at: DateTime<Utc>,
    pub time_zone: ClinicZone,
    pub clinic_name: String,
    pub topic_name_en: String,
    pub topic_name_es: String,
    pub language: Language,
    /// Why it is on the worklist (None in a list by status).
    pub attention: Option<Attention>,
}

/// How far back the worklist looks for follow-ups (a cancelled group, a missed one).
pub const FOLLOW_UP_DAYS: i64 = 14;

/// The rows a page of an intake list shows (the worklist, a list by status): the ones to call
/// first, read in one go; the next page begins after the last.
pub const PAGE_ROWS: usize = 100;

/// Where a page of an intake list begins: after this booking, whose group starts then (lists
/// are in the order of their groups' starts, then of bookings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct After {
    pub starts_at: DateTime<Utc>,
    pub booking_id: i64,
}

impl After {
    /// As a page's link carries it: the group's start in microseconds, a dot, the booking.
    pub fn code(&self) -> String {
        format!("{}.{}", self.starts_at.timestamp_micros(), self.booking_id)
    }

    /// None for anything else, or a time outside the years 1–9999 (PostgreSQL's times end
    /// sooner than chrono's: the first page, not a failed query).
    pub fn from_code(code: &str) -> Option<After> {
        let (micros, id) = code.split_once('.')?;
        let starts_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        (1..=9999).contains(&starts_at.year()).then_some(After { starts_at, booking_id: id.parse().ok()? })
    }
}

/// A page of an intake list, and where the next one begins (None: this is the last).
pub struct ListPage {
    pub rows: Vec<QueueRow>,
    pub next: Option<After>,
}

impl ListPage {
    /// From up to [`PAGE_ROWS`] + 1 rows read: the one past the page says there is a next.
    fn cut(mut rows: Vec<QueueRow>) -> ListPage {
        let more = rows.len() > PAGE_ROWS;
        rows.truncate(PAGE_ROWS);
        let next = rows.last().filter(|_| more).map(|r| After { starts_at: r.starts_at, booking_id: r.id });
        ListPage { rows, next }
    }
}

/// The clinics a worklist is worked out for (None: all): the one asked about when it is in the
/// worker's scope, else the scope.
pub fn worklist_clinics(scope: &ClinicScope, clinic: Option<i64>) -> Option<Vec<i64>> {
    match (scope.ids(), clinic) {
        (None, None) => None,
        (None, Some(asked)) => Some(vec![asked]),
        (Some(ids), asked) => Some(ids.iter().copied().filter(|id| asked.is_none_or(|a| a == *id)).collect()),
    }
}

/// A page of intake's worklist of `clinics` ([`worklist_clinics`]; None: all), and `reason` if
/// given: the bookings someone should call about, and why, soonest group first (the database's
/// `worklist_now`, from the reasons kept on the bookings: a page reads its own rows, however
/// long the list).
pub async fn worklist(
    conn: &mut PgConnection,
    clinics: Option<&[i64]>,
    reason: Option<Attention>,
    after: Option<After>,
    now: DateTime<Utc>,
) -> sqlx::Result<ListPage> {
    // The page's ids first, then their details: joined before the limit, the details of the
    // whole list would be read.
    let rows = sqlx::query_as!(
        QueueRow,
        r#"select b.id, b.reference, b.status as "status: BookingStatus", b.first_name, b.last_name, b.created_at,
                b.overlap_flag, b.duplicate_of is not null as "is_repeat!", s.id as session_id, s.starts_at,
                c.time_zone as "time_zone: ClinicZone",
                c.name as clinic_name, t.name_en as topic_name_en, t.name_es as topic_name_es,
                s.language as "language: Language", w.attention as "attention?: Attention"
         from (select w.booking_id, w.attention, w.starts_at from worklist_now($1, $2, $3) w
               where ($4::text is null or w.attention = $4)
                 and ($5::timestamptz is null or (w.starts_at, w.booking_id) > ($5, $6))
               order by w.starts_at, w.booking_id
               limit $7) w
         join booking b on b.id = w.booking_id join session s on s.id = b.session_id
         join clinic c on c.id = s.clinic_id join topic t on t.id = s.topic_id
         order by w.starts_at, w.booking_id"#,
        now,
        FOLLOW_UP_DAYS as i32,
        clinics,
        reason.map(Attention::code),
        after.map(|a| a.starts_at),
        after.map(|a| a.booking_id),
        PAGE_ROWS as i64 + 1
    )
    .fetch_all(conn)
    .await?;
    Ok(ListPage::cut(rows))
}

/// How many bookings of `clinics` ([`worklist_clinics`]; None: all) are on the worklist for each
/// reason. It reads the whole list (a page reads only its rows): pages ask
/// `Listings::worklist_counts`, which counts at most once a second.
pub async fn worklist_counts(
    conn: &mut PgConnection,
    clinics: Option<&[i64]>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<(Attention, i64)>> {
    let counted: HashMap<Attention, i64> = sqlx::query!(
        r#"select w.attention as "attention!: Attention", count(*) as "n!"
         from worklist_now($1, $2, $3) w group by w.attention"#,
        now,
        FOLLOW_UP_DAYS as i32,
        clinics
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.attention, r.n))
    .collect();
    Ok(Attention::ALL.iter().map(|a| (*a, counted.get(a).copied().unwrap_or(0))).collect())
}

/// What intake looks for when a caller reads out something: a reference, a phone number, or a
/// name (each word the start of the first or last name). Any that matches is found.
pub struct Search {
    pub reference: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// Words as `contact::search_word` folds them.
    pub name_words: Vec<String>,
}

/// The bookings in `scope` that `search` finds, the latest group first (at most 50).
pub async fn find(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    search: &Search,
) -> sqlx::Result<Vec<QueueRow>> {
    let words = (!search.name_words.is_empty()).then_some(search.name_words.as_slice());
    sqlx::query_as!(
        QueueRow,
        r#"select b.id, b.reference, b.status as "status: BookingStatus", b.first_name, b.last_name, b.created_at,
                b.overlap_flag, b.duplicate_of is not null as "is_repeat!", s.id as session_id, s.starts_at,
                c.time_zone as "time_zone: ClinicZone",
                c.name as clinic_name, t.name_en as topic_name_en, t.name_es as topic_name_es,
                s.language as "language: Language", null::text as "attention?: Attention"
         from booking b join session s on s.id = b.session_id
         join clinic c on c.id = s.clinic_id join topic t on t.id = s.topic_id
         where ($1::bigint[] is null or s.clinic_id = any($1))
           and (b.reference = $2 or b.phone = $3
                or ($4::text[] is not null and (
                    -- Each word starts a word of the name, folded as `contact::search_word` folds.
                    select bool_and(n.name like '% ' || w || '%')
                    from unnest($4::text[]) w,
                         lateral (select ' ' || regexp_replace(replace(
                             translate(lower(b.first_name || ' ' || b.last_name),
                                       'ÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇáàäâéèëêíìïîóòöôúùüûñç',
                                       'aaaaeeeeiiiioooouuuuncaaaaeeeeiiiioooouuuunc'),
                             '''', ''), '[^a-z0-9]+', ' ', 'g') as name) n)))
         order by s.starts_at desc, b.id
         limit 50"#,
        scope.ids(),
        search.reference.as_deref(),
        search.phone.as_deref(),
        words
    )
    .fetch_all(conn)
    .await
}

/// A page of the bookings in `scope` (and `clinic`, if given) with `status`, soonest group first.
pub async fn queue(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    clinic: Option<i64>,
    status: BookingStatus,
    after: Option<After>,
) -> sqlx::Result<ListPage> {
    let rows = sqlx::query_as!(
        QueueRow,
        r#"select b.id, b.reference, b.status as "status: BookingStatus", b.first_name, b.last_name, b.created_at,
                b.overlap_flag, b.duplicate_of is not null as "is_repeat!", s.id as session_id, s.starts_at,
                c.time_zone as "time_zone: ClinicZone",
                c.name as clinic_name, t.name_en as topic_name_en, t.name_es as topic_name_es,
                s.language as "language: Language", null::text as "attention?: Attention"
         from booking b join session s on s.id = b.session_id
         join clinic c on c.id = s.clinic_id join topic t on t.id = s.topic_id
         where b.status = $1
           and ($2::bigint[] is null or s.clinic_id = any($2))
           and ($3::bigint is null or s.clinic_id = $3)
           and ($4::timestamptz is null or (s.starts_at, b.id) > ($4, $5))
         order by s.starts_at, b.id
         limit $6"#,
        status as BookingStatus,
        scope.ids(),
        clinic,
        after.map(|a| a.starts_at),
        after.map(|a| a.booking_id),
        PAGE_ROWS as i64 + 1
    )
    .fetch_all(conn)
    .await?;
    Ok(ListPage::cut(rows))
}

/// One request as intake sees it.
#[derive(Clone)]
pub struct RequestDetail {
    pub id: i64,
    pub reference: String,
    pub status: BookingStatus,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub language: Language,
    pub notes: Option<String>,
    pub consent_sms: bool,
    pub consent_voicemail: bool,
    pub consent_email: bool,
    /// When the person answered STOP to a text (their consent to texts ended then).
    pub sms_stopped_at: Option<DateTime<Utc>>,
    /// The admission questions' answers (see `NewBooking`).
    pub returning_patient: Option<bool>,
    pub payment: Option<Payment>,
    pub needs_ride: bool,
    pub accommodation: Option<String>,
    pub source: BookingSource,
    pub overlap_flag: bool,
    pub duplicate_of: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub session_id: i64,
    pub clinic_id: i64,
    pub patient_id: Option<i64>,
    /// The membership ("every week") this booking is a week of, if any.
    pub membership_id: Option<i64>,
}

/// The request `id`, if it is in `scope`.
pub async fn request(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    id: i64,
) -> sqlx::Result<Option<RequestDetail>> {
    sqlx::query_as!(
        RequestDetail,
        r#"select b.id, b.reference, b.status as "status: BookingStatus", b.first_name, b.last_name, b.phone,
                b.email, b.language as "language: Language", b.notes, b.consent_sms, b.consent_voicemail, b.consent_email,
                b.sms_stopped_at, b.returning_patient, b.payment as "payment: Payment", b.needs_ride, b.accommodation,
                b.source as "source: BookingSource", b.overlap_flag, b.duplicate_of, b.created_at,
                b.session_id, s.clinic_id, b.patient_id, b.membership_id
         from booking b join session s on s.id = b.session_id
         where b.id = $1 and ($2::bigint[] is null or s.clinic_id = any($2))"#,
        id,
        scope.ids()
    )
    .fetch_optional(conn)
    .await
}

/// One line of a request's history: a status change or a contact attempt.
#[derive(Clone)]
pub struct HistoryLine {
    pub at: DateTime<Utc>,
    pub from_status: Option<BookingStatus>,
    pub to_status: Option<BookingStatus>,
    pub outcome: Option<ContactOutcome>,
    pub actor: Actor,
    pub reason: Option<String>,
}

struct HistoryRow {
    at: DateTime<Utc>,
    from_status: Option<BookingStatus>,
    to_status: Option<BookingStatus>,
    outcome: Option<ContactOutcome>,
    /// A status change's actor.
    actor: Option<Actor>,
    /// A contact attempt's staff member.
    staff_id: Option<i64>,
    reason: Option<String>,
}

pub async fn history(conn: &mut PgConnection, booking_id: i64) -> sqlx::Result<Vec<HistoryLine>> {
    let rows: Vec<HistoryRow> = sqlx::query_as!(HistoryRow, r#"select at as "at!", from_status as "from_status: BookingStatus", to_status as "to_status: BookingStatus",
                null::contact_outcome as "outcome: ContactOutcome", actor as "actor: Actor", null::bigint as staff_id,
                reason
         from booking_event where booking_id = $1
         union all
         select at, null, null, outcome, null, staff_id, null
         from contact_attempt where booking_id = $1
         order by 1"#, booking_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let actor = match (r.actor, r.staff_id) {
                (Some(actor), _) => actor,
                (None, Some(staff)) => Actor::Staff(staff),
                (None, None) => return Err(sqlx::Error::Decode("a history line without an actor".into())),
            };
            let HistoryRow { at, from_status, to_status, outcome, reason, .. } = r;
            Ok(HistoryLine { at, from_status, to_status, outcome, actor, reason })
        })
        .collect()
}

/// A status change intake may make, and the states it may start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Confirm,
    Decline,
    Cancel,
}

impl Decision {
    pub fn from_states(self) -> &'static [BookingStatus] {
        use BookingStatus::*;
        match self {
            Decision::Confirm => &[Requested],
            Decision::Decline => &[Requested, Waitlisted],
            Decision::Cancel => &[Requested, Confirmed, Waitlisted],
        }
    }

    /// What the patient is told of it.
    pub fn message(self) -> MessageKind {
        match self {
            Decision::Confirm => MessageKind::Confirmed,
            Decision::Decline => MessageKind::Declined,
            Decision::Cancel => MessageKind::CancelledByClinic,
        }
    }

    pub fn to_state(self) -> BookingStatus {
        match self {
            Decision::Confirm => BookingStatus::Confirmed,
            Decision::Decline => BookingStatus::Declined,
            Decision::Cancel => BookingStatus::Cancelled,
        }
    }

    /// The decision a request page's form path names (`…/requests/{id}/confirm`).
    pub fn from_path(action: &str) -> Option<Decision> {
        match action {
            "confirm" => Some(Decision::Confirm),
            "decline" => Some(Decision::Decline),
            "cancel" => Some(Decision::Cancel),
            _ => None,
        }
    }

    /// What the audit log calls it.
    pub fn audit_action(self) -> AuditAction {
        match self {
            Decision::Confirm => AuditAction::BookingConfirm,
            Decision::Decline => AuditAction::BookingDecline,
            Decision::Cancel => AuditAction::BookingCancel,
        }
    }
}

/// Applies `decision` to booking `id` (in `scope`) if its status allows, recording who and
/// why; a freed seat goes to the waitlist in the same transaction. Returns None when the
/// booking is not in scope, Some(None) when its status did not allow the change, else the
/// other bookings changed with it (the weeks of a weekly place decided with its first one; a
/// weekly place never leaves its clinic, so they are in scope too).
pub async fn decide(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    id: i64,
    decision: Decision,
    actor: Actor,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Option<Vec<i64>>>> {
    // Intake may move the booking between reading its group and locking it: then read again.
    for _ in 0..3 {
        if let ControlFlow::Break(done) = decide_once(conn, scope, id, decision, actor, reason, now).await? {
            return Ok(done);
        }
    }
    // Still moving after three reads: nothing changed; the request's page shows where it is.
    Ok(Some(None))
}

/// One try of [`decide`]: `Continue` when the booking left the group it was read in before
/// that group was locked (nothing is changed).
async fn decide_once(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    id: i64,
    decision: Decision,
    actor: Actor,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<ControlFlow<Option<Option<Vec<i64>>>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(found) = request(&mut tx, scope, id).await? else {
        return Ok(ControlFlow::Break(None));
    };
    // The session's row is the one lock for its seats (see store::bookings); a membership's
    // weeks are locked together first, in id order (see store::memberships).
    if let Some(membership) = found.membership_id {
        memberships::lock_sessions_of(&mut tx, membership).await?;
    }
    let session = lock_session(&mut tx, found.session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    // Intake may have moved it meanwhile: then its seat is another group's (read it again).
    if !still_in(&mut tx, id, found.session_id).await? {
        return Ok(ControlFlow::Continue(()));
    }
    let changed: Option<i64> = sqlx::query_scalar!(
        r#"with changed as (
           update booking set status = $2 where id = $1 and status = any($3)
           returning id, (select status from booking where id = $1) as was)
         insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
         select id, was, $2, $4, $5, $6 from changed returning booking_id"#,
        id,
        decision.to_state() as BookingStatus,
        decision.from_states() as &[BookingStatus],
        actor.code(),
        now,
        reason
    )
    .fetch_optional(&mut *tx)
    .await?;
    if changed.is_none() {
        return Ok(ControlFlow::Break(Some(None)));
    }
    outbox::notify(&mut tx, &[id], decision.message(), now).await?;
    promote_waitlist(&mut tx, &session, now).await?;
    // A membership still waiting for intake is decided with its first booking decided:
    // confirmed once for every week, or declined for every week.
    let weeks = match (found.membership_id, decision) {
        (Some(membership), Decision::Confirm) => {
            memberships::confirm(&mut tx, membership, actor, now).await?
        }
        (Some(membership), Decision::Decline) => {
            memberships::end_if_requested(&mut tx, membership, actor, now).await?.unwrap_or_default()
        }
        _ => Vec::new(),
    };
    tx.commit().await?;
    Ok(ControlFlow::Break(Some(Some(weeks))))
}

/// Corrects the admission answers of booking `id`, and of every week of its membership if it
/// has one (the same person's answers; later weeks are copied from its first booking).
pub async fn update_answers(
    conn: &mut PgConnection,
    id: i64,
    answers: &AdmissionAnswers,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update booking set returning_patient = $2, payment = $3, needs_ride = $4, accommodation = $5
           where id = $1
              or membership_id = (select membership_id from booking where id = $1 and membership_id is not null)"#,
        id,
        answers.returning_patient,
        answers.payment.map(Payment::code),
        answers.needs_ride,
        answers.accommodation.as_deref()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How an attempt to reach a person went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, sqlx::Type)]
#[sqlx(type_name = "contact_outcome", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    Called,
    LeftVoicemail,
    NoAnswer,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 3] =
        [ContactOutcome::Called, ContactOutcome::LeftVoicemail, ContactOutcome::NoAnswer];

    pub fn code(self) -> &'static str {
        match self {
            ContactOutcome::Called => "called",
            ContactOutcome::LeftVoicemail => "left_voicemail",
            ContactOutcome::NoAnswer => "no_answer",
        }
    }

    pub fn from_code(code: &str) -> Option<ContactOutcome> {
        ContactOutcome::ALL.into_iter().find(|o| o.code() == code)
    }
}

pub async fn log_contact(
    conn: &mut PgConnection,
    booking_id: i64,
    staff_id: i64,
    outcome: ContactOutcome,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into contact_attempt (booking_id, staff_id, outcome, at) values ($1, $2, $3, $4)"#,
        booking_id,
        staff_id,
        outcome as ContactOutcome,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything kept about a person, found by phone (E.164) or by one booking's reference:
/// the bookings of that phone, and the patient records of that phone or linked to those
/// bookings (merged ones too), for the audit search.
#[derive(Clone, Debug, Default)]
pub struct PersonRecords {
    pub booking_ids: Vec<i64>,
    pub patient_ids: Vec<i64>,
}

pub async fn records_of_person(
    conn: &mut PgConnection,
    phone: Option<&str>,
    reference: Option<&str>,
) -> sqlx::Result<PersonRecords> {
    let booking_ids: Vec<i64> = sqlx::query_scalar!(
        r#"select id as "id!" from booking where phone = $1
         union select id from booking where phone = (select phone from booking where reference = $2)"#,
        phone,
        reference
    )
    .fetch_all(&mut *conn)
    .await?;
    let patient_ids: Vec<i64> = sqlx::query_scalar!(
        r#"select patient_id as "id!" from booking where id = any($1) and patient_id is not null
         union select id from patient where phone = $2
           or phone = (select phone from booking where reference = $3)
         order by 1"#,
        &booking_ids,
        phone,
        reference
    )
    .fetch_all(conn)
    .await?;
    Ok(PersonRecords { booking_ids, patient_ids })
}

pub async fn id_by_reference(conn: &mut PgConnection, reference: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(r#"select id from booking where reference = $1"#, reference)
        .fetch_optional(conn)
        .await
}

redacted_debug!(QueueRow, RequestDetail, HistoryLine);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_link_carries_where_the_page_begins_and_nothing_else_is_taken_for_it() {
        let after = After {
            starts_at: DateTime::from_timestamp_micros(1_796_400_000_000_123).unwrap(),
            booking_id: 20200,
        };
        assert_eq!(After::from_code(&after.code()), Some(after), "to the microsecond");
        for junk in [
            "",
            "1796400000000000",
            "x.20200",
            "1796400000000000.",
            "1.2.3",
            "99999999999999999999.1",
            // Times chrono has and PostgreSQL has not.
            "-300000000000000000.1",
            "300000000000000000.1",
        ] {
            assert_eq!(After::from_code(junk), None, "{junk:?}: the first page");
        }
    }
}
