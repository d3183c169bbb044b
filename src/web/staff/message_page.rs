//! Staff pages that a form leads back to: drawn as on a visit, then with what became of the
//! form (why it was refused, what a change did), under the status that says so.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A staff page a form can lead back to, saying what became of it.
pub(super) trait PageWithMessage: IntoResponse {
    /// What the page says of the form: a message; on the catalog's pages, the posted form itself
    /// with each field's problem.
    type Message;

    fn set_message(&mut self, message: Self::Message);
}

/// `page` as a form leads back to it: with `message`, sent with `status` (a refusal's 409 or
/// 422, or 200 for a change that was made).
pub(super) fn page_with_message<P: PageWithMessage>(
    mut page: P,
    message: P::Message,
    status: StatusCode,
) -> Response {
    page.set_message(message);
    (status, page).into_response()
}
