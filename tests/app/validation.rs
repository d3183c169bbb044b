//! Bad input gets a clear message, never a 500, and nothing is stored.

use crate::helpers::{TestApp, booking_json, test_settings};
use chrono::Duration;
use groupcare::config::BookingSettings;
use serde_json::{Value, json};

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

#[tokio::test]
async fn each_bad_field_in_the_api_gets_a_422_naming_that_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let good = booking_json(session, "(909) 555-0123");
    let cases = [
        ("first_name", json!("")),
        ("first_name", json!("   ")),
        ("first_name", json!("a".repeat(61))),
        ("last_name", json!("")),
        ("last_name", json!("b".repeat(61))),
        ("phone", json!("12345")),
        ("phone", json!("+44 20 7946 0958")),
        ("phone", json!("(109) 555-0123")),
        ("phone", json!("")),
        ("email", json!("not-an-address")),
        ("email", json!("ana@localhost")),
        ("notes", json!("n".repeat(501))),
        ("language", json!("fr")),
    ];
    for (field, value) in cases {
        let r = app.post_booking(&with(good.clone(), field, value.clone()), None).await;
        assert_eq!(r.status(), 422, "{field} = {value}");
        let body: Value = r.json().await.unwrap();
        let message =
            body["errors"][field].as_str().unwrap_or_else(|| panic!("a message for {field}: {body}"));
        assert!(message.starts_with("Please"), "{message}");
        assert_eq!(body["errors"].as_object().unwrap().len(), 1, "only {field} is wrong: {body}");
    }
    let missing = app.post_booking(&json!({"first_name": "Ana"}), None).await;
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.unwrap();
    for field in ["session_id", "last_name", "phone"] {
        assert!(body["errors"][field].is_string(), "{field} reported: {body}");
    }
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn values_of_the_wrong_type_are_reported_per_field_without_echoing_them() {
    let app = TestApp::spawn().await;
    let post_raw = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/bookings"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = post_raw(r#"{"session_id": "seven", "first_name": "Ana", "last_name": "Li", "phone": 9095550123, "consent_sms": "yes"}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"]["session_id"], "Must be a session id (a whole number).");
    assert_eq!(body["errors"]["phone"], "Must be text.");
    assert_eq!(body["errors"]["consent_sms"], "Must be true or false.");
    assert!(!body.to_string().contains("9095550123"), "the answer does not echo the body");

    for not_an_object in [r#"[1, 2]"#, r#"{"session_id": 1,"#, "null"] {
        let r = post_raw(not_an_object).await.unwrap();
        assert_eq!(r.status(), 422, "{not_an_object}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("JSON object"));
    }
    let r = app.client.post(app.url("/api/v1/bookings")).body("first_name=Ana").send().await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn null_optional_fields_are_simply_absent() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": "Li", "phone": "(909) 555-0123",
        "email": null, "notes": null, "language": null, "consent_sms": null,
    });
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
}

#[tokio::test]
async fn an_unusable_idempotency_key_is_refused_rather_than_ignored() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let long = "k".repeat(201);
    for key in ["   ", long.as_str(), "two words and more", "short-key-15chr"] {
        let r = app.post_booking(&booking_json(session, "(909) 555-0123"), Some(key)).await;
        assert_eq!(r.status(), 422, "{key:?}");
        let body: Value = r.json().await.unwrap();
        assert!(body["errors"]["idempotency_key"].is_string());
    }
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn sessions_that_cannot_be_booked_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let started = app.session_starting_in(Duration::minutes(-10), 12, 1).await;
    let too_soon = app.session_starting_in(Duration::minutes(90), 12, 1).await;
    let cancelled = app.session_starting_in(Duration::days(2), 12, 1).await;
    sqlx::query("update session set status = 'cancelled' where id = $1")
        .bind(cancelled)
        .execute(&app.pool)
        .await
        .unwrap();

    for (session, status, words) in [
        (started, 409, "already started"),
        (too_soon, 409, "starts soon"),
        (cancelled, 409, "cancelled"),
        (987_654, 404, "No session"),
    ] {
        let r = app.post_booking(&booking_json(session, "(909) 555-0123"), None).await;
        assert_eq!(r.status(), status, "session {session}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(words), "{body}");
    }
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

fn form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("key", "form-key-00000001"),
        ("first_name", "Ana"),
        ("last_name", "Lopez"),
        ("phone", "(909) 555-0177"),
        ("email", ""),
        ("language", "es"),
        ("notes", ""),
        ("consent_sms", "on"),
        ("website", ""),
    ];
    for (k, v) in overrides {
        fields.retain(|(f, _)| f != k);
        fields.push((k, v));
    }
    fields
}

#[tokio::test]
async fn a_bad_form_comes_back_with_the_problem_beside_the_field_and_the_input_kept() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let path = format!("/sessions/{session}/book");

    let r = app
        .post_form(&path, &form(&[("phone", "555-01"), ("email", "ana@"), ("notes", "Mornings <b>only</b>")]))
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<p class="field-error" id="f-phone-error">Please enter a US phone number"#));
    assert!(html.contains(r#"<p class="field-error" id="f-email-error">Please enter an e-mail address"#));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(html.contains(r##"<a href="#f-phone">"##), "the summary links to the field");
    assert!(html.contains(r#"value="Ana""#) && html.contains(r#"value="555-01""#), "input kept");
    assert!(
        html.contains("Mornings &#60;b&#62;only&#60;/b&#62;") || html.contains("Mornings &lt;b&gt;only"),
        "escaped"
    );
    assert!(html.contains(r#"<option value="es" selected>"#), "the chosen language kept");
    assert!(html.contains(r#"name="key" value="form-key-00000001""#), "the same one-time key");

    let long_name = "x".repeat(61);
    let r = app.post_form(&path, &form(&[("first_name", ""), ("last_name", &long_name)])).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="f-first_name-error">Please fill this in."#));
    assert!(html.contains(r#"id="f-last_name-error">Please use at most 60 characters."#));
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn a_filled_honeypot_is_refused_with_a_message_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let r = app
        .post_form(&format!("/sessions/{session}/book"), &form(&[("website", "http://spam.example")]))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Please leave the last field empty"));
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn the_form_for_a_group_that_cannot_be_booked_explains_why() {
    let app = TestApp::spawn().await;
    let too_soon = app.session_starting_in(Duration::minutes(60), 12, 1).await;
    let r = app.post_form(&format!("/sessions/{too_soon}/book"), &form(&[])).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("call the clinic at (951) 555-0100"), "{html}");
    assert_eq!(app.post_form("/sessions/424242/book", &form(&[])).await.status(), 404);
    assert_eq!(app.post_form("/sessions/not-a-number/book", &form(&[])).await.status(), 404);
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_on_the_form_and_the_api() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let huge = "n".repeat(64 * 1024);
    let r = app.post_form(&format!("/sessions/{session}/book"), &form(&[("notes", &huge)])).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("more text than we can take"));
    let r =
        app.post_booking(&with(booking_json(session, "(909) 555-0123"), "notes", json!(huge)), None).await;
    assert_eq!(r.status(), 413);
    assert_eq!(app.count("select count(*) from booking").await, 0);
}

#[tokio::test]
async fn a_one_time_key_reused_for_another_request_is_refused() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let first = app.post_booking(&booking_json(session, "(909) 555-0123"), Some("shared-key-000001")).await;
    assert_eq!(first.status(), 201);
    let other = app.post_booking(&booking_json(session, "(909) 555-0999"), Some("shared-key-000001")).await;
    assert_eq!(other.status(), 422);
    let body: Value = other.json().await.unwrap();
    assert!(body["errors"]["idempotency_key"].is_string());
    assert!(!body.to_string().contains("manage"), "no link handed out");
    assert_eq!(app.count("select count(*) from booking").await, 1);
}

#[tokio::test]
async fn over_the_rate_limit_a_client_gets_429_with_a_message() {
    // The count is per clock minute: the app's clock stands still inside one.
    let app = TestApp::spawn_tuned(
        crate::helpers::fresh_migrated_database_url().await,
        BookingSettings { rate_per_min: 3, ..test_settings() },
        groupcare::keys::Keys::random(),
        |s| groupcare::AppState { clock: groupcare::web::Clock::Fixed(chrono::Utc::now()), ..s },
    )
    .await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    for i in 0..3 {
        let r = app.post_booking(&booking_json(session, &format!("(909) 555-01{i:02}")), None).await;
        assert_eq!(r.status(), 201);
    }
    let r = app.post_booking(&booking_json(session, "(909) 555-0150"), None).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    let r = app.post_form(&format!("/sessions/{session}/book"), &form(&[])).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Please wait a minute"));
    assert_eq!(app.count("select count(*) from booking").await, 3);
}

#[tokio::test]
async fn old_rate_counts_are_forgotten_and_current_ones_kept() {
    use groupcare::store::rate_limit::{count_booking_attempt, forget_old_attempts};
    let app = TestApp::spawn().await;
    let mut conn = app.pool.acquire().await.unwrap();
    // A time whose counting never sweeps by itself (that happens on one second in sixteen).
    let now = chrono::DateTime::from_timestamp(1_800_000_001, 0).unwrap();
    count_booking_attempt(&mut conn, b"old client", now - Duration::minutes(30)).await.unwrap();
    assert_eq!(count_booking_attempt(&mut conn, b"new client", now).await.unwrap(), 1);
    assert_eq!(forget_old_attempts(&mut conn, now).await.unwrap(), 1, "the old minute");
    assert_eq!(
        count_booking_attempt(&mut conn, b"new client", now).await.unwrap(),
        2,
        "the current one kept"
    );
}
