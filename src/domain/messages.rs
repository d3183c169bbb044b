//! What the app tells a patient, and over which channel: the rules of the outbox, without I/O.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Why a patient is told something. Each change that should tell them writes one message per
/// consented channel in the change's own transaction (`store::outbox`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "message_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A request holds a seat (carries the manage link, like every message).
    RequestReceived,
    /// A request joined the waitlist, with its place in line.
    Waitlisted,
    PromotedFromWaitlist,
    Confirmed,
    Declined,
    /// Moved by the clinic to another group.
    Moved,
    CancelledByPatient,
    /// The clinic cancelled this booking (the group goes on).
    CancelledByClinic,
    /// The clinic cancelled the group itself: with a link to find another.
    GroupCancelled,
    GroupTimeChanged,
    Reminder,
}

impl MessageKind {
    pub const ALL: [MessageKind; 11] = [
        MessageKind::RequestReceived,
        MessageKind::Waitlisted,
        MessageKind::PromotedFromWaitlist,
        MessageKind::Confirmed,
        MessageKind::Declined,
        MessageKind::Moved,
        MessageKind::CancelledByPatient,
        MessageKind::CancelledByClinic,
        MessageKind::GroupCancelled,
        MessageKind::GroupTimeChanged,
        MessageKind::Reminder,
    ];

    /// An answer to what the patient has just done: sent at any hour.
    pub fn answers_the_patient(self) -> bool {
        matches!(
            self,
            MessageKind::RequestReceived | MessageKind::Waitlisted | MessageKind::CancelledByPatient
        )
    }

    /// A change to what the person's calendar should show (its e-mail carries the updated
    /// calendar file): the booking confirmed, moved, re-timed or ended.
    pub fn changes_the_calendar(self) -> bool {
        matches!(
            self,
            MessageKind::Confirmed
                | MessageKind::Declined
                | MessageKind::Moved
                | MessageKind::CancelledByPatient
                | MessageKind::CancelledByClinic
                | MessageKind::GroupCancelled
                | MessageKind::GroupTimeChanged
        )
    }

    /// News about the group itself (not this person's request): urgent when the group is soon.
    pub fn changes_the_group(self) -> bool {
        matches!(self, MessageKind::GroupCancelled | MessageKind::GroupTimeChanged | MessageKind::Moved)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "message_channel", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "message_state", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    Pending,
    Sent,
    Failed,
    Unsent,
}

/// Words no message, calendar file or neutral clinic name may carry, in English or Spanish:
/// a patient's phone or inbox may be seen by others. Matched as parts of words, ignoring case
/// and accents ("Tratamiento" and "opioids" are caught).
pub const NOT_IN_MESSAGES: &[&str] = &[
    "methadone",
    "metadona",
    "opioid",
    "opiac",
    "opiat",
    "suboxone",
    "buprenorph",
    "addict",
    "adicc",
    "adict",
    "substance",
    "sustancia",
    "treatment",
    "tratamiento",
    "therap",
    "terap",
    "recovery",
    "recuperac",
    "rehab",
    "detox",
    "drug",
    "droga",
    "narcot",
    "heroin",
    "fentanyl",
    "counsel",
    "consejer",
    "psych",
    "psiq",
    "sober",
    "sobriedad",
    "withdrawal",
    "abstinencia",
];

/// `text` in lower case without accents, so words compare as people type them.
fn folded(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' | 'ë' => 'e',
            'í' | 'ì' | 'ï' => 'i',
            'ó' | 'ò' | 'ö' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

/// The first word of [`NOT_IN_MESSAGES`] that `text` carries, if any.
pub fn indiscreet_word(text: &str) -> Option<&'static str> {
    let folded = folded(text);
    NOT_IN_MESSAGES.iter().copied().find(|word| folded.contains(word))
}

/// What a text a person sends back asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// No more texts: the carriers' opt-out words (those the SMS provider itself honours) and
    /// their Spanish and common variants.
    Stop,
    /// How to reach the clinic.
    Help,
    /// Anything else: intake reads it.
    Other,
}

const STOP_WORDS: &[&str] = &[
    "stop",
    "stopall",
    "stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "optout",
    "opt out",
    "revoke",
    "alto",
    "para",
    "parar",
    "pare",
    "detener",
    "basta",
    "baja",
    "cancelar",
    "no mas",
    "no mas mensajes",
];
const HELP_WORDS: &[&str] = &["help", "info", "ayuda", "informacion"];

impl Reply {
    /// Reads the whole text as one keyword, whatever its case, accents, spacing or closing
    /// punctuation ("Stop.", " ALTO ", "No más"); a sentence that merely contains one is Other.
    pub fn of(text: &str) -> Reply {
        let words: Vec<String> = folded(text)
            .split(|c: char| c.is_whitespace())
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        let said = words.join(" ");
        if STOP_WORDS.contains(&said.as_str()) {
            Reply::Stop
        } else if HELP_WORDS.contains(&said.as_str()) {
            Reply::Help
        } else {
            Reply::Other
        }
    }
}

/// Quiet hours for SMS in the clinic's time: nothing from 21:00 until 08:00.
const QUIET_FROM: NaiveTime = NaiveTime::from_hms_opt(21, 0, 0).expect("a time");
const QUIET_UNTIL: NaiveTime = NaiveTime::from_hms_opt(8, 0, 0).expect("a time");

/// Tries of one message before it is listed as failed for an admin to retry.
pub const MAX_ATTEMPTS: i32 = 6;

/// How long to wait after the `attempts`-th failed try before the next: 1, 5, 15, 60 and
/// 180 minutes, so a provider's outage of a few hours is ridden out without a storm of tries.
pub fn retry_delay(attempts: i32) -> Duration {
    const MINUTES: [i64; 5] = [1, 5, 15, 60, 180];
    let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(MINUTES.len() - 1);
    Duration::minutes(MINUTES[index])
}

/// How long after what the person did its answer still counts as one (and may go out in the
/// quiet hours); a retry after that waits for the morning like any text.
const ANSWER_WINDOW: Duration = Duration::minutes(15);

/// When an SMS of `kind`, written at `written`, due at `now`, may go out: `now`, or the end of
/// the clinic's quiet hours. An answer to what the patient just did goes at once, and so does
/// news of a group that starts before noon of the morning the quiet hours end (08:00 could be
/// too late).
pub fn sms_send_time(
    kind: MessageKind,
    written: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    group_starts: DateTime<Utc>,
) -> DateTime<Utc> {
    let local = now.with_timezone(&tz);
    let time = local.time();
    let answers_now = kind.answers_the_patient() && now - written <= ANSWER_WINDOW;
    if (QUIET_UNTIL..QUIET_FROM).contains(&time) || answers_now {
        return now;
    }
    let morning_date =
        if time >= QUIET_FROM { local.date_naive() + Duration::days(1) } else { local.date_naive() };
    let noon =
        super::schedule::local_to_utc(tz, morning_date, NaiveTime::from_hms_opt(12, 0, 0).expect("a time"));
    if kind.changes_the_group() && group_starts < noon {
        return now;
    }
    super::schedule::local_to_utc(tz, morning_date, QUIET_UNTIL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn indiscreet_words_are_caught_whatever_their_case_or_accents() {
        assert_eq!(indiscreet_word("Riverside Treatment Center"), Some("treatment"));
        assert_eq!(indiscreet_word("Centro de TRATAMIENTO"), Some("tratamiento"));
        assert_eq!(indiscreet_word("Recuperación"), Some("recuperac"));
        assert_eq!(indiscreet_word("opioids"), Some("opioid"));
        assert_eq!(indiscreet_word("Ontario Community Clinic: martes 10:00, información adicional"), None);
    }

    #[test]
    fn a_reply_is_read_as_one_keyword_in_either_language() {
        for stop in ["STOP", "stop", " Stop. ", "Alto", "PARAR", "no más", "Unsubscribe!", "baja"] {
            assert_eq!(Reply::of(stop), Reply::Stop, "{stop:?}");
        }
        for help in ["HELP", "help?", "Ayuda", "INFO"] {
            assert_eq!(Reply::of(help), Reply::Help, "{help:?}");
        }
        for other in ["I can't stop by tomorrow", "¿Puedo llevar a mi hijo?", "", "stop stop"] {
            assert_eq!(Reply::of(other), Reply::Other, "{other:?}");
        }
    }

    #[test]
    fn retries_back_off_and_stop_at_the_last_try() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS).map(|n| retry_delay(n).num_minutes()).collect();
        assert_eq!(waits, [1, 5, 15, 60, 180]);
        assert_eq!(retry_delay(40), Duration::minutes(180));
    }

    const LA: Tz = chrono_tz::America::Los_Angeles;

    fn local(h: u32, m: u32) -> DateTime<Utc> {
        LA.with_ymd_and_hms(2027, 3, 2, h, m, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_hold_sms_until_eight_unless_it_answers_the_patient_or_the_group_is_soon() {
        let next_week = local(10, 0) + Duration::weeks(1);
        let eight_tomorrow = LA.with_ymd_and_hms(2027, 3, 3, 8, 0, 0).unwrap().with_timezone(&Utc);
        let eight_today = LA.with_ymd_and_hms(2027, 3, 2, 8, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(
            sms_send_time(MessageKind::Confirmed, local(14, 0), local(14, 0), LA, next_week),
            local(14, 0)
        );
        assert_eq!(
            sms_send_time(MessageKind::Confirmed, local(22, 30), local(22, 30), LA, next_week),
            eight_tomorrow
        );
        assert_eq!(
            sms_send_time(MessageKind::Reminder, local(6, 0), local(6, 0), LA, next_week),
            eight_today
        );
        assert_eq!(
            sms_send_time(MessageKind::RequestReceived, local(2, 0), local(2, 0), LA, next_week),
            local(2, 0)
        );
        assert_eq!(
            sms_send_time(MessageKind::CancelledByPatient, local(23, 0), local(23, 0), LA, next_week),
            local(23, 0)
        );
        // A group moved at 22:00 that starts at 09:00 tomorrow: told now, not at 08:00.
        let nine_tomorrow = LA.with_ymd_and_hms(2027, 3, 3, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(
            sms_send_time(MessageKind::GroupTimeChanged, local(22, 0), local(22, 0), LA, nine_tomorrow),
            local(22, 0)
        );
        // A request taken at 20:50 whose first try failed: its retry at 22:11 waits for 08:00.
        assert_eq!(
            sms_send_time(MessageKind::RequestReceived, local(20, 50), local(22, 11), LA, next_week),
            eight_tomorrow
        );
        let two_pm_tomorrow = nine_tomorrow + Duration::hours(5);
        assert_eq!(
            sms_send_time(MessageKind::GroupCancelled, local(22, 0), local(22, 0), LA, two_pm_tomorrow),
            eight_tomorrow
        );
    }
}
