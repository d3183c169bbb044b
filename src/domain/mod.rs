//! The rules of the product as plain types: no SQL, no HTTP, no I/O.

pub mod audit;
pub mod booking;
pub mod contact;
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

/// Compares two secrets (tokens, codes) without stopping at the first difference, so the
/// time taken does not tell how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::same_secret("abcd", "abcd"));
        assert!(!super::same_secret("abcd", "abce"));
        assert!(!super::same_secret("abc", "abcd"));
    }
}
