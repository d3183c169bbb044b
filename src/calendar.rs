//! Calendar files (RFC 5545): a booking's own event (the manage page, the confirmation e-mail)
//! and a counselor's feed of the groups they lead. Times are written in UTC, so no time zone
//! definitions are needed; text is escaped and lines folded as the standard asks.

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Whether the event is going ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    /// Asked for, not yet confirmed.
    Tentative,
    Confirmed,
    Cancelled,
}

impl EventStatus {
    fn code(self) -> &'static str {
        match self {
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One event. No attendees, ever: a calendar file leaves the clinic.
pub struct Event<'a> {
    /// Stable for the life of what it describes, so a calendar app updates the event it has.
    pub uid: String,
    /// Raised on every change, so a calendar app takes the newer file.
    pub sequence: i32,
    pub status: EventStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
}

/// A calendar of `events`, stamped `now`.
pub fn calendar(name: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(400 + 400 * events.len());
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//groupcare//groupcare//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("X-WR-CALNAME:{}", escaped(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escaped(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(now)));
        line(&mut out, &format!("DTSTART:{}", utc(e.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(e.ends_at)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("STATUS:{}", e.status.code()));
        line(&mut out, &format!("SUMMARY:{}", escaped(e.summary)));
        line(&mut out, &format!("LOCATION:{}", escaped(e.location)));
        line(&mut out, &format!("DESCRIPTION:{}", escaped(e.description)));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Text as a property value: backslash, semicolon, comma and new lines escaped.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // Text may not carry other control characters (a tab is white space).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes `content` folded at 75 octets (never inside a character), ending in CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    let _ = out.write_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lines_are_folded_at_75_octets_and_text_is_escaped() {
        let at = Utc.with_ymd_and_hms(2027, 3, 2, 18, 0, 0).unwrap();
        let long = "Calle Décima, número 1234; esquina con la avenida principal, cerca del parque grande";
        let event = Event {
            uid: "x@example".into(),
            sequence: 3,
            status: EventStatus::Cancelled,
            starts_at: at,
            ends_at: at,
            summary: "a, b; c\\d",
            location: long,
            description: "one\ntwo\u{1}\r",
        };
        let text = calendar("Mine", &[event], at);
        assert!(text.lines().all(|l| l.trim_end_matches('\r').len() <= 75), "{text}");
        assert!(text.contains("SUMMARY:a\\, b\\; c\\\\d\r\n"));
        assert!(text.contains("DESCRIPTION:one\\ntwo\r\n"));
        assert!(text.contains("DTSTART:20270302T180000Z\r\n") && text.contains("SEQUENCE:3\r\n"));
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("Calle Décima\\, número 1234\\; esquina"), "{unfolded}");
    }
}
