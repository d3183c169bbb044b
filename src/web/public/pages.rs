//! The home page and the privacy notice.

use crate::store::catalog::Clinic;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    ui: Ui,
    clinics: Vec<Clinic>,
}

pub async fn home(State(state): State<AppState>, ui: Ui) -> Result<HomePage, AppError> {
    let catalog = state.listings.catalog(&state.pool).await?;
    Ok(HomePage { ui, clinics: catalog.active_clinics().cloned().collect() })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/privacy.html")]
pub struct PrivacyPage {
    ui: Ui,
}

pub async fn privacy(ui: Ui) -> PrivacyPage {
    PrivacyPage { ui }
}
