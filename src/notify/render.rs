//! The words of each message, in the person's language. Discreet by construction: a message
//! names the clinic by its neutral name, the day and time, the address, the phone and the
//! person's own page, and nothing else (no topic, no counselor, no word of treatment: see
//! `domain::messages::NOT_IN_MESSAGES`, which a test holds every message kind to).

use crate::calendar::{Event, EventStatus, calendar};
use crate::domain::Language;
use crate::domain::booking::BookingStatus;
use crate::domain::messages::{MessageKind, Reply};
use crate::web::i18n::Ui;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Everything a message may say.
pub struct MessageFacts<'a> {
    pub kind: MessageKind,
    pub language: Language,
    /// The clinic's neutral name for messages; empty: a generic one.
    pub sender_name: &'a str,
    pub starts_at: DateTime<Tz>,
    pub address: &'a str,
    pub phone: &'a str,
    pub waitlist_position: Option<i32>,
    /// The person's own page (their manage link), when it is known.
    pub manage_url: Option<&'a str>,
    /// Where to find another time (the public listing), for a cancelled group.
    pub listing_url: &'a str,
}

/// What a booking's calendar file says: the same discreet facts as a message.
pub struct BookingCalendar<'a> {
    pub language: Language,
    pub sender_name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    /// The booking's reference: the event's UID is drawn from it (not shown).
    pub reference: &'a str,
    pub sequence: i32,
    pub status: BookingStatus,
    pub group_cancelled: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The booking's `.ics`: one event, no attendees, a UID that stays while the booking lives,
/// cancelled when the booking or the group is. Not the person's private link: calendars are
/// synced and shared, and the link opens (and cancels) the booking.
pub fn booking_calendar(c: &BookingCalendar, now: DateTime<Utc>) -> String {
    let ui = Ui::for_language(c.language);
    let sender = sender(&ui, c.sender_name);
    let status = match c.status {
        _ if c.group_cancelled => EventStatus::Cancelled,
        // A group that took place stays in the calendar as it was, whoever came.
        BookingStatus::Confirmed | BookingStatus::Attended | BookingStatus::NoShow => EventStatus::Confirmed,
        BookingStatus::Requested | BookingStatus::Waitlisted => EventStatus::Tentative,
        BookingStatus::Cancelled | BookingStatus::Declined => EventStatus::Cancelled,
    };
    let description = (ui.m.message_call)(c.phone);
    let summary = (ui.m.calendar_summary)(sender);
    let event = Event {
        uid: format!(
            "{}@groupcare",
            &crate::tokens::hex(&crate::tokens::digest(&format!("calendar:{}", c.reference)))[..32]
        ),
        sequence: c.sequence,
        status,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        summary: &summary,
        location: c.address,
        description: &description,
    };
    calendar(sender, &[event], now)
}

/// A message's subject (for e-mail) and text (the SMS, and the e-mail's body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Who it is from: the clinic's neutral name, or a generic one.
    pub sender: String,
    pub subject: String,
    pub text: String,
}

/// The clinic's neutral name for messages, or the catalog's generic one when it has none.
fn sender<'a>(ui: &Ui, sender_name: &'a str) -> &'a str {
    if sender_name.trim().is_empty() { ui.m.message_default_sender } else { sender_name.trim() }
}

/// The answer to a text the person sent back: STOP is confirmed and HELP answered with the
/// clinic's phone; anything else gets no answer (intake reads it).
pub fn reply_answer(reply: Reply, language: Language, sender_name: &str, phone: &str) -> Option<String> {
    let ui = Ui::for_language(language);
    let sender = sender(&ui, sender_name);
    match reply {
        Reply::Stop => Some((ui.m.message_stopped)(sender, phone)),
        Reply::Help => Some((ui.m.message_help)(sender, phone)),
        Reply::Other => None,
    }
}

pub fn render(f: &MessageFacts) -> Rendered {
    let ui = Ui::for_language(f.language);
    let m = ui.m;
    let sender = sender(&ui, f.sender_name);
    let mut lines = vec![
        format!("{sender}: {}", (m.message_lead)(f.kind, f.waitlist_position)),
        // A plain space in a text message: a no-break space is outside the SMS alphabet and
        // would halve what one message holds.
        format!("{} · {}", ui.date(f.starts_at.date_naive()), ui.time(&f.starts_at).replace('\u{a0}', " ")),
        f.address.to_owned(),
    ];
    if f.kind == MessageKind::GroupCancelled {
        lines.push((m.message_find_another)(f.listing_url));
    }
    lines.push((m.message_call)(f.phone));
    if let Some(url) = f.manage_url {
        lines.push((m.message_your_page)(url));
    }
    Rendered {
        sender: sender.to_owned(),
        subject: format!("{sender}: {}", (m.message_subject)(f.kind)),
        text: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::messages::indiscreet_word;
    use chrono::TimeZone;

    /// Every kind of message, in both languages, from a clinic whose own name says what it
    /// treats and whose groups have telling topics and counselors: the message carries none of
    /// it, no word of treatment, and only this person's own link.
    #[test]
    fn every_message_in_both_languages_is_discreet() {
        let starts = chrono_tz::America::Los_Angeles.with_ymd_and_hms(2027, 3, 2, 18, 0, 0).unwrap();
        // Facts a message could never carry: a message is made of its facts alone.
        let not_here =
            ["Riverside Treatment Center", "Coping with cravings", "Maria Delgado", "Flores", "555-0177"];
        for language in Language::ALL {
            for kind in MessageKind::ALL {
                for sender_name in ["Riverside Center", ""] {
                    let facts = MessageFacts {
                        kind,
                        language,
                        sender_name,
                        starts_at: starts,
                        address: "3650 Market Street, Riverside, CA 92501",
                        phone: "(951) 555-0172",
                        waitlist_position: Some(3),
                        manage_url: Some("https://clinic.example/manage/own-token"),
                        listing_url: "https://clinic.example/sessions",
                    };
                    let Rendered { subject, text, .. } = render(&facts);
                    let all = format!("{subject}\n{text}");
                    assert_eq!(indiscreet_word(&all), None, "{kind:?} {language:?}: {all}");
                    assert!(not_here.iter().all(|fact| !all.contains(fact)), "{kind:?} {language:?}: {all}");
                    assert!(all.contains("(951) 555-0172") && all.contains("3650 Market Street"), "{all}");
                    assert!(all.contains("/manage/own-token"), "each message carries the person's own page");
                    assert_eq!(
                        all.matches("https://").count(),
                        1 + usize::from(kind == MessageKind::GroupCancelled)
                    );
                }
            }
        }
    }

    /// A calendar file leaves the clinic (calendar apps sync to outside services): the same
    /// discreet facts, no attendee, and it says when the booking is cancelled.
    #[test]
    fn a_bookings_calendar_file_is_discreet_and_follows_its_status() {
        let starts = chrono::Utc.with_ymd_and_hms(2027, 3, 2, 18, 0, 0).unwrap();
        for language in Language::ALL {
            for (status, group_cancelled, expected) in [
                (BookingStatus::Requested, false, "STATUS:TENTATIVE"),
                (BookingStatus::Confirmed, false, "STATUS:CONFIRMED"),
                (BookingStatus::Confirmed, true, "STATUS:CANCELLED"),
                (BookingStatus::Cancelled, false, "STATUS:CANCELLED"),
            ] {
                let c = BookingCalendar {
                    language,
                    sender_name: "Riverside Center",
                    address: "3650 Market Street, Riverside, CA 92501",
                    phone: "(951) 555-0172",
                    reference: "ABCD2345",
                    sequence: 4,
                    status,
                    group_cancelled,
                    starts_at: starts,
                    ends_at: starts + chrono::Duration::minutes(90),
                };
                let ics = booking_calendar(&c, starts);
                assert_eq!(indiscreet_word(&ics), None, "{ics}");
                assert!(ics.contains(expected) && ics.contains("SEQUENCE:4"), "{ics}");
                assert!(!ics.contains("ATTENDEE") && !ics.contains("ABCD2345"), "{ics}");
                assert!(!ics.contains("/manage/"), "no private link in a file that gets shared: {ics}");
            }
        }
    }

    /// The answers to STOP and HELP are held to the same words.
    #[test]
    fn answers_to_replies_are_discreet_and_give_the_clinics_phone() {
        for language in Language::ALL {
            for reply in [Reply::Stop, Reply::Help] {
                let text = reply_answer(reply, language, "Riverside Center", "(951) 555-0172").unwrap();
                assert_eq!(indiscreet_word(&text), None, "{text}");
                assert!(text.starts_with("Riverside Center: ") && text.contains("(951) 555-0172"), "{text}");
            }
            assert_eq!(reply_answer(Reply::Other, language, "", "(951) 555-0172"), None);
        }
    }

    #[test]
    fn a_message_speaks_the_persons_language_and_says_the_day_and_time() {
        let starts = chrono_tz::America::Los_Angeles.with_ymd_and_hms(2027, 3, 2, 18, 0, 0).unwrap();
        let facts = |language| MessageFacts {
            kind: MessageKind::Waitlisted,
            language,
            sender_name: "",
            starts_at: starts,
            address: "1 Main St",
            phone: "(909) 555-0100",
            waitlist_position: Some(2),
            manage_url: None,
            listing_url: "https://clinic.example/sessions",
        };
        let en = render(&facts(Language::En)).text;
        assert!(en.starts_with("Your clinic: you are number 2 on the waiting list."), "{en}");
        assert!(en.contains("Tuesday, March 2 · 6:00"), "{en}");
        let es = render(&facts(Language::Es)).text;
        assert!(es.starts_with("Su clínica: usted es el número 2 en la lista de espera."), "{es}");
        assert!(es.contains("martes") || es.contains("Martes"), "{es}");
    }
}
