//! The one error type of the pages: each variant has its status and a calm page. Internal
//! detail goes to the log (never patient data: store errors carry SQL, not values) and never
//! into the response.

use super::i18n::{Messages, Ui};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// A manage link that matches no request.
    UnknownLink,
    RateLimited,
    TooLarge,
    BadRequest,
    /// Signed in, but this role may not (or the form lacked this session's CSRF token).
    Forbidden,
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ui: Ui,
    pub title: &'static str,
    pub message: &'static str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::UnknownLink => StatusCode::NOT_FOUND,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn words(&self, m: &'static Messages) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => (m.error_not_found_title, m.error_not_found),
            AppError::UnknownLink => (m.error_link_title, m.error_link),
            AppError::RateLimited => (m.error_rate_title, m.error_rate),
            AppError::TooLarge => (m.error_too_large_title, m.error_too_large),
            AppError::BadRequest => (m.error_bad_request_title, m.error_bad_request),
            AppError::Forbidden => (m.error_forbidden_title, m.error_forbidden),
            AppError::Internal(_) => (m.error_internal_title, m.error_internal),
        }
    }

    pub fn page(&self, ui: Ui) -> Response {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "request failed");
        }
        let (title, message) = self.words(ui.m);
        let mut response = (self.status(), ErrorPage { ui, title, message }).into_response();
        if matches!(self, AppError::RateLimited) {
            response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("60"));
        }
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.page(Ui::english())
    }
}
