//! Clinic administration: sessions (cancel one, who leads it), staff accounts, the
//! second-factor setting, and the audit log search. Administrators only.

use super::auth::{Admin, CsrfForm, NoFields, StaffUser};
use super::catalog_admin::{clinic_choices, counselor_choices};
use super::message_page::{PageWithMessage, page_with_message};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::normalize_reference;
use crate::domain::booking::{Actor, GroupCancelKind};
use crate::domain::contact::{Email, Phone};
use crate::domain::messages::MessageState;
use crate::domain::staff::{StaffRole, check_new_password, hash_password};
use crate::notify::render::{MessageFacts, render};
use crate::store::audit::{self, AuditQuery, AuditRow};
use crate::store::intake::ClinicScope;
use crate::store::outbox;
use crate::store::session_admin::{self, RemovalRefused};
use crate::store::staff::{self, CreateStaffError, NewStaff, StaffListing};
use crate::store::{catalog, intake, rosters, sessions, settings};
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::views::LISTING_DAYS;
use crate::web::views::{DayGroup, SessionCard, by_day};
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "staff/admin_sessions.html")]
pub struct SessionsPage {
    ui: Ui,
    user: StaffUser,
    days: Vec<DayGroup>,
}

pub async fn sessions_list(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
) -> Result<SessionsPage, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let found =
        sessions::upcoming(&mut conn, now, now + Duration::days(LISTING_DAYS), &Default::default()).await?;
    let cards = found.iter().map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    Ok(SessionsPage { ui, user, days: by_day(ui, cards) })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/admin_session.html")]
pub struct SessionPage {
    ui: Ui,
    user: StaffUser,
    title: String,
    card: SessionCard,
    cancelled: bool,
    leads: Vec<(i64, String)>,
    others: Vec<(i64, String)>,
    /// Why a group may be cancelled: (code, words), as the people booked will read them.
    cancel_kinds: Vec<(&'static str, &'static str)>,
    /// Who a cancellation would reach, to call first: (name, phone, status).
    call_list: Vec<(String, String, &'static str)>,
    message: Option<String>,
}

async fn session_page(state: &AppState, ui: Ui, user: StaffUser, id: i64) -> Result<SessionPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let summary = sessions::summary(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let everyone = catalog::active_counselors(&mut conn).await?;
    let leads: Vec<(i64, String)> = summary.counselors.iter().map(|c| (c.id, c.name.clone())).collect();
    let others = everyone
        .into_iter()
        .filter(|c| !leads.iter().any(|(id, _)| *id == c.id))
        .map(|c| (c.id, format!("{}, {}", c.name, c.credentials)))
        .collect();
    let card = SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff);
    let call_list =
        if summary.is_cancelled() { Vec::new() } else { call_lines(&mut conn, ui, &user, &[id]).await? };
    Ok(SessionPage {
        ui,
        user,
        title: (ui.m.admin_session_title)(&card.topic_name),
        cancelled: summary.is_cancelled(),
        card,
        leads,
        others,
        cancel_kinds: GroupCancelKind::CHOOSABLE
            .iter()
            .map(|k| (k.code(), (ui.m.group_cancel_kind)(*k)))
            .collect(),
        call_list,
        message: None,
    })
}

/// Everyone a cancellation of `session_ids` would reach, as a call list shows them: (name,
/// phone, status). The view is audited, each booking shown.
pub(super) async fn call_lines(
    conn: &mut sqlx::PgConnection,
    ui: Ui,
    user: &StaffUser,
    session_ids: &[i64],
) -> Result<Vec<(String, String, &'static str)>, AppError> {
    let calls = rosters::call_list(&mut *conn, session_ids).await?;
    user.audit_shown(
        conn,
        AuditAction::ViewBookingInList,
        RecordType::Booking,
        calls.iter().map(|c| c.booking_id),
    )
    .await?;
    Ok(calls
        .into_iter()
        .map(|c| {
            let phone = Phone::parse(&c.phone).map(|p| p.to_string()).unwrap_or(c.phone);
            (format!("{} {}", c.first_name, c.last_name), phone, (ui.m.status_name)(c.status))
        })
        .collect())
}

impl PageWithMessage for SessionPage {
    type Message = String;

    fn set_message(&mut self, message: String) {
        self.message = Some(message);
    }
}

pub async fn session(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
) -> Result<SessionPage, AppError> {
    session_page(&state, ui, user, parse_id(&id)?).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
    kind: String,
}

pub async fn cancel_session(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        let (message, status) = (ui.m.admin_reason_required.to_owned(), StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(page_with_message(session_page(&state, ui, user, id).await?, message, status));
    }
    let kind = GroupCancelKind::CHOOSABLE
        .into_iter()
        .find(|k| k.code() == form.kind)
        .unwrap_or(GroupCancelKind::Other);
    let actor = Actor::Staff(user.staff_id);
    // The change and its audit entry stand or fall together.
    let mut tx = state.pool.begin().await?;
    let cancelled = session_admin::cancel_session(&mut tx, id, actor, &reason, kind, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    // A session cancelled already changes nothing, and nothing is audited.
    if cancelled.is_some() {
        user.audit(&mut tx, AuditAction::SessionCancelled, Some((RecordType::Session, id))).await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/staff/admin/sessions/{id}")).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AddCounselorForm {
    counselor_id: String,
}

pub async fn add_counselor(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AddCounselorForm>,
) -> Result<Redirect, AppError> {
    let id = parse_id(&id)?;
    let counselor: i64 = form.counselor_id.parse().map_err(|_| AppError::BadRequest)?;
    let mut tx = state.pool.begin().await?;
    let added = session_admin::add_counselor(&mut tx, id, counselor, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    if added {
        user.audit(&mut tx, AuditAction::SessionCounselorAdded, Some((RecordType::Session, id))).await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/staff/admin/sessions/{id}")))
}

pub async fn remove_counselor(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path((id, counselor)): Path<(String, String)>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let (id, counselor) = (parse_id(&id)?, parse_id(&counselor)?);
    let mut tx = state.pool.begin().await?;
    let outcome = session_admin::remove_counselor(&mut tx, id, counselor).await?.ok_or(AppError::NotFound)?;
    let message = match outcome {
        Ok(()) => {
            user.audit(&mut tx, AuditAction::SessionCounselorRemoved, Some((RecordType::Session, id)))
                .await?;
            tx.commit().await?;
            return Ok(Redirect::to(&format!("/staff/admin/sessions/{id}")).into_response());
        }
        Err(RemovalRefused::NotLeading) => return Err(AppError::NotFound),
        Err(RemovalRefused::LastCounselor) => ui.m.admin_last_counselor.to_owned(),
        Err(RemovalRefused::WouldStrand { held, seats_after }) => {
            (ui.m.admin_would_strand)(held, seats_after)
        }
    };
    drop(tx); // refused: nothing to keep, and no lock held while the page is drawn
    Ok(page_with_message(session_page(&state, ui, user, id).await?, message, StatusCode::CONFLICT))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/admin_staff.html")]
pub struct StaffPage {
    ui: Ui,
    user: StaffUser,
    accounts: Vec<StaffListing>,
    counselors: Vec<(i64, String)>,
    clinics: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    require_second_factor: bool,
    message: Option<String>,
}

async fn staff_page(state: &AppState, ui: Ui, user: StaffUser) -> Result<StaffPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    Ok(StaffPage {
        ui,
        user,
        accounts: staff::list(&mut conn).await?,
        counselors: counselor_choices(&mut conn).await?,
        clinics: clinic_choices(&mut conn).await?,
        roles: StaffRole::ALL.into_iter().map(|r| (r.code(), (ui.m.staff_role_name)(r))).collect(),
        require_second_factor: settings::flag(&mut conn, settings::REQUIRE_SECOND_FACTOR).await?,
        message: None,
    })
}

impl PageWithMessage for StaffPage {
    type Message = String;

    fn set_message(&mut self, message: String) {
        self.message = Some(message);
    }
}

/// The staff page again after a refused account form, saying why.
async fn staff_refused(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    message: &'static str,
) -> Result<Response, AppError> {
    let page = staff_page(state, ui, user).await?;
    Ok(page_with_message(page, message.to_owned(), StatusCode::UNPROCESSABLE_ENTITY))
}

pub async fn staff_list(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
) -> Result<StaffPage, AppError> {
    staff_page(&state, ui, user).await
}

/// The new-account form (`clinic` repeats, one per ticked clinic).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewStaffForm {
    email: String,
    role: String,
    password: String,
    counselor_id: String,
    clinic: Vec<String>,
}

pub async fn create_staff(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    CsrfForm(form): CsrfForm<NewStaffForm>,
) -> Result<Response, AppError> {
    let refuse = |message| staff_refused(&state, ui, user.clone(), message);
    let Ok(Some(email)) = Email::parse_optional(&form.email) else {
        return refuse(ui.m.admin_staff_bad_email).await;
    };
    let (role, counselor_id, clinic_ids) =
        access_of(&form.role, &form.counselor_id, &form.clinic).ok_or(AppError::BadRequest)?;
    let password = form.password;
    if check_new_password(&password).is_err() {
        return refuse(ui.m.admin_staff_bad_password).await;
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let new =
        NewStaff { email: email.as_str(), password_hash: &hash, role, counselor_id, clinic_ids: &clinic_ids };
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    let id = match staff::create_staff(&mut conn, &new).await? {
        Ok(id) => id,
        Err(CreateStaffError::EmailTaken) => return refuse(ui.m.admin_staff_email_taken).await,
        Err(CreateStaffError::CounselorLink | CreateStaffError::UnknownCounselorOrClinic) => {
            return refuse(ui.m.admin_staff_bad_link).await;
        }
    };
    user.audit(&mut conn, AuditAction::StaffCreated, Some((RecordType::Staff, id))).await?;
    conn.commit().await?;
    Ok(Redirect::to("/staff/admin/staff").into_response())
}

/// An account's access as its forms give it (new account and change alike): the role; the
/// counselor it is, for a counselor only; the clinics it works for, for intake only, each once.
/// None for an unknown role.
fn access_of(
    role: &str,
    counselor_id: &str,
    clinics: &[String],
) -> Option<(StaffRole, Option<i64>, Vec<i64>)> {
    let role = StaffRole::parse(role)?;
    let counselor_id = counselor_id.parse().ok().filter(|_| role == StaffRole::Counselor);
    let mut clinic_ids: Vec<i64> =
        clinics.iter().filter_map(|v| v.parse().ok()).filter(|_| role == StaffRole::Intake).collect();
    clinic_ids.sort_unstable();
    clinic_ids.dedup();
    Some((role, counselor_id, clinic_ids))
}

/// An account's access form: role, counselor link, clinics (`clinic` repeats).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AccessForm {
    role: String,
    counselor_id: String,
    clinic: Vec<String>,
}

/// Changes an account's role, counselor link and clinics; it signs in again. Audited.
pub async fn change_access(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AccessForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (role, counselor_id, clinic_ids) =
        access_of(&form.role, &form.counselor_id, &form.clinic).ok_or(AppError::BadRequest)?;
    // An admin cannot change their own access: the last admin could lock everyone out.
    if id == user.staff_id {
        return staff_refused(&state, ui, user.clone(), ui.m.admin_staff_not_yourself).await;
    }
    let access = staff::Access { role, counselor_id, clinic_ids: &clinic_ids };
    let mut conn = state.pool.begin().await?;
    match staff::change_access(&mut conn, id, &access).await?.ok_or(AppError::NotFound)? {
        Ok(()) => {}
        Err(_) => return staff_refused(&state, ui, user.clone(), ui.m.admin_staff_bad_link).await,
    }
    user.audit(&mut conn, AuditAction::StaffAccessChanged, Some((RecordType::Staff, id))).await?;
    conn.commit().await?;
    Ok(Redirect::to("/staff/admin/staff").into_response())
}

pub async fn deactivate_staff(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    let id = parse_id(&id)?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    if staff::deactivate(&mut conn, id).await?.ok_or(AppError::NotFound)? {
        user.audit(&mut conn, AuditAction::StaffDeactivated, Some((RecordType::Staff, id))).await?;
        conn.commit().await?;
    }
    Ok(Redirect::to("/staff/admin/staff"))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    if check_new_password(&form.password).is_err() {
        return staff_refused(&state, ui, user, ui.m.admin_staff_bad_password).await;
    }
    let password = form.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    if !staff::set_password(&mut conn, id, &hash).await? {
        return Err(AppError::NotFound);
    }
    user.audit(&mut conn, AuditAction::StaffPasswordReset, Some((RecordType::Staff, id))).await?;
    conn.commit().await?;
    Ok(Redirect::to("/staff/admin/staff").into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SettingForm {
    require_second_factor: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    Admin(user): Admin,
    CsrfForm(form): CsrfForm<SettingForm>,
) -> Result<Redirect, AppError> {
    let on = form.require_second_factor == "on";
    // The change and its audit entry stand or fall together; saving the same value is no change.
    let mut conn = state.pool.begin().await?;
    if settings::set_flag(&mut conn, settings::REQUIRE_SECOND_FACTOR, on).await? {
        let action = if on {
            AuditAction::SettingSecondFactorRequired
        } else {
            AuditAction::SettingSecondFactorOptional
        };
        user.audit(&mut conn, action, None).await?;
        conn.commit().await?;
    }
    Ok(Redirect::to("/staff/admin/staff"))
}

/// The search runs on POST: a patient's phone number never goes into a URL.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AuditSearch {
    patient: String,
    staff: String,
    from: String,
    to: String,
}

pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub record: String,
    pub from: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
pub struct AuditPage {
    ui: Ui,
    user: StaffUser,
    search: AuditSearch,
    lines: Vec<AuditLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/messages.html")]
pub struct MessagesPage {
    ui: Ui,
    user: StaffUser,
    /// Messages whose last try failed: an admin may send each again.
    failed: Vec<MessageView>,
    lines: Vec<MessageView>,
}

pub struct MessageView {
    id: i64,
    summary: String,
    /// What the person reads, their private link masked.
    text: String,
}

/// The failed messages and the newest of every clinic: kinds, channels and states, and what
/// each says with its link masked (so a clinic trying the app sees what patients receive); no
/// patient's name, number or address.
pub async fn messages(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
) -> Result<MessagesPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let failed = outbox::recent(&mut conn, &ClinicScope::All, Some(MessageState::Failed)).await?;
    let newest = outbox::recent(&mut conn, &ClinicScope::All, None).await?;
    drop(conn);
    let masked_link = format!("{}/manage/…", state.base_url);
    let listing = format!("{}/sessions", state.base_url);
    let view = |m: &outbox::MessageLine| {
        let at = m.sent_at.unwrap_or(m.created_at).with_timezone(&m.time_zone.0);
        let when = format!("{} {} · {}", ui.date(at.date_naive()), ui.time(&at), m.clinic_name);
        let facts = MessageFacts {
            kind: m.kind,
            language: m.language,
            sender_name: &m.sender_name,
            starts_at: m.starts_at.with_timezone(&m.time_zone.0),
            address: &m.address,
            phone: &m.phone,
            waitlist_position: m.waitlist_position,
            manage_url: Some(&masked_link),
            listing_url: &listing,
        };
        MessageView { id: m.id, summary: super::intake::message_line(ui, m, when), text: render(&facts).text }
    };
    Ok(MessagesPage {
        ui,
        user,
        failed: failed.iter().map(view).collect(),
        lines: newest.iter().map(view).collect(),
    })
}

/// Sends a failed message again (now, with its tries counted afresh); audited on its booking.
pub async fn retry_message(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    let id = parse_id(&id)?;
    let mut tx = state.pool.begin().await?;
    if let Some(booking) = outbox::retry_failed(&mut tx, &ClinicScope::All, id, state.clock.now()).await? {
        user.audit(&mut tx, AuditAction::MessageRetried, Some((RecordType::Booking, booking))).await?;
        tx.commit().await?;
    }
    Ok(Redirect::to("/staff/admin/messages"))
}

/// The record an entry is about, as "booking #12". A list names its records: the searched
/// person's among them when the search was for a person, else its first few, with the list's
/// length when not all are named.
fn records_named(ui: &Ui, row: &AuditRow, person: Option<&intake::PersonRecords>) -> String {
    const NAMED_AT_MOST: usize = 10;
    let Some(kind) = row.record_type else { return String::new() };
    let ids: Vec<i64> = match (&row.record_ids, row.record_id) {
        (Some(list), _) => {
            let theirs = person.map(|p| match kind {
                RecordType::Booking => p.booking_ids.as_slice(),
                RecordType::Patient => p.patient_ids.as_slice(),
                _ => &[],
            });
            list.iter()
                .copied()
                .filter(|id| theirs.is_none_or(|theirs| theirs.contains(id)))
                .take(NAMED_AT_MOST)
                .collect()
        }
        (None, Some(id)) => vec![id],
        (None, None) => Vec::new(),
    };
    let mut named = kind.code().to_owned();
    for (n, id) in ids.iter().enumerate() {
        named.push_str(if n == 0 { " #" } else { ", #" });
        named.push_str(&id.to_string());
    }
    if let Some(list) = row.record_ids.as_ref().filter(|list| list.len() > ids.len()) {
        named.push(' ');
        named.push_str(&(ui.m.audit_in_a_list_of)(list.len()));
    }
    named
}

/// The newest entries, and the search form.
pub async fn audit_log(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
) -> Result<AuditPage, AppError> {
    audit_page(&state, ui, user, AuditSearch::default()).await
}

pub async fn audit_search(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    CsrfForm(search): CsrfForm<AuditSearch>,
) -> Result<AuditPage, AppError> {
    audit_page(&state, ui, user, search).await
}

async fn audit_page(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    search: AuditSearch,
) -> Result<AuditPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let date = |raw: &str| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    let mut query = AuditQuery {
        from: date(&search.from).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
        until: date(&search.to).map(|d| (d + Duration::days(1)).and_time(chrono::NaiveTime::MIN).and_utc()),
        ..AuditQuery::default()
    };
    let mut no_match = false;
    if !search.staff.trim().is_empty() {
        let ids = staff::ids_by_email(&mut conn, &search.staff).await?;
        no_match |= ids.is_empty();
        query.actor_staff_ids = Some(ids);
    }
    let patient = search.patient.trim();
    if !patient.is_empty() {
        let phone = Phone::parse(patient).ok();
        let reference = normalize_reference(patient);
        let records =
            intake::records_of_person(&mut conn, phone.as_ref().map(Phone::e164), Some(&reference)).await?;
        no_match |= records.booking_ids.is_empty() && records.patient_ids.is_empty();
        query.person = Some(records);
    }
    let rows: Vec<AuditRow> = if no_match { Vec::new() } else { audit::search(&mut conn, &query).await? };
    // Reading the log is itself recorded (ids only: never what was searched for).
    user.audit(&mut conn, AuditAction::ViewAuditLog, None).await?;
    let lines = rows
        .into_iter()
        .map(|r| AuditLine {
            when: r.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            who: r.actor_staff_id.map(|id| format!("#{id}")).unwrap_or_default(),
            action: (ui.m.audit_action)(r.action).to_owned(),
            record: records_named(&ui, &r, query.person.as_ref()),
            from: r.client_addr.unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage { ui, user, search, lines })
}
