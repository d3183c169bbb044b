//! Weekly groups (series): administrators create them, which schedules their sessions in
//! the clinic's time zone, and change them, which changes coming sessions only.

use super::auth::{Admin, CsrfForm, StaffUser};
use super::catalog_admin::{clinic_choices, counselor_choices};
use super::message_page::{PageWithMessage, page_with_message};
use crate::domain::Language;
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::Actor;
use crate::domain::schedule::WeeklySeries;
use crate::store::catalog;
use crate::store::schedule::{self, ChangeRefused, GENERATE_WEEKS, NewSeries, SeriesChange, SeriesRow};
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::Ui;
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, NaiveTime, Utc, Weekday};

type Fields = Vec<(String, String)>;

fn value<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or("")
}

fn number(fields: &Fields, name: &str, range: std::ops::RangeInclusive<i32>) -> Option<i32> {
    value(fields, name).parse().ok().filter(|n| range.contains(n))
}

fn time(fields: &Fields, name: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(value(fields, name), "%H:%M").ok()
}

fn date(fields: &Fields, name: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value(fields, name), "%Y-%m-%d").ok()
}

fn counselors(fields: &Fields) -> Vec<i64> {
    let mut ids: Vec<i64> =
        fields.iter().filter(|(k, _)| k == "counselor").filter_map(|(_, v)| v.parse().ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub struct SeriesLine {
    pub id: i64,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/series.html")]
pub struct SeriesPage {
    ui: Ui,
    user: StaffUser,
    lines: Vec<SeriesLine>,
    clinics: Vec<(i64, String)>,
    topics: Vec<(i64, String)>,
    counselors: Vec<(i64, String)>,
    today: String,
    message: Option<String>,
}

fn describe(ui: Ui, r: &SeriesRow) -> String {
    format!(
        "{} · {} {} · {} min · {} · {} · {} – {}",
        r.topic_name_en,
        ui.m.weekdays[r.weekday.clamp(0, 6) as usize],
        (ui.m.format_time)(chrono::Timelike::hour(&r.local_start), chrono::Timelike::minute(&r.local_start)),
        r.duration_minutes,
        r.clinic_name,
        (ui.m.language_names)(r.language),
        r.first_date,
        r.last_date
    )
}

async fn series_page(state: &AppState, ui: Ui, user: StaffUser) -> Result<SeriesPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let series = schedule::list_series(&mut conn).await?;
    Ok(SeriesPage {
        ui,
        user,
        lines: series.iter().map(|r| SeriesLine { id: r.id, text: describe(ui, r) }).collect(),
        clinics: clinic_choices(&mut conn).await?,
        topics: catalog::topics(&mut conn).await?.into_iter().map(|t| (t.id, t.name_en)).collect(),
        counselors: counselor_choices(&mut conn).await?,
        today: Utc::now().date_naive().to_string(),
        message: None,
    })
}

impl PageWithMessage for SeriesPage {
    type Message = String;

    fn set_message(&mut self, message: String) {
        self.message = Some(message);
    }
}

pub async fn list(State(state): State<AppState>, ui: Ui, Admin(user): Admin) -> Result<SeriesPage, AppError> {
    series_page(&state, ui, user).await
}

pub async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let clinic = match value(&fields, "clinic").parse() {
        Ok(id) => catalog::clinic(&mut conn, id).await?,
        Err(_) => None,
    };
    let parsed = (|| {
        let clinic = clinic.as_ref()?;
        Some((
            clinic.id,
            value(&fields, "topic").parse::<i64>().ok()?,
            Language::from_code(value(&fields, "language"))?,
            Weekday::try_from(u8::try_from(number(&fields, "weekday", 0..=6)?).ok()?).ok()?,
            time(&fields, "local_start")?,
            number(&fields, "duration", 15..=480)?,
            number(&fields, "room_capacity", 1..=500)?,
            number(&fields, "seats_per_counselor", 1..=100)?,
            date(&fields, "first_date")?,
            date(&fields, "last_date")?,
            clinic.time_zone.0,
        ))
    })();
    let ids = counselors(&fields);
    let refusal = match &parsed {
        None => Some(ui.m.series_invalid.to_owned()),
        Some(_) if ids.is_empty() => Some(ui.m.series_no_counselor.to_owned()),
        Some(p) if p.9 < p.8 => Some(ui.m.series_last_before_first.to_owned()),
        Some(_) => None,
    };
    let (
        Some((clinic_id, topic_id, language, weekday, local_start, minutes, room, spc, first, last, tz)),
        None,
    ) = (parsed, refusal.clone())
    else {
        drop(conn);
        let page = series_page(&state, ui, user).await?;
        let message = refusal.unwrap_or_default();
        return Ok(page_with_message(page, message, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let new = NewSeries {
        clinic_id,
        topic_id,
        language,
        schedule: WeeklySeries {
            weekday,
            local_start,
            duration: Duration::minutes(i64::from(minutes)),
            first_date: first,
            last_date: last,
            time_zone: tz,
        },
        room_capacity: room,
        seats_per_counselor: spc,
        counselor_ids: &ids,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let created = schedule::create_series(&mut tx, &new).await;
    let id = match created {
        Ok(id) => id,
        // An unknown topic or counselor id: a form that was not ours.
        Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
            return Err(AppError::BadRequest);
        }
        Err(e) => return Err(e.into()),
    };
    let tomorrow = Utc::now().with_timezone(&tz).date_naive() + Duration::days(1);
    schedule::generate_sessions(&mut tx, id, &new, tomorrow, tomorrow + Duration::weeks(GENERATE_WEEKS))
        .await?;
    // The series, its sessions and the audit entry stand or fall together.
    user.audit(&mut tx, AuditAction::SeriesCreated, Some((RecordType::Series, id))).await?;
    tx.commit().await?;
    Ok(Redirect::to("/staff/admin/series").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/series_edit.html")]
pub struct EditPage {
    ui: Ui,
    user: StaffUser,
    series: SeriesRow,
    description: String,
    start: String,
    counselors: Vec<(i64, String, bool)>,
    message: Option<String>,
}

async fn edit_page(state: &AppState, ui: Ui, user: StaffUser, id: i64) -> Result<EditPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let series = schedule::series(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let counselors = catalog::active_counselors(&mut conn)
        .await?
        .into_iter()
        .map(|c| {
            let leads = series.counselor_ids.contains(&c.id);
            (c.id, c.name, leads)
        })
        .collect();
    Ok(EditPage {
        ui,
        user,
        description: describe(ui, &series),
        start: series.local_start.format("%H:%M").to_string(),
        series,
        counselors,
        message: None,
    })
}

impl PageWithMessage for EditPage {
    type Message = String;

    fn set_message(&mut self, message: String) {
        self.message = Some(message);
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
) -> Result<EditPage, AppError> {
    edit_page(&state, ui, user, parse_id(&id)?).await
}

pub async fn change(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Fields>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let parsed = (|| {
        Some(SeriesChange {
            local_start: time(&fields, "local_start")?,
            duration: Duration::minutes(i64::from(number(&fields, "duration", 15..=480)?)),
            room_capacity: number(&fields, "room_capacity", 1..=500)?,
            seats_per_counselor: number(&fields, "seats_per_counselor", 1..=100)?,
            last_date: date(&fields, "last_date")?,
            counselor_ids: counselors(&fields),
        })
    })();
    let Some(change) = parsed else {
        let page = edit_page(&state, ui, user, id).await?;
        return Ok(page_with_message(page, ui.m.series_invalid.to_owned(), StatusCode::UNPROCESSABLE_ENTITY));
    };
    let actor = Actor::Staff(user.staff_id);
    // The change and its audit entry stand or fall together; a refused change keeps nothing.
    let outcome = {
        let mut tx = state.pool.begin().await?;
        let outcome = schedule::change_series(&mut tx, id, &change, actor, Utc::now())
            .await?
            .ok_or(AppError::NotFound)?;
        if outcome.is_ok() {
            user.audit(&mut tx, AuditAction::SeriesChanged, Some((RecordType::Series, id))).await?;
            tx.commit().await?;
        }
        outcome
    };
    let (message, status) = match outcome {
        Ok(done) => ((ui.m.series_saved)(done.updated, done.cancelled, done.created), StatusCode::OK),
        Err(ChangeRefused::NoCounselor) => {
            (ui.m.series_no_counselor.to_owned(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ChangeRefused::LastBeforeFirst) => {
            (ui.m.series_last_before_first.to_owned(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ChangeRefused::WouldStrand { held, seats, .. }) => {
            ((ui.m.series_would_strand)(held, seats), StatusCode::CONFLICT)
        }
    };
    Ok(page_with_message(edit_page(&state, ui, user, id).await?, message, status))
}
