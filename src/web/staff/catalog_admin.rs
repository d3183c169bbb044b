//! Clinics, counselors and topics: what administrators add and change. One page per kind
//! lists every item with its own form, and a form for a new one. Each kind's form is a type
//! ([`ClinicForm`], [`CounselorForm`], [`TopicForm`]) holding what was posted, or what is
//! stored, as the page shows it; its `parse` checks it field by field into what the store saves.

use super::auth::{Admin, CsrfForm, StaffUser};
use super::message_page::{PageWithMessage, page_with_message};
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::contact::{Phone, Problem};
use crate::domain::messages::indiscreet_word;
use crate::domain::{ClinicZone, Language};
use crate::store::catalog::{self, Clinic, Counselor, NewClinic, NewCounselor, NewTopic, Topic};
use crate::web::error::AppError;
use crate::web::extract::{Path, RawForm, Trimmed};
use crate::web::i18n::{Messages, Ui};
use crate::web::{AppState, parse_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Clinics,
    Counselors,
    Topics,
}

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

/// What is wrong with a posted form: for each field that is wrong, by its name, a message in
/// the user's language.
#[derive(Default)]
struct Problems(Vec<(&'static str, String)>);

impl Problems {
    /// Notes the problem `checked` found with `field`, if any.
    fn check(&mut self, field: &'static str, checked: Result<(), String>) {
        if let Err(problem) = checked {
            self.0.push((field, problem));
        }
    }

    /// The value `parsed` holds, or None with its problem noted against `field`.
    fn take<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|problem| self.0.push((field, problem))).ok()
    }

    fn about(&self, field: &str) -> Option<String> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, problem)| problem.clone())
    }

    fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// `form` checked (`checked` makes it what the store saves) when no field had a problem;
    /// else `form` refused with the problems.
    fn or_refuse<F, T>(self, form: F, checked: impl FnOnce(F) -> T) -> Result<T, Refused<F>> {
        if self.any() { Err(Refused { form, problems: self }) } else { Ok(checked(form)) }
    }
}

/// A form with a problem, kept to be shown again as it was posted.
struct Refused<F> {
    form: F,
    problems: Problems,
}

/// One line that must be filled in, at most `max` characters.
fn line(m: &Messages, value: &Trimmed, max: usize) -> Result<(), String> {
    if value.as_str().is_empty() {
        return Err((m.problem)(Problem::Required));
    }
    text(m, value, max)
}

/// Text that may be left empty, at most `max` characters.
fn text(m: &Messages, value: &Trimmed, max: usize) -> Result<(), String> {
    if value.as_str().chars().count() > max {
        return Err((m.problem)(Problem::TooLong { max }));
    }
    Ok(())
}

/// Text patients read in either language, at most `max` characters: it may be left empty only
/// when its other language is empty too (else a Spanish page would show English unasked).
fn translated(m: &Messages, value: &Trimmed, other_language: &Trimmed, max: usize) -> Result<(), String> {
    if value.as_str().is_empty() && !other_language.as_str().is_empty() {
        return Err((m.problem)(Problem::Required));
    }
    text(m, value, max)
}

/// One kind's form, and how its items are listed, checked and saved.
trait ItemForm: DeserializeOwned {
    const KIND: Kind;
    /// What [`ItemForm::parse`] makes of a form whose every field is right: what the store saves.
    type Checked;

    /// The form for a new item, as it first shows.
    fn blank() -> Self;
    /// The item's name, its form's heading.
    fn heading(&self) -> &str;
    /// The fields in the page's order, with their values and any problem noted against them.
    fn fields(&self, ui: Ui, problems: &Problems) -> Vec<FieldView>;
    /// Checks every field: what the store saves, or the form with each wrong field's problem.
    fn parse(self, m: &Messages) -> Result<Self::Checked, Refused<Self>>;
    /// Every stored item, with its id, as its form.
    async fn stored(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, Self)>>;
    async fn create(conn: &mut PgConnection, checked: &Self::Checked) -> sqlx::Result<i64>;
    /// False: no item has the id.
    async fn update(conn: &mut PgConnection, id: i64, checked: &Self::Checked) -> sqlx::Result<bool>;
}

/// What messages call the clinic: optional, short, and free of any word that would tell a
/// reader of the patient's phone what the clinic treats.
fn neutral_name(m: &Messages, name: &Trimmed) -> Result<(), String> {
    text(m, name, 60)?;
    match indiscreet_word(name.as_str()) {
        Some(_) => Err(m.message_name_not_neutral.to_owned()),
        None => Ok(()),
    }
}

/// A clinic's form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ClinicForm {
    name: Trimmed,
    short_name: Trimmed,
    message_name: Trimmed,
    address: Trimmed,
    phone: Trimmed,
    time_zone: Trimmed,
    hours_en: Trimmed,
    hours_es: Trimmed,
    intake_hours_en: Trimmed,
    intake_hours_es: Trimmed,
    medicare_note_en: Trimmed,
    medicare_note_es: Trimmed,
    /// A checkbox: "on" when ticked.
    active: Trimmed,
}

/// Whether an "active" checkbox was ticked.
fn ticked(active: &Trimmed) -> bool {
    active.as_str() == "on"
}

fn checkbox(on: bool) -> Trimmed {
    if on { "on" } else { "" }.into()
}

/// A clinic's form once checked: its phone number and time zone parsed.
struct CheckedClinic {
    form: ClinicForm,
    /// The usual way, `(909) 555-0123`: as the public pages show it.
    phone: String,
    time_zone: ClinicZone,
    active: bool,
}

impl CheckedClinic {
    fn new_clinic(&self) -> NewClinic<'_> {
        let f = &self.form;
        NewClinic {
            name: f.name.as_str(),
            short_name: f.short_name.as_str(),
            message_name: f.message_name.as_str(),
            address: f.address.as_str(),
            phone: &self.phone,
            time_zone: self.time_zone,
            hours_en: f.hours_en.as_str(),
            hours_es: f.hours_es.as_str(),
            intake_hours_en: f.intake_hours_en.as_str(),
            intake_hours_es: f.intake_hours_es.as_str(),
            medicare_note_en: f.medicare_note_en.as_str(),
            medicare_note_es: f.medicare_note_es.as_str(),
        }
    }
}

impl From<Clinic> for ClinicForm {
    fn from(c: Clinic) -> ClinicForm {
        ClinicForm {
            name: c.name.into(),
            short_name: c.short_name.into(),
            message_name: c.message_name.into(),
            address: c.address.into(),
            phone: c.phone.into(),
            time_zone: c.time_zone.name().into(),
            hours_en: c.hours_en.into(),
            hours_es: c.hours_es.into(),
            intake_hours_en: c.intake_hours_en.into(),
            intake_hours_es: c.intake_hours_es.into(),
            medicare_note_en: c.medicare_note_en.into(),
            medicare_note_es: c.medicare_note_es.into(),
            active: checkbox(c.active),
        }
    }
}

impl ItemForm for ClinicForm {
    const KIND: Kind = Kind::Clinics;
    type Checked = CheckedClinic;

    fn blank() -> ClinicForm {
        ClinicForm {
            time_zone: "America/Los_Angeles".into(),
            active: checkbox(true),
            ..ClinicForm::default()
        }
    }

    fn heading(&self) -> &str {
        self.name.as_str()
    }

    fn fields(&self, ui: Ui, problems: &Problems) -> Vec<FieldView> {
        let m = ui.m;
        // A number that parses is shown again the usual way, as it will be saved.
        let phone =
            Phone::parse(self.phone.as_str()).map_or_else(|_| self.phone.clone(), |p| p.to_string().into());
        vec![
            FieldView::line("name", m.field_name, &self.name, problems),
            FieldView::line("short_name", m.field_short_name, &self.short_name, problems),
            FieldView::line("message_name", m.field_message_name, &self.message_name, problems),
            FieldView::line("address", m.field_address, &self.address, problems),
            FieldView::line("phone", m.field_phone, &phone, problems),
            FieldView::line("time_zone", m.field_time_zone, &self.time_zone, problems),
            FieldView::line("hours_en", m.field_hours_en, &self.hours_en, problems),
            FieldView::line("hours_es", m.field_hours_es, &self.hours_es, problems),
            FieldView::line("intake_hours_en", m.field_intake_hours_en, &self.intake_hours_en, problems),
            FieldView::line("intake_hours_es", m.field_intake_hours_es, &self.intake_hours_es, problems),
            FieldView::line("medicare_note_en", m.field_medicare_note_en, &self.medicare_note_en, problems),
            FieldView::line("medicare_note_es", m.field_medicare_note_es, &self.medicare_note_es, problems),
            FieldView::active("active", m.field_active, ticked(&self.active)),
        ]
    }

    fn parse(self, m: &Messages) -> Result<CheckedClinic, Refused<ClinicForm>> {
        let mut problems = Problems::default();
        problems.check("name", line(m, &self.name, 120));
        problems.check("short_name", line(m, &self.short_name, 40));
        problems.check("message_name", neutral_name(m, &self.message_name));
        problems.check("address", line(m, &self.address, 200));
        let phone = problems.take("phone", Phone::parse(self.phone.as_str()).map_err(m.problem));
        let time_zone = problems.take(
            "time_zone",
            ClinicZone::parse(self.time_zone.as_str()).ok_or_else(|| m.not_a_time_zone.to_owned()),
        );
        problems.check("hours_en", line(m, &self.hours_en, 200));
        problems.check("hours_es", line(m, &self.hours_es, 200));
        problems.check("intake_hours_en", line(m, &self.intake_hours_en, 200));
        problems.check("intake_hours_es", line(m, &self.intake_hours_es, 200));
        problems.check("medicare_note_en", text(m, &self.medicare_note_en, 200));
        problems.check("medicare_note_es", text(m, &self.medicare_note_es, 200));
        let (Some(phone), Some(time_zone)) = (phone, time_zone) else {
            return Err(Refused { form: self, problems });
        };
        let active = ticked(&self.active);
        problems.or_refuse(self, |form| CheckedClinic { form, phone: phone.to_string(), time_zone, active })
    }

    async fn stored(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, ClinicForm)>> {
        Ok(catalog::clinics(conn).await?.into_iter().map(|c| (c.id, c.into())).collect())
    }

    async fn create(conn: &mut PgConnection, checked: &Self::Checked) -> sqlx::Result<i64> {
        catalog::create_clinic(conn, &checked.new_clinic()).await
    }

    async fn update(conn: &mut PgConnection, id: i64, checked: &Self::Checked) -> sqlx::Result<bool> {
        catalog::update_clinic(conn, id, &checked.new_clinic(), checked.active).await
    }
}

/// A counselor's form (`languages` repeats, one per ticked language).
#[derive(Default, Deserialize)]
#[serde(default)]
struct CounselorForm {
    name: Trimmed,
    credentials: Trimmed,
    bio_en: Trimmed,
    bio_es: Trimmed,
    languages: Vec<Trimmed>,
    /// A checkbox: "on" when ticked.
    active: Trimmed,
}

/// A counselor's form once checked: the languages they speak, and whether they are active.
struct CheckedCounselor {
    form: CounselorForm,
    languages: Vec<Language>,
    active: bool,
}

impl CheckedCounselor {
    fn new_counselor(&self) -> NewCounselor<'_> {
        let f = &self.form;
        NewCounselor {
            name: f.name.as_str(),
            credentials: f.credentials.as_str(),
            bio_en: f.bio_en.as_str(),
            bio_es: f.bio_es.as_str(),
            languages: &self.languages,
        }
    }
}

impl From<Counselor> for CounselorForm {
    fn from(c: Counselor) -> CounselorForm {
        CounselorForm {
            name: c.name.into(),
            credentials: c.credentials.into(),
            bio_en: c.bio_en.into(),
            bio_es: c.bio_es.into(),
            languages: c.languages.iter().map(|l| l.code().into()).collect(),
            active: checkbox(c.active),
        }
    }
}

impl ItemForm for CounselorForm {
    const KIND: Kind = Kind::Counselors;
    type Checked = CheckedCounselor;

    fn blank() -> CounselorForm {
        CounselorForm { languages: vec!["en".into()], active: checkbox(true), ..CounselorForm::default() }
    }

    fn heading(&self) -> &str {
        self.name.as_str()
    }

    fn fields(&self, ui: Ui, problems: &Problems) -> Vec<FieldView> {
        let m = ui.m;
        vec![
            FieldView::line("name", m.field_name, &self.name, problems),
            FieldView::line("credentials", m.field_credentials, &self.credentials, problems),
            FieldView::text("bio_en", m.field_bio_en, &self.bio_en, problems),
            FieldView::text("bio_es", m.field_bio_es, &self.bio_es, problems),
            FieldView::languages(ui, "languages", m.field_languages, &self.languages),
            FieldView::active("active", m.field_active, ticked(&self.active)),
        ]
    }

    fn parse(self, m: &Messages) -> Result<CheckedCounselor, Refused<CounselorForm>> {
        let mut problems = Problems::default();
        problems.check("name", line(m, &self.name, 120));
        problems.check("credentials", line(m, &self.credentials, 60));
        problems.check("bio_en", translated(m, &self.bio_en, &self.bio_es, 1000));
        problems.check("bio_es", translated(m, &self.bio_es, &self.bio_en, 1000));
        // A code that is no language is passed over, as a box the page never offered.
        let languages = self.languages.iter().filter_map(|code| Language::from_code(code.as_str())).collect();
        let active = ticked(&self.active);
        problems.or_refuse(self, |form| CheckedCounselor { form, languages, active })
    }

    async fn stored(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, CounselorForm)>> {
        Ok(catalog::all_counselors(conn).await?.into_iter().map(|c| (c.id, c.into())).collect())
    }

    /// A new counselor is active whatever the box says: they are added to lead groups.
    async fn create(conn: &mut PgConnection, checked: &Self::Checked) -> sqlx::Result<i64> {
        catalog::create_counselor(conn, &checked.new_counselor()).await
    }

    async fn update(conn: &mut PgConnection, id: i64, checked: &Self::Checked) -> sqlx::Result<bool> {
        catalog::update_counselor(conn, id, &checked.new_counselor(), checked.active).await
    }
}

/// A topic's form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct TopicForm {
    name_en: Trimmed,
    name_es: Trimmed,
    description_en: Trimmed,
    description_es: Trimmed,
    /// A checkbox: "on" when ticked.
    active: Trimmed,
}

/// A topic's form once checked: both names there, nothing too long.
struct CheckedTopic {
    form: TopicForm,
    active: bool,
}

impl CheckedTopic {
    fn new_topic(&self) -> NewTopic<'_> {
        let f = &self.form;
        NewTopic {
            name_en: f.name_en.as_str(),
            name_es: f.name_es.as_str(),
            description_en: f.description_en.as_str(),
            description_es: f.description_es.as_str(),
        }
    }
}

impl From<Topic> for TopicForm {
    fn from(t: Topic) -> TopicForm {
        TopicForm {
            name_en: t.name_en.into(),
            name_es: t.name_es.into(),
            description_en: t.description_en.into(),
            description_es: t.description_es.into(),
            active: checkbox(t.active),
        }
    }
}

impl ItemForm for TopicForm {
    const KIND: Kind = Kind::Topics;
    type Checked = CheckedTopic;

    fn blank() -> TopicForm {
        TopicForm { active: checkbox(true), ..TopicForm::default() }
    }

    fn heading(&self) -> &str {
        self.name_en.as_str()
    }

    fn fields(&self, ui: Ui, problems: &Problems) -> Vec<FieldView> {
        let m = ui.m;
        vec![
            FieldView::line("name_en", m.field_name_en, &self.name_en, problems),
            FieldView::line("name_es", m.field_name_es, &self.name_es, problems),
            FieldView::text("description_en", m.field_description_en, &self.description_en, problems),
            FieldView::text("description_es", m.field_description_es, &self.description_es, problems),
            FieldView::active("active", m.field_active, ticked(&self.active)),
        ]
    }

    fn parse(self, m: &Messages) -> Result<CheckedTopic, Refused<TopicForm>> {
        let mut problems = Problems::default();
        problems.check("name_en", line(m, &self.name_en, 120));
        problems.check("name_es", line(m, &self.name_es, 120));
        problems.check("description_en", translated(m, &self.description_en, &self.description_es, 1000));
        problems.check("description_es", translated(m, &self.description_es, &self.description_en, 1000));
        let active = ticked(&self.active);
        problems.or_refuse(self, |form| CheckedTopic { form, active })
    }

    async fn stored(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, TopicForm)>> {
        Ok(catalog::topics(conn).await?.into_iter().map(|t| (t.id, t.into())).collect())
    }

    async fn create(conn: &mut PgConnection, checked: &Self::Checked) -> sqlx::Result<i64> {
        catalog::create_topic(conn, &checked.new_topic()).await
    }

    async fn update(conn: &mut PgConnection, id: i64, checked: &Self::Checked) -> sqlx::Result<bool> {
        catalog::update_topic(conn, id, &checked.new_topic(), checked.active).await
    }
}

/// Every clinic in service as a form offers it to choose from: id and name.
pub(super) async fn clinic_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(catalog::active_clinics(conn).await?.into_iter().map(|c| (c.id, c.name)).collect())
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

impl FieldView {
    fn typed(name: &'static str, label: &'static str, input: &'static str, value: &Trimmed) -> FieldView {
        FieldView { name, label, input, value: value.as_str().to_owned(), error: None, options: Vec::new() }
    }

    /// One line of text.
    fn line(name: &'static str, label: &'static str, value: &Trimmed, problems: &Problems) -> FieldView {
        FieldView { error: problems.about(name), ..FieldView::typed(name, label, "line", value) }
    }

    /// Several lines of text.
    fn text(name: &'static str, label: &'static str, value: &Trimmed, problems: &Problems) -> FieldView {
        FieldView { error: problems.about(name), ..FieldView::typed(name, label, "text", value) }
    }

    /// A box for each language, ticked for the codes in `chosen`.
    fn languages(ui: Ui, name: &'static str, label: &'static str, chosen: &[Trimmed]) -> FieldView {
        let options = Language::ALL
            .iter()
            .map(|l| (l.code(), (ui.m.language_names)(*l), chosen.iter().any(|c| c.as_str() == l.code())))
            .collect();
        FieldView { options, ..FieldView::typed(name, label, "languages", &Trimmed::default()) }
    }

    /// One box, ticked when `on`.
    fn active(name: &'static str, label: &'static str, on: bool) -> FieldView {
        FieldView::typed(name, label, "active", &if on { "on" } else { "" }.into())
    }
}

pub struct ItemView {
    /// None: the form for a new item.
    pub id: Option<i64>,
    /// Shown unfolded: the new item's form, or one with problems.
    pub open: bool,
    pub heading: String,
    pub fields: Vec<FieldView>,
}

fn item_view<F: ItemForm>(ui: Ui, id: Option<i64>, form: &F, problems: &Problems) -> ItemView {
    let heading = match id {
        Some(_) => form.heading().to_owned(),
        None => ui.m.catalog_new.to_owned(),
    };
    let open = id.is_none() || problems.any();
    ItemView { id, open, heading, fields: form.fields(ui, problems) }
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

/// The page of kind `F`: every stored item's form, then the new one's.
async fn catalog_page<F: ItemForm>(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
) -> Result<CatalogPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let none = Problems::default();
    let mut items: Vec<ItemView> =
        F::stored(&mut conn).await?.iter().map(|(id, form)| item_view(ui, Some(*id), form, &none)).collect();
    items.push(item_view(ui, None, &F::blank(), &none));
    Ok(CatalogPage { ui, user, title: F::KIND.title(ui.m), path: F::KIND.path(), items })
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
    match Kind::parse(&kind)? {
        Kind::Clinics => catalog_page::<ClinicForm>(&state, ui, user).await,
        Kind::Counselors => catalog_page::<CounselorForm>(&state, ui, user).await,
        Kind::Topics => catalog_page::<TopicForm>(&state, ui, user).await,
    }
}

/// Saves a form of kind `F`: a new item (no id) or item `id`; a form with problems is shown
/// again as posted, each problem beside its field.
async fn save<F: ItemForm>(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    id: Option<i64>,
    form: F,
) -> Result<Response, AppError> {
    let checked = match form.parse(ui.m) {
        Ok(checked) => checked,
        Err(Refused { form, problems }) => {
            let edited = item_view(ui, id, &form, &problems);
            let page = catalog_page::<F>(state, ui, user).await?;
            return Ok(page_with_message(page, edited, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    // The change and its audit entry stand or fall together.
    let mut conn = state.pool.begin().await?;
    let saved = match id {
        None => F::create(&mut conn, &checked).await?,
        Some(id) => F::update(&mut conn, id, &checked).await?.then_some(id).ok_or(AppError::NotFound)?,
    };
    user.audit(&mut conn, F::KIND.audit_action(id.is_some()), Some((F::KIND.record_type(), saved))).await?;
    conn.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/catalog/{}", F::KIND.path())).into_response())
}

/// Reads the posted form as the fields of `kind`, then saves it.
async fn save_posted(
    state: &AppState,
    ui: Ui,
    user: StaffUser,
    kind: Kind,
    id: Option<i64>,
    posted: RawForm,
) -> Result<Response, AppError> {
    match kind {
        Kind::Clinics => save::<ClinicForm>(state, ui, user, id, posted.parse()?).await,
        Kind::Counselors => save::<CounselorForm>(state, ui, user, id, posted.parse()?).await,
        Kind::Topics => save::<TopicForm>(state, ui, user, id, posted.parse()?).await,
    }
}

pub async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path(kind): Path<String>,
    CsrfForm(posted): CsrfForm<RawForm>,
) -> Result<Response, AppError> {
    save_posted(&state, ui, user, Kind::parse(&kind)?, None, posted).await
}

pub async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Admin(user): Admin,
    Path((kind, id)): Path<(String, String)>,
    CsrfForm(posted): CsrfForm<RawForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    save_posted(&state, ui, user, Kind::parse(&kind)?, Some(id), posted).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form as the page draws it, posted back unchanged: every field's name is one the form
    /// type reads, and reads back as the same value.
    fn posted_back<F: ItemForm>(form: &F) -> F {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for f in form.fields(Ui::english(), &Problems::default()) {
            match f.input {
                "languages" => pairs.extend(
                    f.options.iter().filter(|(_, _, on)| *on).map(|(code, _, _)| (f.name, code.to_string())),
                ),
                "active" if f.value.is_empty() => {}
                _ => pairs.push((f.name, f.value)),
            }
        }
        serde_html_form::from_str(&serde_html_form::to_string(&pairs).unwrap()).unwrap()
    }

    /// The fields a form shows, and those its check finds a problem with.
    fn problem_fields<F: ItemForm>(form: F) -> (Vec<&'static str>, Vec<&'static str>) {
        let shown = form.fields(Ui::english(), &Problems::default()).iter().map(|f| f.name).collect();
        let found = match form.parse(Ui::english().m) {
            Ok(_) => Vec::new(),
            Err(Refused { problems: Problems(problems), .. }) => {
                problems.iter().map(|(name, _)| *name).collect()
            }
        };
        (shown, found)
    }

    fn long(chars: usize) -> Trimmed {
        "x".repeat(chars).into()
    }

    #[test]
    fn the_name_messages_use_may_not_say_what_the_clinic_treats() {
        let form = |message_name: &str| ClinicForm {
            name: "Fontana Recovery Clinic".into(),
            short_name: "Fontana".into(),
            message_name: message_name.into(),
            address: "1 Main St".into(),
            phone: "909 555 0199".into(),
            hours_en: "6 to 2".into(),
            hours_es: "de 6 a 2".into(),
            intake_hours_en: "8 to 4".into(),
            intake_hours_es: "de 8 a 4".into(),
            ..ClinicForm::blank()
        };
        assert!(form("Fontana Clinic").parse(&crate::web::i18n::EN).is_ok());
        assert!(form("").parse(&crate::web::i18n::EN).is_ok(), "empty: the generic name");
        for telling in ["Fontana Recovery", "Centro de Tratamiento", "Methadone Clinic"] {
            let (_, found) = problem_fields(form(telling));
            assert_eq!(found, ["message_name"], "{telling}");
        }
    }

    #[test]
    fn a_clinic_form_posts_back_what_it_shows_and_its_problems_name_its_fields() {
        let form = ClinicForm {
            name: "Fontana".into(),
            phone: "909 555 0199".into(),
            hours_es: "de 6 a 2".into(),
            ..ClinicForm::blank()
        };
        let back = posted_back(&form);
        assert!(back.name.as_str() == "Fontana" && back.hours_es.as_str() == "de 6 a 2");
        assert_eq!(back.phone.as_str(), "(909) 555-0199", "shown the usual way");
        assert_eq!(back.time_zone.as_str(), "America/Los_Angeles");

        let bad =
            ClinicForm { short_name: long(41), phone: "12".into(), time_zone: "Mars/Olympus".into(), ..form };
        let (shown, found) = problem_fields(bad);
        let expected =
            ["short_name", "address", "phone", "time_zone", "hours_en", "intake_hours_en", "intake_hours_es"];
        assert_eq!(found, expected);
        assert!(found.iter().all(|name| shown.contains(name)));
    }

    #[test]
    fn a_counselor_form_posts_back_its_ticked_boxes_and_passes_over_unknown_languages() {
        let form = || CounselorForm {
            name: "Inés Carvajal".into(),
            credentials: "LMFT".into(),
            languages: vec!["es".into(), "fr".into()],
            ..CounselorForm::blank()
        };
        let back = posted_back(&form());
        assert_eq!(back.languages.iter().map(Trimmed::as_str).collect::<Vec<_>>(), ["es"]);
        assert!(ticked(&back.active));
        let Ok(checked) = form().parse(Ui::english().m) else { panic!("a right form is refused") };
        assert_eq!(checked.languages, [Language::Es]);
        assert!(checked.active);

        let inactive = posted_back(&CounselorForm { active: Trimmed::default(), ..form() });
        assert!(!ticked(&inactive.active));
        let (shown, found) =
            problem_fields(CounselorForm { bio_en: "Leads groups.".into(), bio_es: long(1001), ..inactive });
        assert_eq!(found, ["bio_es"]);
        assert!(shown.contains(&"bio_es"));
    }

    #[test]
    fn a_topic_form_needs_both_names_and_takes_empty_descriptions() {
        let form = || TopicForm {
            name_en: "Early recovery".into(),
            name_es: "Recuperación".into(),
            ..TopicForm::blank()
        };
        let back = posted_back(&form());
        assert!(back.name_en == form().name_en && back.name_es == form().name_es);
        assert!(back.description_en.as_str().is_empty());
        assert!(form().parse(Ui::english().m).is_ok());
        let (shown, found) = problem_fields(TopicForm { name_en: Trimmed::default(), ..form() });
        assert_eq!(found, ["name_en"]);
        assert!(shown.contains(&"name_en"));
    }

    #[test]
    fn a_text_patients_read_is_asked_for_in_both_languages_or_neither() {
        let topic = |en: &str, es: &str| TopicForm {
            name_en: "Early recovery".into(),
            name_es: "Recuperación temprana".into(),
            description_en: en.into(),
            description_es: es.into(),
            ..TopicForm::blank()
        };
        assert!(topic("", "").parse(Ui::english().m).is_ok(), "neither: nothing to show");
        assert!(topic("For your first months.", "Para sus primeros meses.").parse(Ui::english().m).is_ok());
        assert_eq!(problem_fields(topic("For your first months.", "")).1, ["description_es"]);
        assert_eq!(problem_fields(topic("", "Para sus primeros meses.")).1, ["description_en"]);
        let counselor = CounselorForm {
            name: "Inés Carvajal".into(),
            credentials: "LMFT".into(),
            bio_en: "Leads groups.".into(),
            ..CounselorForm::blank()
        };
        assert_eq!(problem_fields(counselor).1, ["bio_es"]);
    }
}
