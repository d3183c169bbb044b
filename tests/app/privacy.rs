//! Patient data stays out of the logs, whatever path a request takes.

use crate::helpers::{TestApp, captured_logs};
use chrono::Duration;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_patient_field_appears_in_the_log_output() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 1, 1).await;
    let too_soon = app.session_starting_in(Duration::minutes(20), 1, 1).await;
    let (first, last, email, note) =
        ("Zebulonia", "Quarrington", "zq.private@example.org", "Tuesdays-only-marker");
    let phone = "(909) 555-0173";
    let body = json!({
        "session_id": session, "first_name": first, "last_name": last, "phone": phone,
        "email": email, "notes": note, "consent_sms": true,
    });

    // Accepted, waitlisted, repeated, refused and invalid, through the API and the form.
    let answer: serde_json::Value =
        app.post_booking(&body, Some("log-key-00000001")).await.json().await.unwrap();
    app.post_booking(&body, Some("log-key-00000001")).await;
    app.post_booking(&body, Some("log-key-00000002")).await;
    app.post_booking(
        &json!({"session_id": too_soon, "first_name": first, "last_name": last, "phone": phone}),
        None,
    )
    .await;
    app.post_booking(&json!({"session_id": session, "first_name": first, "last_name": last, "phone": "12345", "email": "bad-zq@"}), None).await;
    app.client
        .post(app.url("/api/v1/bookings"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"session_id": "x", "first_name": "{first}", "phone": 9095550173}}"#))
        .send()
        .await
        .unwrap();
    let form = [
        ("key", "log-form-00000001"),
        ("first_name", first),
        ("last_name", last),
        ("phone", "9095550174"),
        ("email", email),
        ("notes", note),
    ];
    let r = app.post_form(&format!("/sessions/{session}/book"), &form).await;
    let manage = r.headers()["location"].to_str().unwrap().to_owned();
    app.get(&manage).await;
    app.post_form(&format!("/sessions/{session}/book"), &[("first_name", first), ("phone", "nope-0173")])
        .await;
    let link = answer["manage_url"].as_str().unwrap();
    let token = &link[link.rfind('/').unwrap() + 1..];
    app.post_form(&format!("/manage/{token}/cancel"), &[("confirm", "yes")]).await;

    let logs = captured_logs();
    assert!(logs.contains("/sessions/{id}/book"), "the log names routes: the capture works");
    let reference = answer["reference"].as_str().unwrap();
    for secret in
        [first, last, email, note, "555-0173", "5550173", "5550174", "bad-zq", "nope-0173", token, reference]
    {
        assert!(!logs.contains(secret), "{secret:?} leaked into the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_work_on_a_request_leaves_no_patient_field_in_the_log() {
    use crate::staff_auth::{get_as, hidden, login, second_factor_optional, staff_account};
    use groupcare::domain::staff::StaffRole;
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let session = app.session_starting_in(Duration::days(2), 5, 1).await;
    let (first, last, note) = ("Wilhelmina", "Staffordshire", "Evenings-marker-7731");
    let body = json!({"session_id": session, "first_name": first, "last_name": last, "phone": "(951) 555-0188",
                      "notes": note, "email": "wq.private@example.org"});
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    let booking: i64 = sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    staff_account(&app, "admin@x.test", StaffRole::Admin).await;
    let admin = login(&app, "admin@x.test").await;
    let page = get_as(&app, &admin, &format!("/staff/intake/requests/{booking}")).await.text().await.unwrap();
    assert!(page.contains(first), "the page shows the patient to staff");
    let csrf = hidden(&page, "csrf");
    for path in ["confirm", "contact"] {
        app.client
            .post(app.url(&format!("/staff/intake/requests/{booking}/{path}")))
            .header("cookie", format!("gc_staff={admin}"))
            .form(&[("csrf", csrf.as_str()), ("outcome", "called")])
            .send()
            .await
            .unwrap();
    }
    get_as(&app, &admin, "/staff/intake?status=confirmed").await;
    get_as(&app, &admin, &format!("/staff/sessions/{session}/roster")).await;
    get_as(&app, &admin, &format!("/staff/sessions/{session}/sign-in-sheet")).await;
    app.client
        .post(app.url("/staff/admin/audit"))
        .header("cookie", format!("gc_staff={admin}"))
        .form(&[("csrf", csrf.as_str()), ("patient", "951-555-0188")])
        .send()
        .await
        .unwrap();

    let logs = captured_logs();
    assert!(logs.contains("/staff/intake/requests/{id}"), "the capture works");
    for secret in [first, last, note, "555-0188", "5550188", "wq.private"] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the log");
    }
}
