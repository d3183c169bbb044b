//! Who leads the groups: a page listing the counselors, and one per counselor.

use super::parse_id;
use crate::store::sessions::SessionFilter;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::views::{CounselorView, DayGroup, LISTING_DAYS, SessionCard, by_day, listing_response};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Duration;

#[derive(Template, WebTemplate)]
#[template(path = "public/counselors.html")]
pub struct CounselorsPage {
    ui: Ui,
    counselors: Vec<CounselorView>,
}

pub async fn list(State(state): State<AppState>, ui: Ui) -> Result<CounselorsPage, AppError> {
    let catalog = state.listings.catalog(&state.pool).await?;
    let counselors = catalog.active_counselors().map(|c| CounselorView::new(ui, c.clone())).collect();
    Ok(CounselorsPage { ui, counselors })
}

#[derive(Template)]
#[template(path = "public/counselor.html")]
pub struct CounselorPage {
    ui: Ui,
    c: CounselorView,
    days: Vec<DayGroup>,
}

impl IntoResponse for CounselorPage {
    fn into_response(self) -> Response {
        listing_response(&self, &self.days)
    }
}

pub async fn detail(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<CounselorPage, AppError> {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    // The kept catalog, as it is: an id it lacks is not found. Reading it again for any id a
    // visitor makes up would send every such request to the database; a counselor added on
    // the other instance shows within a second all the same (`listings::FRESH_FOR`).
    let catalog = state.listings.catalog(&state.pool).await?;
    let counselor = catalog.counselor(id).filter(|c| c.active).ok_or(AppError::NotFound)?.clone();
    let filter = SessionFilter { counselor_id: Some(id), ..SessionFilter::default() };
    let until = now + Duration::days(LISTING_DAYS);
    let upcoming = state.listings.upcoming(&state.pool, now, until, &filter).await?;
    let cards =
        upcoming.between(now, until).map(|s| SessionCard::new(ui, s, now, state.booking.cutoff)).collect();
    Ok(CounselorPage { ui, c: CounselorView::new(ui, counselor), days: by_day(ui, cards) })
}
