//! Booking requests: what a valid request is, the states it moves through, and seat arithmetic.

use super::contact::{
    Email, PersonName, Phone, Problem, parse_accommodation, parse_language, parse_note, parse_optional_yes_no,
};
use super::{Language, UnknownCode};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a booking stands. Requested and confirmed bookings hold a seat; waitlisted ones wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "booking_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Requested,
    Confirmed,
    Attended,
    NoShow,
    Declined,
    Waitlisted,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        BookingStatus::Requested,
        BookingStatus::Confirmed,
        BookingStatus::Attended,
        BookingStatus::NoShow,
        BookingStatus::Declined,
        BookingStatus::Waitlisted,
        BookingStatus::Cancelled,
    ];

    /// On a group's roster: holding a seat, or marked as having come or not.
    pub const ON_ROSTER: &[BookingStatus] =
        &[BookingStatus::Requested, BookingStatus::Confirmed, BookingStatus::Attended, BookingStatus::NoShow];

    /// Attendance may be recorded for these (or corrected, once recorded). Someone still
    /// waiting for intake's call who comes is confirmed by coming.
    pub const ATTENDANCE_MARKABLE: &[BookingStatus] =
        &[BookingStatus::Requested, BookingStatus::Confirmed, BookingStatus::Attended, BookingStatus::NoShow];

    /// Still in play: it holds a seat or a place on the waitlist, and can be cancelled (the
    /// database's `booking_is_active` says the same; a test holds the two together).
    pub fn is_active(self) -> bool {
        matches!(self, BookingStatus::Requested | BookingStatus::Confirmed | BookingStatus::Waitlisted)
    }

    /// Holds one of the group's seats (the database's `booking_holds_seat`, which every seat
    /// count uses; a test holds the two together).
    pub fn holds_seat(self) -> bool {
        matches!(self, BookingStatus::Requested | BookingStatus::Confirmed)
    }

    /// The status's code, as the database and URLs (the queue's filter) name it.
    pub fn code(self) -> &'static str {
        match self {
            BookingStatus::Requested => "requested",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Attended => "attended",
            BookingStatus::NoShow => "no_show",
            BookingStatus::Declined => "declined",
            BookingStatus::Waitlisted => "waitlisted",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<BookingStatus> {
        BookingStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Who changed a booking, as its history records it (`booking_event.actor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The person, through the public pages (their request, their cancel).
    Patient,
    /// The app itself (a promotion from the waitlist).
    System,
    Staff(i64),
}

impl Actor {
    pub fn code(self) -> String {
        match self {
            Actor::Patient => "patient".to_owned(),
            Actor::System => "system".to_owned(),
            Actor::Staff(id) => format!("staff:{id}"),
        }
    }

    pub fn parse(code: &str) -> Option<Actor> {
        match code {
            "patient" => Some(Actor::Patient),
            "system" => Some(Actor::System),
            other => other.strip_prefix("staff:")?.parse().ok().map(Actor::Staff),
        }
    }
}

impl TryFrom<String> for Actor {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<Actor, UnknownCode> {
        Actor::parse(&code).ok_or(UnknownCode(code))
    }
}

/// How a request came in (`booking.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingSource {
    /// The public form or the API.
    Online,
    /// Taken by intake for a caller.
    Phone,
    /// Added at the door by the group's counselor: came without a booking.
    WalkIn,
}

impl BookingSource {
    pub fn code(self) -> &'static str {
        match self {
            BookingSource::Online => "online",
            BookingSource::Phone => "phone",
            BookingSource::WalkIn => "walk_in",
        }
    }
}

impl TryFrom<String> for BookingSource {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<BookingSource, UnknownCode> {
        match code.as_str() {
            "online" => Ok(BookingSource::Online),
            "phone" => Ok(BookingSource::Phone),
            "walk_in" => Ok(BookingSource::WalkIn),
            _ => Err(UnknownCode(code)),
        }
    }
}

/// Why a booking is on intake's worklist: someone should call the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attention {
    /// A new request, not yet decided.
    New,
    /// A place opened and the request moved up from the waitlist.
    Promoted,
    /// The clinic cancelled the person's group: help them find another.
    GroupCancelled,
    /// The booking was moved to another group: make sure the person knows.
    Moved,
    /// The person did not come: a kind follow-up.
    NoShow,
    /// Came without a booking: match them to a record.
    WalkIn,
}

impl Attention {
    pub const ALL: [Attention; 6] = [
        Attention::New,
        Attention::Promoted,
        Attention::GroupCancelled,
        Attention::Moved,
        Attention::NoShow,
        Attention::WalkIn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Attention::New => "new",
            Attention::Promoted => "promoted",
            Attention::GroupCancelled => "group_cancelled",
            Attention::Moved => "moved",
            Attention::NoShow => "no_show",
            Attention::WalkIn => "walk_in",
        }
    }
}

impl TryFrom<String> for Attention {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<Attention, UnknownCode> {
        Attention::ALL.into_iter().find(|a| a.code() == code).ok_or(UnknownCode(code))
    }
}

/// Why the clinic cancelled a group (`session.cancel_kind`): what the people booked may read,
/// apart from staff's own words, which stay in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupCancelKind {
    ClinicClosed,
    LeaderUnavailable,
    RoomUnavailable,
    /// The weekly group's schedule changed (set by a series change, not chosen by hand).
    ScheduleChanged,
    Other,
}

impl GroupCancelKind {
    /// What an admin chooses from when cancelling one group.
    pub const CHOOSABLE: [GroupCancelKind; 4] = [
        GroupCancelKind::ClinicClosed,
        GroupCancelKind::LeaderUnavailable,
        GroupCancelKind::RoomUnavailable,
        GroupCancelKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            GroupCancelKind::ClinicClosed => "clinic_closed",
            GroupCancelKind::LeaderUnavailable => "leader_unavailable",
            GroupCancelKind::RoomUnavailable => "room_unavailable",
            GroupCancelKind::ScheduleChanged => "schedule_changed",
            GroupCancelKind::Other => "other",
        }
    }
}

impl TryFrom<String> for GroupCancelKind {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<GroupCancelKind, UnknownCode> {
        GroupCancelKind::CHOOSABLE
            .into_iter()
            .chain([GroupCancelKind::ScheduleChanged])
            .find(|k| k.code() == code)
            .ok_or(UnknownCode(code))
    }
}

/// The seats of a session: the room's capacity, but never more than its counselors can lead.
pub fn seat_capacity(room_capacity: i32, counselors: i32, seats_per_counselor: i32) -> i32 {
    room_capacity.min(counselors.saturating_mul(seats_per_counselor)).max(0)
}

/// What a new request becomes, given how many seats are already held.
pub fn admission(capacity: i32, held: i64, waiting: i64) -> (BookingStatus, Option<i32>) {
    if held < i64::from(capacity) {
        (BookingStatus::Requested, None)
    } else {
        (BookingStatus::Waitlisted, Some((waiting + 1) as i32))
    }
}

/// Whether a session can take a request, as the public sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Seats left: a request holds one.
    Open,
    /// Every seat held: a request joins the waitlist.
    Full,
    /// Started, or starts within the booking cut-off: call the clinic instead.
    Closed,
    Cancelled,
}

/// Why a session takes no request at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unbookable {
    Cancelled,
    Started,
    TooSoon,
}

/// Requests are taken at any hour, but not for a cancelled session, one that has started,
/// or one that starts within the cut-off.
pub fn check_bookable(
    cancelled: bool,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    cutoff: Duration,
) -> Result<(), Unbookable> {
    if cancelled {
        Err(Unbookable::Cancelled)
    } else if starts_at <= now {
        Err(Unbookable::Started)
    } else if starts_at - cutoff <= now {
        Err(Unbookable::TooSoon)
    } else {
        Ok(())
    }
}

pub fn availability(
    cancelled: bool,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    cutoff: Duration,
    seats_left: i64,
) -> Availability {
    match check_bookable(cancelled, starts_at, now, cutoff) {
        Err(Unbookable::Cancelled) => Availability::Cancelled,
        Err(_) => Availability::Closed,
        Ok(()) if seats_left > 0 => Availability::Open,
        Ok(()) => Availability::Full,
    }
}

/// The private link of a booking is derived from its one-time key with the server's secret:
/// the same key gets the same link again, and only a hash of the link is ever stored.
pub fn manage_token(secret: &[u8], request_key: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"manage-link\0");
    mac.update(request_key.as_bytes());
    crate::tokens::hex(&mac.finalize().into_bytes())
}

/// The letters of a booking reference: no 0/O, 1/I/L, or other look-alikes.
const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const REFERENCE_LEN: usize = 8;

/// A short reference a person can read over the phone, e.g. `K7M2-QX9P` without the dash.
pub fn new_reference() -> String {
    // 30 letters: reject bytes >= 240 so every letter is equally likely.
    let mut out = String::with_capacity(REFERENCE_LEN);
    while out.len() < REFERENCE_LEN {
        let mut buf = [0u8; 16];
        getrandom::fill(&mut buf).expect("the operating system's random source");
        for b in buf {
            if b < 240 && out.len() < REFERENCE_LEN {
                out.push(REFERENCE_ALPHABET[usize::from(b) % REFERENCE_ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Normalises what a person typed as a reference (lower case, spaces, dashes).
pub fn normalize_reference(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// How a person expects to pay (`booking.payment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    MediCal,
    Medicare,
    PrivateInsurance,
    SelfPay,
    NotSure,
}

impl Payment {
    pub const ALL: [Payment; 5] =
        [Payment::MediCal, Payment::Medicare, Payment::PrivateInsurance, Payment::SelfPay, Payment::NotSure];

    pub fn code(self) -> &'static str {
        match self {
            Payment::MediCal => "medi_cal",
            Payment::Medicare => "medicare",
            Payment::PrivateInsurance => "private",
            Payment::SelfPay => "self_pay",
            Payment::NotSure => "not_sure",
        }
    }

    /// Empty: not said.
    pub fn parse(raw: &str) -> Result<Option<Payment>, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        Payment::ALL.into_iter().find(|p| p.code() == raw).map(Some).ok_or(Problem::UnknownChoice)
    }
}

impl TryFrom<String> for Payment {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<Payment, UnknownCode> {
        Payment::ALL.into_iter().find(|p| p.code() == code).ok_or(UnknownCode(code))
    }
}

/// The fields of a booking request as they arrive, before any check.
#[derive(Clone, Default)]
pub struct BookingInput {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    pub language: String,
    pub notes: String,
    pub consent_sms: bool,
    pub consent_voicemail: bool,
    pub consent_email: bool,
    /// The admission questions, each optional: "yes", "no" or "".
    pub returning_patient: String,
    /// "no": under 18, and no request is taken.
    pub adult: String,
    /// A [`Payment`] code, or "".
    pub payment: String,
    pub needs_ride: bool,
    pub accommodation: String,
    /// Come every week to a weekly group, not once (see `store::memberships`).
    pub every_week: bool,
}

/// A request that passed every check.
#[derive(Clone, PartialEq, Eq)]
pub struct NewBooking {
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub phone: Phone,
    pub email: Option<Email>,
    pub language: Language,
    pub notes: Option<String>,
    pub consent_sms: bool,
    pub consent_voicemail: bool,
    pub consent_email: bool,
    /// Already a patient of this clinic (None: not said).
    pub returning_patient: Option<bool>,
    pub payment: Option<Payment>,
    pub needs_ride: bool,
    /// An interpreter or another accommodation at the group.
    pub accommodation: Option<String>,
    /// Come every week (a weekly group only; once otherwise).
    pub every_week: bool,
}

// What a person typed stays out of debug output (see `contact::redacted_debug`).
impl std::fmt::Debug for BookingInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BookingInput(…)")
    }
}

impl std::fmt::Debug for NewBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewBooking(…)")
    }
}

/// A refused field: its name (as in the form and the API) and why.
pub type FieldProblems = Vec<(&'static str, Problem)>;

/// The admission questions' answers (see [`NewBooking`]), as intake may also correct them.
#[derive(Clone, PartialEq, Eq)]
pub struct AdmissionAnswers {
    pub returning_patient: Option<bool>,
    pub payment: Option<Payment>,
    pub needs_ride: bool,
    pub accommodation: Option<String>,
}

impl AdmissionAnswers {
    /// The answers as a form sends them ("yes"/"no"/"" for the first, a [`Payment`] code or
    /// ""); each wrong one is noted in `problems` under its field's name.
    pub fn parse(
        returning_patient: &str,
        payment: &str,
        needs_ride: bool,
        accommodation: &str,
        problems: &mut FieldProblems,
    ) -> Option<AdmissionAnswers> {
        let returning_patient =
            field(problems, "returning_patient", parse_optional_yes_no(returning_patient));
        let payment = field(problems, "payment", Payment::parse(payment));
        let accommodation = field(problems, "accommodation", parse_accommodation(accommodation));
        Some(AdmissionAnswers {
            returning_patient: returning_patient?,
            payment: payment?,
            needs_ride,
            accommodation: accommodation?,
        })
    }
}

/// Keeps a parsed value, or notes the field's problem.
fn field<T>(problems: &mut FieldProblems, name: &'static str, parsed: Result<T, Problem>) -> Option<T> {
    parsed.map_err(|p| problems.push((name, p))).ok()
}

impl TryFrom<&BookingInput> for NewBooking {
    type Error = FieldProblems;

    fn try_from(input: &BookingInput) -> Result<NewBooking, FieldProblems> {
        let mut problems = FieldProblems::new();
        let p = &mut problems;
        let first_name = field(p, "first_name", PersonName::parse(&input.first_name));
        let last_name = field(p, "last_name", PersonName::parse(&input.last_name));
        let phone = field(p, "phone", Phone::parse(&input.phone));
        let email = field(p, "email", Email::parse_optional(&input.email));
        let language = field(p, "language", parse_language(&input.language));
        let notes = field(p, "notes", parse_note(&input.notes));
        let adult = parse_optional_yes_no(&input.adult)
            .and_then(|adult| if adult == Some(false) { Err(Problem::Under18) } else { Ok(()) });
        let adult = field(p, "adult", adult);
        let answers = AdmissionAnswers::parse(
            &input.returning_patient,
            &input.payment,
            input.needs_ride,
            &input.accommodation,
            p,
        );
        let (Some(AdmissionAnswers { returning_patient, payment, needs_ride, accommodation }), Some(())) =
            (answers, adult)
        else {
            // Every field was checked above: each problem is said at once.
            return Err(problems);
        };
        match (first_name, last_name, phone, email, language, notes) {
            (Some(first_name), Some(last_name), Some(phone), Some(email), Some(language), Some(notes)) => {
                Ok(NewBooking {
                    returning_patient,
                    payment,
                    needs_ride,
                    every_week: input.every_week,
                    accommodation,
                    first_name,
                    last_name,
                    phone,
                    email,
                    language,
                    notes,
                    consent_sms: input.consent_sms,
                    consent_voicemail: input.consent_voicemail,
                    consent_email: input.consent_email,
                })
            }
            _ => Err(problems),
        }
    }
}

impl NewBooking {
    /// A digest of what was asked, so a one-time key reused for another request is noticed.
    pub fn fingerprint(&self, session_id: i64) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            session_id.to_string().as_str(),
            self.first_name.as_str(),
            self.last_name.as_str(),
            self.phone.e164(),
            self.email.as_ref().map(Email::as_str).unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        // Added only when asked, so a request made before memberships keeps its digest.
        if self.every_week {
            h.update(b"every week\0");
        }
        h.finalize().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_the_room_or_what_the_counselors_can_lead_whichever_is_less() {
        assert_eq!(seat_capacity(20, 1, 12), 12);
        assert_eq!(seat_capacity(20, 2, 12), 20);
        assert_eq!(seat_capacity(10, 2, 12), 10);
        assert_eq!(seat_capacity(20, 0, 12), 0);
    }

    #[test]
    fn a_request_waits_once_every_seat_is_held() {
        assert_eq!(admission(12, 11, 0), (BookingStatus::Requested, None));
        assert_eq!(admission(12, 12, 0), (BookingStatus::Waitlisted, Some(1)));
        assert_eq!(admission(12, 12, 4), (BookingStatus::Waitlisted, Some(5)));
    }

    #[test]
    fn sessions_close_to_requests_at_the_cutoff_and_when_cancelled() {
        let now = Utc::now();
        let cutoff = Duration::hours(2);
        assert_eq!(check_bookable(false, now + Duration::hours(3), now, cutoff), Ok(()));
        assert_eq!(check_bookable(false, now + Duration::hours(2), now, cutoff), Err(Unbookable::TooSoon));
        assert_eq!(check_bookable(false, now, now, cutoff), Err(Unbookable::Started));
        assert_eq!(check_bookable(true, now + Duration::days(3), now, cutoff), Err(Unbookable::Cancelled));
        assert_eq!(availability(false, now + Duration::days(1), now, cutoff, 0), Availability::Full);
        assert_eq!(availability(false, now + Duration::days(1), now, cutoff, 3), Availability::Open);
        assert_eq!(availability(false, now + Duration::hours(1), now, cutoff, 3), Availability::Closed);
    }

    #[test]
    fn the_same_key_always_derives_the_same_unguessable_link() {
        let a = manage_token(b"secret", "key-1");
        assert_eq!(a, manage_token(b"secret", "key-1"));
        assert_ne!(a, manage_token(b"secret", "key-2"));
        assert_ne!(a, manage_token(b"other secret", "key-1"));
        assert_eq!(a.len(), 64, "256 bits");
    }

    #[test]
    fn references_are_eight_unambiguous_characters() {
        for _ in 0..200 {
            let r = new_reference();
            assert_eq!(r.len(), REFERENCE_LEN);
            assert!(r.bytes().all(|b| REFERENCE_ALPHABET.contains(&b)), "{r}");
            assert!(!r.contains(['0', 'O', '1', 'I', 'L']));
        }
        assert_eq!(normalize_reference(" k7m2-qx9p "), "K7M2QX9P");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = BookingInput {
            first_name: " ".into(),
            last_name: "x".repeat(61),
            phone: "12".into(),
            email: "nope".into(),
            notes: "n".repeat(501),
            language: "fr".into(),
            ..BookingInput::default()
        };
        let problems = NewBooking::try_from(&input).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["first_name", "last_name", "phone", "email", "language", "notes"]);
    }
}
