//! Each role's home under `/staff`.

use super::auth::StaffUser;
use super::intake::attention_counts;
use crate::domain::staff::StaffRole;
use crate::store::intake;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    ui: Ui,
    user: StaffUser,
    signed_in_as: String,
    works_queue: bool,
    leads_groups: bool,
    is_admin: bool,
    /// For those who work the queue: how many people to call, per reason, each a link to
    /// the worklist filtered to it: (code, words, count).
    to_call: Vec<(&'static str, &'static str, usize)>,
}

pub async fn home(State(state): State<AppState>, ui: Ui, user: StaffUser) -> Result<HomePage, AppError> {
    let signed_in_as = (ui.m.staff_signed_in_as)(&user.email, (ui.m.staff_role_name)(user.role));
    let to_call = match user.intake_scope() {
        Some(scope) => {
            let mut conn = state.pool.acquire().await?;
            let rows = intake::worklist(&mut conn, &scope, None, state.clock.now()).await?;
            attention_counts(&rows)
                .into_iter()
                .map(|(a, n)| (a.code(), (ui.m.attention_name)(a), n))
                .collect()
        }
        None => Vec::new(),
    };
    let works_queue = matches!(user.role, StaffRole::Intake | StaffRole::Admin);
    let leads_groups = user.role == StaffRole::Counselor;
    let is_admin = user.role == StaffRole::Admin;
    Ok(HomePage { ui, user, signed_in_as, works_queue, leads_groups, is_admin, to_call })
}

/// Anything else under /staff: signed-in staff get a 404, anyone else the login page.
pub async fn unknown(_user: StaffUser) -> AppError {
    AppError::NotFound
}
