//! The listing of upcoming groups, and one page per group with its booking form.

use super::parse_id;
use crate::domain::Language;
use crate::domain::booking::check_bookable;
use crate::store::catalog::{Clinic, Topic};
use crate::store::sessions::SessionFilter;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{Path, Query};
use crate::web::i18n::Ui;
use crate::web::views::{
    CounselorView, DayGroup, FormView, LISTING_DAYS, SessionCard, by_day, listing_response,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

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
        items: impl IntoIterator<Item = T>,
        selected: Option<String>,
        value: impl Fn(&T) -> String,
        text: impl Fn(&T) -> String,
    ) -> FilterSelect {
        let choices = items
            .into_iter()
            .map(|item| {
                let item = &item;
                let value = value(item);
                Choice { selected: selected.as_deref() == Some(value.as_str()), label: text(item), value }
            })
            .collect();
        FilterSelect { name, label, choices }
    }
}

#[derive(Template)]
#[template(path = "public/sessions.html")]
pub struct SessionsPage {
    ui: Ui,
    days: Vec<DayGroup>,
    count: String,
    filtered: bool,
    filters: [FilterSelect; 4],
}

impl IntoResponse for SessionsPage {
    fn into_response(self) -> Response {
        listing_response(&self, &self.days)
    }
}

/// The hottest page: on most requests no query at all (the listings' reads are kept for a
/// second, see `store::listings`), and at most three on one connection each.
pub async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Query(query): Query<FilterQuery>,
) -> Result<SessionsPage, AppError> {
    let filter = query.to_filter();
    let now = state.clock.now();
    let until = now + Duration::days(LISTING_DAYS);
    let upcoming = state.listings.upcoming(&state.pool, now, until, &filter).await?;
    let catalog = state.listings.catalog(&state.pool).await?;
    let found = upcoming.between(now, until);

    let cards: Vec<_> = found.map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    let count = (ui.m.sessions_count)(cards.len());
    // Days offered in the filter: the listing's window, in the first clinic's time zone (with
    // no clinic there is nothing to list, and any zone will do).
    let tz: chrono_tz::Tz = catalog.active_clinics().next().map_or(chrono_tz::UTC, |c| c.time_zone.0);
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
                catalog.active_clinics(),
                filter.clinic_id.map(|i| i.to_string()),
                |c: &&Clinic| c.id.to_string(),
                |c| c.name.clone(),
            ),
            FilterSelect::new(
                "topic",
                ui.m.filter_topic,
                catalog.active_topics(),
                filter.topic_id.map(|i| i.to_string()),
                |t: &&Topic| t.id.to_string(),
                |t| ui.pick(&t.name_en, &t.name_es).to_owned(),
            ),
            FilterSelect::new(
                "language",
                ui.m.filter_language,
                Language::ALL,
                filter.language.map(|l| l.code().to_owned()),
                |l| l.code().to_owned(),
                |l| (ui.m.language_names)(*l).to_owned(),
            ),
            FilterSelect::new(
                "day",
                ui.m.filter_day,
                days,
                filter.day.map(|d| d.to_string()),
                |d| d.to_string(),
                |d| ui.date_heading(*d),
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
    ui: Ui,
    session_id: i64,
    mut form: FormView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let summary = state.listings.session(&state.pool, session_id, now).await?.ok_or(AppError::NotFound)?;
    if form.input.language.is_empty() {
        // Someone joining a Spanish-language group most likely prefers Spanish.
        form.input.language = summary.language.code().to_owned();
    }
    let catalog = state.listings.catalog_where(&state.pool, |c| c.names_all_of(&summary)).await?;
    let clinic = catalog.clinic(summary.clinic_id).ok_or(AppError::NotFound)?.clone();
    let topic = catalog.topic(summary.topic_id).ok_or(AppError::NotFound)?.clone();
    let counselors = summary
        .counselors
        .iter()
        .filter_map(|lead| catalog.counselor(lead.id))
        .map(|c| CounselorView::new(ui, c.clone()))
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
    render_session_page(&state, ui, id, FormView::fresh(), StatusCode::OK).await
}
