//! The glossary, held: what a patient's screen shows in Spanish never uses a word the glossary
//! retired, in English never a disciplinary one, and no text is left in the other language.
//! Read from the real pages (the demo's clinics, topics and counselors), as a phone shows them.

use crate::helpers::{TestApp, booking_json, phone};
use std::collections::BTreeSet;

/// Spanish words the glossary retired from patient pages, and why (see docs/GLOSSARY.md).
const RETIRED_ES: [&str; 7] =
    ["falta", "admisión", "sesión", "antojos", "detonantes", "caracteres", "campos"];
const RETIRED_EN: [&str; 3] = ["absent", "no-show", "no show"];
const WEEKDAYS_ES: [&str; 7] = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];

/// Text a visitor reads: text between tags, the title, and the words of attributes read aloud
/// or shown (placeholders, labels, descriptions), entities decoded; scripts and styles dropped.
fn visible_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open]);
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open + 1..open + close];
        let description = tag.starts_with("meta name=\"description\"");
        for attribute in ["aria-label=\"", "placeholder=\"", "title=\"", "content=\""] {
            if attribute == "content=\"" && !description {
                continue;
            }
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                push_text(&mut out, &value[..value.find('"').unwrap_or(value.len())]);
            }
        }
        rest = &rest[open + close + 1..];
        for hidden in ["script", "style"] {
            if tag.starts_with(hidden) {
                let end = rest.find(&format!("</{hidden}>")).unwrap_or(rest.len());
                rest = &rest[end..];
            }
        }
    }
    out
}

fn push_text(out: &mut Vec<String>, raw: &str) {
    let text = raw
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        out.push(text);
    }
}

fn title_of(html: &str) -> String {
    let start = html.find("<title>").map_or(0, |at| at + "<title>".len());
    html[start..start + html[start..].find("</title>").unwrap_or(0)].to_owned()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Every public page a patient may see, in `lang`, in the states the demo and one request give:
/// each page's visible text and its title.
async fn patient_pages(
    app: &TestApp,
    session: i64,
    manage: &str,
    lang: &str,
) -> Vec<(String, Vec<String>, String)> {
    let mut pages = Vec::new();
    let counselor: i64 = sqlx::query_scalar("select id from counselor where active order by id limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let own_links = [
        manage.to_owned(),
        "/manage/0000000000000000000000000000000000000000000000000000000000000000".to_owned(),
    ];
    for path in crate::helpers::public_paths(session, counselor).into_iter().chain(own_links) {
        let (_, html) =
            app.get_html(&format!("{path}{}lang={lang}", if path.contains('?') { '&' } else { '?' })).await;
        pages.push((path, visible_text(&html), title_of(&html)));
    }
    // The form sent empty: every problem it can show at once.
    let refused = app
        .client
        .post(app.url(&format!("/sessions/{session}/book")))
        .header("cookie", format!("gc_lang={lang}"))
        .form(&[
            ("key", "0123456789abcdef0123456789abcdef"),
            ("first_name", ""),
            ("last_name", &"x".repeat(500)),
            ("phone", "12"),
            ("notes", "a\u{7}b"),
        ])
        .send()
        .await
        .unwrap();
    let html = refused.text().await.unwrap();
    pages.push(("the refused form".to_owned(), visible_text(&html), title_of(&html)));
    pages
}

#[tokio::test]
async fn patient_pages_keep_to_the_glossary_and_leave_no_text_untranslated() {
    let app = TestApp::spawn().await;
    groupcare::demo::seed(&app.pool, chrono::Utc::now(), None).await.unwrap();
    let session: i64 = sqlx::query_scalar(
        "select id from session where starts_at > now() + interval '1 day' and status = 'scheduled' order by starts_at limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let answer: serde_json::Value =
        app.post_booking(&booking_json(session, &phone(7)), None).await.json().await.unwrap();
    let manage = answer["manage_url"].as_str().unwrap();
    let manage = &manage[manage.find("/manage/").unwrap()..];

    let mut problems = Vec::new();
    let mut manage_states = Vec::new();
    // The person's page in each state a booking can reach.
    for status in ["requested", "waitlisted", "confirmed", "declined", "no_show", "attended", "cancelled"] {
        sqlx::query("update booking set status = $1::booking_status where session_id = $2")
            .bind(status)
            .bind(session)
            .execute(&app.owner_pool)
            .await
            .unwrap();
        for lang in ["en", "es"] {
            let (_, html) = app.get_html(&format!("{manage}?lang={lang}")).await;
            manage_states.push((format!("{manage} ({status})"), lang, visible_text(&html)));
        }
    }

    let english = patient_pages(&app, session, manage, "en").await;
    let spanish = patient_pages(&app, session, manage, "es").await;
    // What a phone's tabs and history keep of a visit: the title never says what the clinic treats.
    for (page, title) in english.iter().chain(&spanish).map(|(p, _, title)| (p, title)) {
        if let Some(word) = groupcare::domain::messages::indiscreet_word(title) {
            problems.push(format!("{page}: the title «{title}» says {word:?}"));
        }
    }
    let all = english
        .iter()
        .map(|(p, t, _)| (p.clone(), "en", t.clone()))
        .chain(spanish.iter().map(|(p, t, _)| (p.clone(), "es", t.clone())))
        .chain(manage_states);
    for (page, lang, texts) in all {
        let retired: &[&str] = if lang == "es" { &RETIRED_ES } else { &RETIRED_EN };
        for text in &texts {
            // A sentence ending in a time ends once ("p. m.", never "p. m.."), and a Spanish date
            // starting a line starts with a capital.
            if text.contains("..") && !text.contains("...") {
                problems.push(format!("{page} ({lang}): two periods in «{text}»"));
            }
            if lang == "es" && WEEKDAYS_ES.iter().any(|day| text.starts_with(day)) {
                problems.push(format!("{page} ({lang}): a line starts with a small letter: «{text}»"));
            }
            let found: BTreeSet<String> = words(text).filter(|w| retired.contains(&w.as_str())).collect();
            if !found.is_empty() {
                problems.push(format!("{page} ({lang}): {found:?} in «{text}»"));
            }
        }
    }

    // Names and numbers read the same in both languages; nothing else does.
    let names: BTreeSet<String> = sqlx::query_scalar::<_, String>(
        "select name from clinic union select short_name from clinic union select address from clinic
         union select phone from clinic union select name from counselor union select credentials from counselor
         union select name || ', ' || credentials from counselor",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    // And the words both languages spell alike.
    .chain(["Medi-Cal", "Medicare", "English", "Español", "STOP", "No"].map(str::to_owned))
    // What the refused form echoes back of what was typed, and the booking's reference (a
    // code, which may have no digit).
    .chain(["a\u{7}b".to_owned(), answer["reference"].as_str().unwrap().to_owned()])
    .collect();
    // A reference number (capitals and digits) is a code, not a word.
    let is_code =
        |text: &str| text.chars().any(|c| c.is_ascii_digit()) && !text.chars().any(char::is_lowercase);
    let is_name_or_number = |text: &str| {
        names.contains(text)
            || is_code(text)
            || !text.chars().any(char::is_alphabetic)
            || text
                .split([',', '·', ':'])
                .map(str::trim)
                .all(|part| names.contains(part) || !part.chars().any(char::is_alphabetic))
    };
    for ((page, en, _), (_, es, _)) in english.iter().zip(&spanish) {
        let en: BTreeSet<&String> = en.iter().collect();
        for text in es {
            if en.contains(text) && !is_name_or_number(text) {
                problems.push(format!("{page}: «{text}» reads the same in English and Spanish"));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
