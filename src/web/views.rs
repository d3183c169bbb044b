//! What the pages show, shared by the public and staff pages: sessions (words and times
//! already in the visitor's language and the clinic's time zone, so templates only lay them
//! out), counselors, and the booking form as it is drawn.

use super::error::AppError;
use super::i18n::Ui;
use crate::domain::booking::BookingInput;
use crate::domain::booking::Payment;
use crate::domain::booking::{Availability, availability};
use crate::store::catalog::Counselor;
use crate::store::sessions::{Lead, SessionSummary};
use crate::tokens::new_request_key;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

pub use crate::store::listings::LISTING_DAYS;

pub struct SessionCard {
    pub id: i64,
    pub local_date: NaiveDate,
    ui: Ui,
    /// Start and end in the clinic's time zone.
    starts: DateTime<Tz>,
    ends: DateTime<Tz>,
    pub clinic_name: String,
    pub topic_name: String,
    /// ` lang="en"` when the topic has no Spanish name on a Spanish page (see `Picked`).
    pub topic_lang: &'static str,
    pub language: &'static str,
    pub counselors: Vec<Lead>,
    pub availability: Availability,
    /// For the stylesheet: open, full, closed or cancelled.
    pub availability_class: &'static str,
    pub seats_text: String,
}

impl SessionCard {
    pub fn new(ui: Ui, s: &SessionSummary, now: DateTime<Utc>, cutoff: Duration) -> SessionCard {
        let tz = s.time_zone();
        let starts = s.starts_at.with_timezone(&tz);
        let ends = s.ends_at.with_timezone(&tz);
        let seats_left = s.seats_left();
        let availability = availability(s.is_cancelled(), s.starts_at, now, cutoff, seats_left);
        let topic = ui.choose(&s.topic_name_en, &s.topic_name_es);
        SessionCard {
            id: s.id,
            local_date: starts.date_naive(),
            ui,
            starts,
            ends,
            clinic_name: s.clinic_name.clone(),
            topic_name: topic.text.to_owned(),
            topic_lang: topic.lang_attr(),
            language: (ui.m.language_names)(s.language),
            counselors: s.counselors.clone(),
            availability,
            availability_class: match availability {
                Availability::Open => "open",
                Availability::Full => "full",
                Availability::Closed => "closed",
                Availability::Cancelled => "cancelled",
            },
            seats_text: (ui.m.availability)(availability, seats_left),
        }
    }

    /// A group page's title: its date, never its topic (see `Messages::session_page_title`).
    pub fn page_title(&self) -> String {
        (self.ui.m.session_page_title)(&self.ui.date(self.local_date))
    }

    /// `Tuesday, December 1 · 10:00 AM – 11:30 AM`, within a sentence.
    pub fn when(&self) -> String {
        self.ui.when(&self.starts, &self.ends)
    }

    /// [`SessionCard::when`] on a line of its own (a capital to start).
    pub fn when_line(&self) -> String {
        self.ui.when_line(&self.starts, &self.ends)
    }

    /// `10:00 AM – 11:30 AM`, written straight into the page (a listing has dozens).
    pub fn time_range(&self) -> impl std::fmt::Display + '_ {
        struct TimeRange<'a>(&'a SessionCard);
        impl std::fmt::Display for TimeRange<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let SessionCard { ui, starts, ends, .. } = self.0;
                (ui.m.format_time)(f, starts.hour(), starts.minute())?;
                f.write_str(" – ")?;
                (ui.m.format_time)(f, ends.hour(), ends.minute())
            }
        }
        TimeRange(self)
    }
}

impl SessionCard {
    /// Every seat is held: a request joins the waitlist.
    pub fn is_full(&self) -> bool {
        self.availability == Availability::Full
    }
}

/// Bytes a listed group takes on a page (a card is about 400), and what the rest of a listing
/// page takes (about 5 KB).
const BYTES_PER_CARD: usize = 512;
const BYTES_AROUND_CARDS: usize = 6 * 1024;

/// A listing page (`days` of groups), drawn into a buffer reserved once for all its cards:
/// askama reserves only its estimate of the template's fixed text, and a four-week listing
/// outgrew that buffer six times, copying the page each time.
pub fn listing_response(page: &impl askama::Template, days: &[DayGroup]) -> Response {
    let cards: usize = days.iter().map(|d| d.cards.len()).sum();
    let mut body = String::with_capacity(BYTES_AROUND_CARDS + BYTES_PER_CARD * cards);
    match page.render_into(&mut body) {
        Ok(()) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(e) => AppError::Internal(Box::new(e)).into_response(),
    }
}

/// One day of a listing, in the clinic's local time.
pub struct DayGroup {
    pub label: String,
    pub cards: Vec<SessionCard>,
}

/// Groups cards (already in start order) by local date.
pub fn by_day(ui: Ui, cards: Vec<SessionCard>) -> Vec<DayGroup> {
    let mut days: Vec<DayGroup> = Vec::new();
    let mut current: Option<NaiveDate> = None;
    for card in cards {
        if current != Some(card.local_date) {
            current = Some(card.local_date);
            days.push(DayGroup { label: ui.date_heading(card.local_date), cards: Vec::new() });
        }
        days.last_mut().expect("a day was just pushed").cards.push(card);
    }
    days
}

/// The languages a counselor speaks, in the visitor's words.
fn languages_spoken(ui: Ui, c: &Counselor) -> String {
    ui.list(c.languages.iter().map(|l| (ui.m.language_in_text)(*l)))
}

pub struct CounselorView {
    pub counselor: Counselor,
    pub bio: String,
    /// ` lang="en"` when the bio has no Spanish on a Spanish page (see `Picked`).
    pub bio_lang: &'static str,
    pub languages: String,
}

impl CounselorView {
    pub fn new(ui: Ui, counselor: Counselor) -> CounselorView {
        let bio = ui.choose(&counselor.bio_en, &counselor.bio_es);
        CounselorView {
            bio: bio.text.to_owned(),
            bio_lang: bio.lang_attr(),
            languages: languages_spoken(ui, &counselor),
            counselor,
        }
    }
}

pub struct FieldError {
    pub field: &'static str,
    /// The field's label, so the summary at the top of the form says which field is meant.
    pub label: &'static str,
    pub message: String,
}

/// The booking form as the page shows it: the one-time key, what was typed, what was wrong.
pub struct FormView {
    pub key: String,
    pub input: BookingInput,
    pub errors: Vec<FieldError>,
    pub general_error: Option<String>,
}

impl FormView {
    /// The payment question's choices: (code, words, chosen).
    pub fn payments(&self, ui: &Ui) -> Vec<(&'static str, &'static str, bool)> {
        Payment::ALL
            .iter()
            .map(|p| (p.code(), (ui.m.payment_name)(*p), self.input.payment == p.code()))
            .collect()
    }

    pub fn fresh() -> FormView {
        FormView {
            key: new_request_key(),
            // Consents are the person's active choices: no box comes ticked.
            input: BookingInput::default(),
            errors: Vec::new(),
            general_error: None,
        }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// The ids that describe a field (its hint, its error), for `aria-describedby`.
    pub fn described_by(&self, field: &str, has_hint: bool) -> Option<String> {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(format!("f-{field}-hint"));
        }
        if self.error_for(field).is_some() {
            ids.push(format!("f-{field}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.general_error.is_some()
    }

    pub fn prefers_spanish(&self) -> bool {
        self.input.language == "es"
    }
}
