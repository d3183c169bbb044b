//! Clinics, counselors and topics: what the public pages describe.

use crate::domain::{ClinicZone, Language};
use sqlx::PgConnection;

#[derive(Clone, Debug)]
pub struct Clinic {
    pub id: i64,
    pub name: String,
    pub short_name: String,
    /// What messages to patients call it: neutral ('' when not set).
    pub message_name: String,
    pub address: String,
    pub phone: String,
    pub time_zone: ClinicZone,
    pub hours_en: String,
    pub hours_es: String,
    pub intake_hours_en: String,
    pub intake_hours_es: String,
    /// The clinic's word on Medicare for the booking form ('' when none).
    pub medicare_note_en: String,
    pub medicare_note_es: String,
    /// False once retired: no new groups, not listed to the public.
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct Counselor {
    pub id: i64,
    pub name: String,
    pub credentials: String,
    pub bio_en: String,
    pub bio_es: String,
    pub languages: Vec<Language>,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct Topic {
    pub id: i64,
    pub name_en: String,
    pub name_es: String,
    pub description_en: String,
    pub description_es: String,
    /// False once retired: no new groups, not offered as a filter.
    pub active: bool,
}

// Each of Clinic, Counselor and Topic is read by one query, with optional filters: the
// compiler checks that query's columns against the struct.

async fn clinics_where(
    conn: &mut PgConnection,
    id: Option<i64>,
    active_only: bool,
) -> sqlx::Result<Vec<Clinic>> {
    sqlx::query_as!(
        Clinic,
        r#"select id, name, short_name, message_name, address, phone, time_zone as "time_zone: ClinicZone", hours_en, hours_es,
                  intake_hours_en, intake_hours_es, medicare_note_en, medicare_note_es, active
           from clinic where ($1::bigint is null or id = $1) and (not $2 or active) order by name"#,
        id,
        active_only
    )
    .fetch_all(conn)
    .await
}

/// Every clinic, retired ones too (for administrators, and for names of what exists).
pub async fn clinics(conn: &mut PgConnection) -> sqlx::Result<Vec<Clinic>> {
    clinics_where(conn, None, false).await
}

/// The clinics in service: listed to the public and offered for new groups.
pub async fn active_clinics(conn: &mut PgConnection) -> sqlx::Result<Vec<Clinic>> {
    clinics_where(conn, None, true).await
}

/// Clinic `id`, retired or not (its groups and bookings still name it).
pub async fn clinic(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Clinic>> {
    Ok(clinics_where(conn, Some(id), false).await?.pop())
}

async fn topics_where(
    conn: &mut PgConnection,
    id: Option<i64>,
    active_only: bool,
) -> sqlx::Result<Vec<Topic>> {
    sqlx::query_as!(
        Topic,
        "select id, name_en, name_es, description_en, description_es, active from topic
         where ($1::bigint is null or id = $1) and (not $2 or active) order by name_en",
        id,
        active_only
    )
    .fetch_all(conn)
    .await
}

/// Every topic, retired ones too.
pub async fn topics(conn: &mut PgConnection) -> sqlx::Result<Vec<Topic>> {
    topics_where(conn, None, false).await
}

/// The topics in service: offered as filters and for new groups.
pub async fn active_topics(conn: &mut PgConnection) -> sqlx::Result<Vec<Topic>> {
    topics_where(conn, None, true).await
}

pub async fn topic(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Topic>> {
    Ok(topics_where(conn, Some(id), false).await?.pop())
}

/// By name, active ones first; retired ones too unless `active_only`.
async fn counselors_where(conn: &mut PgConnection, active_only: bool) -> sqlx::Result<Vec<Counselor>> {
    sqlx::query_as!(
        Counselor,
        r#"select c.id, c.name, c.credentials, c.bio_en, c.bio_es, c.languages as "languages: Vec<Language>",
                  c.active
           from counselor c where not $1 or c.active
           order by not c.active, c.name"#,
        active_only
    )
    .fetch_all(conn)
    .await
}

pub async fn active_counselors(conn: &mut PgConnection) -> sqlx::Result<Vec<Counselor>> {
    counselors_where(conn, true).await
}

/// A clinic as an administrator (or the demo data) enters it.
pub struct NewClinic<'a> {
    pub name: &'a str,
    pub short_name: &'a str,
    pub message_name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub time_zone: ClinicZone,
    pub hours_en: &'a str,
    pub hours_es: &'a str,
    pub intake_hours_en: &'a str,
    pub intake_hours_es: &'a str,
    pub medicare_note_en: &'a str,
    pub medicare_note_es: &'a str,
}

pub async fn create_clinic(conn: &mut PgConnection, c: &NewClinic<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"insert into clinic (name, short_name, address, phone, time_zone, hours_en, hours_es,
         intake_hours_en, intake_hours_es, message_name, medicare_note_en, medicare_note_es)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id"#,
        c.name,
        c.short_name,
        c.address,
        c.phone,
        c.time_zone.name(),
        c.hours_en,
        c.hours_es,
        c.intake_hours_en,
        c.intake_hours_es,
        c.message_name,
        c.medicare_note_en,
        c.medicare_note_es
    )
    .fetch_one(conn)
    .await
}

pub struct NewCounselor<'a> {
    pub name: &'a str,
    pub credentials: &'a str,
    pub bio_en: &'a str,
    pub bio_es: &'a str,
    pub languages: &'a [Language],
}

pub async fn create_counselor(conn: &mut PgConnection, c: &NewCounselor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"insert into counselor (name, credentials, bio_en, bio_es, languages)
         values ($1, $2, $3, $4, $5) returning id"#,
        c.name,
        c.credentials,
        c.bio_en,
        c.bio_es,
        c.languages as &[Language]
    )
    .fetch_one(conn)
    .await
}

pub struct NewTopic<'a> {
    pub name_en: &'a str,
    pub name_es: &'a str,
    pub description_en: &'a str,
    pub description_es: &'a str,
}

pub async fn create_topic(conn: &mut PgConnection, t: &NewTopic<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"insert into topic (name_en, name_es, description_en, description_es) values ($1, $2, $3, $4) returning id"#, t.name_en, t.name_es, t.description_en, t.description_es)
    .fetch_one(conn)
    .await
}

/// Every counselor, active ones first (for administrators, and a group's page still names one
/// who has left).
pub async fn all_counselors(conn: &mut PgConnection) -> sqlx::Result<Vec<Counselor>> {
    counselors_where(conn, false).await
}

/// Each `update_*` returns false when no row has the id.
pub async fn update_clinic(
    conn: &mut PgConnection,
    id: i64,
    c: &NewClinic<'_>,
    active: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"update clinic set name = $2, short_name = $3, address = $4, phone = $5, time_zone = $6, hours_en = $7,
                             hours_es = $8, intake_hours_en = $9, intake_hours_es = $10, message_name = $11,
                             medicare_note_en = $12, medicare_note_es = $13, active = $14
           where id = $1"#,
        id,
        c.name,
        c.short_name,
        c.address,
        c.phone,
        c.time_zone.name(),
        c.hours_en,
        c.hours_es,
        c.intake_hours_en,
        c.intake_hours_es,
        c.message_name,
        c.medicare_note_en,
        c.medicare_note_es,
        active
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_counselor(
    conn: &mut PgConnection,
    id: i64,
    c: &NewCounselor<'_>,
    active: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(r#"update counselor set name = $2, credentials = $3, bio_en = $4, bio_es = $5, languages = $6, active = $7
         where id = $1"#, id, c.name, c.credentials, c.bio_en, c.bio_es, c.languages as &[Language], active)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_topic(
    conn: &mut PgConnection,
    id: i64,
    t: &NewTopic<'_>,
    active: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"update topic set name_en = $2, name_es = $3, description_en = $4, description_es = $5, active = $6
           where id = $1"#,
        id,
        t.name_en,
        t.name_es,
        t.description_en,
        t.description_es,
        active
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the clinics for the rest of the transaction (one seeder at a time, even with several
/// instances starting together) and says whether there are none yet.
pub async fn lock_while_empty(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query!(r#"lock table clinic in exclusive mode"#).execute(&mut *conn).await?;
    sqlx::query_scalar!(r#"select not exists (select 1 from clinic) as "empty!""#).fetch_one(conn).await
}
