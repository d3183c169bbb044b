//! Cancelling, promotion from the waitlist, overlaps and the booking cut-off, as a patient
//! meets them through the pages.

use crate::helpers::{TestApp, booking_json, phone};
use chrono::Duration;
use serde_json::Value;

async fn book(app: &TestApp, session: i64, n: usize) -> Value {
    let r = app
        .post_booking(&booking_json(session, &phone(n)), Some(&format!("booking-key-{session}-{n:04}")))
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn manage_path(answer: &Value) -> String {
    let url = answer["manage_url"].as_str().unwrap();
    url[url.find("/manage/").unwrap()..].to_owned()
}

async fn status_text(app: &TestApp, answer: &Value) -> String {
    let (code, html) = app.get_html(&manage_path(answer)).await;
    assert_eq!(code, 200);
    let start = html.find("class=\"status\">").expect("a status") + "class=\"status\">".len();
    html[start..start + html[start..].find("</dd>").unwrap()].to_owned()
}

#[tokio::test]
async fn cancelling_a_held_seat_promotes_the_first_in_line_and_closes_up_the_queue() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 1, 1).await;
    let holder = book(&app, session, 1).await;
    let first = book(&app, session, 2).await;
    let second = book(&app, session, 3).await;
    assert_eq!(
        (first["status"].as_str(), first["waitlist_position"].as_i64()),
        (Some("waitlisted"), Some(1))
    );
    assert_eq!(second["waitlist_position"], 2);

    let r = app.post_form(&format!("{}/cancel", manage_path(&holder)), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], manage_path(&holder));

    assert!(status_text(&app, &holder).await.starts_with("Cancelled"));
    assert!(status_text(&app, &first).await.starts_with("Requested"), "position 1 was promoted");
    assert!(status_text(&app, &second).await.contains("you are number 1"), "the queue closed up");
    let promoted_by_system = app
        .count("select count(*) from booking_event where from_status = 'waitlisted' and to_status = 'requested' and actor = 'system'")
        .await;
    assert_eq!(promoted_by_system, 1, "the promotion is recorded");

    // Cancelling again changes nothing and promotes no one else.
    let again = app.post_form(&format!("{}/cancel", manage_path(&holder)), &[("confirm", "yes")]).await;
    assert_eq!(again.status(), 303);
    assert!(status_text(&app, &second).await.contains("you are number 1"));
    assert_eq!(app.count("select count(*) from booking where status = 'requested'").await, 1);
    assert_eq!(app.count("select count(*) from booking_event where to_status = 'cancelled'").await, 1);
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn a_cancelled_request_no_longer_offers_to_cancel() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 5, 1).await;
    let answer = book(&app, session, 1).await;
    app.post_form(&format!("{}/cancel", manage_path(&answer)), &[("confirm", "yes")]).await;
    let (_, html) = app.get_html(&manage_path(&answer)).await;
    assert!(html.contains("This request is cancelled."));
    assert!(!html.contains("Cancel my request"));
}

#[tokio::test]
async fn a_request_that_overlaps_another_of_the_same_phone_at_the_clinic_is_taken_and_flagged() {
    let app = TestApp::spawn().await;
    let starts = chrono::Utc::now() + Duration::days(4);
    let a = app.session_at(starts, Duration::minutes(90), 10, 1).await;
    let b = app.session_at(starts + Duration::minutes(30), Duration::minutes(60), 10, 1).await;
    let c = app.session_at(starts + Duration::hours(3), Duration::minutes(60), 10, 1).await;
    // Another program, at the same hour: none of this clinic's business, not even as a flag.
    let elsewhere = app.session_at(starts + Duration::minutes(15), Duration::minutes(60), 10, 1).await;
    sqlx::query(
        "update session set clinic_id = (select clinic_id from session where id = $1) where id in ($2, $3)",
    )
    .bind(a)
    .bind(b)
    .bind(c)
    .execute(&app.pool)
    .await
    .unwrap();
    book(&app, elsewhere, 7).await;
    book(&app, a, 7).await;
    let overlapping = book(&app, b, 7).await;
    let later = book(&app, c, 7).await;
    assert_eq!(overlapping["status"], "requested");
    assert_eq!(later["status"], "requested");
    let flagged: Vec<i64> =
        sqlx::query_scalar("select session_id from booking where overlap_flag order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(flagged, [b]);
}

/// What the public listing says of `session`: seats left, waitlist length, status.
async fn public_counts(app: &TestApp, session: i64) -> (i64, i64, String) {
    let listed: Vec<Value> = app.get("/api/v1/sessions").await.json().await.unwrap();
    let s = listed.iter().find(|s| s["id"] == session).expect("listed");
    (s["seats_left"].as_i64().unwrap(), s["waitlist_length"].as_i64().unwrap(), s["status"].to_string())
}

#[tokio::test]
async fn a_repeat_request_moves_the_public_counts_exactly_as_a_new_person_would() {
    let app = TestApp::spawn().await;
    // Two groups alike: in one the same phone asks three times, in the other three people ask.
    let repeated = app.session_starting_in(Duration::days(2), 2, 1).await;
    let fresh = app.session_starting_in(Duration::days(2), 2, 1).await;
    let mut answers = (Vec::new(), Vec::new());
    for n in 0..3 {
        let r = app
            .post_booking(&booking_json(repeated, &phone(1)), Some(&format!("repeat-request-{n:04}")))
            .await;
        assert_eq!(r.status(), 201);
        answers.0.push(r.json::<Value>().await.unwrap());
        answers.1.push(book(&app, fresh, 10 + n).await);
        assert_eq!(
            public_counts(&app, repeated).await,
            public_counts(&app, fresh).await,
            "after request {n}"
        );
    }
    let shape = |a: &Value| (a["status"].clone(), a["waitlist_position"].clone());
    assert_eq!(
        answers.0.iter().map(shape).collect::<Vec<_>>(),
        answers.1.iter().map(shape).collect::<Vec<_>>()
    );
    assert_eq!(answers.0[2]["status"], "waitlisted", "the third repeat waits like a third person");
    assert_eq!(
        status_text(&app, &answers.0[2]).await,
        status_text(&app, &answers.1[2]).await,
        "the manage pages read the same"
    );

    // A seat frees: the repeat on the waitlist is promoted like anyone.
    app.post_form(&format!("{}/cancel", manage_path(&answers.0[0])), &[("confirm", "yes")]).await;
    app.post_form(&format!("{}/cancel", manage_path(&answers.1[0])), &[("confirm", "yes")]).await;
    assert_eq!(status_text(&app, &answers.0[2]).await, status_text(&app, &answers.1[2]).await);
    let promoted: String =
        sqlx::query_scalar("select status::text from booking where session_id = $1 order by id desc limit 1")
            .bind(repeated)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(promoted, "requested");
    assert_eq!(public_counts(&app, repeated).await, public_counts(&app, fresh).await);
    let flagged: i64 = sqlx::query_scalar("select count(*) from booking where duplicate_of is not null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(flagged, 2, "intake sees the two later requests as likely repeats");
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn an_unknown_manage_link_shows_a_calm_not_found_page() {
    let app = TestApp::spawn().await;
    let (code, html) = app.get_html(&format!("/manage/{}", "ab".repeat(32))).await;
    assert_eq!(code, 404);
    assert!(html.contains("This link doesn"));
    let r = app.post_form(&format!("/manage/{}/cancel", "cd".repeat(32)), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/manage/not-a-token").await.status(), 404);
}

/// A booking status is named in the database's enum, in its SQL functions and in Rust: each
/// status's code, whether it is active and whether it holds a seat must agree everywhere.
#[tokio::test]
async fn the_database_and_the_code_agree_on_what_each_booking_status_is() {
    use groupcare::domain::booking::BookingStatus;
    let app = TestApp::spawn().await;
    let stored: Vec<String> = sqlx::query_scalar("select unnest(enum_range(null::booking_status))::text")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let codes: Vec<&str> = BookingStatus::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(stored.len(), codes.len(), "the enum has {stored:?}, the code knows {codes:?}");
    for status in BookingStatus::ALL {
        let (code, active, holds_seat): (String, bool, bool) =
            sqlx::query_as("select $1::booking_status::text, booking_is_active($1), booking_holds_seat($1)")
                .bind(status)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(code, status.code());
        assert_eq!(active, status.is_active(), "{code}: active");
        assert_eq!(holds_seat, status.holds_seat(), "{code}: holds a seat");
    }
}

#[tokio::test]
async fn the_database_keeps_each_groups_seat_counts_and_no_one_sets_them_by_hand() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 1, 1).await;
    let first = book(&app, session, 1).await;
    book(&app, session, 2).await;
    assert_eq!(public_counts(&app, session).await.0, 0);
    // Changes made behind the app's back are counted as well: the owner cancels the seat.
    sqlx::query("update booking set status = 'cancelled' where reference = $1")
        .bind(first["reference"].as_str().unwrap())
        .execute(&app.owner_pool)
        .await
        .unwrap();
    app.assert_seat_counts_kept().await;
    // And a booking deleted outright (with what refers to it) leaves the waitlist.
    let waiting: i64 =
        sqlx::query_scalar("select id from booking where session_id = $1 and status = 'waitlisted'")
            .bind(session)
            .fetch_one(&app.owner_pool)
            .await
            .unwrap();
    for delete in [
        "delete from booking_request where booking_id = $1",
        "delete from booking_event where booking_id = $1",
        "delete from message where booking_id = $1",
        "delete from booking where id = $1",
    ] {
        sqlx::query(delete).bind(waiting).execute(&app.owner_pool).await.unwrap();
    }
    app.assert_seat_counts_kept().await;
    let kept: (i32, i32) = sqlx::query_as("select seats_held, places_waiting from session where id = $1")
        .bind(session)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, (0, 0));
    // Setting a count directly would let a group be overbooked: the app's role and the owner
    // are both refused, and the counts stay as they were.
    for pool in [&app.pool, &app.owner_pool] {
        let refused = sqlx::query("update session set seats_held = 0, places_waiting = 7 where id = $1")
            .bind(session)
            .execute(pool)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("seat counts are kept by the database"), "{refused}");
    }
    app.assert_seat_counts_kept().await;
    // Nor by giving a new group counts of its own: it starts with none.
    let copied: (i32, i32) = sqlx::query_as(
        "insert into session (clinic_id, topic_id, language, starts_at, ends_at, room_capacity, seats_per_counselor,
                              seats_held, places_waiting)
         select clinic_id, topic_id, language, starts_at + interval '1 day', ends_at + interval '1 day',
                room_capacity, seats_per_counselor, 50, 7 from session where id = $1
         returning seats_held, places_waiting",
    )
    .bind(session)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(copied, (0, 0));
    // And the owner emptying the bookings empties every group.
    book(&app, session, 3).await;
    sqlx::query("truncate booking cascade").execute(&app.owner_pool).await.unwrap();
    app.assert_seat_counts_kept().await;
}
