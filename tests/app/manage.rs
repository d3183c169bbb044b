//! The person's own page shows what fits their booking: who will call while it waits; where,
//! when and what to bring once confirmed; the clinic's cancellation told apart from their own.
//! Cancelling asks once more. Its calendar file, read back by an independent parser, follows
//! every change.

use crate::helpers::{TestApp, phone};
use crate::messages::{booking_id, confirm};
use crate::staff_auth::{post_as, signed_in};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;
use icalendar::{Calendar, CalendarComponent, Component};
use serde_json::{Value, json};

async fn book(app: &TestApp, session: i64, n: usize, language: &str) -> Value {
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": "Flores", "phone": phone(n),
        "consent_sms": true, "language": language,
    });
    let r = app.post_booking(&body, Some(&format!("manage-test-key-{session}-{n:04}"))).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn path(answer: &Value) -> String {
    let url = answer["manage_url"].as_str().unwrap();
    url[url.find("/manage/").unwrap()..].to_owned()
}

async fn page(app: &TestApp, answer: &Value) -> String {
    let (code, html) = app.get_html(&path(answer)).await;
    assert_eq!(code, 200);
    html
}

/// The booking's one calendar event, as a calendar app would read it: (uid, sequence, status,
/// the whole file).
async fn event(app: &TestApp, answer: &Value) -> (String, i64, String, String) {
    let r = app.get(&format!("{}/calendar.ics", path(answer))).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = r.text().await.unwrap();
    let calendar: Calendar = text.parse().expect("a calendar file");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "{text}");
    let e = events[0];
    let sequence = e.property_value("SEQUENCE").unwrap().parse().unwrap();
    (e.get_uid().unwrap().to_owned(), sequence, e.property_value("STATUS").unwrap().to_owned(), text)
}

#[tokio::test]
async fn the_page_fits_the_status_and_cancelling_asks_first() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let answer = book(&app, session, 1, "en").await;

    // Waiting for the clinic: who will call; nothing about arriving yet.
    let waiting = page(&app, &answer).await;
    assert!(waiting.contains("until the clinic confirms it"), "{waiting}");
    assert!(waiting.contains("What happens next") && !waiting.contains("Before you come"));

    // Confirmed: where, when to arrive, what to bring, whom to call.
    confirm(&app, booking_id(&app, &answer).await).await;
    let confirmed = page(&app, &answer).await;
    assert!(confirmed.contains("Before you come"), "{confirmed}");
    assert!(confirmed.contains("1 Test Way, Riverside, CA 92501"));
    assert!(confirmed.contains("Please arrive 10 minutes early, by"));
    assert!(confirmed.contains("Bring a photo ID"));
    assert!(
        confirmed.contains("If you can&#39;t come or have a question, call (951) 555-0100."),
        "{confirmed}"
    );
    assert!(!confirmed.contains("What happens next"), "no 'the clinic will call you' once confirmed");

    // Cancel: first the question, and nothing changes until the answer.
    let cancel = format!("{}/cancel", path(&answer));
    let asked = app.post_form(&cancel, &[]).await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("Cancel this request?") && asked.contains("Yes, cancel it"), "{asked}");
    assert!(page(&app, &answer).await.contains("Confirmed"));
    let done = app.post_form(&cancel, &[("confirm", "yes")]).await;
    assert_eq!(done.status(), 303);
    let cancelled = page(&app, &answer).await;
    assert!(cancelled.contains("This request is cancelled.") && cancelled.contains("Find another group"));
    assert!(!cancelled.contains("Cancel my request"));
}

#[tokio::test]
async fn a_group_the_clinic_cancels_never_looks_like_the_persons_own_cancellation() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let other = app.session_starting_in(Duration::days(4), 10, 1).await;
    let in_group = book(&app, session, 1, "es").await;
    let dropped = book(&app, other, 2, "en").await;
    let (admin, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let r = post_as(
        &app,
        &admin,
        &format!("/staff/admin/sessions/{session}/cancel"),
        &[("csrf", csrf.as_str()), ("kind", "clinic_closed"), ("reason", "Maria is out sick; staff note")],
    )
    .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    // Opened in Spanish, as the link in a Spanish message opens it.
    let (_, told) = app.get_html(&format!("{}?lang=es", path(&in_group))).await;
    assert!(told.contains("Cancelado por la clínica: el grupo no se realizará."), "{told}");
    assert!(told.contains("La clínica canceló este grupo: la clínica está cerrada ese día."), "{told}");
    assert!(told.contains("href=\"/sessions\""), "a way to another group");
    assert!(!told.contains("Esta solicitud está cancelada."), "not the person's own cancellation");
    assert!(!told.contains("Maria") && !told.contains("staff note"), "staff's own words stay with staff");
    assert!(!told.contains("Cancelar mi solicitud"));

    // Intake cancels one booking (the group goes on): the clinic did it, and says how to reach it.
    let mut conn = app.pool.acquire().await.unwrap();
    groupcare::store::intake::decide(
        &mut conn,
        &groupcare::store::intake::ClinicScope::All,
        booking_id(&app, &dropped).await,
        groupcare::store::intake::Decision::Cancel,
        groupcare::domain::booking::Actor::Staff(1),
        Some("duplicate"),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let told = page(&app, &dropped).await;
    assert!(told.contains("Cancelled by the clinic."), "{told}");
    assert!(told.contains("The clinic cancelled your place in this group. Call (951) 555-0100"));
    assert!(!told.contains("This request is cancelled."));
}

#[tokio::test]
async fn the_calendar_file_keeps_its_uid_and_raises_its_sequence_with_every_change() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let answer = book(&app, session, 1, "en").await;
    let other = book(&app, session, 2, "en").await;

    let (uid, first, status, text) = event(&app, &answer).await;
    assert_eq!(status, "TENTATIVE");
    assert!(!text.contains("ATTENDEE") && !text.contains("Flores") && !text.contains("Ana"), "{text}");
    assert!(!text.contains(answer["reference"].as_str().unwrap()), "{text}");
    assert_eq!(groupcare::domain::messages::indiscreet_word(&text), None, "{text}");
    assert!(text.contains("LOCATION:1 Test Way\\, Riverside\\, CA 92501"), "{text}");
    assert_ne!(uid, event(&app, &other).await.0, "each booking its own event");

    confirm(&app, booking_id(&app, &answer).await).await;
    let (same_uid, confirmed, status, _) = event(&app, &answer).await;
    assert_eq!((same_uid.as_str(), status.as_str()), (uid.as_str(), "CONFIRMED"));
    assert!(confirmed > first);

    // The group moves an hour later: the file says so, with a higher sequence.
    sqlx::query("update session set starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' where id = $1")
        .bind(session)
        .execute(&app.owner_pool)
        .await
        .unwrap();
    let (_, moved, _, text) = event(&app, &answer).await;
    assert!(moved > confirmed, "{text}");

    app.post_form(&format!("{}/cancel", path(&answer)), &[("confirm", "yes")]).await;
    let (still_uid, cancelled, status, _) = event(&app, &answer).await;
    assert_eq!((still_uid.as_str(), status.as_str()), (uid.as_str(), "CANCELLED"));
    assert!(cancelled > moved);
}

#[tokio::test]
async fn a_person_who_cancelled_first_keeps_their_own_cancellation_when_the_group_is_cancelled_later() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let answer = book(&app, session, 1, "en").await;
    app.post_form(&format!("{}/cancel", path(&answer)), &[("confirm", "yes")]).await;
    let (admin, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let cancel = format!("/staff/admin/sessions/{session}/cancel");
    post_as(&app, &admin, &cancel, &[("csrf", csrf.as_str()), ("kind", "other"), ("reason", "x")]).await;
    let told = page(&app, &answer).await;
    assert!(told.contains("This request is cancelled."), "{told}");
    assert!(!told.contains("Cancelled by the clinic"), "{told}");
}

/// A change to a group touches no booking row: it cannot wait on (or deadlock with) a change
/// to one of its bookings, and the bookings' calendar files still see it.
#[tokio::test]
async fn changing_a_group_waits_on_none_of_its_bookings() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let answer = book(&app, session, 1, "en").await;
    let booking = booking_id(&app, &answer).await;
    let (_, before, _, _) = event(&app, &answer).await;
    let mut holding = app.pool.begin().await.unwrap();
    sqlx::query("select id from booking where id = $1 for update")
        .bind(booking)
        .execute(&mut *holding)
        .await
        .unwrap();
    let change = sqlx::query("update session set starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' where id = $1")
        .bind(session)
        .execute(&app.owner_pool);
    tokio::time::timeout(std::time::Duration::from_secs(5), change)
        .await
        .expect("the group changes while a booking of it is locked")
        .unwrap();
    holding.rollback().await.unwrap();
    let (_, after, _, _) = event(&app, &answer).await;
    assert!(after > before);
}
