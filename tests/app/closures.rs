//! An administrator's housekeeping: closing clinics for a day (the call list first, then every
//! group that day cancelled, and weekly groups skip the day), retiring a clinic or a topic
//! without losing history, and a clinic's own word on Medicare on the booking form.

use crate::helpers::{TestApp, booking_json, phone};
use crate::memberships::{schedule_through, sessions_of, weekly_group};
use crate::staff_auth::{get_as, post_as, signed_in};
use chrono::{Duration, NaiveDate, Utc};
use groupcare::domain::staff::StaffRole;

/// The clinic-local date of session `id`.
async fn local_date(app: &TestApp, id: i64) -> NaiveDate {
    sqlx::query_scalar(
        "select (s.starts_at at time zone c.time_zone)::date from session s join clinic c on c.id = s.clinic_id \
         where s.id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn status_of_session(app: &TestApp, id: i64) -> (String, Option<String>) {
    sqlx::query_as("select status::text, cancel_kind from session where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_closure_shows_whom_to_call_then_cancels_that_days_groups_and_weekly_groups_skip_it() {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let (series, weeks) = weekly_group(&app, 3, 10).await;
    let clinic = app.clinic_of(weeks[0]).await;
    let closed_day = local_date(&app, weeks[1]).await;
    assert_eq!(app.post_booking(&booking_json(weeks[1], &phone(1)), None).await.status(), 201);
    assert_eq!(app.post_booking(&booking_json(weeks[2], &phone(2)), None).await.status(), 201);
    // Another clinic's group on the same day stays.
    let elsewhere = app
        .session_at(
            sqlx::query_scalar("select starts_at from session where id = $1")
                .bind(weeks[1])
                .fetch_one(&app.pool)
                .await
                .unwrap(),
            Duration::minutes(60),
            10,
            1,
        )
        .await;

    let date = closed_day.to_string();
    let clinic_field = clinic.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("date", date.as_str()),
        ("clinic", clinic_field.as_str()),
        ("reason", "Thanksgiving"),
    ];
    let preview = post_as(&app, &session, "/staff/admin/closures", &form).await;
    assert_eq!(preview.status(), 200);
    let html = preview.text().await.unwrap();
    assert!(
        html.contains("These groups will be cancelled") && html.contains("(909) 555-0001"),
        "the call list comes first"
    );
    assert_eq!(
        status_of_session(&app, weeks[1]).await.0,
        "scheduled",
        "nothing is cancelled before confirming"
    );
    assert!(app.count("select count(*) from audit_log where action = 'view_booking_in_list'").await >= 1);

    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = post_as(&app, &session, "/staff/admin/closures", &confirmed).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of_session(&app, weeks[1]).await, ("cancelled".into(), Some("clinic_closed".into())));
    assert_eq!(status_of_session(&app, weeks[0]).await.0, "scheduled");
    assert_eq!(status_of_session(&app, weeks[2]).await.0, "scheduled");
    assert_eq!(status_of_session(&app, elsewhere).await.0, "scheduled", "another clinic is open");
    assert_eq!(app.count("select count(*) from booking where status = 'cancelled'").await, 1);
    assert_eq!(app.count("select count(*) from message where kind = 'group_cancelled'").await, 1);
    assert_eq!(app.count("select count(*) from audit_log where action = 'clinic_closed'").await, 1);
    let page = get_as(&app, &session, "/staff/admin/closures").await.text().await.unwrap();
    assert!(page.contains("Thanksgiving"), "the closure is listed");

    // The weekly group skips a closed day when it is generated: close a day not generated yet.
    let later_day = closed_day + Duration::weeks(3);
    let later = later_day.to_string();
    let later_form = [
        ("csrf", csrf.as_str()),
        ("date", later.as_str()),
        ("clinic", clinic_field.as_str()),
        ("reason", "Holiday"),
        ("confirm", "yes"),
    ];
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &later_form).await.status(), 303);
    schedule_through(&app, series, 6).await;
    let mut dates = Vec::new();
    for s in sessions_of(&app, series).await {
        dates.push(local_date(&app, s).await);
    }
    assert_eq!(dates.len(), 5, "six weeks, one of them closed: {dates:?}");
    assert!(!dates.contains(&later_day));

    // Refused, with a message: no clinic, a past date, no reason.
    let bad = [("csrf", csrf.as_str()), ("date", date.as_str()), ("reason", "x")];
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &bad).await.status(), 422);
    let past = (Utc::now().date_naive() - Duration::days(10)).to_string();
    let bad = [
        ("csrf", csrf.as_str()),
        ("date", past.as_str()),
        ("clinic", clinic_field.as_str()),
        ("reason", "x"),
    ];
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &bad).await.status(), 422);
    let bad = [
        ("csrf", csrf.as_str()),
        ("date", date.as_str()),
        ("clinic", clinic_field.as_str()),
        ("reason", " "),
    ];
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &bad).await.status(), 422);
    // A character no one types (NUL) is refused by name, not a failure.
    let bad = [
        ("csrf", csrf.as_str()),
        ("date", date.as_str()),
        ("clinic", clinic_field.as_str()),
        ("reason", "a\u{0}b"),
    ];
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &bad).await.status(), 422);
    // Closing a day already closed changes nothing, and audits nothing.
    assert_eq!(post_as(&app, &session, "/staff/admin/closures", &confirmed).await.status(), 303);
    assert_eq!(app.count("select count(*) from audit_log where action = 'clinic_closed'").await, 2);
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn a_retired_clinic_or_topic_leaves_the_public_lists_and_its_weekly_groups_stop_but_history_stays() {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let (series, weeks) = weekly_group(&app, 2, 10).await;
    let clinic = app.clinic_of(weeks[0]).await;
    assert_eq!(app.post_booking(&booking_json(weeks[0], &phone(1)), None).await.status(), 201);
    let (_, home) = app.get_html("/").await;
    assert!(home.contains("Test Valley Clinic"));

    let clinic_form = [
        ("csrf", csrf.as_str()),
        ("name", "Test Valley Clinic"),
        ("short_name", "Test Clinic"),
        ("message_name", "Test Clinic"),
        ("address", "1 Test Way, Riverside, CA 92501"),
        ("phone", "(951) 555-0100"),
        ("time_zone", "America/Los_Angeles"),
        ("hours_en", "Every day"),
        ("hours_es", "Todos los días"),
        ("intake_hours_en", "Weekdays 8 to 4"),
        ("intake_hours_es", "Entre semana de 8 a 4"),
        ("medicare_note_en", "Medicare coverage coming soon."),
        ("medicare_note_es", "Pronto aceptaremos Medicare."),
        ("active", "on"),
    ];
    let path = format!("/staff/admin/catalog/clinics/{clinic}");
    assert_eq!(post_as(&app, &session, &path, &clinic_form).await.status(), 303);
    // The clinic's word on Medicare, beside that answer, in the reader's language.
    let (_, form) = app.get_html(&format!("/sessions/{}", weeks[0])).await;
    assert!(form.contains("Medicare: Medicare coverage coming soon."));
    let (_, form_es) = app.get_html(&format!("/sessions/{}?lang=es", weeks[0])).await;
    assert!(form_es.contains("Medicare: Pronto aceptaremos Medicare."));

    let retired: Vec<_> = clinic_form.iter().filter(|(k, _)| *k != "active").cloned().collect();
    assert_eq!(post_as(&app, &session, &path, &retired).await.status(), 303);
    let (_, home) = app.get_html("/").await;
    assert!(!home.contains("Test Valley Clinic"), "no longer listed to the public");
    let series_form = get_as(&app, &session, "/staff/admin/series").await.text().await.unwrap();
    assert!(
        !series_form.contains(&format!("value=\"{clinic}\">Test Valley Clinic")),
        "not offered for new groups"
    );
    schedule_through(&app, series, 5).await;
    assert_eq!(sessions_of(&app, series).await.len(), 2, "its weekly group makes no new weeks");
    assert_eq!(app.count("select count(*) from booking").await, 1, "what exists stays");
    let catalog = get_as(&app, &session, "/staff/admin/catalog/clinics").await.text().await.unwrap();
    assert!(catalog.contains("Test Valley Clinic"), "administrators still see it, to bring it back");

    // Back in service, the weeks come; then the topic retires and they stop again.
    assert_eq!(post_as(&app, &session, &path, &clinic_form).await.status(), 303);
    schedule_through(&app, series, 5).await;
    assert_eq!(sessions_of(&app, series).await.len(), 5);
    assert!(
        app.get_html("/sessions").await.1.contains("Early recovery</option>"),
        "a topic in service is a filter"
    );
    let topic: i64 = sqlx::query_scalar("select topic_id from session where id = $1")
        .bind(weeks[0])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let topic_form = [
        ("csrf", csrf.as_str()),
        ("name_en", "Early recovery"),
        ("name_es", "Recuperación temprana"),
        ("description_en", "For the first months."),
        ("description_es", "Para los primeros meses."),
    ];
    assert_eq!(
        post_as(&app, &session, &format!("/staff/admin/catalog/topics/{topic}"), &topic_form).await.status(),
        303
    );
    schedule_through(&app, series, 8).await;
    assert_eq!(sessions_of(&app, series).await.len(), 5, "a retired topic's weekly group makes no new weeks");
    let (_, listing) = app.get_html("/sessions").await;
    assert!(!listing.contains("Early recovery</option>"), "not offered as a filter");
}

/// A weekly group being created for a clinic while the clinic is being closed that day: the
/// closure waits for it and cancels its week, instead of missing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closure_waits_for_a_weekly_group_being_created_and_cancels_its_week() {
    use groupcare::domain::schedule::WeeklySeries;
    use groupcare::store::{closures, schedule};
    let app = TestApp::spawn().await;
    let (_, weeks) = weekly_group(&app, 1, 10).await;
    let staff = crate::staff_auth::staff_account(&app, "admin@x.test", StaffRole::Admin).await;
    let (clinic, topic, counselor): (i64, i64, i64) = sqlx::query_as(
        "select s.clinic_id, s.topic_id, sc.counselor_id from session s join session_counselor sc on sc.session_id = s.id \
         where s.id = $1",
    )
    .bind(weeks[0])
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let day = local_date(&app, weeks[0]).await + Duration::days(1);
    let leads = [counselor];
    let new = schedule::NewSeries {
        clinic_id: clinic,
        topic_id: topic,
        language: groupcare::domain::Language::En,
        schedule: WeeklySeries {
            weekday: chrono::Datelike::weekday(&day),
            local_start: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            duration: Duration::minutes(60),
            first_date: day,
            last_date: day,
            time_zone: chrono_tz::America::Los_Angeles,
        },
        room_capacity: 10,
        seats_per_counselor: 12,
        counselor_ids: &leads,
    };
    // The new group, made but not yet saved...
    let mut creating = app.pool.begin().await.unwrap();
    let series = schedule::create_series(&mut creating, &new).await.unwrap();
    assert_eq!(
        schedule::generate_sessions(&mut creating, series, &new, day, day, Utc::now()).await.unwrap(),
        1
    );
    // ...while the clinic is closed that day.
    let pool = app.pool.clone();
    let closing = tokio::spawn(async move {
        let mut conn = pool.acquire().await.unwrap();
        closures::close(&mut conn, day, &[clinic], "Holiday", staff, Utc::now()).await.unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    creating.commit().await.unwrap();
    let (closed, cancelled) = closing.await.unwrap();
    assert_eq!(closed, [clinic]);
    assert_eq!(cancelled.len(), 1, "the new group's week on the closed day was cancelled");
    let scheduled = app.count("select count(*) from session where status = 'scheduled'").await;
    assert_eq!(scheduled, 1, "only the first group's own week is left");
}
