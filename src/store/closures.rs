//! Days a clinic is closed. Entering one cancels every group of that clinic on that local date
//! (each by `session_admin::cancel_session`, so the people booked are told and the history
//! says why), and `schedule::generate_sessions` skips the date from then on.

use super::session_admin::cancel_session;
use crate::domain::booking::{Actor, GroupCancelKind};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

/// A closure as the administrators' page lists it.
#[derive(Clone, Debug)]
pub struct ClosureRow {
    pub clinic_name: String,
    pub on_date: NaiveDate,
    pub reason: String,
}

/// The closures from `from` on, soonest first.
pub async fn upcoming(conn: &mut PgConnection, from: NaiveDate) -> sqlx::Result<Vec<ClosureRow>> {
    sqlx::query_as!(
        ClosureRow,
        r#"select c.name as clinic_name, cc.on_date, cc.reason
           from clinic_closure cc join clinic c on c.id = cc.clinic_id
           where cc.on_date >= $1 order by cc.on_date, c.name"#,
        from
    )
    .fetch_all(conn)
    .await
}

/// The groups of `clinic_ids` on local date `on_date` (each clinic's own time zone) that are
/// still scheduled and have not begun at `now`, by id.
pub async fn groups_on(
    conn: &mut PgConnection,
    on_date: NaiveDate,
    clinic_ids: &[i64],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select s.id from session s join clinic c on c.id = s.clinic_id
           where s.clinic_id = any($2) and s.status = 'scheduled' and s.starts_at > $3
             and (s.starts_at at time zone c.time_zone)::date = $1
           order by s.id"#,
        on_date,
        clinic_ids,
        now
    )
    .fetch_all(conn)
    .await
}

/// Closes `clinic_ids` on `on_date`: records the closure (a clinic closed that day already is
/// left as it was) and cancels every group there that day. Returns the clinics newly closed
/// and the groups cancelled.
pub async fn close(
    conn: &mut PgConnection,
    on_date: NaiveDate,
    clinic_ids: &[i64],
    reason: &str,
    staff_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<(Vec<i64>, Vec<i64>)> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // The clinics' weekly series are held (the lock their generation takes): a week being
    // generated for that day is waited for and cancelled here, and a later one skips the day.
    sqlx::query_scalar!("select id from series where clinic_id = any($1) order by id for update", clinic_ids)
        .fetch_all(&mut *tx)
        .await?;
    // Then the clinics themselves: a series being created for one holds its row (key share)
    // until it commits, so its weeks are seen below; one created after waits for this closure
    // and skips the day. (Series first, as generation takes them, so neither waits on the other
    // in turn.)
    sqlx::query_scalar!("select id from clinic where id = any($1) order by id for update", clinic_ids)
        .fetch_all(&mut *tx)
        .await?;
    let closed = sqlx::query_scalar!(
        r#"insert into clinic_closure (clinic_id, on_date, reason, created_by, created_at)
           select unnest($1::bigint[]), $2, $3, $4, $5
           on conflict (clinic_id, on_date) do nothing
           returning clinic_id"#,
        clinic_ids,
        on_date,
        reason,
        staff_id,
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let groups = groups_on(&mut tx, on_date, clinic_ids, now).await?;
    for &group in &groups {
        cancel_session(&mut tx, group, Actor::Staff(staff_id), reason, GroupCancelKind::ClinicClosed, now)
            .await?;
    }
    tx.commit().await?;
    Ok((closed, groups))
}
