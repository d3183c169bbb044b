//! The staff side: everything under `/staff`. Every page here needs a signed-in staff member
//! ([`auth::StaffUser`]); anyone else is sent to the login page.

mod admin;
pub mod auth;
mod catalog_admin;
mod closures;
mod counselor;
mod home;
mod intake;
mod login;
mod message_page;
mod patients;
mod second_factor;
mod series;

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(home::home))
        .route(
            "/staff/login",
            get(login::form)
                .post(login::submit)
                .layer(axum::middleware::map_response(crate::web::changes_nothing)),
        )
        .route("/staff/logout", post(login::logout))
        .route("/staff/my-sessions", get(counselor::my_sessions))
        .route("/staff/my-calendar", post(counselor::make_feed))
        .route("/staff/my-calendar/stop", post(counselor::stop_feed))
        .route("/calendar/{file}", get(counselor::feed))
        .route("/staff/sessions/{id}/roster", get(counselor::roster))
        .route("/staff/sessions/{id}/attendance", post(counselor::attendance))
        .route("/staff/sessions/{id}/walk-in", post(counselor::walk_in))
        .route("/staff/sessions/{id}/sign-in-sheet", get(counselor::sign_in_sheet))
        .route("/staff/admin/sessions", get(admin::sessions_list))
        .route("/staff/admin/sessions/{id}", get(admin::session))
        .route("/staff/admin/sessions/{id}/cancel", post(admin::cancel_session))
        .route("/staff/admin/sessions/{id}/counselors", post(admin::add_counselor))
        .route("/staff/admin/sessions/{id}/counselors/{counselor}/remove", post(admin::remove_counselor))
        .route("/staff/admin/staff", get(admin::staff_list).post(admin::create_staff))
        .route("/staff/admin/staff/{id}/deactivate", post(admin::deactivate_staff))
        .route("/staff/admin/staff/{id}/access", post(admin::change_access))
        .route("/staff/admin/staff/{id}/password", post(admin::reset_password))
        .route("/staff/admin/settings", post(admin::save_settings))
        .route("/staff/admin/audit", get(admin::audit_log).post(admin::audit_search))
        .route("/staff/admin/messages", get(admin::messages))
        .route("/staff/admin/messages/{id}/retry", post(admin::retry_message))
        .route("/staff/admin/catalog/{kind}", get(catalog_admin::list).post(catalog_admin::create))
        .route("/staff/admin/catalog/{kind}/{id}", post(catalog_admin::update))
        .route("/staff/admin/closures", get(closures::list).post(closures::close))
        .route("/staff/admin/series", get(series::list).post(series::create))
        .route("/staff/admin/series/{id}", get(series::edit).post(series::change))
        .route("/staff/intake", get(intake::queue))
        .route("/staff/intake/find", get(intake::find_form).post(intake::find))
        .route("/staff/intake/requests/{id}", get(intake::request))
        .route("/staff/intake/requests/{id}/contact", post(intake::contact))
        .route("/staff/intake/requests/{id}/resend", post(intake::resend))
        .route("/staff/intake/requests/{id}/move", post(intake::move_booking))
        .route("/staff/intake/requests/{id}/end-weekly", post(intake::end_weekly))
        .route("/staff/intake/requests/{id}/answers", post(intake::answers))
        .route("/staff/intake/requests/{id}/patient", post(patients::create))
        .route("/staff/intake/requests/{id}/patient/link", post(patients::link))
        .route("/staff/intake/patients/{id}", get(patients::show))
        .route("/staff/intake/patients/{id}/merge", post(patients::merge))
        .route("/staff/intake/phone-booking", get(intake::phone_booking_form).post(intake::phone_booking))
        .route("/staff/intake/requests/{id}/{action}", post(intake::decide))
        .route(auth::ENROLL_PATH, get(second_factor::show).post(second_factor::confirm))
        .route("/staff/{*rest}", get(home::unknown).post(home::unknown))
}

#[cfg(test)]
mod tests {
    /// Every module's source, by the name the router uses for it.
    const MODULES: [(&str, &str); 10] = [
        ("admin", include_str!("admin.rs")),
        ("catalog_admin", include_str!("catalog_admin.rs")),
        ("closures", include_str!("closures.rs")),
        ("counselor", include_str!("counselor.rs")),
        ("home", include_str!("home.rs")),
        ("intake", include_str!("intake.rs")),
        ("login", include_str!("login.rs")),
        ("patients", include_str!("patients.rs")),
        ("second_factor", include_str!("second_factor.rs")),
        ("series", include_str!("series.rs")),
    ];

    /// The arguments of `module::handler`, from `pub async fn handler(` to its return type.
    fn signature(module: &str, handler: &str) -> &'static str {
        let source = MODULES.iter().find(|(m, _)| *m == module).unwrap_or_else(|| panic!("{module}")).1;
        let start =
            source.find(&format!("pub async fn {handler}(")).unwrap_or_else(|| panic!("{module}::{handler}"));
        // The arguments end at the first `) ->` (a return type) or `) {` (none).
        let rest = &source[start..];
        let end = start + [rest.find(") ->"), rest.find(") {")].into_iter().flatten().min().unwrap();
        &source[start..end]
    }

    /// Walks the router's routes: every handler that takes a POST names the extractor that
    /// checks the session's CSRF token and one that says who may post, so a new form can
    /// forget neither. The login form (no session yet: a double-submit token of its own) and
    /// the catch-all 404 are the exceptions.
    #[test]
    fn every_post_handler_under_staff_checks_the_csrf_token_in_its_signature() {
        let router = include_str!("mod.rs");
        let routes = &router[router.find("pub fn router()").unwrap()..router.find("#[cfg(test)]").unwrap()];
        let posts: Vec<&str> = routes
            .match_indices("post(")
            .map(|(at, _)| {
                let rest = &routes[at + 5..];
                &rest[..rest.find(')').unwrap()]
            })
            .collect();
        assert!(posts.len() >= 20, "the router's POST routes are found: {posts:?}");
        for handler in posts {
            if matches!(handler, "login::submit" | "home::unknown") {
                continue;
            }
            let (module, name) = handler.split_once("::").unwrap();
            let args = signature(module, name);
            assert!(
                args.contains("CsrfForm<") || args.contains("EnrollingForm<"),
                "{handler} takes no CSRF form"
            );
            let who = ["Admin", "Intake", "Counselor", "RosterAccess", "Enrolling"];
            assert!(who.iter().any(|w| args.contains(*w)), "{handler} names no role");
        }
    }
}
