//! The public JSON API as PRODUCT.md's contract states it.

use crate::helpers::{TestApp, booking_json};
use chrono::{DateTime, Duration};
use serde_json::Value;

#[tokio::test]
async fn upcoming_sessions_carry_the_contract_fields_with_local_offsets() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 20, 2).await;
    app.session_starting_in(Duration::days(40), 20, 1).await; // beyond four weeks
    app.session_starting_in(Duration::hours(-2), 20, 1).await; // already over

    let r = app.get("/api/v1/sessions").await;
    assert_eq!(r.status(), 200);
    let list: Vec<Value> = r.json().await.unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(s["id"], session);
    assert_eq!(s["clinic"], "Test Valley Clinic");
    assert_eq!(s["topic"], "Early recovery");
    assert_eq!(s["language"], "en");
    assert_eq!(s["capacity"], 20);
    assert_eq!(s["seats_left"], 20);
    assert_eq!(s["waitlist_length"], 0);
    assert_eq!(s["status"], "open");
    assert_eq!(s["counselors"].as_array().unwrap().len(), 2);
    assert!(s["counselors"][0]["id"].is_i64() && s["counselors"][0]["name"].is_string());
    for field in ["starts_at", "ends_at"] {
        let text = s[field].as_str().unwrap();
        let parsed = DateTime::parse_from_rfc3339(text).unwrap();
        assert!(
            [-7 * 3600, -8 * 3600].contains(&parsed.offset().local_minus_utc()),
            "Pacific offset: {text}"
        );
    }
}

#[tokio::test]
async fn a_booking_answer_follows_the_contract_and_its_link_opens_its_own_page() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 1, 1).await;
    let r = app.post_booking(&booking_json(session, "(909) 555-0111"), Some("api-key-00000001")).await;
    assert_eq!(r.status(), 201);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["status"], "requested");
    assert!(answer["waitlist_position"].is_null());
    assert_eq!(answer["reference"].as_str().unwrap().len(), 8);
    let link = answer["manage_url"].as_str().unwrap();
    assert!(link.starts_with(&app.base));
    let (code, html) = app.get_html(&link[app.base.len()..]).await;
    assert_eq!(code, 200);
    assert!(html.contains(answer["reference"].as_str().unwrap()));

    let waiting: Value =
        app.post_booking(&booking_json(session, "(909) 555-0112"), None).await.json().await.unwrap();
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["waitlist_position"], 1);

    let replay: Value = app
        .post_booking(&booking_json(session, "(909) 555-0111"), Some("api-key-00000001"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replay, answer, "the same key, the same answer");
}

#[tokio::test]
async fn the_session_list_takes_a_range_of_clinic_dates_of_up_to_92_days() {
    let app = TestApp::spawn().await;
    let soon = app.session_starting_in(Duration::days(3), 20, 1).await;
    let later = app.session_starting_in(Duration::days(40), 20, 1).await;
    let far = app.session_starting_in(Duration::days(120), 20, 1).await;
    app.session_starting_in(Duration::hours(-2), 20, 1).await; // started: never listed
    let today = chrono::Utc::now().with_timezone(&chrono_tz::America::Los_Angeles).date_naive();
    let ids = |list: Vec<Value>| list.iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let listed = |from: i64, to: i64| {
        let (from, to) = (today + Duration::days(from), today + Duration::days(to));
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/sessions?from={from}&to={to}")).await;
            assert_eq!(r.status(), 200);
            ids(r.json().await.unwrap())
        }
    };
    assert_eq!(ids(app.get("/api/v1/sessions").await.json().await.unwrap()), [soon], "the next four weeks");
    assert_eq!(listed(30, 50).await, [later]);
    assert_eq!(listed(-10, 82).await, [soon, later], "92 days, started sessions left out");
    assert_eq!(listed(100, 130).await, [far]);
    let later_from = today + Duration::days(35);
    let r = app.get(&format!("/api/v1/sessions?from={later_from}")).await;
    assert_eq!(ids(r.json().await.unwrap()), [later], "four weeks from `from`");

    for (query, field) in [
        (format!("from={today}&to={}", today + Duration::days(93)), "to"),
        (format!("from={today}&to={}", today - Duration::days(1)), "to"),
        ("from=next%20tuesday".to_owned(), "from"),
        ("to=2027-02-30".to_owned(), "to"),
        // Years chrono reads but no calendar here needs: refused, not a failure of ours.
        ("from=%2B262142-12-31".to_owned(), "from"),
        ("from=-9999-01-01&to=-9999-01-02".to_owned(), "from"),
    ] {
        let r = app.get(&format!("/api/v1/sessions?{query}")).await;
        assert_eq!(r.status(), 422, "{query}");
        let body: Value = r.json().await.unwrap();
        assert!(body["errors"][field].is_string(), "{query}: {body}");
    }
}
