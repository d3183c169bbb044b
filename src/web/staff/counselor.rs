//! Counselors: the groups they lead, each group's roster, attendance once it has started,
//! and a printable sign-in sheet (first name and last initial only). A counselor sees only
//! their own groups; administrators see any. Every view of a roster is audited.

use super::auth::{Counselor, CsrfForm, NoFields, RosterAccess, StaffUser};
use crate::calendar::{Event, EventStatus, calendar};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::{Actor, BookingStatus};
use crate::domain::contact::{PersonName, Phone};
use crate::domain::staff::StaffRole;
use crate::store::bookings;
use crate::store::calendar_feeds;
use crate::store::rosters::{self, RosterLine};
use crate::store::sessions::{self, SessionFilter, SessionSummary};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::views::LISTING_DAYS;
use crate::web::views::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template, WebTemplate)]
#[template(path = "staff/my_sessions.html")]
pub struct MySessionsPage {
    ui: Ui,
    user: StaffUser,
    /// Each group and how many are booked ("3 booked").
    upcoming: Vec<(SessionCard, String)>,
    past: Vec<(SessionCard, String)>,
    /// When the counselor's calendar feed was made, if they have one.
    feed_made: Option<String>,
    /// A feed link just made: shown this once (only its digest is kept).
    new_feed_url: Option<String>,
}

pub async fn my_sessions(
    State(state): State<AppState>,
    ui: Ui,
    counselor: Counselor,
) -> Result<MySessionsPage, AppError> {
    my_sessions_page(&state, ui, counselor, None).await
}

async fn my_sessions_page(
    state: &AppState,
    ui: Ui,
    Counselor { user, counselor_id }: Counselor,
    new_feed_url: Option<String>,
) -> Result<MySessionsPage, AppError> {
    let now = state.clock.now();
    let filter = SessionFilter { counselor_id: Some(counselor_id), ..SessionFilter::default() };
    let mut conn = state.pool.acquire().await?;
    let found =
        sessions::upcoming(&mut conn, now - Duration::days(7), now + Duration::days(LISTING_DAYS), &filter)
            .await?;
    let feed_made = calendar_feeds::made_at(&mut conn, user.staff_id).await?;
    drop(conn);
    let (past, upcoming): (Vec<_>, Vec<_>) = found.iter().partition(|s| s.starts_at < now);
    let cards = |list: Vec<&SessionSummary>| {
        list.into_iter()
            .map(|s| (SessionCard::new(ui, s, now, state.booking.cutoff), (ui.m.booked_count)(s.held)))
            .collect()
    };
    let mut past: Vec<_> = cards(past);
    past.reverse(); // most recent first
    Ok(MySessionsPage {
        ui,
        user,
        upcoming: cards(upcoming),
        past,
        feed_made: feed_made.map(|at| ui.date(at.date_naive())),
        new_feed_url,
    })
}

/// Makes the counselor a private calendar feed (replacing the one they had), and shows its
/// link this once. Audited.
pub async fn make_feed(
    State(state): State<AppState>,
    ui: Ui,
    counselor: Counselor,
    _: CsrfForm<NoFields>,
) -> Result<MySessionsPage, AppError> {
    let token = new_feed_token();
    let mut tx = state.pool.begin().await?;
    calendar_feeds::issue(&mut tx, counselor.user.staff_id, &token, state.clock.now()).await?;
    let me = Some((RecordType::Staff, counselor.user.staff_id));
    counselor.user.audit(&mut tx, AuditAction::CalendarFeedMade, me).await?;
    tx.commit().await?;
    let url = format!("{}/calendar/{token}.ics", state.base_url);
    my_sessions_page(&state, ui, counselor, Some(url)).await
}

/// Turns the counselor's feed off: its link stops working. Audited.
pub async fn stop_feed(
    State(state): State<AppState>,
    Counselor { user, .. }: Counselor,
    _: CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    let mut tx = state.pool.begin().await?;
    if calendar_feeds::revoke(&mut tx, user.staff_id).await? {
        user.audit(&mut tx, AuditAction::CalendarFeedStopped, Some((RecordType::Staff, user.staff_id)))
            .await?;
        tx.commit().await?;
    }
    Ok(Redirect::to("/staff/my-sessions"))
}

/// 256 random bits, hex: a feed link cannot be guessed.
fn new_feed_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    crate::tokens::hex(&buf)
}

/// `GET /calendar/{token}.ics`: the groups the feed's counselor leads, from a month back to
/// half a year ahead: times, clinic, topic and seats taken — never a participant, since
/// calendar apps copy feeds to outside services.
pub async fn feed(
    State(state): State<AppState>,
    ui: Ui,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").unwrap_or_default();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.acquire().await?;
    let counselor_id = calendar_feeds::counselor_of(&mut conn, token).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let filter = SessionFilter { counselor_id: Some(counselor_id), ..SessionFilter::default() };
    let found =
        sessions::upcoming(&mut conn, now - Duration::days(30), now + Duration::days(183), &filter).await?;
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    let sequences = calendar_feeds::sequences(&mut conn, &ids).await?;
    drop(conn);
    let texts: Vec<(String, String)> = found
        .iter()
        .map(|s| {
            let topic = ui.pick(&s.topic_name_en, &s.topic_name_es);
            let summary = (ui.m.feed_summary)(topic, s.held, s.capacity());
            (summary, format!("{}/staff/sessions/{}/roster", state.base_url, s.id))
        })
        .collect();
    let events: Vec<Event> = found
        .iter()
        .zip(&texts)
        .map(|(s, (summary, roster))| Event {
            uid: format!("session-{}@groupcare", s.id),
            sequence: sequences.get(&s.id).copied().unwrap_or_default(),
            status: if s.is_cancelled() { EventStatus::Cancelled } else { EventStatus::Confirmed },
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            summary,
            location: &s.clinic_name,
            description: roster,
        })
        .collect();
    let ics = calendar(ui.m.my_sessions_title, &events, now);
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics).into_response())
}

pub struct RosterView {
    pub booking_id: i64,
    pub name: String,
    /// No earlier group attended: a first visit.
    pub first_visit: bool,
    pub accommodation: Option<String>,
    pub language: &'static str,
    pub status: &'static str,
    pub markable: bool,
    pub attended: bool,
    pub missed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/roster.html")]
pub struct RosterPage {
    ui: Ui,
    user: StaffUser,
    card: SessionCard,
    title: String,
    lines: Vec<RosterView>,
    started: bool,
    /// The counselor (or an admin) may mark attendance and add walk-ins; intake only looks.
    can_mark: bool,
    /// A walk-in the form could not take, and why.
    walk_in: WalkInFields,
    message: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct WalkInFields {
    first_name: String,
    last_name: String,
    phone: String,
}

/// The roster of session `id`, with the view (`action`) and each participant shown written
/// to the audit log.
async fn audited_roster(
    state: &AppState,
    user: &StaffUser,
    id: i64,
    action: AuditAction,
) -> Result<Vec<RosterLine>, AppError> {
    let mut conn = state.pool.acquire().await?;
    let lines = rosters::roster(&mut conn, id).await?;
    let shown = lines.iter().map(|l| l.booking_id);
    user.audit_view_of_bookings(&mut conn, action, Some((RecordType::Session, id)), shown).await?;
    Ok(lines)
}

pub async fn roster(
    State(state): State<AppState>,
    ui: Ui,
    access: RosterAccess,
) -> Result<RosterPage, AppError> {
    roster_page(&state, ui, access, WalkInFields::default(), None).await
}

async fn roster_page(
    state: &AppState,
    ui: Ui,
    RosterAccess { user, session: summary, can_mark }: RosterAccess,
    walk_in: WalkInFields,
    message: Option<String>,
) -> Result<RosterPage, AppError> {
    let lines = audited_roster(state, &user, summary.id, AuditAction::ViewRoster).await?;
    let now = state.clock.now();
    let card = SessionCard::new(ui, &summary, now, state.booking.cutoff);
    let lines = lines
        .into_iter()
        .map(|l: RosterLine| RosterView {
            booking_id: l.booking_id,
            name: format!("{} {}", l.first_name, l.last_name),
            first_visit: l.first_visit,
            accommodation: l.accommodation,
            language: (ui.m.language_names)(l.language),
            status: (ui.m.status_name)(l.status),
            markable: can_mark && BookingStatus::ATTENDANCE_MARKABLE.contains(&l.status),
            attended: l.status == BookingStatus::Attended,
            missed: l.status == BookingStatus::NoShow,
        })
        .collect();
    Ok(RosterPage {
        ui,
        title: (ui.m.roster_title)(&card.topic_name),
        card,
        user,
        lines,
        started: summary.starts_at <= now,
        can_mark,
        walk_in,
        message,
    })
}

/// Marks attendance from the roster's form: `mark_<booking id>` = `attended` | `no_show`, one
/// radio group per participant.
pub async fn attendance(
    State(state): State<AppState>,
    RosterAccess { user, session: summary, can_mark }: RosterAccess,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> Result<Redirect, AppError> {
    let now = state.clock.now();
    if !can_mark {
        return Err(AppError::Forbidden);
    }
    if summary.starts_at > now {
        return Err(AppError::BadRequest);
    }
    let marks: Vec<(i64, BookingStatus)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let booking = k.strip_prefix("mark_")?.parse().ok()?;
            let mark = match v.as_str() {
                "attended" => BookingStatus::Attended,
                "no_show" => BookingStatus::NoShow,
                _ => return None,
            };
            Some((booking, mark))
        })
        .collect();
    let actor = Actor::Staff(user.staff_id);
    // The marks and their audit entry stand or fall together.
    let mut tx = state.pool.begin().await?;
    // Under the session's lock (which taking a lead off it also takes), the counselor still
    // leads it: one removed a moment ago marks nothing.
    bookings::lock_session(&mut tx, summary.id).await?.ok_or(AppError::NotFound)?;
    if let (StaffRole::Counselor, Some(counselor)) = (user.role, user.counselor_id)
        && !rosters::leads(&mut tx, summary.id, counselor).await?
    {
        return Err(AppError::NotFound);
    }
    if rosters::record_attendance(&mut tx, summary.id, &marks, actor, now).await? > 0 {
        user.audit(&mut tx, AuditAction::Attendance, Some((RecordType::Session, summary.id))).await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/staff/sessions/{}/roster", summary.id)))
}

/// Someone came without a booking: the counselor adds them at the door (once the group has
/// started), as attended; intake matches them to a record. Audited.
pub async fn walk_in(
    State(state): State<AppState>,
    ui: Ui,
    access: RosterAccess,
    CsrfForm(fields): CsrfForm<WalkInFields>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    if !access.can_mark {
        return Err(AppError::Forbidden);
    }
    if access.session.starts_at > now {
        return Err(AppError::BadRequest);
    }
    // At the door means on the group's day: not a cancelled group, not one long over.
    if access.session.is_cancelled() || now > access.session.ends_at + Duration::hours(12) {
        let page = roster_page(&state, ui, access, fields, Some(ui.m.walk_in_closed.to_owned())).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let (first, last, phone) = (
        PersonName::parse(&fields.first_name),
        PersonName::parse(&fields.last_name),
        Phone::parse(&fields.phone),
    );
    let (Ok(first), Ok(last), Ok(phone)) = (first, last, phone) else {
        let page = roster_page(&state, ui, access, fields, Some(ui.m.walk_in_problem.to_owned())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let (user, session) = (&access.user, &access.session);
    let mut tx = state.pool.begin().await?;
    // Under the session's lock, the counselor still leads it (as for attendance).
    bookings::lock_session(&mut tx, session.id).await?.ok_or(AppError::NotFound)?;
    if let (StaffRole::Counselor, Some(counselor)) = (user.role, user.counselor_id)
        && !rosters::leads(&mut tx, session.id, counselor).await?
    {
        return Err(AppError::NotFound);
    }
    if rosters::on_roster(&mut tx, session.id, phone.e164()).await? {
        drop(tx);
        let page =
            roster_page(&state, ui, access, WalkInFields::default(), Some(ui.m.walk_in_already.to_owned()));
        return Ok((StatusCode::CONFLICT, page.await?).into_response());
    }
    let person = rosters::WalkIn {
        first_name: first.as_str(),
        last_name: last.as_str(),
        phone: phone.e164(),
        language: session.language,
    };
    let id = rosters::add_walk_in(&mut tx, session.id, &person, Actor::Staff(user.staff_id), now).await?;
    user.audit(&mut tx, AuditAction::WalkInAdded, Some((RecordType::Booking, id))).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/sessions/{}/roster", session.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/sign_in_sheet.html")]
pub struct SignInSheet {
    ui: Ui,
    user: StaffUser,
    card: SessionCard,
    /// First name and last initial: a printed sheet lies on a table where others see it.
    names: Vec<String>,
}

pub async fn sign_in_sheet(
    State(state): State<AppState>,
    ui: Ui,
    RosterAccess { user, session: summary, .. }: RosterAccess,
) -> Result<SignInSheet, AppError> {
    let lines = audited_roster(&state, &user, summary.id, AuditAction::ViewSignInSheet).await?;
    let names = lines
        .iter()
        .map(|l| match l.last_name.chars().next() {
            Some(initial) => format!("{} {}.", l.first_name, initial.to_uppercase()),
            None => l.first_name.clone(),
        })
        .collect();
    Ok(SignInSheet {
        ui,
        user,
        card: SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff),
        names,
    })
}
