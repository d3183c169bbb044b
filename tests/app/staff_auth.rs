//! Staff sign-in: sessions in PostgreSQL, CSRF on every form, slowing and lockout, expiry.

use crate::helpers::TestApp;
use groupcare::domain::staff::{StaffRole, hash_password};
use groupcare::store::staff::{NewStaff, create_staff};

pub const PASSWORD: &str = "a long staff password";

/// Turns off the second-factor requirement (on by default), as the demo does: for tests
/// about everything else.
pub async fn second_factor_optional(app: &TestApp) {
    let mut conn = app.pool.acquire().await.unwrap();
    groupcare::store::settings::set_flag(&mut conn, groupcare::store::settings::REQUIRE_SECOND_FACTOR, false)
        .await
        .unwrap();
}

/// A staff account with [`PASSWORD`]. Returns its id.
pub async fn staff_account(app: &TestApp, email: &str, role: StaffRole) -> i64 {
    staff_account_for(app, email, role, &[]).await
}

/// A staff account with [`PASSWORD`] working for `clinics`. Returns its id.
pub async fn staff_account_for(app: &TestApp, email: &str, role: StaffRole, clinics: &[i64]) -> i64 {
    let counselor_id = if role == StaffRole::Counselor {
        let mut conn = app.pool.acquire().await.unwrap();
        let c = groupcare::store::catalog::NewCounselor {
            name: "Staff Counselor",
            credentials: "LCSW",
            bio_en: "",
            bio_es: "",
            languages: &[],
        };
        Some(groupcare::store::catalog::create_counselor(&mut conn, &c).await.unwrap())
    } else {
        None
    };
    let hash = hash_password(PASSWORD);
    let new = NewStaff { email, password_hash: &hash, role, counselor_id, clinic_ids: clinics };
    create_staff(&mut app.pool.acquire().await.unwrap(), &new).await.unwrap().unwrap()
}

/// The value of `name` among a response's Set-Cookie headers.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v[name.len() + 1..].split(';').next().unwrap().to_owned())
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("a hidden {name}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// Opens the login form and posts it: the answer to the POST.
pub async fn try_login(
    app: &TestApp,
    email: &str,
    password: &str,
    old_session: Option<&str>,
) -> reqwest::Response {
    let form = app.get("/staff/login").await;
    let login_cookie = set_cookie(&form, "gc_login").expect("a login CSRF cookie");
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    let mut cookies = format!("gc_login={login_cookie}");
    if let Some(old) = old_session {
        cookies.push_str(&format!("; gc_staff={old}"));
    }
    app.client
        .post(app.url("/staff/login"))
        .header("cookie", cookies)
        .form(&[("email", email), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

/// Signs in and returns the session cookie's value.
pub async fn login(app: &TestApp, email: &str) -> String {
    let r = try_login(app, email, PASSWORD, None).await;
    assert_eq!(r.status(), 303, "signed in");
    set_cookie(&r, "gc_staff").expect("a session cookie")
}

/// A form posted with a staff session's cookie.
pub async fn post_as(app: &TestApp, session: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", format!("gc_staff={session}"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// An account with the second factor made optional, signed in: its session and CSRF token.
pub async fn signed_in(app: &TestApp, email: &str, role: StaffRole) -> (String, String) {
    second_factor_optional(app).await;
    staff_account(app, email, role).await;
    let session = login(app, email).await;
    let csrf = hidden(&get_as(app, &session, "/staff").await.text().await.unwrap(), "csrf");
    (session, csrf)
}

pub async fn get_as(app: &TestApp, session: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header("cookie", format!("gc_staff={session}")).send().await.unwrap()
}

#[tokio::test]
async fn anything_under_staff_without_a_session_goes_to_the_login_page() {
    let app = TestApp::spawn().await;
    for path in ["/staff", "/staff/intake", "/staff/anything/else"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/staff/login");
    }
    let r = app.post_form("/staff/logout", &[("csrf", "x")]).await;
    assert_eq!(r.status(), 303);
    let r = get_as(&app, "not-a-session", "/staff").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_staff_member_signs_in_with_a_fresh_session_that_lives_in_postgres() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let id = staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let form = app.get("/staff/login").await;
    assert_eq!(form.status(), 200);
    let cookie_line = form.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"));

    let r = try_login(&app, "Intake@Clinic.test", PASSWORD, None).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff");
    let session_line = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("gc_staff="))
        .unwrap();
    assert!(session_line.contains("HttpOnly") && session_line.contains("SameSite=Lax"));
    assert!(!session_line.contains("Secure"), "plain http in tests");
    let session = set_cookie(&r, "gc_staff").unwrap();

    let home = get_as(&app, &session, "/staff").await;
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["cache-control"], "no-store");
    let home = home.text().await.unwrap();
    assert!(home.contains("Signed in as intake@clinic.test (intake)."));
    assert!(home.contains(r#"id="idle-warning""#) && home.contains(r#"<script src="/static/staff.js">"#));
    let script = app.get("/static/staff.js").await;
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("13 * 60 * 1000"), "the warning comes two minutes early");
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("select token_hash from staff_session").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0], groupcare::tokens::digest(&session), "only a hash of the session id is stored");
    assert_eq!(app.count("select count(*) from audit_log where action = 'login'").await, 1);
    let actor: Option<i64> =
        sqlx::query_scalar("select actor_staff_id from audit_log").fetch_one(&app.pool).await.unwrap();
    assert_eq!(actor, Some(id));

    // Signing in again from the same browser gives a new session id and ends the old one.
    let again = try_login(&app, "intake@clinic.test", PASSWORD, Some(&session)).await;
    let renewed = set_cookie(&again, "gc_staff").unwrap();
    assert_ne!(renewed, session);
    assert_eq!(get_as(&app, &session, "/staff").await.status(), 303, "the old id is dead");
    assert_eq!(get_as(&app, &renewed, "/staff").await.status(), 200);
}

#[tokio::test]
async fn the_login_form_refuses_a_post_without_its_csrf_token() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let r = app
        .post_form(
            "/staff/login",
            &[("email", "admin@clinic.test"), ("password", PASSWORD), ("csrf", "guess")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(set_cookie(&r, "gc_staff").is_none());
    assert!(r.text().await.unwrap().contains("The sign-in form expired"));
    assert_eq!(app.count("select count(*) from staff_session").await, 0);
}

#[tokio::test]
async fn signing_out_needs_the_sessions_csrf_token_and_ends_the_session() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let session = login(&app, "admin@clinic.test").await;
    let html = get_as(&app, &session, "/staff").await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let post = |token: String| {
        app.client
            .post(app.url("/staff/logout"))
            .header("cookie", format!("gc_staff={session}"))
            .form(&[("csrf", token)])
            .send()
    };
    assert_eq!(post("wrong".into()).await.unwrap().status(), 403);
    assert_eq!(post(String::new()).await.unwrap().status(), 403);
    assert_eq!(get_as(&app, &session, "/staff").await.status(), 200, "still signed in");
    let out = post(csrf).await.unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/staff/login");
    assert_eq!(get_as(&app, &session, "/staff").await.status(), 303);
    assert_eq!(app.count("select count(*) from audit_log where action = 'logout'").await, 1);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let wrong = try_login(&app, "intake@clinic.test", "not the password", None).await;
    let unknown = try_login(&app, "nobody@clinic.test", PASSWORD, None).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    let message = "That e-mail, password and code don&#39;t match an account.";
    assert!(a.contains(message) && b.contains(message));
    assert_eq!(app.count("select count(*) from audit_log where action = 'login_failed'").await, 2);
    assert_eq!(app.count("select count(*) from staff_session").await, 0);
}

#[tokio::test]
async fn a_session_ends_after_fifteen_idle_minutes_or_twelve_hours() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "counselor@clinic.test", StaffRole::Counselor).await;
    let idle = login(&app, "counselor@clinic.test").await;
    let long = login(&app, "counselor@clinic.test").await;
    sqlx::query("update staff_session set last_seen_at = now() - interval '16 minutes' where token_hash = sha256($1::bytea)")
        .bind(idle.as_bytes())
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update staff_session set created_at = now() - interval '13 hours' where token_hash = sha256($1::bytea)")
        .bind(long.as_bytes())
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(get_as(&app, &idle, "/staff").await.status(), 303);
    assert_eq!(get_as(&app, &long, "/staff").await.status(), 303);
    assert_eq!(app.count("select count(*) from staff_session").await, 0, "expired sessions are removed");

    // Activity keeps a session alive.
    let active = login(&app, "counselor@clinic.test").await;
    sqlx::query("update staff_session set last_seen_at = now() - interval '14 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(get_as(&app, &active, "/staff").await.status(), 200);
    assert_eq!(get_as(&app, &active, "/staff").await.status(), 200);
}

#[tokio::test]
async fn a_deactivated_account_is_signed_out_at_once() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let id = staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let session = login(&app, "intake@clinic.test").await;
    sqlx::query("update staff set active = false where id = $1").bind(id).execute(&app.pool).await.unwrap();
    assert_eq!(get_as(&app, &session, "/staff").await.status(), 303);
    assert_eq!(try_login(&app, "intake@clinic.test", PASSWORD, None).await.status(), 401);
}

#[tokio::test]
async fn signed_in_staff_get_a_not_found_page_for_unknown_staff_paths() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let session = login(&app, "admin@clinic.test").await;
    assert_eq!(get_as(&app, &session, "/staff/no-such-page").await.status(), 404);
}
