//! Intake: the queue of requests (oldest first), one request with its history, and the
//! decisions on it. Intake accounts see their clinics' requests; administrators all. Every
//! view of patient data and every change is written to the audit log.

use super::auth::{CsrfForm, Intake, NoFields, StaffUser};
use super::message_page::{PageWithMessage, page_with_message};
use super::patients::{PatientLine, patient_lines_shown};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::{
    Actor, AdmissionAnswers, Attention, BookingSource, Payment, REFERENCE_LEN, normalize_reference,
};
use crate::domain::booking::{BookingInput, BookingStatus, NewBooking, check_bookable};
use crate::domain::contact::Problem;
use crate::domain::contact::{Phone, search_word};
use crate::domain::messages::MessageState;
use crate::store::bookings::{self, MoveRefused, Refused, SeatRequest};
use crate::store::intake::{self, ClinicScope, ContactOutcome, Decision, QueueRow};
use crate::store::memberships::{self, MembershipStatus};
use crate::store::outbox;
use crate::store::patients;
use crate::store::replies;
use crate::store::{catalog, sessions};
use crate::tokens::new_request_key;
use crate::web::booking_requests::{PersonFields, field_label, usable_key};
use crate::web::error::AppError;
use crate::web::extract::{Path, Query};
use crate::web::i18n::Ui;
use crate::web::views::LISTING_DAYS;
use crate::web::views::SessionCard;
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sqlx::Connection;
use sqlx::PgConnection;

const QUEUE_STATUSES: [BookingStatus; 5] = [
    BookingStatus::Requested,
    BookingStatus::Waitlisted,
    BookingStatus::Confirmed,
    BookingStatus::Declined,
    BookingStatus::Cancelled,
];

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    clinic: String,
    /// A status to list by ("" or absent: the worklist).
    status: String,
    /// On the worklist, one reason only ("" or absent: all).
    reason: String,
    /// Where the page begins (`intake::After::code`; "" or absent: at the start).
    after: String,
}

pub struct QueueLine {
    pub id: i64,
    pub age: String,
    /// Why it is on the worklist, in words ("" in a list by status).
    pub why: &'static str,
    pub status: &'static str,
    pub language: &'static str,
    pub person: String,
    pub group: String,
    pub when: String,
    pub reference: String,
    pub overlap: bool,
    pub repeat: bool,
}

impl QueueLine {
    fn new(ui: Ui, row: &QueueRow, now: DateTime<Utc>) -> QueueLine {
        let tz = row.time_zone.0;
        let starts = row.starts_at.with_timezone(&tz);
        QueueLine {
            id: row.id,
            age: (ui.m.age)(now - row.created_at),
            why: row.attention.map_or("", ui.m.attention_name),
            status: (ui.m.status_name)(row.status),
            language: (ui.m.language_names)(row.language),
            person: format!("{} {}", row.first_name, row.last_name),
            group: format!("{} · {}", ui.pick(&row.topic_name_en, &row.topic_name_es), row.clinic_name),
            when: format!("{} {}", ui.date(starts.date_naive()), ui.time(&starts)),
            reference: row.reference.clone(),
            overlap: row.overlap_flag,
            repeat: row.is_repeat,
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/queue.html")]
pub struct QueuePage {
    ui: Ui,
    user: StaffUser,
    /// The worklist (people to call, and why), not a list by status.
    worklist: bool,
    reasons: Vec<Choice>,
    lines: Vec<QueueLine>,
    clinics: Vec<Choice>,
    statuses: Vec<Choice>,
    /// The link to the next page, if there is one.
    next_page: Option<String>,
    /// The link back to the first page, on a later one.
    first_page: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Query(query): Query<QueueQuery>,
) -> Result<QueuePage, AppError> {
    let status = QUEUE_STATUSES.into_iter().find(|s| s.code() == query.status);
    // A reason belongs to the worklist: a list by status ignores it.
    let reason = Attention::ALL.into_iter().find(|r| r.code() == query.reason).filter(|_| status.is_none());
    let clinic: Option<i64> = query.clinic.parse().ok();
    let after = intake::After::from_code(&query.after);
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let worklist_clinics = intake::worklist_clinics(&scope, clinic);
    let page = match status {
        Some(status) => intake::queue(&mut conn, &scope, clinic, status, after).await?,
        None => intake::worklist(&mut conn, worklist_clinics.as_deref(), reason, after, now).await?,
    };
    let counts = state.listings.worklist_counts(&mut conn, worklist_clinics, now).await?;
    let clinics = catalog::clinics(&mut conn).await?;
    let rows = page.rows;
    user.audit_view_of_bookings(&mut conn, AuditAction::ViewQueue, None, rows.iter().map(|r| r.id)).await?;
    // The same list's pages: its filters, and where the page begins.
    let list_link = |after: Option<intake::After>| {
        let mut link = format!(
            "/staff/intake?clinic={}&status={}&reason={}",
            clinic.map(|c| c.to_string()).unwrap_or_default(),
            status.map_or("", BookingStatus::code),
            reason.map_or("", Attention::code)
        );
        if let Some(after) = after {
            link.push_str("&after=");
            link.push_str(&after.code());
        }
        link
    };
    let visible = clinics.into_iter().filter(|c| scope.includes(c.id));
    let worklist = status.is_none();
    Ok(QueuePage {
        ui,
        user,
        worklist,
        lines: rows.iter().map(|r| QueueLine::new(ui, r, now)).collect(),
        clinics: visible
            .map(|c| Choice { selected: Some(c.id) == clinic, value: c.id.to_string(), label: c.name })
            .collect(),
        statuses: std::iter::once(Choice {
            value: String::new(),
            label: ui.m.queue_worklist_option.to_owned(),
            selected: worklist,
        })
        .chain(QUEUE_STATUSES.iter().map(|s| Choice {
            value: s.code().to_owned(),
            label: (ui.m.status_name)(*s).to_owned(),
            selected: Some(*s) == status,
        }))
        .collect(),
        reasons: std::iter::once(Choice {
            value: String::new(),
            label: (ui.m.queue_every_reason)(counts.iter().map(|(_, n)| n).sum()),
            selected: reason.is_none(),
        })
        .chain(counts.iter().map(|(r, n)| Choice {
            value: r.code().to_owned(),
            label: format!("{} ({n})", (ui.m.attention_name)(*r)),
            selected: Some(*r) == reason,
        }))
        .collect(),
        next_page: page.next.map(|next| list_link(Some(next))),
        first_page: after.map(|_| list_link(None)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/find.html")]
pub struct FindPage {
    ui: Ui,
    user: StaffUser,
    /// What was searched for (shown back in the form; a POST, so it is in no URL).
    query: String,
    searched: bool,
    lines: Vec<QueueLine>,
}

pub async fn find_form(ui: Ui, Intake { user, .. }: Intake) -> FindPage {
    FindPage { ui, user, query: String::new(), searched: false, lines: Vec::new() }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct FindForm {
    q: String,
}

/// Finds bookings in the worker's clinics by reference, phone or name. A POST, so a phone
/// number never lands in a URL; the search and every booking it shows are audited.
pub async fn find(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    CsrfForm(form): CsrfForm<FindForm>,
) -> Result<FindPage, AppError> {
    let query: String = form.q.trim().chars().take(100).collect();
    // The reference alone or among other words ("V8AB8NG3 Bob"); the phone in any spelling.
    let reference = std::iter::once(query.as_str())
        .chain(query.split_whitespace())
        .map(normalize_reference)
        .find(|r| r.len() == REFERENCE_LEN);
    let search = intake::Search {
        reference,
        phone: Phone::parse(&query).ok().map(|p| p.e164().to_owned()),
        // Hyphens part words as the database's folding does ("O'Brien-Álvarez": obrien, alvarez).
        name_words: query
            .split(|c: char| c.is_whitespace() || c == '-')
            .map(search_word)
            .filter(|w| !w.is_empty())
            .take(4)
            .collect(),
    };
    let mut conn = state.pool.acquire().await?;
    let rows = if query.is_empty() { Vec::new() } else { intake::find(&mut conn, &scope, &search).await? };
    user.audit_view_of_bookings(&mut conn, AuditAction::FindBookings, None, rows.iter().map(|r| r.id))
        .await?;
    let now = state.clock.now();
    let lines = rows.iter().map(|r| QueueLine::new(ui, r, now)).collect();
    Ok(FindPage { ui, user, query, searched: true, lines })
}

pub struct HistoryView {
    pub when: String,
    pub what: String,
    pub by: String,
    pub reason: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/request.html")]
pub struct RequestPage {
    ui: Ui,
    user: StaffUser,
    request: intake::RequestDetail,
    /// Texts the person sent back: (when, what).
    replies: Vec<(String, String)>,
    /// The admission questions' answers: (question, answer).
    answers: Vec<(&'static str, String)>,
    title: String,
    status: &'static str,
    consents: String,
    phone: String,
    language: &'static str,
    received: String,
    card: SessionCard,
    history: Vec<HistoryView>,
    /// What the patient was told (kind, channel, state, time): never a message's text.
    messages: Vec<String>,
    can_confirm: bool,
    can_decline: bool,
    can_cancel: bool,
    can_move: bool,
    move_targets: Vec<GroupDay>,
    message: Option<String>,
    /// When no patient record is linked yet: the records that may be this person.
    candidates: Vec<PatientLine>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// The membership ("every week") this request is a week of.
    weekly: Option<WeeklyLines>,
    /// The payment question's choices for correcting the answers: (code, words, chosen).
    payments: Vec<(&'static str, &'static str, bool)>,
}

/// A membership on a request page: where it stands, its coming dates, and whether it may end.
pub struct WeeklyLines {
    status: &'static str,
    weeks: Vec<String>,
    can_end: bool,
}

pub async fn request(
    State(state): State<AppState>,
    ui: Ui,
    desk: Intake,
    Path(id): Path<String>,
) -> Result<RequestPage, AppError> {
    request_page(&state, ui, desk, parse_id(&id)?).await
}

/// One day's groups in a choice of group: (id, "time · topic · clinic · language · seats").
pub struct GroupDay {
    pub day: String,
    pub groups: Vec<(i64, String)>,
}

/// Upcoming groups in `scope` a booking could move to (or a phone booking be made for), by day.
async fn bookable_groups(
    state: &AppState,
    conn: &mut PgConnection,
    ui: Ui,
    scope: &ClinicScope,
    except: Option<i64>,
) -> Result<Vec<GroupDay>, AppError> {
    let now = state.clock.now();
    let found =
        sessions::upcoming(conn, now, now + Duration::days(LISTING_DAYS), &Default::default()).await?;
    let mut days: Vec<GroupDay> = Vec::new();
    let mut last_date = None;
    for s in found
        .iter()
        .filter(|s| Some(s.id) != except && scope.includes(s.clinic_id))
        .filter(|s| check_bookable(s.is_cancelled(), s.starts_at, now, state.booking.cutoff).is_ok())
    {
        let card = SessionCard::new(ui, s, now, state.booking.cutoff);
        let label = format!(
            "{} · {} · {} · {} · {}",
            card.time_range(),
            card.topic_name,
            card.clinic_name,
            card.language,
            card.seats_text
        );
        if last_date != Some(card.local_date) {
            last_date = Some(card.local_date);
            days.push(GroupDay { day: ui.date(card.local_date), groups: Vec::new() });
        }
        days.last_mut().expect("a day was just added").groups.push((s.id, label));
    }
    Ok(days)
}

/// A message as a staff list shows it: what, how, where it stands, and when.
pub fn message_line(ui: Ui, m: &outbox::MessageLine, when: String) -> String {
    let state = match (m.state, m.unsent_reason.as_deref().and_then(outbox::Unsent::from_code)) {
        (MessageState::Unsent, Some(why)) => (ui.m.message_unsent)(why).to_owned(),
        // What went wrong last (the provider's status in our words), while it matters.
        (state @ (MessageState::Failed | MessageState::Pending), _) if m.last_error.is_some() => {
            format!("{} ({})", (ui.m.message_state)(state), m.last_error.as_deref().unwrap_or_default())
        }
        (state, _) => (ui.m.message_state)(state).to_owned(),
    };
    format!("{when}: {} · {} · {state}", (ui.m.message_kind)(m.kind), (ui.m.message_channel)(m.channel))
}

/// One request's page (the view is audited).
async fn request_page(state: &AppState, ui: Ui, desk: Intake, id: i64) -> Result<RequestPage, AppError> {
    let Intake { user, scope } = desk;
    let mut conn = state.pool.acquire().await?;
    let request = intake::request(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let summary = sessions::summary(&mut conn, request.session_id).await?.ok_or(AppError::NotFound)?;
    let history = intake::history(&mut conn, id).await?;
    let messages = outbox::of_booking(&mut conn, id).await?;
    let replies = replies::of_booking(&mut conn, id).await?;
    let move_targets = bookable_groups(state, &mut conn, ui, &scope, Some(request.session_id)).await?;
    let candidates = match request.patient_id {
        Some(_) => Vec::new(),
        None => patients::candidates(&mut conn, &scope, id).await?,
    };
    let membership = match request.membership_id {
        Some(_) => memberships::of_booking(&mut conn, id, state.clock.now()).await?,
        None => None,
    };
    let mut tx = conn.begin().await?;
    user.audit(&mut tx, AuditAction::ViewBooking, Some((RecordType::Booking, id))).await?;
    if let Some(m) = &membership {
        let others = m.weeks.iter().map(|w| w.booking_id).filter(|week| *week != id);
        user.audit_shown(&mut tx, AuditAction::ViewBookingInList, RecordType::Booking, others).await?;
    }
    let candidates = patient_lines_shown(&user, &mut tx, ui, &candidates).await?;
    tx.commit().await?;
    drop(conn);

    let tz = summary.time_zone();
    let local = |t: DateTime<Utc>| {
        let t = t.with_timezone(&tz);
        format!("{} {}", ui.date(t.date_naive()), ui.time(&t))
    };
    let history = history
        .into_iter()
        .map(|h| HistoryView {
            when: local(h.at),
            what: match (h.outcome, h.to_status) {
                (Some(outcome), _) => (ui.m.contact_outcome)(outcome).to_owned(),
                (None, Some(to)) => match h.from_status {
                    Some(from) => format!("{} → {}", (ui.m.status_name)(from), (ui.m.status_name)(to)),
                    None => format!("{}: {}", ui.m.history_new, (ui.m.status_name)(to)),
                },
                (None, None) => String::new(),
            },
            by: (ui.m.history_by)(h.actor),
            reason: h.reason,
        })
        .collect();
    let messages =
        messages.iter().map(|m| message_line(ui, m, local(m.sent_at.unwrap_or(m.created_at)))).collect();
    let replies = replies.into_iter().map(|r| (local(r.received_at), r.body)).collect();
    let sms_consent = match request.sms_stopped_at {
        Some(at) if !request.consent_sms => (ui.m.request_sms_stopped)(&local(at)),
        _ => (ui.m.request_consent_sms)(request.consent_sms).to_owned(),
    };
    let answers = vec![
        (ui.m.form_returning, (ui.m.answer_yes_no)(request.returning_patient).to_owned()),
        (ui.m.form_payment, request.payment.map_or((ui.m.answer_yes_no)(None), ui.m.payment_name).to_owned()),
        (ui.m.form_needs_ride, (ui.m.answer_yes_no)(Some(request.needs_ride)).to_owned()),
        (
            ui.m.request_needs,
            request.accommodation.clone().unwrap_or_else(|| (ui.m.answer_yes_no)(None).to_owned()),
        ),
    ];
    let weekly = membership.map(|m| WeeklyLines {
        status: (ui.m.request_weekly)(m.status),
        weeks: m
            .weeks
            .iter()
            .map(|w| {
                let status = if w.group_cancelled {
                    (ui.m.attention_name)(Attention::GroupCancelled)
                } else {
                    (ui.m.status_name)(w.status)
                };
                format!("{} · {status}", local(w.starts_at))
            })
            .collect(),
        can_end: m.status != MembershipStatus::Ended,
    });
    let status = request.status;
    let payments = Payment::ALL
        .iter()
        .map(|p| (p.code(), (ui.m.payment_name)(*p), request.payment == Some(*p)))
        .collect();
    Ok(RequestPage {
        weekly,
        payments,
        ui,
        messages,
        replies,
        answers,
        message: None,
        candidates,
        can_move: status.is_active(),
        move_targets,
        title: (ui.m.request_title)(&request.reference),
        status: (ui.m.status_name)(status),
        consents: format!(
            "{}, {}, {}",
            sms_consent,
            (ui.m.request_consent_email)(request.consent_email),
            (ui.m.request_consent_voicemail)(request.consent_voicemail)
        ),
        phone: Phone::parse(&request.phone).map(|p| p.to_string()).unwrap_or_else(|_| request.phone.clone()),
        language: (ui.m.language_names)(request.language),
        received: format!("{} ({})", local(request.created_at), (ui.m.source_name)(request.source)),
        card: SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff),
        history,
        can_confirm: Decision::Confirm.from_states().contains(&status),
        can_decline: Decision::Decline.from_states().contains(&status),
        can_cancel: Decision::Cancel.from_states().contains(&status),
        outcomes: ContactOutcome::ALL.iter().map(|o| (o.code(), (ui.m.contact_outcome)(*o))).collect(),
        request,
        user,
    })
}

impl PageWithMessage for RequestPage {
    type Message = String;

    fn set_message(&mut self, message: String) {
        self.message = Some(message);
    }
}

/// The request's page again after a refused action on it, saying why.
pub(super) async fn request_refused(
    state: &AppState,
    ui: Ui,
    desk: Intake,
    id: i64,
    message: &'static str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = request_page(state, ui, desk, id).await?;
    Ok(page_with_message(page, message.to_owned(), status))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let decision = Decision::from_path(&action).ok_or(AppError::NotFound)?;
    let reason = form.reason.trim();
    let reason = (!reason.is_empty()).then(|| reason.chars().take(500).collect::<String>());
    let actor = Actor::Staff(user.staff_id);
    let now = state.clock.now();
    // The decision and its audit entry stand or fall together.
    let mut tx = state.pool.begin().await?;
    let changed = intake::decide(&mut tx, &scope, id, decision, actor, reason.as_deref(), now)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(weeks) = changed else {
        // Nothing happened, so nothing is audited: the page shows the request as it stands.
        drop(tx);
        let desk = Intake { user, scope };
        return request_refused(&state, ui, desk, id, ui.m.decision_refused, StatusCode::CONFLICT).await;
    };
    // Each booking changed is audited, the weeks of a weekly place decided with it too.
    for booking in std::iter::once(id).chain(weeks) {
        user.audit(&mut tx, decision.audit_action(), Some((RecordType::Booking, booking))).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")).into_response())
}

/// Ends the weekly place this request is a week of (the person called to stop): every coming
/// week is cancelled, and the change is audited with it.
pub async fn end_weekly(
    State(state): State<AppState>,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    let request = intake::request(&mut tx, &scope, id).await?.ok_or(AppError::NotFound)?;
    let membership = request.membership_id.ok_or(AppError::NotFound)?;
    // The weeks are in scope with it: a weekly place never leaves its clinic (see `move_booking`).
    let ended = memberships::end(&mut tx, membership, Actor::Staff(user.staff_id), state.clock.now()).await?;
    if let Some(weeks) = ended {
        user.audit(&mut tx, AuditAction::MembershipEnded, Some((RecordType::Booking, id))).await?;
        for week in weeks.into_iter().filter(|week| *week != id) {
            user.audit(&mut tx, AuditAction::BookingCancel, Some((RecordType::Booking, week))).await?;
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")).into_response())
}

/// The admission answers as intake corrects them on the request page.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AnswersForm {
    returning_patient: String,
    payment: String,
    /// A checkbox: present when ticked.
    needs_ride: Option<String>,
    accommodation: String,
}

/// Corrects the person's answers to the admission questions (they told intake on the phone);
/// audited.
pub async fn answers(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AnswersForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut problems = Vec::new();
    let answers = AdmissionAnswers::parse(
        &form.returning_patient,
        &form.payment,
        form.needs_ride.is_some(),
        &form.accommodation,
        &mut problems,
    );
    let Some(answers) = answers else {
        let (field, problem) = problems.first().copied().ok_or(AppError::BadRequest)?;
        let message = format!("{}: {}", field_label(ui, field).unwrap_or(field), (ui.m.problem)(problem));
        let page = request_page(&state, ui, Intake { user, scope }, id).await?;
        return Ok(page_with_message(page, message, StatusCode::UNPROCESSABLE_ENTITY));
    };
    // The change and its audit entry stand or fall together.
    let mut tx = state.pool.begin().await?;
    intake::request(&mut tx, &scope, id).await?.ok_or(AppError::NotFound)?;
    intake::update_answers(&mut tx, id, &answers).await?;
    user.audit(&mut tx, AuditAction::BookingAnswersChanged, Some((RecordType::Booking, id))).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    outcome: String,
}

/// Sends the booking's last message again (the person lost it, or changed their number);
/// audited.
pub async fn resend(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    intake::request(&mut tx, &scope, id).await?.ok_or(AppError::NotFound)?;
    let resent = outbox::resend_last(&mut tx, id, state.clock.now()).await?;
    if resent.is_some() {
        user.audit(&mut tx, AuditAction::MessageResent, Some((RecordType::Booking, id))).await?;
    }
    tx.commit().await?;
    let (message, status) = match resent {
        Some(_) => (ui.m.request_resent, StatusCode::OK),
        None => (ui.m.request_nothing_to_resend, StatusCode::CONFLICT),
    };
    Ok(page_with_message(
        request_page(&state, ui, Intake { user, scope }, id).await?,
        message.to_owned(),
        status,
    ))
}

pub async fn contact(
    State(state): State<AppState>,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Redirect, AppError> {
    let id = parse_id(&id)?;
    let outcome = ContactOutcome::from_code(&form.outcome).ok_or(AppError::BadRequest)?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    intake::request(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    intake::log_contact(&mut conn, id, user.staff_id, outcome, state.clock.now()).await?;
    user.audit(&mut conn, AuditAction::BookingContactLogged, Some((RecordType::Booking, id))).await?;
    conn.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    target: String,
}

pub async fn move_booking(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let target: i64 = form.target.parse().map_err(|_| AppError::BadRequest)?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    intake::request(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let target_in_scope =
        sessions::summary(&mut conn, target).await?.is_some_and(|s| scope.includes(s.clinic_id));
    let moved = if target_in_scope {
        let actor = Actor::Staff(user.staff_id);
        bookings::move_booking(&mut conn, id, target, actor, state.clock.now(), state.booking.cutoff).await?
    } else {
        Err(MoveRefused::UnknownSession)
    };
    match moved {
        Ok(_) => {
            user.audit(&mut conn, AuditAction::BookingMoved, Some((RecordType::Booking, id))).await?;
            conn.commit().await?;
            Ok(Redirect::to(&format!("/staff/intake/requests/{id}")).into_response())
        }
        Err(why) => {
            drop(conn);
            let desk = Intake { user, scope };
            request_refused(&state, ui, desk, id, (ui.m.move_refused)(why), StatusCode::CONFLICT).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/phone_booking.html")]
pub struct PhoneBookingPage {
    ui: Ui,
    user: StaffUser,
    key: String,
    groups: Vec<GroupDay>,
    chosen: Option<i64>,
    input: BookingInput,
    errors: Vec<(&'static str, String)>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PhoneBookingQuery {
    session: String,
}

async fn phone_booking_page(
    state: &AppState,
    ui: Ui,
    desk: Intake,
    chosen: Option<i64>,
    key: String,
    input: BookingInput,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    let Intake { user, scope } = desk;
    let mut conn = state.pool.acquire().await?;
    let groups = bookable_groups(state, &mut conn, ui, &scope, None).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, PhoneBookingPage { ui, user, key, groups, chosen, input, errors }).into_response())
}

pub async fn phone_booking_form(
    State(state): State<AppState>,
    ui: Ui,
    desk: Intake,
    Query(query): Query<PhoneBookingQuery>,
) -> Result<Response, AppError> {
    let input = BookingInput { language: "en".into(), ..BookingInput::default() };
    phone_booking_page(&state, ui, desk, query.session.parse().ok(), new_request_key(), input, Vec::new())
        .await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PhoneBookingFields {
    key: String,
    session: String,
    #[serde(flatten)]
    person: PersonFields,
}

/// A booking taken by intake for a caller: the rules of an online request, source `phone`.
pub async fn phone_booking(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    CsrfForm(f): CsrfForm<PhoneBookingFields>,
) -> Result<Response, AppError> {
    let input = f.person.into_input();
    let chosen: Option<i64> = f.session.parse().ok();
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let key = usable_key(&f.key).unwrap_or_else(|| {
        errors.push(("session", ui.m.form_key_missing.to_owned()));
        new_request_key()
    });
    let booking = NewBooking::try_from(&input).map_err(|problems| {
        errors.extend(problems.into_iter().map(|(field, p)| (field, (ui.m.problem)(p))));
    });
    let mut conn = state.pool.acquire().await?;
    let in_scope = match chosen {
        Some(id) => sessions::summary(&mut conn, id).await?.is_some_and(|s| scope.includes(s.clinic_id)),
        None => false,
    };
    if !in_scope {
        errors.push(("session", (ui.m.problem)(Problem::Required)));
    }
    let (Ok(booking), Some(session_id), true) = (booking, chosen, errors.is_empty()) else {
        drop(conn);
        return phone_booking_page(&state, ui, Intake { user, scope }, chosen, key, input, errors).await;
    };
    let request = SeatRequest {
        session_id,
        booking: &booking,
        request_key: &key,
        now: state.clock.now(),
        cutoff: state.booking.cutoff,
        link_key: &state.link_key,
        keys: Some(&state.keys),
        source: BookingSource::Phone,
    };
    drop(conn);
    let mut tx = state.pool.begin().await?;
    match bookings::request_seat(&mut tx, &request).await? {
        Ok(answer) => {
            let id = intake::id_by_reference(&mut tx, &answer.reference).await?.ok_or(AppError::NotFound)?;
            user.audit(&mut tx, AuditAction::BookingCreatedByPhone, Some((RecordType::Booking, id))).await?;
            tx.commit().await?;
            Ok(Redirect::to(&format!("/staff/intake/requests/{id}")).into_response())
        }
        Err(refused) => {
            let message = match refused {
                Refused::Unbookable(why) => (ui.m.unbookable)(why).to_owned(),
                Refused::UnknownSession | Refused::KeyReused => ui.m.form_key_reused.to_owned(),
            };
            drop(tx);
            phone_booking_page(
                &state,
                ui,
                Intake { user, scope },
                chosen,
                new_request_key(),
                input,
                vec![("session", message)],
            )
            .await
        }
    }
}
