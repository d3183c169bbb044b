//! The one error type of the pages: each variant has its status and a calm page. Internal
//! detail goes to the log (never patient data: store errors carry SQL, not values) and never
//! into the response.

use super::i18n::Ui;
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
    /// A form field that is not UTF-8 text once decoded: refused, never stored mangled.
    UnreadableField(String),
    /// The path exists, but not for this method.
    MethodNotAllowed,
    /// The request took longer than the app allows.
    TimedOut,
    /// The database cannot be reached just now (or every connection is busy).
    Unavailable,
    /// Too many requests are being answered at once.
    Overloaded,
    /// Signed in, but this role may not (or the form lacked this session's CSRF token).
    Forbidden,
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::try_again_later(&e) {
            tracing::warn!(error = %e, "database unavailable for now");
            return AppError::Unavailable;
        }
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

/// What a "try again" answer (503) tells the client to wait, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ui: Ui,
    pub title: &'static str,
    pub message: String,
}

/// Which calm page an error shows. It travels on the response, so that the language
/// middleware can draw the page again in the visitor's language (a handler's error is turned
/// into a response without the request at hand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorPageKind {
    NotFound,
    UnknownLink,
    RateLimited,
    TooLarge,
    BadRequest,
    /// The name of the field (as the form names it) that held no text.
    UnreadableField(String),
    MethodNotAllowed,
    Forbidden,
    TimedOut,
    Unavailable,
    Internal,
}

impl ErrorPageKind {
    pub fn status(&self) -> StatusCode {
        match self {
            ErrorPageKind::NotFound | ErrorPageKind::UnknownLink => StatusCode::NOT_FOUND,
            ErrorPageKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorPageKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorPageKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorPageKind::UnreadableField(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorPageKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorPageKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorPageKind::TimedOut | ErrorPageKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorPageKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn words(&self, ui: Ui) -> (&'static str, String) {
        let m = ui.m;
        let (title, message) = match self {
            ErrorPageKind::NotFound => (m.error_not_found_title, m.error_not_found),
            ErrorPageKind::UnknownLink => (m.error_link_title, m.error_link),
            ErrorPageKind::RateLimited => (m.error_rate_title, m.error_rate),
            ErrorPageKind::TooLarge => (m.error_too_large_title, m.error_too_large),
            ErrorPageKind::BadRequest => (m.error_bad_request_title, m.error_bad_request),
            ErrorPageKind::UnreadableField(field) => {
                let label = crate::web::booking_requests::field_label(ui, field).unwrap_or(field);
                return (m.error_unreadable_title, (m.error_unreadable)(label));
            }
            ErrorPageKind::MethodNotAllowed => (m.error_method_title, m.error_method),
            ErrorPageKind::Forbidden => (m.error_forbidden_title, m.error_forbidden),
            ErrorPageKind::TimedOut => (m.error_timed_out_title, m.error_timed_out),
            ErrorPageKind::Unavailable => (m.error_unavailable_title, m.error_unavailable),
            ErrorPageKind::Internal => (m.error_internal_title, m.error_internal),
        };
        (title, message.to_owned())
    }

    /// The page in `ui`'s language, marked with its kind.
    pub fn render(self, ui: Ui) -> Response {
        let (title, message) = self.words(ui);
        let mut response = (self.status(), ErrorPage { ui, title, message }).into_response();
        let retry_after = match self {
            ErrorPageKind::RateLimited => Some("60"),
            ErrorPageKind::TimedOut | ErrorPageKind::Unavailable => Some(RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static(seconds));
        }
        response.extensions_mut().insert(self);
        response
    }
}

impl AppError {
    pub fn kind(&self) -> ErrorPageKind {
        match self {
            AppError::NotFound => ErrorPageKind::NotFound,
            AppError::UnknownLink => ErrorPageKind::UnknownLink,
            AppError::RateLimited => ErrorPageKind::RateLimited,
            AppError::TooLarge => ErrorPageKind::TooLarge,
            AppError::BadRequest => ErrorPageKind::BadRequest,
            AppError::UnreadableField(field) => ErrorPageKind::UnreadableField(field.clone()),
            AppError::MethodNotAllowed => ErrorPageKind::MethodNotAllowed,
            AppError::TimedOut => ErrorPageKind::TimedOut,
            // The visitor reads the same words: try again in a few seconds.
            AppError::Unavailable | AppError::Overloaded => ErrorPageKind::Unavailable,
            AppError::Forbidden => ErrorPageKind::Forbidden,
            AppError::Internal(_) => ErrorPageKind::Internal,
        }
    }
}

impl IntoResponse for AppError {
    /// The English page; [`crate::web::i18n::choose_language`] redraws it for other languages.
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %e, "request failed");
        }
        self.kind().render(Ui::english())
    }
}
