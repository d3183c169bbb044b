//! Every word a visitor reads comes from a catalog here, never from a template or handler.
//! A catalog is a struct, so a missing text is a compile error, not a blank on a page.
//! English is the only catalog so far; Spanish arrives as a second `Messages` value.

use crate::domain::Language;
use crate::domain::booking::{Availability, BookingStatus, Unbookable};
use crate::domain::contact::Problem;
use crate::domain::staff::StaffRole;
use crate::store::bookings::MoveRefused;
use crate::store::intake::ContactOutcome;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike};
use std::convert::Infallible;

/// One benefit of group therapy: a short name and a plain sentence or two.
pub struct Benefit {
    pub name: &'static str,
    pub text: &'static str,
}

pub struct Messages {
    pub lang_code: &'static str,
    pub site_name: &'static str,
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
    pub session_details: &'static str,

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
    pub form_notes_hint: &'static str,
    pub form_contact_legend: &'static str,
    pub form_consent_sms: &'static str,
    pub form_consent_voicemail: &'static str,
    pub form_honeypot: &'static str,
    pub form_privacy_title: &'static str,
    pub form_privacy_short: &'static str,
    pub form_privacy_link: &'static str,
    pub form_submit: &'static str,
    pub form_submit_waitlist: &'static str,
    pub form_errors_title: &'static str,
    pub form_honeypot_error: &'static str,
    pub form_key_reused: &'static str,
    pub form_closed_call: fn(&str) -> String,

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
    pub staff_second_factor_off: &'static str,
    pub staff_home_title: &'static str,
    pub staff_signed_in_as: fn(&str, &str) -> String,
    pub staff_role_name: fn(StaffRole) -> &'static str,
    pub staff_sign_out: &'static str,
    pub staff_idle_note: &'static str,
    pub staff_nav_queue: &'static str,
    pub queue_title: &'static str,
    pub queue_filter_status: &'static str,
    pub queue_empty: &'static str,
    pub queue_col_age: &'static str,
    pub queue_col_person: &'static str,
    pub queue_col_group: &'static str,
    pub queue_col_flags: &'static str,
    pub flag_overlap: &'static str,
    pub flag_repeat: &'static str,
    pub age: fn(chrono::Duration) -> String,
    pub status_name: fn(BookingStatus) -> &'static str,
    pub request_title: fn(&str) -> String,
    pub request_person: &'static str,
    pub request_phone: &'static str,
    pub request_email: &'static str,
    pub request_language: &'static str,
    pub request_notes: &'static str,
    pub request_consents: &'static str,
    pub request_consent_sms: fn(bool) -> &'static str,
    pub request_consent_voicemail: fn(bool) -> &'static str,
    pub request_received: &'static str,
    pub request_source: &'static str,
    pub request_history: &'static str,
    pub request_actions: &'static str,
    pub action_confirm: &'static str,
    pub action_decline: &'static str,
    pub action_cancel: &'static str,
    pub action_reason: &'static str,
    pub action_log_contact: &'static str,
    pub contact_outcome: fn(ContactOutcome) -> &'static str,
    pub history_new: &'static str,
    pub history_by: fn(&str) -> String,
    pub back_to_queue: &'static str,
    pub staff_nav_my_sessions: &'static str,
    pub my_sessions_title: &'static str,
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
    pub roster_col_notes: &'static str,
    pub attendance_title: &'static str,
    pub attendance_not_yet: &'static str,
    pub attendance_came: &'static str,
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
    pub move_target: &'static str,
    pub move_submit: &'static str,
    pub move_refused: fn(MoveRefused) -> &'static str,
    pub staff_nav_admin_staff: &'static str,
    pub staff_nav_audit: &'static str,
    pub admin_sessions_title: &'static str,
    pub admin_manage: &'static str,
    pub admin_session_title: fn(&str) -> String,
    pub admin_leads: &'static str,
    pub admin_remove: &'static str,
    pub admin_add_counselor: &'static str,
    pub admin_add: &'static str,
    pub admin_cancel_session: &'static str,
    pub admin_cancel_reason: &'static str,
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
    pub admin_staff_inactive: &'static str,
    pub admin_staff_new_password: &'static str,
    pub admin_staff_reset: &'static str,
    pub admin_staff_second_factor: fn(bool) -> &'static str,
    pub admin_staff_email_taken: &'static str,
    pub admin_staff_bad_email: &'static str,
    pub admin_staff_bad_password: &'static str,
    pub admin_staff_bad_link: &'static str,
    pub admin_staff_done: &'static str,
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

    pub problem: fn(Problem) -> String,
    pub unbookable: fn(Unbookable) -> &'static str,
    pub availability: fn(Availability, i64) -> String,
    pub weekdays: [&'static str; 7],
    pub months: [&'static str; 12],
    pub format_date: fn(&Messages, NaiveDate) -> String,
    pub format_time: fn(u32, u32) -> String,
}

/// The visitor's language and its catalog, for handlers and templates.
#[derive(Clone, Copy)]
pub struct Ui {
    pub m: &'static Messages,
}

impl Ui {
    pub fn english() -> Ui {
        Ui { m: &EN }
    }

    pub fn date(&self, date: NaiveDate) -> String {
        (self.m.format_date)(self.m, date)
    }

    pub fn time<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> String {
        (self.m.format_time)(t.hour(), t.minute())
    }

    /// `Tuesday, December 1 · 10:00 AM – 11:30 AM`, in the clinic's own time zone.
    pub fn when<Tz: TimeZone>(&self, starts: &DateTime<Tz>, ends: &DateTime<Tz>) -> String {
        format!("{} · {} – {}", self.date(starts.date_naive()), self.time(starts), self.time(ends))
    }

    pub fn pick<'a>(&self, en: &'a str, es: &'a str) -> &'a str {
        match self.m.lang_code {
            "es" if !es.is_empty() => es,
            _ => en,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = Infallible;

    /// English for now; the Spanish catalog and the `?lang=` / cookie / Accept-Language choice
    /// come with it.
    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Ui, Infallible> {
        Ok(Ui::english())
    }
}

fn en_date(m: &Messages, d: NaiveDate) -> String {
    format!(
        "{}, {} {}",
        m.weekdays[d.weekday().num_days_from_monday() as usize],
        m.months[d.month0() as usize],
        d.day()
    )
}

fn en_time(hour: u32, minute: u32) -> String {
    let (h, suffix) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{h}:{minute:02} {suffix}")
}

pub static EN: Messages = Messages {
    lang_code: "en",
    site_name: "Inland Valley Recovery Groups",
    skip_to_content: "Skip to main content",
    nav_label: "Main",
    nav_home: "Home",
    nav_sessions: "Find a group",
    nav_counselors: "Counselors",
    nav_privacy: "Privacy",
    crisis_title: "Need help right now?",
    crisis_988: "Call or text 988 (Suicide & Crisis Lifeline), any hour, any day.",
    crisis_helpline: "SAMHSA National Helpline: 1-800-662-4357. Free, private, open all day and night, in English and Spanish.",
    crisis_911: "If you or someone else is in danger, call 911.",

    home_title: "Group therapy that fits your life",
    home_lead: "Our clinics run small groups led by trained counselors, as part of your treatment. You can ask for a seat any time, day or night. It takes about a minute and you don't need an account.",
    home_find_group: "Find a group",
    home_what_title: "What is group therapy?",
    home_what_text: "A small group of people in recovery meets with a counselor, most weeks at the same time. You listen, you talk when you are ready, and you learn skills together. You never have to share more than you want to.",
    home_benefits_title: "Why groups help",
    benefits: [
        Benefit {
            name: "You are not alone",
            text: "You meet people who have been where you are. Many feel relief just knowing that.",
        },
        Benefit {
            name: "You understand yourself better",
            text: "Hearing others helps you see your own habits, triggers and strengths more clearly.",
        },
        Benefit {
            name: "You learn from each other",
            text: "You practice talking, listening and getting along, in a safe place.",
        },
        Benefit {
            name: "You help others",
            text: "Your story and support can help someone else. Helping others builds your own confidence.",
        },
        Benefit {
            name: "You find hope",
            text: "Seeing others get better shows you that change is possible.",
        },
        Benefit {
            name: "You get useful facts",
            text: "Counselors share clear information about recovery, medication and staying well.",
        },
        Benefit {
            name: "You pick up good habits",
            text: "You can try the ways others cope with stress, cravings and hard days.",
        },
        Benefit {
            name: "You belong",
            text: "The group becomes a place where you are accepted and expected.",
        },
        Benefit {
            name: "You let feelings out",
            text: "Saying hard things out loud, with people who understand, can lift a weight.",
        },
    ],
    home_how_title: "How booking works",
    home_how_steps: [
        "Choose a group by clinic, day, time, language or topic.",
        "Fill in a short form: your name and a phone number. No account needed.",
        "You get a reference number and a private link to check or cancel your request.",
        "Intake staff call you during clinic hours to confirm your seat.",
    ],
    home_clinics_title: "Our clinics",
    home_medicare: "Medicare coverage is coming soon.",
    call_label: "Call",

    sessions_title: "Find a group",
    sessions_lead: "Groups in the next four weeks. Times are local to each clinic.",
    filter_legend: "Show only",
    filter_clinic: "Clinic",
    filter_topic: "Topic",
    filter_language: "Language",
    filter_day: "Day",
    filter_any: "Any",
    filter_submit: "Show groups",
    filter_clear: "Show all groups",
    sessions_none: "No groups match. Try another day or clinic, or show all groups.",
    sessions_count: |n| match n {
        1 => "1 group".to_owned(),
        n => format!("{n} groups"),
    },
    led_by: "Led by",
    language_names: |l| match l {
        Language::En => "English",
        Language::Es => "Spanish",
    },
    session_details: "Details and booking",

    session_when: "When",
    session_where: "Where",
    session_hours: "Clinic hours",
    session_language: "Language",
    session_counselors_title: "Your counselors",
    session_about_title: "About this group",
    counselor_languages: "Speaks",

    form_title: "Ask for a seat",
    form_intro: "Intake staff will call you to confirm. You don't need an account.",
    form_required_note: "Fields marked * are needed.",
    form_first_name: "First name",
    form_last_name: "Last name",
    form_phone: "Mobile phone",
    form_phone_hint: "A US number with area code, like (909) 555-0123.",
    form_email: "E-mail",
    form_optional: "optional",
    form_language: "Language you prefer",
    form_notes: "Note for intake",
    form_notes_hint: "For example, the best time to call you.",
    form_contact_legend: "How we may reach you",
    form_consent_sms: "You may send me text messages about this request.",
    form_consent_voicemail: "You may leave me a voicemail.",
    form_honeypot: "Leave this field empty",
    form_privacy_title: "Your privacy",
    form_privacy_short: "We keep your name, phone number and what you tell us here only to arrange your visit. Only our clinic staff see it. We never share it without your written consent.",
    form_privacy_link: "Read the full privacy notice",
    form_submit: "Ask for a seat",
    form_submit_waitlist: "Join the waitlist",
    form_errors_title: "Please check these fields:",
    form_honeypot_error: "Please leave the last field empty and send the form again.",
    form_key_reused: "This form was already sent with other details. Please check the form and send it again.",
    form_closed_call: |phone| format!("To join this group, please call the clinic at {phone}."),

    manage_title: "Your request",
    manage_new_title: "We have your request",
    manage_reference: "Your reference",
    manage_status: "Status",
    manage_session: "Group",
    manage_next_title: "What happens next",
    manage_next_text: |hours, phone| {
        format!(
            "Intake staff will call you during intake hours ({hours}). You can also call the clinic at {phone} and give your reference."
        )
    },
    manage_link_title: "Your private link",
    manage_link_text: "Save or bookmark this link to check or cancel your request later. Anyone with it can see and cancel this request, so don't share it.",
    manage_cancel: "Cancel my request",
    manage_cancel_note: "If you can't come, please cancel so someone else can have the seat.",
    manage_cancelled_done: "This request is cancelled.",
    booking_status: |status, position| match status {
        BookingStatus::Requested => "Requested: a seat is held for you until intake confirms it.".to_owned(),
        BookingStatus::Confirmed => "Confirmed: your seat is booked.".to_owned(),
        BookingStatus::Waitlisted => match position {
            Some(n) => format!(
                "On the waitlist: you are number {n}. If a seat opens, it is yours and intake will call you."
            ),
            None => "On the waitlist.".to_owned(),
        },
        BookingStatus::Cancelled => "Cancelled.".to_owned(),
        BookingStatus::Declined => "Not booked. Please call the clinic to find another group.".to_owned(),
        BookingStatus::Attended => "You attended this group.".to_owned(),
        BookingStatus::NoShow => "Marked as missed. Please call the clinic to book again.".to_owned(),
    },

    counselors_title: "Our counselors",
    counselors_lead: "Every group is led by a licensed or certified counselor.",
    counselor_see_groups: "See their groups",
    counselor_upcoming: "Upcoming groups",
    counselor_no_upcoming: "No groups in the next four weeks.",

    privacy_title: "Privacy notice",
    privacy_sections: [
        (
            "What we keep",
            "When you ask for a seat we keep your name, your phone number, your e-mail if you give it, the language you prefer, your note, and how we may contact you. We keep the history of your request: when it was made, confirmed or cancelled.",
        ),
        ("Why we keep it", "Only to arrange your place in a group and to contact you about it."),
        (
            "Who sees it",
            "Only clinic staff who need it: intake staff of your clinic, and the counselor of your group. Every time staff look at or change your details, it is recorded.",
        ),
        (
            "What we share",
            "Nothing, unless you agree in writing or the law requires it. Federal rules for substance use treatment records (42 CFR Part 2) and HIPAA protect your information.",
        ),
        (
            "How we contact you",
            "Only in the ways you allow. Our messages name the clinic and a time, nothing else.",
        ),
        (
            "Your choices",
            "You can cancel your request at any time with your private link or by calling the clinic. You can ask the clinic to see or correct what we keep.",
        ),
    ],

    error_not_found_title: "Page not found",
    error_not_found: "We can't find that page. It may have moved, or the address may have a typo.",
    error_link_title: "This link doesn't work",
    error_link: "We can't find a request for this link. Please check that you copied the whole address, or call the clinic.",
    error_internal_title: "Something went wrong",
    error_internal: "Something went wrong on our side. Please try again in a minute, or call the clinic.",
    error_rate_title: "Please wait a minute",
    error_rate: "We got many requests from your connection. Please wait a minute and try again, or call the clinic.",
    error_too_large_title: "Too much text",
    error_too_large: "That was more text than we can take at once. Please shorten your note and try again.",
    error_bad_request_title: "We couldn't read that",
    error_bad_request: "We couldn't read what was sent. Please go back and try again.",
    error_back_home: "Back to the home page",
    error_forbidden_title: "Not allowed",
    error_forbidden: "Your account can't open this page or do this. If you think it should, ask a clinic administrator.",

    staff_site_name: "Staff",
    staff_login_title: "Staff sign-in",
    staff_email: "E-mail",
    staff_password: "Password",
    staff_sign_in: "Sign in",
    staff_code: "Code from your authenticator app",
    staff_code_hint: "Six digits, or one of your recovery codes. Leave empty if you have not set up a second step yet.",
    enroll_title: "Set up a second sign-in step",
    enroll_intro: "Patient records need more than a password. Use an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or 2FAS).",
    enroll_scan: "1. In the app, add an account and scan this code.",
    enroll_key: "Can't scan? Type this key instead:",
    enroll_code: "2. Type the six-digit code the app shows",
    enroll_confirm: "Turn on",
    enroll_wrong_code: "That code does not match. Check that your phone's clock is right and type the newest code.",
    enroll_done_title: "Second step turned on",
    enroll_recovery_text: "Keep these recovery codes somewhere safe, away from your phone. Each one signs you in once if you lose your phone. They are shown only now.",
    enroll_continue: "Continue to staff home",
    enroll_already: "Your account already has a second sign-in step.",
    staff_login_failed: "That e-mail, password and code don't match an account. Please try again.",
    staff_login_locked: "Too many failed sign-ins. Please wait 15 minutes and try again, or ask an administrator.",
    staff_login_expired: "The sign-in form expired. Please try again.",
    staff_second_factor_off: "This is demo data: a second sign-in factor is not required.",
    staff_home_title: "Staff home",
    staff_signed_in_as: |email, role| format!("Signed in as {email} ({role})."),
    staff_role_name: |r| match r {
        StaffRole::Admin => "administrator",
        StaffRole::Intake => "intake",
        StaffRole::Counselor => "counselor",
    },
    staff_sign_out: "Sign out",
    staff_idle_note: "For privacy you are signed out after 15 minutes without activity.",
    staff_nav_queue: "Request queue",
    queue_title: "Request queue",
    queue_filter_status: "Status",
    queue_empty: "No requests here.",
    queue_col_age: "Waiting",
    queue_col_person: "Person",
    queue_col_group: "Group",
    queue_col_flags: "Check",
    flag_overlap: "Overlaps another booking of this phone",
    flag_repeat: "Repeat request of the same phone",
    age: |d| {
        let minutes = d.num_minutes().max(0);
        match minutes {
            0..=59 => format!("{minutes} min"),
            60..=2879 => format!("{} h", minutes / 60),
            _ => format!("{} days", minutes / 1440),
        }
    },
    status_name: |s| match s {
        BookingStatus::Requested => "requested",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Attended => "attended",
        BookingStatus::NoShow => "no-show",
        BookingStatus::Declined => "declined",
        BookingStatus::Waitlisted => "waitlisted",
        BookingStatus::Cancelled => "cancelled",
    },
    request_title: |reference| format!("Request {reference}"),
    request_person: "Person",
    request_phone: "Phone",
    request_email: "E-mail",
    request_language: "Prefers",
    request_notes: "Note",
    request_consents: "May contact by",
    request_consent_sms: |yes| {
        if yes { "text messages: yes" } else { "text messages: no" }
    },
    request_consent_voicemail: |yes| if yes { "voicemail: yes" } else { "voicemail: no" },
    request_received: "Received",
    request_source: "Came in",
    request_history: "History",
    request_actions: "Actions",
    action_confirm: "Confirm the seat",
    action_decline: "Decline",
    action_cancel: "Cancel the booking",
    action_reason: "Reason (kept in the history)",
    action_log_contact: "Log a contact attempt",
    contact_outcome: |o| match o {
        ContactOutcome::Called => "Called and spoke",
        ContactOutcome::LeftVoicemail => "Left a voicemail",
        ContactOutcome::NoAnswer => "No answer",
    },
    history_new: "new",
    history_by: |actor| match actor {
        "patient" => "by the person".to_owned(),
        "system" => "automatically".to_owned(),
        other => format!("by staff #{}", other.trim_start_matches("staff:")),
    },
    back_to_queue: "Back to the queue",
    staff_nav_my_sessions: "My groups",
    my_sessions_title: "My groups",
    my_sessions_upcoming: "Coming up",
    my_sessions_past: "The last 7 days",
    my_sessions_none: "No groups here.",
    roster_link: "Roster",
    sheet_link: "Sign-in sheet",
    roster_title: |topic| format!("Roster: {topic}"),
    roster_empty: "No one has a seat yet.",
    roster_col_name: "Name",
    roster_col_language: "Prefers",
    roster_col_status: "Status",
    roster_col_notes: "Note",
    attendance_title: "Attendance",
    attendance_not_yet: "Attendance can be taken once the group has started.",
    attendance_came: "Came",
    attendance_missed: "Did not come",
    attendance_save: "Save attendance",
    attendance_only_confirmed: "Only confirmed participants can be marked. Ask intake to confirm the others.",
    sheet_title: "Sign-in sheet",
    sheet_col_signature: "Signature",
    sheet_print_hint: "Use your browser's Print command. The sheet shows first names and last initials only.",
    back_to_my_sessions: "Back to my groups",
    staff_nav_admin_sessions: "Groups and sessions",
    staff_nav_phone_booking: "Take a phone booking",
    staff_nav_series: "Weekly groups",
    series_title: "Weekly groups",
    series_new: "New weekly group",
    series_edit_title: "Change a weekly group",
    series_edit_note: "Changes apply to sessions that have not started yet. Sessions in the past keep their time, size and counselors.",
    series_weekday: "Day of the week",
    series_start: "Starts at (clinic time, HH:MM)",
    series_duration: "Length in minutes",
    series_room: "Room capacity",
    series_seats_per_counselor: "Seats per counselor",
    series_first_date: "First date",
    series_last_date: "Last date",
    series_counselors: "Counselors",
    series_create: "Create and schedule",
    series_save: "Save changes",
    series_edit_link: "Change",
    series_invalid: "Please check the values: times as HH:MM, dates as YYYY-MM-DD, lengths of 15 to 480 minutes, sizes above zero.",
    series_no_counselor: "Choose at least one counselor.",
    series_last_before_first: "The last date comes before the first date.",
    series_would_strand: |held, seats| {
        format!(
            "Not saved: a coming session has {held} seats held and would have only {seats}. Move or cancel bookings first."
        )
    },
    series_saved: |updated, cancelled, created| {
        format!("Saved: {updated} coming sessions changed, {cancelled} cancelled, {created} added.")
    },
    phone_booking_title: "Phone booking",
    phone_booking_intro: "For a caller: the same rules as an online request. Read the privacy notice to the caller before you save.",
    phone_booking_session: "Group",
    phone_booking_submit: "Save the booking",
    move_title: "Move to another group",
    move_target: "Group",
    move_submit: "Move",
    move_refused: |why| match why {
        MoveRefused::UnknownSession => "That group does not exist.",
        MoveRefused::Unbookable(Unbookable::Cancelled) => "That group was cancelled.",
        MoveRefused::Unbookable(_) => "That group has started or starts too soon to take a booking.",
        MoveRefused::AlreadyThere => "This phone number already has a booking in that group.",
        MoveRefused::NotActive => "Only active bookings can be moved.",
        MoveRefused::SameSession => "The booking is already in that group.",
    },
    staff_nav_admin_staff: "Staff accounts and settings",
    staff_nav_audit: "Audit log",
    admin_sessions_title: "Sessions",
    admin_manage: "Manage",
    admin_session_title: |topic| format!("Session: {topic}"),
    admin_leads: "Led by",
    admin_remove: "Remove",
    admin_add_counselor: "Add a co-facilitator",
    admin_add: "Add",
    admin_cancel_session: "Cancel this session",
    admin_cancel_reason: "Reason (kept with each cancelled booking)",
    admin_session_cancelled: "This session is cancelled.",
    admin_last_counselor: "A session needs at least one counselor. Add another before removing this one.",
    admin_would_strand: |held, seats| {
        format!(
            "Not removed: {held} seats are held, and without this counselor the session has {seats}. Move or cancel bookings first."
        )
    },
    admin_reason_required: "Please give a reason.",
    admin_staff_title: "Staff accounts",
    admin_staff_new: "New account",
    admin_staff_role: "Role",
    admin_staff_counselor: "Counselor (for a counselor account)",
    admin_staff_clinics: "Clinics (for an intake account)",
    admin_staff_create: "Create account",
    admin_staff_deactivate: "Deactivate",
    admin_staff_inactive: "deactivated",
    admin_staff_new_password: "New password (at least 12 characters)",
    admin_staff_reset: "Reset password",
    admin_staff_second_factor: |on| if on { "second step: on" } else { "second step: not set up" },
    admin_staff_email_taken: "An account with this e-mail exists already.",
    admin_staff_bad_email: "Please enter an e-mail address.",
    admin_staff_bad_password: "The password must be 12 to 200 characters.",
    admin_staff_bad_link: "A counselor account needs a counselor; other roles take none.",
    admin_staff_done: "Saved.",
    admin_require_second_factor: "Require a second sign-in step for all staff",
    admin_setting_on: "On",
    admin_setting_off: "Off",
    admin_save: "Save",
    audit_title: "Audit log",
    audit_patient: "Patient",
    audit_patient_hint: "A phone number or a booking reference.",
    audit_staff: "Staff member (e-mail)",
    audit_from: "From (date)",
    audit_to: "To (date)",
    audit_search: "Search",
    audit_col_when: "When",
    audit_col_who: "Staff",
    audit_col_action: "Action",
    audit_col_record: "Record",
    audit_col_from: "From",
    audit_none: "Nothing matches.",
    audit_limited: "Showing the newest 500 entries.",

    problem: |p| match p {
        Problem::Required => "Please fill this in.".to_owned(),
        Problem::TooLong { max } => format!("Please use at most {max} characters."),
        Problem::ControlCharacters => "Please remove special characters.".to_owned(),
        Problem::NotUsPhone => {
            "Please enter a US phone number with area code, like (909) 555-0123.".to_owned()
        }
        Problem::NotEmail => {
            "Please enter an e-mail address like name@example.com, or leave it empty.".to_owned()
        }
        Problem::UnknownLanguage => "Please choose English or Spanish.".to_owned(),
    },
    unbookable: |u| match u {
        Unbookable::Cancelled => "This group was cancelled. Please choose another time.",
        Unbookable::Started => "This group has already started. Please choose another time.",
        Unbookable::TooSoon => "This group starts soon, so it can't be booked online.",
    },
    availability: |a, seats_left| match a {
        Availability::Open if seats_left == 1 => "1 seat left".to_owned(),
        Availability::Open => format!("{seats_left} seats left"),
        Availability::Full => "Full: join the waitlist".to_owned(),
        Availability::Closed => "Closed for online requests: call the clinic".to_owned(),
        Availability::Cancelled => "Cancelled".to_owned(),
    },
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    format_date: en_date,
    format_time: en_time,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_the_american_way() {
        assert_eq!(en_time(0, 5), "12:05 AM");
        assert_eq!(en_time(10, 0), "10:00 AM");
        assert_eq!(en_time(12, 30), "12:30 PM");
        assert_eq!(en_time(18, 0), "6:00 PM");
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(en_date(&EN, d), "Tuesday, December 1");
    }
}
