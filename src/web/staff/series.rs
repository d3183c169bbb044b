//! Weekly groups (series): administrators create them, which schedules their sessions in
//! the clinic's time zone, and change them, which changes coming sessions only.

use super::auth::{Admin, CsrfForm, StaffUser};
use super::catalog_admin::{clinic_choices, counselor_choices};
use super::message_page::{PageWithMessage, page_with_message};
use crate::domain::Language;
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::Actor;
use crate::domain::schedule::WeeklySeries;
use crate::store::catalog::{self, Clinic};
use crate::store::schedule::{self, ChangeRefused, NewSeries, SeriesChange, SeriesRow};
use crate::web::error::AppError;
use crate::web::extract::{Path, Trimmed};
use crate::web::i18n::{Messages, Ui};
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;
use std::ops::RangeInclusive;

/// The form for a new weekly group (`counselor` repeats, one per ticked counselor).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewSeriesForm {
    clinic: Trimmed,
    topic: Trimmed,
    language: Trimmed,
    /// 0 for Monday to 6 for Sunday.
    weekday: Trimmed,
    local_start: Trimmed,
    duration: Trimmed,
    room_capacity: Trimmed,
    seats_per_counselor: Trimmed,
    first_date: Trimmed,
    last_date: Trimmed,
    counselor: CounselorIds,
}

/// The form that changes a weekly group's coming sessions.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SeriesChangeForm {
    local_start: Trimmed,
    duration: Trimmed,
    room_capacity: Trimmed,
    seats_per_counselor: Trimmed,
    last_date: Trimmed,
    counselor: CounselorIds,
}

/// The counselors ticked: their ids, each once, in order. A value that is no id is passed
/// over, as a box the page never offered.
#[derive(Default)]
struct CounselorIds(Vec<i64>);

impl<'de> Deserialize<'de> for CounselorIds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<CounselorIds, D::Error> {
        let mut ids: Vec<i64> =
            Vec::<String>::deserialize(deserializer)?.iter().filter_map(|v| v.parse().ok()).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(CounselorIds(ids))
    }
}

/// Why a weekly group's form was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormRefused {
    /// A field is missing or out of its range (the page names no field: as it always has).
    Invalid,
    NoCounselor,
    LastBeforeFirst,
}

impl FormRefused {
    fn message(self, m: &Messages) -> String {
        match self {
            FormRefused::Invalid => m.series_invalid,
            FormRefused::NoCounselor => m.series_no_counselor,
            FormRefused::LastBeforeFirst => m.series_last_before_first,
        }
        .to_owned()
    }
}

const DURATION_MINUTES: RangeInclusive<i32> = 15..=480;
const ROOM_CAPACITY: RangeInclusive<i32> = 1..=500;
const SEATS_PER_COUNSELOR: RangeInclusive<i32> = 1..=100;

fn number(raw: &Trimmed, range: RangeInclusive<i32>) -> Option<i32> {
    raw.as_str().parse().ok().filter(|n| range.contains(n))
}

fn minutes(raw: &Trimmed) -> Option<Duration> {
    number(raw, DURATION_MINUTES).map(|n| Duration::minutes(i64::from(n)))
}

fn weekday(raw: &Trimmed) -> Option<Weekday> {
    Weekday::try_from(u8::try_from(number(raw, 0..=6)?).ok()?).ok()
}

fn time(raw: &Trimmed) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw.as_str(), "%H:%M").ok()
}

fn date(raw: &Trimmed) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.as_str(), "%Y-%m-%d").ok()
}

impl NewSeriesForm {
    /// The clinic the form names, to be looked up: its time zone places the sessions.
    fn clinic_id(&self) -> Option<i64> {
        self.clinic.as_str().parse().ok()
    }

    /// The weekly group the form describes, in `clinic` (the one it names, when it exists).
    fn parse(&self, clinic: Option<&Clinic>) -> Result<NewSeries<'_>, FormRefused> {
        let new = self.read(clinic).ok_or(FormRefused::Invalid)?;
        if new.counselor_ids.is_empty() {
            return Err(FormRefused::NoCounselor);
        }
        if new.schedule.last_date < new.schedule.first_date {
            return Err(FormRefused::LastBeforeFirst);
        }
        Ok(new)
    }

    fn read(&self, clinic: Option<&Clinic>) -> Option<NewSeries<'_>> {
        let clinic = clinic?;
        Some(NewSeries {
            clinic_id: clinic.id,
            topic_id: self.topic.as_str().parse().ok()?,
            language: Language::from_code(self.language.as_str())?,
            schedule: WeeklySeries {
                weekday: weekday(&self.weekday)?,
                local_start: time(&self.local_start)?,
                duration: minutes(&self.duration)?,
                first_date: date(&self.first_date)?,
                last_date: date(&self.last_date)?,
                time_zone: clinic.time_zone.0,
            },
            room_capacity: number(&self.room_capacity, ROOM_CAPACITY)?,
            seats_per_counselor: number(&self.seats_per_counselor, SEATS_PER_COUNSELOR)?,
            counselor_ids: &self.counselor.0,
        })
    }
}

impl SeriesChangeForm {
    /// The change the form asks for. Whether it leaves the group a counselor and ends after it
    /// began is the store's to say: it knows the group's first date.
    fn parse(&self) -> Result<SeriesChange, FormRefused> {
        self.read().ok_or(FormRefused::Invalid)
    }

    fn read(&self) -> Option<SeriesChange> {
        Some(SeriesChange {
            local_start: time(&self.local_start)?,
            duration: minutes(&self.duration)?,
            room_capacity: number(&self.room_capacity, ROOM_CAPACITY)?,
            seats_per_counselor: number(&self.seats_per_counselor, SEATS_PER_COUNSELOR)?,
            last_date: date(&self.last_date)?,
            counselor_ids: self.counselor.0.clone(),
        })
    }
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
        "{} · {} {} · {} min · {} · {} · {} – {} · {}",
        r.topic_name_en,
        ui.m.weekdays[r.weekday.clamp(0, 6) as usize],
        ui.time(&r.local_start),
        r.duration_minutes,
        r.clinic_name,
        (ui.m.language_names)(r.language),
        r.first_date,
        r.last_date,
        (ui.m.series_scheduled_through)(
            r.scheduled_through.map(|at| ui.date(at.with_timezone(&r.time_zone.0).date_naive())).as_deref()
        )
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
        topics: catalog::active_topics(&mut conn).await?.into_iter().map(|t| (t.id, t.name_en)).collect(),
        counselors: counselor_choices(&mut conn).await?,
        today: state.clock.now().date_naive().to_string(),
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
    CsrfForm(form): CsrfForm<NewSeriesForm>,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let clinic = match form.clinic_id() {
        Some(id) => catalog::clinic(&mut conn, id).await?,
        None => None,
    };
    let new = match form.parse(clinic.as_ref()) {
        Ok(new) => new,
        Err(refused) => {
            drop(conn);
            let page = series_page(&state, ui, user).await?;
            return Ok(page_with_message(page, refused.message(ui.m), StatusCode::UNPROCESSABLE_ENTITY));
        }
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
    schedule::generate_ahead(&mut tx, id, &new, state.clock.now(), state.horizon).await?;
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
    CsrfForm(form): CsrfForm<SeriesChangeForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let change = match form.parse() {
        Ok(change) => change,
        Err(refused) => {
            let page = edit_page(&state, ui, user, id).await?;
            return Ok(page_with_message(page, refused.message(ui.m), StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let actor = Actor::Staff(user.staff_id);
    // The change and its audit entry stand or fall together; a refused change keeps nothing.
    let outcome = {
        let mut tx = state.pool.begin().await?;
        let outcome = schedule::change_series(&mut tx, id, &change, actor, state.clock.now(), state.horizon)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ClinicZone;

    fn clinic() -> Clinic {
        Clinic {
            id: 7,
            name: "Fontana Wellness Clinic".into(),
            short_name: "Fontana".into(),
            message_name: String::new(),
            address: String::new(),
            phone: String::new(),
            time_zone: ClinicZone(chrono_tz::America::Los_Angeles),
            hours_en: String::new(),
            hours_es: String::new(),
            intake_hours_en: String::new(),
            intake_hours_es: String::new(),
            medicare_note_en: String::new(),
            medicare_note_es: String::new(),
            active: true,
        }
    }

    /// A right form but for `changes` (a field's new value), with `counselors` ticked.
    fn form(changes: &[(&str, &str)], counselors: &[&'static str]) -> NewSeriesForm {
        let mut pairs = vec![
            ("clinic", "7"),
            ("topic", "3"),
            ("language", "es"),
            ("weekday", "2"),
            ("local_start", " 18:30"),
            ("duration", "90"),
            ("room_capacity", "12"),
            ("seats_per_counselor", "6"),
            ("first_date", "2030-01-07"),
            ("last_date", "2030-03-25"),
        ];
        for (name, value) in changes {
            pairs.iter_mut().filter(|(n, _)| n == name).for_each(|pair| pair.1 = value);
        }
        pairs.extend(counselors.iter().map(|id| ("counselor", *id)));
        serde_html_form::from_str(&serde_html_form::to_string(&pairs).unwrap()).unwrap()
    }

    #[test]
    fn a_new_group_form_reads_into_the_series_with_each_counselor_once() {
        let form = form(&[], &["9", "4", "9", "x"]);
        let clinic = clinic();
        let new = form.parse(Some(&clinic)).map_err(|r| format!("{r:?}")).unwrap();
        assert_eq!((new.clinic_id, new.topic_id, new.language), (7, 3, Language::Es));
        assert_eq!(new.schedule.weekday, Weekday::Wed);
        assert_eq!(new.schedule.local_start, NaiveTime::from_hms_opt(18, 30, 0).unwrap());
        assert_eq!(new.schedule.duration, Duration::minutes(90));
        assert_eq!(new.schedule.time_zone, chrono_tz::America::Los_Angeles);
        assert_eq!((new.room_capacity, new.seats_per_counselor), (12, 6));
        assert_eq!(new.counselor_ids, [4, 9]);
    }

    #[test]
    fn a_new_group_form_is_refused_for_a_bad_field_first_then_no_counselor_then_dates_out_of_order() {
        let clinic = clinic();
        let refused =
            |changes: &[(&str, &str)], counselors, clinic| form(changes, counselors).parse(clinic).err();
        let (one, none, early) = (&["4"][..], &[][..], ("last_date", "2029-01-01"));
        assert_eq!(refused(&[], one, None), Some(FormRefused::Invalid), "no such clinic");
        assert_eq!(refused(&[("duration", "14")], one, Some(&clinic)), Some(FormRefused::Invalid));
        assert_eq!(refused(&[("weekday", "7")], one, Some(&clinic)), Some(FormRefused::Invalid));
        assert_eq!(refused(&[("language", "fr")], one, Some(&clinic)), Some(FormRefused::Invalid));
        assert_eq!(refused(&[("duration", "481"), early], none, Some(&clinic)), Some(FormRefused::Invalid));
        assert_eq!(refused(&[early], none, Some(&clinic)), Some(FormRefused::NoCounselor));
        assert_eq!(refused(&[early], one, Some(&clinic)), Some(FormRefused::LastBeforeFirst));
        assert_eq!(refused(&[], one, Some(&clinic)), None);
    }

    #[test]
    fn a_change_form_reads_into_the_change_and_leaves_the_counselor_rule_to_the_store() {
        let body =
            "local_start=07:05&duration=15&room_capacity=500&seats_per_counselor=100&last_date=2030-02-01";
        let form: SeriesChangeForm = serde_html_form::from_str(body).unwrap();
        let change = form.parse().map_err(|r| format!("{r:?}")).unwrap();
        assert_eq!(change.local_start, NaiveTime::from_hms_opt(7, 5, 0).unwrap());
        assert_eq!((change.room_capacity, change.seats_per_counselor), (500, 100));
        assert!(change.counselor_ids.is_empty());
        let late: SeriesChangeForm = serde_html_form::from_str(&body.replace("07:05", "7pm")).unwrap();
        assert_eq!(late.parse().err(), Some(FormRefused::Invalid));
    }
}
