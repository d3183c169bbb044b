//! The listing of upcoming groups, and one page per group with its booking form.

use super::parse_id;
use crate::domain::Language;
use crate::domain::booking::check_bookable;
use crate::store::catalog::{self, Clinic, Topic};
use crate::store::sessions::{self, SessionFilter};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{Path, Query};
use crate::web::i18n::Ui;
use crate::web::views::{CounselorView, DayGroup, FormView, LISTING_DAYS, SessionCard, by_day};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;
use sqlx::PgConnection;

/// The listing's filters as they arrive in the query string. Values that do not parse are
/// ignored, as if not given: a shared link with a stale value still shows groups.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilterQuery {
    clinic: String,
    topic: String,
    language: String,
    day: String,
}

impl FilterQuery {
    pub fn to_filter(&self) -> SessionFilter {
        SessionFilter {
            clinic_id: self.clinic.parse().ok(),
            topic_id: self.topic.parse().ok(),
            language: Language::from_code(&self.language),
            day: NaiveDate::parse_from_str(&self.day, "%Y-%m-%d").ok(),
            counselor_id: None,
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One drop-down of the listing's filter form.
pub struct FilterSelect {
    /// The query-string parameter.
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

impl FilterSelect {
    fn new<T>(
        name: &'static str,
        label: &'static str,
        items: &[T],
        selected: Option<String>,
        value: impl Fn(&T) -> String,
        text: impl Fn(&T) -> String,
    ) -> FilterSelect {
        let choices = items
            .iter()
            .map(|item| {
                let value = value(item);
                Choice { selected: selected.as_deref() == Some(value.as_str()), label: text(item), value }
            })
            .collect();
        FilterSelect { name, label, choices }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/sessions.html")]
pub struct SessionsPage {
    ui: Ui,
    days: Vec<DayGroup>,
    count: String,
    filtered: bool,
    filters: [FilterSelect; 4],
}

/// The hottest page: four queries on one connection, however many groups it lists.
pub async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Query(query): Query<FilterQuery>,
) -> Result<SessionsPage, AppError> {
    let filter = query.to_filter();
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let found = sessions::upcoming(&mut conn, now, now + Duration::days(LISTING_DAYS), &filter).await?;
    let clinics = catalog::active_clinics(&mut conn).await?;
    let topics = catalog::active_topics(&mut conn).await?;
    drop(conn);

    let cards: Vec<_> = found.iter().map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    let count = (ui.m.sessions_count)(cards.len());
    // Days offered in the filter: the listing's window, in the first clinic's time zone (with
    // no clinic there is nothing to list, and any zone will do).
    let tz: chrono_tz::Tz = clinics.first().map_or(chrono_tz::UTC, |c| c.time_zone.0);
    let today = now.with_timezone(&tz).date_naive();
    let days: Vec<NaiveDate> = (0..LISTING_DAYS).map(|d| today + Duration::days(d)).collect();
    Ok(SessionsPage {
        ui,
        days: by_day(ui, cards),
        count,
        filtered: filter != SessionFilter::default(),
        filters: [
            FilterSelect::new(
                "clinic",
                ui.m.filter_clinic,
                &clinics,
                filter.clinic_id.map(|i| i.to_string()),
                |c: &Clinic| c.id.to_string(),
                |c| c.name.clone(),
            ),
            FilterSelect::new(
                "topic",
                ui.m.filter_topic,
                &topics,
                filter.topic_id.map(|i| i.to_string()),
                |t: &Topic| t.id.to_string(),
                |t| ui.pick(&t.name_en, &t.name_es).to_owned(),
            ),
            FilterSelect::new(
                "language",
                ui.m.filter_language,
                &Language::ALL,
                filter.language.map(|l| l.code().to_owned()),
                |l| l.code().to_owned(),
                |l| (ui.m.language_names)(*l).to_owned(),
            ),
            FilterSelect::new(
                "day",
                ui.m.filter_day,
                &days,
                filter.day.map(|d| d.to_string()),
                |d| d.to_string(),
                |d| ui.date(*d),
            ),
        ],
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/session.html")]
pub struct SessionPage {
    ui: Ui,
    card: SessionCard,
    clinic: Clinic,
    topic: Topic,
    counselors: Vec<CounselorView>,
    form: FormView,
    /// Why this group takes no request, when it takes none.
    closed_message: Option<String>,
    /// "Come every Tuesday", on a weekly group's form.
    every_week_label: Option<String>,
    /// The clinic's word on Medicare, beside the question of how the person expects to pay.
    medicare_note: Option<String>,
    english: &'static str,
    spanish: &'static str,
}

/// Renders a group's page with its form: fresh on GET, with problems and input kept on a
/// refused POST.
pub async fn render_session_page(
    state: &AppState,
    conn: &mut PgConnection,
    ui: Ui,
    session_id: i64,
    mut form: FormView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let summary = sessions::summary(conn, session_id).await?.ok_or(AppError::NotFound)?;
    if form.input.language.is_empty() {
        // Someone joining a Spanish-language group most likely prefers Spanish.
        form.input.language = summary.language.code().to_owned();
    }
    let clinic = catalog::clinic(conn, summary.clinic_id).await?.ok_or(AppError::NotFound)?;
    let topic = catalog::topic(conn, summary.topic_id).await?.ok_or(AppError::NotFound)?;
    let counselors = catalog::counselors_of_session(conn, session_id)
        .await?
        .into_iter()
        .map(|c| CounselorView::new(ui, c))
        .collect();
    let card = SessionCard::new(ui, &summary, now, state.booking.cutoff);
    let closed_message = check_bookable(summary.is_cancelled(), summary.starts_at, now, state.booking.cutoff)
        .err()
        .map(|why| format!("{} {}", (ui.m.unbookable)(why), (ui.m.form_closed_call)(&clinic.phone)));
    let english = (ui.m.language_names)(Language::En);
    let spanish = (ui.m.language_names)(Language::Es);
    let weekday = summary.starts_at.with_timezone(&summary.time_zone()).weekday();
    let medicare_note = Some(ui.pick(&clinic.medicare_note_en, &clinic.medicare_note_es))
        .filter(|note| !note.is_empty())
        .map(|note| (ui.m.form_medicare_note)(note));
    let every_week_label = summary
        .weekly
        .then(|| (ui.m.form_every_week)(ui.m.weekdays[weekday.num_days_from_monday() as usize]));
    Ok((
        status,
        SessionPage {
            ui,
            card,
            clinic,
            topic,
            counselors,
            form,
            closed_message,
            every_week_label,
            medicare_note,
            english,
            spanish,
        },
    )
        .into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    render_session_page(&state, &mut conn, ui, id, FormView::fresh(), StatusCode::OK).await
}
