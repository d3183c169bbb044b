//! Who leads the groups: a page listing the counselors, and one per counselor.

use super::parse_id;
use super::sessions::LISTING_DAYS;
use crate::store::catalog::{self, Counselor};
use crate::store::sessions::{self, SessionFilter};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::views::{DayGroup, SessionCard, by_day};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Duration, Utc};

/// The languages a counselor speaks, in the visitor's words.
fn languages_spoken(ui: Ui, c: &Counselor) -> String {
    c.languages.iter().map(|l| (ui.m.language_names)(*l)).collect::<Vec<_>>().join(", ")
}

pub struct CounselorView {
    pub counselor: Counselor,
    pub bio: String,
    pub languages: String,
}

impl CounselorView {
    pub fn new(ui: Ui, counselor: Counselor) -> CounselorView {
        CounselorView {
            bio: ui.pick(&counselor.bio_en, &counselor.bio_es).to_owned(),
            languages: languages_spoken(ui, &counselor),
            counselor,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/counselors.html")]
pub struct CounselorsPage {
    ui: Ui,
    counselors: Vec<CounselorView>,
}

pub async fn list(State(state): State<AppState>, ui: Ui) -> Result<CounselorsPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let counselors = catalog::active_counselors(&mut conn).await?;
    Ok(CounselorsPage { ui, counselors: counselors.into_iter().map(|c| CounselorView::new(ui, c)).collect() })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/counselor.html")]
pub struct CounselorPage {
    ui: Ui,
    c: CounselorView,
    days: Vec<DayGroup>,
}

pub async fn detail(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<CounselorPage, AppError> {
    let id = parse_id(&id)?;
    let now = Utc::now();
    let mut conn = state.pool.acquire().await?;
    let counselor = catalog::counselor(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let filter = SessionFilter { counselor_id: Some(id), ..SessionFilter::default() };
    let upcoming = sessions::upcoming(&mut conn, now, now + Duration::days(LISTING_DAYS), &filter).await?;
    drop(conn);
    let cards = upcoming.iter().map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    Ok(CounselorPage { ui, c: CounselorView::new(ui, counselor), days: by_day(ui, cards) })
}
