//! Closures: an administrator closes clinics for a day (a holiday). The page first shows what
//! it would cancel and whom to call; only a second, confirmed post closes them.

use super::admin::call_lines;
use super::auth::{Admin, CsrfForm, StaffUser};
use crate::domain::audit::{AuditAction, RecordType};
use crate::store::{catalog, closures, sessions};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::i18n::Ui;
use crate::web::views::SessionCard;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

/// The closure form as posted (`clinic` repeats, one per ticked clinic).
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClosureForm {
    date: String,
    clinic: Vec<String>,
    reason: String,
    /// "yes" on the second post, once the administrator has seen what it cancels.
    confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/closures.html")]
pub struct ClosuresPage {
    ui: Ui,
    user: StaffUser,
    /// Every clinic, retired ones too (their groups may still be scheduled): (id, name, ticked).
    clinics: Vec<(i64, String, bool)>,
    date: String,
    reason: String,
    /// Closures from today on: (date, clinic, reason).
    upcoming: Vec<(String, String, String)>,
    preview: Option<Preview>,
    message: Option<String>,
}

/// What a closure would cancel, shown before it is confirmed.
pub struct Preview {
    /// The clinics ticked, sent again with the confirmation.
    clinic_ids: Vec<i64>,
    groups: Vec<String>,
    /// Who to call first: (name, phone, status).
    call_list: Vec<(String, String, &'static str)>,
}

async fn page(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    form: &ClosureForm,
    preview: Option<Preview>,
    message: Option<String>,
) -> Result<ClosuresPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let ticked: Vec<i64> = form.clinic.iter().filter_map(|c| c.parse().ok()).collect();
    let clinics = catalog::clinics(&mut conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name, ticked.contains(&c.id)))
        .collect();
    let today = state.clock.now().date_naive();
    let upcoming = closures::upcoming(&mut conn, today)
        .await?
        .into_iter()
        .map(|c| (ui.date(c.on_date), c.clinic_name, c.reason))
        .collect();
    Ok(ClosuresPage {
        ui,
        user,
        clinics,
        date: form.date.clone(),
        reason: form.reason.clone(),
        upcoming,
        preview,
        message,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
) -> Result<ClosuresPage, AppError> {
    page(&state, ui, user, &ClosureForm::default(), None, None).await
}

/// What the form asks for, checked: the date, the clinics (known ones, each once) and why.
struct Checked {
    on_date: NaiveDate,
    clinic_ids: Vec<i64>,
    reason: String,
}

/// The form checked, or the message saying what is missing.
async fn check(
    state: &AppState,
    ui: Ui,
    form: &ClosureForm,
) -> Result<Result<Checked, &'static str>, AppError> {
    // Today somewhere: a clinic's local date may still be yesterday's in UTC (only groups that
    // have not begun are cancelled, whatever the date).
    let today = state.clock.now().date_naive() - chrono::Duration::days(1);
    let Some(on_date) = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok().filter(|d| *d >= today)
    else {
        return Ok(Err(ui.m.closure_date_needed));
    };
    let known: Vec<i64> =
        catalog::clinics(&mut *state.pool.acquire().await?).await?.into_iter().map(|c| c.id).collect();
    let mut clinic_ids: Vec<i64> =
        form.clinic.iter().filter_map(|c| c.parse().ok()).filter(|id| known.contains(id)).collect();
    clinic_ids.sort_unstable();
    clinic_ids.dedup();
    if clinic_ids.is_empty() {
        return Ok(Err(ui.m.closure_clinic_needed));
    }
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Ok(Err(ui.m.admin_reason_required));
    }
    Ok(Ok(Checked { on_date, clinic_ids, reason }))
}

/// The first post shows what the closure would cancel and whom to call (the list's view is
/// audited); the confirmed one closes the clinics and cancels those groups, audited with them.
pub async fn close(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    CsrfForm(form): CsrfForm<ClosureForm>,
) -> Result<Response, AppError> {
    let checked = match check(&state, ui, &form).await? {
        Ok(checked) => checked,
        Err(message) => {
            let page = page(&state, ui, user, &form, None, Some(message.to_owned())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let now = state.clock.now();
    if form.confirm != "yes" {
        let mut conn = state.pool.acquire().await?;
        let groups = closures::groups_on(&mut conn, checked.on_date, &checked.clinic_ids, now).await?;
        let mut shown = Vec::new();
        for &group in &groups {
            if let Some(summary) = sessions::summary(&mut conn, group).await? {
                let card = SessionCard::new(ui, &summary, now, state.booking.cutoff);
                shown.push(format!(
                    "{} · {} · {} · {}",
                    card.when(),
                    card.topic_name,
                    card.clinic_name,
                    card.seats_text
                ));
            }
        }
        let call_list = call_lines(&mut conn, ui, &user, &groups).await?;
        drop(conn);
        let preview = Preview { clinic_ids: checked.clinic_ids, groups: shown, call_list };
        return Ok(page(&state, ui, user, &form, Some(preview), None).await?.into_response());
    }
    // The closure and its audit entries stand or fall together.
    let mut tx = state.pool.begin().await?;
    let (closed, cancelled) =
        closures::close(&mut tx, checked.on_date, &checked.clinic_ids, &checked.reason, user.staff_id, now)
            .await?;
    // What changed is audited: a clinic closed that day already is not closed again.
    for &clinic in &closed {
        user.audit(&mut tx, AuditAction::ClinicClosed, Some((RecordType::Clinic, clinic))).await?;
    }
    for &group in &cancelled {
        user.audit(&mut tx, AuditAction::SessionCancelled, Some((RecordType::Session, group))).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to("/staff/admin/closures").into_response())
}
