//! The public JSON API for integrations (a clinic's marketing site, a call-centre tool).
//! Same rules as the pages; messages in English; no patient data out except a booking's own
//! manage link to the caller who made it.

use super::AppState;
use super::booking_requests::{self, manage_path, usable_key};
use super::client::ClientAddr;
use super::i18n::EN;
use crate::domain::Language;
use crate::domain::booking::{Availability, BookingInput, BookingStatus, NewBooking, availability};
use crate::domain::contact::Problem;
use crate::store::bookings::Refused;
use crate::tokens::new_request_key;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list_sessions))
        .route("/bookings", post(create_booking))
        // An integration gets JSON even when it asks for something the API does not have.
        .fallback(|| async { ApiError::message(StatusCode::NOT_FOUND, say::NO_SUCH_PATH) })
        .method_not_allowed_fallback(|| async {
            ApiError::message(StatusCode::METHOD_NOT_ALLOWED, say::METHOD_NOT_ALLOWED)
        })
}

/// An API failure: a status and a JSON body, `{"error": …}` or `{"errors": {field: …}}`.
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn message(status: StatusCode, message: &str) -> ApiError {
        ApiError { status, body: json!({ "error": message }) }
    }

    fn fields(errors: Map<String, Value>) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, body: json!({ "errors": errors }) }
    }
}

/// The API's answer when a request took longer than the app allows (see `web::time_limit`).
pub(crate) fn timed_out() -> Response {
    ApiError::message(StatusCode::SERVICE_UNAVAILABLE, say::TIMED_OUT).into_response()
}

/// The API's answer when too many requests are being answered at once (see `web::admit`).
pub(crate) fn overloaded() -> Response {
    ApiError::message(StatusCode::SERVICE_UNAVAILABLE, say::OVERLOADED).into_response()
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        if crate::db::try_again_later(&e) {
            tracing::warn!(error = %e, "database unavailable for now");
            return ApiError::message(StatusCode::SERVICE_UNAVAILABLE, say::UNAVAILABLE);
        }
        tracing::error!(error = %e, "api request failed");
        ApiError::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        let retry_after = match self.status {
            StatusCode::TOO_MANY_REQUESTS => Some("60"),
            StatusCode::SERVICE_UNAVAILABLE => Some(crate::web::error::RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static(seconds));
        }
        response
    }
}

#[derive(Serialize)]
struct CounselorOut {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct SessionOut {
    id: i64,
    clinic: String,
    clinic_id: i64,
    topic: String,
    topic_id: i64,
    starts_at: String,
    ends_at: String,
    language: Language,
    capacity: i32,
    seats_left: i64,
    waitlist_length: i64,
    counselors: Vec<CounselorOut>,
    status: Availability,
}

/// The listing's filters, and the clinic-local dates to list (`from`, `to`: both optional).
#[derive(Deserialize)]
struct SessionsQuery {
    #[serde(flatten)]
    filter: super::public::FilterQuery,
    from: Option<String>,
    to: Option<String>,
}

/// The most days `to` may be after `from`.
const MAX_RANGE_DAYS: i64 = 92;

/// How far from today a date may be asked for: sessions exist weeks ahead, not years.
const FARTHEST_DAYS: i64 = 2 * 366;

/// Which clinic-local dates to list: `from` (default today) through `to` (default four weeks
/// on), at most [`MAX_RANGE_DAYS`] apart. `today` is the earliest date any clinic is on;
/// sessions that started are never listed, whatever the range.
fn listing_dates(q: &SessionsQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let mut errors = Map::new();
    let nearby = (today - Duration::days(FARTHEST_DAYS))..=(today + Duration::days(FARTHEST_DAYS));
    let mut date = |field: &str, raw: &Option<String>| match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let problem = match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) if nearby.contains(&date) => return Some(date),
                Ok(_) => say::DATE_TOO_FAR,
                Err(_) => say::NOT_A_DATE,
            };
            errors.insert(field.to_owned(), json!(problem));
            None
        }
    };
    let (from, to) = (date("from", &q.from), date("to", &q.to));
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let from = from.unwrap_or(today);
    // Four weeks for every clinic, including those a day ahead of `today`.
    let to = to.unwrap_or(from + Duration::days(super::views::LISTING_DAYS));
    if to < from {
        errors.insert("to".to_owned(), json!(say::TO_BEFORE_FROM));
    } else if (to - from).num_days() > MAX_RANGE_DAYS {
        errors.insert("to".to_owned(), json!(say::RANGE_TOO_LONG));
    }
    if errors.is_empty() { Ok((from, to)) } else { Err(ApiError::fields(errors)) }
}

/// Upcoming sessions (the next four weeks, or the dates asked for), with the same optional
/// filters as the page.
async fn list_sessions(
    State(state): State<AppState>,
    query: Result<Query<SessionsQuery>, QueryRejection>,
) -> Result<Json<Vec<SessionOut>>, ApiError> {
    // The framework's own words could echo the query: the API's are fixed.
    let Query(query) = query.map_err(|_| ApiError::message(StatusCode::BAD_REQUEST, say::BAD_FILTER))?;
    let now = state.clock.now();
    // The earliest calendar date anywhere (UTC−12): no clinic is on an earlier one.
    let today = (now - Duration::hours(12)).date_naive();
    let (from, to) = listing_dates(&query, today)?;
    // Bounds wide enough for any clinic's zone; each session's own local date decides.
    let earliest = now.max(from.and_time(NaiveTime::MIN).and_utc() - Duration::days(1));
    let latest = (to + Duration::days(2)).and_time(NaiveTime::MIN).and_utc();
    let found = state.listings.upcoming(&state.pool, earliest, latest, &query.filter.to_filter()).await?;
    let out = found
        .between(earliest, latest)
        .filter(|s| (from..=to).contains(&s.starts_at.with_timezone(&s.time_zone()).date_naive()))
        .map(|s| {
            let tz = s.time_zone();
            SessionOut {
                id: s.id,
                clinic_id: s.clinic_id,
                topic_id: s.topic_id,
                starts_at: s.starts_at.with_timezone(&tz).to_rfc3339(),
                ends_at: s.ends_at.with_timezone(&tz).to_rfc3339(),
                language: s.language,
                capacity: s.capacity(),
                seats_left: s.seats_left(),
                waitlist_length: s.waiting,
                status: availability(
                    s.is_cancelled(),
                    s.starts_at,
                    now,
                    state.booking.cutoff,
                    s.seats_left(),
                ),
                counselors: s
                    .counselors
                    .iter()
                    .map(|c| CounselorOut { id: c.id, name: c.name.clone() })
                    .collect(),
                clinic: s.clinic_name.clone(),
                topic: s.topic_name_en.clone(),
            }
        })
        .collect();
    Ok(Json(out))
}

/// The API's own words. Its messages stay in English whatever the caller's language; field
/// problems come from the English page catalog so both say the same thing.
mod say {
    pub const RATE_LIMITED: &str = "Too many booking requests from this address. Try again in a minute.";
    pub const TIMED_OUT: &str = "The request took too long. Try again in a few seconds.";
    pub const OVERLOADED: &str = "Too many requests at once. Try again in a few seconds.";
    pub const UNAVAILABLE: &str = "The database cannot be reached just now. Try again in a few seconds \
                                   (with the same Idempotency-Key, a booking is never taken twice).";
    pub const TOO_LARGE: &str = "The request body is too large.";
    pub const NOT_JSON: &str = "Send the booking as JSON (Content-Type: application/json).";
    pub const NOT_AN_OBJECT: &str = "The body must be a JSON object with session_id, first_name, last_name, \
                                     phone and the optional fields email, language, notes, consent_sms, \
                                     consent_voicemail, consent_email, returning_patient, adult, payment, \
                                     needs_ride and accommodation.";
    pub const NOT_TEXT: &str = "Must be text.";
    pub const NOT_AN_ID: &str = "Must be a session id (a whole number).";
    pub const NOT_YES_NO: &str = "Must be true or false.";
    pub const NO_SUCH_SESSION: &str = "No session has this id.";
    pub const BAD_KEY: &str = "The Idempotency-Key header must be 16 to 200 visible ASCII characters.";
    pub const NO_SUCH_PATH: &str = "The API has GET /api/v1/sessions and POST /api/v1/bookings.";
    pub const METHOD_NOT_ALLOWED: &str =
        "This path does not take that method: GET /api/v1/sessions, POST /api/v1/bookings.";
    pub const BAD_FILTER: &str =
        "The filters are clinic, topic, language, day, from and to, each given once.";
    pub const NOT_A_DATE: &str = "Must be a date: YYYY-MM-DD.";
    pub const DATE_TOO_FAR: &str = "Must be a date within two years of today.";
    pub const TO_BEFORE_FROM: &str = "Must not be before from.";
    pub const RANGE_TOO_LONG: &str = "Must be at most 92 days after from.";
    pub const KEY_REUSED: &str = "This Idempotency-Key was already used for a different request.";
}

/// Reads a booking request field by field, so a value of the wrong type is reported beside
/// its field like any other problem (and never echoed: it may be a phone number).
fn read_booking_body(
    body: &Map<String, Value>,
    errors: &mut Map<String, Value>,
) -> (Option<i64>, BookingInput) {
    let mut text = |field: &str| match body.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            errors.insert(field.into(), say::NOT_TEXT.into());
            String::new()
        }
    };
    let input = BookingInput {
        first_name: text("first_name"),
        last_name: text("last_name"),
        phone: text("phone"),
        email: text("email"),
        language: text("language"),
        notes: text("notes"),
        payment: text("payment"),
        accommodation: text("accommodation"),
        ..BookingInput::default()
    };
    let mut yes_no = |field: &str| match body.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.insert(field.into(), say::NOT_YES_NO.into());
            false
        }
    };
    let input = BookingInput {
        consent_sms: yes_no("consent_sms"),
        consent_voicemail: yes_no("consent_voicemail"),
        consent_email: yes_no("consent_email"),
        needs_ride: yes_no("needs_ride"),
        every_week: yes_no("every_week"),
        ..input
    };
    // Questions that may stay unanswered: true, false, or absent.
    let mut answer = |field: &str| match body.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(true)) => "yes".to_owned(),
        Some(Value::Bool(false)) => "no".to_owned(),
        Some(_) => {
            errors.insert(field.into(), say::NOT_YES_NO.into());
            String::new()
        }
    };
    let input =
        BookingInput { returning_patient: answer("returning_patient"), adult: answer("adult"), ..input };
    let session_id = match body.get("session_id") {
        None | Some(Value::Null) => {
            errors.insert("session_id".into(), (EN.problem)(Problem::Required).into());
            None
        }
        Some(v) => v.as_i64().or_else(|| {
            errors.insert("session_id".into(), say::NOT_AN_ID.into());
            None
        }),
    };
    (session_id, input)
}

#[derive(Serialize)]
struct BookingCreated {
    reference: String,
    status: BookingStatus,
    waitlist_position: Option<i32>,
    manage_url: String,
}

async fn create_booking(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingCreated>), ApiError> {
    if !booking_requests::within_rate_limit(&state, client).await? {
        return Err(ApiError::message(StatusCode::TOO_MANY_REQUESTS, say::RATE_LIMITED));
    }
    // The rejection's own text can quote the body (a phone number): never send or log it.
    let Json(body) = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::message(StatusCode::PAYLOAD_TOO_LARGE, say::TOO_LARGE),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::message(StatusCode::UNSUPPORTED_MEDIA_TYPE, say::NOT_JSON)
        }
        _ => ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, say::NOT_AN_OBJECT),
    })?;
    let mut errors = Map::new();
    let (session_id, input) = read_booking_body(&body, &mut errors);
    let booking = NewBooking::try_from(&input);
    if let Err(problems) = &booking {
        for (field, problem) in problems {
            errors.entry(*field).or_insert_with(|| (EN.problem)(*problem).into());
        }
    }
    let key = match headers.get("idempotency-key") {
        None => Some(new_request_key()),
        Some(sent) => sent.to_str().ok().and_then(usable_key),
    };
    if key.is_none() {
        errors.insert("idempotency_key".into(), say::BAD_KEY.into());
    }
    let (Some(session_id), Ok(booking), Some(key), true) = (session_id, booking, key, errors.is_empty())
    else {
        return Err(ApiError::fields(errors));
    };
    match booking_requests::request_seat(&state, session_id, &booking, &key).await? {
        Ok(answer) => Ok((
            StatusCode::CREATED,
            Json(BookingCreated {
                reference: answer.reference,
                status: answer.status,
                waitlist_position: answer.waitlist_position,
                manage_url: format!("{}{}", state.base_url, manage_path(&answer.manage_token)),
            }),
        )),
        Err(Refused::UnknownSession) => Err(ApiError::message(StatusCode::NOT_FOUND, say::NO_SUCH_SESSION)),
        Err(Refused::Unbookable(why)) => Err(ApiError::message(StatusCode::CONFLICT, (EN.unbookable)(why))),
        Err(Refused::KeyReused) => {
            let mut errors = Map::new();
            errors.insert("idempotency_key".into(), say::KEY_REUSED.into());
            Err(ApiError::fields(errors))
        }
    }
}
