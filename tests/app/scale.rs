//! At the scale of a busy year (`groupcare seed --scale`), the hot pages find their bookings by
//! index: none of them reads the whole `booking` table, so their cost does not grow with the
//! bookings. Checked from PostgreSQL's own counters of sequential scans, over real
//! requests to the real pages.

use crate::helpers::{TestApp, booking_json, fresh_migrated_database_url, phone, test_settings};
use crate::staff_auth::{PASSWORD, get_as, login, second_factor_optional};
use chrono::Utc;
use groupcare::keys::Keys;

/// Sequential scans of `booking` and `session` counted so far in this database.
async fn sequential_scans(url: &str) -> (i64, i64) {
    let pool = groupcare::db::connect(url, 1).await.unwrap();
    let counts = sqlx::query_as(
        "select coalesce(sum(seq_scan) filter (where relname = 'booking'), 0)::bigint, \
                coalesce(sum(seq_scan) filter (where relname = 'session'), 0)::bigint \
         from pg_stat_user_tables",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_scale_the_hot_pages_never_read_all_bookings_or_groups() {
    let url = fresh_migrated_database_url().await;
    let seeding = groupcare::db::connect(&url, 2).await.unwrap();
    groupcare::demo::seed(&seeding, Utc::now(), Some(PASSWORD)).await.unwrap();
    groupcare::scale::seed(&seeding, 40_000, Utc::now(), |_, _| {}).await.unwrap();
    seeding.close().await;

    let mut app = TestApp::spawn_on(url.clone(), test_settings(), Keys::random()).await;
    second_factor_optional(&app).await;
    // The first group still taking requests (a seat or the waitlist): the next one may start
    // within the cut-off.
    let listing: serde_json::Value = app.get("/api/v1/sessions").await.json().await.unwrap();
    let taking = listing.as_array().unwrap().iter().find(|s| s["status"] == "open" || s["status"] == "full");
    let group = taking.unwrap()["id"].as_i64().unwrap();
    let booked: serde_json::Value =
        app.post_booking(&booking_json(group, &phone(77)), None).await.json().await.unwrap();
    let manage = booked["manage_url"].as_str().unwrap().to_owned();
    let intake = login(&app, "intake@demo.groupcare").await;
    let counselor = login(&app, "counselor1@demo.groupcare").await;
    let their_group: i64 = sqlx::query_scalar(
        "select sc.session_id from session_counselor sc join staff st on st.counselor_id = sc.counselor_id \
         join session s on s.id = sc.session_id where st.email = 'counselor1@demo.groupcare' \
         and s.starts_at > now() order by s.starts_at limit 1",
    )
    .fetch_one(&app.owner_pool)
    .await
    .unwrap();
    let request: i64 =
        sqlx::query_scalar("select max(id) from booking").fetch_one(&app.owner_pool).await.unwrap();

    // Counted from here: the pages only.
    let pool = groupcare::db::connect(&url, 1).await.unwrap();
    sqlx::query("select pg_stat_reset()").execute(&pool).await.unwrap();
    pool.close().await;
    for path in [
        "/sessions",
        &format!("/sessions/{group}"),
        "/api/v1/sessions",
        &manage[manage.find("/manage/").unwrap()..],
    ] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert_eq!(app.post_booking(&booking_json(group, &phone(78)), None).await.status(), 201);
    for path in ["/staff", "/staff/intake", &format!("/staff/intake/requests/{request}")] {
        assert_eq!(get_as(&app, &intake, path).await.status(), 200, "{path}");
    }
    for path in ["/staff/my-sessions", &format!("/staff/sessions/{their_group}/roster")] {
        assert_eq!(get_as(&app, &counselor, path).await.status(), 200, "{path}");
    }
    // The app's connections end, and with them their counters reach the statistics.
    app.shut_down().await;
    app.pool.close().await;
    app.owner_pool.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // Bookings grow without bound: never read whole. (Groups are a row per weekly group per
    // week, some hundreds a year whatever the bookings: the planner may read them whole where
    // that is cheapest.)
    let (booking, _session) = sequential_scans(&url).await;
    assert_eq!(booking, 0, "sequential scans of booking");
}
