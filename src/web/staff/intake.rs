//! Intake: the queue of requests (oldest first), one request with its history, and the
//! decisions on it. Intake accounts see their clinics' requests; administrators all. Every
//! view of patient data and every change is written to the audit log.

use super::auth::StaffUser;
use crate::domain::booking::BookingStatus;
use crate::domain::contact::Phone;
use crate::domain::staff::StaffRole;
use crate::store::audit::{self, AuditEntry};
use crate::store::intake::{self, ClinicScope, ContactOutcome, Decision, QueueRow};
use crate::store::{catalog, sessions};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use crate::web::views::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Who may work the queue, and on which clinics' requests.
fn scope(user: &StaffUser) -> Result<ClinicScope, AppError> {
    user.require(&[StaffRole::Intake, StaffRole::Admin])?;
    Ok(match user.role {
        StaffRole::Admin => ClinicScope::All,
        _ => ClinicScope::Only(user.clinic_ids.clone()),
    })
}

async fn audit_as(
    conn: &mut sqlx::PgConnection,
    user: &StaffUser,
    action: &str,
    booking_id: Option<i64>,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        actor_staff_id: Some(user.staff_id),
        action,
        record_type: booking_id.map(|_| "booking"),
        record_id: booking_id,
        client_addr: user.client_addr.as_deref(),
    };
    audit::record(conn, &entry, Utc::now()).await?;
    Ok(())
}

fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

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
    status: String,
}

pub struct QueueLine {
    pub id: i64,
    pub age: String,
    pub person: String,
    pub group: String,
    pub when: String,
    pub reference: String,
    pub overlap: bool,
    pub repeat: bool,
}

impl QueueLine {
    fn new(ui: Ui, row: &QueueRow, now: DateTime<Utc>) -> QueueLine {
        let tz: chrono_tz::Tz = row.time_zone.parse().unwrap_or(chrono_tz::America::Los_Angeles);
        let starts = row.starts_at.with_timezone(&tz);
        QueueLine {
            id: row.id,
            age: (ui.m.age)(now - row.created_at),
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
    lines: Vec<QueueLine>,
    clinics: Vec<Choice>,
    statuses: Vec<Choice>,
}

pub async fn queue(
    State(state): State<AppState>,
    ui: Ui,
    user: StaffUser,
    Query(query): Query<QueueQuery>,
) -> Result<QueuePage, AppError> {
    let scope = scope(&user)?;
    let status = QUEUE_STATUSES
        .into_iter()
        .find(|s| (crate::web::i18n::EN.status_name)(*s) == query.status)
        .unwrap_or(BookingStatus::Requested);
    let clinic: Option<i64> = query.clinic.parse().ok();
    let now = Utc::now();
    let mut conn = state.pool.acquire().await?;
    let rows = intake::queue(&mut conn, &scope, clinic, status).await?;
    let clinics = catalog::clinics(&mut conn).await?;
    audit_as(&mut conn, &user, "view_queue", None).await?;
    let visible = clinics.into_iter().filter(|c| match &scope {
        ClinicScope::All => true,
        ClinicScope::Only(ids) => ids.contains(&c.id),
    });
    Ok(QueuePage {
        ui,
        lines: rows.iter().map(|r| QueueLine::new(ui, r, now)).collect(),
        clinics: visible
            .map(|c| Choice { selected: Some(c.id) == clinic, value: c.id.to_string(), label: c.name })
            .collect(),
        statuses: QUEUE_STATUSES
            .iter()
            .map(|s| Choice {
                value: (crate::web::i18n::EN.status_name)(*s).to_owned(),
                label: (ui.m.status_name)(*s).to_owned(),
                selected: *s == status,
            })
            .collect(),
    })
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
    title: String,
    status: &'static str,
    consents: String,
    phone: String,
    language: &'static str,
    received: String,
    card: SessionCard,
    history: Vec<HistoryView>,
    can_confirm: bool,
    can_decline: bool,
    can_cancel: bool,
    outcomes: Vec<(&'static str, &'static str)>,
}

pub async fn request(
    State(state): State<AppState>,
    ui: Ui,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<RequestPage, AppError> {
    let scope = scope(&user)?;
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let request = intake::request(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let summary = sessions::summary(&mut conn, request.session_id).await?.ok_or(AppError::NotFound)?;
    let history = intake::history(&mut conn, id).await?;
    audit_as(&mut conn, &user, "view_booking", Some(id)).await?;
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
            by: (ui.m.history_by)(&h.actor),
            reason: h.reason,
        })
        .collect();
    let status = request.status;
    Ok(RequestPage {
        ui,
        title: (ui.m.request_title)(&request.reference),
        status: (ui.m.status_name)(status),
        consents: format!(
            "{}, {}",
            (ui.m.request_consent_sms)(request.consent_sms),
            (ui.m.request_consent_voicemail)(request.consent_voicemail)
        ),
        phone: Phone::parse(&request.phone).map(|p| p.to_string()).unwrap_or_else(|_| request.phone.clone()),
        language: (ui.m.language_names)(request.language),
        received: local(request.created_at),
        card: SessionCard::new(ui, &summary, Utc::now(), state.booking.cutoff),
        history,
        can_confirm: Decision::Confirm.from_states().contains(&status),
        can_decline: Decision::Decline.from_states().contains(&status),
        can_cancel: Decision::Cancel.from_states().contains(&status),
        outcomes: ContactOutcome::ALL.iter().map(|o| (o.code(), (ui.m.contact_outcome)(*o))).collect(),
        request,
        user,
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: StaffUser,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Redirect, AppError> {
    let scope = scope(&user)?;
    user.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let decision = match action.as_str() {
        "confirm" => Decision::Confirm,
        "decline" => Decision::Decline,
        "cancel" => Decision::Cancel,
        _ => return Err(AppError::NotFound),
    };
    let reason = form.reason.trim();
    let reason = (!reason.is_empty()).then(|| reason.chars().take(500).collect::<String>());
    let actor = format!("staff:{}", user.staff_id);
    let now = Utc::now();
    intake::decide(&state.pool, &scope, id, decision, &actor, reason.as_deref(), now)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut conn = state.pool.acquire().await?;
    audit_as(&mut conn, &user, &format!("booking_{action}"), Some(id)).await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    csrf: String,
    outcome: String,
}

pub async fn contact(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> Result<Redirect, AppError> {
    let scope = scope(&user)?;
    user.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let outcome = ContactOutcome::from_code(&form.outcome).ok_or(AppError::BadRequest)?;
    let mut conn = state.pool.acquire().await?;
    intake::request(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    intake::log_contact(&mut conn, id, user.staff_id, outcome, Utc::now()).await?;
    audit_as(&mut conn, &user, "booking_contact_logged", Some(id)).await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{id}")))
}
