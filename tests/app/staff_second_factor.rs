//! The second sign-in factor: required by default, enrolled with a QR code the app draws,
//! asked at every login after that; a wrong or replayed code is refused.

use crate::helpers::TestApp;
use crate::staff_auth::{PASSWORD, get_as, hidden, login, post_as, set_cookie, staff_account, try_login};
use chrono::Utc;
use groupcare::domain::staff::StaffRole;
use groupcare::domain::totp::{code_for_step, step_at};
use groupcare::store::secrets::totp_context;

/// The secret being enrolled, as the database keeps it: sealed with the key file's key.
async fn pending_secret(app: &TestApp, staff_id: i64) -> Vec<u8> {
    let sealed: Vec<u8> = sqlx::query_scalar("select totp_pending_secret from staff where id = $1")
        .bind(staff_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let secret = app.keys.open(&totp_context(staff_id), &sealed).expect("sealed with the app's key");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret), "never stored in plaintext");
    secret
}

/// Enrols the signed-in account: returns its secret and recovery codes.
async fn enroll(app: &TestApp, session: &str, staff_id: i64) -> (Vec<u8>, Vec<String>) {
    let page = get_as(app, session, "/staff/second-factor").await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let secret = pending_secret(app, staff_id).await;
    let code = code_for_step(&secret, step_at(Utc::now().timestamp()));
    let done = post_as(app, session, "/staff/second-factor", &[("csrf", &csrf), ("code", &code)]).await;
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find("</code>").unwrap()].to_owned())
        .collect();
    (secret, codes)
}

#[tokio::test]
async fn without_a_second_factor_a_new_login_must_enrol_before_anything_else() {
    let app = TestApp::spawn().await;
    let id = staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let (_, login_page) = app.get_html("/staff/login").await;
    assert!(!login_page.contains("a second sign-in factor is not required"), "required by default");

    let session = login(&app, "intake@clinic.test").await;
    for path in ["/staff", "/staff/anything"] {
        let r = get_as(&app, &session, path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/staff/second-factor");
    }
    let page = get_as(&app, &session, "/staff/second-factor").await.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("Set up a second sign-in step"), "a QR code drawn here");
    let secret = pending_secret(&app, id).await;
    assert!(page.contains(&groupcare::domain::totp::base32(&secret)), "the key to type by hand");
    let again = get_as(&app, &session, "/staff/second-factor").await.text().await.unwrap();
    assert_eq!(hidden(&again, "csrf"), hidden(&page, "csrf"));
    assert_eq!(pending_secret(&app, id).await, secret, "a reload shows the same code");

    let csrf = hidden(&page, "csrf");
    let wrong = post_as(&app, &session, "/staff/second-factor", &[("csrf", &csrf), ("code", "000000")]).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("That code does not match"));
    let code = code_for_step(&secret, step_at(Utc::now().timestamp()));
    let no_csrf = post_as(&app, &session, "/staff/second-factor", &[("csrf", "nope"), ("code", &code)]).await;
    assert_eq!(no_csrf.status(), 403);

    let (_, codes) = enroll(&app, &session, id).await;
    assert_eq!(codes.len(), 10, "recovery codes, shown once");
    assert_eq!(get_as(&app, &session, "/staff").await.status(), 200);
    assert_eq!(app.count("select count(*) from audit_log where action = 'second_factor_enrolled'").await, 1);
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("select code_hash from staff_recovery_code").fetch_all(&app.pool).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 32), "recovery codes are kept hashed only");
}

async fn login_with_code(app: &TestApp, code: String) -> reqwest::Response {
    let form = app.get("/staff/login").await;
    let login_cookie = set_cookie(&form, "gc_login").unwrap();
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    app.client
        .post(app.url("/staff/login"))
        .header("cookie", format!("gc_login={login_cookie}"))
        .form(&[("email", "admin@clinic.test"), ("password", PASSWORD), ("csrf", &csrf), ("code", &code)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_enrolled_account_needs_a_fresh_code_at_every_login_and_a_code_works_once() {
    let app = TestApp::spawn().await;
    let id = staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let session = login(&app, "admin@clinic.test").await;
    let (secret, recovery) = enroll(&app, &session, id).await;

    assert_eq!(try_login(&app, "admin@clinic.test", PASSWORD, None).await.status(), 401, "no code");
    assert_eq!(login_with_code(&app, "123456".into()).await.status(), 401, "a wrong code");

    // The enrolment used the current step; the next step's code signs in, once.
    let next = code_for_step(&secret, step_at(Utc::now().timestamp()) + 1);
    let r = login_with_code(&app, next.clone()).await;
    assert_eq!(r.status(), 303, "a fresh code");
    assert_eq!(get_as(&app, &set_cookie(&r, "gc_staff").unwrap(), "/staff").await.status(), 200);
    assert_eq!(login_with_code(&app, next).await.status(), 401, "the same code again is a replay");
    let current = code_for_step(&secret, step_at(Utc::now().timestamp()));
    assert_eq!(login_with_code(&app, current).await.status(), 401, "an older step than the last one used");

    // A recovery code instead of the phone, once.
    assert_eq!(login_with_code(&app, recovery[0].to_uppercase()).await.status(), 303);
    assert_eq!(login_with_code(&app, recovery[0].clone()).await.status(), 401);
}

#[tokio::test]
async fn the_login_page_never_tells_a_visitor_whether_a_second_factor_is_required() {
    let app = TestApp::spawn().await;
    let (_, required) = app.get_html("/staff/login").await;
    crate::staff_auth::second_factor_optional(&app).await;
    let (_, optional) = app.get_html("/staff/login").await;
    let without_token = |html: &str| html.replace(&hidden(html, "csrf"), "");
    assert_eq!(without_token(&required), without_token(&optional));
    assert!(!optional.contains("not required"));
}
