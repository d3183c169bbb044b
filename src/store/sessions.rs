//! Group sessions as the public sees them: when, where, who leads, and how many seats are left.

use crate::domain::booking::seat_capacity;
use crate::domain::{ClinicZone, Language};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "session_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Scheduled,
    Cancelled,
}

/// Who leads a session, as a listing names them.
#[derive(Clone, Debug, Default)]
pub struct Lead {
    pub id: i64,
    pub name: String,
}

/// One session with everything a listing shows.
#[derive(Clone, Debug)]
pub struct SessionSummary {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub language: Language,
    pub status: SessionStatus,
    pub clinic_id: i64,
    pub clinic_name: String,
    pub time_zone: ClinicZone,
    pub topic_id: i64,
    pub topic_name_en: String,
    pub topic_name_es: String,
    pub room_capacity: i32,
    pub seats_per_counselor: i32,
    /// Requested + confirmed (a repeat request of the same phone holds nothing).
    pub held: i64,
    pub waiting: i64,
    /// Filled by a second query (see [`attach_leads`]), ordered by name.
    pub counselors: Vec<Lead>,
    /// An occurrence of a weekly series still in service (clinic and topic active): it can be
    /// joined for every week.
    pub weekly: bool,
}

impl SessionSummary {
    pub fn capacity(&self) -> i32 {
        seat_capacity(self.room_capacity, self.counselors.len() as i32, self.seats_per_counselor)
    }

    pub fn seats_left(&self) -> i64 {
        (i64::from(self.capacity()) - self.held).max(0)
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone.0
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == SessionStatus::Cancelled
    }
}

/// A summary from a row of the listing's columns, its counselors still to come: one mapping
/// for both queries that read them. (Counselors come from one more query for all listed
/// sessions at once; aggregating them per row costs four times as much.)
macro_rules! summary_of {
    ($row:ident) => {
        SessionSummary {
            id: $row.id,
            starts_at: $row.starts_at,
            ends_at: $row.ends_at,
            language: $row.language,
            status: $row.status,
            clinic_id: $row.clinic_id,
            clinic_name: $row.clinic_name,
            time_zone: $row.time_zone,
            topic_id: $row.topic_id,
            topic_name_en: $row.topic_name_en,
            topic_name_es: $row.topic_name_es,
            room_capacity: $row.room_capacity,
            seats_per_counselor: $row.seats_per_counselor,
            held: $row.held.into(),
            waiting: $row.waiting.into(),
            counselors: Vec::new(),
            weekly: $row.weekly,
        }
    };
}

/// What a visitor narrowed the listing to. Every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SessionFilter {
    pub clinic_id: Option<i64>,
    pub topic_id: Option<i64>,
    pub language: Option<Language>,
    /// A date in the clinic's own time zone.
    pub day: Option<NaiveDate>,
    pub counselor_id: Option<i64>,
}

/// Reads the counselors of all `sessions` in one query and hands each session its own.
async fn attach_leads(conn: &mut PgConnection, sessions: &mut [SessionSummary]) -> sqlx::Result<()> {
    let ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    let leads: Vec<(i64, i64, String)> = sqlx::query!(
        r#"select sc.session_id, x.id, x.name from session_counselor sc
         join counselor x on x.id = sc.counselor_id
         where sc.session_id = any($1) order by sc.session_id, x.name"#,
        &ids
    )
    .map(|r| (r.session_id, r.id, r.name))
    .fetch_all(conn)
    .await?;
    let mut by_session: HashMap<i64, Vec<Lead>> = HashMap::with_capacity(sessions.len());
    for (session_id, id, name) in leads {
        by_session.entry(session_id).or_default().push(Lead { id, name });
    }
    for s in sessions {
        s.counselors = by_session.remove(&s.id).unwrap_or_default();
    }
    Ok(())
}

/// Sessions starting in `from..until` that match `filter`, soonest first: two queries,
/// however many sessions.
pub async fn upcoming(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    filter: &SessionFilter,
) -> sqlx::Result<Vec<SessionSummary>> {
    let mut found = sqlx::query!(
        r#"select s.id, s.starts_at, s.ends_at, s.language as "language: Language", s.status as "status: SessionStatus",
                  c.id as clinic_id, c.name as clinic_name, c.time_zone as "time_zone: ClinicZone",
                  t.id as topic_id, t.name_en as topic_name_en, t.name_es as topic_name_es,
                  s.room_capacity, s.seats_per_counselor, (s.series_id is not null and c.active and t.active) as "weekly!",
                  s.seats_held as held, s.places_waiting as waiting
           from session s
           join clinic c on c.id = s.clinic_id
           join topic t on t.id = s.topic_id
           where s.starts_at >= $1 and s.starts_at < $2
             and ($3::bigint is null or s.clinic_id = $3)
             and ($4::bigint is null or s.topic_id = $4)
             and ($5::group_language is null or s.language = $5)
             and ($6::date is null or (s.starts_at at time zone c.time_zone)::date = $6)
             and ($7::bigint is null or exists (
                  select 1 from session_counselor f where f.session_id = s.id and f.counselor_id = $7))
           order by s.starts_at, c.name, s.id"#,
        from,
        until,
        filter.clinic_id,
        filter.topic_id,
        filter.language as Option<Language>,
        filter.day,
        filter.counselor_id
    )
    .map(|row| summary_of!(row))
    .fetch_all(&mut *conn)
    .await?;
    attach_leads(conn, &mut found).await?;
    Ok(found)
}

pub async fn summary(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SessionSummary>> {
    // The listing's columns again, checked against SessionSummary like the listing's: a
    // lookup by id of its own keeps its plan an index lookup.
    let found = sqlx::query!(
        r#"select s.id, s.starts_at, s.ends_at, s.language as "language: Language", s.status as "status: SessionStatus",
                  c.id as clinic_id, c.name as clinic_name, c.time_zone as "time_zone: ClinicZone",
                  t.id as topic_id, t.name_en as topic_name_en, t.name_es as topic_name_es,
                  s.room_capacity, s.seats_per_counselor, (s.series_id is not null and c.active and t.active) as "weekly!",
                  s.seats_held as held, s.places_waiting as waiting
           from session s
           join clinic c on c.id = s.clinic_id
           join topic t on t.id = s.topic_id
           where s.id = $1"#,
        id
    )
    .map(|row| summary_of!(row))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else { return Ok(None) };
    let mut one = [found];
    attach_leads(conn, &mut one).await?;
    let [found] = one;
    Ok(Some(found))
}

/// The first session `counselor_id` leads that starts after `after`, if any.
pub async fn next_led_by(
    conn: &mut PgConnection,
    counselor_id: i64,
    after: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"select s.id from session s join session_counselor sc on sc.session_id = s.id
         where sc.counselor_id = $1 and s.starts_at > $2 order by s.starts_at limit 1"#,
        counselor_id,
        after
    )
    .fetch_optional(conn)
    .await
}
