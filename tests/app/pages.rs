//! The public pages, read as a visitor's browser would read them.

use crate::helpers::TestApp;
use chrono::{Duration, Utc};

#[tokio::test]
async fn the_home_page_explains_groups_and_booking_and_lists_the_clinics() {
    let app = TestApp::spawn().await;
    app.session_starting_in(Duration::days(3), 12, 1).await;
    let (code, html) = app.get_html("/").await;
    assert_eq!(code, 200);
    for benefit in [
        "You are not alone",
        "You understand yourself better",
        "You learn from each other",
        "You help others",
        "You find hope",
        "You get useful facts",
        "You pick up good habits",
        "You belong",
        "You let feelings out",
    ] {
        assert!(html.contains(benefit), "benefit {benefit}");
    }
    assert!(html.contains("How booking works"));
    assert!(html.contains("Test Valley Clinic") && html.contains("(951) 555-0100"));
    assert!(html.contains("Medicare coverage is coming soon."));
    assert!(html.contains("<html lang=\"en\">"));
    assert_eq!(html.matches("<h1>").count(), 1);
}

#[tokio::test]
async fn every_public_page_carries_the_crisis_lines_and_a_title() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let counselor: i64 =
        sqlx::query_scalar("select min(id) from counselor").fetch_one(&app.pool).await.unwrap();
    for path in crate::helpers::public_paths(session, counselor) {
        let (_, html) = app.get_html(&path).await;
        assert!(html.contains("Call or text 988"), "988 on {path}");
        assert!(html.contains("1-800-662-4357"), "helpline on {path}");
        assert!(html.contains("<title>") && html.matches("<h1>").count() == 1, "title and one h1 on {path}");
    }
}

#[tokio::test]
async fn the_sessions_page_groups_by_local_day_and_filters_through_the_query_string() {
    let app = TestApp::spawn().await;
    let tz = chrono_tz::America::Los_Angeles;
    let day = (Utc::now().with_timezone(&tz) + Duration::days(3)).date_naive();
    let ten = chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let morning = groupcare::domain::schedule::local_to_utc(tz, day, ten);
    let first = app.session_at(morning, Duration::minutes(90), 12, 1).await;
    let second = app.session_at(morning + Duration::days(1), Duration::minutes(60), 12, 2).await;
    sqlx::query("update session set language = 'es' where id = $1")
        .bind(second)
        .execute(&app.pool)
        .await
        .unwrap();

    let (code, html) = app.get_html("/sessions").await;
    assert_eq!(code, 200);
    assert_eq!(html.matches("<section class=\"day\">").count(), 2);
    assert!(html.contains(&format!("<h2>{}</h2>", groupcare::web::i18n::Ui::english().date(day))));
    assert!(html.contains("10:00\u{a0}AM – 11:30\u{a0}AM"));
    assert!(html.contains("12 seats left"));
    assert!(html.contains("2 groups"));

    let (_, html) = app.get_html("/sessions?language=es").await;
    assert!(
        html.contains(&format!("/sessions/{second}\"")) && !html.contains(&format!("/sessions/{first}\""))
    );
    assert!(html.contains("<option value=\"es\" selected>"), "the filter shows what is applied");
    assert!(html.contains("Show all groups"));

    let (_, html) = app.get_html(&format!("/sessions?day={day}&clinic=&topic=")).await;
    assert!(
        html.contains(&format!("/sessions/{first}\"")) && !html.contains(&format!("/sessions/{second}\""))
    );
    let (code, html) = app.get_html("/sessions?day=not-a-date&clinic=x").await;
    assert_eq!(code, 200, "a stale shared link still works");
    assert!(html.contains("2 groups"));
}

#[tokio::test]
async fn a_full_group_offers_the_waitlist_and_a_closed_one_the_phone() {
    let app = TestApp::spawn().await;
    let full = app.session_starting_in(Duration::days(3), 1, 1).await;
    let r = app.post_booking(&crate::helpers::booking_json(full, "(909) 555-0101"), None).await;
    assert_eq!(r.status(), 201);
    let (_, html) = app.get_html(&format!("/sessions/{full}")).await;
    assert!(html.contains("Full: join the waitlist"));
    assert!(html.contains("Join the waitlist</button>"));

    let soon = app.session_starting_in(Duration::minutes(30), 12, 1).await;
    let (_, html) = app.get_html(&format!("/sessions/{soon}")).await;
    assert!(html.contains("call the clinic at (951) 555-0100"));
    assert!(!html.contains("<form method=\"post\""), "no form for a group that takes no requests");
}

#[tokio::test]
async fn a_session_page_shows_the_group_its_counselors_and_a_safe_booking_form() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 24, 2).await;
    let (code, html) = app.get_html(&format!("/sessions/{session}")).await;
    assert_eq!(code, 200);
    assert!(html.contains("For your first months."), "topic description");
    assert!(html.contains("Counselor 0") && html.contains("Counselor 1") && html.contains("LCSW"));
    assert!(html.contains("1 Test Way, Riverside"));
    assert!(html.contains("24 seats left"), "two counselors lead up to 24");
    assert!(html.contains(r#"<input type="hidden" name="key" value=""#));
    assert!(html.contains(r#"name="website""#), "honeypot");
    assert!(html.contains("Only our clinic staff see it") && html.contains(r#"<a href="/privacy">"#));
    let key = |h: &str| h[h.find(r#"name="key" value=""#).unwrap() + 18..][..32].to_owned();
    let (_, again) = app.get_html(&format!("/sessions/{session}")).await;
    assert_ne!(key(&html), key(&again), "every form gets its own one-time key");
    assert!(html.contains(r#"<option value="en" selected>"#), "the group's language is preferred");
    sqlx::query("update session set language = 'es' where id = $1")
        .bind(session)
        .execute(&app.pool)
        .await
        .unwrap();
    // A change behind the app's back reaches its public pages within a second.
    tokio::time::sleep(groupcare::store::listings::FRESH_FOR).await;
    let (_, spanish) = app.get_html(&format!("/sessions/{session}")).await;
    assert!(spanish.contains(r#"<option value="es" selected>"#));
    assert_eq!(app.get("/sessions/999999").await.status(), 404);
}

#[tokio::test]
async fn booking_through_the_form_leads_to_a_private_page_with_reference_and_next_steps() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let fields = [
        ("key", "a-form-key-000001"),
        ("first_name", "Rosa"),
        ("last_name", "Vega"),
        ("phone", "909-555-0166"),
        ("language", "en"),
        ("consent_sms", "on"),
    ];
    let r = app.post_form(&format!("/sessions/{session}/book"), &fields).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/manage/") && location.ends_with("?new=1"));
    let token = &location["/manage/".len()..location.len() - "?new=1".len()];
    assert!(token.len() >= 32, "at least 128 bits");

    let page = app.get(&location).await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("We have your request"));
    assert!(html.contains("Requested: a seat is held for you"));
    assert!(html.contains("Weekdays 8 to 4"), "intake hours");
    assert!(html.contains(&format!(">{}/manage/{token}</a>", app.base)), "the private link, to copy");
    assert!(!html.contains("Rosa") && !html.contains("Vega"), "no patient data on the page");
    let reference: String =
        sqlx::query_scalar("select reference from booking").fetch_one(&app.pool).await.unwrap();
    assert!(html.contains(&format!("<dd class=\"reference\">{reference}</dd>")));
    assert!(reference.len() == 8 && !reference.contains(['0', 'O', '1', 'I', 'L']));

    let stored: Vec<u8> =
        sqlx::query_scalar("select manage_token_hash from booking").fetch_one(&app.pool).await.unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash of the link is stored");
    let again = app.post_form(&format!("/sessions/{session}/book"), &fields).await;
    assert_eq!(
        again.headers()["location"].to_str().unwrap(),
        location,
        "a double submit is the same request"
    );
    assert_eq!(app.count("select count(*) from booking").await, 1);
}

#[tokio::test]
async fn counselors_have_a_page_each_with_their_upcoming_groups() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let counselor: i64 =
        sqlx::query_scalar("select counselor_id from session_counselor where session_id = $1")
            .bind(session)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (_, list) = app.get_html("/counselors").await;
    assert!(list.contains("Counselor 0, LCSW") && list.contains(&format!("/counselors/{counselor}")));
    let (code, html) = app.get_html(&format!("/counselors/{counselor}")).await;
    assert_eq!(code, 200);
    assert!(html.contains("Leads groups.") && html.contains(&format!("/sessions/{session}")));
    assert_eq!(app.get("/counselors/0").await.status(), 404);
}

#[tokio::test]
async fn health_readiness_and_security_headers() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    let r = app.get("/").await;
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));

    app.pool.close().await;
    assert_eq!(app.get("/readyz").await.status(), 503, "not ready without a database");
    assert_eq!(app.get("/healthz").await.status(), 200, "but still alive");
}

#[tokio::test]
async fn public_listings_show_seats_left_and_never_a_name() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let mut body = crate::helpers::booking_json(session, "(909) 555-0144");
    body["first_name"] = serde_json::Value::from("Ottoline");
    body["last_name"] = serde_json::Value::from("Featherstonehaugh");
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    for path in ["/sessions".to_owned(), format!("/sessions/{session}"), "/api/v1/sessions".to_owned()] {
        let text = app.get(&path).await.text().await.unwrap();
        assert!(text.contains("11 seats left") || text.contains("\"seats_left\":11"), "seats left on {path}");
        assert!(
            !text.contains("Ottoline") && !text.contains("Featherstonehaugh") && !text.contains("555-0144"),
            "{path}"
        );
    }
}
