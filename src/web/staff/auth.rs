//! Staff sessions: the cookie, the signed-in extractor, CSRF tokens, and the role check.

use crate::domain::booking::{digest, new_request_key};
use crate::domain::same_secret;
use crate::domain::staff::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, StaffRole};
use crate::store::intake::ClinicScope;
use crate::store::staff::{self, SignedIn};
use crate::web::AppState;
use crate::web::client::ClientAddr;
use crate::web::cookies::Cookie;
use crate::web::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

/// A new random token (128 bits, hex) for a session or a CSRF field.
pub fn new_token() -> String {
    new_request_key() + &new_request_key()
}

/// The signed-in staff member. Extracting it refuses anyone else: no cookie, an unknown or
/// expired session, or a deactivated account all go to the login page (303).
#[derive(Clone, Debug)]
pub struct StaffUser {
    pub staff_id: i64,
    pub email: String,
    pub role: StaffRole,
    pub counselor_id: Option<i64>,
    pub clinic_ids: Vec<i64>,
    /// The token every state-changing form of this session must carry.
    pub csrf_token: String,
    /// Has a second sign-in factor.
    pub enrolled: bool,
    pub client_addr: Option<String>,
    /// The key file's keys, to seal what this member's actions write to the audit log.
    pub keys: std::sync::Arc<crate::keys::Keys>,
}

impl StaffUser {
    /// A 403 unless the staff member has one of `roles`.
    pub fn require(&self, roles: &[StaffRole]) -> Result<(), AppError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// The clinics whose requests and patients this member may work on: all for an
    /// administrator, the account's own for intake; a 403 for anyone else.
    pub fn intake_scope(&self) -> Result<ClinicScope, AppError> {
        self.require(&[StaffRole::Intake, StaffRole::Admin])?;
        Ok(match self.role {
            StaffRole::Admin => ClinicScope::All,
            _ => ClinicScope::Only(self.clinic_ids.clone()),
        })
    }

    /// Writes what this member did to the audit log: the action, the record (type and id),
    /// their address, now.
    pub async fn audit(
        &self,
        conn: &mut sqlx::PgConnection,
        action: &str,
        record: Option<(&str, i64)>,
    ) -> Result<(), AppError> {
        let entry = crate::store::audit::AuditEntry {
            actor_staff_id: Some(self.staff_id),
            action,
            record_type: record.map(|(kind, _)| kind),
            record_id: record.map(|(_, id)| id),
            client_addr: self.client_addr.as_deref(),
        };
        crate::store::audit::record(conn, &self.keys, &entry).await?;
        Ok(())
    }

    /// Records that this member was shown the records `ids` of `record_type` (a list, a
    /// roster, the matches offered on a page): one entry per record, written at once.
    pub async fn audit_shown(
        &self,
        conn: &mut sqlx::PgConnection,
        action: &str,
        record_type: &str,
        ids: impl Iterator<Item = i64>,
    ) -> Result<(), AppError> {
        let ids: Vec<i64> = ids.collect();
        if ids.is_empty() {
            return Ok(());
        }
        let entry = crate::store::audit::AuditEntry {
            actor_staff_id: Some(self.staff_id),
            action,
            record_type: Some(record_type),
            record_id: None,
            client_addr: self.client_addr.as_deref(),
        };
        crate::store::audit::record_each(conn, &self.keys, &entry, &ids).await?;
        Ok(())
    }

    /// A 403 unless a form carried this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        if same_secret(sent, &self.csrf_token) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

fn to_login() -> Response {
    Redirect::to("/staff/login").into_response()
}

/// The session behind the request's cookie, checked and kept alive, with whether it must
/// enrol a second factor before anything else.
async fn signed_in(parts: &Parts, state: &AppState) -> Result<(StaffUser, bool), Response> {
    let internal = |e: sqlx::Error| AppError::from(e).into_response();
    let Some(token) = state.cookies().get(&parts.headers, Cookie::StaffSession) else {
        return Err(to_login());
    };
    let token_hash = digest(token);
    let now = Utc::now();
    let mut conn = state.pool.acquire().await.map_err(internal)?;
    let Some(session) = staff::session(&mut conn, &token_hash).await.map_err(internal)? else {
        return Err(to_login());
    };
    if now - session.last_seen_at > IDLE_TIMEOUT || now - session.created_at > ABSOLUTE_TIMEOUT {
        staff::end_session(&mut conn, &token_hash).await.map_err(internal)?;
        return Err(to_login());
    }
    staff::touch_session(&mut conn, &token_hash, now).await.map_err(internal)?;
    let SignedIn {
        staff_id, email, role, counselor_id, clinic_ids, csrf_token, must_enroll, enrolled, ..
    } = session;
    let user = StaffUser {
        staff_id,
        email,
        role,
        counselor_id,
        clinic_ids,
        csrf_token,
        enrolled,
        client_addr: Some(ClientAddr::of(parts, state).to_string()),
        keys: state.keys.clone(),
    };
    Ok((user, must_enroll))
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<StaffUser, Response> {
        match signed_in(parts, state).await? {
            (_, true) => Err(Redirect::to(ENROLL_PATH).into_response()),
            (user, false) => Ok(user),
        }
    }
}

/// Where a staff member without the required second factor is sent.
pub const ENROLL_PATH: &str = "/staff/second-factor";

/// A signed-in staff member who may still have to enrol a second factor: only the enrolment
/// pages take this.
pub struct Enrolling(pub StaffUser);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Enrolling, Response> {
        signed_in(parts, state).await.map(|(user, _)| Enrolling(user))
    }
}
