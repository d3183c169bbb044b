//! Weekly series and the sessions they generate.

use crate::domain::Language;
use crate::domain::schedule::WeeklySeries;
use chrono::NaiveDate;
use sqlx::PgConnection;

pub struct NewSeries<'a> {
    pub clinic_id: i64,
    pub topic_id: i64,
    pub language: Language,
    pub schedule: WeeklySeries,
    pub room_capacity: i32,
    pub seats_per_counselor: i32,
    pub counselor_ids: &'a [i64],
}

pub async fn create_series(conn: &mut PgConnection, s: &NewSeries<'_>) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "insert into series (clinic_id, topic_id, language, weekday, local_start, duration_minutes, \
         room_capacity, seats_per_counselor, first_date, last_date) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
    )
    .bind(s.clinic_id)
    .bind(s.topic_id)
    .bind(s.language)
    .bind(s.schedule.weekday.num_days_from_monday() as i16)
    .bind(s.schedule.local_start)
    .bind(s.schedule.duration.num_minutes() as i32)
    .bind(s.room_capacity)
    .bind(s.seats_per_counselor)
    .bind(s.schedule.first_date)
    .bind(s.schedule.last_date)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("insert into series_counselor (series_id, counselor_id) select $1, unnest($2::bigint[])")
        .bind(id)
        .bind(s.counselor_ids)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Creates the series' sessions on dates in `from..=to` that do not exist yet, each led by
/// the series' counselors. Returns how many were created.
pub async fn generate_sessions(
    conn: &mut PgConnection,
    series_id: i64,
    s: &NewSeries<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<u64> {
    let occurrences = s.schedule.occurrences(from, to);
    let starts: Vec<_> = occurrences.iter().map(|o| o.starts_at).collect();
    let ends: Vec<_> = occurrences.iter().map(|o| o.ends_at).collect();
    let result = sqlx::query(
        "with created as ( \
           insert into session (series_id, clinic_id, topic_id, language, starts_at, ends_at, \
                                room_capacity, seats_per_counselor) \
           select $1, $2, $3, $4, o.starts_at, o.ends_at, $5, $6 \
           from unnest($7::timestamptz[], $8::timestamptz[]) as o (starts_at, ends_at) \
           on conflict (series_id, starts_at) do nothing \
           returning id) \
         insert into session_counselor (session_id, counselor_id) \
         select created.id, sc.counselor_id from created \
         join series_counselor sc on sc.series_id = $1",
    )
    .bind(series_id)
    .bind(s.clinic_id)
    .bind(s.topic_id)
    .bind(s.language)
    .bind(s.room_capacity)
    .bind(s.seats_per_counselor)
    .bind(&starts)
    .bind(&ends)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() / s.counselor_ids.len().max(1) as u64)
}
