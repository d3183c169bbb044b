//! Background work that must run on one app instance at a time takes its job's lock first.

use sqlx::PgConnection;

/// The app's background jobs, each with its own lock. The two-number form of PostgreSQL's
/// advisory locks is a key space apart from the one-number form the audit chain locks under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    ScheduleHorizon = 1,
}

/// Every job lock's first number: "the app's jobs".
const JOB_LOCKS: i32 = 0x6763_6a62; // "gcjb"

/// Takes `job`'s lock for the rest of the transaction `conn` is in, unless another instance
/// holds it: then false, and that instance is doing the work.
pub async fn try_lock(conn: &mut PgConnection, job: Job) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"select pg_try_advisory_xact_lock($1, $2) as "locked!""#, JOB_LOCKS, job as i32)
        .fetch_one(conn)
        .await
}
