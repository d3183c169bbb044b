//! Clinics, counselors and topics as administrators add and change them, and as the public
//! pages then show them.

use crate::helpers::TestApp;
use crate::staff_auth::{get_as, post_as as post, signed_in};
use chrono::Duration;
use groupcare::domain::staff::StaffRole;

const CLINIC: [(&str, &str); 9] = [
    ("name", "Fontana Wellness Clinic"),
    ("short_name", "Fontana"),
    ("address", "9 Sierra Ave, Fontana, CA 92335"),
    ("phone", "909 555 0199"),
    ("time_zone", "America/Los_Angeles"),
    ("hours_en", "Weekdays 6 to 2"),
    ("hours_es", "Entre semana de 6 a 2"),
    ("intake_hours_en", "Weekdays 8 to 3"),
    ("intake_hours_es", "Entre semana de 8 a 3"),
];

fn with<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
    csrf: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<_> = base
        .iter()
        .map(|(k, v)| (*k, changes.iter().find(|(c, _)| c == k).map_or(*v, |(_, v)| *v)))
        .collect();
    form.push(("csrf", csrf));
    form
}

#[tokio::test]
async fn an_administrator_adds_and_changes_a_clinic_and_the_public_pages_follow() {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let bad = post(
        &app,
        &session,
        "/staff/admin/catalog/clinics",
        &with(&CLINIC, &[("phone", "12"), ("time_zone", "Mars/Olympus")], &csrf),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("Please enter a US phone number")
            && html.contains("time zone name like America/Los_Angeles")
    );
    assert!(html.contains("value=\"Fontana Wellness Clinic\""), "the input is kept");
    assert_eq!(app.count("select count(*) from clinic").await, 0);

    assert_eq!(
        post(&app, &session, "/staff/admin/catalog/clinics", &with(&CLINIC, &[], &csrf)).await.status(),
        303
    );
    let (_, home) = app.get_html("/").await;
    assert!(
        home.contains("Fontana Wellness Clinic") && home.contains("(909) 555-0199"),
        "the phone is written the usual way"
    );

    let id: i64 = sqlx::query_scalar("select id from clinic").fetch_one(&app.pool).await.unwrap();
    let mut changed = with(&CLINIC, &[("phone", "(909) 555-0142")], &csrf);
    changed.push(("active", "on"));
    assert_eq!(
        post(&app, &session, &format!("/staff/admin/catalog/clinics/{id}"), &changed).await.status(),
        303
    );
    let (_, home) = app.get_html("/").await;
    assert!(home.contains("(909) 555-0142") && !home.contains("(909) 555-0199"));
    assert_eq!(post(&app, &session, "/staff/admin/catalog/clinics/424242", &changed).await.status(), 404);
    assert_eq!(app.count("select count(*) from audit_log where record_type = 'clinics'").await, 2);
}

#[tokio::test]
async fn a_deactivated_counselor_leaves_the_public_pages_and_a_topic_change_shows() {
    let app = TestApp::spawn().await;
    let (session, csrf) = signed_in(&app, "admin@x.test", StaffRole::Admin).await;
    let group = app.session_starting_in(Duration::days(2), 12, 1).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Inés Carvajal"),
        ("credentials", "LMFT"),
        ("bio_en", "Inés leads family groups."),
        ("bio_es", "Inés dirige grupos de familia."),
        ("languages", "en"),
        ("languages", "es"),
        ("active", "on"),
    ];
    assert_eq!(post(&app, &session, "/staff/admin/catalog/counselors", &form).await.status(), 303);
    let id: i64 = sqlx::query_scalar("select id from counselor where name = 'Inés Carvajal'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (_, list) = app.get_html("/counselors").await;
    assert!(list.contains("Inés Carvajal, LMFT") && list.contains("Speaks: English and Spanish"));

    let inactive: Vec<_> = form.iter().filter(|(k, _)| *k != "active").cloned().collect();
    assert_eq!(
        post(&app, &session, &format!("/staff/admin/catalog/counselors/{id}"), &inactive).await.status(),
        303
    );
    let (_, list) = app.get_html("/counselors").await;
    assert!(!list.contains("Inés Carvajal"));
    assert_eq!(app.get(&format!("/counselors/{id}")).await.status(), 404);
    let admin_list = get_as(&app, &session, "/staff/admin/catalog/counselors").await.text().await.unwrap();
    assert!(admin_list.contains("Inés Carvajal"), "administrators still see them");

    let topic: i64 = sqlx::query_scalar("select topic_id from session where id = $1")
        .bind(group)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let topic_form = [
        ("csrf", csrf.as_str()),
        ("name_en", "Early recovery"),
        ("name_es", "Recuperación temprana"),
        ("description_en", "A new description for the first months."),
        ("description_es", "Una descripción nueva."),
        ("active", "on"),
    ];
    assert_eq!(
        post(&app, &session, &format!("/staff/admin/catalog/topics/{topic}"), &topic_form).await.status(),
        303
    );
    let (_, page) = app.get_html(&format!("/sessions/{group}")).await;
    assert!(page.contains("A new description for the first months."));
    let empty: Vec<_> =
        topic_form.iter().map(|(k, v)| if *k == "name_en" { (*k, "") } else { (*k, *v) }).collect();
    assert_eq!(
        post(&app, &session, &format!("/staff/admin/catalog/topics/{topic}"), &empty).await.status(),
        422
    );
}

/// A clinic's zone written by hand, past the app (a typo in an UPDATE, an abbreviation):
/// the database refuses it, so every clinic's pages, which read the zone with each group, go
/// on being drawn. The app reads zones by their exact names from the time zone database.
#[tokio::test]
async fn a_clinic_zone_the_app_could_not_read_is_refused_by_the_database_itself() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(2), 10, 4).await;
    for zone in ["America/LosAngeles", "america/los_angeles", "PST", "EST5EDT,M3.2.0,M11.1.0", ""] {
        let refused =
            sqlx::query("update clinic set time_zone = $1").bind(zone).execute(&app.owner_pool).await;
        let code =
            refused.err().and_then(|e| e.as_database_error().and_then(|d| d.code().map(|c| c.into_owned())));
        assert_eq!(code.as_deref(), Some("23514"), "{zone:?} was taken");
    }
    sqlx::query("update clinic set time_zone = 'America/Denver'").execute(&app.owner_pool).await.unwrap();
    assert_eq!(app.get("/sessions").await.status(), 200);
    assert_eq!(app.get(&format!("/sessions/{session}")).await.status(), 200);
}
