//! The extractors the pages use in place of axum's own: a refused request gets the app's
//! calm page in the visitor's language, never the framework's plain-text message; and a form
//! is read strictly, so a field that is not UTF-8 text is refused by name instead of being
//! stored with U+FFFD in place of what the person typed.

use super::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A form body (`application/x-www-form-urlencoded`) whose every field is UTF-8 text, parsed
/// into `T` (repeated keys such as `clinic=1&clinic=2` fill a `Vec`).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        RawForm::from_request(req, state).await?.parse().map(Form)
    }
}

/// A form body read and checked (every field UTF-8 text), to be parsed once or more.
pub struct RawForm(Bytes);

impl RawForm {
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_html_form::from_bytes(&self.0).map_err(|_| AppError::BadRequest)
    }
}

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest);
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::BadRequest
            }
        })?;
        if let Some(field) = first_field_not_text(&body) {
            return Err(AppError::UnreadableField(field));
        }
        Ok(RawForm(body))
    }
}

/// A form field's text without the spaces around it: what the person meant, as it is checked,
/// saved and shown again. (No `Debug`: a field may hold patient data.)
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Trimmed(String);

impl Trimmed {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Trimmed {
    fn from(text: String) -> Trimmed {
        let trimmed = text.trim();
        if trimmed.len() == text.len() { Trimmed(text) } else { Trimmed(trimmed.to_owned()) }
    }
}

impl From<&str> for Trimmed {
    fn from(text: &str) -> Trimmed {
        Trimmed(text.trim().to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for Trimmed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Trimmed, D::Error> {
        String::deserialize(deserializer).map(Trimmed::from)
    }
}

/// The query string's parameters (a repeated or malformed one is a calm 400 page).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(q)| Query(q))
            .map_err(|_| AppError::BadRequest)
    }
}

/// The path's parameters (one that does not decode names no page: 404).
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(p)| Path(p))
            .map_err(|_| AppError::NotFound)
    }
}

/// `%41` and `+` decoded: the bytes a form field stands for.
fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    percent_encoding::percent_decode(&spaced).collect()
}

/// The name of the first field whose name or value is not UTF-8 once decoded. The name is
/// shown on the error page, so only a plain one is repeated; others read as `?`.
fn first_field_not_text(body: &[u8]) -> Option<String> {
    body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()).find_map(|pair| {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        let name = String::from_utf8(percent_decode(name)).ok();
        // A NUL is no text either: nobody types one, and the database cannot store it.
        let value = percent_decode(value);
        let value_is_text = std::str::from_utf8(&value).is_ok() && !value.contains(&0);
        match name {
            Some(_) if value_is_text => None,
            Some(name)
                if name.len() <= 40 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                Some(name)
            }
            _ => Some("?".to_owned()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_that_is_not_text_is_named_and_text_passes() {
        assert_eq!(first_field_not_text(b"first_name=Jos%C3%A9&last_name=Pe%F1a"), Some("last_name".into()));
        assert_eq!(first_field_not_text(b"first_name=Jos%C3%A9+Mar%C3%ADa&notes=100%25"), None);
        assert_eq!(first_field_not_text(b"a%FF=1"), Some("?".into()));
        assert_eq!(first_field_not_text(b"x=%"), None, "a stray % is text");
        assert_eq!(first_field_not_text(b"reason=bad%00x"), Some("reason".into()), "a NUL is no text");
        assert_eq!(percent_decode(b"a+b%20c%2"), b"a b c%2");
    }

    #[test]
    fn a_trimmed_field_drops_the_spaces_around_it_and_keeps_those_inside() {
        #[derive(serde::Deserialize)]
        struct Fields {
            name: Trimmed,
            codes: Vec<Trimmed>,
        }
        let fields: Fields = serde_html_form::from_str("name=+Ana+Ruiz%0A&codes=+en&codes=es+").unwrap();
        assert_eq!(fields.name.as_str(), "Ana Ruiz");
        assert_eq!(fields.codes.iter().map(Trimmed::as_str).collect::<Vec<_>>(), ["en", "es"]);
        assert_eq!(Trimmed::from("  ").as_str(), "");
    }
}
