//! The outbox: each change that should tell the patient writes its messages in its own
//! transaction, on the channels the patient agreed to; reminders fall due before a confirmed
//! group; with no channel configured, nothing is sent and staff see why.

use crate::helpers::{TestApp, phone};
use crate::staff_auth::{get_as, signed_in};
use chrono::{Duration, Utc};
use groupcare::domain::booking::Actor;
use groupcare::domain::staff::StaffRole;
use groupcare::notify::{NotifySettings, Worker};
use groupcare::store::intake::{self, ClinicScope, Decision};
use serde_json::{Value, json};

/// Books `session` as person `n` with the given consents; returns the answer.
async fn book(app: &TestApp, session: i64, n: usize, sms: bool, email: bool) -> Value {
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": "Flores", "phone": phone(n),
        "email": format!("person{n}@example.test"), "consent_sms": sms, "consent_email": email,
    });
    let r = app.post_booking(&body, Some(&format!("messages-test-key-{session}-{n:04}"))).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// The message worker of `app`, with `settings`' channels.
pub fn worker(app: &TestApp, settings: &NotifySettings) -> Worker {
    Worker::new(app.pool.clone(), settings, std::sync::Arc::new(app.keys.clone()), app.base.as_str().into())
        .unwrap()
}

fn manage_token(answer: &Value) -> &str {
    let url = answer["manage_url"].as_str().unwrap();
    &url[url.rfind('/').unwrap() + 1..]
}

/// Intake confirms `booking`.
pub async fn confirm(app: &TestApp, booking: i64) {
    let mut conn = app.pool.acquire().await.unwrap();
    intake::decide(
        &mut conn,
        &ClinicScope::All,
        booking,
        Decision::Confirm,
        Actor::Staff(1),
        None,
        Utc::now(),
    )
    .await
    .unwrap();
}

pub async fn booking_id(app: &TestApp, answer: &Value) -> i64 {
    let reference = answer["reference"].as_str().unwrap();
    intake::id_by_reference(&mut app.pool.acquire().await.unwrap(), reference).await.unwrap().unwrap()
}

/// The messages of a booking as `kind/channel`, oldest first.
async fn told(app: &TestApp, booking: i64) -> Vec<String> {
    sqlx::query_scalar(
        "select kind::text || '/' || channel::text from message where booking_id = $1 order by id",
    )
    .bind(booking)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn each_change_writes_its_message_on_the_channels_the_person_agreed_to() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 1, 1).await;
    let first = book(&app, session, 1, true, true).await;
    let second = book(&app, session, 2, true, false).await; // one seat: waits
    let silent = book(&app, session, 3, false, false).await;
    let (first_id, second_id, silent_id) =
        (booking_id(&app, &first).await, booking_id(&app, &second).await, booking_id(&app, &silent).await);
    assert_eq!(told(&app, first_id).await, ["request_received/sms", "request_received/email"]);
    assert_eq!(told(&app, second_id).await, ["waitlisted/sms"]);
    assert_eq!(told(&app, silent_id).await, Vec::<String>::new(), "no consent, no message");
    let position: i32 = sqlx::query_scalar("select waitlist_position from message where booking_id = $1")
        .bind(second_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(position, 1);

    // The same request again (a double click) is answered again, and tells nothing twice.
    book(&app, session, 1, true, true).await;
    assert_eq!(told(&app, first_id).await.len(), 2);

    // Intake confirms; the person cancels from their link: the seat goes to the waitlist.
    let mut conn = app.pool.acquire().await.unwrap();
    let decided = intake::decide(
        &mut conn,
        &ClinicScope::All,
        first_id,
        Decision::Confirm,
        Actor::Staff(1),
        None,
        Utc::now(),
    );
    assert_eq!(decided.await.unwrap(), Some(Some(vec![])));
    let manage = first["manage_url"].as_str().unwrap();
    let path = &manage[manage.find("/manage/").unwrap()..];
    let r = app.post_form(&format!("{path}/cancel"), &[("confirm", "yes")]).await;
    let logs = crate::helpers::captured_logs();
    let errors: Vec<&str> = logs.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(r.status().is_success() || r.status().is_redirection(), "{} {errors:?}", r.status());
    assert_eq!(
        told(&app, first_id).await,
        [
            "request_received/sms",
            "request_received/email",
            "confirmed/sms",
            "confirmed/email",
            "cancelled_by_patient/sms",
            "cancelled_by_patient/email"
        ]
    );
    assert_eq!(told(&app, second_id).await, ["waitlisted/sms", "promoted_from_waitlist/sms"]);

    // Declining a request that was already cancelled changes nothing, and tells nothing.
    let again = intake::decide(
        &mut conn,
        &ClinicScope::All,
        first_id,
        Decision::Decline,
        Actor::Staff(1),
        None,
        Utc::now(),
    );
    assert_eq!(again.await.unwrap(), Some(None));
    assert_eq!(told(&app, first_id).await.len(), 6);
}

#[tokio::test]
async fn a_group_the_clinic_cancels_tells_everyone_still_coming() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 1, 1).await;
    let seated = booking_id(&app, &book(&app, session, 1, true, false).await).await;
    let waiting = booking_id(&app, &book(&app, session, 2, false, true).await).await;
    let (admin, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let r = crate::staff_auth::post_as(
        &app,
        &admin,
        &format!("/staff/admin/sessions/{session}/cancel"),
        &[("csrf", csrf.as_str()), ("reason", "room unavailable")],
    )
    .await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    assert_eq!(told(&app, seated).await, ["request_received/sms", "group_cancelled/sms"]);
    assert_eq!(told(&app, waiting).await, ["waitlisted/email", "group_cancelled/email"]);
}

#[tokio::test]
async fn reminders_fall_due_once_each_and_without_a_channel_nothing_is_sent_and_staff_see_why() {
    let app = TestApp::spawn().await;
    let starts = Utc::now() + Duration::hours(30);
    let session = app.session_at(starts, Duration::minutes(90), 10, 1).await;
    let confirmed_answer = book(&app, session, 1, true, false).await;
    let booking = booking_id(&app, &confirmed_answer).await;
    confirm(&app, booking).await;
    let worker = worker(&app, &NotifySettings::default());
    let at = |hours_before: i64| starts - Duration::hours(hours_before);

    // Two days out: nothing due yet but what was written; each is recorded as not sent.
    assert_eq!(worker.work_once(at(29)).await.unwrap(), 2);
    assert_eq!(told(&app, booking).await, ["request_received/sms", "confirmed/sms"]);
    // A day before: the 24-hour reminder, once however often the worker looks.
    assert_eq!(worker.work_once(at(23)).await.unwrap(), 1);
    assert_eq!(worker.work_once(at(22)).await.unwrap(), 0);
    // Ninety minutes before: the 2-hour one.
    assert_eq!(worker.work_once(at(1)).await.unwrap(), 1);
    assert_eq!(
        told(&app, booking).await,
        ["request_received/sms", "confirmed/sms", "reminder/sms", "reminder/sms"]
    );
    let states: Vec<String> = sqlx::query_scalar(
        "select distinct state::text || ':' || unsent_reason from message where booking_id = $1",
    )
    .bind(booking)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(states, ["unsent:no_channel"]);

    // Confirmed an hour before its group, a person gets the 2-hour reminder only.
    let late = booking_id(&app, &book(&app, session, 2, true, false).await).await;
    confirm(&app, late).await;
    worker.work_once(at(1)).await.unwrap();
    let reminders: Vec<i32> = sqlx::query_scalar(
        "select reminder_hours from message where booking_id = $1 and kind = 'reminder' order by id",
    )
    .bind(late)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(reminders, [2]);

    // Intake sees what the person was told and that it was not sent; the admin list too,
    // without names or numbers.
    let (admin, _) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let clinic = app.clinic_of(session).await;
    crate::staff_auth::staff_account_for(&app, "intake@x.test", StaffRole::Intake, &[clinic]).await;
    let intake_session = crate::staff_auth::login(&app, "intake@x.test").await;
    let page = get_as(&app, &intake_session, &format!("/staff/intake/requests/{booking}")).await;
    let page = page.text().await.unwrap();
    assert!(page.contains("reminder · text message · not sent: no channel configured"), "{page}");
    let list = get_as(&app, &admin, "/staff/admin/messages").await.text().await.unwrap();
    assert!(list.contains("confirmed · text message · not sent: no channel configured"));
    // What the person would read, their own link masked; never their name or number.
    assert!(list.contains("Test Clinic: your appointment is confirmed."), "{list}");
    assert!(list.contains("/manage/…") && !list.contains(manage_token(&confirmed_answer)), "{list}");
    let number = phone(1);
    assert!(!list.contains("Flores") && !list.contains(&number[6..]), "no patient data on the admin list");
}

/// Message kinds, channels and states are named in the database's enums and in Rust: the
/// same names, all of them, as the app writes them.
#[tokio::test]
async fn the_database_and_the_code_name_the_same_message_kinds_channels_and_states() {
    use groupcare::domain::messages::{Channel, MessageKind, MessageState};
    let app = TestApp::spawn().await;
    async fn stored(pool: &sqlx::PgPool, enum_type: &str) -> Vec<String> {
        let sql = format!("select unnest(enum_range(null::{enum_type}))::text");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap()
    }
    async fn written<T>(pool: &sqlx::PgPool, enum_type: &str, values: &[T]) -> Vec<String>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Copy + Send + Sync,
    {
        let mut names = Vec::new();
        for value in values {
            let sql = format!("select $1::{enum_type}::text");
            names.push(
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(*value).fetch_one(pool).await.unwrap(),
            );
        }
        names
    }
    let pool = &app.pool;
    assert_eq!(stored(pool, "message_kind").await, written(pool, "message_kind", &MessageKind::ALL).await);
    let channels = [Channel::Sms, Channel::Email];
    assert_eq!(stored(pool, "message_channel").await, written(pool, "message_channel", &channels).await);
    let states = [MessageState::Pending, MessageState::Sent, MessageState::Failed, MessageState::Unsent];
    assert_eq!(stored(pool, "message_state").await, written(pool, "message_state", &states).await);
}

/// A reminder is for a time: a group moved to another time is reminded of again, and a
/// reminder whose booking was cancelled before it went out is not sent.
#[tokio::test]
async fn a_reminder_follows_the_groups_time_and_is_dropped_when_it_no_longer_applies() {
    let app = TestApp::spawn().await;
    let starts = Utc::now() + Duration::hours(30);
    let session = app.session_at(starts, Duration::minutes(90), 10, 1).await;
    let booking = booking_id(&app, &book(&app, session, 1, true, false).await).await;
    let mut conn = app.pool.acquire().await.unwrap();
    confirm(&app, booking).await;
    let worker = worker(&app, &NotifySettings::default());
    worker.work_once(starts - Duration::hours(23)).await.unwrap();

    // The group moves a day later: a day before the new time, a new reminder.
    let later = starts + Duration::days(1);
    sqlx::query("update session set starts_at = $2, ends_at = $2 + interval '90 minutes' where id = $1")
        .bind(session)
        .bind(later)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    worker.work_once(later - Duration::hours(23)).await.unwrap();
    let reminders = |state: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from message where booking_id = $1 and kind = 'reminder' \
                 and state::text || ':' || coalesce(unsent_reason, '') = $2",
            )
            .bind(booking)
            .bind(state)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(reminders("unsent:no_channel").await, 2, "one for each time");

    // Written two hours before, then the person cancels before the worker gets to it.
    let two_hours_before = later - Duration::minutes(110);
    groupcare::store::outbox::write_due_reminders(&mut conn, &[24, 2], two_hours_before).await.unwrap();
    sqlx::query("update booking set status = 'cancelled' where id = $1")
        .bind(booking)
        .execute(&app.pool)
        .await
        .unwrap();
    worker.work_once(two_hours_before).await.unwrap();
    assert_eq!(reminders("unsent:no_longer_applies").await, 1);
}

/// Consents are the person's active choices: no box comes ticked on the form, and an API
/// request that says nothing of e-mail gets none, even with an address.
#[tokio::test]
async fn no_consent_is_given_unless_the_person_gives_it() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let (status, page) = app.get_html(&format!("/sessions/{session}")).await;
    assert_eq!(status, 200);
    for consent in ["consent_sms", "consent_email", "consent_voicemail"] {
        let at = page.find(&format!("name=\"{consent}\"")).unwrap_or_else(|| panic!("a {consent} box"));
        let tag_end = at + page[at..].find('>').unwrap();
        assert!(!page[at..tag_end].contains("checked"), "{consent} comes unticked");
    }
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": "Flores", "phone": phone(5),
        "email": "ana@example.test", "consent_sms": true,
    });
    let r = app.post_booking(&body, Some("messages-test-key-no-email-consent")).await;
    assert_eq!(r.status(), 201);
    let booking = booking_id(&app, &r.json().await.unwrap()).await;
    assert_eq!(told(&app, booking).await, ["request_received/sms"], "no e-mail without its consent");
}
