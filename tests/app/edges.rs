//! What the app answers at its edges: bytes that are not text, framework rejections, short
//! one-time keys, and the cookies and headers of a deployment served over https.

use crate::helpers::{TestApp, booking_json, fresh_migrated_database_url, test_settings};
use crate::staff_auth::{PASSWORD, hidden, second_factor_optional, staff_account};
use chrono::Duration;
use groupcare::keys::Keys;
use serde_json::Value;

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: &'static [u8],
    lang: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", content_type)
        .header("accept-language", lang)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_form_field_that_is_not_text_is_refused_by_name_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    let path = format!("/sessions/{session}/book");
    // "Peña" sent in Latin-1: the byte F1 is no UTF-8.
    let body: &[u8] =
        b"key=0123456789abcdef0123&first_name=Ana&last_name=Pe%F1a&phone=9095550111&language=es";
    let r = post_raw(&app, &path, "application/x-www-form-urlencoded", body, "en").await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("What was sent as “Last name” has signs we can&#39;t read")
            || html.contains("What was sent as “Last name” has signs we can't read"),
        "{html}"
    );
    let r = post_raw(&app, &path, "application/x-www-form-urlencoded", body, "es").await;
    assert!(r.text().await.unwrap().contains("Lo que se envió en «Apellido»"), "in the visitor's language");
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn a_name_with_marks_that_reorder_text_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    let mut body = booking_json(session, "(909) 555-0112");
    body["last_name"] = Value::from("Ruiz\u{202E}zeuR");
    let r = app.post_booking(&body, None).await;
    assert_eq!(r.status(), 422);
    let answer: Value = r.json().await.unwrap();
    assert!(answer["errors"]["last_name"].is_string(), "{answer}");
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn the_frameworks_refusals_come_back_as_the_apps_own_pages_and_json() {
    let app = TestApp::spawn().await;
    let page = |path: &'static str, lang: &'static str| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(path)).header("accept-language", lang).send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers().get("content-security-policy").is_some(),
                r.text().await.unwrap(),
            )
        }
    };
    let (status, dressed, html) = page("/sessions?clinic=1&clinic=2", "es").await;
    assert_eq!((status, dressed), (400, true));
    assert!(html.contains(r#"<html lang="es""#) && !html.contains("Failed to deserialize"), "{html}");
    let (status, _, html) = page("/sessions/%FF%FE", "en").await;
    assert_eq!(status, 404);
    assert!(html.contains("<title>") && !html.contains("Invalid URL"), "{html}");

    let r = app.get("/api/v1/sessions?language=en&language=es").await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("each given once"), "{body}");
    let r = post_raw(&app, "/api/v1/bookings", "application/json", b"{\"first_name\": \"\xff\"}", "en").await;
    assert_eq!(r.status(), 422, "bytes that are not text are no JSON object");
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON object"), "{body}");

    for (method, path, status) in [("GET", "/api/v1/nothing", 404), ("PUT", "/api/v1/bookings", 405)] {
        let r = app.client.request(method.parse().unwrap(), app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("/api/v1/sessions"), "{body}");
    }
    let r = app.client.put(app.url("/sessions")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.unwrap().contains("This page can"));
}

#[tokio::test]
async fn a_form_without_a_long_enough_one_time_key_is_sent_back_with_a_fresh_one() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    let fields =
        [("key", "short-key"), ("first_name", "Ana"), ("last_name", "Ruiz"), ("phone", "9095550113")];
    let r = app.post_form(&format!("/sessions/{session}/book"), &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("couldn&#39;t match this form") || html.contains("couldn't match this form"),
        "{html}"
    );
    assert!(html.contains(r#"value="Ana""#), "what was typed is kept");
    assert_eq!(hidden(&html, "key").len(), 32, "a fresh key to send again with");
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn served_over_https_cookies_are_host_only_and_secure_and_the_browser_keeps_to_https() {
    let app =
        TestApp::spawn_tuned(fresh_migrated_database_url().await, test_settings(), Keys::random(), |s| {
            groupcare::AppState { base_url: "https://clinic.example".into(), ..s }
        })
        .await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", groupcare::domain::staff::StaffRole::Admin).await;
    let set_cookie = |r: &reqwest::Response| -> Vec<String> {
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    };
    let form = app.get("/staff/login?lang=es").await;
    assert_eq!(form.headers()["strict-transport-security"], "max-age=31536000");
    let cookies = set_cookie(&form);
    let login = cookies.iter().find(|c| c.starts_with("__Host-gc_login=")).expect("a host-only login cookie");
    assert!(
        login.contains("; Path=/;") && login.ends_with("; Secure") && login.contains("HttpOnly"),
        "{login}"
    );
    let lang =
        cookies.iter().find(|c| c.starts_with("__Host-gc_lang=es")).expect("a host-only language cookie");
    assert!(lang.ends_with("; Secure"), "{lang}");

    let token = login["__Host-gc_login=".len()..].split(';').next().unwrap().to_owned();
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    let signed_in = app
        .client
        .post(app.url("/staff/login"))
        .header("cookie", format!("__Host-gc_login={token}"))
        .form(&[("email", "admin@clinic.test"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let session = set_cookie(&signed_in).into_iter().find(|c| c.starts_with("__Host-gc_staff=")).unwrap();
    assert!(session.contains("; Path=/;") && session.ends_with("; Secure"), "{session}");
    // The same cookie without its prefix (as another subdomain could plant it) is no session.
    let value = session["__Host-gc_staff=".len()..].split(';').next().unwrap();
    let planted =
        app.client.get(app.url("/staff")).header("cookie", format!("gc_staff={value}")).send().await.unwrap();
    assert_eq!(planted.status(), 303);
    let real = app
        .client
        .get(app.url("/staff"))
        .header("cookie", format!("__Host-gc_staff={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), 200);
}

#[tokio::test]
async fn a_clinic_time_zone_that_is_no_zone_fails_loudly_instead_of_showing_made_up_times() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    assert_eq!(app.get(&format!("/sessions/{session}")).await.status(), 200);
    // Written behind the app's back, past the admin form and the database's own refusal
    // (only the owner can switch that off).
    let mut tx = app.owner_pool.begin().await.unwrap();
    for sql in [
        "alter table clinic disable trigger clinic_time_zone_known",
        "update clinic set time_zone = 'Mars/Olympus_Mons'",
        "alter table clinic enable trigger clinic_time_zone_known",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    // A change behind the app's back reaches its public pages within a second.
    tokio::time::sleep(groupcare::store::listings::FRESH_FOR).await;
    let r = app.get(&format!("/sessions/{session}")).await;
    assert_eq!(r.status(), 500, "not Los Angeles times by default");
    assert!(!r.text().await.unwrap().contains("Mars"), "the detail stays in the log");
    let logs = crate::helpers::captured_logs();
    let line = logs.lines().find(|l| l.contains("Olympus")).unwrap_or_default();
    assert!(
        line.contains("ERROR") && line.contains("ClinicZone"),
        "the log says what it could not read: {line}"
    );
}
