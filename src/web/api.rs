//! The public JSON API for integrations (a clinic's marketing site, a call-centre tool).
//! Same rules as the pages; messages in English; no patient data out except a booking's own
//! manage link to the caller who made it.

use super::AppState;
use super::booking_requests::{self, manage_path, usable_key};
use super::i18n::{EN, Ui};
use crate::domain::Language;
use crate::domain::booking::{Availability, BookingInput, BookingStatus, NewBooking, availability};
use crate::store::bookings::Refused;
use crate::store::sessions;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list_sessions))
        .route("/bookings", post(create_booking))
}

/// An API failure: a status and a JSON body, `{"error": …}` or `{"errors": {field: …}}`.
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn message(status: StatusCode, message: &str) -> ApiError {
        ApiError {
            status,
            body: json!({ "error": message }),
        }
    }

    fn fields(errors: Map<String, Value>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "errors": errors }),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
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
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("60"));
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

/// Upcoming sessions (the next four weeks), with the same optional filters as the page.
async fn list_sessions(
    State(state): State<AppState>,
    Query(query): Query<super::public::FilterQuery>,
) -> Result<Json<Vec<SessionOut>>, ApiError> {
    let now = Utc::now();
    let mut conn = state.pool.acquire().await?;
    let found = sessions::upcoming(
        &mut conn,
        now,
        now + Duration::days(super::public::LISTING_DAYS),
        &query.to_filter(),
    )
    .await?;
    let out = found
        .into_iter()
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
                    .into_iter()
                    .map(|c| CounselorOut {
                        id: c.id,
                        name: c.name,
                    })
                    .collect(),
                clinic: s.clinic_name,
                topic: s.topic_name_en,
            }
        })
        .collect();
    Ok(Json(out))
}

#[derive(Deserialize)]
struct BookingRequestBody {
    session_id: Option<i64>,
    #[serde(flatten)]
    input: BookingInput,
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
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<BookingRequestBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingCreated>), ApiError> {
    if !booking_requests::within_rate_limit(&state, client.ip()).await? {
        return Err(ApiError::message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many booking requests from this address. Try again in a minute.",
        ));
    }
    // The rejection's own text can quote the body (a phone number): never send or log it.
    let Json(body) = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::message(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::message(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the booking as JSON (Content-Type: application/json).")
        }
        _ => ApiError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The body must be a JSON object with session_id, first_name, last_name, phone and the optional fields, each of the documented type.",
        ),
    })?;
    let ui = Ui { m: &EN };
    let mut errors = Map::new();
    if body.session_id.is_none() {
        errors.insert(
            "session_id".into(),
            Value::from((ui.m.problem)(crate::domain::contact::Problem::Required)),
        );
    }
    let booking = NewBooking::try_from(&body.input);
    if let Err(problems) = &booking {
        for (field, problem) in problems {
            errors.insert((*field).into(), Value::from((ui.m.problem)(*problem)));
        }
    }
    let (Some(session_id), Ok(booking)) = (body.session_id, booking) else {
        return Err(ApiError::fields(errors));
    };
    let key = usable_key(headers.get("idempotency-key").and_then(|v| v.to_str().ok()));
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
        Err(Refused::UnknownSession) => Err(ApiError::message(
            StatusCode::NOT_FOUND,
            "No session has this id.",
        )),
        Err(Refused::Unbookable(why)) => Err(ApiError::message(StatusCode::CONFLICT, (ui.m.unbookable)(why))),
        Err(Refused::KeyReused) => {
            let mut errors = Map::new();
            errors.insert(
                "idempotency_key".into(),
                Value::from("This Idempotency-Key was already used for a different request."),
            );
            Err(ApiError::fields(errors))
        }
    }
}
