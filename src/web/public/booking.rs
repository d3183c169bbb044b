//! The booking form's submission, and the private page behind a booking's manage link.

use super::parse_id;
use super::sessions::render_session_page;
use crate::domain::booking::{Actor, BookingStatus, NewBooking};
use crate::store::bookings::{self, Refused};
use crate::store::{catalog, sessions};
use crate::tokens::new_request_key;
use crate::web::AppState;
use crate::web::booking_requests::{self, PersonFields, field_label, manage_path, usable_key};
use crate::web::client::ClientAddr;
use crate::web::error::AppError;
use crate::web::extract::{Form, Path, Query};
use crate::web::i18n::Ui;
use crate::web::views::{FieldError, FormView, SessionCard};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form's fields as posted.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct BookingFields {
    key: String,
    /// The honeypot: hidden from people, filled in by bots.
    website: String,
    #[serde(flatten)]
    person: PersonFields,
}

/// The group's page again, with the form as sent and what was wrong with it. Nothing stored.
async fn refuse(
    state: &AppState,
    ui: Ui,
    session_id: i64,
    view: FormView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    render_session_page(state, &mut conn, ui, session_id, view, status).await
}

pub async fn submit(
    State(state): State<AppState>,
    ui: Ui,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(fields): Form<BookingFields>,
) -> Result<Response, AppError> {
    let session_id = parse_id(&id)?;
    if !booking_requests::within_rate_limit(&state, client).await? {
        return Err(AppError::RateLimited);
    }
    let BookingFields { key, website, person } = fields;
    let key = usable_key(&key);
    let mut view = FormView {
        key: key.clone().unwrap_or_else(new_request_key),
        input: person.into_input(),
        errors: Vec::new(),
        general_error: None,
    };
    if !website.is_empty() {
        view.general_error = Some(ui.m.form_honeypot_error.to_owned());
        return refuse(&state, ui, session_id, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let booking = NewBooking::try_from(&view.input).map_err(|problems| {
        view.errors = problems
            .into_iter()
            .map(|(field, p)| FieldError {
                field,
                label: field_label(ui, field).unwrap_or(field),
                message: (ui.m.problem)(p),
            })
            .collect();
    });
    // A form without its one-time key (or with a guessable one) is sent again with a new key.
    if key.is_none() {
        view.general_error = Some(ui.m.form_key_missing.to_owned());
    }
    let (Ok(booking), Some(_)) = (booking, key) else {
        return refuse(&state, ui, session_id, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match booking_requests::request_seat(&state, session_id, &booking, &view.key).await? {
        Ok(answer) => {
            Ok(Redirect::to(&format!("{}?new=1", manage_path(&answer.manage_token))).into_response())
        }
        Err(Refused::UnknownSession) => Err(AppError::NotFound),
        Err(Refused::Unbookable(why)) => {
            view.general_error = Some((ui.m.unbookable)(why).to_owned());
            refuse(&state, ui, session_id, view, StatusCode::CONFLICT).await
        }
        Err(Refused::KeyReused) => {
            view.key = new_request_key();
            view.general_error = Some(ui.m.form_key_reused.to_owned());
            refuse(&state, ui, session_id, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The form's address opened directly (a reload, or the language switch on a form that came
/// back with problems): the group's page, where the form is.
pub async fn back_to_form(Path(id): Path<String>) -> Result<Redirect, AppError> {
    Ok(Redirect::to(&format!("/sessions/{}", parse_id(&id)?)))
}

/// A manage token is 64 hex digits; anything else matches no booking.
fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManageQuery {
    new: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/manage.html")]
pub struct ManagePage {
    ui: Ui,
    just_made: bool,
    reference: String,
    status_text: String,
    card: SessionCard,
    next_text: String,
    can_cancel: bool,
    cancelled: bool,
    /// The whole private link, shown so it can be copied or bookmarked.
    manage_url: String,
    cancel_action: String,
}

pub async fn manage(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
) -> Result<ManagePage, AppError> {
    if !plausible_token(&token) {
        return Err(AppError::UnknownLink);
    }
    let mut conn = state.pool.acquire().await?;
    let own = bookings::by_manage_token(&mut conn, &token).await?.ok_or(AppError::UnknownLink)?;
    let summary = sessions::summary(&mut conn, own.session_id).await?.ok_or(AppError::UnknownLink)?;
    let clinic = catalog::clinic(&mut conn, summary.clinic_id).await?.ok_or(AppError::UnknownLink)?;
    drop(conn);
    Ok(ManagePage {
        ui,
        just_made: query.new.is_some(),
        reference: own.reference,
        status_text: (ui.m.booking_status)(own.status, own.waitlist_position),
        card: SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff),
        next_text: (ui.m.manage_next_text)(
            ui.pick(&clinic.intake_hours_en, &clinic.intake_hours_es),
            &clinic.phone,
        ),
        can_cancel: own.status.is_active(),
        cancelled: own.status == BookingStatus::Cancelled,
        manage_url: format!("{}{}", state.base_url, manage_path(&token)),
        cancel_action: format!("{}/cancel", manage_path(&token)),
    })
}

pub async fn cancel(State(state): State<AppState>, Path(token): Path<String>) -> Result<Redirect, AppError> {
    if !plausible_token(&token) {
        return Err(AppError::UnknownLink);
    }
    bookings::cancel_by_manage_token(
        &mut *state.pool.acquire().await?,
        &token,
        Actor::Patient,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::UnknownLink)?;
    Ok(Redirect::to(&manage_path(&token)))
}
