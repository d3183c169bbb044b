//! Patient records: matching a request to a person the clinic knows, and merging duplicates.

use super::intake::ClinicScope;
use crate::domain::booking::BookingStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

#[derive(Clone)]
pub struct Patient {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Records that may be the person behind `booking_id`: the same phone, or the same name,
/// among the records of the booking's own clinic (when that clinic is in `scope`).
pub async fn candidates(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    booking_id: i64,
) -> sqlx::Result<Vec<Patient>> {
    sqlx::query_as!(
        Patient,
        r#"select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth
         from booking b join session s on s.id = b.session_id
         join patient p on p.clinic_id = s.clinic_id
         where b.id = $1 and p.merged_into is null
           and ($2::bigint[] is null or s.clinic_id = any($2))
           and (p.phone = b.phone
                or (lower(p.first_name) = lower(b.first_name) and lower(p.last_name) = lower(b.last_name)))
         order by p.phone = b.phone desc, p.id limit 20"#,
        booking_id,
        scope.ids()
    )
    .fetch_all(conn)
    .await
}

/// Other records of the same clinic that may be the same person as patient `id` (for merging).
pub async fn duplicates_of(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    id: i64,
) -> sqlx::Result<Vec<Patient>> {
    sqlx::query_as!(
        Patient,
        r#"select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth
         from patient me join patient p on p.clinic_id = me.clinic_id
         where me.id = $1 and p.id <> me.id and p.merged_into is null
           and ($2::bigint[] is null or me.clinic_id = any($2))
           and (p.phone = me.phone
                or (lower(p.first_name) = lower(me.first_name) and lower(p.last_name) = lower(me.last_name)
                    and (p.date_of_birth is null or me.date_of_birth is null
                         or p.date_of_birth = me.date_of_birth)))
         order by p.id limit 20"#,
        id,
        scope.ids()
    )
    .fetch_all(conn)
    .await
}

/// A new record of the booking's clinic from the request's details (and a date of birth
/// asked on the phone), linked to the request. Returns its id.
pub async fn create_from_booking(
    conn: &mut PgConnection,
    booking_id: i64,
    date_of_birth: Option<NaiveDate>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"with made as (
           insert into patient (clinic_id, first_name, last_name, phone, email, date_of_birth)
           select s.clinic_id, b.first_name, b.last_name, b.phone, b.email, $2
           from booking b join session s on s.id = b.session_id where b.id = $1 returning id)
         update booking set patient_id = (select id from made) where id = $1 returning patient_id as "patient_id!""#,
        booking_id,
        date_of_birth
    )
    .fetch_one(conn)
    .await
}

/// Links the request to an existing (unmerged) record of its own clinic, in `scope`. False
/// when there is no such record.
pub async fn link(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    booking_id: i64,
    patient_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"update booking b set patient_id = p.id from session s, patient p
         where b.id = $1 and s.id = b.session_id and p.id = $2 and p.merged_into is null
           and p.clinic_id = s.clinic_id and ($3::bigint[] is null or p.clinic_id = any($3))"#,
        booking_id,
        patient_id,
        scope.ids()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Patient `id` if this scope may see it: a record of one of the scope's clinics.
pub async fn patient(conn: &mut PgConnection, scope: &ClinicScope, id: i64) -> sqlx::Result<Option<Patient>> {
    sqlx::query_as!(
        Patient,
        r#"select p.id, p.first_name, p.last_name, p.phone, p.email, p.date_of_birth from patient p
         where p.id = $1 and p.merged_into is null
           and ($2::bigint[] is null or p.clinic_id = any($2))"#,
        id,
        scope.ids()
    )
    .fetch_optional(conn)
    .await
}

#[derive(Clone)]
pub struct PatientBooking {
    pub id: i64,
    pub reference: String,
    pub status: BookingStatus,
    pub starts_at: DateTime<Utc>,
    pub clinic_name: String,
}

/// The bookings linked to a record, those in `scope` only.
pub async fn bookings(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    patient_id: i64,
) -> sqlx::Result<Vec<PatientBooking>> {
    sqlx::query_as!(
        PatientBooking,
        r#"select b.id, b.reference, b.status as "status: BookingStatus", s.starts_at, c.name as clinic_name
         from booking b join session s on s.id = b.session_id join clinic c on c.id = s.clinic_id
         where b.patient_id = $1 and ($2::bigint[] is null or s.clinic_id = any($2))
         order by s.starts_at desc"#,
        patient_id,
        scope.ids()
    )
    .fetch_all(conn)
    .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeRefused {
    SameRecord,
    /// Not two unmerged records of one clinic in the scope.
    Unknown,
}

/// Merges record `absorbed` into `kept` (two records of one clinic, in `scope`): its bookings
/// move over, details `kept` lacks are taken from it, and it is marked merged (kept, so old
/// ids still lead somewhere).
pub async fn merge(
    conn: &mut PgConnection,
    scope: &ClinicScope,
    kept: i64,
    absorbed: i64,
) -> sqlx::Result<Result<(), MergeRefused>> {
    if kept == absorbed {
        return Ok(Err(MergeRefused::SameRecord));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let clinics: Vec<i64> = sqlx::query_scalar!(
        r#"select clinic_id from patient where id in ($1, $2) and merged_into is null
           and ($3::bigint[] is null or clinic_id = any($3))
         order by id for update"#,
        kept,
        absorbed,
        scope.ids()
    )
    .fetch_all(&mut *tx)
    .await?;
    if clinics.len() != 2 || clinics[0] != clinics[1] {
        return Ok(Err(MergeRefused::Unknown));
    }
    sqlx::query!(r#"update booking set patient_id = $1 where patient_id = $2"#, kept, absorbed)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(r#"update patient k set email = coalesce(k.email, a.email), date_of_birth = coalesce(k.date_of_birth, a.date_of_birth)
         from patient a where k.id = $1 and a.id = $2"#, kept, absorbed)
    .execute(&mut *tx)
    .await?;
    sqlx::query!(r#"update patient set merged_into = $1 where id = $2"#, kept, absorbed)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

redacted_debug!(Patient, PatientBooking);
