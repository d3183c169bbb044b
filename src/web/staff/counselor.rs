//! Counselors: the groups they lead, each group's roster, attendance once it has started,
//! and a printable sign-in sheet (first name and last initial only). A counselor sees only
//! their own groups; administrators see any. Every view of a roster is audited.

use super::auth::{Counselor, CsrfForm, RosterAccess, StaffUser};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::Actor;
use crate::domain::booking::BookingStatus;
use crate::domain::staff::StaffRole;
use crate::store::bookings;
use crate::store::rosters::{self, RosterLine};
use crate::store::sessions::{self, SessionFilter, SessionSummary};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use crate::web::views::LISTING_DAYS;
use crate::web::views::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use chrono::Duration;
use std::collections::HashMap;

#[derive(Template, WebTemplate)]
#[template(path = "staff/my_sessions.html")]
pub struct MySessionsPage {
    ui: Ui,
    upcoming: Vec<(SessionCard, i64)>,
    past: Vec<(SessionCard, i64)>,
}

pub async fn my_sessions(
    State(state): State<AppState>,
    ui: Ui,
    Counselor { counselor_id, .. }: Counselor,
) -> Result<MySessionsPage, AppError> {
    let now = state.clock.now();
    let filter = SessionFilter { counselor_id: Some(counselor_id), ..SessionFilter::default() };
    let mut conn = state.pool.acquire().await?;
    let found =
        sessions::upcoming(&mut conn, now - Duration::days(7), now + Duration::days(LISTING_DAYS), &filter)
            .await?;
    let (past, upcoming): (Vec<_>, Vec<_>) = found.iter().partition(|s| s.starts_at < now);
    let cards = |list: Vec<&SessionSummary>| {
        list.into_iter().map(|s| (SessionCard::new(ui, s, now, state.booking.cutoff), s.held)).collect()
    };
    let mut past: Vec<_> = cards(past);
    past.reverse(); // most recent first
    Ok(MySessionsPage { ui, upcoming: cards(upcoming), past })
}

pub struct RosterView {
    pub booking_id: i64,
    pub name: String,
    pub language: &'static str,
    pub status: &'static str,
    pub notes: Option<String>,
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
    user.audit(&mut conn, action, Some((RecordType::Session, id))).await?;
    let shown = lines.iter().map(|l| l.booking_id);
    user.audit_shown(&mut conn, AuditAction::ViewBookingInList, RecordType::Booking, shown).await?;
    Ok(lines)
}

pub async fn roster(
    State(state): State<AppState>,
    ui: Ui,
    RosterAccess { user, session: summary }: RosterAccess,
) -> Result<RosterPage, AppError> {
    let lines = audited_roster(&state, &user, summary.id, AuditAction::ViewRoster).await?;
    let now = state.clock.now();
    let card = SessionCard::new(ui, &summary, now, state.booking.cutoff);
    let lines = lines
        .into_iter()
        .map(|l: RosterLine| RosterView {
            booking_id: l.booking_id,
            name: format!("{} {}", l.first_name, l.last_name),
            language: (ui.m.language_names)(l.language),
            status: (ui.m.status_name)(l.status),
            notes: l.notes,
            markable: matches!(
                l.status,
                BookingStatus::Confirmed | BookingStatus::Attended | BookingStatus::NoShow
            ),
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
    })
}

/// Marks attendance from the roster's form: `mark_<booking id>` = `attended` | `no_show`, one
/// radio group per participant.
pub async fn attendance(
    State(state): State<AppState>,
    RosterAccess { user, session: summary }: RosterAccess,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> Result<Redirect, AppError> {
    let now = state.clock.now();
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

#[derive(Template, WebTemplate)]
#[template(path = "staff/sign_in_sheet.html")]
pub struct SignInSheet {
    ui: Ui,
    card: SessionCard,
    /// First name and last initial: a printed sheet lies on a table where others see it.
    names: Vec<String>,
}

pub async fn sign_in_sheet(
    State(state): State<AppState>,
    ui: Ui,
    RosterAccess { user, session: summary }: RosterAccess,
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
        card: SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff),
        names,
    })
}
