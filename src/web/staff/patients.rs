//! Patient records for intake: linking a request to the person (a record that matches by
//! phone, or by name and date of birth), making a record, and merging duplicates. Every view
//! and change is audited.

use super::auth::{CsrfForm, Intake, StaffUser};
use super::intake::request_refused;
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::contact::Phone;
use crate::store::intake::{self};
use crate::store::patients::{self, Patient};
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::Connection;
use sqlx::PgConnection;

/// A record as a line: name, phone the usual way, date of birth.
pub struct PatientLine {
    pub id: i64,
    pub text: String,
}

/// The patient records a page lists beside the record it is about (a request's possible
/// matches, a record's possible duplicates), as lines: each one is written to the audit log as
/// shown to `user`.
pub(super) async fn patient_lines_shown(
    user: &StaffUser,
    conn: &mut PgConnection,
    ui: Ui,
    records: &[Patient],
) -> Result<Vec<PatientLine>, AppError> {
    let shown = records.iter().map(|p| p.id);
    user.audit_shown(conn, AuditAction::ViewPatientInList, RecordType::Patient, shown).await?;
    Ok(records.iter().map(|p| PatientLine::new(ui, p)).collect())
}

impl PatientLine {
    pub fn new(ui: Ui, p: &Patient) -> PatientLine {
        let phone = Phone::parse(&p.phone).map(|x| x.to_string()).unwrap_or_else(|_| p.phone.clone());
        let born =
            p.date_of_birth.map(|d| d.to_string()).unwrap_or_else(|| ui.m.patient_dob_unknown.to_owned());
        PatientLine {
            id: p.id,
            text: format!("#{} · {} {} · {} · {}", p.id, p.first_name, p.last_name, phone, born),
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewPatientForm {
    date_of_birth: String,
}

pub async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NewPatientForm>,
) -> Result<Response, AppError> {
    let booking = parse_id(&id)?;
    let born = match form.date_of_birth.trim() {
        "" => None,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                let (desk, status) = (Intake { user, scope }, StatusCode::UNPROCESSABLE_ENTITY);
                return request_refused(&state, ui, desk, booking, ui.m.patient_bad_dob, status).await;
            }
        },
    };
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    let request = intake::request(&mut conn, &scope, booking).await?.ok_or(AppError::NotFound)?;
    if request.patient_id.is_none() {
        let patient = patients::create_from_booking(&mut conn, booking, born).await?;
        user.audit(&mut conn, AuditAction::PatientCreated, Some((RecordType::Patient, patient))).await?;
        conn.commit().await?;
    }
    Ok(Redirect::to(&format!("/staff/intake/requests/{booking}")).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    patient_id: String,
}

pub async fn link(
    State(state): State<AppState>,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> Result<Redirect, AppError> {
    let booking = parse_id(&id)?;
    let patient: i64 = form.patient_id.parse().map_err(|_| AppError::BadRequest)?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    intake::request(&mut conn, &scope, booking).await?.ok_or(AppError::NotFound)?;
    // Only a record offered as a match: not any id someone types into a form.
    let offered = patients::candidates(&mut conn, &scope, booking).await?.iter().any(|c| c.id == patient);
    if !offered || !patients::link(&mut conn, &scope, booking, patient).await? {
        return Err(AppError::NotFound);
    }
    user.audit(&mut conn, AuditAction::PatientLinked, Some((RecordType::Booking, booking))).await?;
    conn.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/requests/{booking}")))
}

pub struct BookingLine {
    pub id: i64,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/patient.html")]
pub struct PatientPage {
    ui: Ui,
    user: StaffUser,
    title: String,
    patient: PatientLine,
    email: Option<String>,
    bookings: Vec<BookingLine>,
    duplicates: Vec<PatientLine>,
}

pub async fn show(
    State(state): State<AppState>,
    ui: Ui,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
) -> Result<PatientPage, AppError> {
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let patient = patients::patient(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let bookings = patients::bookings(&mut conn, &scope, id).await?;
    let duplicates = patients::duplicates_of(&mut conn, &scope, id).await?;
    // The page's entries in one commit (see `store::audit::append`).
    let mut tx = conn.begin().await?;
    user.audit(&mut tx, AuditAction::ViewPatient, Some((RecordType::Patient, id))).await?;
    user.audit_shown(
        &mut tx,
        AuditAction::ViewBookingInList,
        RecordType::Booking,
        bookings.iter().map(|b| b.id),
    )
    .await?;
    let duplicates = patient_lines_shown(&user, &mut tx, ui, &duplicates).await?;
    tx.commit().await?;
    Ok(PatientPage {
        ui,
        title: (ui.m.patient_title)(&format!("{} {}", patient.first_name, patient.last_name)),
        email: patient.email.clone(),
        patient: PatientLine::new(ui, &patient),
        bookings: bookings
            .iter()
            .map(|b| BookingLine {
                id: b.id,
                text: format!(
                    "{} · {} · {} · {}",
                    b.reference,
                    b.starts_at.format("%Y-%m-%d"),
                    b.clinic_name,
                    (ui.m.status_name)(b.status)
                ),
            })
            .collect(),
        duplicates,
        user,
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    other: String,
}

pub async fn merge(
    State(state): State<AppState>,
    Intake { user, scope }: Intake,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MergeForm>,
) -> Result<Redirect, AppError> {
    let kept = parse_id(&id)?;
    let other: i64 = form.other.parse().map_err(|_| AppError::BadRequest)?;
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    patients::patient(&mut conn, &scope, kept).await?.ok_or(AppError::NotFound)?;
    // Only a record offered as a possible duplicate of this one.
    if !patients::duplicates_of(&mut conn, &scope, kept).await?.iter().any(|p| p.id == other) {
        return Err(AppError::NotFound);
    }
    patients::merge(&mut conn, &scope, kept, other).await?.map_err(|_| AppError::NotFound)?;
    user.audit(&mut conn, AuditAction::PatientMerged, Some((RecordType::Patient, kept))).await?;
    user.audit(&mut conn, AuditAction::PatientMergedAway, Some((RecordType::Patient, other))).await?;
    conn.commit().await?;
    Ok(Redirect::to(&format!("/staff/intake/patients/{kept}")))
}
