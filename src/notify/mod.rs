//! The outbox's worker: every app instance runs one. It writes the reminders that fall due
//! and takes due messages from the outbox (`store::outbox`), each claimed under a lease so
//! instances share the work without sending anything twice, and sends each on its channel
//! (`channels`). A channel this deployment has no settings for records its messages as not
//! sent, "no channel configured", which is what the embedded default shows its admins.

pub mod channels;
pub mod render;

use crate::domain::messages::{Channel, retry_delay, sms_send_time};
use crate::keys::Keys;
use crate::store::outbox::{self, Attempt, Claimed, Lease, Unsent};
use crate::store::secrets::manage_token_context;
use crate::web::Clock;
use crate::web::booking_requests::manage_path;
use channels::{Email, Outgoing, Sms, SmsSettings, SmtpSettings, Tried};
use chrono::{DateTime, Duration, Utc};
use render::{BookingCalendar, MessageFacts, booking_calendar, render};
use sqlx::PgPool;
use std::sync::Arc;

/// How often the worker looks for due messages.
pub const PERIOD: std::time::Duration = std::time::Duration::from_secs(15);
/// How long a claimed message is this worker's; after that another instance may take it.
/// Longer than a batch of tries can take: `BATCH` tries of at most `channels::TRY_TIMEOUT`.
const LEASE: Duration = Duration::minutes(10);
/// Messages claimed at once.
const BATCH: i64 = 20;

/// The worker's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySettings {
    /// `GROUPCARE_REMINDER_HOURS`, default `24,2`: reminders before a confirmed booking's group.
    pub reminder_hours: Vec<i32>,
    /// E-mail, when `GROUPCARE_SMTP_URL` is set.
    pub smtp: Option<SmtpSettings>,
    /// SMS, when `GROUPCARE_SMS_URL` is set.
    pub sms: Option<SmsSettings>,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings { reminder_hours: vec![24, 2], smtp: None, sms: None }
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

/// A worker: the outbox, the channels it can send on, and what it needs for the manage link.
pub struct Worker {
    pool: PgPool,
    /// This worker's own id, which its claims carry.
    id: String,
    reminder_hours: Vec<i32>,
    email: Option<Email>,
    sms: Option<Sms>,
    keys: Arc<Keys>,
    /// How patients reach this app (`GROUPCARE_BASE_URL`).
    base_url: Arc<str>,
}

impl Worker {
    /// Fails when a channel's settings cannot be used (said at start, not at the first message).
    pub fn new(
        pool: PgPool,
        settings: &NotifySettings,
        keys: Arc<Keys>,
        base_url: Arc<str>,
    ) -> Result<Worker, String> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        Ok(Worker {
            pool,
            id: crate::tokens::hex(&bytes),
            reminder_hours: settings.reminder_hours.clone(),
            email: settings.smtp.as_ref().map(Email::new).transpose()?,
            sms: settings.sms.as_ref().map(Sms::new).transpose()?,
            keys,
            base_url,
        })
    }

    /// Runs until the app stops.
    pub async fn run(self, clock: Clock) {
        loop {
            if let Err(e) = self.work_once(clock.now()).await {
                tracing::error!(error = %e, "the message worker failed; trying again shortly");
            }
            tokio::time::sleep(PERIOD).await;
        }
    }

    /// One round at `now`: writes due reminders, then takes what is due and sends it.
    /// Returns how many messages it took.
    pub async fn work_once(&self, now: DateTime<Utc>) -> sqlx::Result<usize> {
        let mut conn = self.pool.acquire().await?;
        let reminders = outbox::write_due_reminders(&mut conn, &self.reminder_hours, now).await?;
        if reminders > 0 {
            tracing::info!(reminders, "reminders due");
        }
        let lease = Lease { holder: &self.id, until: now + LEASE };
        let claimed = outbox::claim_due(&mut conn, now, &lease, BATCH).await?;
        // The pool's connection is not held while a provider answers.
        drop(conn);
        let mut unsent: Vec<(i64, Unsent)> = Vec::new();
        // A batch takes time: each message is judged (quiet hours, the lease) at its own moment.
        let started = std::time::Instant::now();
        let now_at = || now + Duration::from_std(started.elapsed()).unwrap_or_default();
        for m in &claimed {
            let why = match (m.still_applies, m.consented, self.can_send(m.channel)) {
                (false, _, _) => Some(Unsent::NoLongerApplies),
                (_, false, _) => Some(Unsent::ConsentWithdrawn),
                (_, _, false) => Some(Unsent::NoChannel),
                _ => None,
            };
            match why {
                Some(why) => unsent.push((m.id, why)),
                None => self.deliver(m, now_at()).await?,
            }
        }
        let mut conn = self.pool.acquire().await?;
        for why in [Unsent::NoLongerApplies, Unsent::ConsentWithdrawn, Unsent::NoChannel] {
            let ids: Vec<i64> = unsent.iter().filter(|(_, w)| *w == why).map(|(id, _)| *id).collect();
            outbox::mark_unsent(&mut conn, &ids, &self.id, why).await?;
        }
        Ok(claimed.len())
    }

    fn can_send(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.sms.is_some(),
        }
    }

    /// Sends `m` (or holds an SMS until the quiet hours end) and records how it went.
    async fn deliver(&self, m: &Claimed, now: DateTime<Utc>) -> sqlx::Result<()> {
        let tz = m.time_zone.0;
        if m.channel == Channel::Sms {
            let send_at = sms_send_time(m.kind, m.created_at, now, tz, m.starts_at);
            if send_at > now {
                return outbox::postpone(&mut *self.pool.acquire().await?, m.id, &self.id, send_at).await;
            }
        }
        // Earlier tries of this batch took time: a STOP may have come, or the lease run out.
        // Still ours: held for one more whole try.
        let lease = Lease { holder: &self.id, until: now + LEASE };
        match outbox::still_mine(&mut *self.pool.acquire().await?, m.id, &lease, now).await? {
            None => return Ok(()),
            Some(false) => {
                let mut conn = self.pool.acquire().await?;
                return outbox::mark_unsent(&mut conn, &[m.id], &self.id, Unsent::ConsentWithdrawn).await;
            }
            Some(true) => {}
        }
        let manage_url = self.manage_url(m);
        let listing_url = format!("{}/sessions", self.base_url);
        let words = render(&MessageFacts {
            kind: m.kind,
            language: m.language,
            sender_name: &m.sender_name,
            starts_at: m.starts_at.with_timezone(&tz),
            address: &m.address,
            phone: &m.clinic_phone,
            waitlist_position: m.waitlist_position,
            manage_url: manage_url.as_deref(),
            listing_url: &listing_url,
        });
        // An e-mail about a change to the booking carries its calendar file as it is now, so
        // a calendar that took the first one is updated (same UID, higher SEQUENCE).
        let calendar = (m.kind.changes_the_calendar() && m.channel == Channel::Email).then(|| {
            booking_calendar(
                &BookingCalendar {
                    language: m.language,
                    sender_name: &m.sender_name,
                    address: &m.address,
                    phone: &m.clinic_phone,
                    reference: &m.reference,
                    sequence: m.calendar_sequence,
                    status: m.status,
                    group_cancelled: m.group_cancelled,
                    starts_at: m.starts_at,
                    ends_at: m.ends_at,
                },
                now,
            )
        });
        let to = match m.channel {
            Channel::Sms => m.phone.as_str(),
            Channel::Email => m.email.as_deref().unwrap_or_default(),
        };
        let outgoing = Outgoing {
            to,
            sender_name: &words.sender,
            subject: &words.subject,
            text: &words.text,
            idempotency_key: &m.idempotency_key,
            calendar: calendar.as_deref(),
        };
        let tried = match (m.channel, &self.email, &self.sms) {
            (Channel::Email, Some(email), _) => email.send(&outgoing).await,
            (Channel::Sms, _, Some(sms)) => sms.send(&outgoing).await,
            _ => unreachable!("only messages of a configured channel are delivered"),
        };
        let tries = m.attempts + 1;
        let attempt = match tried {
            Tried::Sent => Attempt::Sent,
            Tried::Transient(error) => Attempt::Retry { error, at: now + retry_delay(tries) },
            Tried::Permanent(error) => Attempt::Failed { error },
        };
        match &attempt {
            Attempt::Sent => {
                tracing::info!(message_id = m.id, kind = ?m.kind, channel = ?m.channel, "message sent")
            }
            Attempt::Retry { error, .. } | Attempt::Failed { error } => {
                tracing::warn!(message_id = m.id, kind = ?m.kind, channel = ?m.channel, tries, error, "a message was not sent")
            }
        }
        let mut conn = self.pool.acquire().await?;
        if !outbox::record_attempt(&mut conn, m.id, &self.id, &attempt, tries, now).await? {
            tracing::warn!(
                message_id = m.id,
                "a try outlasted its lease; the worker that took over records it"
            );
        }
        Ok(())
    }

    /// The person's own page in their language, from the token sealed with their booking (none
    /// for a booking taken before messages existed, or sealed by another key file).
    fn manage_url(&self, m: &Claimed) -> Option<String> {
        let sealed = m.manage_token_sealed.as_deref()?;
        let token = self.keys.open(&manage_token_context(&m.link_reference), sealed).ok()?;
        let token = String::from_utf8(token).ok()?;
        Some(format!("{}{}?lang={}", self.base_url, manage_path(&token), m.language.code()))
    }
}
