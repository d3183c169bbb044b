//! The outbox's worker: every app instance runs one. It writes the reminders that fall due
//! and takes due messages from the outbox (`store::outbox`), each claimed under a lease so
//! instances share the work without sending anything twice.
//!
//! No channel can send yet: every claimed message is recorded as not sent, "no channel
//! configured", which is what a deployment without SMTP or SMS settings shows its admins.

pub mod render;

use crate::store::outbox::{self, Unsent};
use crate::web::Clock;
use chrono::Duration;
use sqlx::PgPool;

/// How often the worker looks for due messages.
pub const PERIOD: std::time::Duration = std::time::Duration::from_secs(15);
/// How long a claimed message is this worker's; after that another instance may take it.
const LEASE: Duration = Duration::minutes(2);
/// Messages claimed at once.
const BATCH: i64 = 50;

/// The worker's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySettings {
    /// `GROUPCARE_REMINDER_HOURS`, default `24,2`: reminders before a confirmed booking's group.
    pub reminder_hours: Vec<i32>,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings { reminder_hours: vec![24, 2] }
    }
}

impl NotifySettings {
    /// Reads `GROUPCARE_REMINDER_HOURS`: whole hours, 1 to 168, separated by commas.
    pub fn parse_reminder_hours(text: &str) -> Result<Vec<i32>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| match h.parse::<i32>() {
                Ok(hours @ 1..=168) => Ok(hours),
                _ => Err(format!(
                    "GROUPCARE_REMINDER_HOURS: {h:?} is not a whole number of hours from 1 to 168"
                )),
            })
            .collect()
    }
}

/// Runs the worker until the app stops.
pub async fn run(pool: PgPool, clock: Clock, settings: NotifySettings) {
    loop {
        if let Err(e) = work_once(&pool, clock, &settings).await {
            tracing::error!(error = %e, "the message worker failed; trying again shortly");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// One round: writes due reminders, then takes what is due. Returns how many it took.
pub async fn work_once(pool: &PgPool, clock: Clock, settings: &NotifySettings) -> sqlx::Result<usize> {
    let now = clock.now();
    let mut conn = pool.acquire().await?;
    let reminders = outbox::write_due_reminders(&mut conn, &settings.reminder_hours, now).await?;
    if reminders > 0 {
        tracing::info!(reminders, "reminders due");
    }
    let claimed = outbox::claim_due(&mut conn, now, now + LEASE, BATCH).await?;
    let (applies, stale): (Vec<_>, Vec<_>) = claimed.iter().partition(|m| m.still_applies);
    let ids = |messages: Vec<&outbox::Claimed>| messages.iter().map(|m| m.id).collect::<Vec<_>>();
    outbox::mark_unsent(&mut conn, &ids(applies), Unsent::NoChannel).await?;
    outbox::mark_unsent(&mut conn, &ids(stale), Unsent::NoLongerApplies).await?;
    Ok(claimed.len())
}
