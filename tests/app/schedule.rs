//! Weekly series stored and generated in the clinic's own time zone, and the demo data.

use crate::helpers::TestApp;
use chrono::{Duration, NaiveDate, NaiveTime, Utc, Weekday};
use groupcare::domain::Language;
use groupcare::domain::schedule::WeeklySeries;
use groupcare::store::schedule::{self, NewSeries};

/// A clinic, a topic and a counselor to make series with (the test helpers' own).
async fn a_clinic_topic_and_counselor(app: &TestApp) -> (i64, i64, i64) {
    let any_session = app.session_starting_in(Duration::days(1), 12, 1).await;
    let (clinic_id, topic_id): (i64, i64) =
        sqlx::query_as("select clinic_id, topic_id from session where id = $1")
            .bind(any_session)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let counselor: i64 =
        sqlx::query_scalar("select min(id) from counselor").fetch_one(&app.pool).await.unwrap();
    (clinic_id, topic_id, counselor)
}

#[tokio::test]
async fn a_weekly_ten_oclock_series_stays_at_ten_local_across_both_daylight_saving_changes() {
    let app = TestApp::spawn().await;
    let (clinic_id, topic_id, counselor) = a_clinic_topic_and_counselor(&app).await;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let series = NewSeries {
        clinic_id,
        topic_id,
        language: Language::Es,
        schedule: WeeklySeries {
            weekday: Weekday::Wed,
            local_start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            duration: Duration::minutes(90),
            first_date: date(2027, 10, 1),
            last_date: date(2028, 4, 30),
            time_zone: chrono_tz::America::Los_Angeles,
        },
        room_capacity: 12,
        seats_per_counselor: 12,
        counselor_ids: &[counselor],
    };
    let mut conn = app.pool.acquire().await.unwrap();
    let id = schedule::create_series(&mut conn, &series).await.unwrap();
    let made = schedule::generate_sessions(
        &mut conn,
        id,
        &series,
        date(2027, 10, 1),
        date(2028, 4, 30),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(made, 30, "every Wednesday from 6 Oct 2027 to 26 Apr 2028");
    let again = schedule::generate_sessions(
        &mut conn,
        id,
        &series,
        date(2027, 10, 1),
        date(2028, 4, 30),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(again, 0, "generating twice makes nothing twice");

    let local: Vec<(f64, f64, f64)> = sqlx::query_as(
        "select extract(isodow from starts_at at time zone 'America/Los_Angeles')::float8, \
                extract(hour from starts_at at time zone 'America/Los_Angeles')::float8, \
                extract(hour from starts_at at time zone 'UTC')::float8 \
         from session where series_id = $1 order by starts_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(local.iter().all(|(dow, hour, _)| *dow == 3.0 && *hour == 10.0), "{local:?}");
    let utc_hours: std::collections::BTreeSet<_> = local.iter().map(|(_, _, utc)| *utc as i64).collect();
    assert_eq!(utc_hours.into_iter().collect::<Vec<_>>(), [17, 18], "UTC moves, local time does not");
}

#[tokio::test]
async fn the_demo_data_gives_three_clinics_and_four_weeks_of_groups_once() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let first = groupcare::demo::seed(&app.pool, now, None).await.unwrap();
    assert!(first.created);
    let password = first.generated_password.expect("a password made up and shown once");
    assert!(password.len() >= 16);
    let again = groupcare::demo::seed(&app.pool, now, Some("another password")).await.unwrap();
    assert!(!again.created, "a second seed changes nothing");
    let stored: Vec<String> =
        sqlx::query_scalar("select password_hash from staff").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored.len(), 4, "four demo staff logins");
    assert!(stored.iter().all(|h| h.starts_with("$argon2id$") && !h.contains(&password)));
    assert!(groupcare::domain::staff::verify_password(&password, &stored[0]));
    let counselor_requests = app
        .count(
            "select count(distinct s.id) from staff s join session_counselor sc on sc.counselor_id = s.counselor_id \
             join booking b on b.session_id = sc.session_id where s.role = 'counselor'",
        )
        .await;
    assert_eq!(counselor_requests, 2, "each demo counselor leads a group with requests in it");
    assert_eq!(app.count("select count(*) from clinic").await, 3);
    assert!(app.count("select count(*) from counselor").await >= 8);
    assert!(app.count("select count(*) from topic").await >= 8);
    assert!(app.count("select count(*) from counselor where bio_es <> '' and credentials <> ''").await >= 8);
    let weeks_ahead = app
        .count("select count(distinct date_trunc('week', starts_at)) from session where starts_at > now()")
        .await;
    assert!(weeks_ahead >= 5, "at least four full weeks ahead, got {weeks_ahead}");
    assert!(app.count("select count(*) from session where language = 'es'").await > 0, "Spanish groups");
    assert!(
        app.count(
            "select count(*) from (select session_id from session_counselor group by 1 having count(*) > 1) x"
        )
        .await
            > 0,
        "groups led by two counselors"
    );
    let hours: Vec<i32> = sqlx::query_scalar(
        "select distinct extract(hour from starts_at at time zone 'America/Los_Angeles')::int from session order by 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        hours.iter().any(|h| *h < 12) && hours.iter().any(|h| *h >= 17),
        "mornings and evenings: {hours:?}"
    );
}

/// A series whose dates run on: made through the store, with no sessions yet.
async fn open_ended_series(app: &TestApp, first_date: NaiveDate) -> i64 {
    let (clinic_id, topic_id, counselor) = a_clinic_topic_and_counselor(app).await;
    let series = NewSeries {
        clinic_id,
        topic_id,
        language: Language::En,
        schedule: WeeklySeries {
            weekday: Weekday::Thu,
            local_start: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            duration: Duration::minutes(60),
            first_date,
            last_date: first_date + Duration::weeks(104),
            time_zone: chrono_tz::America::Los_Angeles,
        },
        room_capacity: 10,
        seats_per_counselor: 10,
        counselor_ids: &[counselor],
    };
    schedule::create_series(&mut app.pool.acquire().await.unwrap(), &series).await.unwrap()
}

/// The clinic-local date of the series' last session.
async fn scheduled_through(app: &TestApp, series: i64) -> NaiveDate {
    sqlx::query_scalar(
        "select max((starts_at at time zone 'America/Los_Angeles')::date) from session where series_id = $1",
    )
    .bind(series)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_daily_job_keeps_weekly_groups_scheduled_ahead_and_the_horizon_moves_with_the_days() {
    use groupcare::domain::schedule::Horizon;
    use groupcare::jobs::schedule_horizon::extend;
    let app = TestApp::spawn().await;
    let monday = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let series = open_ended_series(&app, monday).await;
    let noon = |date: NaiveDate| date.and_hms_opt(20, 0, 0).unwrap().and_utc(); // 12:00 in Los Angeles
    let horizon = Horizon { weeks: 12 };

    let made = extend(&app.pool, noon(monday), horizon).await.unwrap();
    assert_eq!(made, Some(12), "every Thursday of the twelve weeks from tomorrow");
    assert_eq!(scheduled_through(&app, series).await, NaiveDate::from_ymd_opt(2027, 5, 20).unwrap());
    assert_eq!(extend(&app.pool, noon(monday), horizon).await.unwrap(), Some(0), "nothing twice");

    // A week later the horizon is a week further.
    let next_monday = monday + Duration::weeks(1);
    assert_eq!(extend(&app.pool, noon(next_monday), horizon).await.unwrap(), Some(1));
    assert_eq!(scheduled_through(&app, series).await, NaiveDate::from_ymd_opt(2027, 5, 27).unwrap());

    // While another instance runs the job, this one leaves it to that one.
    let mut other = app.pool.begin().await.unwrap();
    assert!(
        groupcare::store::jobs::try_lock(&mut other, groupcare::store::jobs::Job::ScheduleHorizon)
            .await
            .unwrap()
    );
    assert_eq!(extend(&app.pool, noon(next_monday + Duration::weeks(1)), horizon).await.unwrap(), None);
    other.rollback().await.unwrap();
    assert_eq!(extend(&app.pool, noon(next_monday + Duration::weeks(1)), horizon).await.unwrap(), Some(1));
}

/// The job and an administrator's change of the same series take turns: sessions are never
/// generated from a series as it was before a change that is being saved.
#[tokio::test]
async fn the_job_waits_for_a_change_being_saved_and_generates_from_the_changed_series() {
    use groupcare::domain::schedule::Horizon;
    let app = TestApp::spawn().await;
    let monday = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let series = open_ended_series(&app, monday).await;
    let mut change = app.pool.begin().await.unwrap();
    sqlx::query("select id from series where id = $1 for update")
        .bind(series)
        .execute(&mut *change)
        .await
        .unwrap();
    sqlx::query("update series set local_start = '14:00' where id = $1")
        .bind(series)
        .execute(&mut *change)
        .await
        .unwrap();

    let pool = app.pool.clone();
    let noon = monday.and_hms_opt(20, 0, 0).unwrap().and_utc();
    let job = tokio::spawn(async move {
        groupcare::jobs::schedule_horizon::extend(&pool, noon, Horizon { weeks: 4 }).await.unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!job.is_finished(), "the job waits for the change");
    change.commit().await.unwrap();
    assert_eq!(job.await.unwrap(), Some(4));
    let hours: Vec<f64> = sqlx::query_scalar(
        "select extract(hour from starts_at at time zone 'America/Los_Angeles')::float8 from session \
         where series_id = $1",
    )
    .bind(series)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(hours, [14.0; 4], "every session at the changed time");
}
