//! Staff accounts and their sessions.

use crate::domain::staff::StaffRole;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A staff account as login needs it.
#[derive(Clone)]
pub struct StaffAccount {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: StaffRole,
    pub active: bool,
    /// Set once a second factor is enrolled: sealed (see `secrets::totp_context`).
    pub totp_secret: Option<Vec<u8>>,
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
    let created = sqlx::query_scalar!(
        r#"insert into staff (email, password_hash, role, counselor_id) values ($1, $2, $3, $4) returning id"#,
        s.email,
        s.password_hash,
        s.role as StaffRole,
        s.counselor_id
    )
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match created {
        Ok(id) => id,
        Err(e) => return refusal(e),
    };
    let linked = sqlx::query!(
        r#"insert into staff_clinic (staff_id, clinic_id) select $1, unnest($2::bigint[])"#,
        id,
        s.clinic_ids
    )
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
    let constraint = e.as_database_error().and_then(|d| d.constraint()).map(str::to_owned);
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
    sqlx::query_as!(
        StaffAccount,
        r#"select id, email, password_hash, role as "role: StaffRole", active, totp_secret
           from staff where lower(email) = lower($1)
           order by active desc, id desc limit 1"#,
        email.trim()
    )
    .fetch_optional(conn)
    .await
}

/// The signed-in staff member behind a session cookie.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub staff_id: i64,
    pub email: String,
    pub role: StaffRole,
    pub counselor_id: Option<i64>,
    pub clinic_ids: Vec<i64>,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// A second factor is required and this account has none yet: enrolment comes first.
    pub must_enroll: bool,
    pub enrolled: bool,
}

pub async fn create_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    staff_id: i64,
    csrf_token: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into staff_session (token_hash, staff_id, csrf_token, created_at, last_seen_at)
         values ($1, $2, $3, $4, $4)"#,
        token_hash,
        staff_id,
        csrf_token,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The session behind `token_hash`, if its account is still active. The caller checks the
/// timeouts; see [`touch_session`].
pub async fn session(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<Option<SignedIn>> {
    sqlx::query_as!(
        SignedIn,
        r#"select s.id as staff_id, s.email, s.role as "role: StaffRole", s.counselor_id,
                coalesce((select array_agg(c.clinic_id order by c.clinic_id) from staff_clinic c
                          where c.staff_id = s.id), '{}') as "clinic_ids!",
                ss.csrf_token, ss.created_at, ss.last_seen_at,
                s.totp_secret is null and coalesce((select a.value = 'true' from app_setting a
                                                   where a.name = 'require_second_factor'), true)
                  as "must_enroll!",
                s.totp_secret is not null as "enrolled!"
         from staff_session ss join staff s on s.id = ss.staff_id
         where ss.token_hash = $1 and s.active"#,
        token_hash
    )
    .fetch_optional(conn)
    .await
}

pub async fn touch_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(r#"update staff_session set last_seen_at = $2 where token_hash = $1"#, token_hash, now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn end_session(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(r#"delete from staff_session where token_hash = $1"#, token_hash).execute(conn).await?;
    Ok(())
}

/// Marks the 30-second `step` as used by this account. False when that step (or a later
/// one) was used already: a code is accepted once.
pub async fn use_totp_step(conn: &mut PgConnection, staff_id: i64, step: i64) -> sqlx::Result<bool> {
    let used: Option<i64> = sqlx::query_scalar!(
        r#"update staff set totp_last_step = $2
         where id = $1 and (totp_last_step is null or totp_last_step < $2) returning id"#,
        staff_id,
        step
    )
    .fetch_optional(conn)
    .await?;
    Ok(used.is_some())
}

/// Spends one of the account's unused recovery codes (given hashed). False when none matches.
pub async fn use_recovery_code(
    conn: &mut PgConnection,
    staff_id: i64,
    code_hash: &[u8],
) -> sqlx::Result<bool> {
    let used: Option<i64> = sqlx::query_scalar!(
        r#"update staff_recovery_code set used_at = now()
         where staff_id = $1 and code_hash = $2 and used_at is null returning staff_id"#,
        staff_id,
        code_hash
    )
    .fetch_optional(conn)
    .await?;
    Ok(used.is_some())
}

/// The secret being enrolled, made (and kept) on first ask so a reload shows the same QR code.
/// The caller passes it sealed and gets it back sealed.
pub async fn pending_totp_secret(
    conn: &mut PgConnection,
    staff_id: i64,
    fresh: &[u8],
) -> sqlx::Result<Vec<u8>> {
    sqlx::query_scalar!(
        r#"update staff set totp_pending_secret = coalesce(totp_pending_secret, $2) where id = $1
         returning totp_pending_secret as "secret!""#,
        staff_id,
        fresh
    )
    .fetch_one(conn)
    .await
}

/// Makes the pending secret the account's second factor, with `step` used and new recovery
/// codes (given hashed) replacing any old ones. False when nothing was pending.
pub async fn confirm_totp(
    conn: &mut PgConnection,
    staff_id: i64,
    step: i64,
    recovery_hashes: &[Vec<u8>],
) -> sqlx::Result<bool> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let confirmed: Option<i64> = sqlx::query_scalar!(
        r#"update staff set totp_secret = totp_pending_secret, totp_pending_secret = null, totp_last_step = $2
         where id = $1 and totp_pending_secret is not null returning id"#,
        staff_id,
        step
    )
    .fetch_optional(&mut *tx)
    .await?;
    if confirmed.is_none() {
        return Ok(false);
    }
    sqlx::query!(r#"delete from staff_recovery_code where staff_id = $1"#, staff_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        r#"insert into staff_recovery_code (staff_id, code_hash) select $1, unnest($2::bytea[])"#,
        staff_id,
        recovery_hashes
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// An account as the administrators' list shows it.
#[derive(Clone, Debug)]
pub struct StaffListing {
    pub id: i64,
    pub email: String,
    pub role: StaffRole,
    pub active: bool,
    pub enrolled: bool,
    pub counselor_id: Option<i64>,
    pub counselor_name: Option<String>,
    pub clinic_ids: Vec<i64>,
    pub clinic_names: Vec<String>,
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<StaffListing>> {
    sqlx::query_as!(StaffListing, r#"select s.id, s.email, s.role as "role: StaffRole", s.active, s.totp_secret is not null as "enrolled!",
                s.counselor_id, c.name as "counselor_name?",
                coalesce((select array_agg(sc.clinic_id order by sc.clinic_id) from staff_clinic sc
                          where sc.staff_id = s.id), '{}') as "clinic_ids!",
                coalesce((select array_agg(cl.name order by cl.name) from staff_clinic sc
                          join clinic cl on cl.id = sc.clinic_id where sc.staff_id = s.id), '{}') as "clinic_names!"
         from staff s left join counselor c on c.id = s.counselor_id
         order by s.active desc, lower(s.email)"#)
    .fetch_all(conn)
    .await
}

/// An account's new role, counselor link and clinics (see [`NewStaff`]).
pub struct Access<'a> {
    pub role: StaffRole,
    pub counselor_id: Option<i64>,
    pub clinic_ids: &'a [i64],
}

/// Gives an active account a new role, counselor link and clinics, and ends its sessions (it
/// signs in again under its new access) and its calendar feed. None for an unknown or inactive account.
pub async fn change_access(
    conn: &mut PgConnection,
    staff_id: i64,
    access: &Access<'_>,
) -> sqlx::Result<Option<Result<(), CreateStaffError>>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let changed = sqlx::query!(
        r#"update staff set role = $2, counselor_id = $3 where id = $1 and active"#,
        staff_id,
        access.role as StaffRole,
        access.counselor_id
    )
    .execute(&mut *tx)
    .await;
    match changed {
        Ok(done) if done.rows_affected() == 0 => return Ok(None),
        Ok(_) => {}
        Err(e) => return refusal(e).map(|r| Some(r.map(|_| ()))),
    }
    sqlx::query!(r#"delete from staff_clinic where staff_id = $1"#, staff_id).execute(&mut *tx).await?;
    let linked = sqlx::query!(
        r#"insert into staff_clinic (staff_id, clinic_id) select $1, unnest($2::bigint[])"#,
        staff_id,
        access.clinic_ids
    )
    .execute(&mut *tx)
    .await;
    if let Err(e) = linked {
        return refusal(e).map(|r| Some(r.map(|_| ())));
    }
    sqlx::query!(r#"delete from staff_session where staff_id = $1"#, staff_id).execute(&mut *tx).await?;
    // A calendar feed showed the groups of the counselor the account was: it ends too.
    sqlx::query!(r#"delete from calendar_feed where staff_id = $1"#, staff_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Some(Ok(())))
}

/// Deactivates an account and ends its sessions at once. None for an unknown account,
/// Some(false) when it was inactive already (nothing changed).
pub async fn deactivate(conn: &mut PgConnection, staff_id: i64) -> sqlx::Result<Option<bool>> {
    let was_active: Option<bool> =
        sqlx::query_scalar!(r#"select active from staff where id = $1 for update"#, staff_id)
            .fetch_optional(&mut *conn)
            .await?;
    if was_active != Some(true) {
        return Ok(was_active.map(|_| false));
    }
    sqlx::query!(r#"update staff set active = false where id = $1"#, staff_id).execute(&mut *conn).await?;
    sqlx::query!(r#"delete from staff_session where staff_id = $1"#, staff_id).execute(conn).await?;
    Ok(Some(true))
}

/// Sets a new password hash and ends the account's sessions. False for an unknown account.
pub async fn set_password(conn: &mut PgConnection, staff_id: i64, password_hash: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(r#"update staff set password_hash = $2 where id = $1"#, staff_id, password_hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(r#"delete from staff_session where staff_id = $1"#, staff_id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// How many of the accounts with these e-mails can sign in.
pub async fn count_active(conn: &mut PgConnection, emails: &[&str]) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "active!" from staff where active and lower(email) = any($1)"#,
        &emails.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>()
    )
    .fetch_one(conn)
    .await
}

/// Every account that has had this e-mail, active or not.
pub async fn ids_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(r#"select id from staff where lower(email) = lower($1) order by id"#, email.trim())
        .fetch_all(conn)
        .await
}

pub async fn id_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"select id from staff where lower(email) = lower($1) order by active desc, id desc limit 1"#,
        email.trim()
    )
    .fetch_optional(conn)
    .await
}
