//! What people text back (`POST /hooks/sms`): STOP ends texts to that number, HELP is
//! answered with the clinic's phone, anything else is kept for intake on the person's booking.

use crate::domain::Language;
use crate::domain::audit::{AuditAction, RecordType};
use crate::keys::Keys;
use crate::store::audit::{self, AuditEntry};
use crate::store::outbox::Unsent;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Ends consent to texts on every booking of `phone` (E.164), at once: each booking records
/// when, an audit entry says so, and texts still waiting are not sent. Returns the bookings
/// changed (none when the number had already stopped, or is unknown).
pub async fn stop_texts(
    conn: &mut PgConnection,
    keys: &Keys,
    phone: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let stopped: Vec<i64> = sqlx::query_scalar!(
        "update booking set consent_sms = false, sms_stopped_at = $2 where phone = $1 and consent_sms
         returning id",
        phone,
        now
    )
    .fetch_all(&mut *conn)
    .await?;
    if stopped.is_empty() {
        return Ok(stopped);
    }
    // Texts a worker holds are left to it: it checks consent again just before each try.
    sqlx::query!(
        "update message set state = 'unsent', unsent_reason = $2
         where booking_id = any($1) and channel = 'sms' and state = 'pending'
           and (lease_until is null or lease_until <= $3)",
        &stopped,
        Unsent::ConsentWithdrawn.code(),
        now
    )
    .execute(&mut *conn)
    .await?;
    // The person did this, not a staff member: no actor, no client address.
    let entry = AuditEntry {
        actor_staff_id: None,
        action: AuditAction::SmsConsentWithdrawn,
        record_type: Some(RecordType::Booking),
        record_id: None,
        client_addr: None,
    };
    audit::record_list(conn, keys, &entry, &stopped).await?;
    Ok(stopped)
}

/// The booking a text from a number belongs to: its newest one still going, else its newest.
pub struct Sender {
    pub booking_id: i64,
    pub language: Language,
    /// The clinic's neutral name for messages ('' when none) and phone.
    pub sender_name: String,
    pub clinic_phone: String,
}

pub async fn sender(conn: &mut PgConnection, phone: &str) -> sqlx::Result<Option<Sender>> {
    sqlx::query_as!(
        Sender,
        r#"select b.id as booking_id, b.language as "language: Language", c.message_name as sender_name,
                  c.phone as clinic_phone
           from booking b join session s on s.id = b.session_id join clinic c on c.id = s.clinic_id
           where b.phone = $1
           order by booking_is_active(b.status) desc, b.created_at desc, b.id desc limit 1"#,
        phone
    )
    .fetch_optional(conn)
    .await
}

/// Keeps a text for intake on `booking_id`. A webhook the provider delivers again (the same
/// `provider_id`) is kept once.
pub async fn keep(
    conn: &mut PgConnection,
    booking_id: i64,
    provider_id: &str,
    body: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into sms_reply (booking_id, provider_id, body, received_at) values ($1, $2, $3, $4)
         on conflict (provider_id) do nothing",
        booking_id,
        provider_id,
        body,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A text the person sent back, as intake reads it.
pub struct SmsReply {
    pub body: String,
    pub received_at: DateTime<Utc>,
}

/// The texts sent back about `booking_id`, oldest first.
pub async fn of_booking(conn: &mut PgConnection, booking_id: i64) -> sqlx::Result<Vec<SmsReply>> {
    sqlx::query_as!(
        SmsReply,
        "select body, received_at from sms_reply where booking_id = $1 order by id",
        booking_id
    )
    .fetch_all(conn)
    .await
}
