//! Patient records for intake: linking a request to the person (a record that matches by
//! phone, or by name and date of birth), making a record, and merging duplicates. Every view
//! and change is audited.

use super::auth::StaffUser;
use super::intake::request_page;
use crate::domain::contact::Phone;
use crate::domain::staff::StaffRole;
use crate::store::audit::{self, AuditEntry};
use crate::store::intake::{self, ClinicScope};
use crate::store::patients::{self, Patient};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

fn scope(user: &StaffUser) -> Result<ClinicScope, AppError> {
    user.require(&[StaffRole::Intake, StaffRole::Admin])?;
    Ok(match user.role {
        StaffRole::Admin => ClinicScope::All,
        _ => ClinicScope::Only(user.clinic_ids.clone()),
    })
}

fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

async fn audit_as(
    conn: &mut PgConnection,
    user: &StaffUser,
    action: &str,
    record: (&str, i64),
) -> Result<(), AppError> {
    let entry = AuditEntry {
        actor_staff_id: Some(user.staff_id),
        action,
        record_type: Some(record.0),
        record_id: Some(record.1),
        client_addr: user.client_addr.as_deref(),
    };
    audit::record(conn, &entry, Utc::now()).await?;
    Ok(())
}

/// A record as a line: name, phone the usual way, date of birth.
pub struct PatientLine {
    pub id: i64,
    pub text: String,
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
    csrf: String,
    date_of_birth: String,
}

pub async fn create(
    State(state): State<AppState>,
    ui: Ui,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<NewPatientForm>,
) -> Result<Response, AppError> {
    let scope = scope(&user)?;
    user.check_csrf(&form.csrf)?;
    let booking = parse_id(&id)?;
    let born = match form.date_of_birth.trim() {
        "" => None,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                let message = Some(ui.m.patient_bad_dob);
                return request_page(&state, ui, user, booking, message, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
        },
    };
    let mut conn = state.pool.acquire().await?;
    let request = intake::request(&mut conn, &scope, booking).await?.ok_or(AppError::NotFound)?;
    if request.patient_id.is_none() {
        let patient = patients::create_from_booking(&mut conn, booking, born).await?;
        audit_as(&mut conn, &user, "patient_created", ("patient", patient)).await?;
    }
    Ok(Redirect::to(&format!("/staff/intake/requests/{booking}")).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    csrf: String,
    patient_id: String,
}

pub async fn link(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Redirect, AppError> {
    let scope = scope(&user)?;
    user.check_csrf(&form.csrf)?;
    let booking = parse_id(&id)?;
    let patient: i64 = form.patient_id.parse().map_err(|_| AppError::BadRequest)?;
    let mut conn = state.pool.acquire().await?;
    intake::request(&mut conn, &scope, booking).await?.ok_or(AppError::NotFound)?;
    // Only a record offered as a match: not any id someone types into a form.
    let offered = patients::candidates(&mut conn, booking).await?.iter().any(|c| c.id == patient);
    if !offered || !patients::link(&mut conn, booking, patient).await? {
        return Err(AppError::NotFound);
    }
    audit_as(&mut conn, &user, "patient_linked", ("booking", booking)).await?;
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
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<PatientPage, AppError> {
    let scope = scope(&user)?;
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let patient = patients::patient(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let bookings = patients::bookings(&mut conn, id).await?;
    let duplicates = patients::duplicates_of(&mut conn, id).await?;
    audit_as(&mut conn, &user, "view_patient", ("patient", id)).await?;
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
        duplicates: duplicates.iter().map(|p| PatientLine::new(ui, p)).collect(),
        user,
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    csrf: String,
    other: String,
}

pub async fn merge(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> Result<Redirect, AppError> {
    let scope = scope(&user)?;
    user.check_csrf(&form.csrf)?;
    let kept = parse_id(&id)?;
    let other: i64 = form.other.parse().map_err(|_| AppError::BadRequest)?;
    let mut conn = state.pool.acquire().await?;
    patients::patient(&mut conn, &scope, kept).await?.ok_or(AppError::NotFound)?;
    // Only a record offered as a possible duplicate of this one.
    if !patients::duplicates_of(&mut conn, kept).await?.iter().any(|p| p.id == other) {
        return Err(AppError::NotFound);
    }
    patients::merge(&mut conn, kept, other).await?.map_err(|_| AppError::NotFound)?;
    audit_as(&mut conn, &user, "patient_merged", ("patient", kept)).await?;
    audit_as(&mut conn, &user, "patient_merged_away", ("patient", other)).await?;
    Ok(Redirect::to(&format!("/staff/intake/patients/{kept}")))
}
