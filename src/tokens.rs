//! Small helpers every part of the app uses with secrets: random tokens, hex, the digest the
//! database keeps of a secret, and a comparison that does not stop at the first difference.

/// What the database keeps of a secret (a manage token, a one-time key): its SHA-256.
pub fn digest(secret: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new one-time key for a booking form: 128 random bits, hex.
pub fn new_request_key() -> String {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    hex(&buf)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Compares two secrets (tokens, codes) without stopping at the first difference, so the
/// time taken does not tell how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(crate::tokens::same_secret("abcd", "abcd"));
        assert!(!crate::tokens::same_secret("abcd", "abce"));
        assert!(!crate::tokens::same_secret("abc", "abcd"));
    }

    #[test]
    fn keys_are_128_random_bits_in_hex() {
        let key = super::new_request_key();
        assert_eq!(key.len(), 32);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(key, super::new_request_key());
        assert_eq!(super::hex(&[0, 15, 255]), "000fff");
    }
}
