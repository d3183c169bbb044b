//! The app's own key, kept outside the database (`GROUPCARE_KEY_FILE`): whoever holds a copy of
//! the database alone cannot read the secrets in it, tell whose address a rate-limit row is,
//! or forge an audit checkpoint. Every instance serving one database shares the same file.
//!
//! Three keys are derived from it, one per use, so no use can stand in for another:
//! sealing secrets (XChaCha20-Poly1305, with what the secret belongs to as associated data),
//! hashing client addresses (HMAC-SHA-256), and signing audit checkpoints (HMAC-SHA-256).

use hmac::{Hmac, Mac};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

type HmacSha256 = Hmac<sha2::Sha256>;

/// The first byte of a sealed value: the format, so it can change later.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

#[derive(Clone)]
pub struct Keys {
    seal: [u8; 32],
    client_address: [u8; 32],
    checkpoint: [u8; 32],
    audit_row: [u8; 32],
}

// Never printed, not even in part.
impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

/// The key file cannot be read, made or trusted.
#[derive(Debug)]
pub struct KeyFileError(pub String);

impl std::fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyFileError {}

/// A sealed value that does not open with this key: another key sealed it, or it was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotSealedByThisKey;

impl std::fmt::Display for NotSealedByThisKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a secret in the database was not sealed with this key file (or was altered)")
    }
}

impl std::error::Error for NotSealedByThisKey {}

fn derive(master: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        Keys {
            seal: derive(master, "groupcare seal v1"),
            client_address: derive(master, "groupcare client address v1"),
            checkpoint: derive(master, "groupcare audit checkpoint v1"),
            audit_row: derive(master, "groupcare audit row v1"),
        }
    }

    /// Keys from a new random master key, kept nowhere: for tests.
    pub fn random() -> Keys {
        Keys::from_master(&random())
    }

    /// Reads the key file, or makes it (mode 0600) when it does not exist. Refuses a file that
    /// others may read, or that does not hold a key.
    pub fn load_or_create(path: &Path) -> Result<Keys, KeyFileError> {
        let fail = |what: String| KeyFileError(format!("{}: {what}", path.display()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create its folder: {e}")))?;
        }
        if !path.exists() {
            // Written whole to a file of its own, then linked into place: linking never
            // replaces, so two instances starting at once keep one key, and neither reads a
            // half-written file.
            let draft = path.with_extension(format!("new-{}", crate::tokens::new_request_key()));
            let text = format!("{}\n", crate::tokens::hex(&random::<32>()));
            let written = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&draft)
                .and_then(|mut file| file.write_all(text.as_bytes()).and_then(|_| file.sync_all()));
            let linked = written.and_then(|_| fs::hard_link(&draft, path));
            let _ = fs::remove_file(&draft);
            match linked {
                Ok(()) => tracing::info!(
                    "made a new key file at {}; keep a copy: without it the database's secrets cannot be read",
                    path.display()
                ),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(fail(format!("cannot create it: {e}"))),
            }
        }
        Keys::load(path)
    }

    /// Reads an existing key file (the `audit verify` command never makes one).
    pub fn load(path: &Path) -> Result<Keys, KeyFileError> {
        let fail = |what: String| KeyFileError(format!("{}: {what}", path.display()));
        let meta = fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(fail("others may read it; allow its owner only (chmod 600)".into()));
        }
        let text = fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let master = parse_hex_key(text.trim())
            .ok_or_else(|| fail("it does not hold a key (64 hex digits)".into()))?;
        Ok(Keys::from_master(&master))
    }

    /// Seals `secret` for the record `context` names (e.g. `totp:12`): the sealed value opens
    /// only with this key and only for that context, so it cannot be moved to another record.
    pub fn seal(&self, context: &str, secret: &[u8]) -> Vec<u8> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
        let nonce: [u8; NONCE_LEN] = random();
        let cipher = XChaCha20Poly1305::new(&Key::from(self.seal));
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: secret, aad: context.as_bytes() })
            .expect("sealing a short secret cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, NotSealedByThisKey> {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEALED_V1 {
            return Err(NotSealedByThisKey);
        }
        let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce's length");
        XChaCha20Poly1305::new(&Key::from(self.seal))
            .decrypt(&XNonce::from(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| NotSealedByThisKey)
    }

    /// What the database keeps of a client's address (or another value that must not be
    /// readable there): an HMAC under this key, for the `purpose` given.
    pub fn client_hash(&self, purpose: &str, value: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.client_address).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The signature of an audit checkpoint's text.
    pub fn sign_checkpoint(&self, text: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.checkpoint).expect("HMAC takes any key length");
        mac.update(text.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The seal of the audit row at position `seq` with chain hash `hash`.
    pub fn audit_row_mac(&self, seq: i64, hash: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.audit_row).expect("HMAC takes any key length");
        mac.update(&seq.to_be_bytes());
        mac.update(hash);
        mac.finalize().into_bytes().to_vec()
    }

    pub fn audit_row_mac_holds(&self, seq: i64, hash: &[u8], seal: &[u8]) -> bool {
        let mut mac = HmacSha256::new_from_slice(&self.audit_row).expect("HMAC takes any key length");
        mac.update(&seq.to_be_bytes());
        mac.update(hash);
        mac.verify_slice(seal).is_ok()
    }

    pub fn checkpoint_signature_holds(&self, text: &str, signature: &[u8]) -> bool {
        let mut mac = HmacSha256::new_from_slice(&self.checkpoint).expect("HMAC takes any key length");
        mac.update(text.as_bytes());
        mac.verify_slice(signature).is_ok()
    }
}

fn parse_hex_key(text: &str) -> Option<[u8; 32]> {
    let bytes = parse_hex(text)?;
    bytes.try_into().ok()
}

/// Lower- or upper-case hex digits into bytes.
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_context_only() {
        let keys = Keys::random();
        let sealed = keys.seal("totp:7", b"twenty bytes secret!");
        assert_eq!(keys.open("totp:7", &sealed).unwrap(), b"twenty bytes secret!");
        assert_ne!(&sealed[..], keys.seal("totp:7", b"twenty bytes secret!"), "a fresh nonce each time");
        assert_eq!(keys.open("totp:8", &sealed), Err(NotSealedByThisKey), "moved to another record");
        assert_eq!(Keys::random().open("totp:7", &sealed), Err(NotSealedByThisKey), "another key");
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(keys.open("totp:7", &altered), Err(NotSealedByThisKey));
        assert_eq!(keys.open("totp:7", b"twenty bytes secret!"), Err(NotSealedByThisKey), "plaintext");
    }

    #[test]
    fn the_key_file_is_made_private_once_and_then_read() {
        let dir = std::env::temp_dir().join(format!("groupcare-keys-{}", crate::tokens::new_request_key()));
        let path = dir.join("secret.key");
        let made = Keys::load_or_create(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let again = Keys::load_or_create(&path).unwrap();
        assert_eq!(again.client_hash("x", "1.2.3.4"), made.client_hash("x", "1.2.3.4"));
        assert_ne!(made.client_hash("x", "1.2.3.4"), Keys::random().client_hash("x", "1.2.3.4"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Keys::load(&path).unwrap_err().to_string().contains("chmod 600"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "not a key").unwrap();
        assert!(Keys::load(&path).unwrap_err().to_string().contains("64 hex digits"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn checkpoint_signatures_hold_for_their_text_only() {
        let keys = Keys::random();
        let signature = keys.sign_checkpoint("v1 12 ab");
        assert!(keys.checkpoint_signature_holds("v1 12 ab", &signature));
        assert!(!keys.checkpoint_signature_holds("v1 11 ab", &signature));
        assert!(!Keys::random().checkpoint_signature_holds("v1 12 ab", &signature));
        assert_eq!(parse_hex("0aFf"), Some(vec![10, 255]));
        assert_eq!(parse_hex("0g"), None);
    }
}
