//! Counselors: their own groups only, rosters audited, attendance once a group has started,
//! and a sign-in sheet with first names and last initials.

use crate::helpers::{TestApp, booking_json, phone};
use crate::staff_auth::{get_as, hidden, login, second_factor_optional, staff_account};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;
use serde_json::Value;

async fn counselor_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select counselor_id from staff where email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Makes `counselor` the (only) leader of `session`.
async fn lead(app: &TestApp, session: i64, counselor: i64) {
    sqlx::query("update session_counselor set counselor_id = $2 where session_id = $1")
        .bind(session)
        .bind(counselor)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn book_and_confirm(app: &TestApp, session: i64, n: usize, first: &str, last: &str) -> i64 {
    let mut body = booking_json(session, &phone(n));
    body["first_name"] = Value::from(first);
    body["last_name"] = Value::from(last);
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    let id: i64 = sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    sqlx::query("update booking set status = 'confirmed' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    id
}

/// Moves `session` to have started twenty minutes ago (bookings are taken only before).
async fn has_started(app: &TestApp, session: i64) {
    sqlx::query(
        "update session set starts_at = now() - interval '20 minutes', ends_at = now() + interval '70 minutes' \
         where id = $1",
    )
    .bind(session)
    .execute(&app.pool)
    .await
    .unwrap();
}

struct Setup {
    app: TestApp,
    mine: i64,
    theirs: i64,
    me: String,
}

async fn setup(starts_in: Duration) -> Setup {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "a@clinic.test", StaffRole::Counselor).await;
    staff_account(&app, "b@clinic.test", StaffRole::Counselor).await;
    let mine = app.session_starting_in(starts_in, 12, 1).await;
    let theirs = app.session_starting_in(starts_in, 12, 1).await;
    lead(&app, mine, counselor_of(&app, "a@clinic.test").await).await;
    lead(&app, theirs, counselor_of(&app, "b@clinic.test").await).await;
    let me = login(&app, "a@clinic.test").await;
    Setup { app, mine, theirs, me }
}

#[tokio::test]
async fn a_counselor_sees_their_own_groups_and_rosters_and_no_one_elses() {
    let Setup { app, mine, theirs, me } = setup(Duration::days(2)).await;
    book_and_confirm(&app, mine, 1, "Rosa", "Vega").await;
    book_and_confirm(&app, theirs, 2, "Other", "Person").await;

    let list = get_as(&app, &me, "/staff/my-sessions").await.text().await.unwrap();
    assert!(list.contains(&format!("/staff/sessions/{mine}/roster")));
    assert!(!list.contains(&format!("/staff/sessions/{theirs}/roster")));

    let roster = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await;
    assert_eq!(roster.status(), 200);
    let html = roster.text().await.unwrap();
    assert!(html.contains("Rosa Vega") && !html.contains("Other Person"));
    assert!(html.contains("Attendance can be taken once the group has started."));
    assert!(!html.contains("type=\"radio\""), "no attendance before the start");
    assert_eq!(app.count("select count(*) from audit_log where action = 'view_roster'").await, 1);
    let shown: Vec<i64> = sqlx::query_scalar(
        "select unnest(record_ids) from audit_log where action = 'view_booking_in_list' and record_type = 'booking'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let rosa: i64 = sqlx::query_scalar("select id from booking where session_id = $1")
        .bind(mine)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(shown, [rosa], "the roster view records each participant it showed");

    for path in ["roster", "sign-in-sheet"] {
        let r = get_as(&app, &me, &format!("/staff/sessions/{theirs}/{path}")).await;
        assert_eq!(r.status(), 404, "another counselor's {path}");
    }
    // An intake account of no clinic of this group's: not found.
    staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let intake = login(&app, "intake@clinic.test").await;
    assert_eq!(get_as(&app, &intake, &format!("/staff/sessions/{mine}/roster")).await.status(), 404);
    assert_eq!(get_as(&app, &intake, "/staff/my-sessions").await.status(), 403);
}

#[tokio::test]
async fn attendance_is_taken_once_the_group_has_started() {
    let Setup { app, mine, me, .. } = setup(Duration::days(1)).await;
    let came = book_and_confirm(&app, mine, 1, "Ana", "Lopez").await;
    let missed = book_and_confirm(&app, mine, 2, "Bo", "Li").await;
    has_started(&app, mine).await;
    let html = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await.text().await.unwrap();
    assert!(html.contains(&format!("name=\"mark_{came}\"")));
    let csrf = hidden(&html, "csrf");
    let post = |form: Vec<(String, String)>| {
        app.client
            .post(app.url(&format!("/staff/sessions/{mine}/attendance")))
            .header("cookie", format!("gc_staff={me}"))
            .form(&form)
            .send()
    };
    let marks = vec![
        ("csrf".to_owned(), csrf.clone()),
        (format!("mark_{came}"), "attended".to_owned()),
        (format!("mark_{missed}"), "no_show".to_owned()),
    ];
    let forged: Vec<_> = marks.iter().skip(1).cloned().chain([("csrf".into(), "forged".into())]).collect();
    assert_eq!(post(forged).await.unwrap().status(), 403);
    assert_eq!(post(marks).await.unwrap().status(), 303);
    let statuses: Vec<String> = sqlx::query_scalar("select status::text from booking order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(statuses, ["attended", "no_show"]);
    assert_eq!(
        app.count("select count(*) from booking_event where to_status in ('attended', 'no_show')").await,
        2
    );

    // A mark can be corrected; a booking of another group cannot be marked from here.
    let other = app.session_starting_in(Duration::days(1), 12, 1).await;
    let stranger = book_and_confirm(&app, other, 3, "Cy", "Ng").await;
    has_started(&app, other).await;
    let fix = vec![
        ("csrf".to_owned(), csrf),
        (format!("mark_{missed}"), "attended".to_owned()),
        (format!("mark_{stranger}"), "no_show".to_owned()),
    ];
    assert_eq!(post(fix).await.unwrap().status(), 303);
    let statuses: Vec<String> = sqlx::query_scalar("select status::text from booking order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(statuses, ["attended", "attended", "confirmed"]);
}

#[tokio::test]
async fn attendance_before_the_start_is_refused() {
    let Setup { app, mine, me, .. } = setup(Duration::days(1)).await;
    let booking = book_and_confirm(&app, mine, 1, "Ana", "Lopez").await;
    let html = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let r = app
        .client
        .post(app.url(&format!("/staff/sessions/{mine}/attendance")))
        .header("cookie", format!("gc_staff={me}"))
        .form(&[("csrf", csrf.as_str()), (&format!("mark_{booking}"), "attended")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.count("select count(*) from booking where status = 'confirmed'").await, 1);
}

#[tokio::test]
async fn the_sign_in_sheet_shows_first_names_and_last_initials_only() {
    let Setup { app, mine, me, .. } = setup(Duration::days(1)).await;
    book_and_confirm(&app, mine, 1, "Rosa", "vega").await;
    book_and_confirm(&app, mine, 2, "Ana", "Lopez").await;
    let r = get_as(&app, &me, &format!("/staff/sessions/{mine}/sign-in-sheet")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<td>Rosa V.</td>") && html.contains("<td>Ana L.</td>"));
    assert!(!html.contains("vega") && !html.contains("Lopez") && !html.contains("555-"));
    assert_eq!(app.count("select count(*) from audit_log where action = 'view_sign_in_sheet'").await, 1);
}

/// The feed link shown once on the counselor's page (made with their form token).
async fn make_feed(app: &TestApp, me: &str) -> String {
    let page = get_as(app, me, "/staff/my-sessions").await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let r = crate::staff_auth::post_as(app, me, "/staff/my-calendar", &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let start = page.find("/calendar/").expect("the new link is shown");
    let end = start + page[start..].find(".ics").unwrap() + 4;
    page[start..end].to_owned()
}

/// A feed's events as a calendar app reads them: (summary, status).
async fn feed_events(app: &TestApp, path: &str) -> Result<Vec<(String, String)>, u16> {
    let r = app.get(path).await;
    if r.status() != 200 {
        return Err(r.status().as_u16());
    }
    let text = r.text().await.unwrap();
    assert!(
        !text.contains("Quartermaine") && !text.contains("Zelda") && !text.contains("ATTENDEE"),
        "{text}"
    );
    let calendar: icalendar::Calendar = text.parse().expect("a calendar");
    Ok(calendar
        .components
        .iter()
        .filter_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => Some((
                icalendar::Component::get_summary(e).unwrap().to_owned(),
                icalendar::Component::property_value(e, "STATUS").unwrap().to_owned(),
            )),
            _ => None,
        })
        .collect())
}

#[tokio::test]
async fn a_counselors_calendar_feed_shows_their_groups_and_no_one_in_them() {
    let Setup { app, mine, theirs, me } = setup(Duration::days(2)).await;
    book_and_confirm(&app, mine, 1, "Zelda", "Quartermaine").await;
    book_and_confirm(&app, theirs, 2, "Zelda", "Quartermaine").await;
    let link = make_feed(&app, &me).await;

    // Their group only, with seats taken; never who.
    let events = feed_events(&app, &link).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].0.ends_with("(1 of 12 seats taken)"), "{events:?}");
    assert_eq!(events[0].1, "CONFIRMED");
    // Shown once: the page no longer carries it, and the database keeps only its digest.
    let page = get_as(&app, &me, "/staff/my-sessions").await.text().await.unwrap();
    assert!(!page.contains(&link) && page.contains("Your calendar link was made on"));
    let token = &link["/calendar/".len()..link.len() - 4];
    let kept: i64 =
        sqlx::query_scalar("select count(*) from calendar_feed where encode(token_hash, 'hex') = $1")
            .bind(token)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, 0, "the token itself is not stored");

    // A cancelled group says so.
    sqlx::query("update session set status = 'cancelled' where id = $1")
        .bind(mine)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(feed_events(&app, &link).await.unwrap()[0].1, "CANCELLED");

    // A new link replaces the old; turning it off ends both; a guess opens nothing.
    let newer = make_feed(&app, &me).await;
    assert_ne!(newer, link);
    assert_eq!(feed_events(&app, &link).await, Err(404));
    assert!(feed_events(&app, &newer).await.is_ok());
    let csrf = hidden(&page, "csrf");
    crate::staff_auth::post_as(&app, &me, "/staff/my-calendar/stop", &[("csrf", csrf.as_str())]).await;
    assert_eq!(feed_events(&app, &newer).await, Err(404));
    assert_eq!(feed_events(&app, &format!("/calendar/{}.ics", "ab".repeat(32))).await, Err(404));
    assert_eq!(feed_events(&app, "/calendar/anything").await, Err(404));
    let audited: Vec<String> =
        sqlx::query_scalar("select action from audit_log where action like 'calendar_feed%' order by seq")
            .fetch_all(&app.owner_pool)
            .await
            .unwrap();
    assert_eq!(audited, ["calendar_feed_made", "calendar_feed_made", "calendar_feed_stopped"]);
}

/// At the door: someone still waiting for intake's call who comes is confirmed by coming; a
/// first visit is marked; someone without a booking is added and goes to intake; intake may
/// look at the roster of their clinic and change nothing.
#[tokio::test]
async fn the_door_confirms_who_comes_adds_walk_ins_and_marks_first_visits() {
    let Setup { app, mine, me, .. } = setup(Duration::days(2)).await;
    let returning = book_and_confirm(&app, mine, 1, "Rita", "Returning").await;
    let requested = {
        let mut body = booking_json(mine, &phone(2));
        body["first_name"] = Value::from("Nina");
        body["last_name"] = Value::from("New");
        assert_eq!(app.post_booking(&body, None).await.status(), 201);
        sqlx::query_scalar::<_, i64>("select max(id) from booking").fetch_one(&app.pool).await.unwrap()
    };
    // Rita came to an earlier group.
    let earlier = app.session_starting_in(Duration::days(1), 12, 1).await;
    let before = book_and_confirm(&app, earlier, 1, "Rita", "Returning").await;
    sqlx::query("update session set starts_at = now() - interval '7 days', ends_at = now() - interval '7 days' + interval '90 minutes' where id = $1")
        .bind(earlier)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    sqlx::query("update booking set status = 'attended' where id = $1")
        .bind(before)
        .execute(&app.pool)
        .await
        .unwrap();
    has_started(&app, mine).await;

    let page = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await.text().await.unwrap();
    let row = |name: &str| {
        let at = page.find(name).unwrap();
        page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(
        row("Nina New").contains("first visit") && !row("Rita Returning").contains("first visit"),
        "{page}"
    );
    assert!(row("Nina New").contains(&format!("mark_{requested}")), "someone still requested can be marked");

    let csrf = hidden(&page, "csrf");
    let marks = [
        ("csrf", csrf.as_str()),
        (&*format!("mark_{requested}"), "attended"),
        (&*format!("mark_{returning}"), "attended"),
    ];
    let r =
        crate::staff_auth::post_as(&app, &me, &format!("/staff/sessions/{mine}/attendance"), &marks).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let status: String = sqlx::query_scalar("select status::text from booking where id = $1")
        .bind(requested)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "attended", "came: confirmed and attended in one step");

    // A walk-in: a bad phone is said, nothing is added; then added as here, for intake to match.
    let walk_in = format!("/staff/sessions/{mine}/walk-in");
    let bad = [("csrf", csrf.as_str()), ("first_name", "Wally"), ("last_name", "Walker"), ("phone", "12")];
    let r = crate::staff_auth::post_as(&app, &me, &walk_in, &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Please give a first name, a last name and a phone number"));
    let good = [
        ("csrf", csrf.as_str()),
        ("first_name", "Wally"),
        ("last_name", "Walker"),
        ("phone", "(909) 555-0177"),
    ];
    let r = crate::staff_auth::post_as(&app, &me, &walk_in, &good).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let (source, status): (String, String) =
        sqlx::query_as("select source, status::text from booking where last_name = 'Walker'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), status.as_str()), ("walk_in", "attended"));
    let page = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await.text().await.unwrap();
    assert!(page.contains("Wally Walker"));
    // Sent twice (a double click): one walk-in.
    let r = crate::staff_auth::post_as(&app, &me, &walk_in, &good).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("already on this group"));
    assert_eq!(app.count("select count(*) from booking where last_name = 'Walker'").await, 1);

    // Intake of the clinic sees it, and is asked to match the walk-in to a record.
    let clinic = app.clinic_of(mine).await;
    crate::staff_auth::staff_account_for(&app, "intake@clinic.test", StaffRole::Intake, &[clinic]).await;
    let intake = login(&app, "intake@clinic.test").await;
    let roster = get_as(&app, &intake, &format!("/staff/sessions/{mine}/roster")).await;
    assert_eq!(roster.status(), 200);
    let roster = roster.text().await.unwrap();
    assert!(
        roster.contains("Wally Walker") && !roster.contains("mark_") && !roster.contains("/walk-in"),
        "read-only"
    );
    let list = get_as(&app, &intake, "/staff/intake?reason=walk_in").await.text().await.unwrap();
    assert!(
        list.contains("Wally Walker") && list.contains("Came without a booking: match to a record"),
        "{list}"
    );
}

/// Each role's home opens on today: the groups meeting today with seats taken, a counselor's
/// own, intake's clinics', with the roster a click away.
#[tokio::test]
async fn the_staff_home_opens_on_todays_groups() {
    let Setup { app, mine, theirs, me } = setup(Duration::days(2)).await;
    book_and_confirm(&app, mine, 1, "Rosa", "Today").await;
    for session in [mine, theirs] {
        sqlx::query(
            "update session set starts_at = now(), ends_at = now() + interval '90 minutes' where id = $1",
        )
        .bind(session)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    }
    let home = get_as(&app, &me, "/staff").await.text().await.unwrap();
    let today = &home[home.find("Groups today").expect("today's groups")..];
    assert!(
        today.contains(&format!("/staff/sessions/{mine}/roster")) && today.contains("1 booked"),
        "{today}"
    );
    assert!(!today.contains(&format!("/staff/sessions/{theirs}/roster")), "another counselor's group");
    assert!(!today.contains("Rosa"), "counts, not names, on the home page");
}

/// Minimum necessary: the person's note is written to the intake staff who call them, and the
/// form says so; the group's counselor does not see it.
#[tokio::test]
async fn the_persons_note_reaches_intake_and_not_the_counselor() {
    let Setup { app, mine, me, .. } = setup(Duration::days(2)).await;
    let mut body = booking_json(mine, &phone(1));
    body["notes"] = Value::from("Please call after my shift, about my housing");
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    let roster = get_as(&app, &me, &format!("/staff/sessions/{mine}/roster")).await.text().await.unwrap();
    assert!(roster.contains("Test Person"), "the participant is listed");
    assert!(!roster.contains("housing"), "{roster}");
    let (_, form) = app.get_html(&format!("/sessions/{mine}")).await;
    assert!(
        form.contains("Note for the clinic staff who will call you")
            && form.contains("your group&#39;s leader does not"),
        "the label says who reads it"
    );
}
