//! Patient records: a request matched to the person the clinic knows (same phone, or same
//! name and date of birth), a new record made from a request, and duplicates merged.

use crate::helpers::{TestApp, booking_json};
use crate::staff_auth::{get_as, hidden, login, second_factor_optional, staff_account_for};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;
use serde_json::Value;

struct Desk {
    app: TestApp,
    session: i64,
    intake: String,
    csrf: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let session = app.session_starting_in(Duration::days(2), 12, 1).await;
    let clinic = app.clinic_of(session).await;
    staff_account_for(&app, "intake@x.test", StaffRole::Intake, &[clinic]).await;
    let intake = login(&app, "intake@x.test").await;
    let csrf = hidden(&get_as(&app, &intake, "/staff").await.text().await.unwrap(), "csrf");
    Desk { app, session, intake, csrf }
}

impl Desk {
    async fn request(&self, first: &str, last: &str, phone: &str, session: i64) -> i64 {
        let mut body = booking_json(session, phone);
        body["first_name"] = Value::from(first);
        body["last_name"] = Value::from(last);
        assert_eq!(self.app.post_booking(&body, None).await.status(), 201);
        sqlx::query_scalar("select max(id) from booking").fetch_one(&self.app.pool).await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", format!("gc_staff={}", self.intake))
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    async fn patient_of(&self, booking: i64) -> Option<i64> {
        sqlx::query_scalar("select patient_id from booking where id = $1")
            .bind(booking)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_new_request_is_matched_to_the_known_person_by_phone_or_by_name() {
    let d = desk().await;
    let first = d.request("Marta", "Ruiz", "(909) 555-0111", d.session).await;
    let page =
        get_as(&d.app, &d.intake, &format!("/staff/intake/requests/{first}")).await.text().await.unwrap();
    assert!(page.contains("No record matches."));
    assert_eq!(
        d.post(&format!("/staff/intake/requests/{first}/patient"), &[("date_of_birth", "1980-13-40")])
            .await
            .status(),
        422
    );
    let made =
        d.post(&format!("/staff/intake/requests/{first}/patient"), &[("date_of_birth", "1980-04-02")]).await;
    assert_eq!(made.status(), 303);
    let patient = d.patient_of(first).await.expect("a record made from the request");

    // A later request from the same phone, and one under the same name from another phone.
    let same_phone = d
        .request(
            "M.",
            "Ruiz-Lopez",
            "(909) 555-0111",
            d.app.session_starting_in(Duration::days(9), 12, 1).await,
        )
        .await;
    sqlx::query(
        "update session set clinic_id = (select clinic_id from session where id = $1) \
                 where id = (select session_id from booking where id = $2)",
    )
    .bind(d.session)
    .bind(same_phone)
    .execute(&d.app.pool)
    .await
    .unwrap();
    let same_name = d.request("marta", "ruiz", "(951) 555-0177", d.session).await;
    let stranger = d.request("Pat", "Other", "(951) 555-0178", d.session).await;
    for booking in [same_phone, same_name] {
        let page = get_as(&d.app, &d.intake, &format!("/staff/intake/requests/{booking}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("#{patient} · Marta Ruiz · (909) 555-0111 · 1980-04-02")),
            "booking {booking}"
        );
    }
    let page =
        get_as(&d.app, &d.intake, &format!("/staff/intake/requests/{stranger}")).await.text().await.unwrap();
    assert!(!page.contains("Marta Ruiz"), "no one else's record is offered");
    let linked = d
        .post(
            &format!("/staff/intake/requests/{same_phone}/patient/link"),
            &[("patient_id", &patient.to_string())],
        )
        .await;
    assert_eq!(linked.status(), 303);
    assert_eq!(d.patient_of(same_phone).await, Some(patient));
    let forced = d
        .post(
            &format!("/staff/intake/requests/{stranger}/patient/link"),
            &[("patient_id", &patient.to_string())],
        )
        .await;
    assert_eq!(forced.status(), 404, "only an offered match can be linked");
    assert_eq!(d.patient_of(stranger).await, None);
    assert_eq!(
        d.app
            .count("select count(*) from audit_log where action in ('patient_created', 'patient_linked')")
            .await,
        2
    );
}

#[tokio::test]
async fn two_records_of_one_person_are_merged_and_the_bookings_follow() {
    let d = desk().await;
    let a = d.request("Luis", "Mora", "(909) 555-0121", d.session).await;
    d.post(&format!("/staff/intake/requests/{a}/patient"), &[("date_of_birth", "")]).await;
    let other_session = d.app.session_starting_in(Duration::days(9), 12, 1).await;
    sqlx::query("update session set clinic_id = (select clinic_id from session where id = $1) where id = $2")
        .bind(d.session)
        .bind(other_session)
        .execute(&d.app.pool)
        .await
        .unwrap();
    let b = d.request("Luis", "Mora", "(909) 555-0199", other_session).await;
    d.post(&format!("/staff/intake/requests/{b}/patient"), &[("date_of_birth", "1975-01-09")]).await;
    let (kept, absorbed) = (d.patient_of(a).await.unwrap(), d.patient_of(b).await.unwrap());
    assert_ne!(kept, absorbed, "two records of one person");

    let page =
        get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{kept}")).await.text().await.unwrap();
    assert!(page.contains(&format!("#{absorbed} · Luis Mora")), "offered as a possible duplicate");
    let merged =
        d.post(&format!("/staff/intake/patients/{kept}/merge"), &[("other", &absorbed.to_string())]).await;
    assert_eq!(merged.status(), 303);
    assert_eq!(d.patient_of(b).await, Some(kept), "the bookings follow");
    let born: Option<chrono::NaiveDate> =
        sqlx::query_scalar("select date_of_birth from patient where id = $1")
            .bind(kept)
            .fetch_one(&d.app.pool)
            .await
            .unwrap();
    assert_eq!(born.unwrap().to_string(), "1975-01-09", "details the kept record lacked are taken over");
    assert_eq!(get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{absorbed}")).await.status(), 404);
    assert_eq!(
        d.post(&format!("/staff/intake/patients/{kept}/merge"), &[("other", &kept.to_string())])
            .await
            .status(),
        404
    );
    assert_eq!(d.app.count("select count(*) from audit_log where action like 'patient_merged%'").await, 2);
}

#[tokio::test]
async fn intake_sees_only_records_of_people_with_bookings_in_its_clinics() {
    let d = desk().await;
    let elsewhere = d.app.session_starting_in(Duration::days(2), 12, 1).await;
    let theirs = d.request("Ana", "Far", "(909) 555-0131", elsewhere).await;
    let record = groupcare::store::patients::create_from_booking(
        &mut d.app.pool.acquire().await.unwrap(),
        theirs,
        None,
    )
    .await
    .unwrap();
    assert_eq!(get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{record}")).await.status(), 404);
}

#[tokio::test]
async fn another_clinics_record_is_never_offered_linked_merged_or_shown_to_intake() {
    let d = desk().await;
    // The same person is known at another clinic, which this intake account does not work for.
    let elsewhere = d.app.session_starting_in(Duration::days(3), 12, 1).await;
    let there = d.request("Rosa", "Vidal", "(909) 555-0141", elsewhere).await;
    let mut conn = d.app.pool.acquire().await.unwrap();
    let their_record = groupcare::store::patients::create_from_booking(&mut conn, there, None).await.unwrap();

    // She books here: the other clinic's record is not a match here, and cannot be forced.
    let here = d.request("Rosa", "Vidal", "(909) 555-0141", d.session).await;
    let page =
        get_as(&d.app, &d.intake, &format!("/staff/intake/requests/{here}")).await.text().await.unwrap();
    assert!(!page.contains(&format!("#{their_record} ·")), "not offered as a match");
    assert!(page.contains("No record matches."));
    let forced = d
        .post(
            &format!("/staff/intake/requests/{here}/patient/link"),
            &[("patient_id", &their_record.to_string())],
        )
        .await;
    assert_eq!(forced.status(), 404);
    assert_eq!(d.patient_of(here).await, None);
    // Nor can anyone link them behind the app's back: the database refuses.
    let sneaked = sqlx::query("update booking set patient_id = $1 where id = $2")
        .bind(their_record)
        .bind(here)
        .execute(&mut *conn)
        .await;
    assert!(sneaked.unwrap_err().to_string().contains("own clinic"));

    // A record of her own here cannot absorb the other clinic's.
    d.post(&format!("/staff/intake/requests/{here}/patient"), &[("date_of_birth", "")]).await;
    let ours = d.patient_of(here).await.expect("a record here");
    assert_ne!(ours, their_record);
    let page =
        get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{ours}")).await.text().await.unwrap();
    assert!(!page.contains(&format!("#{their_record} ·")), "not offered as a duplicate");
    let merged = d
        .post(&format!("/staff/intake/patients/{ours}/merge"), &[("other", &their_record.to_string())])
        .await;
    assert_eq!(merged.status(), 404);
    let still: Option<i64> = sqlx::query_scalar("select merged_into from patient where id = $1")
        .bind(their_record)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(still, None, "the other clinic's record is untouched");
    assert_eq!(d.patient_of(there).await, Some(their_record));
    assert_eq!(
        get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{their_record}")).await.status(),
        404
    );
    assert_eq!(
        d.app
            .count("select count(*) from audit_log where action in ('patient_linked', 'patient_merged')")
            .await,
        0
    );
}

#[tokio::test]
async fn a_patient_page_records_which_bookings_and_possible_duplicates_it_showed() {
    let d = desk().await;
    let a = d.request("Ivan", "Soto", "(909) 555-0151", d.session).await;
    d.post(&format!("/staff/intake/requests/{a}/patient"), &[("date_of_birth", "")]).await;
    let record = d.patient_of(a).await.unwrap();
    let b = d.request("Ivan", "Soto", "(909) 555-0152", d.session).await;
    let page = get_as(&d.app, &d.intake, &format!("/staff/intake/requests/{b}")).await.text().await.unwrap();
    assert!(page.contains(&format!("#{record} · Ivan Soto")));
    d.post(&format!("/staff/intake/requests/{b}/patient"), &[("date_of_birth", "")]).await;
    let other = d.patient_of(b).await.unwrap();
    get_as(&d.app, &d.intake, &format!("/staff/intake/patients/{record}")).await;

    let shown: Vec<(String, String, i64)> = sqlx::query_as(
        "select action, record_type, record from audit_log, unnest(record_ids) with ordinality as shown (record, n) \
         where action like '%_in_list' order by seq, n",
    )
    .fetch_all(&d.app.pool)
    .await
    .unwrap();
    assert_eq!(
        shown,
        [
            ("view_patient_in_list".to_owned(), "patient".to_owned(), record), // offered as a match for b
            ("view_booking_in_list".to_owned(), "booking".to_owned(), a),      // the record's bookings
            ("view_patient_in_list".to_owned(), "patient".to_owned(), other),  // a possible duplicate
        ]
    );
}
