//! Weekly series and the sessions they generate.

use super::outbox;
use crate::domain::booking::Actor;
use crate::domain::messages::MessageKind;
use crate::domain::schedule::{Horizon, WeeklySeries, local_to_utc};
use crate::domain::{ClinicZone, Language};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
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
    let id: i64 = sqlx::query_scalar!(
        r#"insert into series (clinic_id, topic_id, language, weekday, local_start, duration_minutes,
         room_capacity, seats_per_counselor, first_date, last_date)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id"#,
        s.clinic_id,
        s.topic_id,
        s.language as Language,
        s.schedule.weekday.num_days_from_monday() as i16,
        s.schedule.local_start,
        s.schedule.duration.num_minutes() as i32,
        s.room_capacity,
        s.seats_per_counselor,
        s.schedule.first_date,
        s.schedule.last_date
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into series_counselor (series_id, counselor_id) select $1, unnest($2::bigint[])"#,
        id,
        s.counselor_ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Creates the series' sessions on dates in `from..=to` that do not exist yet (none on a day
/// its clinic is closed, none while its clinic or topic is retired), each led by the series'
/// counselors, and takes each for the series' open memberships. The caller holds
/// the series' lock. Returns how many were created.
pub async fn generate_sessions(
    conn: &mut PgConnection,
    series_id: i64,
    s: &NewSeries<'_>,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let occurrences = s.schedule.occurrences(from, to);
    let starts: Vec<_> = occurrences.iter().map(|o| o.starts_at).collect();
    let ends: Vec<_> = occurrences.iter().map(|o| o.ends_at).collect();
    let created: Vec<i64> = sqlx::query_scalar!(
        r#"with created as (
           insert into session (series_id, clinic_id, topic_id, language, starts_at, ends_at,
                                room_capacity, seats_per_counselor)
           select $1, $2, $3, $4, o.starts_at, o.ends_at, $5, $6
           from unnest($7::timestamptz[], $8::timestamptz[]) as o (starts_at, ends_at)
           join clinic c on c.id = $2 and c.active
           join topic t on t.id = $3 and t.active
           where not exists (select 1 from clinic_closure cc
                             where cc.clinic_id = c.id and cc.on_date = (o.starts_at at time zone c.time_zone)::date)
           on conflict (series_id, starts_at) do nothing
           returning id),
         led as (
           insert into session_counselor (session_id, counselor_id)
           select created.id, sc.counselor_id from created
           join series_counselor sc on sc.series_id = $1)
         select id as "id!" from created"#,
        series_id,
        s.clinic_id,
        s.topic_id,
        s.language as Language,
        s.room_capacity,
        s.seats_per_counselor,
        &starts,
        &ends
    )
    .fetch_all(&mut *conn)
    .await?;
    super::memberships::fill_new_weeks(conn, series_id, &created, now).await?;
    Ok(created.len() as u64)
}

/// Creates the series' missing sessions within the `horizon` from `now`. Returns how many.
pub async fn generate_ahead(
    conn: &mut PgConnection,
    series_id: i64,
    s: &NewSeries<'_>,
    now: DateTime<Utc>,
    horizon: Horizon,
) -> sqlx::Result<u64> {
    let (from, to) = horizon.dates(now, s.schedule.time_zone);
    generate_sessions(conn, series_id, s, from, to, now).await
}

/// Keeps every series that has dates left generated through the `horizon` (sessions that
/// exist are left as they are). Returns how many sessions were created.
pub async fn generate_all_ahead(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    horizon: Horizon,
) -> sqlx::Result<u64> {
    // Every series locked first (the lock a change takes, see `lock_series`), then read: a
    // change being saved is waited for, and is the one generated from. The locks hold to the
    // end of this transaction (a savepoint when the caller has one open).
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query_scalar!("select id from series order by id for update").fetch_all(&mut *tx).await?;
    let mut created = 0;
    for row in list_series(&mut tx).await? {
        if row.last_date >= now.with_timezone(&row.time_zone.0).date_naive() {
            created += generate_ahead(&mut tx, row.id, &row.as_new(), now, horizon).await?;
        }
    }
    tx.commit().await?;
    Ok(created)
}

/// Locks series `id` for the rest of the transaction and reads it: the one lock for a series,
/// so its change and the generation of its sessions happen one after the other.
async fn lock_series(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SeriesRow>> {
    let locked: Option<i64> = sqlx::query_scalar!("select id from series where id = $1 for update", id)
        .fetch_optional(&mut *conn)
        .await?;
    match locked {
        Some(_) => series(conn, id).await,
        None => Ok(None),
    }
}

/// A weekly series as administrators see and edit it.
#[derive(Clone, Debug)]
pub struct SeriesRow {
    pub id: i64,
    pub clinic_id: i64,
    pub clinic_name: String,
    pub time_zone: ClinicZone,
    pub topic_id: i64,
    pub topic_name_en: String,
    pub language: Language,
    /// 0 = Monday.
    pub weekday: i16,
    pub local_start: NaiveTime,
    pub duration_minutes: i32,
    pub room_capacity: i32,
    pub seats_per_counselor: i32,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub counselor_ids: Vec<i64>,
    /// The start of its last scheduled session, if any.
    pub scheduled_through: Option<DateTime<Utc>>,
}

impl SeriesRow {
    pub fn schedule(&self) -> WeeklySeries {
        WeeklySeries {
            weekday: Weekday::try_from(self.weekday as u8).expect("the schema keeps weekday within 0..=6"),
            local_start: self.local_start,
            duration: Duration::minutes(i64::from(self.duration_minutes)),
            first_date: self.first_date,
            last_date: self.last_date,
            time_zone: self.time_zone.0,
        }
    }

    pub fn as_new(&self) -> NewSeries<'_> {
        NewSeries {
            clinic_id: self.clinic_id,
            topic_id: self.topic_id,
            language: self.language,
            schedule: self.schedule(),
            room_capacity: self.room_capacity,
            seats_per_counselor: self.seats_per_counselor,
            counselor_ids: &self.counselor_ids,
        }
    }
}

/// Every series, or the one with `id`.
async fn series_where(conn: &mut PgConnection, id: Option<i64>) -> sqlx::Result<Vec<SeriesRow>> {
    sqlx::query_as!(
        SeriesRow,
        r#"select r.id, r.clinic_id, c.name as clinic_name, c.time_zone as "time_zone: ClinicZone", r.topic_id,
                  t.name_en as topic_name_en, r.language as "language: Language", r.weekday, r.local_start,
                  r.duration_minutes, r.room_capacity, r.seats_per_counselor, r.first_date, r.last_date,
                  coalesce((select array_agg(sc.counselor_id order by sc.counselor_id) from series_counselor sc
                            where sc.series_id = r.id), '{}') as "counselor_ids!",
                  (select max(s.starts_at) from session s where s.series_id = r.id and s.status = 'scheduled')
                    as scheduled_through
           from series r join clinic c on c.id = r.clinic_id join topic t on t.id = r.topic_id
           where ($1::bigint is null or r.id = $1)
           order by c.name, r.weekday, r.local_start"#,
        id
    )
    .fetch_all(conn)
    .await
}

pub async fn list_series(conn: &mut PgConnection) -> sqlx::Result<Vec<SeriesRow>> {
    series_where(conn, None).await
}

pub async fn series(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SeriesRow>> {
    Ok(series_where(conn, Some(id)).await?.pop())
}

/// What an administrator may change in a series. The weekday stays: a group that moves to
/// another day is a new series.
#[derive(Clone, Debug)]
pub struct SeriesChange {
    pub local_start: NaiveTime,
    pub duration: Duration,
    pub room_capacity: i32,
    pub seats_per_counselor: i32,
    pub last_date: NaiveDate,
    pub counselor_ids: Vec<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeRefused {
    NoCounselor,
    LastBeforeFirst,
    /// A future session would hold more people than its new ceiling.
    WouldStrand {
        session_id: i64,
        held: i64,
        seats: i32,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeOutcome {
    pub updated: u64,
    pub cancelled: u64,
    pub created: u64,
}

/// Applies `change` to the series and its future sessions only: those that already started
/// keep their time, size and counselors. Future sessions move to the new local time on their
/// own date, take the new size and counselors (refused if a held seat would be stranded),
/// those after a new last date are cancelled with their bookings, and missing ones up to
/// the `horizon` are created.
pub async fn change_series(
    conn: &mut PgConnection,
    id: i64,
    change: &SeriesChange,
    actor: Actor,
    now: DateTime<Utc>,
    horizon: Horizon,
) -> sqlx::Result<Option<Result<ChangeOutcome, ChangeRefused>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let Some(mut row) = lock_series(&mut tx, id).await? else {
        return Ok(None);
    };
    if change.counselor_ids.is_empty() {
        return Ok(Some(Err(ChangeRefused::NoCounselor)));
    }
    if change.last_date < row.first_date {
        return Ok(Some(Err(ChangeRefused::LastBeforeFirst)));
    }
    let tz = row.schedule().time_zone;
    // The future sessions, locked (their rows are the locks for their seats).
    let future: Vec<(i64, DateTime<Utc>, i64)> = sqlx::query!(
        r#"select s.id, s.starts_at, s.seats_held as held
           from session s where s.series_id = $1 and s.starts_at > $2 and s.status = 'scheduled'
           order by s.starts_at for update of s"#,
        id,
        now
    )
    .map(|r| (r.id, r.starts_at, i64::from(r.held)))
    .fetch_all(&mut *tx)
    .await?;
    let seats = crate::domain::booking::seat_capacity(
        change.room_capacity,
        change.counselor_ids.len() as i32,
        change.seats_per_counselor,
    );
    let (kept, dropped): (Vec<_>, Vec<_>) =
        future.iter().partition(|(_, starts, _)| starts.with_timezone(&tz).date_naive() <= change.last_date);
    if let Some((session_id, _, held)) = kept.iter().find(|(_, _, held)| *held > i64::from(seats)) {
        return Ok(Some(Err(ChangeRefused::WouldStrand { session_id: *session_id, held: *held, seats })));
    }

    sqlx::query!(r#"update series set local_start = $2, duration_minutes = $3, room_capacity = $4, seats_per_counselor = $5,
                           last_date = $6 where id = $1"#, id, change.local_start, change.duration.num_minutes() as i32, change.room_capacity, change.seats_per_counselor, change.last_date)
    .execute(&mut *tx)
    .await?;
    sqlx::query!(r#"delete from series_counselor where series_id = $1"#, id).execute(&mut *tx).await?;
    sqlx::query!(
        r#"insert into series_counselor (series_id, counselor_id) select $1, unnest($2::bigint[])"#,
        id,
        &change.counselor_ids
    )
    .execute(&mut *tx)
    .await?;

    let mut outcome = ChangeOutcome::default();
    for (session_id, starts, _) in &kept {
        let starts_at = local_to_utc(tz, starts.with_timezone(&tz).date_naive(), change.local_start);
        if starts_at != *starts {
            // Those coming are told the group's new time.
            let coming: Vec<i64> = sqlx::query_scalar!(
                "select id from booking where session_id = $1 and booking_is_active(status)",
                session_id
            )
            .fetch_all(&mut *tx)
            .await?;
            outbox::notify(&mut tx, &coming, MessageKind::GroupTimeChanged, now).await?;
        }
        sqlx::query!(
            r#"update session set starts_at = $2, ends_at = $3, room_capacity = $4, seats_per_counselor = $5
             where id = $1"#,
            session_id,
            starts_at,
            starts_at + change.duration,
            change.room_capacity,
            change.seats_per_counselor
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(r#"delete from session_counselor where session_id = $1"#, session_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            r#"insert into session_counselor (session_id, counselor_id) select $1, unnest($2::bigint[])"#,
            session_id,
            &change.counselor_ids
        )
        .execute(&mut *tx)
        .await?;
        // A larger group: those waiting move up.
        let session =
            super::bookings::lock_session(&mut tx, *session_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        super::bookings::promote_waitlist(&mut tx, &session, now).await?;
        outcome.updated += 1;
    }
    for (session_id, _, _) in &dropped {
        sqlx::query!(
            r#"update session set status = 'cancelled', cancel_kind = 'schedule_changed' where id = $1"#,
            session_id
        )
        .execute(&mut *tx)
        .await?;
        let cancelled: Vec<i64> = sqlx::query_scalar!(
            r#"with cancelled as (
               update booking b set status = 'cancelled' from (select id, status from booking
                 where session_id = $1 and booking_is_active(status)) old
               where b.id = old.id returning b.id, old.status as was)
             insert into booking_event (booking_id, from_status, to_status, actor, at, reason)
             select id, was, 'cancelled', $2, $3, 'the series ends earlier' from cancelled returning booking_id"#,
            session_id,
            actor.code(),
            now
        )
        .fetch_all(&mut *tx)
        .await?;
        outbox::notify(&mut tx, &cancelled, MessageKind::GroupCancelled, now).await?;
        outcome.cancelled += 1;
    }

    row.local_start = change.local_start;
    row.duration_minutes = change.duration.num_minutes() as i32;
    row.room_capacity = change.room_capacity;
    row.seats_per_counselor = change.seats_per_counselor;
    row.last_date = change.last_date;
    row.counselor_ids = change.counselor_ids.clone();
    outcome.created = generate_ahead(&mut tx, id, &row.as_new(), now, horizon).await?;
    tx.commit().await?;
    Ok(Some(Ok(outcome)))
}
