//! Patient records: matching a request to a person the clinic knows, and merging duplicates.

use super::intake::ClinicScope;
use crate::domain::booking::BookingStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{FromRow, PgConnection};

#[derive(Clone, Debug, FromRow)]
pub struct Patient {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Records that may be the person behind `booking_id`: the same phone, or the same name.
pub async fn candidates(conn: &mut PgConnection, booking_id: i64) -> sqlx::Result<Vec<Patient>> {
    sqlx::query_as(
        "select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth \
         from patient p, booking b \
         where b.id = $1 and p.merged_into is null \
           and (p.phone = b.phone \
                or (lower(p.first_name) = lower(b.first_name) and lower(p.last_name) = lower(b.last_name))) \
         order by p.phone = b.phone desc, p.id limit 20",
    )
    .bind(booking_id)
    .fetch_all(conn)
    .await
}

/// Other records that may be the same person as patient `id` (for merging).
pub async fn duplicates_of(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<Patient>> {
    sqlx::query_as(
        "select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth \
         from patient p, patient me \
         where me.id = $1 and p.id <> me.id and p.merged_into is null \
           and (p.phone = me.phone \
                or (lower(p.first_name) = lower(me.first_name) and lower(p.last_name) = lower(me.last_name) \
                    and (p.date_of_birth is null or me.date_of_birth is null \
                         or p.date_of_birth = me.date_of_birth))) \
         order by p.id limit 20",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

/// A new record from the request's details (and a date of birth asked on the phone), linked
/// to the request. Returns its id.
pub async fn create_from_booking(
    conn: &mut PgConnection,
    booking_id: i64,
    date_of_birth: Option<NaiveDate>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "with made as ( \
           insert into patient (first_name, last_name, phone, email, date_of_birth) \
           select first_name, last_name, phone, email, $2 from booking where id = $1 returning id) \
         update booking set patient_id = (select id from made) where id = $1 returning patient_id",
    )
    .bind(booking_id)
    .bind(date_of_birth)
    .fetch_one(conn)
    .await
}

/// Links the request to an existing (unmerged) record. False when there is no such record.
pub async fn link(conn: &mut PgConnection, booking_id: i64, patient_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update booking set patient_id = $2 where id = $1 \
           and exists (select 1 from patient where id = $2 and merged_into is null)",
    )
    .bind(booking_id)
    .bind(patient_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Patient `id` if this scope may see it: an administrator always; intake when the person
/// has a booking in one of its clinics.
pub async fn patient(conn: &mut PgConnection, scope: &ClinicScope, id: i64) -> sqlx::Result<Option<Patient>> {
    sqlx::query_as(
        "select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth from patient p \
         where p.id = $1 and p.merged_into is null \
           and ($2::bigint[] is null or exists ( \
                select 1 from booking b join session s on s.id = b.session_id \
                where b.patient_id = p.id and s.clinic_id = any($2)))",
    )
    .bind(id)
    .bind(scope.ids())
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, FromRow)]
pub struct PatientBooking {
    pub id: i64,
    pub reference: String,
    pub status: BookingStatus,
    pub starts_at: DateTime<Utc>,
    pub clinic_name: String,
}

pub async fn bookings(conn: &mut PgConnection, patient_id: i64) -> sqlx::Result<Vec<PatientBooking>> {
    sqlx::query_as(
        "select b.id, b.reference, b.status, s.starts_at, c.name as clinic_name \
         from booking b join session s on s.id = b.session_id join clinic c on c.id = s.clinic_id \
         where b.patient_id = $1 order by s.starts_at desc",
    )
    .bind(patient_id)
    .fetch_all(conn)
    .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeRefused {
    SameRecord,
    Unknown,
}

/// Merges record `absorbed` into `kept`: its bookings move over, details `kept` lacks are
/// taken from it, and it is marked merged (kept, so old ids still lead somewhere).
pub async fn merge(
    conn: &mut PgConnection,
    kept: i64,
    absorbed: i64,
) -> sqlx::Result<Result<(), MergeRefused>> {
    if kept == absorbed {
        return Ok(Err(MergeRefused::SameRecord));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let found: Vec<i64> = sqlx::query_scalar(
        "select id from patient where id in ($1, $2) and merged_into is null order by id for update",
    )
    .bind(kept)
    .bind(absorbed)
    .fetch_all(&mut *tx)
    .await?;
    if found.len() != 2 {
        return Ok(Err(MergeRefused::Unknown));
    }
    sqlx::query("update booking set patient_id = $1 where patient_id = $2")
        .bind(kept)
        .bind(absorbed)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update patient k set email = coalesce(k.email, a.email), date_of_birth = coalesce(k.date_of_birth, a.date_of_birth) \
         from patient a where k.id = $1 and a.id = $2",
    )
    .bind(kept)
    .bind(absorbed)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update patient set merged_into = $1 where id = $2")
        .bind(kept)
        .bind(absorbed)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
