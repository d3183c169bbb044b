//! `POST /hooks/sms`: the SMS provider tells us what a person texted back (form fields `From`,
//! `Body`, `MessageSid`, …). Taken only with a valid `X-Twilio-Signature`: the base64
//! HMAC-SHA1, keyed with the account's token, of the URL the provider called followed by every
//! field's name and value in name order. The answer is TwiML: what to text back, if anything.

use crate::domain::contact::Phone;
use crate::domain::messages::Reply;
use crate::notify::render::reply_answer;
use crate::store::replies;
use crate::web::AppState;
use crate::web::error::AppError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};

/// The longest reply kept (ten SMS segments); anything longer is cut.
const REPLY_MAX_CHARS: usize = 1600;

pub async fn sms(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    // Without SMS settings there is no provider to hear from.
    let Some(token) = state.sms_token.as_deref() else {
        return Err(AppError::NotFound);
    };
    let Ok(fields) = serde_html_form::from_bytes::<Vec<(String, String)>>(&body) else {
        return Ok((StatusCode::BAD_REQUEST, "the body is not a form").into_response());
    };
    let url = format!("{}{}", state.base_url, uri.path_and_query().map_or(uri.path(), |p| p.as_str()));
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signed_by_provider(&token.0, &url, &fields, signature) {
        return Ok((StatusCode::FORBIDDEN, "the signature does not match").into_response());
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let from = field("From").unwrap_or_default();
    let phone: String = match Phone::parse(from) {
        Ok(p) => p.e164().to_owned(),
        Err(_) => from.trim().chars().filter(|c| !c.is_control()).take(32).collect(),
    };
    // What the person wrote, without characters no text needs (and PostgreSQL refuses NUL).
    let text: String = field("Body")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(REPLY_MAX_CHARS)
        .collect::<String>()
        .trim()
        .to_owned();
    // The provider's id for the message: letters and digits ("SM" and 32 hex digits).
    let sid = field("MessageSid")
        .filter(|sid| (1..=64).contains(&sid.len()) && sid.bytes().all(|b| b.is_ascii_alphanumeric()));
    let reply = Reply::of(&text);
    let now = state.clock.now();

    let mut tx = state.pool.begin().await?;
    let sender = replies::sender(&mut tx, &phone).await?;
    match reply {
        Reply::Stop => {
            let stopped = replies::stop_texts(&mut tx, &state.keys, &phone, now).await?;
            tracing::info!(bookings = stopped.len(), "a person answered STOP: no more texts to that number");
        }
        Reply::Help => {}
        Reply::Other => match (&sender, sid) {
            (Some(sender), Some(sid)) if !text.is_empty() => {
                replies::keep(&mut tx, sender.booking_id, sid, &text, now).await?;
                tracing::info!(booking = sender.booking_id, "a text from a person, kept for intake");
            }
            _ => tracing::info!("a text from a number with no booking (or no message id), not kept"),
        },
    }
    tx.commit().await?;
    let answer = sender.and_then(|s| reply_answer(reply, s.language, &s.sender_name, &s.clinic_phone));
    Ok(twiml(answer.as_deref()))
}

/// The provider's signature over `url` and `fields`, checked without stopping at the first
/// difference.
fn signed_by_provider(token: &str, url: &str, fields: &[(String, String)], signature: &str) -> bool {
    let Ok(claimed) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("HMAC takes any key");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac.verify_slice(&claimed).is_ok()
}

/// A TwiML answer: one text back, or none.
fn twiml(text: Option<&str>) -> Response {
    let body = match text {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escaped(text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// Text for an XML element: markup escaped, and characters XML 1.0 does not allow dropped.
fn xml_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_well_formed_xml_whatever_the_clinic_typed() {
        assert_eq!(xml_escaped("S&B <i>x</i> \u{1}ok"), "S&amp;B &lt;i&gt;x&lt;/i&gt; ok");
    }

    /// The example from the provider's documentation of its webhook security: this URL and these
    /// fields, signed with this token, give this signature; any other field set or token does not.
    #[test]
    fn the_signature_is_the_providers_own() {
        let token = "12345";
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let fields = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ];
        let owned: Vec<(String, String)> =
            fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(signed_by_provider(token, url, &owned, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
        assert!(!signed_by_provider(token, url, &owned[1..], "GvWf1cFY/Q7PnoempGyD5oXAezc="));
        assert!(!signed_by_provider("54321", url, &owned, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    }
}
