//! Settings from the environment, each with a default a first run can live with.

use crate::domain::schedule::Horizon;
use crate::notify::NotifySettings;
use crate::notify::channels::{Secret, SmsSettings, SmtpSettings};
use crate::web::client::TrustedProxies;
use chrono::Duration;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: a PostgreSQL server. Unset: the embedded cluster under `data_dir`.
    pub database_url: Option<String>,
    /// `GROUPCARE_MIGRATE_DATABASE_URL`: the database's owner, for `groupcare migrate`
    /// (default: `DATABASE_URL`).
    pub migrate_database_url: Option<String>,
    /// `GROUPCARE_BIND`, default `127.0.0.1:3000`.
    pub bind: String,
    /// `GROUPCARE_BASE_URL`: how patients reach this app (for manage links), default from `bind`.
    pub base_url: String,
    /// `GROUPCARE_DATA_DIR`, default `./var`: where the embedded cluster lives.
    pub data_dir: PathBuf,
    /// `GROUPCARE_KEY_FILE`, default `<data dir>/secret.key`: the key outside the database.
    pub key_file: PathBuf,
    /// `GROUPCARE_AUDIT_CHECKPOINTS`, default `<data dir>/audit-checkpoints`: signed checkpoints
    /// of the audit chain, so `audit verify` sees a cut tail.
    pub audit_checkpoints: PathBuf,
    pub booking: BookingSettings,
    /// `GROUPCARE_DB_POOL`, default 8 (4 × the 2 cores these machines have).
    pub db_pool_size: u32,
    /// `GROUPCARE_METRICS_BIND`: where Prometheus metrics are served (`/metrics`); unset, none.
    pub metrics_bind: Option<String>,
    /// `GROUPCARE_MAX_IN_FLIGHT`, default 512: requests answered at once; more are told to try
    /// again (503).
    pub max_in_flight: usize,
    /// `GROUPCARE_DB_WAIT_SECONDS`, default 60: how long a start waits for a database that
    /// does not answer yet (one starting alongside the app), before giving up.
    pub db_wait: std::time::Duration,
    /// `GROUPCARE_TRUSTED_PROXIES`: addresses or CIDR blocks whose `X-Forwarded-For` names the
    /// client. Empty by default: the socket's peer is the client.
    pub trusted_proxies: TrustedProxies,
    /// `GROUPCARE_SCHEDULE_WEEKS`, default 12 (1 to 104): how far ahead weekly groups exist.
    pub horizon: Horizon,
    /// `GROUPCARE_SITE_NAME`, and `GROUPCARE_SITE_NAME_ES` (default: the same): the site's name
    /// on every page and in its tab title. Unset: the catalog's neutral demo name.
    pub site_name: Option<(String, String)>,
    /// The message worker's settings (`GROUPCARE_REMINDER_HOURS`, `GROUPCARE_SMTP_URL`,
    /// `GROUPCARE_MAIL_FROM`, `GROUPCARE_SMS_URL`, `_ACCOUNT`, `_TOKEN`, `_FROM`).
    pub notify: NotifySettings,
}

/// The rules of booking that a clinic may tune.
#[derive(Clone, Debug)]
pub struct BookingSettings {
    /// `GROUPCARE_BOOKING_RATE_PER_MIN`, default 10; 0 turns the limit off.
    pub rate_per_min: u32,
    /// `GROUPCARE_BOOKING_CUTOFF_MINUTES`, default 120: no online request this close to the start.
    pub cutoff: Duration,
}

impl Default for BookingSettings {
    fn default() -> Self {
        BookingSettings { rate_per_min: 10, cutoff: Duration::minutes(120) }
    }
}

/// A setting that is present but cannot be used.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The site's name in English and Spanish, if the deployment gives one: what a phone's tabs
/// and history keep, so a clinic chooses it (neutral words: see PRODUCT.md).
fn site_name() -> Result<Option<(String, String)>, ConfigError> {
    let Some(en) = var("GROUPCARE_SITE_NAME") else {
        return match var("GROUPCARE_SITE_NAME_ES") {
            Some(_) => {
                Err(ConfigError("GROUPCARE_SITE_NAME_ES needs GROUPCARE_SITE_NAME as well".to_owned()))
            }
            None => Ok(None),
        };
    };
    let es = var("GROUPCARE_SITE_NAME_ES").unwrap_or_else(|| en.clone());
    for (name, value) in [("GROUPCARE_SITE_NAME", &en), ("GROUPCARE_SITE_NAME_ES", &es)] {
        if value.trim().chars().count() > 60 || value.chars().any(char::is_control) {
            return Err(ConfigError(format!("{name} must be one line of at most 60 characters")));
        }
    }
    Ok(Some((en.trim().to_owned(), es.trim().to_owned())))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => {
            v.trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number, got {v:?}")))
        }
    }
}

/// E-mail is on when `GROUPCARE_SMTP_URL` is set; then `GROUPCARE_MAIL_FROM` must be too.
fn smtp_settings() -> Result<Option<SmtpSettings>, ConfigError> {
    let Some(url) = var("GROUPCARE_SMTP_URL") else {
        return Ok(None);
    };
    let from = var("GROUPCARE_MAIL_FROM").ok_or_else(|| {
        ConfigError(
            "GROUPCARE_SMTP_URL is set: GROUPCARE_MAIL_FROM must say what address e-mails come from".into(),
        )
    })?;
    Ok(Some(SmtpSettings { url: Secret(url), from }))
}

/// SMS is on when `GROUPCARE_SMS_URL` is set; then the account, token and number must be too.
fn sms_settings() -> Result<Option<SmsSettings>, ConfigError> {
    let Some(url) = var("GROUPCARE_SMS_URL") else {
        return Ok(None);
    };
    let needed = |name: &str| {
        var(name).ok_or_else(|| ConfigError(format!("GROUPCARE_SMS_URL is set: {name} must be too")))
    };
    Ok(Some(SmsSettings {
        url,
        account: needed("GROUPCARE_SMS_ACCOUNT")?,
        token: Secret(needed("GROUPCARE_SMS_TOKEN")?),
        from: needed("GROUPCARE_SMS_FROM")?,
    }))
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let bind = var("GROUPCARE_BIND").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let base_url = var("GROUPCARE_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned();
        let db_pool_size = number("GROUPCARE_DB_POOL", 8u32)?.max(1);
        let data_dir = var("GROUPCARE_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("var"));
        let in_data_dir =
            |name: &str, file: &str| var(name).map(PathBuf::from).unwrap_or_else(|| data_dir.join(file));
        Ok(Config {
            database_url: var("DATABASE_URL"),
            migrate_database_url: var("GROUPCARE_MIGRATE_DATABASE_URL"),
            bind,
            base_url,
            key_file: in_data_dir("GROUPCARE_KEY_FILE", "secret.key"),
            audit_checkpoints: in_data_dir("GROUPCARE_AUDIT_CHECKPOINTS", "audit-checkpoints"),
            data_dir,
            booking: BookingSettings {
                rate_per_min: number("GROUPCARE_BOOKING_RATE_PER_MIN", 10u32)?,
                cutoff: Duration::minutes(number("GROUPCARE_BOOKING_CUTOFF_MINUTES", 120i64)?),
            },
            db_pool_size,
            metrics_bind: var("GROUPCARE_METRICS_BIND"),
            max_in_flight: number("GROUPCARE_MAX_IN_FLIGHT", crate::web::DEFAULT_MAX_IN_FLIGHT)?,
            db_wait: std::time::Duration::from_secs(number("GROUPCARE_DB_WAIT_SECONDS", 60u64)?),
            horizon: match number("GROUPCARE_SCHEDULE_WEEKS", Horizon::default().weeks)? {
                weeks @ 1..=104 => Horizon { weeks },
                _ => return Err(ConfigError("GROUPCARE_SCHEDULE_WEEKS must be 1 to 104 weeks".to_owned())),
            },
            site_name: site_name()?,
            notify: NotifySettings {
                reminder_hours: match var("GROUPCARE_REMINDER_HOURS") {
                    Some(text) => NotifySettings::parse_reminder_hours(&text).map_err(ConfigError)?,
                    None => NotifySettings::default().reminder_hours,
                },
                smtp: smtp_settings()?,
                sms: sms_settings()?,
            },
            trusted_proxies: TrustedProxies::parse(&var("GROUPCARE_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| ConfigError(format!("GROUPCARE_TRUSTED_PROXIES: {e}")))?,
        })
    }
}
