//! The booking rules under concurrency: the database decides, whatever arrives at once.

use crate::helpers::{TestApp, booking_json, phone};
use chrono::Duration;
use futures_util::future::join_all;
use serde_json::Value;
use std::collections::HashSet;

async fn answers_of(responses: Vec<reqwest::Response>) -> Vec<Value> {
    let mut out = Vec::new();
    for r in responses {
        assert_eq!(r.status(), 201);
        out.push(r.json::<Value>().await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_people_at_once_fill_twelve_seats_and_queue_the_rest_in_order() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 20, 1).await;

    let requests = (0..200).map(|i| {
        let body = booking_json(session, &phone(i));
        let app = &app;
        async move { app.post_booking(&body, Some(&format!("crowd-request-{i:04}"))).await }
    });
    let answers = answers_of(join_all(requests).await).await;

    let requested = answers.iter().filter(|a| a["status"] == "requested").count();
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|a| a["status"] == "waitlisted")
        .map(|a| a["waitlist_position"].as_i64().unwrap())
        .collect();
    positions.sort();
    assert_eq!(requested, 12);
    assert_eq!(positions, (1..=188).collect::<Vec<_>>());
    assert_eq!(app.count("select count(*) from booking where status = 'requested'").await, 12);
    assert_eq!(app.count("select count(*) from booking where status = 'waitlisted'").await, 188);
    let listed: Value = app.get("/api/v1/sessions").await.json().await.unwrap();
    assert_eq!(listed[0]["seats_left"], 0);
    assert_eq!(listed[0]["waitlist_length"], 188);
    assert_eq!(listed[0]["status"], "full");
    app.assert_seat_counts_kept().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_phone_twenty_times_at_once_is_taken_like_twenty_people_and_learns_nothing_of_the_others() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 20, 1).await;

    let requests = (0..20).map(|i| {
        let body = booking_json(session, "(951) 555-0199");
        let app = &app;
        async move { app.post_booking(&body, Some(&format!("repeat-request-{i:04}"))).await }
    });
    let answers = answers_of(join_all(requests).await).await;

    // Twelve seats, as twenty different people would have taken; the repeats are flagged.
    assert_eq!(app.count("select count(*) from booking where status = 'requested'").await, 12);
    assert_eq!(app.count("select count(*) from booking where status = 'waitlisted'").await, 8);
    assert_eq!(app.count("select count(*) from booking where duplicate_of is not null").await, 19);
    let references: HashSet<_> =
        answers.iter().map(|a| a["reference"].as_str().unwrap().to_owned()).collect();
    let links: HashSet<_> = answers.iter().map(|a| a["manage_url"].as_str().unwrap().to_owned()).collect();
    assert_eq!(references.len(), 20, "every answer has its own reference");
    assert_eq!(links.len(), 20, "every answer has its own manage link");
    for a in &answers {
        let keys: Vec<_> = a.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["manage_url", "reference", "status", "waitlist_position"], "{a}");
    }
    assert_eq!(answers.iter().filter(|a| a["status"] == "requested").count(), 12);
    let mut positions: Vec<i64> = answers.iter().filter_map(|a| a["waitlist_position"].as_i64()).collect();
    positions.sort();
    assert_eq!(positions, (1..=8).collect::<Vec<_>>());
    let listed: Value = app.get("/api/v1/sessions").await.json().await.unwrap();
    assert_eq!((listed[0]["seats_left"].as_i64(), listed[0]["waitlist_length"].as_i64()), (Some(0), Some(8)));
    app.assert_seat_counts_kept().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_twenty_times_at_once_gets_twenty_identical_answers_and_one_booking() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 20, 1).await;
    let body = booking_json(session, "(951) 555-0142");

    let requests = (0..20).map(|_| {
        let app = &app;
        let body = body.clone();
        async move { app.post_booking(&body, Some("double-click-key")).await }
    });
    let answers = answers_of(join_all(requests).await).await;

    assert!(answers.iter().all(|a| a == &answers[0]), "identical answers: {answers:?}");
    assert_eq!(app.count("select count(*) from booking").await, 1);
    app.assert_seat_counts_kept().await;
}

/// One key sent at once for two groups, through two instances: the groups' locks do not order
/// the two requests, so the key's own uniqueness does. One of each pair books, the other is told
/// its key was used, and neither gets an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_sent_at_once_for_two_groups_books_one_and_refuses_the_other() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let one_group = first.session_starting_in(Duration::days(3), 20, 1).await;
    let another = first.session_starting_in(Duration::days(4), 20, 1).await;

    let requests = (0..40).map(|i| {
        let (app, session) = if i % 2 == 0 { (&first, one_group) } else { (&second, another) };
        let body = booking_json(session, &phone(i / 2));
        async move { app.post_booking(&body, Some(&format!("two-groups-key-{:04}", i / 2))).await }
    });
    let responses = join_all(requests).await;

    let mut outcomes = Vec::new();
    for r in responses {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        outcomes.push((status, body));
    }
    for pair in outcomes.chunks(2) {
        let mut statuses = [pair[0].0, pair[1].0];
        statuses.sort();
        assert_eq!(statuses, [201, 422], "{pair:?}");
        let refused = &pair.iter().find(|(status, _)| *status == 422).unwrap().1;
        assert!(refused["errors"]["idempotency_key"].is_string(), "{refused}");
    }
    assert_eq!(first.count("select count(*) from booking").await, 20);
    assert_eq!(first.count("select count(*) from booking_request").await, 20);
    first.assert_seat_counts_kept().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_app_instances_on_one_database_never_overbook_between_them() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let session = first.session_starting_in(Duration::days(3), 20, 1).await;

    let requests = (0..60).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let body = booking_json(session, &phone(i));
        async move { app.post_booking(&body, Some(&format!("two-instances-{i:04}"))).await }
    });
    let answers = answers_of(join_all(requests).await).await;

    assert_eq!(answers.iter().filter(|a| a["status"] == "requested").count(), 12);
    let mut positions: Vec<i64> = answers.iter().filter_map(|a| a["waitlist_position"].as_i64()).collect();
    positions.sort();
    assert_eq!(positions, (1..=48).collect::<Vec<_>>());
    assert_eq!(first.count("select count(*) from booking where status = 'requested'").await, 12);
    first.assert_seat_counts_kept().await;
}

/// A counselor taken off a full group while a request waits for the group's lock: once the
/// request has the lock it counts the counselors as they are now, and is put on the waitlist
/// (counting them in the locking statement saw two, and overbooked).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_waiting_while_a_counselor_is_taken_off_counts_the_seats_left() {
    a_counselor_taken_off_while_a_request_comes(LockTheGroup::First).await;
}

/// The same taken off by the database's owner by hand, without locking the group: the
/// database locks it (a request that had counted two counselors before the change committed
/// gave out a seat the group no longer had).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_counselor_deleted_by_hand_while_a_request_comes_leaves_no_seat_too_many() {
    a_counselor_taken_off_while_a_request_comes(LockTheGroup::No).await;
}

#[derive(PartialEq)]
enum LockTheGroup {
    First,
    No,
}

async fn a_counselor_taken_off_while_a_request_comes(lock: LockTheGroup) {
    let app = TestApp::spawn().await;
    // Two counselors with 12 seats each, in a room of 24; 12 seats held, so one counselor fewer
    // leaves the group full.
    let session = app.session_starting_in(Duration::days(3), 24, 2).await;
    for i in 0..12 {
        assert_eq!(app.post_booking(&booking_json(session, &phone(i)), None).await.status(), 201);
    }
    let mut change = app.owner_pool.begin().await.unwrap();
    if lock == LockTheGroup::First {
        sqlx::query("select id from session where id = $1 for update")
            .bind(session)
            .execute(&mut *change)
            .await
            .unwrap();
    }
    sqlx::query(
        "delete from session_counselor where session_id = $1
         and counselor_id = (select min(counselor_id) from session_counselor where session_id = $1)",
    )
    .bind(session)
    .execute(&mut *change)
    .await
    .unwrap();
    let body = booking_json(session, &phone(12));
    let request = app.post_booking(&body, None);
    let commit = async {
        // The request is waiting for the group's row by now.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        change.commit().await.unwrap();
    };
    let (answer, ()) = tokio::join!(request, commit);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["status"], "waitlisted", "{answer}");
    assert_eq!(app.count("select count(*) from booking where status = 'requested'").await, 12);
    app.assert_seat_counts_kept().await;
}
