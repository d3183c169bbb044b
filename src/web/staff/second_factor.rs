//! Enrolling a second sign-in factor: a QR code the app draws itself (no outside service), a
//! first code to confirm it, and recovery codes shown once.

use super::auth::{Enrolling, EnrollingForm, StaffUser};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::totp;
use crate::store::secrets::totp_context;
use crate::store::staff;
use crate::tokens::digest;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "staff/second_factor.html")]
struct EnrollPage {
    ui: Ui,
    user: StaffUser,
    /// The QR code as inline SVG (drawn here from the otpauth link; it holds no user text).
    qr_svg: String,
    key: String,
    error: Option<&'static str>,
    /// After confirming: the recovery codes, shown this once.
    recovery_codes: Vec<String>,
}

/// The secret being enrolled (made on first ask and kept, sealed, so a reload shows the same
/// QR code).
async fn pending_secret(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    staff_id: i64,
) -> Result<Vec<u8>, AppError> {
    let context = totp_context(staff_id);
    let fresh = state.keys.seal(&context, &totp::new_secret());
    let sealed = staff::pending_totp_secret(conn, staff_id, &fresh).await?;
    state.keys.open(&context, &sealed).map_err(|e| AppError::Internal(Box::new(e)))
}

/// The enrolment form for the pending secret (made on first visit, kept across reloads).
async fn enroll_form(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let secret = pending_secret(state, &mut conn, user.staff_id).await?;
    let uri = totp::otpauth_uri(ui.m.site_name, &user.email, &secret);
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(Box::new(e)))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    let qr_svg = svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or(svg);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = EnrollPage { ui, user, qr_svg, key: totp::base32(&secret), error, recovery_codes: Vec::new() };
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ui: Ui,
    Enrolling(user): Enrolling,
) -> Result<Response, AppError> {
    if user.enrolled {
        let page = EnrollPage {
            ui,
            user,
            qr_svg: String::new(),
            key: String::new(),
            error: None,
            recovery_codes: Vec::new(),
        };
        return Ok(page.into_response());
    }
    enroll_form(&state, ui, user, None).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConfirmFields {
    code: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    ui: Ui,
    Enrolling(user): Enrolling,
    EnrollingForm(fields): EnrollingForm<ConfirmFields>,
) -> Result<Response, AppError> {
    if user.enrolled {
        return Ok(axum::response::Redirect::to("/staff").into_response());
    }
    let now = state.clock.now();
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    let secret = pending_secret(&state, &mut conn, user.staff_id).await?;
    let Some(step) = totp::matching_step(&secret, &fields.code, totp::step_at(now.timestamp())) else {
        drop(conn);
        return enroll_form(&state, ui, user, Some(ui.m.enroll_wrong_code)).await;
    };
    let recovery_codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> =
        recovery_codes.iter().map(|c| digest(&totp::normalize_recovery_code(c))).collect();
    if !staff::confirm_totp(&mut conn, user.staff_id, step, &hashes).await? {
        return Err(AppError::BadRequest);
    }
    user.audit(&mut conn, AuditAction::SecondFactorEnrolled, Some((RecordType::Staff, user.staff_id)))
        .await?;
    conn.commit().await?;
    let user = StaffUser { enrolled: true, ..user };
    Ok(EnrollPage { ui, user, qr_svg: String::new(), key: String::new(), error: None, recovery_codes }
        .into_response())
}
