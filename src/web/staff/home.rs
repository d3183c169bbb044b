//! Each role's home under `/staff`.

use super::auth::StaffUser;
use crate::store::intake;
use crate::store::sessions::{self, SessionFilter};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use crate::web::views::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::Duration;

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    ui: Ui,
    user: StaffUser,
    signed_in_as: String,
    /// For those who work the queue (none for a counselor): how many people to call, per reason, each a link to
    /// the worklist filtered to it: (code, words, count).
    to_call: Vec<(&'static str, &'static str, i64)>,
    /// The groups meeting today (each clinic's today) that this member works with: their own
    /// for a counselor, their clinics' for intake, all for an administrator.
    today: Vec<(SessionCard, String)>,
}

pub async fn home(State(state): State<AppState>, ui: Ui, user: StaffUser) -> Result<HomePage, AppError> {
    let signed_in_as = (ui.m.staff_signed_in_as)(&user.email, (ui.m.staff_role_name)(user.role));
    let to_call = match user.intake_scope() {
        Some(scope) => {
            let mut conn = state.pool.acquire().await?;
            let clinics = intake::worklist_clinics(&scope, None);
            let counts = state.listings.worklist_counts(&mut conn, clinics, state.clock.now()).await?;
            counts.iter().map(|(a, n)| (a.code(), (ui.m.attention_name)(*a), *n)).collect()
        }
        None => Vec::new(),
    };
    let now = state.clock.now();
    let filter = SessionFilter { counselor_id: user.counselor_id, ..SessionFilter::default() };
    let scope = user.intake_scope();
    let mut conn = state.pool.acquire().await?;
    // A day either side covers every clinic's today, whatever its time zone.
    let near =
        sessions::upcoming(&mut conn, now - Duration::days(1), now + Duration::days(1), &filter).await?;
    drop(conn);
    let today = near
        .iter()
        .filter(|s| {
            s.starts_at.with_timezone(&s.time_zone()).date_naive()
                == now.with_timezone(&s.time_zone()).date_naive()
        })
        .filter(|s| scope.as_ref().is_none_or(|scope| scope.includes(s.clinic_id)))
        .map(|s| (SessionCard::new(ui, s, now, state.booking.cutoff), (ui.m.booked_count)(s.held)))
        .collect();
    // The pages the role works in are in every staff page's header.
    Ok(HomePage { ui, user, signed_in_as, to_call, today })
}

/// Anything else under /staff: signed-in staff get a 404, anyone else the login page.
pub async fn unknown(_user: StaffUser) -> AppError {
    AppError::NotFound
}
