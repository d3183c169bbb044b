//! Administration: cancelling a session, who leads it (never stranding a held seat), staff
//! accounts, the second-factor setting, and searching the audit log.

use crate::helpers::{TestApp, booking_json, phone};
use crate::staff_auth::{PASSWORD, get_as, login, signed_in, staff_account, try_login};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;

struct Admin {
    app: TestApp,
    session: String,
    csrf: String,
}

async fn admin() -> Admin {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@clinic.test", StaffRole::Admin).await;
    Admin { app, session, csrf }
}

impl Admin {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        fields.extend_from_slice(form);
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", format!("gc_staff={}", self.session))
            .form(&fields)
            .send()
            .await
            .unwrap()
    }
}

async fn book_many(app: &TestApp, session: i64, from: usize, n: usize) {
    for i in from..from + n {
        assert_eq!(app.post_booking(&booking_json(session, &phone(i)), None).await.status(), 201);
    }
}

async fn count_status(app: &TestApp, status: &str) -> i64 {
    sqlx::query_scalar("select count(*) from booking where status::text = $1")
        .bind(status)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn cancelling_a_session_cancels_its_bookings_with_the_reason() {
    let a = admin().await;
    let session = a.app.session_starting_in(Duration::days(3), 2, 1).await;
    book_many(&a.app, session, 1, 3).await; // two held, one waiting
    let path = format!("/staff/admin/sessions/{session}/cancel");
    assert_eq!(a.post(&path, &[("reason", "  ")]).await.status(), 422, "a reason is needed");
    let forged = a
        .app
        .client
        .post(a.app.url(&path))
        .header("cookie", format!("gc_staff={}", a.session))
        .form(&[("csrf", "forged"), ("reason", "room flooded")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(count_status(&a.app, "cancelled").await, 0);

    assert_eq!(a.post(&path, &[("reason", "room flooded")]).await.status(), 303);
    assert_eq!(count_status(&a.app, "cancelled").await, 3, "held and waiting alike");
    let reasons = a.app.count("select count(*) from booking_event where reason = 'room flooded'").await;
    assert_eq!(reasons, 3);
    let (_, public) = a.app.get_html(&format!("/sessions/{session}")).await;
    assert!(public.contains("This group was cancelled."));
    assert_eq!(a.app.count("select count(*) from audit_log where action = 'session_cancelled'").await, 1);
}

#[tokio::test]
async fn a_co_facilitator_raises_the_ceiling_and_cannot_be_removed_while_seats_would_be_stranded() {
    let a = admin().await;
    let session = a.app.session_starting_in(Duration::days(3), 20, 1).await;
    book_many(&a.app, session, 1, 15).await; // 12 held (one counselor), 3 waiting
    assert_eq!(count_status(&a.app, "waitlisted").await, 3);
    let second = groupcare::store::catalog::create_counselor(
        &mut a.app.pool.acquire().await.unwrap(),
        &groupcare::store::catalog::NewCounselor {
            name: "Second Counselor",
            credentials: "LMFT",
            bio_en: "",
            bio_es: "",
            languages: &[],
        },
    )
    .await
    .unwrap();
    let add = a
        .post(
            &format!("/staff/admin/sessions/{session}/counselors"),
            &[("counselor_id", &second.to_string())],
        )
        .await;
    assert_eq!(add.status(), 303);
    assert_eq!(
        count_status(&a.app, "requested").await,
        15,
        "the ceiling rose to 20: the waiting were promoted"
    );

    let remove = a.post(&format!("/staff/admin/sessions/{session}/counselors/{second}/remove"), &[]).await;
    assert_eq!(remove.status(), 409);
    assert!(
        remove
            .text()
            .await
            .unwrap()
            .contains("15 seats are held, and without this counselor the session has 12")
    );
    assert_eq!(a.app.count("select count(*) from session_counselor").await, 2, "refused: nothing changed");

    sqlx::query("update booking set status = 'cancelled' where id in (select id from booking order by id desc limit 3)")
        .execute(&a.app.pool)
        .await
        .unwrap();
    let remove = a.post(&format!("/staff/admin/sessions/{session}/counselors/{second}/remove"), &[]).await;
    assert_eq!(remove.status(), 303, "12 held fit under 12 seats");
    let first: i64 = sqlx::query_scalar("select counselor_id from session_counselor")
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    let last = a.post(&format!("/staff/admin/sessions/{session}/counselors/{first}/remove"), &[]).await;
    assert_eq!(last.status(), 409);
    assert!(last.text().await.unwrap().contains("at least one counselor"));
    a.app.assert_seat_counts_kept().await;
}

#[tokio::test]
async fn administrators_create_deactivate_and_reset_staff_accounts() {
    let a = admin().await;
    let session = a.app.session_starting_in(Duration::days(3), 12, 1).await;
    let clinic = a.app.clinic_of(session).await.to_string();
    let made = a
        .post(
            "/staff/admin/staff",
            &[("email", "new@clinic.test"), ("role", "intake"), ("clinic", &clinic), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(made.status(), 303);
    let newcomer = login(&a.app, "new@clinic.test").await;
    assert_eq!(
        get_as(&a.app, &newcomer, "/staff/intake").await.status(),
        200,
        "an intake account for that clinic"
    );

    for (form, words) in [
        (vec![("email", "new@clinic.test"), ("role", "admin"), ("password", PASSWORD)], "exists already"),
        (
            vec![("email", "nope"), ("role", "admin"), ("password", PASSWORD)],
            "Please enter an e-mail address",
        ),
        (vec![("email", "x@clinic.test"), ("role", "admin"), ("password", "short")], "12 to 200 characters"),
        (
            vec![("email", "x@clinic.test"), ("role", "counselor"), ("password", PASSWORD)],
            "needs a counselor",
        ),
    ] {
        let r = a.post("/staff/admin/staff", &form).await;
        assert_eq!(r.status(), 422, "{form:?}");
        assert!(r.text().await.unwrap().contains(words), "{form:?}");
    }

    let id: i64 = sqlx::query_scalar("select id from staff where email = 'new@clinic.test'")
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    let reset =
        a.post(&format!("/staff/admin/staff/{id}/password"), &[("password", "a brand new password")]).await;
    assert_eq!(reset.status(), 303);
    assert_eq!(
        get_as(&a.app, &newcomer, "/staff").await.status(),
        303,
        "a reset ends the account's sessions"
    );
    assert_eq!(try_login(&a.app, "new@clinic.test", PASSWORD, None).await.status(), 401);
    assert_eq!(try_login(&a.app, "new@clinic.test", "a brand new password", None).await.status(), 303);

    assert_eq!(a.post(&format!("/staff/admin/staff/{id}/deactivate"), &[]).await.status(), 303);
    assert_eq!(try_login(&a.app, "new@clinic.test", "a brand new password", None).await.status(), 401);
    let audited = a
        .app
        .count("select count(*) from audit_log where action in ('staff_created', 'staff_password_reset', 'staff_deactivated')")
        .await;
    assert_eq!(audited, 3);
}

#[tokio::test]
async fn the_second_factor_requirement_is_an_administrators_setting() {
    let a = admin().await;
    assert_eq!(a.post("/staff/admin/settings", &[("require_second_factor", "on")]).await.status(), 303);
    let r = get_as(&a.app, &a.session, "/staff").await;
    assert_eq!(r.headers()["location"], "/staff/second-factor", "now the administrator must enrol too");
}

#[tokio::test]
async fn the_audit_log_is_searched_by_patient_staff_member_and_dates() {
    let a = admin().await;
    let session = a.app.session_starting_in(Duration::days(3), 12, 1).await;
    book_many(&a.app, session, 1, 2).await;
    let (first, second): (i64, i64) =
        sqlx::query_as("select min(id), max(id) from booking").fetch_one(&a.app.pool).await.unwrap();
    let reference: String = sqlx::query_scalar("select reference from booking where id = $1")
        .bind(first)
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    for booking in [first, second] {
        assert_eq!(
            get_as(&a.app, &a.session, &format!("/staff/intake/requests/{booking}")).await.status(),
            200
        );
    }
    // A patient record made from the first booking: its entries are the person's too.
    let made = a.post(&format!("/staff/intake/requests/{first}/patient"), &[("date_of_birth", "")]).await;
    assert_eq!(made.status(), 303);
    let record: i64 = sqlx::query_scalar("select patient_id from booking where id = $1")
        .bind(first)
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    assert_eq!(get_as(&a.app, &a.session, &format!("/staff/intake/patients/{record}")).await.status(), 200);
    // The worklist shows both requests: one entry naming both.
    let worklist = get_as(&a.app, &a.session, "/staff/intake").await.text().await.unwrap();
    assert!(
        worklist.contains(&format!("requests/{first}\""))
            && worklist.contains(&format!("requests/{second}\""))
    );
    let search = |fields: Vec<(&'static str, String)>| {
        let a = &a;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = a.post("/staff/admin/audit", &fields).await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let by_phone = search(vec![("patient", phone(1))]).await;
    assert!(
        by_phone.contains(&format!("booking #{first}")) && !by_phone.contains(&format!("booking #{second}"))
    );
    assert!(
        by_phone.contains(&format!("patient #{record}")) && by_phone.contains("viewed a patient record"),
        "entries about the person's patient record are found too"
    );
    assert!(
        by_phone.contains(&format!("booking #{first} (in a list of 2)")),
        "a list that showed the person is found, naming only their record: {by_phone}"
    );
    let everything = search(vec![]).await;
    assert!(
        everything.contains(&format!("booking #{first}, #{second}"))
            || everything.contains(&format!("booking #{second}, #{first}"))
    );
    let by_reference = search(vec![("patient", reference.to_lowercase())]).await;
    assert!(by_reference.contains(&format!("booking #{first}")));
    assert!(by_reference.contains(&format!("patient #{record}")));
    let by_staff = search(vec![("staff", "admin@clinic.test".into())]).await;
    assert!(by_staff.contains("viewed a request") && by_staff.contains("signed in"), "actions in words");
    let nobody = search(vec![("staff", "someone@else.test".into())]).await;
    assert!(nobody.contains("Nothing matches."));
    let long_ago = search(vec![("from", "2020-01-01".into()), ("to", "2020-01-31".into())]).await;
    assert!(long_ago.contains("Nothing matches."));
    assert!(a.app.count("select count(*) from audit_log where action = 'view_audit_log'").await >= 5);

    staff_account(&a.app, "intake@clinic.test", StaffRole::Intake).await;
    let intake = login(&a.app, "intake@clinic.test").await;
    for path in ["/staff/admin/audit", "/staff/admin/staff", "/staff/admin/sessions"] {
        assert_eq!(get_as(&a.app, &intake, path).await.status(), 403, "{path}");
    }
}

/// Before an admin cancels a group, the page shows whom it would reach (still coming or
/// waiting, with the number to call), and each person shown is audited.
#[tokio::test]
async fn the_cancel_form_shows_who_a_cancellation_would_reach() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(chrono::Duration::days(2), 1, 1).await;
    for (n, last) in [(1, "Seated"), (2, "Waiting")] {
        let mut body = crate::helpers::booking_json(session, &crate::helpers::phone(n));
        body["last_name"] = serde_json::Value::from(last);
        assert_eq!(app.post_booking(&body, None).await.status(), 201);
    }
    let (admin, _) = crate::staff_auth::signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let page = get_as(&app, &admin, &format!("/staff/admin/sessions/{session}")).await.text().await.unwrap();
    let list = &page[page.find("Who this would reach").expect("a call list")..];
    assert!(
        list.contains("Seated") && list.contains("(909) 555-0001") && list.contains("Requested"),
        "{list}"
    );
    assert!(list.contains("Waiting") && list.contains("On the waitlist"), "{list}");
    let shown = app
        .count("select count(*) from audit_log, unnest(record_ids) where action = 'view_booking_in_list'")
        .await;
    assert_eq!(shown, 2);
}

/// An admin gives an intake worker a new clinic (they sign in again, and see its requests),
/// a wrong link changes nothing, and a deactivated account's e-mail may be given anew.
#[tokio::test]
async fn admins_change_an_accounts_access_and_a_deactivated_email_can_be_used_again() {
    let a = admin().await;
    let here = a.app.session_starting_in(Duration::days(2), 5, 1).await;
    let there = a.app.session_starting_in(Duration::days(2), 5, 1).await;
    let (clinic_here, clinic_there) = (a.app.clinic_of(here).await, a.app.clinic_of(there).await);
    let worker =
        crate::staff_auth::staff_account_for(&a.app, "worker@clinic.test", StaffRole::Intake, &[clinic_here])
            .await;
    book_many(&a.app, there, 1, 1).await;
    let booking: i64 =
        sqlx::query_scalar("select max(id) from booking").fetch_one(&a.app.pool).await.unwrap();
    let session = login(&a.app, "worker@clinic.test").await;
    let request = format!("/staff/intake/requests/{booking}");
    assert_eq!(get_as(&a.app, &session, &request).await.status(), 404, "not their clinic yet");

    let access = format!("/staff/admin/staff/{worker}/access");
    let (here_s, there_s) = (clinic_here.to_string(), clinic_there.to_string());
    let r = a.post(&access, &[("role", "intake"), ("clinic", &here_s), ("clinic", &there_s)]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(get_as(&a.app, &session, "/staff").await.status(), 303, "signed out by the change");
    let session = login(&a.app, "worker@clinic.test").await;
    assert_eq!(get_as(&a.app, &session, &request).await.status(), 200, "the new clinic's requests");
    assert_eq!(a.app.count("select count(*) from audit_log where action = 'staff_access_changed'").await, 1);

    // No one changes their own access (the last admin could lock everyone out).
    let me: i64 = sqlx::query_scalar("select id from staff where email = 'admin@clinic.test'")
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    let r = a.post(&format!("/staff/admin/staff/{me}/access"), &[("role", "intake")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("You cannot change your own access"));

    // A counselor account must name a counselor: refused, nothing changed.
    let r = a.post(&access, &[("role", "counselor")]).await;
    assert_eq!(r.status(), 422);
    let role: String = sqlx::query_scalar("select role::text from staff where id = $1")
        .bind(worker)
        .fetch_one(&a.app.pool)
        .await
        .unwrap();
    assert_eq!(role, "intake");

    // Deactivated, the address is free for a new account, which is the one that signs in.
    a.post(&format!("/staff/admin/staff/{worker}/deactivate"), &[]).await;
    let r = a
        .post(
            "/staff/admin/staff",
            &[("email", "Worker@clinic.test"), ("role", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let session = login(&a.app, "worker@clinic.test").await;
    assert_eq!(get_as(&a.app, &session, "/staff/admin/audit").await.status(), 200, "the new admin account");
    let r = a
        .post(
            "/staff/admin/staff",
            &[("email", "worker@clinic.test"), ("role", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 422, "two active accounts never share an address");

    // Searching the audit log by the address finds what both accounts did.
    let mut conn = a.app.pool.acquire().await.unwrap();
    let ids = groupcare::store::staff::ids_by_email(&mut conn, "WORKER@clinic.test").await.unwrap();
    assert_eq!(ids.len(), 2);
    let query = groupcare::store::audit::AuditQuery { actor_staff_ids: Some(ids), ..Default::default() };
    let rows = groupcare::store::audit::search(&mut conn, &query).await.unwrap();
    let actors: std::collections::BTreeSet<i64> = rows.iter().filter_map(|r| r.actor_staff_id).collect();
    assert_eq!(actors.len(), 2, "the departed account's actions too");
}
