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
    pub fn parse(raw: &str) -> Option<StaffRole> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(StaffRole::Admin),
            "intake" => Some(StaffRole::Intake),
            "counselor" => Some(StaffRole::Counselor),
            _ => None,
        }
    }
}

/// A staff session ends after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);
/// …and after this long in any case.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Failed logins (per account, and per client address) before a lock…
pub const FAILURES_BEFORE_LOCK: i32 = 5;
/// …and how long the lock lasts.
pub const LOCK_DURATION: Duration = Duration::minutes(15);
/// Failures further apart than this start the count again.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

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
