//! Staff accounts and their sessions.

use crate::domain::staff::StaffRole;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

/// A staff account as login needs it.
#[derive(Clone, FromRow)]
pub struct StaffAccount {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: StaffRole,
    pub active: bool,
}

pub struct NewStaff<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: StaffRole,
    pub counselor_id: Option<i64>,
    pub clinic_ids: &'a [i64],
}

/// Why an account could not be created.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateStaffError {
    EmailTaken,
    /// A counselor account names no counselor, or another role names one.
    CounselorLink,
    UnknownCounselorOrClinic,
}

pub async fn create_staff(
    conn: &mut PgConnection,
    s: &NewStaff<'_>,
) -> sqlx::Result<Result<i64, CreateStaffError>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let created = sqlx::query_scalar(
        "insert into staff (email, password_hash, role, counselor_id) values ($1, $2, $3, $4) returning id",
    )
    .bind(s.email)
    .bind(s.password_hash)
    .bind(s.role)
    .bind(s.counselor_id)
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match created {
        Ok(id) => id,
        Err(e) => return refusal(e),
    };
    let linked =
        sqlx::query("insert into staff_clinic (staff_id, clinic_id) select $1, unnest($2::bigint[])")
            .bind(id)
            .bind(s.clinic_ids)
            .execute(&mut *tx)
            .await;
    if let Err(e) = linked {
        return refusal(e);
    }
    tx.commit().await?;
    Ok(Ok(id))
}

/// Turns the constraint a new account broke into the reason, or passes the error on.
fn refusal(e: sqlx::Error) -> sqlx::Result<Result<i64, CreateStaffError>> {
    let constraint = e
        .as_database_error()
        .and_then(|d| d.constraint())
        .map(str::to_owned);
    match constraint.as_deref() {
        Some("staff_email_unique") => Ok(Err(CreateStaffError::EmailTaken)),
        Some("staff_check") => Ok(Err(CreateStaffError::CounselorLink)),
        Some("staff_counselor_id_fkey" | "staff_clinic_clinic_id_fkey") => {
            Ok(Err(CreateStaffError::UnknownCounselorOrClinic))
        }
        _ => Err(e),
    }
}

pub async fn account_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<StaffAccount>> {
    sqlx::query_as("select id, email, password_hash, role, active from staff where lower(email) = lower($1)")
        .bind(email.trim())
        .fetch_optional(conn)
        .await
}

/// The signed-in staff member behind a session cookie.
#[derive(Clone, Debug, FromRow)]
pub struct SignedIn {
    pub staff_id: i64,
    pub email: String,
    pub role: StaffRole,
    pub counselor_id: Option<i64>,
    pub clinic_ids: Vec<i64>,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn create_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    staff_id: i64,
    csrf_token: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into staff_session (token_hash, staff_id, csrf_token, created_at, last_seen_at) \
         values ($1, $2, $3, $4, $4)",
    )
    .bind(token_hash)
    .bind(staff_id)
    .bind(csrf_token)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session behind `token_hash`, if its account is still active. The caller checks the
/// timeouts; see [`touch_session`].
pub async fn session(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<Option<SignedIn>> {
    sqlx::query_as(
        "select s.id as staff_id, s.email, s.role, s.counselor_id, \
                coalesce((select array_agg(c.clinic_id order by c.clinic_id) from staff_clinic c \
                          where c.staff_id = s.id), '{}') as clinic_ids, \
                ss.csrf_token, ss.created_at, ss.last_seen_at \
         from staff_session ss join staff s on s.id = ss.staff_id \
         where ss.token_hash = $1 and s.active",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

pub async fn touch_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("update staff_session set last_seen_at = $2 where token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn end_session(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("delete from staff_session where token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}
