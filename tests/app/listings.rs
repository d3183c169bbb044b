//! The public listings' reads are kept for a second (`store::listings`): what a visitor may see
//! late, and how late.

use crate::helpers::{TestApp, booking_json, phone};
use chrono::Duration;
use groupcare::store::listings::FRESH_FOR;
use std::time::Instant;

async fn seats_left(app: &TestApp, session: i64) -> i64 {
    let listed: serde_json::Value = app.get("/api/v1/sessions").await.json().await.unwrap();
    let listed = listed.as_array().unwrap().iter().find(|s| s["id"] == session).expect("the group is listed");
    listed["seats_left"].as_i64().unwrap()
}

#[tokio::test]
async fn a_booking_shows_at_once_on_its_own_instance_and_within_a_second_on_the_other() {
    let here = TestApp::spawn().await;
    let there = here.another_instance().await;
    let session = here.session_starting_in(Duration::days(2), 12, 1).await;
    // Both instances have read the listing (and keep what they read).
    assert_eq!(seats_left(&here, session).await, 12);
    assert_eq!(seats_left(&there, session).await, 12);
    let (_, page) = here.get_html("/sessions").await;
    assert!(page.contains("12 seats left"));

    assert_eq!(here.post_booking(&booking_json(session, &phone(1)), None).await.status(), 201);
    assert_eq!(seats_left(&here, session).await, 11, "the instance that took the booking shows it at once");
    let (_, page) = here.get_html("/sessions").await;
    assert!(page.contains("11 seats left"), "on the page as well");

    shows_within_a_second(
        || async { seats_left(&there, session).await == 11 },
        "the other instance's 11 seats",
    )
    .await;
}

/// Waits for `shown` to hold: within a kept read's second, with room for a slow machine.
pub(crate) async fn shows_within_a_second<F: Future<Output = bool>>(
    mut shown: impl FnMut() -> F,
    what: &str,
) {
    let changed = Instant::now();
    while !shown().await {
        assert!(changed.elapsed() < FRESH_FOR * 3, "still not shown: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_group_cancelled_outside_the_app_leaves_the_listing_within_a_second() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    let (_, page) = app.get_html("/sessions").await;
    assert!(page.contains("12 seats left"));
    // As the command line or the other instance would: straight in the database.
    sqlx::query("update session set status = 'cancelled' where id = $1")
        .bind(session)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    shows_within_a_second(
        || async { !app.get_html("/sessions").await.1.contains("12 seats left") },
        "the cancelled group no longer offering its seats",
    )
    .await;
}

#[tokio::test]
async fn a_post_anyone_can_send_without_changing_anything_does_not_end_the_kept_reads() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    // Each try must fit in the second a read is kept; a slow machine gets another try.
    for capacity in 6..12 {
        let started = Instant::now();
        let before = seats_left(&app, session).await;
        sqlx::query("update session set room_capacity = $1 where id = $2")
            .bind(capacity)
            .bind(session)
            .execute(&app.owner_pool)
            .await
            .unwrap();
        // Signing out without being signed in, and a staff action without a session: both are
        // answered with the way to the sign-in page, and change nothing.
        for path in ["/staff/logout", "/staff/admin/sessions/1/cancel"] {
            assert_eq!(app.post_form(path, &[]).await.status(), 303, "{path}");
        }
        let shown = seats_left(&app, session).await;
        if started.elapsed() < FRESH_FOR / 2 {
            assert_eq!(shown, before, "the kept read still serves");
            return;
        }
        // Too slow to tell: let the read go stale and try again.
        tokio::time::sleep(FRESH_FOR).await;
    }
    panic!("no try fitted in the second a read is kept");
}
