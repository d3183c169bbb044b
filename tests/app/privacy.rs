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
    let answer: serde_json::Value = app.post_booking(&body, Some("log-key")).await.json().await.unwrap();
    app.post_booking(&body, Some("log-key")).await;
    app.post_booking(&body, Some("log-key-2")).await;
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
        ("key", "log-form"),
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
    app.post_form(&format!("/manage/{token}/cancel"), &[]).await;

    let logs = captured_logs();
    assert!(logs.contains("/sessions/{id}/book"), "the log names routes: the capture works");
    let reference = answer["reference"].as_str().unwrap();
    for secret in
        [first, last, email, note, "555-0173", "5550173", "5550174", "bad-zq", "nope-0173", token, reference]
    {
        assert!(!logs.contains(secret), "{secret:?} leaked into the log");
    }
}
