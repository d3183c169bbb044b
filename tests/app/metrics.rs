//! The metrics listener: requests by route pattern and status, latencies, the pool, requests
//! in flight, booking transitions and the outbox's depth, with no id, token or patient value in
//! any label.

use crate::helpers::{TestApp, booking_json, phone};
use chrono::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_metrics_name_route_patterns_and_states_never_ids_or_patient_values() {
    let app = TestApp::spawn().await;
    let metrics = groupcare::metrics::router(
        app.pool.clone(),
        std::sync::Arc::new(tokio::sync::Semaphore::new(512)),
        512,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    tokio::spawn(groupcare::web::serving::serve(listener, metrics, std::future::pending()));

    let session = app.session_starting_in(Duration::days(2), 10, 1).await;
    let booked: serde_json::Value =
        app.post_booking(&booking_json(session, &phone(4321)), None).await.json().await.unwrap();
    let manage = booked["manage_url"].as_str().unwrap();
    let token = &manage[manage.rfind('/').unwrap() + 1..];
    assert_eq!(app.get(&format!("/sessions/{session}")).await.status(), 200);
    assert_eq!(app.get(&manage[manage.find("/manage/").unwrap()..]).await.status(), 200);
    assert_eq!(app.get("/no-such-page").await.status(), 404);

    // A method is any word a client sends: it is never a label as sent.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut raw = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
        raw.write_all(b"JOHNSMITH-DOB-19800101 / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        raw.read_to_end(&mut answer).await.unwrap();
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 405"));
    }
    let r = reqwest::get(format!("http://{at}/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for expected in [
        r#"groupcare_http_requests_total{route="/sessions/{id}",method="GET",status="200"}"#,
        r#"route="/manage/{token}",method="GET",status="200""#,
        r#"route="/api/v1/bookings",method="POST",status="201""#,
        r#"route="(unmatched)",method="GET",status="404""#,
        "groupcare_http_request_duration_seconds_bucket",
        r#"groupcare_booking_transitions_total{from="new",to="requested"}"#,
        "groupcare_messages_pending",
        r#"groupcare_db_pool_connections{state="idle"}"#,
        "groupcare_requests_in_flight",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(text.contains(r#"method="other""#), "{text}");
    // What a line says before its value: the metric's name and labels. (The values are
    // numbers, in which the phone's digits may turn up by chance: a sum of 0.0043219 s.)
    let names_and_labels: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').map_or(l, |(named, _value)| named))
        .collect();
    for secret in
        [token, &format!("/sessions/{session}"), "4321", booked["reference"].as_str().unwrap(), "JOHNSMITH"]
    {
        let found = names_and_labels.iter().find(|l| l.contains(secret));
        assert!(found.is_none(), "{secret} must not be in the metrics: {found:?}");
    }
}
