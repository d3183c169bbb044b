//! "Join every week": a person asks once on a weekly group's form; each week holds their seat
//! (or waits) under the seat rules of any request, intake confirms it once, generated weeks
//! are taken for them, and the person skips a date or leaves from their own page.

use crate::helpers::{TestApp, phone};
use crate::staff_auth::{get_as, hidden, login, post_as, second_factor_optional, staff_account_for};
use chrono::{Duration, Utc};
use groupcare::domain::schedule::Horizon;
use groupcare::domain::staff::StaffRole;
use groupcare::jobs::schedule_horizon::extend;
use serde_json::{Value, json};

/// A weekly group with its first `weeks` weeks scheduled (the first in two days), `room`
/// seats each: the series and its sessions, soonest first.
pub async fn weekly_group(app: &TestApp, weeks: i64, room: i32) -> (i64, Vec<i64>) {
    let first = app.session_starting_in(Duration::days(2), room, 1).await;
    let series: i64 = sqlx::query_scalar("select series_id from session where id = $1")
        .bind(first)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    schedule_through(app, series, weeks).await;
    (series, sessions_of(app, series).await)
}

/// Lengthens the series to `weeks` weeks and generates them, as the daily job would.
pub async fn schedule_through(app: &TestApp, series: i64, weeks: i64) {
    sqlx::query("update series set last_date = first_date + ($2::int - 1) * 7 where id = $1")
        .bind(series)
        .bind(weeks as i32)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    extend(&app.pool, Utc::now(), Horizon { weeks: 20 }).await.unwrap();
}

pub async fn sessions_of(app: &TestApp, series: i64) -> Vec<i64> {
    sqlx::query_scalar("select id from session where series_id = $1 order by starts_at")
        .bind(series)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// Joins every week through the API: the answer.
async fn join(app: &TestApp, session: i64, n: usize) -> Value {
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": format!("Weekly{n}"), "phone": phone(n),
        "consent_sms": true, "every_week": true,
    });
    let r = app.post_booking(&body, Some(&format!("weekly-join-key-{session}-{n:04}"))).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn manage_path(answer: &Value) -> String {
    let url = answer["manage_url"].as_str().unwrap();
    url[url.find("/manage/").unwrap()..].to_owned()
}

/// Each week's status for phone `n`, soonest first ("-" where they have no booking).
async fn weeks_of(app: &TestApp, sessions: &[i64], n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for s in sessions {
        let status: Option<String> = sqlx::query_scalar(
            "select string_agg(status::text, ',' order by id) from booking where session_id = $1 and phone = $2",
        )
        .bind(s)
        .bind(groupcare::domain::contact::Phone::parse(&phone(n)).unwrap().e164())
        .fetch_one(&app.pool)
        .await
        .unwrap();
        out.push(status.unwrap_or_else(|| "-".into()));
    }
    out
}

/// Seats held in each session.
async fn held(app: &TestApp, sessions: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    for s in sessions {
        out.push(
            sqlx::query_scalar(
                "select count(*) from booking where session_id = $1 and status in ('requested', 'confirmed')",
            )
            .bind(s)
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn the_form_of_a_weekly_group_offers_every_week_and_the_person_page_lists_the_dates() {
    let app = TestApp::spawn().await;
    let (_, sessions) = weekly_group(&app, 3, 10).await;
    let (code, html) = app.get_html(&format!("/sessions/{}", sessions[0])).await;
    assert_eq!(code, 200);
    assert!(html.contains("name=\"every_week\""), "a weekly group offers every week");
    let (_, es) = app.get_html(&format!("/sessions/{}?lang=es", sessions[0])).await;
    assert!(es.contains("Venir todos los"), "in Spanish too");
    let one_off = app.session_starting_in(Duration::days(3), 10, 1).await;
    sqlx::query("update session set series_id = null where id = $1")
        .bind(one_off)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    assert!(
        !app.get_html(&format!("/sessions/{one_off}")).await.1.contains("every_week"),
        "a one-off group does not"
    );

    let key = hidden(&html, "key");
    let r = app
        .post_form(
            &format!("/sessions/{}/book", sessions[0]),
            &[
                ("key", key.as_str()),
                ("first_name", "Ana"),
                ("last_name", "Weekly"),
                ("phone", &phone(1)),
                ("every_week", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let manage = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["requested", "requested", "requested"]);
    let (_, page) = app.get_html(&manage).await;
    assert!(page.contains("Your coming dates"));
    assert_eq!(page.matches("t come this date").count(), 3);
    assert!(page.contains("The clinic will call to confirm your weekly place"));
}

#[tokio::test]
async fn intake_confirms_the_weekly_place_once_and_every_week_is_confirmed() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let (series, sessions) = weekly_group(&app, 4, 10).await;
    let clinic = app.clinic_of(sessions[0]).await;
    staff_account_for(&app, "intake@clinic.test", StaffRole::Intake, &[clinic]).await;
    let intake = login(&app, "intake@clinic.test").await;
    let answer = join(&app, sessions[0], 1).await;
    assert_eq!(answer["status"], "requested");

    // One call on the worklist, not one per week.
    let worklist = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    let first: i64 = sqlx::query_scalar("select id from booking where session_id = $1")
        .bind(sessions[0])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(worklist.contains(&format!("/staff/intake/requests/{first}\"")));
    assert_eq!(worklist.matches("Weekly1").count(), 1, "the weekly place is one line on the worklist");

    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{first}")).await.text().await.unwrap();
    assert!(page.contains("Every week: asked for"));
    let csrf = hidden(&page, "csrf");
    let r =
        post_as(&app, &intake, &format!("/staff/intake/requests/{first}/confirm"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["confirmed"; 4]);
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'booking_confirm'").await,
        4,
        "each week confirmed is audited"
    );
    assert_eq!(
        app.count("select count(*) from message where kind = 'confirmed'").await,
        1,
        "the person is told once, not once a week"
    );
    assert!(!get_as(&app, &intake, "/staff/intake").await.text().await.unwrap().contains("Weekly1"));

    // A week generated later is confirmed at once, and its messages carry the one link.
    schedule_through(&app, series, 6).await;
    let all = sessions_of(&app, series).await;
    assert_eq!(weeks_of(&app, &all, 1).await, ["confirmed"; 6]);
    let (_, manage) = app.get_html(&manage_path(&answer)).await;
    assert!(manage.contains("You have a weekly place in this group."));
}

#[tokio::test]
async fn the_person_skips_one_date_or_leaves_and_each_seat_goes_to_whoever_waits() {
    let app = TestApp::spawn().await;
    let (_, sessions) = weekly_group(&app, 3, 1).await;
    let member = join(&app, sessions[0], 1).await;
    // Someone waits for the second week's only seat.
    let waiting =
        json!({"session_id": sessions[1], "first_name": "Bea", "last_name": "Waits", "phone": phone(2)});
    assert_eq!(app.post_booking(&waiting, None).await.json::<Value>().await.unwrap()["status"], "waitlisted");
    let path = manage_path(&member);
    let second_week: i64 =
        sqlx::query_scalar("select id from booking where session_id = $1 and membership_id is not null")
            .bind(sessions[1])
            .fetch_one(&app.pool)
            .await
            .unwrap();

    // Skipping asks first; then that date only is cancelled, and the seat goes to Bea.
    let week = second_week.to_string();
    let asked = app.post_form(&format!("{path}/skip"), &[("week", week.as_str())]).await;
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("Your other dates stay as they are."));
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["requested"; 3], "nothing changes before yes");
    let r = app.post_form(&format!("{path}/skip"), &[("week", week.as_str()), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["requested", "cancelled", "requested"]);
    assert_eq!(weeks_of(&app, &sessions, 2).await, ["-", "requested", "-"], "the freed seat went to Bea");

    // Another person's week cannot be skipped with this link.
    let other = join(&app, sessions[0], 3).await;
    let their_week: i64 = sqlx::query_scalar("select id from booking where session_id = $1 and phone = $2")
        .bind(sessions[2])
        .bind(groupcare::domain::contact::Phone::parse(&phone(3)).unwrap().e164())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let theirs = their_week.to_string();
    app.post_form(&format!("{path}/skip"), &[("week", theirs.as_str()), ("confirm", "yes")]).await;
    assert_eq!(weeks_of(&app, &sessions, 3).await, ["waitlisted"; 3], "untouched");

    // Leaving ends every coming week; the person waiting moves up.
    let r = app.post_form(&format!("{path}/leave"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["cancelled"; 3]);
    assert_eq!(weeks_of(&app, &sessions, 3).await, ["requested", "waitlisted", "requested"]);
    let (_, page) = app.get_html(&path).await;
    assert!(page.contains("Your weekly place has ended."));
    assert!(!page.contains("Stop coming every week"));
    // Weeks generated later are not taken for someone who left.
    let series = app_series(&app, sessions[0]).await;
    schedule_through(&app, series, 4).await;
    let all = sessions_of(&app, series).await;
    assert_eq!(weeks_of(&app, &all, 1).await[3], "-");
    assert_eq!(weeks_of(&app, &all, 3).await[3], "requested", "the other member's place continues");
    let _ = other;
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn intake_declines_or_ends_a_weekly_place_for_every_week_and_ending_it_is_audited() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let (_, sessions) = weekly_group(&app, 3, 10).await;
    let clinic = app.clinic_of(sessions[0]).await;
    staff_account_for(&app, "intake@clinic.test", StaffRole::Intake, &[clinic]).await;
    let intake = login(&app, "intake@clinic.test").await;
    join(&app, sessions[0], 1).await;
    join(&app, sessions[0], 2).await;
    let first_of = |n: usize| {
        let app = &app;
        let session = sessions[0];
        async move {
            sqlx::query_scalar::<_, i64>("select id from booking where session_id = $1 and phone = $2")
                .bind(session)
                .bind(groupcare::domain::contact::Phone::parse(&phone(n)).unwrap().e164())
                .fetch_one(&app.pool)
                .await
                .unwrap()
        }
    };
    let (one, two) = (first_of(1).await, first_of(2).await);
    let csrf = hidden(&get_as(&app, &intake, "/staff").await.text().await.unwrap(), "csrf");

    post_as(&app, &intake, &format!("/staff/intake/requests/{one}/decline"), &[("csrf", &csrf)]).await;
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["declined"; 3]);

    post_as(&app, &intake, &format!("/staff/intake/requests/{two}/confirm"), &[("csrf", &csrf)]).await;
    let without_csrf = post_as(&app, &intake, &format!("/staff/intake/requests/{two}/end-weekly"), &[]).await;
    assert_eq!(without_csrf.status(), 403);
    assert_eq!(weeks_of(&app, &sessions, 2).await, ["confirmed"; 3]);
    let r =
        post_as(&app, &intake, &format!("/staff/intake/requests/{two}/end-weekly"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(weeks_of(&app, &sessions, 2).await, ["cancelled"; 3]);
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'membership_ended'").await,
        1,
        "the end is audited"
    );

    // Another clinic's intake cannot end it, nor see it.
    let elsewhere = app.session_starting_in(Duration::days(2), 10, 1).await;
    let other_clinic = app.clinic_of(elsewhere).await;
    staff_account_for(&app, "other@clinic.test", StaffRole::Intake, &[other_clinic]).await;
    let other = login(&app, "other@clinic.test").await;
    let other_csrf = hidden(&get_as(&app, &other, "/staff").await.text().await.unwrap(), "csrf");
    let r =
        post_as(&app, &other, &format!("/staff/intake/requests/{two}/end-weekly"), &[("csrf", &other_csrf)])
            .await;
    assert_eq!(r.status(), 404);
    app.assert_seat_counts_kept().await;
}

/// The issue's own case: one seat left, two people joining every week at the same instant
/// while the next weeks are being generated, over eight weeks: never more than the seats in
/// any week, and each of them has every week (a seat or a place in line).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_people_joining_every_week_at_once_never_overbook_any_of_eight_weeks() {
    for round in 0..3 {
        let app = TestApp::spawn().await;
        let (series, sessions) = weekly_group(&app, 4, 1).await;
        sqlx::query("update series set last_date = first_date + 7 * 7 where id = $1")
            .bind(series)
            .execute(&app.owner_pool)
            .await
            .unwrap();
        let generate = async { extend(&app.pool, Utc::now(), Horizon { weeks: 20 }).await.unwrap() };
        let (a, b, made) = tokio::join!(join(&app, sessions[0], 1), join(&app, sessions[0], 2), generate);
        assert_eq!(made, Some(4), "round {round}: weeks five to eight were generated");
        let all = sessions_of(&app, series).await;
        assert_eq!(all.len(), 8);
        assert_eq!(held(&app, &all).await, [1; 8], "round {round}: one seat, one holder, every week");
        let (one, two) = (weeks_of(&app, &all, 1).await, weeks_of(&app, &all, 2).await);
        for week in 0..8 {
            let mut pair = [one[week].as_str(), two[week].as_str()];
            pair.sort();
            assert_eq!(
                pair,
                ["requested", "waitlisted"],
                "round {round}, week {}: {one:?} {two:?}",
                week + 1
            );
        }
        assert_ne!(a["status"], b["status"]);
        app.assert_seat_counts_kept().await;
    }
}

async fn app_series(app: &TestApp, session: i64) -> i64 {
    sqlx::query_scalar("select series_id from session where id = $1")
        .bind(session)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A week of a weekly place stays in its clinic: moved elsewhere it would carry the person's
/// other weeks into another clinic's view (and its intake's reach).
#[tokio::test]
async fn a_week_of_a_weekly_place_moves_within_its_clinic_only() {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let (_, sessions) = weekly_group(&app, 3, 10).await;
    let elsewhere = app.session_starting_in(Duration::days(2), 10, 1).await;
    staff_account_for(&app, "admin@clinic.test", StaffRole::Admin, &[]).await;
    let admin = login(&app, "admin@clinic.test").await;
    join(&app, sessions[0], 1).await;
    let second: i64 = sqlx::query_scalar("select id from booking where session_id = $1")
        .bind(sessions[1])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let csrf = hidden(&get_as(&app, &admin, "/staff").await.text().await.unwrap(), "csrf");
    let target = elsewhere.to_string();
    let r = post_as(
        &app,
        &admin,
        &format!("/staff/intake/requests/{second}/move"),
        &[("csrf", &csrf), ("target", &target)],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("moves only to a group of the same clinic"));
    assert_eq!(weeks_of(&app, &sessions, 1).await, ["requested"; 3], "nothing moved");
    app.assert_seat_counts_kept().await;
}
