//! Messages leave for real: e-mail to an SMTP server process, SMS to a local server speaking
//! the provider's API. Each reaches the person on the channels they chose, in their language,
//! with their own link; SMS waits out the quiet hours; failed tries back off and end in a list
//! an admin can send again from; two instances and a worker killed mid-send deliver every
//! message once.

use crate::helpers::{TestApp, phone};
use crate::messages::{booking_id, confirm, worker};
use crate::providers::{SMS_FROM, SmsProvider, SmtpServer};
use crate::staff_auth::{get_as, post_as, signed_in};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use groupcare::domain::staff::StaffRole;
use groupcare::notify::NotifySettings;
use groupcare::notify::channels::SmtpSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `hh:mm` in the test clinic's time (Los Angeles) on the day after today.
fn tomorrow_at(hour: u32, minute: u32) -> DateTime<Utc> {
    local_at(1, hour, minute)
}

/// `hh:mm` in the test clinic's time, `days` after today.
fn local_at(days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let day = Utc::now().with_timezone(&Los_Angeles).date_naive() + Duration::days(days);
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
    Los_Angeles.from_local_datetime(&day.and_time(time)).earliest().unwrap().with_timezone(&Utc)
}

fn settings(smtp: Option<&SmtpServer>, sms: Option<&SmsProvider>) -> NotifySettings {
    NotifySettings {
        smtp: smtp.map(|s| SmtpSettings {
            url: groupcare::notify::channels::Secret(s.url()),
            from: "Clinic messages <messages@clinic.example>".to_owned(),
        }),
        sms: sms.map(SmsProvider::settings),
        ..NotifySettings::default()
    }
}

/// Books `session` as person `n` in `language` with the given consents.
async fn book(app: &TestApp, session: i64, n: usize, language: &str, sms: bool, email: bool) -> Value {
    let body = json!({
        "session_id": session, "first_name": "Ana", "last_name": "Flores", "phone": phone(n),
        "email": format!("person{n}@example.test"), "consent_sms": sms, "consent_email": email,
        "language": language,
    });
    let r = app.post_booking(&body, Some(&format!("delivery-test-key-{session}-{n:04}"))).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn e164(n: usize) -> String {
    groupcare::domain::contact::Phone::parse(&phone(n)).unwrap().e164().to_owned()
}

/// The state of each message of `booking`, oldest first, as `kind/channel:state`.
async fn states(app: &TestApp, booking: i64) -> Vec<String> {
    sqlx::query_scalar(
        "select kind::text || '/' || channel::text || ':' || state::text from message
         where booking_id = $1 order by id",
    )
    .bind(booking)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn each_message_reaches_the_person_on_the_channels_they_chose_in_their_language() {
    let app = TestApp::spawn().await;
    let smtp = SmtpServer::start();
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(Some(&smtp), Some(&provider)));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let english = book(&app, session, 1, "en", true, true).await;
    let spanish = book(&app, session, 2, "es", true, false).await;
    let silent = book(&app, session, 3, "en", false, false).await;
    let noon = tomorrow_at(12, 0);

    assert_eq!(worker.work_once(noon).await.unwrap(), 3);
    let texts = provider.delivered();
    assert_eq!(texts.len(), 2, "{texts:?}");
    let to_english = texts.iter().find(|t| t.to == e164(1)).expect("a text to person 1");
    let to_spanish = texts.iter().find(|t| t.to == e164(2)).expect("a text to person 2");
    assert!(texts.iter().all(|t| t.from == SMS_FROM));
    assert!(to_english.body.starts_with("Test Clinic: we have your request"), "{}", to_english.body);
    assert!(to_english.body.contains(english["manage_url"].as_str().unwrap()), "their own link");
    assert!(to_spanish.body.starts_with("Test Clinic: "), "{}", to_spanish.body);
    assert!(to_spanish.body.contains("solicitud"), "in Spanish: {}", to_spanish.body);
    assert!(to_spanish.body.contains(spanish["manage_url"].as_str().unwrap()));
    assert!(!to_spanish.body.contains(english["manage_url"].as_str().unwrap()), "no one else's link");

    let mails = smtp.received();
    assert_eq!(mails.len(), 1, "only person 1 agreed to e-mail: {mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.to, "person1@example.test");
    assert!(
        mail.from.contains("Test Clinic") && mail.from.contains("messages@clinic.example"),
        "{}",
        mail.from
    );
    assert!(mail.subject.starts_with("Test Clinic: "), "{}", mail.subject);
    assert!(mail.text.contains(english["manage_url"].as_str().unwrap()), "{}", mail.text);
    // The Message-ID is the message's idempotency key, so a repeated try is the same e-mail.
    let key: String = sqlx::query_scalar("select idempotency_key from message where channel = 'email'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mail.message_id, format!("{key}@clinic.example"));

    // Intake confirms person 1: told on both channels; nothing for the others.
    let first = booking_id(&app, &english).await;
    confirm(&app, first).await;
    assert_eq!(worker.work_once(noon).await.unwrap(), 2);
    assert_eq!(provider.delivered().len(), 3);
    assert_eq!(smtp.received().len(), 2);
    let confirmation = &smtp.received()[1];
    assert!(confirmation.text.contains("confirmed"), "{}", confirmation.text);
    // It carries the booking's calendar file, which a calendar app reads as confirmed.
    assert!(mail.attachments.is_empty(), "only the confirmation carries a calendar file");
    let [(name, ics)] = confirmation.attachments.as_slice() else {
        panic!("one attachment: {:?}", confirmation.attachments);
    };
    assert_eq!(name, "appointment.ics");
    let calendar: icalendar::Calendar = ics.parse().expect("a calendar file");
    let status = calendar.components.iter().find_map(|c| match c {
        icalendar::CalendarComponent::Event(e) => icalendar::Component::property_value(e, "STATUS"),
        _ => None,
    });
    assert_eq!(status, Some("CONFIRMED"), "{ics}");
    assert_eq!(
        states(&app, first).await,
        [
            "request_received/sms:sent",
            "request_received/email:sent",
            "confirmed/sms:sent",
            "confirmed/email:sent"
        ]
    );
    let silent_id = booking_id(&app, &silent).await;
    assert!(states(&app, silent_id).await.is_empty());
    assert!(provider.delivered().iter().all(|t| t.to != e164(3)));
    // Nothing about the person reaches the logs.
    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains(&e164(1)) && !logs.contains("person1@example.test"));
}

#[tokio::test]
async fn texts_wait_out_the_quiet_hours_unless_they_answer_the_person_or_cannot_wait() {
    let app = TestApp::spawn().await;
    let smtp = SmtpServer::start();
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(Some(&smtp), Some(&provider)));
    // An evening group, so its reminders fall due after the morning this test reaches, whatever
    // the hour the test runs at.
    let session = app.session_at(local_at(3, 18, 0), Duration::minutes(90), 10, 1).await;
    let answer = book(&app, session, 1, "en", true, true).await;
    let booking = booking_id(&app, &answer).await;
    confirm(&app, booking).await;

    // The request came at 22:55 and was confirmed at once. At 23:00 the answer to the request
    // goes out; the confirmation texts at 08:00, while its e-mail (no one's phone buzzes) goes now.
    sqlx::query("update message set created_at = $1")
        .bind(tomorrow_at(22, 55))
        .execute(&app.owner_pool)
        .await
        .unwrap();
    worker.work_once(tomorrow_at(23, 0)).await.unwrap();
    let texts = provider.delivered();
    assert_eq!(texts.len(), 1);
    assert!(texts[0].body.contains("we have your request"), "{}", texts[0].body);
    assert_eq!(smtp.received().len(), 2);
    assert_eq!(
        states(&app, booking).await,
        [
            "request_received/sms:sent",
            "request_received/email:sent",
            "confirmed/sms:pending",
            "confirmed/email:sent"
        ]
    );
    let held_until: DateTime<Utc> =
        sqlx::query_scalar("select next_attempt_at from message where state = 'pending'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(held_until, local_at(2, 8, 0));
    // Still the night: nothing more; the morning: sent, and not counted as a failed try.
    worker.work_once(tomorrow_at(23, 0) + Duration::hours(3)).await.unwrap();
    assert_eq!(provider.delivered().len(), 1);
    worker.work_once(held_until + Duration::minutes(1)).await.unwrap();
    assert_eq!(provider.delivered().len(), 2);
    let attempts: i32 =
        sqlx::query_scalar("select attempts from message where kind = 'confirmed' and channel = 'sms'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn failed_tries_back_off_then_land_in_a_list_an_admin_can_send_again_from() {
    let app = TestApp::spawn().await;
    let mut smtp = SmtpServer::start();
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(Some(&smtp), Some(&provider)));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let passing = booking_id(&app, &book(&app, session, 1, "en", true, true).await).await;
    let noon = tomorrow_at(12, 0);

    // The provider is in trouble and the SMTP server is down: both tried again later.
    provider.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
    smtp.stop();
    worker.work_once(noon).await.unwrap();
    let (attempts, error, next): (i32, String, DateTime<Utc>) =
        sqlx::query_as("select attempts, last_error, next_attempt_at from message where channel = 'sms'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, error.as_str()), (1, "SMS provider answered 503"));
    // A minute after the try (which came a moment into the round).
    let wait = next - noon;
    assert!(wait >= Duration::minutes(1) && wait < Duration::minutes(1) + Duration::seconds(10), "{wait}");
    let (attempts, error): (i32, String) =
        sqlx::query_as("select attempts, last_error from message where channel = 'email'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, error.as_str()), (1, "the SMTP server could not be reached"));
    // Not due yet: nothing is tried. Then the second try fails, and the third goes through.
    worker.work_once(noon + Duration::seconds(30)).await.unwrap();
    assert_eq!(provider.requests().len(), 1);
    worker.work_once(noon + Duration::minutes(2)).await.unwrap();
    smtp.restart();
    worker.work_once(noon + Duration::minutes(8)).await.unwrap();
    assert_eq!(provider.delivered().len(), 1);
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(states(&app, passing).await, ["request_received/sms:sent", "request_received/email:sent"]);

    // A number the provider will not take fails at once: no use trying it six times.
    provider.refuse_number(&e164(2));
    let refused = booking_id(&app, &book(&app, session, 2, "es", true, false).await).await;
    worker.work_once(noon + Duration::minutes(9)).await.unwrap();
    assert_eq!(states(&app, refused).await, ["request_received/sms:failed"]);

    // The admin sees it among the failed, what went wrong, and sends it again once the
    // number works (say, the person called with a corrected one).
    let (admin, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let page = get_as(&app, &admin, "/staff/admin/messages").await.text().await.unwrap();
    let failed_part = &page[page.find("Not sent: send again").expect("a failed list")..];
    assert!(failed_part.contains("text message · failed (SMS provider answered 400)"), "{failed_part}");
    let id: i64 = sqlx::query_scalar("select id from message where state = 'failed'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    provider.accept_every_number();
    let r =
        post_as(&app, &admin, &format!("/staff/admin/messages/{id}/retry"), &[("csrf", csrf.as_str())]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    worker.work_once(noon + Duration::minutes(10)).await.unwrap();
    assert_eq!(states(&app, refused).await, ["request_received/sms:sent"]);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'message_retried' and record_id = $1",
    )
    .bind(refused)
    .fetch_one(&app.owner_pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // A message that did not fail cannot be sent again.
    let sent_id: i64 = sqlx::query_scalar("select min(id) from message").fetch_one(&app.pool).await.unwrap();
    post_as(&app, &admin, &format!("/staff/admin/messages/{sent_id}/retry"), &[("csrf", csrf.as_str())])
        .await;
    worker.work_once(noon + Duration::minutes(11)).await.unwrap();
    assert_eq!(provider.delivered().iter().filter(|t| t.to == e164(1)).count(), 1);
}

#[tokio::test]
async fn two_instances_and_a_worker_killed_mid_send_deliver_every_message_once() {
    let app = TestApp::spawn().await;
    let provider = SmsProvider::start().await;
    let settings = settings(None, Some(&provider));
    // Each instance with its own pool, as two processes would have.
    let second_pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(crate::helpers::runtime_options(&app.database_url))
        .await
        .unwrap();
    let first = worker(&app, &settings);
    let second = groupcare::notify::Worker::new(
        second_pool,
        &settings,
        std::sync::Arc::new(app.keys.clone()),
        app.base.as_str().into(),
    )
    .unwrap();
    let session = app.session_starting_in(Duration::days(3), 40, 4).await;
    for n in 1..=30 {
        book(&app, session, n, "en", true, false).await;
    }
    let noon = tomorrow_at(12, 0);

    // Both instances at once: they share the work, and nothing is sent twice.
    let (a, b) = tokio::join!(first.work_once(noon), second.work_once(noon));
    assert_eq!(a.unwrap() + b.unwrap(), 30);
    assert_eq!(provider.requests().len(), 30, "no message tried twice");
    assert_eq!(provider.delivered().len(), 30);

    // The next one's first try reaches the provider, then its worker dies before the answer.
    for n in 31..=33 {
        book(&app, session, n, "en", true, false).await;
    }
    provider.hold_answers();
    let dying = tokio::spawn(async move { first.work_once(noon).await });
    while provider.requests().len() < 31 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    dying.abort();
    assert!(dying.await.unwrap_err().is_cancelled());
    provider.answer_at_once();
    // Its claim holds until the lease ends; then the other instance takes all three.
    assert_eq!(second.work_once(noon + Duration::minutes(1)).await.unwrap(), 0);
    assert_eq!(second.work_once(noon + Duration::minutes(11)).await.unwrap(), 3);
    let delivered = provider.delivered();
    assert_eq!(delivered.len(), 33, "every message delivered");
    let mut keys: Vec<&str> = delivered.iter().map(|d| d.idempotency_key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 33, "none twice");
    assert_eq!(provider.requests().len(), 34, "the repeated try carried the same key");
    let sent: i64 = sqlx::query_scalar("select count(*) from message where state = 'sent'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sent, 33);
}

/// A staff member's session and the form token of their pages.
async fn login_with_csrf(app: &TestApp, email: &str) -> (String, String) {
    crate::staff_auth::second_factor_optional(app).await;
    let session = crate::staff_auth::login(app, email).await;
    let home = get_as(app, &session, "/staff").await.text().await.unwrap();
    (session.clone(), crate::staff_auth::hidden(&home, "csrf"))
}

/// The app with SMS settings: its webhook takes what the provider signs with the token.
async fn app_hearing_replies() -> TestApp {
    let token = groupcare::notify::channels::Secret(crate::providers::SMS_TOKEN.to_owned());
    TestApp::spawn_tuned(
        crate::helpers::fresh_migrated_database_url().await,
        crate::helpers::test_settings(),
        groupcare::keys::Keys::random(),
        |state| state.with_sms_token(Some(token)),
    )
    .await
}

/// The provider's signature of a webhook: base64 HMAC-SHA1 of the URL and the sorted fields.
fn provider_signature(url: &str, fields: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut sorted = fields.to_vec();
    sorted.sort();
    let data: String =
        std::iter::once(url.to_owned()).chain(sorted.iter().map(|(k, v)| format!("{k}{v}"))).collect();
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(crate::providers::SMS_TOKEN.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The provider posting what person `n` texted, signed (or with `signature` instead).
async fn text_back(
    app: &TestApp,
    n: usize,
    body: &str,
    sid: &str,
    signature: Option<&str>,
) -> reqwest::Response {
    let from = e164(n);
    let fields = [("From", from.as_str()), ("To", SMS_FROM), ("Body", body), ("MessageSid", sid)];
    let url = app.url("/hooks/sms");
    let signed = provider_signature(&url, &fields);
    app.client
        .post(&url)
        .header("X-Twilio-Signature", signature.unwrap_or(&signed))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

async fn consents_to_texts(app: &TestApp, booking: i64) -> bool {
    sqlx::query_scalar("select consent_sms from booking where id = $1")
        .bind(booking)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn stop_ends_texts_help_gets_the_clinics_phone_and_other_words_reach_intake() {
    let app = app_hearing_replies().await;
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(None, Some(&provider)));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let later = app.session_starting_in(Duration::days(5), 10, 1).await;
    let first = booking_id(&app, &book(&app, session, 1, "es", true, false).await).await;
    let second = booking_id(&app, &book(&app, later, 1, "es", true, false).await).await;
    let other = booking_id(&app, &book(&app, session, 2, "en", true, false).await).await;

    // Unsigned or wrongly signed: refused, and nothing changes.
    let forged = text_back(&app, 1, "STOP", "SM0001", Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).await;
    assert_eq!(forged.status(), 403);
    let unsigned = app.client.post(app.url("/hooks/sms")).form(&[("From", e164(1)), ("Body", "STOP".into())]);
    assert_eq!(unsigned.send().await.unwrap().status(), 403);
    assert!(consents_to_texts(&app, first).await);

    // HELP: the clinic's phone, in the person's language.
    let help = text_back(&app, 1, "Ayuda", "SM0002", None).await;
    assert_eq!(help.status(), 200);
    let answer = help.text().await.unwrap();
    assert!(
        answer.contains("<Message>Test Clinic: para hablar con nosotros, llame al (951) 555-0100."),
        "{answer}"
    );

    // Anything else is kept for intake on the newest booking, once however often it arrives.
    for _ in 0..2 {
        let r = text_back(&app, 1, "¿Puedo llevar a mi hijo?", "SM0003", None).await;
        assert_eq!(r.text().await.unwrap(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
    }
    let kept: Vec<(i64, String)> =
        sqlx::query_as("select booking_id, body from sms_reply").fetch_all(&app.pool).await.unwrap();
    assert_eq!(kept, [(second, "¿Puedo llevar a mi hijo?".to_owned())]);
    let clinic = app.clinic_of(later).await;
    crate::staff_auth::staff_account_for(&app, "intake@x.test", StaffRole::Intake, &[clinic]).await;
    let (intake, _) = login_with_csrf(&app, "intake@x.test").await;
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{second}")).await.text().await.unwrap();
    assert!(page.contains("<q>¿Puedo llevar a mi hijo?</q>"), "{page}");

    // STOP (in a variant): every booking of that number, at once; texts still waiting are not
    // sent; recorded, audited, and shown to intake. The other person is untouched.
    let r = text_back(&app, 1, " Stop. ", "SM0004", None).await;
    assert!(r.text().await.unwrap().contains("no le enviaremos más mensajes de texto"));
    assert!(!consents_to_texts(&app, first).await && !consents_to_texts(&app, second).await);
    assert!(consents_to_texts(&app, other).await);
    assert_eq!(states(&app, first).await, ["request_received/sms:unsent"]);
    let audited: Vec<Vec<i64>> = sqlx::query_scalar(
        "select array(select unnest(record_ids) order by 1) from audit_log \
         where action = 'sms_consent_withdrawn' and actor_staff_id is null",
    )
    .fetch_all(&app.owner_pool)
    .await
    .unwrap();
    assert_eq!(audited, [[first.min(second), first.max(second)]], "one entry naming both bookings");
    let page = get_as(&app, &intake, &format!("/staff/intake/requests/{second}")).await.text().await.unwrap();
    assert!(page.contains("text messages: no (the person replied STOP"), "{page}");
    // Later news reaches them no more by text; the other person's does.
    confirm(&app, first).await;
    worker.work_once(tomorrow_at(12, 0)).await.unwrap();
    assert!(provider.delivered().iter().all(|t| t.to != e164(1)));
    assert_eq!(provider.delivered().iter().filter(|t| t.to == e164(2)).count(), 1);
    // Nothing the person wrote, nor their number, is logged.
    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains("llevar a mi hijo") && !logs.contains(&e164(1)));
}

#[tokio::test]
async fn without_sms_settings_there_is_no_webhook() {
    let app = TestApp::spawn().await;
    assert_eq!(text_back(&app, 1, "STOP", "SM0001", None).await.status(), 404);
}

#[tokio::test]
async fn intake_can_send_the_last_message_again_within_their_clinics() {
    let app = TestApp::spawn().await;
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(None, Some(&provider)));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let answer = book(&app, session, 1, "en", true, false).await;
    let booking = booking_id(&app, &answer).await;
    worker.work_once(tomorrow_at(12, 0)).await.unwrap();
    let clinic = app.clinic_of(session).await;
    crate::staff_auth::staff_account_for(&app, "intake@x.test", StaffRole::Intake, &[clinic]).await;
    crate::staff_auth::staff_account_for(&app, "elsewhere@x.test", StaffRole::Intake, &[]).await;
    let (intake, csrf) = login_with_csrf(&app, "intake@x.test").await;
    let (elsewhere, other_csrf) = login_with_csrf(&app, "elsewhere@x.test").await;

    let path = format!("/staff/intake/requests/{booking}/resend");
    let refused = post_as(&app, &elsewhere, &path, &[("csrf", other_csrf.as_str())]).await;
    assert_eq!(refused.status(), 404, "not their clinic");
    let r = post_as(&app, &intake, &path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("The last message will be sent again in a moment."));
    worker.work_once(tomorrow_at(12, 1)).await.unwrap();
    let texts = provider.delivered();
    assert_eq!(texts.len(), 2, "sent again, as a message of its own");
    assert_eq!(texts[0].body, texts[1].body);
    assert!(texts[1].body.contains(answer["manage_url"].as_str().unwrap()));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'message_resent'")
        .fetch_one(&app.owner_pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn an_smtp_server_that_stops_answering_does_not_hold_the_worker() {
    let app = TestApp::spawn().await;
    // It greets, then never answers again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(b"220 tarpit ESMTP\r\n").await;
            held.push(socket);
        }
    });
    let settings = NotifySettings {
        smtp: Some(SmtpSettings {
            url: groupcare::notify::channels::Secret(format!("smtp://127.0.0.1:{port}")),
            from: "messages@clinic.example".to_owned(),
        }),
        ..NotifySettings::default()
    };
    let worker = worker(&app, &settings);
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let booking = booking_id(&app, &book(&app, session, 1, "en", false, true).await).await;
    let round =
        tokio::time::timeout(std::time::Duration::from_secs(40), worker.work_once(tomorrow_at(12, 0)));
    assert_eq!(round.await.expect("the round ends").unwrap(), 1);
    assert_eq!(states(&app, booking).await, ["request_received/email:pending"]);
    let error: String =
        sqlx::query_scalar("select last_error from message").fetch_one(&app.pool).await.unwrap();
    assert_eq!(error, "no answer from the SMTP server in time");
}

#[tokio::test]
async fn a_stop_that_arrives_while_the_worker_is_sending_stops_the_texts_it_has_not_sent_yet() {
    let app = app_hearing_replies().await;
    let provider = SmsProvider::start().await;
    let worker = worker(&app, &settings(None, Some(&provider)));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    book(&app, session, 1, "en", true, false).await;
    let stopping = booking_id(&app, &book(&app, session, 2, "en", true, false).await).await;

    // The first text is with the provider when person 2 answers STOP.
    provider.hold_answers();
    let round = tokio::spawn(async move { worker.work_once(tomorrow_at(12, 0)).await });
    while provider.requests().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(text_back(&app, 2, "STOP", "SM00000000000000000000000000000001", None).await.status(), 200);
    provider.answer_at_once();
    round.await.unwrap().unwrap();
    assert!(provider.requests().iter().all(|t| t.to != e164(2)), "no text after STOP");
    let (state, reason): (String, String) =
        sqlx::query_as("select state::text, unsent_reason from message where booking_id = $1")
            .bind(stopping)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), reason.as_str()), ("unsent", "consent_withdrawn"));
}

#[tokio::test]
async fn sending_again_to_someone_who_agrees_to_no_channel_now_says_so() {
    let app = app_hearing_replies().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let booking = booking_id(&app, &book(&app, session, 1, "en", true, false).await).await;
    text_back(&app, 1, "STOP", "SM00000000000000000000000000000002", None).await;
    let clinic = app.clinic_of(session).await;
    crate::staff_auth::staff_account_for(&app, "intake@x.test", StaffRole::Intake, &[clinic]).await;
    let (intake, csrf) = login_with_csrf(&app, "intake@x.test").await;
    let r = post_as(
        &app,
        &intake,
        &format!("/staff/intake/requests/{booking}/resend"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("There is no message to send again"));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'message_resent'")
        .fetch_one(&app.owner_pool)
        .await
        .unwrap();
    assert_eq!(audited, 0);
}

#[tokio::test]
async fn odd_but_signed_replies_are_taken_calmly() {
    let app = app_hearing_replies().await;
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    book(&app, session, 1, "en", true, false).await;
    let long_sid = "S".repeat(3000);
    for (body, sid) in
        [("hi\u{0}there", "SM1"), ("hello", long_sid.as_str()), ("hello", "SM\u{0}2"), ("hello", "")]
    {
        let r = text_back(&app, 1, body, sid, None).await;
        assert_eq!(r.status(), 200, "{body:?} {}", sid.len());
    }
    let kept: Vec<String> =
        sqlx::query_scalar("select body from sms_reply").fetch_all(&app.pool).await.unwrap();
    assert_eq!(kept, ["hithere"]);
}

/// The event in an e-mail's calendar file: (uid, sequence, status).
fn attached_event(mail: &crate::providers::Mail) -> (String, i64, String) {
    let [(_, ics)] = mail.attachments.as_slice() else {
        panic!("one calendar file: {:?}", mail.attachments);
    };
    assert!(!ics.contains("/manage/"), "no private link in a calendar file: {ics}");
    let calendar: icalendar::Calendar = ics.parse().expect("a calendar file");
    calendar
        .components
        .iter()
        .find_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => Some((
                icalendar::Component::get_uid(e).unwrap().to_owned(),
                icalendar::Component::property_value(e, "SEQUENCE").unwrap().parse().unwrap(),
                icalendar::Component::property_value(e, "STATUS").unwrap().to_owned(),
            )),
            _ => None,
        })
        .expect("an event")
}

#[tokio::test]
async fn every_e_mail_about_a_change_carries_the_calendar_file_as_it_is_now() {
    let app = TestApp::spawn().await;
    let smtp = SmtpServer::start();
    let worker = worker(&app, &settings(Some(&smtp), None));
    let session = app.session_starting_in(Duration::days(3), 10, 1).await;
    let booking = booking_id(&app, &book(&app, session, 1, "en", false, true).await).await;
    confirm(&app, booking).await;
    worker.work_once(tomorrow_at(12, 0)).await.unwrap();
    let (uid, confirmed, status) = attached_event(&smtp.received()[1]);
    assert_eq!(status, "CONFIRMED");

    let (admin, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let path = format!("/staff/admin/sessions/{session}/cancel");
    post_as(&app, &admin, &path, &[("csrf", csrf.as_str()), ("kind", "other"), ("reason", "flood")]).await;
    worker.work_once(tomorrow_at(12, 5)).await.unwrap();
    let mails = smtp.received();
    assert_eq!(mails.len(), 3);
    let (same_uid, cancelled, status) = attached_event(&mails[2]);
    assert_eq!((same_uid.as_str(), status.as_str()), (uid.as_str(), "CANCELLED"));
    assert!(cancelled > confirmed, "a calendar takes the newer file");
}
