//! Who leads the groups: a page listing the counselors, and one per counselor.

use super::parse_id;
use crate::store::catalog;
use crate::store::sessions::{self, SessionFilter};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::views::{CounselorView, DayGroup, LISTING_DAYS, SessionCard, by_day};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::Duration;

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
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let counselor = catalog::counselor(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let filter = SessionFilter { counselor_id: Some(id), ..SessionFilter::default() };
    let upcoming = sessions::upcoming(&mut conn, now, now + Duration::days(LISTING_DAYS), &filter).await?;
    drop(conn);
    let cards = upcoming.iter().map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    Ok(CounselorPage { ui, c: CounselorView::new(ui, counselor), days: by_day(ui, cards) })
}
