//! Each role's home under `/staff`.

use super::auth::StaffUser;
use crate::domain::staff::StaffRole;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    ui: Ui,
    user: StaffUser,
    signed_in_as: String,
    works_queue: bool,
    leads_groups: bool,
    is_admin: bool,
}

pub async fn home(ui: Ui, user: StaffUser) -> HomePage {
    let signed_in_as = (ui.m.staff_signed_in_as)(&user.email, (ui.m.staff_role_name)(user.role));
    let works_queue = matches!(user.role, StaffRole::Intake | StaffRole::Admin);
    let leads_groups = user.role == StaffRole::Counselor;
    let is_admin = user.role == StaffRole::Admin;
    HomePage { ui, user, signed_in_as, works_queue, leads_groups, is_admin }
}

/// Anything else under /staff: signed-in staff get a 404, anyone else the login page.
pub async fn unknown(_user: StaffUser) -> AppError {
    AppError::NotFound
}
