//! The booking form's submission, and the private page behind a booking's manage link.

use super::parse_id;
use super::sessions::render_session_page;
use crate::domain::booking::{Actor, BookingStatus, GroupCancelKind, NewBooking};
use crate::notify::render::{BookingCalendar, booking_calendar};
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
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
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
    /// While the request waits for the clinic: who will call, and when.
    next_text: Option<String>,
    /// Once confirmed: where, when to arrive, what to bring, whom to call.
    before_you_come: Option<BeforeYouCome>,
    /// Why the booking ended, when it did: the person's own cancellation, the clinic's
    /// cancellation of their place, or of the whole group (never alike).
    notice: Option<String>,
    /// A link to other groups, once this one is not going ahead for them.
    find_another: bool,
    can_cancel: bool,
    /// The booking's calendar file, while it is in someone's calendar or just left it.
    calendar_url: Option<String>,
    /// The whole private link, shown so it can be copied or bookmarked.
    manage_url: String,
    cancel_action: String,
}

pub struct BeforeYouCome {
    address: String,
    arrive: String,
    call: String,
}

/// The booking behind a manage link, its group and its clinic (the link's checks in one place).
async fn own_booking(
    state: &AppState,
    token: &str,
) -> Result<(bookings::OwnBooking, sessions::SessionSummary, catalog::Clinic), AppError> {
    if !plausible_token(token) {
        return Err(AppError::UnknownLink);
    }
    let mut conn = state.pool.acquire().await?;
    let own = bookings::by_manage_token(&mut conn, token).await?.ok_or(AppError::UnknownLink)?;
    let summary = sessions::summary(&mut conn, own.session_id).await?.ok_or(AppError::UnknownLink)?;
    let clinic = catalog::clinic(&mut conn, summary.clinic_id).await?.ok_or(AppError::UnknownLink)?;
    Ok((own, summary, clinic))
}

/// A booking's own page: what fits its status.
pub async fn manage(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
) -> Result<ManagePage, AppError> {
    let (own, summary, clinic) = own_booking(&state, &token).await?;
    let status = own.status;
    let cancelled_by_clinic =
        status == BookingStatus::Cancelled && matches!(own.cancelled_by, Some(Actor::Staff(_)));
    // The group's cancellation is this booking's story only if the booking was still going
    // (a person who had cancelled first keeps their own cancellation).
    let group_cancelled = own.group_cancelled && (cancelled_by_clinic || status.is_active());
    // Closed by the app: the group began before the clinic decided the request.
    let expired = status == BookingStatus::Cancelled && own.cancelled_by == Some(Actor::System);
    let status_text = if group_cancelled {
        ui.m.manage_status_group_cancelled.to_owned()
    } else if expired {
        ui.m.manage_status_expired.to_owned()
    } else if cancelled_by_clinic {
        ui.m.manage_status_cancelled_by_clinic.to_owned()
    } else {
        (ui.m.booking_status)(status, own.waitlist_position)
    };
    let notice = if group_cancelled {
        let why = (ui.m.group_cancel_kind)(own.cancel_kind.unwrap_or(GroupCancelKind::Other));
        Some((ui.m.manage_group_cancelled)(why))
    } else if expired {
        Some((ui.m.manage_expired)(&clinic.phone))
    } else if cancelled_by_clinic {
        Some((ui.m.manage_cancelled_by_clinic)(&clinic.phone))
    } else if status == BookingStatus::Cancelled {
        Some(ui.m.manage_cancelled_done.to_owned())
    } else {
        None
    };
    let tz = summary.time_zone();
    let before_you_come =
        (status == BookingStatus::Confirmed && !own.group_cancelled).then(|| BeforeYouCome {
            address: clinic.address.clone(),
            arrive: (ui.m.manage_arrive)(
                &ui.time(&(summary.starts_at - Duration::minutes(10)).with_timezone(&tz)),
            ),
            call: (ui.m.manage_call)(&clinic.phone),
        });
    let waiting_for_the_clinic = matches!(status, BookingStatus::Requested | BookingStatus::Waitlisted);
    let in_a_calendar =
        matches!(status, BookingStatus::Requested | BookingStatus::Confirmed | BookingStatus::Cancelled);
    Ok(ManagePage {
        ui,
        just_made: query.new.is_some(),
        reference: own.reference,
        status_text,
        card: SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff),
        next_text: waiting_for_the_clinic.then(|| {
            (ui.m.manage_next_text)(ui.pick(&clinic.intake_hours_en, &clinic.intake_hours_es), &clinic.phone)
        }),
        before_you_come,
        notice,
        find_another: !status.is_active() && status != BookingStatus::Attended || group_cancelled,
        can_cancel: status.is_active() && !group_cancelled,
        calendar_url: in_a_calendar.then(|| format!("{}/calendar.ics", manage_path(&token))),
        manage_url: format!("{}{}", state.base_url, manage_path(&token)),
        cancel_action: format!("{}/cancel", manage_path(&token)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/manage_cancel.html")]
pub struct CancelConfirmPage {
    ui: Ui,
    question: String,
    cancel_action: String,
    manage_path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    /// "yes" once the person has answered the question.
    confirm: String,
}

/// Cancels the booking once the person has said yes to the question this first asks.
pub async fn cancel(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    if form.confirm != "yes" {
        let (own, summary, _) = own_booking(&state, &token).await?;
        if !own.status.is_active() || own.group_cancelled {
            return Ok(Redirect::to(&manage_path(&token)).into_response());
        }
        let card = SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff);
        return Ok(CancelConfirmPage {
            ui,
            question: (ui.m.manage_cancel_confirm_text)(&card.when),
            cancel_action: format!("{}/cancel", manage_path(&token)),
            manage_path: manage_path(&token),
        }
        .into_response());
    }
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
    Ok(Redirect::to(&manage_path(&token)).into_response())
}

/// The booking's calendar file: one discreet event (see `notify::render::booking_calendar`).
pub async fn calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (own, summary, clinic) = own_booking(&state, &token).await?;
    let ics = booking_calendar(
        &BookingCalendar {
            language: own.language,
            sender_name: &clinic.message_name,
            address: &clinic.address,
            phone: &clinic.phone,
            reference: &own.reference,
            sequence: own.calendar_sequence,
            status: own.status,
            group_cancelled: own.group_cancelled,
            starts_at: summary.starts_at,
            ends_at: summary.ends_at,
        },
        state.clock.now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"appointment.ics\""),
        ],
        ics,
    )
        .into_response())
}
