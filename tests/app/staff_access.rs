//! The access matrix: every staff route, for every kind of visitor, each cell asserted; and
//! every state-changing staff form refuses a missing or wrong CSRF token.

use crate::helpers::{TestApp, booking_json, phone};
use crate::staff_auth::{get_as, hidden, login, second_factor_optional, staff_account, staff_account_for};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;

/// A route (method, path, form fields) and the status each of WHO should get.
type MatrixRow<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, [u16; 6]);

/// A form post: who sends it (index into WHO), where, and its fields.
type FormPost<'a> = (usize, String, Vec<(&'a str, &'a str)>);

const WHO: [&str; 6] = ["anonymous", "admin", "intake A", "intake B", "counselor A", "counselor B"];

struct World {
    app: TestApp,
    /// Session cookies in the order of WHO (anonymous: none).
    sessions: Vec<Option<String>>,
    csrf: Vec<String>,
    session_a: i64,
    booking_a: i64,
    staff_b: i64,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    let session_a = app.session_starting_in(Duration::days(2), 12, 1).await;
    let session_b = app.session_starting_in(Duration::days(2), 12, 1).await;
    let (clinic_a, clinic_b) = (app.clinic_of(session_a).await, app.clinic_of(session_b).await);
    assert_eq!(app.post_booking(&booking_json(session_a, &phone(1)), None).await.status(), 201);
    let booking_a: i64 =
        sqlx::query_scalar("select max(id) from booking").fetch_one(&app.pool).await.unwrap();

    staff_account(&app, "admin@x.test", StaffRole::Admin).await;
    staff_account_for(&app, "intake-a@x.test", StaffRole::Intake, &[clinic_a]).await;
    staff_account_for(&app, "intake-b@x.test", StaffRole::Intake, &[clinic_b]).await;
    staff_account(&app, "counselor-a@x.test", StaffRole::Counselor).await;
    let staff_b = staff_account(&app, "counselor-b@x.test", StaffRole::Counselor).await;
    for (email, session) in [("counselor-a@x.test", session_a), ("counselor-b@x.test", session_b)] {
        sqlx::query(
            "update session_counselor set counselor_id = (select counselor_id from staff where email = $1) \
             where session_id = $2",
        )
        .bind(email)
        .bind(session)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let mut sessions = vec![None];
    let mut csrf = vec![String::new()];
    for email in
        ["admin@x.test", "intake-a@x.test", "intake-b@x.test", "counselor-a@x.test", "counselor-b@x.test"]
    {
        let s = login(&app, email).await;
        let home = get_as(&app, &s, "/staff").await.text().await.unwrap();
        csrf.push(hidden(&home, "csrf"));
        sessions.push(Some(s));
    }
    World { app, sessions, csrf, session_a, booking_a, staff_b }
}

impl World {
    async fn request(
        &self,
        who: usize,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        csrf: Option<&str>,
    ) -> u16 {
        let mut req = match method {
            "GET" => self.app.client.get(self.app.url(path)),
            _ => {
                let token = csrf.unwrap_or(&self.csrf[who]);
                let mut fields = vec![("csrf", token)];
                fields.extend_from_slice(form);
                self.app.client.post(self.app.url(path)).form(&fields)
            }
        };
        if let Some(session) = &self.sessions[who] {
            req = req.header("cookie", format!("gc_staff={session}"));
        }
        req.send().await.unwrap().status().as_u16()
    }
}

#[tokio::test]
async fn every_staff_route_answers_each_kind_of_visitor_as_it_should() {
    let w = world().await;
    let (s, b) = (w.session_a, w.booking_a);
    let (r, p, sh) = (
        format!("/staff/intake/requests/{b}"),
        format!("/staff/sessions/{s}/roster"),
        format!("/staff/sessions/{s}/sign-in-sheet"),
    );
    let admin_session = format!("/staff/admin/sessions/{s}");
    let staff_b = w.staff_b.to_string();
    //                        anonymous admin intakeA intakeB counselorA counselorB
    let matrix: Vec<MatrixRow> = vec![
        ("GET", "/staff".into(), vec![], [303, 200, 200, 200, 200, 200]),
        ("GET", "/staff/second-factor".into(), vec![], [303, 200, 200, 200, 200, 200]),
        ("GET", "/staff/intake".into(), vec![], [303, 200, 200, 200, 403, 403]),
        ("GET", r.clone(), vec![], [303, 200, 200, 404, 403, 403]),
        ("POST", format!("{r}/contact"), vec![("outcome", "no_answer")], [303, 303, 303, 404, 403, 403]),
        // Intake A may confirm, but the administrator confirmed it first: nothing left to do.
        ("POST", format!("{r}/confirm"), vec![], [303, 303, 409, 404, 403, 403]),
        ("POST", format!("{r}/move"), vec![("target", "0")], [303, 409, 409, 404, 403, 403]),
        ("GET", "/staff/intake/phone-booking".into(), vec![], [303, 200, 200, 200, 403, 403]),
        ("POST", format!("{r}/patient/link"), vec![("patient_id", "0")], [303, 404, 404, 404, 403, 403]),
        (
            "POST",
            format!("{r}/patient"),
            vec![("date_of_birth", "1990-01-01")],
            [303, 303, 303, 404, 403, 403],
        ),
        ("GET", "/staff/intake/patients/1".into(), vec![], [303, 200, 200, 404, 403, 403]),
        (
            "POST",
            "/staff/intake/patients/1/merge".into(),
            vec![("other", "2")],
            [303, 404, 404, 404, 403, 403],
        ),
        ("POST", "/staff/intake/phone-booking".into(), vec![], [303, 422, 422, 422, 403, 403]),
        ("GET", "/staff/my-sessions".into(), vec![], [303, 403, 403, 403, 200, 200]),
        // Intake may look at the rosters of their own clinics, and change nothing.
        ("GET", p.clone(), vec![], [303, 200, 200, 404, 200, 404]),
        ("GET", sh, vec![], [303, 200, 200, 404, 200, 404]),
        // Attendance before the start is a 400 for those allowed to take it.
        ("POST", format!("/staff/sessions/{s}/attendance"), vec![], [303, 400, 403, 404, 400, 404]),
        ("POST", format!("/staff/sessions/{s}/walk-in"), vec![], [303, 400, 403, 404, 400, 404]),
        ("GET", "/staff/admin/sessions".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("GET", admin_session.clone(), vec![], [303, 200, 403, 403, 403, 403]),
        (
            "POST",
            format!("{admin_session}/counselors"),
            vec![("counselor_id", "0")],
            [303, 303, 403, 403, 403, 403],
        ),
        ("GET", "/staff/admin/staff".into(), vec![], [303, 200, 403, 403, 403, 403]),
        (
            "POST",
            format!("/staff/admin/staff/{staff_b}/password"),
            vec![("password", "x")],
            [303, 422, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/staff/admin/settings".into(),
            vec![("require_second_factor", "off")],
            [303, 303, 403, 403, 403, 403],
        ),
        ("GET", "/staff/admin/audit".into(), vec![], [303, 200, 403, 403, 403, 403]),
        (
            "POST",
            "/staff/admin/audit".into(),
            vec![("staff", "admin@x.test")],
            [303, 200, 403, 403, 403, 403],
        ),
        ("GET", "/staff/admin/series".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("GET", "/staff/admin/closures".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("POST", "/staff/admin/closures".into(), vec![], [303, 422, 403, 403, 403, 403]),
        ("GET", "/staff/admin/catalog/clinics".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("GET", "/staff/admin/catalog/counselors".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("GET", "/staff/admin/catalog/topics".into(), vec![], [303, 200, 403, 403, 403, 403]),
        ("GET", "/staff/admin/catalog/planets".into(), vec![], [303, 404, 403, 403, 403, 403]),
        ("POST", "/staff/admin/catalog/topics".into(), vec![], [303, 422, 403, 403, 403, 403]),
        ("POST", "/staff/admin/catalog/topics/0".into(), vec![], [303, 422, 403, 403, 403, 403]),
        ("POST", "/staff/admin/series".into(), vec![], [303, 422, 403, 403, 403, 403]),
        ("GET", "/staff/admin/series/0".into(), vec![], [303, 404, 403, 403, 403, 403]),
        ("POST", "/staff/admin/series/0".into(), vec![], [303, 404, 403, 403, 403, 403]),
        ("GET", "/staff/admin/messages".into(), vec![], [303, 200, 403, 403, 403, 403]),
        // A counselor account must name a counselor: refused, and nothing changes.
        (
            "POST",
            format!("/staff/admin/staff/{staff_b}/access"),
            vec![("role", "counselor")],
            [303, 422, 403, 403, 403, 403],
        ),
        ("GET", "/staff/intake/find".into(), vec![], [303, 200, 200, 200, 403, 403]),
        ("POST", "/staff/intake/find".into(), vec![("q", "Person")], [303, 200, 200, 200, 403, 403]),
        ("POST", "/staff/admin/messages/0/retry".into(), vec![], [303, 303, 403, 403, 403, 403]),
        ("POST", format!("{r}/resend"), vec![], [303, 200, 200, 404, 403, 403]),
        // Not a week of a weekly place: nothing to end, for those who may end one.
        ("POST", format!("{r}/end-weekly"), vec![], [303, 404, 404, 404, 403, 403]),
        ("POST", format!("{r}/answers"), vec![("payment", "self_pay")], [303, 303, 303, 404, 403, 403]),
        ("POST", "/staff/my-calendar".into(), vec![], [303, 403, 403, 403, 200, 200]),
        ("POST", "/staff/my-calendar/stop".into(), vec![], [303, 403, 403, 403, 303, 303]),
        ("GET", format!("/calendar/{}.ics", "ab".repeat(32)), vec![], [404, 404, 404, 404, 404, 404]),
        ("GET", "/staff/no-such-page".into(), vec![], [303, 404, 404, 404, 404, 404]),
    ];
    let mut wrong = Vec::new();
    for (method, path, form, expected) in &matrix {
        for (who, want) in expected.iter().enumerate() {
            let got = w.request(who, method, path, form, None).await;
            if got != *want {
                wrong.push(format!("{method} {path} as {}: {got}, expected {want}", WHO[who]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Who (index into WHO), their e-mail and role title, their pages, a page their header offers
/// and one it must not.
type RoleHeader<'a> = (usize, &'a str, &'a str, &'a [String], &'a str, &'a str);

/// On a shared clinic computer, signing out is never a page away: every page a signed-in member
/// opens says who is signed in, offers the pages their role works in (and no others), and a
/// sign-out button.
#[tokio::test]
async fn every_signed_in_staff_page_says_who_is_signed_in_and_offers_the_roles_pages_and_signing_out() {
    let w = world().await;
    let (s, b) = (w.session_a, w.booking_a);
    let (request, roster, sheet) = (
        format!("/staff/intake/requests/{b}"),
        format!("/staff/sessions/{s}/roster"),
        format!("/staff/sessions/{s}/sign-in-sheet"),
    );
    let admin_pages = [
        "/staff",
        "/staff/intake",
        &request,
        "/staff/admin/sessions",
        &format!("/staff/admin/sessions/{s}"),
        "/staff/admin/series",
        "/staff/admin/catalog/clinics",
        "/staff/admin/staff",
        "/staff/admin/messages",
        "/staff/admin/audit",
        &roster,
        &sheet,
        "/staff/second-factor",
    ]
    .map(str::to_owned);
    let intake_pages = [
        "/staff",
        "/staff/intake",
        "/staff/intake/find",
        &request,
        "/staff/intake/phone-booking",
        &roster,
        "/staff/second-factor",
    ]
    .map(str::to_owned);
    let counselor_pages = ["/staff", "/staff/my-sessions", &roster, &sheet].map(str::to_owned);
    let roles: [RoleHeader; 3] = [
        (1, "admin@x.test", "Administrator", &admin_pages, "/staff/admin/audit", "/staff/my-sessions"),
        (2, "intake-a@x.test", "Intake", &intake_pages, "/staff/intake/phone-booking", "/staff/admin/"),
        (4, "counselor-a@x.test", "Counselor", &counselor_pages, "/staff/my-sessions", "/staff/intake"),
    ];
    for (who, email, role, pages, offered, not_offered) in roles {
        for path in pages {
            let r = get_as(&w.app, w.sessions[who].as_deref().unwrap(), path).await;
            assert_eq!(r.status(), 200, "{path} as {email}");
            let page = r.text().await.unwrap();
            let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
            assert!(header.contains(&format!("{email} · {role}")), "{path}: {header}");
            assert!(header.contains("action=\"/staff/logout\""), "{path}: no sign-out");
            assert!(header.contains(&format!("href=\"{offered}\"")), "{path}: {header}");
            assert!(!header.contains(&format!("href=\"{not_offered}")), "{path}: {header}");
        }
    }
}

#[tokio::test]
async fn every_state_changing_staff_form_refuses_a_missing_or_wrong_csrf_token() {
    let w = world().await;
    let (s, b) = (w.session_a, w.booking_a);
    let admin = 1;
    let intake = 2;
    let counselor = 4;
    let posts: Vec<FormPost> = vec![
        (admin, "/staff/logout".into(), vec![]),
        (admin, "/staff/second-factor".into(), vec![("code", "123456")]),
        (intake, format!("/staff/intake/requests/{b}/confirm"), vec![]),
        (intake, format!("/staff/intake/requests/{b}/decline"), vec![("reason", "x")]),
        (intake, format!("/staff/intake/requests/{b}/cancel"), vec![("reason", "x")]),
        (intake, format!("/staff/intake/requests/{b}/contact"), vec![("outcome", "called")]),
        (intake, format!("/staff/intake/requests/{b}/move"), vec![("target", "1")]),
        (intake, format!("/staff/intake/requests/{b}/patient"), vec![]),
        (intake, format!("/staff/intake/requests/{b}/patient/link"), vec![("patient_id", "1")]),
        (intake, "/staff/intake/patients/1/merge".into(), vec![("other", "2")]),
        (intake, "/staff/intake/phone-booking".into(), vec![("session", "1"), ("first_name", "A")]),
        (counselor, format!("/staff/sessions/{s}/attendance"), vec![]),
        (counselor, format!("/staff/sessions/{s}/walk-in"), vec![("first_name", "A")]),
        (admin, format!("/staff/admin/sessions/{s}/cancel"), vec![("reason", "x")]),
        (admin, format!("/staff/admin/sessions/{s}/counselors"), vec![("counselor_id", "1")]),
        (admin, format!("/staff/admin/sessions/{s}/counselors/1/remove"), vec![]),
        (
            admin,
            "/staff/admin/staff".into(),
            vec![("email", "n@x.test"), ("role", "admin"), ("password", "long enough pw")],
        ),
        (admin, format!("/staff/admin/staff/{}/deactivate", w.staff_b), vec![]),
        (admin, format!("/staff/admin/staff/{}/password", w.staff_b), vec![("password", "long enough pw")]),
        (admin, "/staff/admin/settings".into(), vec![("require_second_factor", "on")]),
        (admin, "/staff/admin/series".into(), vec![("local_start", "10:00")]),
        (admin, "/staff/admin/audit".into(), vec![("patient", "(909) 555-0001")]),
        (admin, "/staff/admin/catalog/topics".into(), vec![("name_en", "X"), ("name_es", "X")]),
        (admin, "/staff/admin/catalog/clinics/1".into(), vec![("name", "X")]),
        (admin, "/staff/admin/series/1".into(), vec![("local_start", "10:00")]),
        (admin, "/staff/admin/messages/1/retry".into(), vec![]),
        (
            admin,
            "/staff/admin/closures".into(),
            vec![("date", "2030-01-01"), ("clinic", "1"), ("reason", "x"), ("confirm", "yes")],
        ),
        (admin, format!("/staff/admin/staff/{}/access", w.staff_b), vec![("role", "admin")]),
        (intake, format!("/staff/intake/requests/{b}/resend"), vec![]),
        (intake, format!("/staff/intake/requests/{b}/end-weekly"), vec![]),
        (intake, format!("/staff/intake/requests/{b}/answers"), vec![("payment", "self_pay")]),
        (intake, "/staff/intake/find".into(), vec![("q", "Person")]),
        (counselor, "/staff/my-calendar".into(), vec![]),
        (counselor, "/staff/my-calendar/stop".into(), vec![]),
    ];
    let before = w.app.count("select count(*) from booking_event").await;
    for (who, path, form) in &posts {
        for token in ["", "forged-token"] {
            let got = w.request(*who, "POST", path, form, Some(token)).await;
            assert_eq!(got, 403, "POST {path} as {} with token {token:?}", WHO[*who]);
        }
    }
    assert_eq!(w.app.count("select count(*) from booking_event").await, before, "nothing changed");
    assert_eq!(w.app.count("select count(*) from staff where active").await, 5);
    assert_eq!(w.app.count("select count(*) from contact_attempt").await, 0);
    assert_eq!(w.app.count("select count(*) from staff_session").await, 5, "no one was signed out");
    assert_eq!(w.app.count("select count(*) from calendar_feed").await, 0, "no feed was made");
    assert_eq!(w.app.count("select count(*) from clinic_closure").await, 0, "no clinic was closed");
    let messages = w.app.count("select count(*) from message").await;
    assert_eq!(messages, w.app.count("select count(*) from message where kind = 'request_received'").await);
}
