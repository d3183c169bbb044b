//! Intake's queue and decisions: scoped to the account's clinics, audited, CSRF-protected,
//! and the seat rules hold (a freed seat goes to the waitlist).

use crate::helpers::{TestApp, booking_json, phone};
use crate::staff_auth::{
    get_as, hidden, login, post_as, second_factor_optional, staff_account, staff_account_for,
};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;
use serde_json::Value;

async fn book(app: &TestApp, session: i64, n: usize, notes: &str) -> i64 {
    let mut body = booking_json(session, &phone(n));
    body["notes"] = Value::from(notes);
    body["first_name"] = Value::from(format!("Person{n}"));
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap()
}

async fn status_of(app: &TestApp, booking: i64) -> String {
    sqlx::query_scalar("select status::text from booking where id = $1")
        .bind(booking)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

struct Setup {
    app: TestApp,
    here: i64,
    elsewhere: i64,
    intake: String,
}

/// Two clinics' groups (room for one each), an intake account for the first clinic.
async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let here = app.session_starting_in(Duration::days(2), 1, 1).await;
    let elsewhere = app.session_starting_in(Duration::days(2), 1, 1).await;
    let clinic = app.clinic_of(here).await;
    staff_account_for(&app, "intake@clinic.test", StaffRole::Intake, &[clinic]).await;
    let intake = login(&app, "intake@clinic.test").await;
    Setup { app, here, elsewhere, intake }
}

#[tokio::test]
async fn the_worklist_shows_this_clinics_requests_and_is_audited() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let first = book(&app, here, 1, "").await;
    let second = book(&app, here, 2, "").await; // waitlisted: the room holds one
    let other = book(&app, elsewhere, 3, "").await;

    let html = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    assert!(html.contains(&format!("/staff/intake/requests/{first}\"")));
    assert!(!html.contains(&format!("/staff/intake/requests/{other}\"")), "another clinic's request");
    assert!(!html.contains("Person2"), "the default view is requests, not the waitlist");
    assert!(
        html.contains("Every reason (1)") && html.contains("New request (1)"),
        "counted in this clinic only"
    );
    let waiting = get_as(&app, &intake, "/staff/intake?status=waitlisted").await.text().await.unwrap();
    assert!(waiting.contains("Person2"));
    assert!(app.count("select count(*) from audit_log where action = 'view_queue'").await >= 2);
    let shown: Vec<i64> = sqlx::query_scalar(
        "select record from audit_log, unnest(record_ids) with ordinality as shown (record, n) \
         where action = 'view_booking_in_list' and record_type = 'booking' order by seq, n",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(shown, [first, second], "each view records which requests it showed, and no others");
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'view_booking_in_list'").await,
        2,
        "one entry per view, naming its requests"
    );

    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let admin = login(&app, "admin@clinic.test").await;
    let all = get_as(&app, &admin, "/staff/intake").await.text().await.unwrap();
    let (a, b) = (
        all.find(&format!("requests/{first}\"")).unwrap(),
        all.find(&format!("requests/{other}\"")).unwrap(),
    );
    assert!(a < b, "soonest group first, every clinic for an administrator");
    // One clinic asked for: the administrator sees its requests only; intake asking for a
    // clinic not theirs sees none.
    let theirs = app.clinic_of(elsewhere).await;
    let one = get_as(&app, &admin, &format!("/staff/intake?clinic={theirs}")).await.text().await.unwrap();
    assert!(one.contains(&format!("requests/{other}\"")) && !one.contains(&format!("requests/{first}\"")));
    assert!(one.contains("Every reason (1)"), "counted in that clinic");
    let not_mine =
        get_as(&app, &intake, &format!("/staff/intake?clinic={theirs}")).await.text().await.unwrap();
    assert!(!not_mine.contains(&format!("requests/{other}\"")) && not_mine.contains("Every reason (0)"));
}

#[tokio::test]
async fn a_request_page_shows_what_intake_needs_and_records_the_view() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let mine = book(&app, here, 1, "Mornings only, please").await;
    let theirs = book(&app, elsewhere, 2, "").await;
    let r = get_as(&app, &intake, &format!("/staff/intake/requests/{mine}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Person1 Person")
            && html.contains("(909) 555-0001")
            && html.contains("Mornings only, please")
    );
    assert!(html.contains("text messages: yes") && html.contains("voicemail: no"));
    assert!(html.contains("new: Requested by the person"), "the history");
    assert!(html.contains("<title>Request ·"), "no reference or name in the browser title");
    let viewed: Vec<(Option<i64>, Option<String>)> =
        sqlx::query_as("select record_id, record_type from audit_log where action = 'view_booking'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(viewed, [(Some(mine), Some("booking".to_owned()))]);
    assert_eq!(get_as(&app, &intake, &format!("/staff/intake/requests/{theirs}")).await.status(), 404);
}

#[tokio::test]
async fn confirming_keeps_the_seat_and_declining_hands_it_to_the_first_in_line() {
    let Setup { app, here, intake, .. } = setup().await;
    let holder = book(&app, here, 1, "").await;
    let first = book(&app, here, 2, "").await;
    let second = book(&app, here, 3, "").await;
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{holder}")).await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");

    let r =
        post_as(&app, &intake, &format!("/staff/intake/requests/{holder}/confirm"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, holder).await, "confirmed");
    assert_eq!(status_of(&app, first).await, "waitlisted", "a confirmation frees nothing");

    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{holder}/decline"),
        &[("csrf", &csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("no longer allows that"));
    assert_eq!(status_of(&app, holder).await, "confirmed", "a confirmed seat is cancelled, not declined");

    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{holder}/cancel"),
        &[("csrf", &csrf), ("reason", "moved away")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, holder).await, "cancelled");
    assert_eq!(status_of(&app, first).await, "requested", "the first in line was promoted");

    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{first}/decline"),
        &[("csrf", &csrf), ("reason", "not eligible")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, first).await, "declined");
    assert_eq!(status_of(&app, second).await, "requested");
    let reasons: Vec<Option<String>> =
        sqlx::query_scalar("select reason from booking_event where actor like 'staff:%' order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(reasons, [None, Some("moved away".into()), Some("not eligible".into())]);
    // Confirm, cancel, decline: the refused decline changed nothing and is not in the log.
    assert_eq!(app.count("select count(*) from audit_log where action like 'booking_%'").await, 3);
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn a_decision_or_contact_log_without_the_csrf_token_changes_nothing() {
    let Setup { app, here, intake, .. } = setup().await;
    let booking = book(&app, here, 1, "").await;
    for path in ["confirm", "decline", "cancel", "contact"] {
        let url = format!("/staff/intake/requests/{booking}/{path}");
        let r = post_as(&app, &intake, &url, &[("csrf", "forged"), ("outcome", "called")]).await;
        assert_eq!(r.status(), 403, "{path}");
        let r = post_as(&app, &intake, &url, &[("outcome", "called")]).await;
        assert_eq!(r.status(), 403, "{path} without a token");
    }
    assert_eq!(status_of(&app, booking).await, "requested");
    assert_eq!(app.count("select count(*) from contact_attempt").await, 0);
}

#[tokio::test]
async fn contact_attempts_are_logged_in_the_history() {
    let Setup { app, here, intake, .. } = setup().await;
    let booking = book(&app, here, 1, "").await;
    let page =
        get_as(&app, &intake, &format!("/staff/intake/requests/{booking}")).await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{booking}/contact"),
        &[("csrf", &csrf), ("outcome", "left_voicemail")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let html =
        get_as(&app, &intake, &format!("/staff/intake/requests/{booking}")).await.text().await.unwrap();
    assert!(html.contains("Left a voicemail by staff #"));
    let bad = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{booking}/contact"),
        &[("csrf", &csrf), ("outcome", "sent a pigeon")],
    )
    .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_confirms_at_once_change_the_request_once_and_write_one_audit_row() {
    let Setup { app, here, intake, .. } = setup().await;
    let booking = book(&app, here, 1, "").await;
    let waiting = book(&app, here, 2, "").await;
    let page =
        get_as(&app, &intake, &format!("/staff/intake/requests/{booking}")).await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let confirm = |id: i64| {
        let (app, intake, csrf) = (&app, &intake, &csrf);
        async move {
            post_as(app, intake, &format!("/staff/intake/requests/{id}/confirm"), &[("csrf", csrf)])
                .await
                .status()
                .as_u16()
        }
    };
    let mut codes = futures_util::future::join_all((0..4).map(|_| confirm(booking))).await;
    codes.sort();
    assert_eq!(codes, [303, 409, 409, 409], "one confirmation; the others find it done");
    assert_eq!(app.count("select count(*) from audit_log where action = 'booking_confirm'").await, 1);
    assert_eq!(
        app.count("select count(*) from booking_event where to_status = 'confirmed'").await,
        1,
        "the history agrees with the audit log"
    );

    // A waitlisted request cannot be confirmed: refused, and nothing is recorded as done.
    assert_eq!(confirm(waiting).await, 409);
    assert_eq!(status_of(&app, waiting).await, "waitlisted");
    assert_eq!(app.count("select count(*) from audit_log where action = 'booking_confirm'").await, 1);
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn a_repeat_request_is_flagged_and_intake_cancels_it_in_one_step() {
    let Setup { app, here, intake, .. } = setup().await;
    let first = book(&app, here, 1, "").await;
    let repeat = book(&app, here, 1, "").await;
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{repeat}")).await.text().await.unwrap();
    assert!(page.contains("Repeat request of the same phone"));
    assert!(page.contains("Cancel this repeat request"));
    let csrf = hidden(&page, "csrf");
    // The one-step form carries its own reason.
    let reason = hidden(&page[page.find("Repeat request of the same phone").unwrap()..], "reason");
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{repeat}/cancel"),
        &[("csrf", &csrf), ("reason", &reason)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, repeat).await, "cancelled");
    assert_eq!(status_of(&app, first).await, "requested", "the first request keeps its seat");
    let history =
        get_as(&app, &intake, &format!("/staff/intake/requests/{repeat}")).await.text().await.unwrap();
    assert!(history.contains("(Repeat request of the same phone)"), "the reason is in the history");
}

#[tokio::test]
async fn counselors_may_not_work_the_queue() {
    let Setup { app, here, .. } = setup().await;
    let booking = book(&app, here, 1, "").await;
    staff_account(&app, "counselor@clinic.test", StaffRole::Counselor).await;
    let counselor = login(&app, "counselor@clinic.test").await;
    assert_eq!(get_as(&app, &counselor, "/staff/intake").await.status(), 403);
    assert_eq!(get_as(&app, &counselor, &format!("/staff/intake/requests/{booking}")).await.status(), 403);
}

async fn same_clinic_session(app: &TestApp, like: i64, room: i32) -> i64 {
    let other = app.session_starting_in(Duration::days(3), room, 1).await;
    sqlx::query("update session set clinic_id = (select clinic_id from session where id = $1) where id = $2")
        .bind(like)
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    other
}

#[tokio::test]
async fn a_move_respects_the_targets_seats_and_frees_the_old_one() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let full = same_clinic_session(&app, here, 1).await;
    let roomy = same_clinic_session(&app, here, 5).await;
    let mover = book(&app, here, 1, "").await;
    let waiting = book(&app, here, 2, "").await;
    book(&app, full, 3, "").await;
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{mover}")).await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    assert!(page.contains(&format!("<option value=\"{full}\">")), "groups of the clinic are offered");
    // By day, each with its clinic, language and seats left.
    let option = &page[page.find(&format!("<option value=\"{roomy}\">")).unwrap()..];
    let option = &option[..option.find("</option>").unwrap()];
    assert!(option.contains("Clinic · English · 5 seats left"), "{option}");
    assert!(page.contains("<optgroup label=\""), "grouped by day");
    assert!(!page.contains(&format!("<option value=\"{elsewhere}\">")), "another clinic's are not");

    let path = format!("/staff/intake/requests/{mover}/move");
    let r = post_as(&app, &intake, &path, &[("csrf", &csrf), ("target", &full.to_string())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, mover).await, "waitlisted", "the target was full");
    assert_eq!(status_of(&app, waiting).await, "requested", "the seat left behind went to the first in line");

    sqlx::query("update booking set status = 'confirmed' where id = $1")
        .bind(waiting)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{waiting}/move"),
        &[("csrf", &csrf), ("target", &roomy.to_string())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        status_of(&app, waiting).await,
        "confirmed",
        "a confirmed seat stays confirmed where there is room"
    );

    // The same phone cannot be in a group twice; another clinic's group is out of reach.
    book(&app, roomy, 7, "").await;
    let twin = book(&app, here, 7, "").await;
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{twin}/move"),
        &[("csrf", &csrf), ("target", &roomy.to_string())],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("already has a booking in that group"));
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{twin}/move"),
        &[("csrf", &csrf), ("target", &elsewhere.to_string())],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.count("select count(*) from audit_log where action = 'booking_moved'").await, 2);
    app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn a_phone_booking_follows_the_rules_of_an_online_request() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let form = get_as(&app, &intake, &format!("/staff/intake/phone-booking?session={here}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(&format!("<option value=\"{here}\" selected>")));
    assert!(!form.contains(&format!("<option value=\"{elsewhere}\"")));
    let (csrf, key) = (hidden(&form, "csrf"), hidden(&form, "key"));
    let here_text = here.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("session", here_text.as_str()),
        ("first_name", "Caller"),
        ("last_name", "Person"),
        ("phone", "951-555-0177"),
        ("language", "es"),
        ("consent_voicemail", "on"),
        ("payment", "self_pay"),
        ("accommodation", "wheelchair space"),
    ];
    assert!(form.contains("name=\"payment\"") && form.contains("name=\"adult\""), "the admission questions");
    let bad: Vec<_> = fields.iter().map(|(k, v)| if *k == "phone" { (*k, "12") } else { (*k, *v) }).collect();
    let r = post_as(&app, &intake, "/staff/intake/phone-booking", &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Please enter a US phone number"));

    let r = post_as(&app, &intake, "/staff/intake/phone-booking", &fields).await;
    assert_eq!(r.status(), 303);
    let again = post_as(&app, &intake, "/staff/intake/phone-booking", &fields).await;
    assert_eq!(again.headers()["location"], r.headers()["location"], "the same form twice is one booking");
    let (source, language, voicemail): (String, String, bool) =
        sqlx::query_as("select source, language::text, consent_voicemail from booking")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), language.as_str(), voicemail), ("phone", "es", true));
    let (payment, need): (String, String) =
        sqlx::query_as("select payment, accommodation from booking").fetch_one(&app.pool).await.unwrap();
    assert_eq!((payment.as_str(), need.as_str()), ("self_pay", "wheelchair space"));
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'booking_created_by_phone'").await,
        2
    );

    let elsewhere_text = elsewhere.to_string();
    let outside: Vec<_> = fields
        .iter()
        .map(|(k, v)| if *k == "session" { (*k, elsewhere_text.as_str()) } else { (*k, *v) })
        .collect();
    let r = post_as(&app, &intake, "/staff/intake/phone-booking", &outside).await;
    assert_eq!(r.status(), 422, "another clinic's group");
}

/// A request still undecided when its group starts closes itself, with the reason in its
/// history, and leaves the queue; a confirmed one stays; the person's page says what happened.
#[tokio::test]
async fn a_request_still_undecided_leaves_the_worklist_when_its_group_starts_and_closes_when_it_ends() {
    let Setup { app, here, intake, .. } = setup().await;
    let confirmed = book(&app, here, 1, "");
    let confirmed = confirmed.await;
    sqlx::query("update booking set status = 'confirmed' where id = $1")
        .bind(confirmed)
        .execute(&app.pool)
        .await
        .unwrap();
    let waiting = book(&app, here, 2, "").await; // the one seat is taken: waits
    let other = app.session_starting_in(Duration::days(2), 5, 1).await;
    let undecided_answer = {
        let r = app.post_booking(&booking_json(other, &phone(3)), None).await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()
    };
    let undecided: i64 =
        sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    let clock = groupcare::web::Clock::System;
    assert_eq!(
        groupcare::jobs::expire_requests::once(&app.pool, clock).await.unwrap(),
        0,
        "nothing has started"
    );

    // The groups start: the requests leave the worklist, but stay open while the groups meet
    // (the counselor may still mark someone who came).
    let set_times = |starts: &'static str, ends: &'static str| {
        let pool = app.owner_pool.clone();
        async move {
            for session in [here, other] {
                let sql = format!(
                    "update session set starts_at = now() + interval '{starts}', ends_at = now() + interval '{ends}' where id = $1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(session).execute(&pool).await.unwrap();
            }
        }
    };
    set_times("-1 minute", "89 minutes").await;
    let queue = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    assert!(!queue.contains(&format!("/staff/intake/requests/{waiting}\"")), "{queue}");
    assert_eq!(groupcare::jobs::expire_requests::once(&app.pool, clock).await.unwrap(), 0, "still meeting");
    set_times("-91 minutes", "-1 minute").await;
    assert_eq!(groupcare::jobs::expire_requests::once(&app.pool, clock).await.unwrap(), 2);
    assert_eq!(groupcare::jobs::expire_requests::once(&app.pool, clock).await.unwrap(), 0, "once");
    assert_eq!(status_of(&app, confirmed).await, "confirmed");
    assert_eq!(status_of(&app, waiting).await, "cancelled");
    assert_eq!(status_of(&app, undecided).await, "cancelled");

    let queue = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    assert!(!queue.contains(&format!("/staff/intake/requests/{waiting}\"")), "{queue}");
    let page =
        get_as(&app, &intake, &format!("/staff/intake/requests/{waiting}")).await.text().await.unwrap();
    assert!(page.contains(groupcare::store::bookings::EXPIRED_REASON), "the reason in the history: {page}");
    let url = undecided_answer["manage_url"].as_str().unwrap();
    let (_, told) = app.get_html(&url[url.find("/manage/").unwrap()..]).await;
    assert!(told.contains("The group took place before the clinic could confirm your request."), "{told}");
    app.assert_seat_counts_kept().await;
}

/// The worklist: who to call and why, the soonest group first, each reason a filter and a
/// count on the staff home; a follow-up leaves once a call is logged.
#[tokio::test]
async fn the_worklist_says_why_to_call_soonest_group_first() {
    let Setup { app, here, intake, .. } = setup().await; // `here`: in two days, one seat
    let later = same_clinic_session(&app, here, 5).await; // in three days
    sqlx::query("update session set starts_at = starts_at + interval '2 days', ends_at = ends_at + interval '2 days' where id = $1")
        .bind(later)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    let for_later = book(&app, later, 1, "").await; // the oldest request, for the later group
    let seated = book(&app, here, 2, "").await;
    let waiting = book(&app, here, 3, "").await;
    let list = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    let at = |id: i64| list.find(&format!("requests/{id}\"")).unwrap();
    assert!(at(seated) < at(for_later), "the soonest group first, whatever waited longest");
    assert!(!list.contains(&format!("requests/{waiting}\"")), "on the waitlist: nobody to call yet");
    assert!(list.contains("New request") && list.contains("Why call"));

    // The seated person cancels: the one waiting moves up, and is to be called as such.
    let csrf = hidden(&get_as(&app, &intake, "/staff").await.text().await.unwrap(), "csrf");
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{seated}/cancel"),
        &[("csrf", &csrf), ("reason", "asked")],
    )
    .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let promoted = get_as(&app, &intake, "/staff/intake?reason=promoted").await.text().await.unwrap();
    assert!(
        promoted.contains(&format!("requests/{waiting}\""))
            && promoted.contains("Moved up from the waitlist")
    );
    assert!(!promoted.contains(&format!("requests/{for_later}\"")), "the filter shows that reason only");

    // The clinic cancels the later group: its person is to be called, until a call is logged.
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let admin = login(&app, "admin@clinic.test").await;
    let admin_csrf = hidden(&get_as(&app, &admin, "/staff").await.text().await.unwrap(), "csrf");
    post_as(
        &app,
        &admin,
        &format!("/staff/admin/sessions/{later}/cancel"),
        &[("csrf", &admin_csrf), ("reason", "flood")],
    )
    .await;
    let home = get_as(&app, &intake, "/staff").await.text().await.unwrap();
    assert!(home.contains("The clinic cancelled the group: 1"), "{home}");
    assert!(home.contains("Moved up from the waitlist: 1") && home.contains("New request: 0"), "{home}");
    let cancelled = get_as(&app, &intake, "/staff/intake?reason=group_cancelled").await.text().await.unwrap();
    assert!(cancelled.contains(&format!("requests/{for_later}\"")));
    log_a_call(&app, &intake, for_later).await;
    let cancelled = get_as(&app, &intake, "/staff/intake?reason=group_cancelled").await.text().await.unwrap();
    assert!(!cancelled.contains(&format!("requests/{for_later}\"")), "called: off the list");
}

/// Runs `sql` as the database's owner (a hand edit, outside the app), booking `id` as $1.
async fn as_owner(app: &TestApp, sql: &'static str, id: i64) {
    sqlx::query(sql).bind(id).execute(&app.owner_pool).await.unwrap();
}

/// The worklist reason kept on booking `id`.
async fn attention_of(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("select attention from booking where id = $1")
        .bind(id)
        .fetch_one(&app.owner_pool)
        .await
        .unwrap()
}

/// The staff page at `path`, as the staff member signed in as `session` sees it.
async fn page_as(app: &TestApp, session: &str, path: &str) -> String {
    get_as(app, session, path).await.text().await.unwrap()
}

/// A call to booking `id`'s person logged by the staff member signed in as `session`.
async fn log_a_call(app: &TestApp, session: &str, id: i64) {
    let csrf = hidden(&page_as(app, session, "/staff").await, "csrf");
    post_as(
        app,
        session,
        &format!("/staff/intake/requests/{id}/contact"),
        &[("csrf", &csrf), ("outcome", "called")],
    )
    .await;
}

/// The reasons are the database's own, kept from the history: neither a write of the reason
/// nor an edit of the history by the database's owner leaves anyone off the worklist, or on it
/// for a call already made.
#[tokio::test]
async fn the_worklist_reasons_follow_the_history_whoever_writes() {
    let Setup { app, here, intake, .. } = setup().await;
    let waiting = book(&app, here, 1, "").await;
    let on_list = |page: &str| page.contains(&format!("requests/{waiting}\""));
    // Written away by hand: the database keeps its own.
    as_owner(&app, "update booking set attention = null where id = $1", waiting).await;
    assert_eq!(attention_of(&app, waiting).await.as_deref(), Some("new"));
    assert!(on_list(&page_as(&app, &intake, "/staff/intake?reason=new").await));

    // Marked absent after the group, with a call logged since: off the list. The call deleted
    // by the owner: on it again; a call logged before the absence does not settle it.
    as_owner(&app, "update booking set status = 'no_show' where id = $1", waiting).await;
    as_owner(&app, "insert into booking_event (booking_id, from_status, to_status, actor, at) values ($1, 'requested', 'no_show', 'staff', now() - interval '1 hour')", waiting).await;
    assert_eq!(attention_of(&app, waiting).await.as_deref(), Some("no_show"));
    log_a_call(&app, &intake, waiting).await;
    assert!(!on_list(&page_as(&app, &intake, "/staff/intake?reason=no_show").await), "called");
    as_owner(&app, "delete from contact_attempt where booking_id = $1", waiting).await;
    assert!(on_list(&page_as(&app, &intake, "/staff/intake?reason=no_show").await), "call deleted");
    as_owner(&app, "insert into contact_attempt (booking_id, staff_id, outcome, at) select $1, id, 'called', now() - interval '2 hours' from staff limit 1", waiting).await;
    assert!(
        on_list(&page_as(&app, &intake, "/staff/intake?reason=no_show").await),
        "a call before the absence"
    );
    as_owner(&app, "update contact_attempt set at = now() where booking_id = $1", waiting).await;
    assert!(
        !on_list(&page_as(&app, &intake, "/staff/intake?reason=no_show").await),
        "the call's time edited to after it"
    );
}

/// What the owner can do to the history in bulk, or at once with a group's change, leaves no
/// reason stale: emptying the calls (and putting back all but one person's), a booking
/// cancelled while its group is being cancelled, and a change read from an old snapshot is
/// refused.
#[tokio::test]
async fn the_worklist_reasons_hold_through_truncation_races_and_old_snapshots() {
    let Setup { app, here, intake, .. } = setup().await; // one seat
    let seated = book(&app, here, 1, "").await;
    let waiting = book(&app, here, 2, "").await;

    // Missed, and called since: off the list. The owner empties the calls and puts back all
    // but this one: on it again.
    as_owner(
        &app,
        "with marked as (update booking set status = 'no_show' where id = $1 returning id)
         insert into booking_event (booking_id, from_status, to_status, actor, at)
         select id, 'requested', 'no_show', 'staff:1', now() - interval '1 hour' from marked",
        seated,
    )
    .await;
    log_a_call(&app, &intake, seated).await;
    assert_eq!(attention_of(&app, seated).await, None, "called");
    let mut owner = app.owner_pool.begin().await.unwrap();
    for sql in [
        "create temp table kept on commit drop as select * from contact_attempt where booking_id <> $1",
        "truncate contact_attempt",
        "insert into contact_attempt overriding system value select * from kept",
    ] {
        sqlx::query(sql).bind(seated).execute(&mut *owner).await.unwrap();
    }
    owner.commit().await.unwrap();
    assert_eq!(attention_of(&app, seated).await.as_deref(), Some("no_show"));

    // The group is cancelled while another transaction cancels a declined booking by hand (no
    // seat changes hands, so that transaction does not wait for the group's row): whichever
    // commits first, the booking ends with the group's cancellation as its reason.
    as_owner(&app, "update booking set status = 'declined' where id = $1", waiting).await;
    let mut group_change = app.owner_pool.begin().await.unwrap();
    sqlx::query("update session set status = 'cancelled' where id = $1")
        .bind(here)
        .execute(&mut *group_change)
        .await
        .unwrap();
    let by_hand = {
        let pool = app.owner_pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("update booking set status = 'cancelled' where id = $1")
                .bind(waiting)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(
                "insert into booking_event (booking_id, from_status, to_status, actor, at)
                 values ($1, 'declined', 'cancelled', 'staff:1', now())",
            )
            .bind(waiting)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    group_change.commit().await.unwrap();
    by_hand.await.unwrap();
    assert_eq!(attention_of(&app, waiting).await.as_deref(), Some("group_cancelled"));

    // A transaction reading one snapshot throughout may not log a call: it would work the
    // reason out without what others committed since it began.
    let mut old_snapshot = app.owner_pool.begin().await.unwrap();
    sqlx::query("set transaction isolation level repeatable read").execute(&mut *old_snapshot).await.unwrap();
    let refused = sqlx::query(
        "insert into contact_attempt (booking_id, staff_id, outcome, at) select $1, id, 'called', now() from staff limit 1",
    )
    .bind(seated)
    .execute(&mut *old_snapshot)
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("read committed only"), "{refused}");
}

/// The worklist's counts by reason are kept for a second, as the public listings are: a change
/// made through the worker's own instance shows at once, one made through the other within a
/// second. (The list itself is read on every view.)
#[tokio::test]
async fn the_worklist_counts_show_a_change_at_once_here_and_within_a_second_there() {
    let Setup { app, here, intake, .. } = setup().await;
    let roomy = same_clinic_session(&app, here, 5).await;
    let there = app.another_instance().await;
    book(&app, roomy, 1, "").await;
    for instance in [&app, &there] {
        let page = get_as(instance, &intake, "/staff/intake").await.text().await.unwrap();
        assert!(page.contains("New request (1)"), "counted on both instances");
    }
    let second = book(&there, roomy, 2, "").await;
    let there_page = get_as(&there, &intake, "/staff/intake").await.text().await.unwrap();
    assert!(there_page.contains("New request (2)"), "at once where it was made");
    crate::listings::shows_within_a_second(
        || async {
            let page = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
            assert!(page.contains(&format!("requests/{second}\"")), "the list itself at once");
            page.contains("New request (2)")
        },
        "the other instance's count",
    )
    .await;
}

/// Counts are kept per set of clinics and pages go on after a booking named in the link: an
/// administrator's counts of every clinic, kept, are never a worker's of one, and no page's
/// link (even one naming another clinic's booking) shows another clinic's requests. Every page
/// shown is audited with its own bookings.
#[tokio::test]
async fn kept_counts_and_later_pages_stay_in_the_workers_clinics_and_each_page_is_audited() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let roomy = same_clinic_session(&app, here, 5).await;
    let theirs = book(&app, elsewhere, 1, "").await; // another clinic's
    let first = book(&app, roomy, 2, "").await;
    // 119 more requests in the worker's clinic: two pages.
    as_owner(
        &app,
        "insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name, phone,
                              language, consent_sms, consent_voicemail, source, overlap_flag, created_at)
         select session_id, 'P' || lpad(g::text, 7, '0'), decode(md5('p' || g), 'hex'), 'requested', first_name,
                last_name, '+1909557' || lpad(g::text, 4, '0'), language, false, false, 'online', false, created_at
         from booking, generate_series(1, 119) g where id = $1",
        first,
    )
    .await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let admin = login(&app, "admin@clinic.test").await;
    assert!(page_as(&app, &admin, "/staff/intake").await.contains("Every reason (121)"), "every clinic's");
    let mine = page_as(&app, &intake, "/staff/intake").await;
    assert!(mine.contains("Every reason (120)") && !mine.contains(&format!("requests/{theirs}\"")));
    let home = page_as(&app, &intake, "/staff").await;
    assert!(home.contains("New request: 120"), "{home}");

    // The link's booking taken from the other clinic, with a time before every group.
    let listed = page_as(&app, &intake, &format!("/staff/intake?after=0.{theirs}")).await;
    assert!(
        listed.contains(&format!("requests/{first}\"")) && !listed.contains(&format!("requests/{theirs}\""))
    );
    let at = mine.find("rel=\"next\"").expect("a second page");
    let link = mine[..at].rsplit("href=\"").next().unwrap();
    let link = link[..link.find('"').unwrap()].replace("&#38;", "&").replace("&amp;", "&");
    let second = page_as(&app, &intake, &link).await;
    let on_second: Vec<i64> = second
        .split("/staff/intake/requests/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(on_second.len(), 20);
    assert!(!on_second.contains(&theirs));
    let audited: Vec<i64> = sqlx::query_scalar(
        "select record from audit_log, unnest(record_ids) with ordinality as shown (record, n)
         where seq = (select max(seq) from audit_log where action = 'view_booking_in_list') order by n",
    )
    .fetch_all(&app.owner_pool)
    .await
    .unwrap();
    assert_eq!(audited, on_second, "the second page's view names its own bookings, in order");
}

/// Intake finds a caller by what they read out — reference, phone (any spelling) or name — in
/// their own clinics only; by POST, so a number never lands in a URL; audited.
#[tokio::test]
async fn intake_finds_a_caller_by_reference_phone_or_name_in_their_clinics() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let mut body = booking_json(here, "(909) 555-0101");
    body["first_name"] = Value::from("Ana María");
    body["last_name"] = Value::from("Flores");
    let answer: Value = app.post_booking(&body, None).await.json().await.unwrap();
    let mine: i64 = sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    let mut body = booking_json(elsewhere, "(909) 555-0102");
    body["first_name"] = Value::from("Ana");
    body["last_name"] = Value::from("Flores");
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    let theirs: i64 = sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    let csrf = hidden(&get_as(&app, &intake, "/staff/intake/find").await.text().await.unwrap(), "csrf");
    let find = |q: &str| {
        let (app, intake, csrf, q) = (&app, &intake, csrf.clone(), q.to_owned());
        async move {
            let r = post_as(app, intake, "/staff/intake/find", &[("csrf", &csrf), ("q", &q)]).await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let reference = answer["reference"].as_str().unwrap().to_lowercase();
    for q in [
        reference.as_str(),
        "909.555.0101",
        "+1 (909) 555 0101",
        "ana flo",
        "FLORES",
        "maria",
        "MARÍA flores",
    ] {
        let found = find(q).await;
        assert!(found.contains(&format!("requests/{mine}\"")), "{q}: {found}");
        assert!(!found.contains(&format!("requests/{theirs}\"")), "{q}: another clinic's booking");
    }
    assert!(find("Zelda").await.contains("No booking at your clinics matches that."));
    // A reference read out with the name; a name with an apostrophe or accents, typed any way.
    let with_name = format!("{} Ana", answer["reference"].as_str().unwrap());
    assert!(find(&with_name).await.contains(&format!("requests/{mine}\"")));
    let mut body = booking_json(here, "(909) 555-0103");
    body["first_name"] = Value::from("Seán");
    body["last_name"] = Value::from("O'Brien-Álvarez");
    assert_eq!(app.post_booking(&body, None).await.status(), 201);
    for q in ["obrien", "O'Brien", "sean alvarez", "ÁLVAREZ"] {
        assert!(find(q).await.contains("O&#39;Brien-Álvarez"), "{q}");
    }
    // A search in the address bar does nothing: the form only.
    let by_url = get_as(&app, &intake, "/staff/intake/find?q=909-555-0101").await.text().await.unwrap();
    assert!(!by_url.contains(&format!("requests/{mine}\"")));
    let searches = app.count("select count(*) from audit_log where action = 'find_bookings'").await;
    assert_eq!(searches, 13);
    let shown: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'view_booking_in_list' and $1 = any(record_ids)",
    )
    .bind(mine)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(shown, 8, "each booking shown is audited");
    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains("555-0101") && !logs.contains("5550101"), "no phone in the log");
}

/// The admission questions: optional and plain on the form; under 18 takes no request and says
/// to call; intake sees every answer, the counselor only what the person needs at the group;
/// the API checks them per field.
#[tokio::test]
async fn the_admission_questions_reach_intake_and_only_the_needs_reach_the_counselor() {
    let Setup { app, here, intake, .. } = setup().await;
    let book = format!("/sessions/{here}/book");
    let person =
        [("first_name", "Rosa"), ("last_name", "Vega"), ("phone", "909-555-0166"), ("language", "es")];
    let under_18: Vec<(&str, &str)> =
        [("key", "admission-key-00001"), ("adult", "no")].into_iter().chain(person).collect();
    let r = app.post_form(&book, &under_18).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Please call the clinic"), "under 18: call the clinic");
    assert_eq!(app.count("select count(*) from booking").await, 0, "no request taken");

    let answered: Vec<(&str, &str)> = [
        ("key", "admission-key-00002"),
        ("adult", "yes"),
        ("returning_patient", "no"),
        ("payment", "medi_cal"),
        ("needs_ride", "on"),
        ("accommodation", "Spanish interpreter"),
    ]
    .into_iter()
    .chain(person)
    .collect();
    assert_eq!(app.post_form(&book, &answered).await.status(), 303);
    let id: i64 = sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{id}")).await.text().await.unwrap();
    for answer in ["Medi-Cal", "Spanish interpreter", "<dd>no</dd>", "<dd>yes</dd>"] {
        assert!(page.contains(answer), "{answer}: {page}");
    }

    // The counselor: the need, not the payment nor whether the person is new here.
    let counselor = staff_account(&app, "counselor@clinic.test", StaffRole::Counselor).await;
    sqlx::query("update session_counselor set counselor_id = (select counselor_id from staff where id = $1) where session_id = $2")
        .bind(counselor)
        .bind(here)
        .execute(&app.pool)
        .await
        .unwrap();
    let me = login(&app, "counselor@clinic.test").await;
    let roster = get_as(&app, &me, &format!("/staff/sessions/{here}/roster")).await.text().await.unwrap();
    assert!(roster.contains("Spanish interpreter") && !roster.contains("Medi-Cal"), "{roster}");

    // The API: the same questions, checked per field.
    let mut body = booking_json(here, &phone(7));
    body["payment"] = Value::from("bitcoin");
    body["adult"] = Value::from(false);
    let r = app.post_booking(&body, None).await;
    assert_eq!(r.status(), 422);
    let errors: Value = r.json().await.unwrap();
    assert!(errors["errors"]["payment"].is_string() && errors["errors"]["adult"].is_string(), "{errors}");
}

/// Intake corrects what the person said (they explained on the phone): audited, checked per
/// field, within intake's clinics only.
#[tokio::test]
async fn intake_corrects_the_admission_answers_within_its_clinics() {
    let Setup { app, here, elsewhere, intake } = setup().await;
    let id = book(&app, here, 1, "").await;
    let other = book(&app, elsewhere, 2, "").await;
    let path = format!("/staff/intake/requests/{id}/answers");
    let csrf = hidden(&get_as(&app, &intake, "/staff").await.text().await.unwrap(), "csrf");
    let answers = [
        ("csrf", csrf.as_str()),
        ("returning_patient", "yes"),
        ("payment", "medicare"),
        ("needs_ride", "on"),
        ("accommodation", "Wheelchair access"),
    ];
    assert_eq!(post_as(&app, &intake, &path, &answers).await.status(), 303);
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{id}")).await.text().await.unwrap();
    assert!(page.contains("<dd>Medicare</dd>") && page.contains("<dd>Wheelchair access</dd>"), "{page}");
    assert_eq!(app.count("select count(*) from audit_log where action = 'booking_answers_changed'").await, 1);

    let too_long = "x".repeat(300);
    let bad = [("csrf", csrf.as_str()), ("payment", "bitcoin"), ("accommodation", too_long.as_str())];
    let r = post_as(&app, &intake, &path, &bad).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("How do you expect to pay?"),
        "the field and its problem are named"
    );
    let kept: (Option<String>, Option<String>) =
        sqlx::query_as("select payment, accommodation from booking where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, (Some("medicare".into()), Some("Wheelchair access".into())), "nothing was lost");

    let r = post_as(&app, &intake, &format!("/staff/intake/requests/{other}/answers"), &answers).await;
    assert_eq!(r.status(), 404, "another clinic's request");
    let untouched: Option<String> = sqlx::query_scalar("select payment from booking where id = $1")
        .bind(other)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(untouched, None);
}

/// Hundreds of new requests do not hide the one promoted from the waitlist, the counts are the
/// whole list's, and the list's pages show each of them once.
#[tokio::test]
async fn a_long_worklist_keeps_every_reason_and_counts_it_whole() {
    let Setup { app, here, intake, .. } = setup().await; // one seat
    let later = same_clinic_session(&app, here, 1).await;
    sqlx::query("update session set starts_at = starts_at + interval '5 days', ends_at = ends_at + interval '5 days' where id = $1")
        .bind(later)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    let seated = book(&app, later, 1, "").await;
    let waiting = book(&app, later, 2, "").await;
    // 600 more new requests for the sooner group (copies of one, each its own phone and link).
    let first = book(&app, here, 3, "").await;
    sqlx::query(
        "insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name, phone,
                              language, consent_sms, consent_voicemail, source, overlap_flag, created_at)
         select session_id, 'W' || lpad(g::text, 7, '0'), decode(md5(g::text), 'hex'), 'requested', first_name,
                last_name, '+1909556' || lpad(g::text, 4, '0'), language, false, false, 'online', false, created_at
         from booking, generate_series(1, 600) g where id = $1",
    )
    .bind(first)
    .execute(&app.owner_pool)
    .await
    .unwrap();
    let csrf = hidden(&get_as(&app, &intake, "/staff").await.text().await.unwrap(), "csrf");
    post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{seated}/cancel"),
        &[("csrf", &csrf), ("reason", "x")],
    )
    .await;
    let promoted = get_as(&app, &intake, "/staff/intake?reason=promoted").await.text().await.unwrap();
    assert!(promoted.contains(&format!("requests/{waiting}\"")), "found behind 601 new requests");
    assert!(
        promoted.contains("New request (601)") && promoted.contains("Every reason (602)"),
        "whole counts"
    );
    let first_page = get_as(&app, &intake, "/staff/intake").await.text().await.unwrap();
    assert!(
        first_page.contains("New request (601)") && first_page.contains("Every reason (602)"),
        "the whole list's counts on each page"
    );
    assert!(
        !first_page.contains(&format!("requests/{waiting}\"")),
        "soonest group first: the later one is on a later page"
    );
    // Page after page, every booking on the list once, in order, the later group's last.
    let mut shown: Vec<i64> = Vec::new();
    let mut page = first_page;
    let mut pages = 1;
    loop {
        let on_page: Vec<i64> = page
            .split("/staff/intake/requests/")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect();
        assert!(on_page.len() <= 100, "a page shows at most 100");
        shown.extend(on_page);
        let Some(at) = page.find("rel=\"next\"") else { break };
        let link = page[..at].rsplit("href=\"").next().unwrap();
        let link = link[..link.find('"').unwrap()].replace("&#38;", "&").replace("&amp;", "&");
        assert!(page.contains("Back to the start") || pages == 1);
        page = get_as(&app, &intake, &link).await.text().await.unwrap();
        pages += 1;
    }
    assert_eq!(pages, 7, "602 on the list: six pages of 100 and one of 2");
    let mut distinct = shown.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!((shown.len(), distinct.len()), (602, 602), "each once");
    assert_eq!(shown.last(), Some(&waiting), "the later group's request last");
    assert!(page.contains("Back to the start") && !page.contains("rel=\"next\""));
}
