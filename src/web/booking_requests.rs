//! Taking a booking request, shared by the public form and the JSON API: the rate limit per
//! client address, and the call into the store with this app's settings.

use super::AppState;
use super::client::ClientAddr;
use super::i18n::Ui;
use crate::domain::booking::{BookingInput, BookingSource, NewBooking};
use crate::store::bookings::{self, BookingAnswer, Refused, SeatRequest};

/// The person's fields as a booking form posts them (the public form and intake's phone
/// booking form alike). Every field may be missing, so a missing one is reported beside the
/// field, not as an unreadable request.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonFields {
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
    language: String,
    notes: String,
    /// A checkbox: present ("on") when ticked.
    consent_sms: Option<String>,
    consent_voicemail: Option<String>,
    consent_email: Option<String>,
    /// The admission questions (radio buttons, a select, a checkbox, a line of text).
    returning_patient: String,
    adult: String,
    payment: String,
    needs_ride: Option<String>,
    accommodation: String,
    /// "Join every week" (a checkbox on a weekly group's form).
    every_week: Option<String>,
}

/// The form's label of a person's field (as the booking forms and the API name them).
pub fn field_label(ui: Ui, field: &str) -> Option<&'static str> {
    Some(match field {
        "first_name" => ui.m.form_first_name,
        "last_name" => ui.m.form_last_name,
        "phone" => ui.m.form_phone,
        "email" => ui.m.form_email,
        "language" => ui.m.form_language,
        "notes" => ui.m.form_notes,
        "returning_patient" => ui.m.form_returning,
        "adult" => ui.m.form_adult,
        "payment" => ui.m.form_payment,
        "accommodation" => ui.m.form_accommodation,
        _ => return None,
    })
}

impl PersonFields {
    pub fn into_input(self) -> BookingInput {
        BookingInput {
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            email: self.email,
            language: self.language,
            notes: self.notes,
            consent_sms: self.consent_sms.is_some(),
            consent_voicemail: self.consent_voicemail.is_some(),
            consent_email: self.consent_email.is_some(),
            returning_patient: self.returning_patient,
            adult: self.adult,
            payment: self.payment,
            needs_ride: self.needs_ride.is_some(),
            accommodation: self.accommodation,
            every_week: self.every_week.is_some(),
        }
    }
}

/// Whether `client` may make another booking request this minute. Addresses are counted
/// under an HMAC with the key file's key: the database never holds a visitor's address, and
/// cannot be searched for one without the key.
pub async fn within_rate_limit(state: &AppState, client: ClientAddr) -> sqlx::Result<bool> {
    let limit = state.booking.rate_per_min;
    if limit == 0 {
        return Ok(true);
    }
    let mut conn = state.pool.acquire().await?;
    let client_hash = state.keys.client_hash("booking-rate", &client.throttle_key());
    let attempts =
        crate::store::rate_limit::count_booking_attempt(&mut conn, &client_hash, state.clock.now()).await?;
    Ok(attempts as u32 <= limit)
}

/// The shortest one-time key taken: shorter ones are guessable, and a guessed key would answer
/// with someone else's booking.
pub const KEY_MIN: usize = 16;
pub const KEY_MAX: usize = 200;

/// A one-time key as sent, when it is one: 16 to 200 visible ASCII characters.
pub fn usable_key(sent: &str) -> Option<String> {
    let key = sent.trim();
    ((KEY_MIN..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| key.to_owned())
}

pub async fn request_seat(
    state: &AppState,
    session_id: i64,
    booking: &NewBooking,
    request_key: &str,
) -> sqlx::Result<Result<BookingAnswer, Refused>> {
    let request = SeatRequest {
        session_id,
        booking,
        request_key,
        now: state.clock.now(),
        cutoff: state.booking.cutoff,
        link_key: &state.link_key,
        keys: Some(&state.keys),
        source: BookingSource::Online,
    };
    bookings::request_seat(&mut *state.pool.acquire().await?, &request).await
}

/// The path of a booking's private page.
pub fn manage_path(token: &str) -> String {
    format!("/manage/{token}")
}
