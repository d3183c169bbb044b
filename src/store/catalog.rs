//! Clinics, counselors and topics: what the public pages describe.

use crate::domain::{ClinicZone, Language};
use sqlx::{FromRow, PgConnection};

#[derive(Clone, Debug, FromRow)]
pub struct Clinic {
    pub id: i64,
    pub name: String,
    pub short_name: String,
    pub address: String,
    pub phone: String,
    #[sqlx(try_from = "String")]
    pub time_zone: ClinicZone,
    pub hours_en: String,
    pub hours_es: String,
    pub intake_hours_en: String,
    pub intake_hours_es: String,
}

#[derive(Clone, Debug, FromRow)]
pub struct Counselor {
    pub id: i64,
    pub name: String,
    pub credentials: String,
    pub bio_en: String,
    pub bio_es: String,
    pub languages: Vec<Language>,
    pub active: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct Topic {
    pub id: i64,
    pub name_en: String,
    pub name_es: String,
    pub description_en: String,
    pub description_es: String,
}

/// The columns of [`Clinic`], [`Counselor`] and [`Topic`], in one place each.
macro_rules! clinic_columns {
    () => {
        "select id, name, short_name, address, phone, time_zone, hours_en, hours_es, \
         intake_hours_en, intake_hours_es from clinic "
    };
}
macro_rules! counselor_columns {
    () => {
        "select c.id, c.name, c.credentials, c.bio_en, c.bio_es, c.languages, c.active from counselor c "
    };
}
macro_rules! topic_columns {
    () => {
        "select id, name_en, name_es, description_en, description_es from topic "
    };
}

pub async fn clinics(conn: &mut PgConnection) -> sqlx::Result<Vec<Clinic>> {
    sqlx::query_as(concat!(clinic_columns!(), "order by name")).fetch_all(conn).await
}

pub async fn clinic(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Clinic>> {
    sqlx::query_as(concat!(clinic_columns!(), "where id = $1")).bind(id).fetch_optional(conn).await
}

pub async fn topics(conn: &mut PgConnection) -> sqlx::Result<Vec<Topic>> {
    sqlx::query_as(concat!(topic_columns!(), "order by name_en")).fetch_all(conn).await
}

pub async fn topic(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Topic>> {
    sqlx::query_as(concat!(topic_columns!(), "where id = $1")).bind(id).fetch_optional(conn).await
}

pub async fn active_counselors(conn: &mut PgConnection) -> sqlx::Result<Vec<Counselor>> {
    sqlx::query_as(concat!(counselor_columns!(), "where c.active order by c.name")).fetch_all(conn).await
}

pub async fn counselor(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Counselor>> {
    sqlx::query_as(concat!(counselor_columns!(), "where c.id = $1 and c.active"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn counselors_of_session(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Vec<Counselor>> {
    sqlx::query_as(concat!(
        counselor_columns!(),
        "join session_counselor sc on sc.counselor_id = c.id where sc.session_id = $1 order by c.name"
    ))
    .bind(session_id)
    .fetch_all(conn)
    .await
}

/// A clinic as an administrator (or the demo data) enters it.
pub struct NewClinic<'a> {
    pub name: &'a str,
    pub short_name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub time_zone: ClinicZone,
    pub hours_en: &'a str,
    pub hours_es: &'a str,
    pub intake_hours_en: &'a str,
    pub intake_hours_es: &'a str,
}

pub async fn create_clinic(conn: &mut PgConnection, c: &NewClinic<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into clinic (name, short_name, address, phone, time_zone, hours_en, hours_es, \
         intake_hours_en, intake_hours_es) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    )
    .bind(c.name)
    .bind(c.short_name)
    .bind(c.address)
    .bind(c.phone)
    .bind(c.time_zone.name())
    .bind(c.hours_en)
    .bind(c.hours_es)
    .bind(c.intake_hours_en)
    .bind(c.intake_hours_es)
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
    sqlx::query_scalar(
        "insert into counselor (name, credentials, bio_en, bio_es, languages) \
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(c.name)
    .bind(c.credentials)
    .bind(c.bio_en)
    .bind(c.bio_es)
    .bind(c.languages)
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
    sqlx::query_scalar(
        "insert into topic (name_en, name_es, description_en, description_es) values ($1, $2, $3, $4) returning id",
    )
    .bind(t.name_en)
    .bind(t.name_es)
    .bind(t.description_en)
    .bind(t.description_es)
    .fetch_one(conn)
    .await
}

/// Every counselor, active or not, for administrators.
pub async fn all_counselors(conn: &mut PgConnection) -> sqlx::Result<Vec<Counselor>> {
    sqlx::query_as(concat!(counselor_columns!(), "order by c.active desc, c.name")).fetch_all(conn).await
}

/// Each `update_*` returns false when no row has the id.
pub async fn update_clinic(conn: &mut PgConnection, id: i64, c: &NewClinic<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update clinic set name = $2, short_name = $3, address = $4, phone = $5, time_zone = $6, hours_en = $7, \
         hours_es = $8, intake_hours_en = $9, intake_hours_es = $10 where id = $1",
    )
    .bind(id)
    .bind(c.name)
    .bind(c.short_name)
    .bind(c.address)
    .bind(c.phone)
    .bind(c.time_zone.name())
    .bind(c.hours_en)
    .bind(c.hours_es)
    .bind(c.intake_hours_en)
    .bind(c.intake_hours_es)
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
    let done = sqlx::query(
        "update counselor set name = $2, credentials = $3, bio_en = $4, bio_es = $5, languages = $6, active = $7 \
         where id = $1",
    )
    .bind(id)
    .bind(c.name)
    .bind(c.credentials)
    .bind(c.bio_en)
    .bind(c.bio_es)
    .bind(c.languages)
    .bind(active)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_topic(conn: &mut PgConnection, id: i64, t: &NewTopic<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update topic set name_en = $2, name_es = $3, description_en = $4, description_es = $5 where id = $1",
    )
    .bind(id)
    .bind(t.name_en)
    .bind(t.name_es)
    .bind(t.description_en)
    .bind(t.description_es)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the clinics for the rest of the transaction (one seeder at a time, even with several
/// instances starting together) and says whether there are none yet.
pub async fn lock_while_empty(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query("lock table clinic in exclusive mode").execute(&mut *conn).await?;
    sqlx::query_scalar("select not exists (select 1 from clinic)").fetch_one(conn).await
}
