//! Sessions as the pages show them: words and times already in the visitor's language and
//! the clinic's time zone, so templates only lay them out.

use super::i18n::Ui;
use crate::domain::booking::{Availability, availability};
use crate::store::sessions::{Lead, SessionSummary};
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub struct SessionCard {
    pub id: i64,
    pub local_date: NaiveDate,
    pub when: String,
    pub time_range: String,
    pub clinic_name: String,
    pub topic_name: String,
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
        SessionCard {
            id: s.id,
            local_date: starts.date_naive(),
            when: ui.when(&starts, &ends),
            time_range: format!("{} – {}", ui.time(&starts), ui.time(&ends)),
            clinic_name: s.clinic_name.clone(),
            topic_name: ui.pick(&s.topic_name_en, &s.topic_name_es).to_owned(),
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
}

impl SessionCard {
    /// Every seat is held: a request joins the waitlist.
    pub fn is_full(&self) -> bool {
        self.availability == Availability::Full
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
            days.push(DayGroup { label: ui.date(card.local_date), cards: Vec::new() });
        }
        days.last_mut().expect("a day was just pushed").cards.push(card);
    }
    days
}
