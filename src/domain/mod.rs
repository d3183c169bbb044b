//! The rules of the product as plain types: no SQL, no HTTP, no I/O.

pub mod audit;
pub mod booking;
pub mod contact;
pub mod messages;
pub mod schedule;
pub mod staff;
pub mod totp;

use serde::{Deserialize, Serialize};

/// The language a group is held in, and the language a patient prefers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "group_language", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Es,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Language::En),
            "es" => Some(Language::Es),
            _ => None,
        }
    }
}

/// A stored code this build does not know (a bad row, written by something else).
#[derive(Debug)]
pub struct UnknownCode(pub String);

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an unknown stored code: {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

/// A clinic's IANA time zone (`America/Los_Angeles`), checked when it is written and again
/// when it is read: a stored name that is no zone is an error, never a silent default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClinicZone(pub chrono_tz::Tz);

impl ClinicZone {
    pub fn parse(name: &str) -> Option<ClinicZone> {
        name.trim().parse().ok().map(ClinicZone)
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl TryFrom<String> for ClinicZone {
    type Error = UnknownCode;

    fn try_from(name: String) -> Result<ClinicZone, UnknownCode> {
        ClinicZone::parse(&name).ok_or(UnknownCode(name))
    }
}
