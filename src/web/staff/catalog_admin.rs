//! Clinics, counselors and topics: what administrators add and change. One page per kind
//! lists every item with its own form, and a form for a new one; the fields of each kind are
//! described once ([`Kind::fields`]) and drive the page, the parsing and the checks.

use super::auth::{Admin, CsrfForm, StaffUser};
use super::message_page::{PageWithMessage, page_with_message};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::contact::{Phone, Problem};
use crate::domain::{ClinicZone, Language};
use crate::store::catalog::{self, NewClinic, NewCounselor, NewTopic};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::Path;
use crate::web::i18n::{Messages, Ui};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Clinics,
    Counselors,
    Topics,
}

impl Kind {
    /// What saving an item of this kind is called in the audit log (a change or a creation).
    fn audit_action(self, changed: bool) -> AuditAction {
        match (self, changed) {
            (Kind::Clinics, false) => AuditAction::ClinicsCreated,
            (Kind::Clinics, true) => AuditAction::ClinicsChanged,
            (Kind::Counselors, false) => AuditAction::CounselorsCreated,
            (Kind::Counselors, true) => AuditAction::CounselorsChanged,
            (Kind::Topics, false) => AuditAction::TopicsCreated,
            (Kind::Topics, true) => AuditAction::TopicsChanged,
        }
    }

    fn record_type(self) -> RecordType {
        match self {
            Kind::Clinics => RecordType::Clinic,
            Kind::Counselors => RecordType::Counselor,
            Kind::Topics => RecordType::Topic,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    /// One line, required, at most this many characters.
    Line(usize),
    /// Several lines, may be empty, at most this many characters.
    Text(usize),
    Phone,
    TimeZone,
    Languages,
    Active,
}

struct Field {
    name: &'static str,
    label: fn(&Messages) -> &'static str,
    input: Input,
}

const fn field(name: &'static str, label: fn(&Messages) -> &'static str, input: Input) -> Field {
    Field { name, label, input }
}

const CLINIC_FIELDS: &[Field] = &[
    field("name", |m| m.field_name, Input::Line(120)),
    field("short_name", |m| m.field_short_name, Input::Line(40)),
    field("address", |m| m.field_address, Input::Line(200)),
    field("phone", |m| m.field_phone, Input::Phone),
    field("time_zone", |m| m.field_time_zone, Input::TimeZone),
    field("hours_en", |m| m.field_hours_en, Input::Line(200)),
    field("hours_es", |m| m.field_hours_es, Input::Line(200)),
    field("intake_hours_en", |m| m.field_intake_hours_en, Input::Line(200)),
    field("intake_hours_es", |m| m.field_intake_hours_es, Input::Line(200)),
];
const COUNSELOR_FIELDS: &[Field] = &[
    field("name", |m| m.field_name, Input::Line(120)),
    field("credentials", |m| m.field_credentials, Input::Line(60)),
    field("bio_en", |m| m.field_bio_en, Input::Text(1000)),
    field("bio_es", |m| m.field_bio_es, Input::Text(1000)),
    field("languages", |m| m.field_languages, Input::Languages),
    field("active", |m| m.field_active, Input::Active),
];
const TOPIC_FIELDS: &[Field] = &[
    field("name_en", |m| m.field_name_en, Input::Line(120)),
    field("name_es", |m| m.field_name_es, Input::Line(120)),
    field("description_en", |m| m.field_description_en, Input::Text(1000)),
    field("description_es", |m| m.field_description_es, Input::Text(1000)),
];

impl Kind {
    fn parse(raw: &str) -> Result<Kind, AppError> {
        match raw {
            "clinics" => Ok(Kind::Clinics),
            "counselors" => Ok(Kind::Counselors),
            "topics" => Ok(Kind::Topics),
            _ => Err(AppError::NotFound),
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::Clinics => "clinics",
            Kind::Counselors => "counselors",
            Kind::Topics => "topics",
        }
    }

    fn title(self, m: &Messages) -> &'static str {
        match self {
            Kind::Clinics => m.catalog_clinics,
            Kind::Counselors => m.catalog_counselors,
            Kind::Topics => m.catalog_topics,
        }
    }

    fn fields(self) -> &'static [Field] {
        match self {
            Kind::Clinics => CLINIC_FIELDS,
            Kind::Counselors => COUNSELOR_FIELDS,
            Kind::Topics => TOPIC_FIELDS,
        }
    }

    /// Every item as (id, values in field order).
    async fn items(self, conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, Vec<String>)>> {
        Ok(match self {
            Kind::Clinics => catalog::clinics(conn)
                .await?
                .into_iter()
                .map(|c| {
                    let values = vec![
                        c.name,
                        c.short_name,
                        c.address,
                        c.phone,
                        c.time_zone.name().to_owned(),
                        c.hours_en,
                        c.hours_es,
                        c.intake_hours_en,
                        c.intake_hours_es,
                    ];
                    (c.id, values)
                })
                .collect(),
            Kind::Counselors => catalog::all_counselors(conn)
                .await?
                .into_iter()
                .map(|c| {
                    let languages = c.languages.iter().map(|l| l.code()).collect::<Vec<_>>().join(",");
                    let active = if c.active { "on" } else { "" }.to_owned();
                    (c.id, vec![c.name, c.credentials, c.bio_en, c.bio_es, languages, active])
                })
                .collect(),
            Kind::Topics => catalog::topics(conn)
                .await?
                .into_iter()
                .map(|t| (t.id, vec![t.name_en, t.name_es, t.description_en, t.description_es]))
                .collect(),
        })
    }

    /// Creates (no id) or changes an item from checked values. False: no item has the id.
    async fn save(self, conn: &mut PgConnection, id: Option<i64>, v: &[String]) -> sqlx::Result<Option<i64>> {
        match self {
            Kind::Clinics => {
                let c = NewClinic {
                    name: &v[0],
                    short_name: &v[1],
                    address: &v[2],
                    phone: &v[3],
                    time_zone: ClinicZone::parse(&v[4]).expect("checked by read()"),
                    hours_en: &v[5],
                    hours_es: &v[6],
                    intake_hours_en: &v[7],
                    intake_hours_es: &v[8],
                };
                match id {
                    None => catalog::create_clinic(conn, &c).await.map(Some),
                    Some(id) => Ok(catalog::update_clinic(conn, id, &c).await?.then_some(id)),
                }
            }
            Kind::Counselors => {
                let languages: Vec<Language> = v[4].split(',').filter_map(Language::from_code).collect();
                let c = NewCounselor {
                    name: &v[0],
                    credentials: &v[1],
                    bio_en: &v[2],
                    bio_es: &v[3],
                    languages: &languages,
                };
                match id {
                    None => catalog::create_counselor(conn, &c).await.map(Some),
                    Some(id) => {
                        Ok(catalog::update_counselor(conn, id, &c, v[5] == "on").await?.then_some(id))
                    }
                }
            }
            Kind::Topics => {
                let t =
                    NewTopic { name_en: &v[0], name_es: &v[1], description_en: &v[2], description_es: &v[3] };
                match id {
                    None => catalog::create_topic(conn, &t).await.map(Some),
                    Some(id) => Ok(catalog::update_topic(conn, id, &t).await?.then_some(id)),
                }
            }
        }
    }
}

/// Reads and checks a posted item: the values in field order, or the problems by field.
fn read(ui: Ui, kind: Kind, form: &[(String, String)]) -> (Vec<String>, Vec<Option<String>>) {
    fn all<'a>(form: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
        form.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.trim())
    }
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for f in kind.fields() {
        let raw = all(form, f.name).next().unwrap_or("").to_owned();
        let (value, problem) = match f.input {
            Input::Line(_) if raw.is_empty() => (raw, Some((ui.m.problem)(Problem::Required))),
            Input::Line(max) | Input::Text(max) if raw.chars().count() > max => {
                (raw, Some((ui.m.problem)(Problem::TooLong { max })))
            }
            Input::Line(_) | Input::Text(_) => (raw, None),
            Input::Phone => match Phone::parse(&raw) {
                Ok(phone) => (phone.to_string(), None),
                Err(p) => (raw, Some((ui.m.problem)(p))),
            },
            Input::TimeZone if raw.parse::<chrono_tz::Tz>().is_err() => {
                (raw, Some(ui.m.not_a_time_zone.to_owned()))
            }
            Input::TimeZone => (raw, None),
            Input::Languages => {
                let codes: Vec<&str> =
                    all(form, f.name).filter(|c| Language::from_code(c).is_some()).collect();
                (codes.join(","), None)
            }
            Input::Active => (if raw == "on" { "on" } else { "" }.to_owned(), None),
        };
        values.push(value);
        problems.push(problem);
    }
    (values, problems)
}

/// Every clinic as a form offers it to choose from: id and name.
pub(super) async fn clinic_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(catalog::clinics(conn).await?.into_iter().map(|c| (c.id, c.name)).collect())
}

/// Every active counselor as a form offers them to choose from: id and name.
pub(super) async fn counselor_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(catalog::active_counselors(conn).await?.into_iter().map(|c| (c.id, c.name)).collect())
}

pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    /// line, text, languages or active: how the template draws it.
    pub input: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// For the languages field: (code, name, checked).
    pub options: Vec<(&'static str, &'static str, bool)>,
}

pub struct ItemView {
    /// None: the form for a new item.
    pub id: Option<i64>,
    /// Shown unfolded: the new item's form, or one with problems.
    pub open: bool,
    pub heading: String,
    pub fields: Vec<FieldView>,
}

fn item_view(
    ui: Ui,
    kind: Kind,
    id: Option<i64>,
    values: &[String],
    problems: &[Option<String>],
) -> ItemView {
    let fields = kind
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let value = values.get(i).cloned().unwrap_or_default();
            let options = match f.input {
                Input::Languages => Language::ALL
                    .iter()
                    .map(|l| (l.code(), (ui.m.language_names)(*l), value.split(',').any(|c| c == l.code())))
                    .collect(),
                _ => Vec::new(),
            };
            FieldView {
                name: f.name,
                label: (f.label)(ui.m),
                input: match f.input {
                    Input::Text(_) => "text",
                    Input::Languages => "languages",
                    Input::Active => "active",
                    _ => "line",
                },
                error: problems.get(i).cloned().flatten(),
                value,
                options,
            }
        })
        .collect();
    let heading = match id {
        Some(_) => values.first().cloned().unwrap_or_default(),
        None => ui.m.catalog_new.to_owned(),
    };
    let open = id.is_none() || problems.iter().any(Option::is_some);
    ItemView { id, open, heading, fields }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/catalog.html")]
pub struct CatalogPage {
    ui: Ui,
    user: StaffUser,
    title: &'static str,
    path: &'static str,
    items: Vec<ItemView>,
}

/// The page of one kind: every stored item's form, then the new one's.
async fn catalog_page(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    kind: Kind,
) -> Result<CatalogPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let blank = vec![None; kind.fields().len()];
    let mut items: Vec<ItemView> = kind
        .items(&mut conn)
        .await?
        .iter()
        .map(|(id, values)| item_view(ui, kind, Some(*id), values, &blank))
        .collect();
    let fresh_defaults: Vec<String> = kind
        .fields()
        .iter()
        .map(|f| match f.input {
            Input::TimeZone => "America/Los_Angeles".to_owned(),
            Input::Active => "on".to_owned(),
            Input::Languages => "en".to_owned(),
            _ => String::new(),
        })
        .collect();
    items.push(item_view(ui, kind, None, &fresh_defaults, &blank));
    Ok(CatalogPage { ui, user, title: kind.title(ui.m), path: kind.path(), items })
}

impl PageWithMessage for CatalogPage {
    /// A posted form with its problems, in place of the form it was posted from.
    type Message = ItemView;

    fn set_message(&mut self, edited: ItemView) {
        if let Some(slot) = self.items.iter_mut().find(|i| i.id == edited.id) {
            *slot = edited;
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(kind): Path<String>,
) -> Result<CatalogPage, AppError> {
    catalog_page(&state, ui, user, Kind::parse(&kind)?).await
}

async fn save(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    kind: Kind,
    id: Option<i64>,
    form: &[(String, String)],
) -> Result<Response, AppError> {
    let (values, problems) = read(ui, kind, form);
    if problems.iter().any(Option::is_some) {
        let edited = item_view(ui, kind, id, &values, &problems);
        let page = catalog_page(state, ui, user, kind).await?;
        return Ok(page_with_message(page, edited, StatusCode::UNPROCESSABLE_ENTITY));
    }
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    let saved = kind.save(&mut conn, id, &values).await?.ok_or(AppError::NotFound)?;
    user.audit(&mut conn, kind.audit_action(id.is_some()), Some((kind.record_type(), saved))).await?;
    conn.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/catalog/{}", kind.path())).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(kind): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save(&state, ui, user, Kind::parse(&kind)?, None, &form).await
}

pub async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path((kind, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    save(&state, ui, user, Kind::parse(&kind)?, Some(id), &form).await
}
