//! Secrets every app instance on one database shares (made on first use), and the sealing of
//! every secret the database keeps: they are stored sealed with the key file (see
//! [`crate::keys`]), never in plaintext.

use crate::keys::{Keys, NotSealedByThisKey};
use sqlx::{PgConnection, PgPool};

/// The key that derives manage links from one-time keys.
pub const MANAGE_LINK_KEY: &str = "manage_link_key";

/// What a sealed server secret belongs to (the associated data it is sealed with).
fn server_secret_context(name: &str) -> String {
    format!("server_secret:{name}")
}

/// What a booking's sealed manage-link token belongs to: its booking, by reference, so a
/// sealed token copied onto another booking does not open.
pub fn manage_token_context(reference: &str) -> String {
    format!("manage_token:{reference}")
}

/// What a staff member's TOTP secret (enrolled or pending) belongs to.
pub fn totp_context(staff_id: i64) -> String {
    format!("totp:{staff_id}")
}

#[derive(Debug)]
pub enum SecretsError {
    Database(sqlx::Error),
    /// The database's secrets were sealed with another key file.
    WrongKey(NotSealedByThisKey),
}

impl std::fmt::Display for SecretsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretsError::Database(e) => write!(f, "{e}"),
            SecretsError::WrongKey(_) => f.write_str(
                "the secrets in this database were sealed with another key file: \
                 point GROUPCARE_KEY_FILE at the key the other instances use",
            ),
        }
    }
}

impl std::error::Error for SecretsError {}

impl From<sqlx::Error> for SecretsError {
    fn from(e: sqlx::Error) -> Self {
        SecretsError::Database(e)
    }
}

/// The server secret `name`, made (32 random bytes, sealed) when it does not exist yet.
pub async fn load_or_create(pool: &PgPool, keys: &Keys, name: &str) -> Result<Vec<u8>, SecretsError> {
    let context = server_secret_context(name);
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).expect("the operating system's random source");
    sqlx::query!(
        r#"insert into server_secret (name, value) values ($1, $2) on conflict (name) do nothing"#,
        name,
        keys.seal(&context, &fresh)
    )
    .execute(pool)
    .await?;
    let sealed: Vec<u8> = sqlx::query_scalar!(r#"select value from server_secret where name = $1"#, name)
        .fetch_one(pool)
        .await?;
    keys.open(&context, &sealed).map_err(SecretsError::WrongKey)
}

/// A staff member's TOTP keys as a database from before sealing kept them.
struct PlainTotp {
    id: i64,
    secret: Option<Vec<u8>>,
    pending: Option<Vec<u8>>,
}

/// Whether this database holds secrets sealed with some key already: then a missing key file
/// is a mistake (a wrong path, a lost file), not a first start.
pub async fn sealed_with_a_key(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from app_setting where name = 'secrets_sealed' and value = 'true')
            and exists (select 1 from server_secret) as "sealed!""#
    )
    .fetch_one(conn)
    .await
}

/// Seals the secrets a database kept in plaintext before sealing existed, once: the first app
/// to start after the upgrade does it (under a row lock, so two starting at once do it once).
/// A value that already opens with this key is left alone, so the mark set back by hand never
/// seals a secret twice. Returns how many secrets it sealed.
pub async fn seal_stored_secrets(conn: &mut PgConnection, keys: &Keys) -> sqlx::Result<u64> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let done: Option<String> =
        sqlx::query_scalar!(r#"select value from app_setting where name = 'secrets_sealed' for update"#)
            .fetch_optional(&mut *tx)
            .await?;
    if done.as_deref() != Some("false") {
        return Ok(0);
    }
    let mut sealed = 0;
    let servers: Vec<(String, Vec<u8>)> = sqlx::query!(r#"select name, value from server_secret"#)
        .map(|r| (r.name, r.value))
        .fetch_all(&mut *tx)
        .await?;
    for (name, plain) in servers {
        if keys.open(&server_secret_context(&name), &plain).is_ok() {
            continue;
        }
        sqlx::query!(
            r#"update server_secret set value = $2 where name = $1"#,
            &name,
            keys.seal(&server_secret_context(&name), &plain)
        )
        .execute(&mut *tx)
        .await?;
        sealed += 1;
    }
    let totps: Vec<PlainTotp> = sqlx::query_as!(
        PlainTotp,
        r#"select id, totp_secret as secret, totp_pending_secret as pending from staff
         where totp_secret is not null or totp_pending_secret is not null"#
    )
    .fetch_all(&mut *tx)
    .await?;
    for PlainTotp { id, secret, pending } in totps {
        let context = totp_context(id);
        let plain = |value: Option<Vec<u8>>| value.filter(|v| keys.open(&context, v).is_err());
        let (secret, pending) = (plain(secret), plain(pending));
        if secret.is_none() && pending.is_none() {
            continue;
        }
        sqlx::query!(
            r#"update staff set totp_secret = coalesce($2, totp_secret),
                              totp_pending_secret = coalesce($3, totp_pending_secret) where id = $1"#,
            id,
            secret.map(|s| keys.seal(&context, &s)),
            pending.map(|s| keys.seal(&context, &s))
        )
        .execute(&mut *tx)
        .await?;
        sealed += 1;
    }
    sqlx::query!(r#"update app_setting set value = 'true' where name = 'secrets_sealed'"#)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(sealed)
}
