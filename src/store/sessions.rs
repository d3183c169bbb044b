//! Group sessions as the public sees them: when, where, who leads, and how many seats are left.

use crate::domain::Language;
use crate::domain::booking::seat_capacity;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::{FromRow, PgConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "session_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Scheduled,
    Cancelled,
}

/// One session with everything a listing shows, read in a single query.
#[derive(Clone, Debug, FromRow)]
pub struct SessionSummary {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub language: Language,
    pub status: SessionStatus,
    pub clinic_id: i64,
    pub clinic_name: String,
    pub time_zone: String,
    pub topic_id: i64,
    pub topic_name_en: String,
    pub topic_name_es: String,
    pub room_capacity: i32,
    pub seats_per_counselor: i32,
    /// Requested + confirmed (a repeat request of the same phone holds nothing).
    pub held: i64,
    pub waiting: i64,
    pub counselor_ids: Vec<i64>,
    pub counselor_names: Vec<String>,
}

impl SessionSummary {
    pub fn capacity(&self) -> i32 {
        seat_capacity(
            self.room_capacity,
            self.counselor_ids.len() as i32,
            self.seats_per_counselor,
        )
    }

    pub fn seats_left(&self) -> i64 {
        (i64::from(self.capacity()) - self.held).max(0)
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::America::Los_Angeles)
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == SessionStatus::Cancelled
    }
}

/// The select list and joins shared by every summary query; each query adds its own filter.
/// Counselors and seat counts come from lateral subqueries: one statement, however many rows.
macro_rules! summary_select {
    () => {
        "select s.id, s.starts_at, s.ends_at, s.language, s.status, \
                c.id as clinic_id, c.name as clinic_name, c.time_zone, \
                t.id as topic_id, t.name_en as topic_name_en, t.name_es as topic_name_es, \
                s.room_capacity, s.seats_per_counselor, \
                coalesce(b.held, 0) as held, coalesce(b.waiting, 0) as waiting, \
                lead.ids as counselor_ids, lead.names as counselor_names \
         from session s \
         join clinic c on c.id = s.clinic_id \
         join topic t on t.id = s.topic_id \
         cross join lateral ( \
             select coalesce(array_agg(x.id order by x.name), '{}') as ids, \
                    coalesce(array_agg(x.name order by x.name), '{}') as names \
             from session_counselor sc join counselor x on x.id = sc.counselor_id \
             where sc.session_id = s.id) lead \
         left join lateral ( \
             select count(*) filter (where bk.status in ('requested', 'confirmed')) as held, \
                    count(*) filter (where bk.status = 'waitlisted') as waiting \
             from booking bk where bk.session_id = s.id and bk.duplicate_of is null) b on true "
    };
}

/// What a visitor narrowed the listing to. Every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionFilter {
    pub clinic_id: Option<i64>,
    pub topic_id: Option<i64>,
    pub language: Option<Language>,
    /// A date in the clinic's own time zone.
    pub day: Option<NaiveDate>,
    pub counselor_id: Option<i64>,
}

/// Sessions starting in `from..until` that match `filter`, soonest first.
pub async fn upcoming(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    filter: &SessionFilter,
) -> sqlx::Result<Vec<SessionSummary>> {
    sqlx::query_as(concat!(
        summary_select!(),
        "where s.starts_at >= $1 and s.starts_at < $2 \
           and ($3::bigint is null or s.clinic_id = $3) \
           and ($4::bigint is null or s.topic_id = $4) \
           and ($5::group_language is null or s.language = $5) \
           and ($6::date is null or (s.starts_at at time zone c.time_zone)::date = $6) \
           and ($7::bigint is null or exists ( \
                select 1 from session_counselor f where f.session_id = s.id and f.counselor_id = $7)) \
         order by s.starts_at, c.name, s.id"
    ))
    .bind(from)
    .bind(until)
    .bind(filter.clinic_id)
    .bind(filter.topic_id)
    .bind(filter.language)
    .bind(filter.day)
    .bind(filter.counselor_id)
    .fetch_all(conn)
    .await
}

pub async fn summary(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SessionSummary>> {
    sqlx::query_as(concat!(summary_select!(), "where s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}
