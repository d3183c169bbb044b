//! The booking form's submission, and the private page behind a booking's manage link.

use super::parse_id;
use super::sessions::render_session_page;
use crate::domain::booking::{Actor, BookingStatus, GroupCancelKind, NewBooking};
use crate::notify::render::{BookingCalendar, booking_calendar};
use crate::store::bookings::{self, Refused};
use crate::store::{catalog, memberships, sessions};
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
    render_session_page(state, ui, session_id, view, status).await
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
    /// Every week: the membership this booking began.
    weekly: Option<WeeklyView>,
    skip_action: String,
    leave_action: String,
}

pub struct BeforeYouCome {
    address: String,
    arrive: String,
    call: String,
}

/// What a manage link opens: its booking, the group and clinic, and the membership ("every
/// week") the booking began, if it did.
struct Owned {
    own: bookings::OwnBooking,
    summary: sessions::SessionSummary,
    clinic: catalog::Clinic,
    membership: Option<memberships::Membership>,
}

/// The booking behind a manage link and what goes with it (the link's checks in one place).
async fn own_booking(state: &AppState, token: &str) -> Result<Owned, AppError> {
    if !plausible_token(token) {
        return Err(AppError::UnknownLink);
    }
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let own = bookings::by_manage_token(&mut conn, token).await?.ok_or(AppError::UnknownLink)?;
    let membership = match own.membership_id {
        Some(_) => memberships::of_booking(&mut conn, own.id, now).await?,
        None => None,
    };
    drop(conn);
    // The booking itself is read fresh; its group's public facts as the listings show them.
    let summary =
        state.listings.session(&state.pool, own.session_id, now).await?.ok_or(AppError::UnknownLink)?;
    let catalog =
        state.listings.catalog_where(&state.pool, |c| c.clinic(summary.clinic_id).is_some()).await?;
    let clinic = catalog.clinic(summary.clinic_id).ok_or(AppError::UnknownLink)?.clone();
    Ok(Owned { own, summary, clinic, membership })
}

/// A membership on the person's page: where it stands, and its coming dates.
pub struct WeeklyView {
    status_text: &'static str,
    weeks: Vec<WeekView>,
    /// Still open: the person may leave it.
    can_leave: bool,
}

pub struct WeekView {
    id: i64,
    /// Starting its line, so with a capital (also read after the skip button's words).
    when: String,
    status_text: String,
    can_skip: bool,
}

impl WeeklyView {
    fn new(ui: Ui, m: &memberships::Membership, tz: chrono_tz::Tz) -> WeeklyView {
        WeeklyView {
            status_text: (ui.m.weekly_status)(m.status),
            weeks: m
                .weeks
                .iter()
                .map(|w| {
                    let (starts, ends) = (w.starts_at.with_timezone(&tz), w.ends_at.with_timezone(&tz));
                    WeekView {
                        id: w.booking_id,
                        when: ui.when_line(&starts, &ends),
                        status_text: if w.group_cancelled {
                            ui.m.manage_status_group_cancelled.to_owned()
                        } else {
                            (ui.m.booking_status)(w.status, w.waitlist_position)
                        },
                        can_skip: w.status.is_active() && !w.group_cancelled,
                    }
                })
                .collect(),
            can_leave: m.status != memberships::MembershipStatus::Ended,
        }
    }
}

/// A booking's own page: what fits its status.
pub async fn manage(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
) -> Result<ManagePage, AppError> {
    let Owned { own, summary, clinic, membership } = own_booking(&state, &token).await?;
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
        weekly: membership.as_ref().map(|m| WeeklyView::new(ui, m, tz)),
        skip_action: format!("{}/skip", manage_path(&token)),
        leave_action: format!("{}/leave", manage_path(&token)),
    })
}

/// The question asked before a cancellation (of the booking, of one week, of every week).
#[derive(Template, WebTemplate)]
#[template(path = "public/manage_cancel.html")]
pub struct CancelConfirmPage {
    ui: Ui,
    title: &'static str,
    question: String,
    yes: &'static str,
    cancel_action: String,
    /// The week asked about, sent again with the answer.
    week: Option<i64>,
    manage_path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    /// "yes" once the person has answered the question.
    confirm: String,
    /// The week to skip (its booking's id), on the skip form.
    week: String,
}

/// Cancels the booking once the person has said yes to the question this first asks.
pub async fn cancel(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    if form.confirm != "yes" {
        let Owned { own, summary, .. } = own_booking(&state, &token).await?;
        if !own.status.is_active() || own.group_cancelled {
            return Ok(Redirect::to(&manage_path(&token)).into_response());
        }
        let card = SessionCard::new(ui, &summary, state.clock.now(), state.booking.cutoff);
        return Ok(CancelConfirmPage {
            ui,
            title: ui.m.manage_cancel_confirm_title,
            question: (ui.m.manage_cancel_confirm_text)(&card.when()),
            yes: ui.m.manage_cancel_yes,
            cancel_action: format!("{}/cancel", manage_path(&token)),
            week: None,
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

/// Skips one week of the person's membership, once they have said yes to the question.
pub async fn skip(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    let week = parse_id(&form.week)?;
    if form.confirm != "yes" {
        let Owned { summary, membership, .. } = own_booking(&state, &token).await?;
        let asked = membership.as_ref().and_then(|m| {
            m.weeks.iter().find(|w| w.booking_id == week && w.status.is_active() && !w.group_cancelled)
        });
        let Some(asked) = asked else {
            return Ok(Redirect::to(&manage_path(&token)).into_response());
        };
        let tz = summary.time_zone();
        let when = ui.when(&asked.starts_at.with_timezone(&tz), &asked.ends_at.with_timezone(&tz));
        return Ok(CancelConfirmPage {
            ui,
            title: ui.m.weekly_skip_confirm_title,
            question: (ui.m.weekly_skip_confirm_text)(&when),
            yes: ui.m.weekly_skip_yes,
            cancel_action: format!("{}/skip", manage_path(&token)),
            week: Some(week),
            manage_path: manage_path(&token),
        }
        .into_response());
    }
    if !plausible_token(&token) {
        return Err(AppError::UnknownLink);
    }
    bookings::skip_week(&mut *state.pool.acquire().await?, &token, week, state.clock.now())
        .await?
        .ok_or(AppError::UnknownLink)?;
    Ok(Redirect::to(&manage_path(&token)).into_response())
}

/// Ends the person's membership (every coming week), once they have said yes to the question.
pub async fn leave(
    State(state): State<AppState>,
    ui: Ui,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    let Owned { own, membership, .. } = own_booking(&state, &token).await?;
    let Some(membership) = membership.filter(|m| m.status != memberships::MembershipStatus::Ended) else {
        return Ok(Redirect::to(&manage_path(&token)).into_response());
    };
    if form.confirm != "yes" {
        return Ok(CancelConfirmPage {
            ui,
            title: ui.m.weekly_leave_confirm_title,
            question: ui.m.weekly_leave_confirm_text.to_owned(),
            yes: ui.m.weekly_leave_yes,
            cancel_action: format!("{}/leave", manage_path(&token)),
            week: None,
            manage_path: manage_path(&token),
        }
        .into_response());
    }
    debug_assert_eq!(own.membership_id, Some(membership.id));
    memberships::end(&mut *state.pool.acquire().await?, membership.id, Actor::Patient, state.clock.now())
        .await?;
    Ok(Redirect::to(&manage_path(&token)).into_response())
}

/// The booking's calendar file: one discreet event (see `notify::render::booking_calendar`).
pub async fn calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Owned { own, summary, clinic, .. } = own_booking(&state, &token).await?;
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
