//! English and Spanish: chosen from Accept-Language on a first visit, switched with ?lang=
//! on any page and remembered in a cookie; the API stays in English.

use crate::helpers::{TestApp, booking_json};
use chrono::Duration;

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_first_visit_follows_accept_language() {
    let app = TestApp::spawn().await;
    let html =
        get_with(&app, "/", &[("accept-language", "es-MX,es;q=0.9,en;q=0.8")]).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\">") && html.contains("Terapia de grupo que se adapta a su vida"));
    assert!(html.contains("Llame o mande un texto al 988"));
    let html =
        get_with(&app, "/", &[("accept-language", "fr-FR,en;q=0.5,es;q=0.4")]).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"), "the preferred of the two we have");
    let html = get_with(&app, "/", &[("accept-language", "de")]).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"), "English otherwise");
}

#[tokio::test]
async fn lang_in_the_query_switches_any_page_and_a_cookie_remembers_it() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let r = get_with(&app, &format!("/sessions/{session}?lang=es"), &[("accept-language", "en")]).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("gc_lang=es;") && cookie.contains("Path=/"));
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"es\">")
            && html.contains("Pedir un lugar")
            && html.contains("Quedan 12 lugares")
    );
    assert!(html.contains("href=\"?lang=en\"") && html.contains(">English</a>"), "the way back");

    let html = get_with(&app, "/sessions", &[("cookie", "gc_lang=es"), ("accept-language", "en")])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"es\">") && html.contains("Buscar un grupo"), "remembered");
    let tz = chrono_tz::America::Los_Angeles;
    let day = (chrono::Utc::now() + Duration::days(3)).with_timezone(&tz).date_naive();
    let spanish_day =
        groupcare::web::i18n::Ui::for_language(groupcare::domain::Language::Es).date_heading(day);
    assert!(html.contains(&format!("<h2>{spanish_day}</h2>")), "dates in Spanish: {spanish_day}");
    assert!(spanish_day.contains(" de "));
    assert!(spanish_day.starts_with(char::is_uppercase), "a heading's date starts with a capital");

    let r = get_with(&app, "/?lang=en", &[("cookie", "gc_lang=es")]).await;
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("gc_lang=en;"));
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn form_problems_come_in_the_visitors_language_and_the_api_stays_in_english() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    let r = app
        .client
        .post(app.url(&format!("/sessions/{session}/book")))
        .header("cookie", "gc_lang=es")
        .form(&[("first_name", "Ana"), ("last_name", "Li"), ("phone", "123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Escriba un teléfono de EE. UU. con código de área"));
    let mut body = booking_json(session, "123");
    body["first_name"] = serde_json::Value::from("");
    let r = app
        .client
        .post(app.url("/api/v1/bookings"))
        .header("accept-language", "es")
        .header("cookie", "gc_lang=es")
        .json(&body)
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["errors"]["first_name"], "Please fill this in.");
    // The switch on a form that came back leads to the group's page, not a dead end.
    let r = app.get(&format!("/sessions/{session}/book?lang=en")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/sessions/{session}"));
}

#[tokio::test]
async fn error_pages_speak_the_visitors_language() {
    let app = TestApp::spawn().await;
    let r = get_with(&app, "/no-such-page", &[("cookie", "gc_lang=es")]).await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\">") && html.contains("No encontramos esa página"));
    let r = get_with(&app, &format!("/manage/{}", "ab".repeat(32)), &[("accept-language", "es")]).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Este enlace no funciona"));
}

#[tokio::test]
async fn staff_pages_speak_spanish_too() {
    let app = TestApp::spawn().await;
    let html = get_with(&app, "/staff/login?lang=es", &[]).await.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"es\">")
            && html.contains("Entrada del personal")
            && html.contains("Contraseña")
    );
}

#[tokio::test]
async fn english_text_on_a_spanish_page_is_marked_as_english() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(Duration::days(3), 12, 1).await;
    // Written by staff before both languages were asked for: English only.
    sqlx::query("update topic set description_es = ''").execute(&app.owner_pool).await.unwrap();
    sqlx::query("update counselor set bio_es = ''").execute(&app.owner_pool).await.unwrap();
    tokio::time::sleep(groupcare::store::listings::FRESH_FOR).await;
    let (_, es) = app.get_html(&format!("/sessions/{session}?lang=es")).await;
    assert!(es.contains(r#"<p lang="en">For your first months.</p>"#), "the topic's description");
    assert!(es.contains(r#"<p lang="en">Leads groups.</p>"#), "the counselor's bio");
    assert!(es.contains(r#"<h1>Recuperación temprana</h1>"#), "Spanish text is not marked");
    let (_, en) = app.get_html(&format!("/sessions/{session}?lang=en")).await;
    assert!(en.contains("<p>For your first months.</p>") && !en.contains(r#"<p lang="en">"#));
}
