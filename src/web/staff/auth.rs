//! Staff sessions: the cookie, the signed-in extractor, CSRF tokens, and the role check.

use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::staff::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, StaffRole};
use crate::store::intake::ClinicScope;
use crate::store::rosters;
use crate::store::sessions::{self, SessionSummary};
use crate::store::staff::{self, SignedIn};
use crate::tokens::same_secret;
use crate::tokens::{digest, new_request_key};
use crate::web::AppState;
use crate::web::client::ClientAddr;
use crate::web::cookies::Cookie;
use crate::web::error::AppError;
use crate::web::extract::{Path, RawForm};
use crate::web::i18n::Ui;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

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
    /// The pages this member's role works in, for the header of every staff page: (path, name).
    pub fn nav(&self, ui: &Ui) -> Vec<(&'static str, &'static str)> {
        let m = ui.m;
        match self.role {
            StaffRole::Intake => vec![
                ("/staff/intake", m.staff_nav_queue),
                ("/staff/intake/find", m.find_title),
                ("/staff/intake/phone-booking", m.staff_nav_phone_booking),
            ],
            StaffRole::Counselor => vec![("/staff/my-sessions", m.staff_nav_my_sessions)],
            StaffRole::Admin => vec![
                ("/staff/intake", m.staff_nav_queue),
                ("/staff/intake/find", m.find_title),
                ("/staff/admin/sessions", m.staff_nav_admin_sessions),
                ("/staff/admin/series", m.staff_nav_series),
                ("/staff/admin/closures", m.closures_title),
                ("/staff/admin/catalog/clinics", m.staff_nav_catalog),
                ("/staff/admin/staff", m.staff_nav_admin_staff),
                ("/staff/admin/messages", m.staff_nav_messages),
                ("/staff/admin/audit", m.staff_nav_audit),
            ],
        }
    }

    /// The clinics whose requests this member works: every clinic for an administrator, their
    /// own for intake, none (not a queue worker) for a counselor.
    pub fn intake_scope(&self) -> Option<ClinicScope> {
        match self.role {
            StaffRole::Admin => Some(ClinicScope::All),
            StaffRole::Intake => Some(ClinicScope::Only(self.clinic_ids.clone())),
            StaffRole::Counselor => None,
        }
    }

    /// "x@clinic.example · Intake": who is signed in on this (perhaps shared) computer.
    pub fn who(&self, ui: &Ui) -> String {
        format!("{} · {}", self.email, (ui.m.staff_role_title)(self.role))
    }

    /// Writes what this member did to the audit log: the action, the record (type and id),
    /// their address, now.
    pub async fn audit(
        &self,
        conn: &mut sqlx::PgConnection,
        action: AuditAction,
        record: Option<(RecordType, i64)>,
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

    /// Records a view of a page that lists bookings: the view (`action`, about `record`) and
    /// the bookings it showed, in one commit (see `store::audit::append`: one wait under the
    /// audit chain's lock per view).
    pub async fn audit_view_of_bookings(
        &self,
        conn: &mut sqlx::PgConnection,
        action: AuditAction,
        record: Option<(RecordType, i64)>,
        bookings: impl Iterator<Item = i64>,
    ) -> Result<(), AppError> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        self.audit(&mut tx, action, record).await?;
        self.audit_shown(&mut tx, AuditAction::ViewBookingInList, RecordType::Booking, bookings).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that this member was shown the records `ids` of `record_type` (a list, a
    /// roster, the matches offered on a page): one entry naming them all.
    pub async fn audit_shown(
        &self,
        conn: &mut sqlx::PgConnection,
        action: AuditAction,
        record_type: RecordType,
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
        crate::store::audit::record_list(conn, &self.keys, &entry, &ids).await?;
        Ok(())
    }
}

fn to_login() -> Response {
    crate::web::ChangesNothing::mark(Redirect::to("/staff/login").into_response())
}

/// The signed-in member as this request first found them: every extractor of one request
/// shares one session read.
#[derive(Clone)]
struct FoundSignedIn(StaffUser, bool);

/// The session behind the request's cookie, checked and kept alive, with whether it must
/// enrol a second factor before anything else.
async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<(StaffUser, bool), Response> {
    if let Some(FoundSignedIn(user, must_enroll)) = parts.extensions.get::<FoundSignedIn>() {
        return Ok((user.clone(), *must_enroll));
    }
    let internal = |e: sqlx::Error| AppError::from(e).into_response();
    let Some(token) = state.cookies().get(&parts.headers, Cookie::StaffSession) else {
        return Err(to_login());
    };
    let token_hash = digest(token);
    let now = state.clock.now();
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
    parts.extensions.insert(FoundSignedIn(user.clone(), must_enroll));
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

/// An administrator; any other staff member gets a 403.
pub struct Admin(pub StaffUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        match user.role {
            StaffRole::Admin => Ok(Admin(user)),
            _ => Err(AppError::Forbidden.into_response()),
        }
    }
}

/// Someone who works on requests and patient records, with the clinics they may see: all for
/// an administrator, the account's own for intake. Counselors get a 403.
pub struct Intake {
    pub user: StaffUser,
    pub scope: ClinicScope,
}

impl FromRequestParts<AppState> for Intake {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Intake, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        let scope = user.intake_scope().ok_or_else(|| AppError::Forbidden.into_response())?;
        Ok(Intake { user, scope })
    }
}

/// A counselor, with the counselor they are; anyone else gets a 403.
pub struct Counselor {
    pub user: StaffUser,
    pub counselor_id: i64,
}

impl FromRequestParts<AppState> for Counselor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Counselor, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        match (user.role, user.counselor_id) {
            (StaffRole::Counselor, Some(counselor_id)) => Ok(Counselor { user, counselor_id }),
            _ => Err(AppError::Forbidden.into_response()),
        }
    }
}

/// The group named by the path's `{id}`, for someone who may see its roster: a counselor who
/// leads it, or an administrator. Another counselor's group is a 404 (it is not theirs to know
/// of); intake gets a 403.
pub struct RosterAccess {
    pub user: StaffUser,
    pub session: SessionSummary,
    /// May record who came and add walk-ins: the group's counselor or an administrator (intake
    /// may look at the rosters of their clinics, to check who came, and change nothing).
    pub can_mark: bool,
}

impl FromRequestParts<AppState> for RosterAccess {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<RosterAccess, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        let leads = match (user.role, user.counselor_id) {
            (StaffRole::Admin | StaffRole::Intake, _) => None,
            (StaffRole::Counselor, Some(counselor)) => Some(counselor),
            _ => return Err(AppError::Forbidden.into_response()),
        };
        let Path(raw): Path<String> =
            Path::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let found = async {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            let mut conn = state.pool.acquire().await?;
            if let Some(counselor) = leads
                && !rosters::leads(&mut conn, id, counselor).await?
            {
                return Err(AppError::NotFound);
            }
            let session = sessions::summary(&mut conn, id).await?.ok_or(AppError::NotFound)?;
            // Intake: the groups of their own clinics only.
            match user.intake_scope() {
                Some(scope) if user.role == StaffRole::Intake && !scope.includes(session.clinic_id) => {
                    Err(AppError::NotFound)
                }
                _ => Ok(session),
            }
        };
        match found.await {
            Ok(session) => {
                let can_mark = user.role != StaffRole::Intake;
                Ok(RosterAccess { user, session, can_mark })
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A staff form whose `csrf` field carried the signed-in session's token: checked before the
/// handler runs, so no state-changing handler can forget it. `T` is the form's own fields
/// (without `csrf`). A missing session goes to the login page, one that must enrol a second
/// factor first to the enrolment page (see [`EnrollingForm`]); a wrong token is a 403.
pub struct CsrfForm<T>(pub T);

/// The same check for the only forms a session may post before it has enrolled a required
/// second factor: the enrolment itself and signing out.
pub struct EnrollingForm<T>(pub T);

/// A staff form with nothing but its CSRF token.
#[derive(Default, serde::Deserialize)]
pub struct NoFields {}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct CsrfField {
    csrf: String,
}

/// Reads the form and checks its token against the session's; `enrolling` lets a session that
/// must still enrol a second factor through. The body comes back unparsed.
async fn checked_body(req: Request, state: &AppState, enrolling: bool) -> Result<RawForm, Response> {
    let (mut parts, body) = req.into_parts();
    let (user, must_enroll) = signed_in(&mut parts, state).await?;
    if must_enroll && !enrolling {
        return Err(Redirect::to(ENROLL_PATH).into_response());
    }
    let body = RawForm::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(IntoResponse::into_response)?;
    let sent: CsrfField = body.parse().map_err(IntoResponse::into_response)?;
    if user.csrf_token.is_empty() || !same_secret(&sent.csrf, &user.csrf_token) {
        return Err(AppError::Forbidden.into_response());
    }
    Ok(body)
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<CsrfForm<T>, Response> {
        let body = checked_body(req, state, false).await?;
        body.parse().map(CsrfForm).map_err(IntoResponse::into_response)
    }
}

/// A checked form left unparsed, for a route whose path says which fields it has (the catalog's
/// kinds): the handler parses it once it knows which.
impl FromRequest<AppState> for CsrfForm<RawForm> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<CsrfForm<RawForm>, Response> {
        checked_body(req, state, false).await.map(CsrfForm)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for EnrollingForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<EnrollingForm<T>, Response> {
        let body = checked_body(req, state, true).await?;
        body.parse().map(EnrollingForm).map_err(IntoResponse::into_response)
    }
}
