//! Staff accounts: roles, password rules, and the timing rules of staff sessions and logins.

use chrono::Duration;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "staff_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Admin,
    Intake,
    Counselor,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::Admin, StaffRole::Intake, StaffRole::Counselor];

    pub fn code(&self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Intake => "intake",
            StaffRole::Counselor => "counselor",
        }
    }

    pub fn parse(raw: &str) -> Option<StaffRole> {
        let raw = raw.trim().to_ascii_lowercase();
        StaffRole::ALL.into_iter().find(|r| r.code() == raw)
    }
}

/// A staff session ends after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);
/// …and after this long in any case.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// A cap on sign-in attempts: at most `max_attempts` in a window of `window` from the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptLimit {
    pub max_attempts: i32,
    pub window: Duration,
}

/// One account from one address (an IPv6 client by its /64): 5 attempts in 15 minutes. The
/// lock falls on that pair only, so a guesser elsewhere never locks the real person out.
pub const PER_ACCOUNT_AT_ADDRESS: AttemptLimit =
    AttemptLimit { max_attempts: 5, window: Duration::minutes(15) };
/// One account from anywhere but its known addresses: 100 attempts an hour (ASVS 2.2.1), the
/// cap on guessing spread over many addresses.
pub const PER_ACCOUNT: AttemptLimit = AttemptLimit { max_attempts: 100, window: Duration::hours(1) };
/// An address the person signed in from within this long is theirs: while their account is
/// over its hourly cap, attempts from it are still checked (and counted for it alone).
pub const KNOWN_ADDRESS_FOR: Duration = Duration::days(30);
/// One address over any accounts: 100 attempts an hour, the cap on one password tried on many.
pub const PER_ADDRESS: AttemptLimit = AttemptLimit { max_attempts: 100, window: Duration::hours(1) };
/// Each attempt on an account in the window slows the answer to a failed one by this much,
/// up to ten times.
pub const SLOWDOWN_STEP: std::time::Duration = std::time::Duration::from_millis(200);

/// Staff passwords: long enough to resist guessing, short enough to hash quickly.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
}

pub fn check_new_password(password: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        Err(PasswordProblem::TooShort)
    } else if n > PASSWORD_MAX {
        Err(PasswordProblem::TooLong)
    } else {
        Ok(())
    }
}

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes). Slow on purpose:
/// call it off the async runtime (`spawn_blocking`).
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).expect("the operating system's random source");
    let salt = SaltString::encode_b64(&random).expect("16 bytes make a valid salt");
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id hashes any password of an allowed length")
        .to_string()
}

/// Whether `password` matches the stored PHC string. Also slow: off the async runtime.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored)
        .map(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// A hash of no one's password, verified against when an account does not exist, so that a
/// login for an unknown e-mail takes as long as one for a known e-mail.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("no account has this password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let stored = hash_password("correct horse battery");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &stored));
        assert!(!verify_password("correct horse battery!", &stored));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(stored, hash_password("correct horse battery"), "salted");
    }

    #[test]
    fn new_passwords_have_a_minimum_length() {
        assert_eq!(check_new_password("short"), Err(PasswordProblem::TooShort));
        assert_eq!(check_new_password("long enough pass"), Ok(()));
        assert_eq!(check_new_password(&"x".repeat(201)), Err(PasswordProblem::TooLong));
    }
}
