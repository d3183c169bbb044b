//! The public pages: for prospective patients and the people helping them, on any device,
//! at any hour, without an account.

mod booking;
mod counselors;
mod pages;
mod sessions;

pub use sessions::FilterQuery;

use super::AppState;
pub(crate) use super::parse_id;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/privacy", get(pages::privacy))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::detail))
        .route("/sessions/{id}/book", get(booking::back_to_form).post(booking::submit))
        .route("/manage/{token}", get(booking::manage))
        .route("/manage/{token}/cancel", post(booking::cancel))
        .route("/manage/{token}/skip", post(booking::skip))
        .route("/manage/{token}/leave", post(booking::leave))
        .route("/manage/{token}/calendar.ics", get(booking::calendar))
        .route("/counselors", get(counselors::list))
        .route("/counselors/{id}", get(counselors::detail))
}
