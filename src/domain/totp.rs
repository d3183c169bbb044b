//! Time-based one-time passwords (RFC 6238, as authenticator apps use them): HMAC-SHA-1,
//! 30-second steps, 6 digits; and one-time recovery codes.

use hmac::{Hmac, Mac};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Codes from one step before or after are accepted too: phone clocks drift.
pub const ALLOWED_DRIFT_STEPS: i64 = 1;
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the operating system's random source");
    secret
}

/// The 30-second step that `unix_seconds` falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for one step (RFC 4226 dynamic truncation).
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().expect("4 bytes")) & 0x7fff_ffff;
    format!("{:0width$}", value % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// The step whose code `typed` is, within the allowed drift of `now_step`, if any. Spaces in
/// what was typed are ignored.
pub fn matching_step(secret: &[u8], typed: &str, now_step: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    (now_step - ALLOWED_DRIFT_STEPS..=now_step + ALLOWED_DRIFT_STEPS)
        .find(|step| crate::tokens::same_secret(&code_for_step(secret, *step), &typed))
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret typed by hand.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` link an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// Ten one-time recovery codes, `xxxx-xxxx-xxxx-xxxx` (16 hex digits: 64 random bits each,
/// at least 60 as ASVS asks), for a lost phone.
pub fn new_recovery_codes() -> Vec<String> {
    (0..10)
        .map(|_| {
            let hex = crate::tokens::new_request_key();
            format!("{}-{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12], &hex[12..16])
        })
        .collect()
}

/// How a recovery code is compared: lower case, without spaces or dashes.
pub fn normalize_recovery_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there; the
        // last six digits are what a 6-digit app shows.
        let secret = b"12345678901234567890";
        for (time, eight) in
            [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]
        {
            assert_eq!(code_for_step(secret, step_at(time)), eight[2..], "t = {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let secret = new_secret();
        let now = 1_000_000;
        for drift in [-1, 0, 1] {
            assert_eq!(matching_step(&secret, &code_for_step(&secret, now + drift), now), Some(now + drift));
        }
        assert_eq!(matching_step(&secret, &code_for_step(&secret, now + 2), now), None);
        let spaced = code_for_step(&secret, now);
        assert!(matching_step(&secret, &format!("{} {}", &spaced[..3], &spaced[3..]), now).is_some());
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert!(
            otpauth_uri("Inland Valley", "a@b.org", b"foobar")
                .starts_with("otpauth://totp/Inland%20Valley:a@b.org?secret=MZXW6YTBOI&")
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        for code in &codes {
            let digits = normalize_recovery_code(code);
            assert_eq!(digits.len(), 16, "64 random bits: {code}");
            assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_eq!(normalize_recovery_code(" AB12-cd34 "), "ab12cd34");
    }
}
