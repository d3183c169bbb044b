//! Signing in and out. Failed sign-ins are slowed, then locked per account and per client
//! address; the answer never tells whether an account exists.

use super::auth::{Enrolling, EnrollingForm, NoFields, new_token};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::staff::{
    KNOWN_ADDRESS_FOR, PER_ACCOUNT, PER_ACCOUNT_AT_ADDRESS, PER_ADDRESS, SLOWDOWN_STEP, decoy_hash,
    verify_password,
};
use crate::domain::totp;
use crate::store::audit::{self, AuditEntry};
use crate::store::login_throttle::{self, ThrottleKey};
use crate::store::secrets::totp_context;
use crate::store::staff;
use crate::tokens::digest;
use crate::tokens::same_secret;
use crate::web::AppState;
use crate::web::client::ClientAddr;
use crate::web::cookies::Cookie;
use crate::web::error::AppError;
use crate::web::extract::Form;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use std::time::Duration;

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
struct LoginPage {
    ui: Ui,
    csrf: String,
    email: String,
    message: Option<&'static str>,
}

/// The login form with a fresh CSRF token, in its cookie and in the form.
async fn login_page(
    state: &AppState,
    ui: Ui,
    email: String,
    message: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = new_token();
    let cookie = state.cookies().set(Cookie::LoginForm, &csrf);
    let page = LoginPage { ui, csrf, email, message };
    Ok((status, [(header::SET_COOKIE, cookie)], page).into_response())
}

pub async fn form(State(state): State<AppState>, ui: Ui) -> Result<Response, AppError> {
    login_page(&state, ui, String::new(), None, StatusCode::OK).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginFields {
    email: String,
    password: String,
    /// The login form's own token (double-submit: there is no session yet).
    csrf: String,
    /// The authenticator's code, or a recovery code, once a second factor is enrolled.
    code: String,
}

/// Whether `typed` is a fresh code of the account's authenticator, or one of its unused
/// recovery codes. Either is spent by succeeding.
async fn second_factor_passes(
    conn: &mut sqlx::PgConnection,
    staff_id: i64,
    secret: &[u8],
    typed: &str,
    now: chrono::DateTime<Utc>,
) -> sqlx::Result<bool> {
    match totp::matching_step(secret, typed, totp::step_at(now.timestamp())) {
        Some(step) => staff::use_totp_step(conn, staff_id, step).await,
        None if typed.trim().is_empty() => Ok(false),
        None => {
            staff::use_recovery_code(conn, staff_id, &digest(&totp::normalize_recovery_code(typed))).await
        }
    }
}

/// How long a sign-in waits for a password check to be free before it is answered 503.
const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(2);

/// What a sign-in attempt is counted under. Every name is an HMAC under the key file's key,
/// so the table says nothing without it; a known account is named by its id, so every
/// spelling of its e-mail (case, Unicode) shares one count.
struct Throttle {
    /// The account at this address (an IPv6 client by its /64).
    account_at_address: ThrottleKey,
    /// The account from anywhere: left out for an address the person signed in from lately,
    /// so a guesser spread over many addresses cannot lock them out of their usual one.
    account: Option<ThrottleKey>,
    address: ThrottleKey,
    /// Names this account at this address among the addresses it signed in from.
    known_address: Vec<u8>,
}

impl Throttle {
    async fn of(
        state: &AppState,
        conn: &mut sqlx::PgConnection,
        email: &str,
        account_id: Option<i64>,
        client: ClientAddr,
        now: chrono::DateTime<Utc>,
    ) -> sqlx::Result<Throttle> {
        let account = match account_id {
            Some(id) => format!("id:{id}"),
            None => format!("email:{}", email.to_lowercase()),
        };
        let address = client.throttle_key();
        let hash = |what: String| state.keys.client_hash("login-throttle", &what);
        let known_address = hash(format!("known:{account}|{address}"));
        let known = account_id.is_some()
            && login_throttle::is_known_address(conn, &known_address, now - KNOWN_ADDRESS_FOR).await?;
        Ok(Throttle {
            account_at_address: ThrottleKey {
                hash: hash(format!("account-at-address:{account}|{address}")),
                limit: PER_ACCOUNT_AT_ADDRESS,
            },
            account: (!known)
                .then(|| ThrottleKey { hash: hash(format!("account:{account}")), limit: PER_ACCOUNT }),
            address: ThrottleKey { hash: hash(format!("address:{address}")), limit: PER_ADDRESS },
            known_address,
        })
    }

    /// Every key this attempt counts under.
    fn keys(&self) -> Vec<&ThrottleKey> {
        [Some(&self.account_at_address), self.account.as_ref(), Some(&self.address)]
            .into_iter()
            .flatten()
            .collect()
    }

    fn hashes(&self) -> Vec<Vec<u8>> {
        self.keys().into_iter().map(|k| k.hash.clone()).collect()
    }

    /// How many tries the account has had in its windows (at this address, and everywhere):
    /// what slows a failed answer. The address's own count is other accounts' business.
    fn attempts_on_account(&self, counts: &[login_throttle::Count]) -> i32 {
        counts.iter().filter(|c| c.key_hash != self.address.hash).map(|c| c.attempts).max().unwrap_or(0)
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ui: Ui,
    client: ClientAddr,
    headers: HeaderMap,
    Form(fields): Form<LoginFields>,
) -> Result<Response, AppError> {
    let email = fields.email.trim().to_owned();
    let sent_token = state.cookies().get(&headers, Cookie::LoginForm).unwrap_or("");
    if sent_token.is_empty() || !same_secret(sent_token, &fields.csrf) {
        return login_page(&state, ui, email, Some(ui.m.staff_login_expired), StatusCode::FORBIDDEN).await;
    }
    let now = state.clock.now();
    let addr = client.to_string();
    let audit_entry = |actor, action, record_id| AuditEntry {
        actor_staff_id: actor,
        action,
        record_type: Some(RecordType::Staff),
        record_id,
        client_addr: Some(&addr),
    };

    let mut conn = state.pool.acquire().await?;
    let account = staff::account_by_email(&mut conn, &email).await?;
    let known_id = account.as_ref().map(|a| a.id);
    let throttle = Throttle::of(&state, &mut conn, &email, known_id, client, now).await?;

    // The attempt is counted before anything is checked: over a limit, nothing is.
    let counts = login_throttle::count_attempt(&mut conn, &throttle.keys(), now).await?;
    let refused: Vec<Vec<u8>> = counts.iter().filter(|c| c.refused).map(|c| c.key_hash.clone()).collect();
    if !refused.is_empty() {
        // One entry per key and window, however many attempts a locked key makes.
        if !login_throttle::first_refusals(&mut conn, &refused).await?.is_empty() {
            audit::record(&mut conn, &state.keys, &audit_entry(None, AuditAction::LoginLocked, known_id))
                .await?;
        }
        return login_page(&state, ui, email, Some(ui.m.staff_login_locked), StatusCode::TOO_MANY_REQUESTS)
            .await;
    }
    let attempts_on_account = throttle.attempts_on_account(&counts);
    let account = account.filter(|a| a.active);
    drop(conn); // no connection held while Argon2 works

    // A bounded number of checks at once; beyond them, a prompt 503 rather than a queue.
    let Ok(Ok(permit)) =
        tokio::time::timeout(PASSWORD_CHECK_WAIT, state.password_checks.clone().acquire_owned()).await
    else {
        login_throttle::uncount(&mut *state.pool.acquire().await?, &throttle.hashes()).await?;
        let mut page =
            login_page(&state, ui, email, Some(ui.m.staff_login_busy), StatusCode::SERVICE_UNAVAILABLE)
                .await?;
        page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        return Ok(page);
    };
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let password = fields.password;
    let matches = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match stored {
            Some(hash) => verify_password(&password, &hash),
            None => {
                // As long as a real check, so timing does not tell which e-mails have accounts.
                verify_password(&password, decoy_hash());
                false
            }
        }
    })
    .await?;

    let mut conn = state.pool.acquire().await?;
    let account = match account.filter(|_| matches) {
        Some(a) => match &a.totp_secret {
            Some(sealed) => {
                let secret = state
                    .keys
                    .open(&totp_context(a.id), sealed)
                    .map_err(|e| AppError::Internal(Box::new(e)))?;
                second_factor_passes(&mut conn, a.id, &secret, &fields.code, now).await?.then_some(a)
            }
            None => Some(a),
        },
        None => None,
    };
    // One answer for a wrong e-mail, password or code: none of them is confirmed to a guesser.
    let Some(account) = account else {
        audit::record(&mut conn, &state.keys, &audit_entry(None, AuditAction::LoginFailed, known_id)).await?;
        drop(conn);
        // Attempts on this account in the window make a failed answer slower.
        tokio::time::sleep(SLOWDOWN_STEP * attempts_on_account.clamp(0, 10) as u32).await;
        return login_page(&state, ui, email, Some(ui.m.staff_login_failed), StatusCode::UNAUTHORIZED).await;
    };

    // The session and its audit entry stand or fall together.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // This address is cleared for the account, and remembered as one the person uses; the
    // other counts keep this attempt out, so a guesser elsewhere gains nothing from it.
    login_throttle::forget(&mut tx, &throttle.account_at_address.hash).await?;
    let elsewhere: Vec<Vec<u8>> =
        throttle.account.iter().chain([&throttle.address]).map(|k| k.hash.clone()).collect();
    login_throttle::uncount(&mut tx, &elsewhere).await?;
    login_throttle::remember_address(&mut tx, &throttle.known_address, now).await?;
    // A new session id at every login; the one the browser had (if any) ends.
    if let Some(old) = state.cookies().get(&headers, Cookie::StaffSession) {
        staff::end_session(&mut tx, &digest(old)).await?;
    }
    let token = new_token();
    staff::create_session(&mut tx, &digest(&token), account.id, &new_token(), now).await?;
    audit::record(&mut tx, &state.keys, &audit_entry(Some(account.id), AuditAction::Login, Some(account.id)))
        .await?;
    tx.commit().await?;
    let mut response = Redirect::to("/staff").into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, state.cookies().set(Cookie::StaffSession, &token));
    headers.append(header::SET_COOKIE, state.cookies().clear(Cookie::LoginForm));
    Ok(response)
}

/// Signing out works mid-enrolment too.
pub async fn logout(
    State(state): State<AppState>,
    Enrolling(user): Enrolling,
    headers: HeaderMap,
    _: EnrollingForm<NoFields>,
) -> Result<Response, AppError> {
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    if let Some(token) = state.cookies().get(&headers, Cookie::StaffSession) {
        staff::end_session(&mut conn, &digest(token)).await?;
    }
    user.audit(&mut conn, AuditAction::Logout, Some((RecordType::Staff, user.staff_id))).await?;
    conn.commit().await?;
    let mut response = Redirect::to("/staff/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, state.cookies().clear(Cookie::StaffSession));
    Ok(response)
}
