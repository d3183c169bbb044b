//! Every word a visitor reads comes from a catalog here, never from a template or handler.
//! A catalog is a struct, so a missing text is a compile error, not a blank on a page.
//! There is one catalog per language (`en.rs`, `es.rs`); the visitor's language is settled
//! per request by [`choose_language`].

use crate::domain::Language;
use crate::domain::audit::AuditAction;
use crate::domain::booking::{
    Actor, Attention, Availability, BookingSource, BookingStatus, GroupCancelKind, Payment, Unbookable,
};
use crate::domain::contact::Problem;
use crate::domain::messages::{Channel, MessageKind, MessageState};
use crate::domain::staff::StaffRole;
use crate::store::bookings::MoveRefused;
use crate::store::intake::ContactOutcome;
use crate::store::memberships::MembershipStatus;
use crate::store::outbox::Unsent;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, TimeZone, Timelike};
use std::convert::Infallible;
use std::sync::OnceLock;

mod en;
mod es;

pub use en::EN;
pub use es::ES;

/// One benefit of group therapy: a short name and a plain sentence or two.
#[derive(Clone)]
pub struct Benefit {
    pub name: &'static str,
    pub text: &'static str,
}

#[derive(Clone)]
pub struct Messages {
    pub lang_code: &'static str,
    /// The other language, for the switch on every page: its code and its own name for itself.
    pub other_lang_code: &'static str,
    pub other_lang_name: &'static str,
    /// The catalog's (the demo's neutral name) until the deployment names the site
    /// ([`name_the_site`]).
    pub site_name: &'static str,
    /// What a search result says of the site (`<meta name="description">`): neutral words.
    pub meta_description: &'static str,
    pub skip_to_content: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_sessions: &'static str,
    pub nav_counselors: &'static str,
    pub nav_privacy: &'static str,
    pub crisis_title: &'static str,
    pub crisis_988: &'static str,
    pub crisis_helpline: &'static str,
    pub crisis_911: &'static str,

    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_find_group: &'static str,
    pub home_what_title: &'static str,
    pub home_what_text: &'static str,
    pub home_benefits_title: &'static str,
    pub benefits: [Benefit; 9],
    pub home_how_title: &'static str,
    pub home_how_steps: [&'static str; 4],
    pub home_clinics_title: &'static str,
    pub home_medicare: &'static str,
    pub call_label: &'static str,

    pub sessions_title: &'static str,
    pub sessions_lead: &'static str,
    pub filter_legend: &'static str,
    pub filter_clinic: &'static str,
    pub filter_topic: &'static str,
    pub filter_language: &'static str,
    pub filter_day: &'static str,
    pub filter_any: &'static str,
    pub filter_submit: &'static str,
    pub filter_clear: &'static str,
    pub sessions_none: &'static str,
    pub sessions_count: fn(usize) -> String,
    pub led_by: &'static str,
    pub language_names: fn(Language) -> &'static str,
    /// A language's name inside a sentence ("inglés" in Spanish, "English" in English).
    pub language_in_text: fn(Language) -> &'static str,
    /// The word that joins the last two items of a list ("and", "y").
    pub and: &'static str,

    /// Page titles, as a phone's tabs and history keep them: words that say nothing of what the
    /// clinic treats (see `domain::messages::indiscreet_word`, held by tests/app/words.rs).
    pub home_page_title: &'static str,
    pub counselors_page_title: &'static str,
    /// A group page's title, as a phone's tabs and history show it: its date, never its topic.
    pub session_page_title: fn(&str) -> String,
    pub session_when: &'static str,
    pub session_where: &'static str,
    pub session_hours: &'static str,
    pub session_language: &'static str,
    pub session_counselors_title: &'static str,
    pub session_about_title: &'static str,
    pub counselor_languages: &'static str,

    pub form_title: &'static str,
    pub form_intro: &'static str,
    pub form_required_note: &'static str,
    pub form_first_name: &'static str,
    pub form_last_name: &'static str,
    pub form_phone: &'static str,
    pub form_phone_hint: &'static str,
    pub form_email: &'static str,
    pub form_optional: &'static str,
    pub form_language: &'static str,
    pub form_notes: &'static str,
    /// The admission questions.
    pub form_questions_legend: &'static str,
    pub form_questions_hint: &'static str,
    pub form_returning: &'static str,
    pub form_returning_yes: &'static str,
    pub form_returning_no: &'static str,
    pub form_adult: &'static str,
    pub form_yes: &'static str,
    pub form_no: &'static str,
    pub form_payment: &'static str,
    pub form_not_said: &'static str,
    pub payment_name: fn(Payment) -> &'static str,
    pub form_needs_ride: &'static str,
    pub form_accommodation: &'static str,
    pub form_accommodation_hint: &'static str,
    /// Intake's view of the answers: (question, answer).
    pub answer_yes_no: fn(Option<bool>) -> &'static str,
    pub request_needs: &'static str,
    pub roster_col_needs: &'static str,
    pub form_notes_hint: &'static str,
    pub form_contact_legend: &'static str,
    pub form_consent_sms: &'static str,
    pub form_consent_voicemail: &'static str,
    pub form_consent_email: &'static str,
    /// What a text or e-mail says, and when one is sent.
    pub form_messages_note: &'static str,
    pub form_honeypot: &'static str,
    pub form_privacy_title: &'static str,
    pub form_privacy_short: &'static str,
    pub form_privacy_link: &'static str,
    pub form_submit: &'static str,
    pub form_submit_waitlist: &'static str,
    pub form_errors_title: &'static str,
    pub form_honeypot_error: &'static str,
    pub form_key_reused: &'static str,
    /// The form came without its one-time key (or a short one): send it again.
    pub form_key_missing: &'static str,
    pub form_closed_call: fn(&str) -> String,
    /// A weekly group's last scheduled date on the admin series page (None: none scheduled).
    pub series_scheduled_through: fn(Option<&str>) -> String,

    pub manage_title: &'static str,
    pub manage_new_title: &'static str,
    pub manage_reference: &'static str,
    pub manage_status: &'static str,
    pub manage_session: &'static str,
    pub manage_next_title: &'static str,
    pub manage_next_text: fn(&str, &str) -> String,
    pub manage_link_title: &'static str,
    pub manage_link_text: &'static str,
    pub manage_cancel: &'static str,
    pub manage_cancel_note: &'static str,
    pub manage_cancelled_done: &'static str,
    pub manage_before_title: &'static str,
    pub manage_where: &'static str,
    /// "Please arrive 10 minutes early, by {time}."
    pub manage_arrive: fn(&str) -> String,
    pub manage_bring: &'static str,
    /// "If you can't come or have a question, call {phone}."
    pub manage_call: fn(&str) -> String,
    pub manage_calendar: &'static str,
    /// The clinic cancelled the group: (why).
    pub manage_group_cancelled: fn(&str) -> String,
    pub manage_status_group_cancelled: &'static str,
    /// The clinic cancelled this booking (the group goes on): (clinic phone).
    pub manage_cancelled_by_clinic: fn(&str) -> String,
    pub manage_status_cancelled_by_clinic: &'static str,
    pub manage_status_expired: &'static str,
    /// The group began before the clinic decided the request: (clinic phone).
    pub manage_expired: fn(&str) -> String,
    pub manage_find_another: &'static str,
    pub manage_cancel_confirm_title: &'static str,
    /// "Your seat on {when} will go to someone else."
    pub manage_cancel_confirm_text: fn(&str) -> String,
    pub manage_cancel_yes: &'static str,
    pub manage_cancel_keep: &'static str,
    /// "Come every Tuesday, not only on this date", given the weekday's name.
    pub form_every_week: fn(&str) -> String,
    pub form_every_week_hint: &'static str,
    /// "Medicare: {the clinic's note}".
    pub form_medicare_note: fn(&str) -> String,
    pub weekly_title: &'static str,
    pub weekly_status: fn(MembershipStatus) -> &'static str,
    pub weekly_dates: &'static str,
    pub weekly_skip: &'static str,
    pub weekly_leave: &'static str,
    pub weekly_skip_confirm_title: &'static str,
    /// "You will not come on {when}…"
    pub weekly_skip_confirm_text: fn(&str) -> String,
    pub weekly_skip_yes: &'static str,
    pub weekly_leave_confirm_title: &'static str,
    pub weekly_leave_confirm_text: &'static str,
    pub weekly_leave_yes: &'static str,
    pub booking_status: fn(BookingStatus, Option<i64>) -> String,

    pub counselors_title: &'static str,
    pub counselors_lead: &'static str,
    pub counselor_see_groups: &'static str,
    pub counselor_upcoming: &'static str,
    pub counselor_no_upcoming: &'static str,

    pub privacy_title: &'static str,
    pub privacy_sections: [(&'static str, &'static str); 6],

    pub error_not_found_title: &'static str,
    pub error_not_found: &'static str,
    pub error_link_title: &'static str,
    pub error_link: &'static str,
    pub error_internal_title: &'static str,
    pub error_internal: &'static str,
    pub error_rate_title: &'static str,
    pub error_rate: &'static str,
    pub error_too_large_title: &'static str,
    pub error_too_large: &'static str,
    pub error_bad_request_title: &'static str,
    pub error_bad_request: &'static str,
    pub error_back_home: &'static str,
    pub error_forbidden_title: &'static str,
    pub error_forbidden: &'static str,
    pub error_unreadable_title: &'static str,
    /// A form field (by its label) that held characters that are not text.
    pub error_unreadable: fn(&str) -> String,
    pub error_method_title: &'static str,
    pub error_method: &'static str,
    pub error_timed_out_title: &'static str,
    pub error_timed_out: &'static str,
    pub error_unavailable_title: &'static str,
    pub error_unavailable: &'static str,

    pub staff_site_name: &'static str,
    pub staff_login_title: &'static str,
    pub staff_email: &'static str,
    pub staff_password: &'static str,
    pub staff_sign_in: &'static str,
    pub staff_code: &'static str,
    pub staff_code_hint: &'static str,
    pub enroll_title: &'static str,
    pub enroll_intro: &'static str,
    pub enroll_scan: &'static str,
    pub enroll_key: &'static str,
    pub enroll_code: &'static str,
    pub enroll_confirm: &'static str,
    pub enroll_wrong_code: &'static str,
    pub enroll_done_title: &'static str,
    pub enroll_recovery_text: &'static str,
    pub enroll_continue: &'static str,
    pub enroll_already: &'static str,
    pub staff_login_failed: &'static str,
    pub staff_login_locked: &'static str,
    pub staff_login_expired: &'static str,
    /// Every password check is busy: try again in a moment.
    pub staff_login_busy: &'static str,
    pub staff_home_title: &'static str,
    pub home_to_call: &'static str,
    pub home_today: &'static str,
    pub home_no_groups_today: &'static str,
    pub find_title: &'static str,
    pub find_label: &'static str,
    pub find_hint: &'static str,
    pub find_submit: &'static str,
    pub find_none: &'static str,
    pub staff_signed_in_as: fn(&str, &str) -> String,
    pub staff_role_name: fn(StaffRole) -> &'static str,
    pub staff_sign_out: &'static str,
    /// A role as a title in the header ("Intake").
    pub staff_role_title: fn(StaffRole) -> &'static str,
    pub staff_nav_catalog: &'static str,
    pub staff_idle_note: &'static str,
    pub staff_idle_warning: &'static str,
    pub staff_nav_queue: &'static str,
    pub queue_title: &'static str,
    pub queue_filter_status: &'static str,
    pub queue_filter_submit: &'static str,
    pub queue_empty: &'static str,
    pub queue_col_age: &'static str,
    pub queue_col_person: &'static str,
    pub queue_col_group: &'static str,
    pub queue_col_flags: &'static str,
    pub queue_col_why: &'static str,
    pub queue_filter_reason: &'static str,
    /// The worklist's reason filter, all reasons: (how many).
    pub queue_every_reason: fn(i64) -> String,
    /// The status filter's first choice: the worklist.
    pub queue_worklist_option: &'static str,
    /// The links between a list's pages: what they are together, back to the first page, and
    /// on to the next (how many rows a page has).
    pub queue_pages: &'static str,
    pub queue_first_page: &'static str,
    pub queue_next_page: fn(usize) -> String,
    /// Why someone is on the worklist.
    pub attention_name: fn(Attention) -> &'static str,
    /// A queue row with nothing to check.
    pub queue_no_flags: &'static str,
    /// How many hold a seat in a group: "3 booked".
    pub booked_count: fn(i64) -> String,
    pub flag_overlap: &'static str,
    pub flag_repeat: &'static str,
    pub age: fn(chrono::Duration) -> String,
    pub status_name: fn(BookingStatus) -> &'static str,
    pub request_title: fn(&str) -> String,
    /// The browser title of a request's page: never the reference or a name.
    pub request_page_title: &'static str,
    pub request_person: &'static str,
    pub request_phone: &'static str,
    pub request_email: &'static str,
    pub request_language: &'static str,
    pub request_notes: &'static str,
    pub request_consents: &'static str,
    pub request_consent_sms: fn(bool) -> &'static str,
    pub request_consent_voicemail: fn(bool) -> &'static str,
    pub request_consent_email: fn(bool) -> &'static str,
    pub request_messages: &'static str,
    /// "The person stopped texts (STOP) on {date}".
    pub request_sms_stopped: fn(&str) -> String,
    pub request_resend: &'static str,
    pub request_resent: &'static str,
    pub request_nothing_to_resend: &'static str,
    pub request_replies: &'static str,
    pub request_no_messages: &'static str,
    pub message_kind: fn(MessageKind) -> &'static str,
    pub message_channel: fn(Channel) -> &'static str,
    pub message_state: fn(MessageState) -> &'static str,
    pub message_unsent: fn(Unsent) -> &'static str,
    /// Messages to patients (`notify::render`): discreet words only, see
    /// `domain::messages::NOT_IN_MESSAGES`.
    pub message_default_sender: &'static str,
    pub message_subject: fn(MessageKind) -> &'static str,
    pub message_lead: fn(MessageKind, Option<i32>) -> String,
    pub message_find_another: fn(&str) -> String,
    pub message_call: fn(&str) -> String,
    pub message_your_page: fn(&str) -> String,
    /// A booking's calendar event: (sender).
    pub calendar_summary: fn(&str) -> String,
    /// The answer to STOP: (sender, clinic phone).
    pub message_stopped: fn(&str, &str) -> String,
    /// The answer to HELP: (sender, clinic phone).
    pub message_help: fn(&str, &str) -> String,
    pub request_received: &'static str,
    /// How a request came in: `online` or `phone`.
    pub source_name: fn(BookingSource) -> &'static str,
    pub request_history: &'static str,
    /// A membership as intake reads it on a request page.
    pub request_weekly: fn(MembershipStatus) -> &'static str,
    pub request_weekly_end: &'static str,
    pub request_answers_change: &'static str,
    pub request_answers_save: &'static str,
    pub request_weekly_ended: &'static str,
    pub request_actions: &'static str,
    pub action_confirm: &'static str,
    pub action_decline: &'static str,
    pub action_cancel: &'static str,
    /// Cancels a repeat request in one step; also the reason kept in its history.
    pub action_cancel_repeat: &'static str,
    pub repeat_cancel_reason: &'static str,
    /// A decision the request's status no longer allows (someone else decided first).
    pub decision_refused: &'static str,
    pub action_reason: &'static str,
    pub action_log_contact: &'static str,
    pub contact_outcome: fn(ContactOutcome) -> &'static str,
    pub history_new: &'static str,
    pub history_by: fn(Actor) -> String,
    pub back_to_queue: &'static str,
    pub staff_nav_my_sessions: &'static str,
    pub my_sessions_title: &'static str,
    pub feed_title: &'static str,
    pub feed_intro: &'static str,
    /// "Your calendar link was made on {date}."
    pub feed_made: fn(&str) -> String,
    pub feed_new_link: &'static str,
    pub feed_make: &'static str,
    pub feed_make_again: &'static str,
    pub feed_stop: &'static str,
    /// A group in the feed: (topic, seats taken, seats).
    pub feed_summary: fn(&str, i64, i32) -> String,
    pub my_sessions_upcoming: &'static str,
    pub my_sessions_past: &'static str,
    pub my_sessions_none: &'static str,
    pub roster_link: &'static str,
    pub sheet_link: &'static str,
    pub roster_title: fn(&str) -> String,
    pub roster_empty: &'static str,
    pub roster_col_name: &'static str,
    pub roster_col_language: &'static str,
    pub roster_col_status: &'static str,
    pub attendance_title: &'static str,
    pub attendance_not_yet: &'static str,
    pub attendance_came: &'static str,
    pub roster_first_visit: &'static str,
    pub walk_in_title: &'static str,
    pub walk_in_intro: &'static str,
    pub walk_in_add: &'static str,
    pub walk_in_problem: &'static str,
    pub walk_in_closed: &'static str,
    pub walk_in_already: &'static str,
    pub roster_read_only: &'static str,
    pub attendance_missed: &'static str,
    pub attendance_save: &'static str,
    pub attendance_only_confirmed: &'static str,
    pub sheet_title: &'static str,
    pub sheet_col_signature: &'static str,
    pub sheet_print_hint: &'static str,
    pub back_to_my_sessions: &'static str,
    pub staff_nav_admin_sessions: &'static str,
    pub staff_nav_phone_booking: &'static str,
    pub staff_nav_series: &'static str,
    pub catalog_clinics: &'static str,
    pub patient_section: &'static str,
    pub patient_linked: &'static str,
    pub patient_open: &'static str,
    pub patient_candidates: &'static str,
    pub patient_same_person: &'static str,
    pub patient_no_match: &'static str,
    pub patient_new: &'static str,
    pub patient_dob: &'static str,
    pub patient_create: &'static str,
    pub patient_title: fn(&str) -> String,
    pub patient_bookings: &'static str,
    pub patient_duplicates: &'static str,
    pub patient_merge: &'static str,
    pub patient_dob_unknown: &'static str,
    pub patient_bad_dob: &'static str,
    pub catalog_counselors: &'static str,
    pub catalog_topics: &'static str,
    pub catalog_add: &'static str,
    pub catalog_save: &'static str,
    pub catalog_new: &'static str,
    pub field_name: &'static str,
    pub field_short_name: &'static str,
    pub field_address: &'static str,
    pub field_phone: &'static str,
    pub field_time_zone: &'static str,
    pub field_hours_en: &'static str,
    pub field_hours_es: &'static str,
    pub field_intake_hours_en: &'static str,
    pub field_intake_hours_es: &'static str,
    pub field_message_name: &'static str,
    pub message_name_not_neutral: &'static str,
    pub field_credentials: &'static str,
    pub field_bio_en: &'static str,
    pub field_bio_es: &'static str,
    pub field_languages: &'static str,
    pub field_active: &'static str,
    pub closures_title: &'static str,
    pub closures_intro: &'static str,
    pub closure_new: &'static str,
    pub closure_date: &'static str,
    pub closure_clinics: &'static str,
    pub closure_show: &'static str,
    pub closure_preview_title: &'static str,
    pub closure_no_groups: &'static str,
    pub closure_confirm: &'static str,
    pub closures_upcoming: &'static str,
    pub closures_none: &'static str,
    pub closure_date_needed: &'static str,
    pub closure_clinic_needed: &'static str,
    pub field_medicare_note_en: &'static str,
    pub field_medicare_note_es: &'static str,
    pub field_name_en: &'static str,
    pub field_name_es: &'static str,
    pub field_description_en: &'static str,
    pub field_description_es: &'static str,
    pub not_a_time_zone: &'static str,
    pub series_title: &'static str,
    pub series_new: &'static str,
    pub series_edit_title: &'static str,
    pub series_edit_note: &'static str,
    pub series_weekday: &'static str,
    pub series_start: &'static str,
    pub series_duration: &'static str,
    pub series_room: &'static str,
    pub series_seats_per_counselor: &'static str,
    pub series_first_date: &'static str,
    pub series_last_date: &'static str,
    pub series_counselors: &'static str,
    pub series_create: &'static str,
    pub series_save: &'static str,
    pub series_edit_link: &'static str,
    pub series_invalid: &'static str,
    pub series_no_counselor: &'static str,
    pub series_last_before_first: &'static str,
    pub series_would_strand: fn(i64, i32) -> String,
    pub series_saved: fn(u64, u64, u64) -> String,
    pub phone_booking_title: &'static str,
    pub phone_booking_intro: &'static str,
    pub phone_booking_session: &'static str,
    pub phone_booking_submit: &'static str,
    pub move_title: &'static str,
    pub move_submit: &'static str,
    pub move_refused: fn(MoveRefused) -> &'static str,
    pub staff_nav_admin_staff: &'static str,
    pub staff_nav_audit: &'static str,
    pub staff_nav_messages: &'static str,
    /// Above the admin list of messages: what it shows and what it never shows.
    pub messages_intro: &'static str,
    pub messages_none: &'static str,
    pub messages_failed_heading: &'static str,
    pub messages_failed_intro: &'static str,
    pub messages_retry: &'static str,
    pub messages_newest_heading: &'static str,
    pub admin_sessions_title: &'static str,
    pub admin_manage: &'static str,
    pub admin_session_title: fn(&str) -> String,
    pub admin_leads: &'static str,
    pub admin_remove: &'static str,
    pub admin_add_counselor: &'static str,
    pub admin_add: &'static str,
    pub admin_cancel_session: &'static str,
    pub admin_cancel_reason: &'static str,
    pub call_list_title: &'static str,
    pub call_list_intro: &'static str,
    pub call_list_empty: &'static str,
    /// "What the people booked are told"
    pub admin_cancel_kind: &'static str,
    /// Why the clinic cancelled a group, as the people booked read it.
    pub group_cancel_kind: fn(GroupCancelKind) -> &'static str,
    pub admin_session_cancelled: &'static str,
    pub admin_last_counselor: &'static str,
    pub admin_would_strand: fn(i64, i32) -> String,
    pub admin_reason_required: &'static str,
    pub admin_staff_title: &'static str,
    pub admin_staff_new: &'static str,
    pub admin_staff_role: &'static str,
    pub admin_staff_counselor: &'static str,
    pub admin_staff_clinics: &'static str,
    pub admin_staff_create: &'static str,
    pub admin_staff_deactivate: &'static str,
    pub admin_staff_access: &'static str,
    pub admin_staff_not_yourself: &'static str,
    pub admin_staff_access_save: &'static str,
    pub admin_staff_inactive: &'static str,
    pub admin_staff_new_password: &'static str,
    pub admin_staff_reset: &'static str,
    pub admin_staff_second_factor: fn(bool) -> &'static str,
    pub admin_staff_email_taken: &'static str,
    pub admin_staff_bad_email: &'static str,
    pub admin_staff_bad_password: &'static str,
    pub admin_staff_bad_link: &'static str,
    pub admin_require_second_factor: &'static str,
    pub admin_setting_on: &'static str,
    pub admin_setting_off: &'static str,
    pub admin_save: &'static str,
    pub audit_title: &'static str,
    pub audit_patient: &'static str,
    pub audit_patient_hint: &'static str,
    pub audit_staff: &'static str,
    pub audit_from: &'static str,
    pub audit_to: &'static str,
    pub audit_search: &'static str,
    pub audit_col_when: &'static str,
    pub audit_col_who: &'static str,
    pub audit_col_action: &'static str,
    pub audit_col_record: &'static str,
    pub audit_col_from: &'static str,
    pub audit_none: &'static str,
    pub audit_limited: &'static str,
    /// After the records named of a list entry that names only some: how long the list was.
    pub audit_in_a_list_of: fn(usize) -> String,
    /// An audit action in words.
    pub audit_action: fn(AuditAction) -> &'static str,

    pub problem: fn(Problem) -> String,
    pub unbookable: fn(Unbookable) -> &'static str,
    pub availability: fn(Availability, i64) -> String,
    pub weekdays: [&'static str; 7],
    pub months: [&'static str; 12],
    pub format_date: fn(&Messages, NaiveDate) -> String,
    /// Writes a time of day (`10:00 AM`) where it goes: a listing draws dozens per page.
    pub format_time: fn(&mut dyn std::fmt::Write, u32, u32) -> std::fmt::Result,
}

/// The visitor's language and its catalog, for handlers and templates.
#[derive(Clone, Copy)]
pub struct Ui {
    pub m: &'static Messages,
}

/// `text` with its first letter a capital (a Spanish weekday starting a line or heading).
fn capitalized(text: String) -> String {
    let mut letters = text.chars();
    letters.next().map_or(String::new(), |first| first.to_uppercase().chain(letters).collect())
}

/// `text` to end a sentence with: without its own final period ("3:00 p. m."), since the
/// sentence's period is the abbreviation's too ("… p. m.", never "… p. m..").
fn before_period(text: &str) -> &str {
    let text = text.trim_end();
    text.strip_suffix('.').unwrap_or(text)
}

/// The catalogs with the deployment's name for the site, once it has named it.
static NAMED: OnceLock<[Messages; 2]> = OnceLock::new();

/// Names the site in each language (`GROUPCARE_SITE_NAME`, `_ES`) for the life of the process:
/// what every page's title and header say, and a phone's tabs and history keep. Called once at
/// start; a later call changes nothing.
pub fn name_the_site(en: &str, es: &str) {
    let keep = |name: &str| -> &'static str { Box::leak(name.to_owned().into_boxed_str()) };
    let _ = NAMED.set([
        Messages { site_name: keep(en), ..EN.clone() },
        Messages { site_name: keep(es), ..ES.clone() },
    ]);
}

impl Ui {
    pub fn english() -> Ui {
        Ui::for_language(Language::En)
    }

    pub fn for_language(lang: Language) -> Ui {
        let m = match (NAMED.get(), lang) {
            (Some([en, _]), Language::En) => en,
            (Some([_, es]), Language::Es) => es,
            (None, Language::En) => &EN,
            (None, Language::Es) => &ES,
        };
        Ui { m }
    }

    pub fn date(&self, date: NaiveDate) -> String {
        (self.m.format_date)(self.m, date)
    }

    /// A date that starts a heading or a choice: with a capital ("Martes 1 de diciembre").
    pub fn date_heading(&self, date: NaiveDate) -> String {
        capitalized(self.date(date))
    }

    /// A phone number that never breaks across lines: no-break spaces and hyphens.
    pub fn phone_text(&self, phone: &str) -> String {
        phone.replace(' ', "\u{a0}").replace('-', "\u{2011}")
    }

    /// `a, b and c` in the visitor's language.
    pub fn list<'a>(&self, items: impl IntoIterator<Item = &'a str>) -> String {
        let items: Vec<&str> = items.into_iter().collect();
        match items.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} {} {last}", rest.join(", "), self.m.and),
        }
    }

    pub fn time(&self, t: &impl Timelike) -> String {
        let mut time = String::with_capacity(16);
        (self.m.format_time)(&mut time, t.hour(), t.minute()).expect("a String takes any text");
        time
    }

    /// `Tuesday, December 1 · 10:00 AM – 11:30 AM`, in the clinic's own time zone.
    pub fn when<Tz: TimeZone>(&self, starts: &DateTime<Tz>, ends: &DateTime<Tz>) -> String {
        format!("{} · {} – {}", self.date(starts.date_naive()), self.time(starts), self.time(ends))
    }

    /// [`Ui::when`] on a line of its own, so starting with a capital ("Miércoles 2 de
    /// diciembre · …"); within a sentence, [`Ui::when`].
    pub fn when_line<Tz: TimeZone>(&self, starts: &DateTime<Tz>, ends: &DateTime<Tz>) -> String {
        capitalized(self.when(starts, ends))
    }

    pub fn pick<'a>(&self, en: &'a str, es: &'a str) -> &'a str {
        self.choose(en, es).text
    }

    /// Staff's text in the visitor's language: the Spanish one on a Spanish page, or the
    /// English one when no Spanish was written, marked as English (see [`Picked::lang_attr`]).
    pub fn choose<'a>(&self, en: &'a str, es: &'a str) -> Picked<'a> {
        match self.m.lang_code {
            "es" if !es.is_empty() => Picked { text: es, english_on_a_spanish_page: false },
            "es" => Picked { text: en, english_on_a_spanish_page: true },
            _ => Picked { text: en, english_on_a_spanish_page: false },
        }
    }
}

/// A text staff wrote, as a page shows it.
#[derive(Clone, Copy)]
pub struct Picked<'a> {
    pub text: &'a str,
    english_on_a_spanish_page: bool,
}

impl Picked<'_> {
    /// ` lang="en"` for an English text on a Spanish page, for the element that holds it: a
    /// screen reader then reads it as English, and it is never shown as if it were Spanish.
    pub fn lang_attr(&self) -> &'static str {
        if self.english_on_a_spanish_page { r#" lang="en""# } else { "" }
    }
}

impl std::fmt::Display for Picked<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = Infallible;

    /// The language [`choose_language`] settled on for this request (English without it).
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Ui, Infallible> {
        Ok(parts.extensions.get::<Language>().copied().map(Ui::for_language).unwrap_or_else(Ui::english))
    }
}

/// The first of English or Spanish an `Accept-Language` header asks for, by its weights.
pub fn from_accept_language(header: &str) -> Option<Language> {
    let mut best: Option<(f32, Language)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let weight = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = Language::from_code(primary)
            && weight > 0.0
            && best.is_none_or(|(w, _)| weight > w)
        {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Settles each request's language: `?lang=en|es` (and remembers it in a cookie), else the
/// cookie, else `Accept-Language`, else English. Handlers read it through [`Ui`].
pub async fn choose_language(
    axum::extract::State(cookies): axum::extract::State<crate::web::cookies::Cookies>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::web::cookies::Cookie;
    let asked = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")))
        .and_then(Language::from_code);
    let headers = req.headers();
    let remembered = cookies.get(headers, Cookie::Language).and_then(Language::from_code);
    let accepted = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(from_accept_language);
    let lang = asked.or(remembered).or(accepted).unwrap_or(Language::En);
    req.extensions_mut().insert(lang);
    let mut response = next.run(req).await;
    // An error page was drawn in English before the language was at hand: draw it again.
    if let Some(kind) = response.extensions().get::<crate::web::error::ErrorPageKind>().cloned()
        && lang != Language::En
    {
        response = kind.render(Ui::for_language(lang));
    }
    if let Some(chosen) = asked {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, cookies.set(Cookie::Language, chosen.code()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_the_american_way() {
        use en::en_date;
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let en_time = |h, m| Ui::english().time(&d.and_hms_opt(h, m, 0).unwrap().and_utc());
        assert_eq!(en_time(0, 5), "12:05\u{a0}AM");
        assert_eq!(en_time(10, 0), "10:00\u{a0}AM");
        assert_eq!(en_time(12, 30), "12:30\u{a0}PM");
        assert_eq!(en_time(18, 0), "6:00\u{a0}PM");
        assert_eq!(en_date(&EN, d), "Tuesday, December 1");
    }
}
