//! The public pages: for prospective patients and the people helping them, on any device,
//! at any hour, without an account.

mod booking;
mod counselors;
mod pages;
mod sessions;

pub use sessions::{FilterQuery, LISTING_DAYS};

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/privacy", get(pages::privacy))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::detail))
        .route("/sessions/{id}/book", post(booking::submit))
        .route("/manage/{token}", get(booking::manage))
        .route("/manage/{token}/cancel", post(booking::cancel))
        .route("/counselors", get(counselors::list))
        .route("/counselors/{id}", get(counselors::detail))
}

/// Ids in paths are numbers; anything else is a page that does not exist.
fn parse_id(raw: &str) -> Result<i64, super::error::AppError> {
    raw.parse::<i64>().map_err(|_| super::error::AppError::NotFound)
}
