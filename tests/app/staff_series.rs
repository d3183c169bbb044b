//! Weekly groups: created in the clinic's time zone, and changed for coming sessions only.

use crate::helpers::{TestApp, booking_json, phone};
use crate::staff_auth::{post_as, signed_in};
use chrono::{Datelike, Duration, NaiveTime, Timelike, Utc};
use groupcare::domain::staff::StaffRole;

async fn post(app: &TestApp, session: &str, path: &str, form: &[(&str, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_as(app, session, path, &pairs).await
}

/// (local weekday, local hour:minute, room) of each session of the series, in start order.
async fn local_sessions(app: &TestApp, series: i64) -> Vec<(i64, chrono::DateTime<Utc>, i32, String)> {
    sqlx::query_as(
        "select id, starts_at, room_capacity, status::text from session where series_id = $1 order by starts_at",
    )
    .bind(series)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_new_weekly_group_is_scheduled_at_its_local_time_for_the_coming_weeks() {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let any = app.session_starting_in(Duration::days(1), 12, 1).await;
    let (clinic, topic): (i64, i64) = sqlx::query_as("select clinic_id, topic_id from session where id = $1")
        .bind(any)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let counselor: i64 =
        sqlx::query_scalar("select min(id) from counselor").fetch_one(&app.pool).await.unwrap();
    let today = Utc::now().date_naive();
    let form = vec![
        ("csrf", csrf.clone()),
        ("clinic", clinic.to_string()),
        ("topic", topic.to_string()),
        ("language", "es".into()),
        ("weekday", "2".into()),
        ("local_start", "10:00".into()),
        ("duration", "90".into()),
        ("room_capacity", "14".into()),
        ("seats_per_counselor", "12".into()),
        ("first_date", today.to_string()),
        ("last_date", (today + Duration::days(365)).to_string()),
        ("counselor", counselor.to_string()),
    ];
    let bad: Vec<_> = form
        .iter()
        .map(|(k, v)| (*k, if *k == "local_start" { "25:99".to_owned() } else { v.clone() }))
        .collect();
    assert_eq!(post(&app, &session, "/staff/admin/series", &bad).await.status(), 422);
    let no_one: Vec<_> = form.iter().filter(|(k, _)| *k != "counselor").cloned().collect();
    assert_eq!(post(&app, &session, "/staff/admin/series", &no_one).await.status(), 422);

    assert_eq!(post(&app, &session, "/staff/admin/series", &form).await.status(), 303);
    let series: i64 = sqlx::query_scalar("select max(id) from series").fetch_one(&app.pool).await.unwrap();
    let sessions = local_sessions(&app, series).await;
    assert_eq!(sessions.len(), 12, "twelve weeks ahead (GROUPCARE_SCHEDULE_WEEKS' default)");
    let tz = chrono_tz::America::Los_Angeles;
    for (_, starts, room, _) in &sessions {
        let local = starts.with_timezone(&tz);
        assert_eq!((local.weekday(), local.hour(), local.minute(), *room), (chrono::Weekday::Wed, 10, 0, 14));
        assert!(*starts > Utc::now());
    }
    assert_eq!(app.count("select count(*) from audit_log where action = 'series_created'").await, 1);
    let last = sessions.last().unwrap().1.with_timezone(&tz).date_naive();
    let page = crate::staff_auth::get_as(&app, &session, "/staff/admin/series").await.text().await.unwrap();
    let through = format!("scheduled through {}", last.format("%A, %B %-d"));
    assert!(page.contains(&through), "the series page says how far ahead: {through}");
}

#[tokio::test]
async fn changing_a_weekly_group_changes_only_its_coming_sessions() {
    let app = TestApp::spawn().await;
    let (admin_session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    // A series whose first session was last week: generate it directly from its first date.
    let any = app.session_starting_in(Duration::days(1), 12, 1).await;
    let (clinic_id, topic_id): (i64, i64) =
        sqlx::query_as("select clinic_id, topic_id from session where id = $1")
            .bind(any)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let counselors: Vec<i64> =
        sqlx::query_scalar("select id from counselor").fetch_all(&app.pool).await.unwrap();
    let other = groupcare::store::catalog::create_counselor(
        &mut app.pool.acquire().await.unwrap(),
        &groupcare::store::catalog::NewCounselor {
            name: "Co",
            credentials: "LCSW",
            bio_en: "",
            bio_es: "",
            languages: &[],
        },
    )
    .await
    .unwrap();
    let tz = chrono_tz::America::Los_Angeles;
    // Sessions 13 and 6 days ago, then tomorrow, in 8, 15 and 22 days, at 9:00 local time.
    let tomorrow = (Utc::now() + Duration::days(1)).with_timezone(&tz).date_naive();
    let start = tomorrow - Duration::days(14);
    let leads = [counselors[0], other];
    let new = groupcare::store::schedule::NewSeries {
        clinic_id,
        topic_id,
        language: groupcare::domain::Language::En,
        schedule: groupcare::domain::schedule::WeeklySeries {
            weekday: start.weekday(),
            local_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            duration: Duration::minutes(60),
            first_date: start,
            last_date: start + Duration::weeks(10),
            time_zone: tz,
        },
        room_capacity: 30,
        seats_per_counselor: 12,
        counselor_ids: &leads,
    };
    let mut conn = app.pool.acquire().await.unwrap();
    let series = groupcare::store::schedule::create_series(&mut conn, &new).await.unwrap();
    groupcare::store::schedule::generate_sessions(
        &mut conn,
        series,
        &new,
        start,
        start + Duration::weeks(5),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    drop(conn);
    let before = local_sessions(&app, series).await;
    assert_eq!(before.len(), 6);
    assert!(before[1].1 < Utc::now() && before[2].1 > Utc::now());
    let next = before[2].0;
    // Sixteen people in the next session: more than one counselor can lead.
    for i in 0..16 {
        assert_eq!(app.post_booking(&booking_json(next, &phone(i)), None).await.status(), 201);
    }

    let path = format!("/staff/admin/series/{series}");
    let change = |time: &str, room: &str, last: String, leads: &[i64]| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("local_start", time.to_owned()),
            ("duration", "90".to_owned()),
            ("room_capacity", room.to_owned()),
            ("seats_per_counselor", "12".to_owned()),
            ("last_date", last),
        ];
        form.extend(leads.iter().map(|id| ("counselor", id.to_string())));
        form
    };
    let last_in_three_weeks = (start + Duration::weeks(3)).to_string(); // keeps tomorrow and +8 days

    // One counselor would leave 16 people in 12 seats: refused, nothing changes.
    let refused = post(
        &app,
        &admin_session,
        &path,
        &change("11:30", "20", last_in_three_weeks.clone(), &[counselors[0]]),
    )
    .await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("16 seats held and would have only 12"));
    assert_eq!(local_sessions(&app, series).await, before);

    let done = post(&app, &admin_session, &path, &change("11:30", "20", last_in_three_weeks, &leads)).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Saved: 2 coming sessions changed, 2 cancelled, 0 added."));
    let after = local_sessions(&app, series).await;
    assert_eq!(after[..2], before[..2], "the sessions in the past are untouched");
    for (id, starts, room, status) in &after[2..4] {
        let local = starts.with_timezone(&tz);
        assert_eq!(
            (local.hour(), local.minute(), *room, status.as_str()),
            (11, 30, 20, "scheduled"),
            "session {id}"
        );
    }
    assert_eq!(
        (after[4].3.as_str(), after[5].3.as_str()),
        ("cancelled", "cancelled"),
        "after the new last date"
    );
    assert_eq!(after.len(), 6, "nothing added past the last date");
    assert_eq!(
        app.count("select count(*) from booking where status = 'requested'").await,
        16,
        "bookings kept"
    );
    app.assert_seat_counts_kept().await;
}
