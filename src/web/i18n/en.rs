//! The English catalog.

use super::{Benefit, Messages, before_period};
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
use chrono::{Datelike, NaiveDate};

pub static EN: Messages = Messages {
    lang_code: "en",
    other_lang_code: "es",
    other_lang_name: "Español",
    site_name: "Inland Valley Groups",
    meta_description: "Ask for a place in a small group with a counselor at our clinics, any time of day. It takes about a minute, and you don't need an account.",
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
        "Clinic staff call you during office hours to confirm your seat.",
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
    language_in_text: |l| match l {
        Language::En => "English",
        Language::Es => "Spanish",
    },
    and: "and",
    language_names: |l| match l {
        Language::En => "English",
        Language::Es => "Spanish",
    },

    home_page_title: "Welcome",
    counselors_page_title: "Who leads the groups",
    session_page_title: |date| format!("Group on {date}"),
    session_when: "When",
    session_where: "Where",
    session_hours: "Clinic hours",
    session_language: "Language",
    session_counselors_title: "Your counselors",
    session_about_title: "About this group",
    counselor_languages: "Speaks",

    form_title: "Ask for a seat",
    form_intro: "Clinic staff will call you to confirm. You don't need an account.",
    form_required_note: "Fields marked * are needed.",
    form_first_name: "First name",
    form_last_name: "Last name",
    form_phone: "Mobile phone",
    form_phone_hint: "A US number with area code, like (909) 555-0123.",
    form_email: "E-mail",
    form_optional: "optional",
    form_language: "Language you prefer",
    form_notes: "Note for the clinic staff who will call you",
    form_notes_hint: "Only they read it; your group's leader does not. For example, the best time to call you.",
    form_questions_legend: "A few questions (you may skip any)",
    form_questions_hint: "They help the clinic get ready for you. The clinic staff who call you read the answers; your group's leader sees only what you need at the group.",
    form_returning: "Are you already a patient at this clinic?",
    form_returning_yes: "Yes",
    form_returning_no: "No, I am new",
    form_adult: "Are you 18 or older?",
    form_yes: "Yes",
    form_no: "No",
    form_payment: "How do you expect to pay?",
    form_not_said: "I would rather not say",
    payment_name: |p| match p {
        Payment::MediCal => "Medi-Cal",
        Payment::Medicare => "Medicare",
        Payment::PrivateInsurance => "Private insurance",
        Payment::SelfPay => "I will pay myself",
        Payment::NotSure => "I am not sure",
    },
    form_needs_ride: "I need help with a ride",
    form_accommodation: "Do you need an interpreter or anything else at the group?",
    form_accommodation_hint: "For example: a Spanish interpreter, a wheelchair space. Your group's leader sees this.",
    answer_yes_no: |a| match a {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not said",
    },
    request_needs: "Needs at the group",
    roster_col_needs: "Needs",
    form_contact_legend: "How we may reach you",
    form_consent_sms: "You may send me text messages about this request.",
    form_consent_voicemail: "You may leave me a voicemail.",
    form_consent_email: "You may e-mail me about this request.",
    form_messages_note: "We write when we get your request, when it changes, and before your group. A message says only a neutral name for the clinic, the day and time, the address, the phone and your own link: never what the group is about. Reply STOP to a text to get no more.",
    form_honeypot: "Leave this field empty",
    form_privacy_title: "Your privacy",
    form_privacy_short: "We keep your name, phone number and what you tell us here only to arrange your visit. Only our clinic staff see it. We never share it without your written consent.",
    form_privacy_link: "Read the full privacy notice",
    form_submit: "Ask for a seat",
    form_submit_waitlist: "Join the waitlist",
    form_errors_title: "Please check these fields:",
    form_honeypot_error: "Please leave the last field empty and send the form again.",
    form_key_reused: "This form was already sent with other details. Please check the form and send it again.",
    form_key_missing: "We couldn't match this form to our page. Please check it and send it again.",
    form_closed_call: |phone| format!("To join this group, please call the clinic at {phone}."),
    series_scheduled_through: |date| match date {
        Some(date) => format!("scheduled through {date}"),
        None => "nothing scheduled".to_owned(),
    },

    manage_title: "Your request",
    manage_new_title: "We have your request",
    manage_reference: "Your reference number",
    manage_status: "Status",
    manage_session: "Group",
    manage_next_title: "What happens next",
    manage_next_text: |hours, phone| {
        let hours = before_period(hours);
        format!(
            "Clinic staff will call you during these hours: {hours}. You can also call the clinic at {phone} and give your reference number."
        )
    },
    manage_link_title: "Your private link",
    manage_link_text: "Save or bookmark this link to check or cancel your request later. Anyone with it can see and cancel this request, so don't share it.",
    manage_cancel: "Cancel my request",
    manage_cancel_note: "If you can't come, please cancel so someone else can have the seat.",
    manage_cancelled_done: "This request is cancelled.",
    manage_before_title: "Before you come",
    manage_where: "Where",
    manage_arrive: |time| format!("Please arrive 10 minutes early, by {}.", before_period(time)),
    manage_bring: "Bring a photo ID, and your insurance or Medi-Cal card if you have one.",
    manage_call: |phone| format!("If you can't come or have a question, call {phone}."),
    manage_calendar: "Add to my calendar",
    manage_group_cancelled: |why| {
        format!("The clinic cancelled this group: {why}. We are sorry. You can choose another group.")
    },
    manage_status_group_cancelled: "Cancelled by the clinic: the group will not take place.",
    manage_cancelled_by_clinic: |phone| {
        format!(
            "The clinic cancelled your place in this group. Call {phone} if you have questions or to find another time."
        )
    },
    manage_status_cancelled_by_clinic: "Cancelled by the clinic.",
    manage_status_expired: "Closed: the group has already taken place.",
    manage_expired: |phone| {
        format!(
            "The group took place before the clinic could confirm your request. Call {phone} or choose another group."
        )
    },
    manage_find_another: "Find another group",
    manage_cancel_confirm_title: "Cancel this request?",
    manage_cancel_confirm_text: |when| {
        format!(
            "Your seat on {when} will go to someone else. If you want to come later, you will need to ask again."
        )
    },
    manage_cancel_yes: "Yes, cancel it",
    manage_cancel_keep: "No, keep my seat",
    form_every_week: |day| format!("Come every {day}, not only on this date"),
    form_medicare_note: |note| format!("Medicare: {note}"),
    form_every_week_hint: "The clinic confirms your weekly place once. You can skip a date or stop at any time from your page.",
    weekly_title: "Every week",
    weekly_status: |status| match status {
        MembershipStatus::Requested => {
            "You asked to come every week. The clinic will call to confirm your weekly place."
        }
        MembershipStatus::Active => "You have a weekly place in this group.",
        MembershipStatus::Ended => "Your weekly place has ended.",
    },
    weekly_dates: "Your coming dates",
    weekly_skip: "I can't come this date",
    weekly_leave: "Stop coming every week",
    weekly_skip_confirm_title: "Skip this date?",
    weekly_skip_confirm_text: |when| {
        format!("Your seat on {when} will go to someone else. Your other dates stay as they are.")
    },
    weekly_skip_yes: "Yes, skip this date",
    weekly_leave_confirm_title: "Stop coming every week?",
    weekly_leave_confirm_text: "Your seat on every coming date will go to someone else. If you want to come back later, you will need to ask again.",
    weekly_leave_yes: "Yes, stop",
    booking_status: |status, position| match status {
        BookingStatus::Requested => {
            "Requested: a seat is held for you until the clinic confirms it.".to_owned()
        }
        BookingStatus::Confirmed => "Confirmed: your seat is booked.".to_owned(),
        BookingStatus::Waitlisted => match position {
            Some(n) => format!(
                "On the waitlist: you are number {n}. If a seat opens, it is yours and the clinic will call you."
            ),
            None => "On the waitlist.".to_owned(),
        },
        BookingStatus::Cancelled => "Cancelled.".to_owned(),
        BookingStatus::Declined => {
            "The clinic could not give you a place in this group. Please call the clinic to find another."
                .to_owned()
        }
        BookingStatus::Attended => "You attended this group.".to_owned(),
        BookingStatus::NoShow => {
            "You did not attend this group. When you want, call the clinic to ask for another place."
                .to_owned()
        }
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
            "When you ask for a seat we keep your name, your phone number, your e-mail if you give it, the language you prefer, your note, how we may contact you, and your answers to the optional questions (whether you are already a patient here, how you expect to pay, a ride, what you need at the group). Your group's leader sees only what you need at the group. We keep the history of your request: when it was made, confirmed or cancelled.",
        ),
        ("Why we keep it", "Only to arrange your place in a group and to contact you about it."),
        (
            "Who sees it",
            "Only clinic staff who need it: the staff who handle requests at your clinic, and the counselor of your group. Every time staff look at or change your details, it is recorded.",
        ),
        (
            "What we share",
            "Nothing, unless you agree in writing or the law requires it. Federal rules for substance use treatment records (42 CFR Part 2) and HIPAA protect your information.",
        ),
        (
            "How we contact you",
            "Only in the ways you tick on the form: text messages, e-mail, voicemail. We send a message when we receive your request, when it is confirmed, declined, moved or cancelled, when a place opens for you, if your group's time changes or it is cancelled, and reminders before your group. Each message says only a neutral name for the clinic, the day and time, the address, the clinic's phone and a link to your own page: never what the group is about or who leads it. Texts are not sent between 9 p.m. and 8 a.m. unless they answer what you just did or your group is early the next day. Reply STOP to get no more texts, or HELP for the clinic's phone; anything else you write back is read by the clinic staff who handle requests.",
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
    error_unreadable_title: "We couldn't read the form",
    error_unreadable: |field| {
        format!(
            "What was sent as “{field}” has signs we can't read as letters. Please go back, type it again, and send the form."
        )
    },
    error_method_title: "This page can't do that",
    error_method: "This address doesn't take that kind of request. Please use the links and buttons on our pages.",
    error_timed_out_title: "This is taking too long",
    error_timed_out: "The site took too long to answer. Please try again in a moment.",
    error_unavailable_title: "We can't open our records right now",
    error_unavailable: "Please try again in a few seconds. If you were sending a request, you can send it again: it will not be counted twice.",

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
    staff_login_locked: "Too many sign-in attempts. Please wait up to an hour and try again, or ask an administrator.",
    staff_login_expired: "The sign-in form expired. Please try again.",
    staff_login_busy: "Many people are signing in right now. Please try again in a few seconds.",
    staff_home_title: "Staff home",
    home_to_call: "People to call",
    home_today: "Groups today",
    home_no_groups_today: "No groups today.",
    find_title: "Find a booking",
    find_label: "Reference, phone number or name",
    find_hint: "What the caller reads out: the 8-character reference, their phone number, or their first and last name. Only your clinics are searched.",
    find_submit: "Find",
    find_none: "No booking at your clinics matches that.",
    staff_signed_in_as: |email, role| format!("Signed in as {email} ({role})."),
    staff_role_name: |r| match r {
        StaffRole::Admin => "administrator",
        StaffRole::Intake => "intake",
        StaffRole::Counselor => "counselor",
    },
    staff_sign_out: "Sign out",
    staff_role_title: |r| match r {
        StaffRole::Admin => "Administrator",
        StaffRole::Intake => "Intake",
        StaffRole::Counselor => "Counselor",
    },
    staff_nav_catalog: "Clinics, counselors and topics",
    staff_idle_note: "For privacy you are signed out after 15 minutes without activity.",
    staff_idle_warning: "You will be signed out in 2 minutes because nothing happened for a while. Open or reload a page to stay signed in; unsaved typing is lost when you are signed out.",
    staff_nav_queue: "Request queue",
    queue_title: "Request queue",
    queue_filter_status: "Status",
    queue_filter_submit: "Show requests",
    queue_empty: "No requests here.",
    queue_col_age: "Waiting",
    queue_col_person: "Person",
    queue_col_group: "Group",
    queue_col_flags: "Repeat or overlap",
    queue_col_why: "Why call",
    queue_filter_reason: "Why",
    queue_every_reason: |n| format!("Every reason ({n})"),
    queue_worklist_option: "Needs a call",
    attention_name: |a| match a {
        Attention::New => "New request",
        Attention::Promoted => "Moved up from the waitlist",
        Attention::GroupCancelled => "The clinic cancelled the group",
        Attention::Moved => "Moved to another group",
        Attention::NoShow => "Did not attend: follow up",
        Attention::WalkIn => "Came without a booking: match to a record",
    },
    queue_no_flags: "No",
    booked_count: |n| format!("{n} booked"),
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
        BookingStatus::Requested => "Requested",
        BookingStatus::Confirmed => "Confirmed",
        BookingStatus::Attended => "Attended",
        BookingStatus::NoShow => "Did not attend",
        BookingStatus::Declined => "Declined",
        BookingStatus::Waitlisted => "On the waitlist",
        BookingStatus::Cancelled => "Cancelled",
    },
    request_title: |reference| format!("Request {reference}"),
    request_page_title: "Request",
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
    request_consent_email: |yes| if yes { "e-mail: yes" } else { "e-mail: no" },
    request_messages: "Messages to the person",
    request_sms_stopped: |when| format!("text messages: no (the person replied STOP, {when})"),
    request_resend: "Send the last message again",
    request_resent: "The last message will be sent again in a moment.",
    request_nothing_to_resend: "There is no message to send again, or the person agrees to no way of being messaged now.",
    request_replies: "Texts from the person",
    request_no_messages: "No messages (the person agreed to none, or none were due).",
    message_kind: |kind| match kind {
        MessageKind::RequestReceived => "request received",
        MessageKind::Waitlisted => "on the waitlist",
        MessageKind::PromotedFromWaitlist => "a seat opened",
        MessageKind::Confirmed => "confirmed",
        MessageKind::Declined => "declined",
        MessageKind::Moved => "moved to another group",
        MessageKind::CancelledByPatient => "cancelled by the person",
        MessageKind::CancelledByClinic => "cancelled by the clinic",
        MessageKind::GroupCancelled => "group cancelled",
        MessageKind::GroupTimeChanged => "group time changed",
        MessageKind::Reminder => "reminder",
    },
    message_channel: |channel| match channel {
        Channel::Sms => "text message",
        Channel::Email => "e-mail",
    },
    message_state: |state| match state {
        MessageState::Pending => "waiting to be sent",
        MessageState::Sent => "sent",
        MessageState::Failed => "failed",
        MessageState::Unsent => "not sent",
    },
    message_default_sender: "Your clinic",
    message_subject: |kind| match kind {
        MessageKind::RequestReceived => "we have your request",
        MessageKind::Waitlisted => "you are on the waiting list",
        MessageKind::PromotedFromWaitlist => "a place opened for you",
        MessageKind::Confirmed => "your appointment is confirmed",
        MessageKind::Declined => "we could not keep your request",
        MessageKind::Moved => "your appointment moved",
        MessageKind::CancelledByPatient => "you cancelled",
        MessageKind::CancelledByClinic => "your appointment was cancelled",
        MessageKind::GroupCancelled => "this appointment is cancelled",
        MessageKind::GroupTimeChanged => "new time for your appointment",
        MessageKind::Reminder => "reminder of your appointment",
    },
    message_lead: |kind, position| match kind {
        MessageKind::RequestReceived => "we have your request. We will contact you to confirm it.".to_owned(),
        MessageKind::Waitlisted => match position {
            Some(n) => format!("you are number {n} on the waiting list. We will tell you if a place opens."),
            None => "you are on the waiting list. We will tell you if a place opens.".to_owned(),
        },
        MessageKind::PromotedFromWaitlist => {
            "a place opened for you. We will contact you to confirm it.".to_owned()
        }
        MessageKind::Confirmed => "your appointment is confirmed. Please arrive 10 minutes early.".to_owned(),
        MessageKind::Declined => {
            "we could not keep your request. Please call us to find another time.".to_owned()
        }
        MessageKind::Moved => "your appointment moved to a new time.".to_owned(),
        MessageKind::CancelledByPatient => {
            "you cancelled this appointment. You are welcome to ask again.".to_owned()
        }
        MessageKind::CancelledByClinic => {
            "we cancelled this appointment. Please call us if you have questions.".to_owned()
        }
        MessageKind::GroupCancelled => "this appointment is cancelled. We are sorry.".to_owned(),
        MessageKind::GroupTimeChanged => "your appointment has a new time.".to_owned(),
        MessageKind::Reminder => "a reminder of your appointment.".to_owned(),
    },
    message_find_another: |url| format!("Find another time: {url}"),
    message_call: |phone| format!("Questions: {phone}"),
    message_your_page: |url| format!("Your page: {url}"),
    calendar_summary: |sender| format!("{sender}: appointment"),
    message_stopped: |sender, phone| {
        format!("{sender}: you will get no more text messages from us. To reach us, call {phone}.")
    },
    message_help: |sender, phone| {
        format!("{sender}: to reach us, call {phone}. Reply STOP if you want no more text messages.")
    },
    message_unsent: |why| match why {
        Unsent::NoChannel => "not sent: no channel configured",
        Unsent::ConsentWithdrawn => "not sent: the person withdrew consent",
        Unsent::NoLongerApplies => "not sent: no longer applies",
    },
    request_received: "Received",
    source_name: |source| match source {
        BookingSource::Phone => "by phone",
        BookingSource::Online => "online",
        BookingSource::WalkIn => "came without a booking",
    },
    request_history: "History",
    request_weekly: |status| match status {
        MembershipStatus::Requested => {
            "Every week: asked for, to confirm (confirming this request confirms every week)"
        }
        MembershipStatus::Active => "Every week: confirmed",
        MembershipStatus::Ended => "Every week: ended",
    },
    request_weekly_end: "End the weekly place",
    request_answers_change: "Correct the answers",
    request_answers_save: "Save the answers",
    request_weekly_ended: "The weekly place has ended; the coming dates are cancelled.",
    request_actions: "Actions",
    action_confirm: "Confirm the seat",
    action_decline: "Decline",
    action_cancel: "Cancel the booking",
    action_cancel_repeat: "Cancel this repeat request",
    repeat_cancel_reason: "Repeat request of the same phone",
    decision_refused: "The request's status no longer allows that: someone may have decided it meanwhile. Here it is as it stands now.",
    action_reason: "Reason (kept in the history)",
    action_log_contact: "Log a contact attempt",
    contact_outcome: |o| match o {
        ContactOutcome::Called => "Called and spoke",
        ContactOutcome::LeftVoicemail => "Left a voicemail",
        ContactOutcome::NoAnswer => "No answer",
    },
    history_new: "new",
    history_by: |actor| match actor {
        Actor::Patient => "by the person".to_owned(),
        Actor::System => "automatically".to_owned(),
        Actor::Staff(id) => format!("by staff #{id}"),
    },
    back_to_queue: "Back to the queue",
    staff_nav_my_sessions: "My groups",
    my_sessions_title: "My groups",
    feed_title: "My groups in my calendar",
    feed_intro: "A private link your calendar app can follow: the groups you lead, with their times, clinic and seats taken. It never shows who is coming. Anyone with the link sees your groups, so keep it to yourself.",
    feed_made: |date| format!("Your calendar link was made on {date}. Making a new one stops the old one."),
    feed_new_link: "Your new calendar link. Copy it into your calendar app now: it is shown only this once.",
    feed_make: "Make my calendar link",
    feed_make_again: "Make a new link",
    feed_stop: "Turn the link off",
    feed_summary: |topic, taken, seats| format!("{topic} ({taken} of {seats} seats taken)"),
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
    attendance_title: "Attendance",
    attendance_not_yet: "Attendance can be taken once the group has started.",
    attendance_came: "Came",
    roster_first_visit: "first visit",
    walk_in_title: "Someone came without a booking",
    walk_in_intro: "Add them as here today. Intake will match them to a record.",
    walk_in_add: "Add as here today",
    walk_in_problem: "Please give a first name, a last name and a phone number we can call.",
    walk_in_closed: "This group was cancelled or is long over: nobody can be added now.",
    walk_in_already: "Someone with this phone number is already on this group\u{2019}s list: mark them as here above.",
    roster_read_only: "You can see who is coming and who came. The group's counselor records attendance.",
    attendance_missed: "Did not come",
    attendance_save: "Save attendance",
    attendance_only_confirmed: "Marking someone as here who was still waiting for a call from intake also confirms them.",
    sheet_title: "Sign-in sheet",
    sheet_col_signature: "Signature",
    sheet_print_hint: "Use your browser's Print command. The sheet shows first names and last initials only.",
    back_to_my_sessions: "Back to my groups",
    staff_nav_admin_sessions: "Groups and sessions",
    staff_nav_phone_booking: "Take a phone booking",
    staff_nav_series: "Weekly groups",
    catalog_clinics: "Clinics",
    patient_section: "Patient record",
    patient_linked: "This request belongs to a patient record.",
    patient_open: "Open the record",
    patient_candidates: "Records that may be this person (same phone, or same name: ask the date of birth)",
    patient_same_person: "Same person: link",
    patient_no_match: "No record matches.",
    patient_new: "Or make a new record from this request",
    patient_dob: "Date of birth (YYYY-MM-DD, if the person gave it)",
    patient_create: "Create record",
    patient_title: |name| format!("Patient: {name}"),
    patient_bookings: "Bookings",
    patient_duplicates: "Records that may be the same person",
    patient_merge: "Merge into this record",
    patient_dob_unknown: "date of birth not known",
    patient_bad_dob: "Please enter the date of birth as YYYY-MM-DD, or leave it empty.",
    catalog_counselors: "Counselors",
    catalog_topics: "Topics",
    catalog_add: "Add",
    catalog_save: "Save",
    catalog_new: "New",
    field_name: "Name",
    field_short_name: "Short name (used in messages to patients)",
    field_address: "Address",
    field_phone: "Phone",
    field_time_zone: "Time zone (for example America/Los_Angeles)",
    field_hours_en: "Opening hours (English)",
    field_hours_es: "Opening hours (Spanish)",
    field_intake_hours_en: "Intake hours (English)",
    field_intake_hours_es: "Intake hours (Spanish)",
    field_message_name: "Name in messages to patients (neutral; empty: “Your clinic”)",
    message_name_not_neutral: "Please choose a name that does not say what the clinic treats: \
                               others may see a patient's phone.",
    field_credentials: "Credentials (for example LAADC, LCSW)",
    field_bio_en: "Short bio (English)",
    field_bio_es: "Short bio (Spanish)",
    field_languages: "Languages spoken",
    field_active: "Active (shown and bookable)",
    closures_title: "Closures",
    closures_intro: "Close clinics for a day, such as a holiday. Every group there that day is cancelled, the people booked are told, and weekly groups skip the day from then on.",
    closure_new: "Close for a day",
    closure_date: "Date",
    closure_clinics: "Clinics",
    closure_show: "Show who is affected",
    closure_preview_title: "These groups will be cancelled",
    closure_no_groups: "No group meets that day yet.",
    closure_confirm: "Close and cancel these groups",
    closures_upcoming: "Coming closures",
    closures_none: "No closures ahead.",
    closure_date_needed: "Choose a date from today on.",
    closure_clinic_needed: "Choose at least one clinic.",
    field_medicare_note_en: "Note on Medicare for the booking form, English (e.g. coverage coming soon)",
    field_medicare_note_es: "Note on Medicare for the booking form, Spanish",
    field_name_en: "Name (English)",
    field_name_es: "Name (Spanish)",
    field_description_en: "Description (English)",
    field_description_es: "Description (Spanish)",
    not_a_time_zone: "Please enter a time zone name like America/Los_Angeles.",
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
    move_submit: "Move",
    move_refused: |why| match why {
        MoveRefused::UnknownSession => "That group does not exist.",
        MoveRefused::Unbookable(Unbookable::Cancelled) => "That group was cancelled.",
        MoveRefused::Unbookable(_) => "That group has started or starts too soon to take a booking.",
        MoveRefused::AlreadyThere => "This phone number already has a booking in that group.",
        MoveRefused::NotActive => "Only active bookings can be moved.",
        MoveRefused::SameSession => "The booking is already in that group.",
        MoveRefused::WeeklyPlaceElsewhere => {
            "A week of a weekly place moves only to a group of the same clinic. End the weekly place and book the other clinic instead."
        }
    },
    staff_nav_admin_staff: "Staff accounts and settings",
    staff_nav_audit: "Audit log",
    staff_nav_messages: "Messages to patients",
    messages_intro: "The newest 200 messages to patients: what each was about, how it was sent, where it \
                     stands, and what it says (the person's private link masked). No patient's name or \
                     number is shown here.",
    messages_none: "No messages yet.",
    messages_failed_heading: "Not sent: send again",
    messages_failed_intro: "Each of these could not be sent, even after its last try. Check the channel settings, or ask the person for another number or address, then send it again.",
    messages_retry: "Send again",
    messages_newest_heading: "Newest messages",
    admin_sessions_title: "Sessions",
    admin_manage: "Manage",
    admin_session_title: |topic| format!("Session: {topic}"),
    admin_leads: "Led by",
    admin_remove: "Remove",
    admin_add_counselor: "Add a co-facilitator",
    admin_add: "Add",
    admin_cancel_session: "Cancel this session",
    admin_cancel_reason: "Reason (kept with each cancelled booking)",
    call_list_title: "Who this would reach",
    call_list_intro: "Everyone still coming or waiting. Each gets a message if they agreed to one; intake calls them to find another group.",
    call_list_empty: "Nobody is booked or waiting.",
    admin_cancel_kind: "Why (the people booked see this)",
    group_cancel_kind: |kind| match kind {
        GroupCancelKind::ClinicClosed => "the clinic is closed that day",
        GroupCancelKind::LeaderUnavailable => "the group leader is not available",
        GroupCancelKind::RoomUnavailable => "the room is not available",
        GroupCancelKind::ScheduleChanged => "the group's schedule changed",
        GroupCancelKind::Other => "it could not take place",
    },
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
    admin_staff_access: "Change role, counselor or clinics",
    admin_staff_not_yourself: "You cannot change your own access. Ask another administrator.",
    admin_staff_access_save: "Save access (they sign in again)",
    admin_staff_inactive: "deactivated",
    admin_staff_new_password: "New password (at least 12 characters)",
    admin_staff_reset: "Reset password",
    admin_staff_second_factor: |on| if on { "second step: on" } else { "second step: not set up" },
    admin_staff_email_taken: "An account with this e-mail exists already.",
    admin_staff_bad_email: "Please enter an e-mail address.",
    admin_staff_bad_password: "The password must be 12 to 200 characters.",
    admin_staff_bad_link: "A counselor account needs a counselor; other roles take none.",
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
    audit_action: |action| match action {
        AuditAction::Attendance => "took attendance",
        AuditAction::BookingContactLogged => "logged a contact attempt",
        AuditAction::BookingCreatedByPhone => "took a phone booking",
        AuditAction::BookingMoved => "moved a booking",
        AuditAction::BookingConfirm => "confirmed a booking",
        AuditAction::BookingDecline => "declined a booking",
        AuditAction::BookingCancel => "cancelled a booking",
        AuditAction::Login => "signed in",
        AuditAction::LoginFailed => "failed sign-in",
        AuditAction::LoginLocked => "sign-in refused (locked)",
        AuditAction::Logout => "signed out",
        AuditAction::PatientCreated => "created a patient record",
        AuditAction::PatientLinked => "linked a request to a patient",
        AuditAction::PatientMerged => "merged a record into this one",
        AuditAction::PatientMergedAway => "record merged into another",
        AuditAction::SecondFactorEnrolled => "turned on a second sign-in step",
        AuditAction::SeriesChanged => "changed a weekly group",
        AuditAction::SeriesCreated => "created a weekly group",
        AuditAction::SessionCancelled => "cancelled a session",
        AuditAction::SessionCounselorAdded => "added a co-facilitator",
        AuditAction::SessionCounselorRemoved => "removed a co-facilitator",
        AuditAction::SettingSecondFactorOptional => "made the second step optional",
        AuditAction::SettingSecondFactorRequired => "required the second step",
        AuditAction::StaffCreated => "created a staff account",
        AuditAction::StaffDeactivated => "deactivated a staff account",
        AuditAction::StaffPasswordReset => "reset a password",
        AuditAction::ViewAuditLog => "viewed the audit log",
        AuditAction::DemoLoginsRemoved => "demo logins removed (command line)",
        AuditAction::ViewBooking => "viewed a request",
        AuditAction::ViewPatient => "viewed a patient record",
        AuditAction::ViewQueue => "viewed the request queue",
        AuditAction::ViewRoster => "viewed a roster",
        AuditAction::ViewSignInSheet => "viewed a sign-in sheet",
        AuditAction::ViewBookingInList => "saw a request in a list",
        AuditAction::ViewPatientInList => "saw a patient record in a list",
        AuditAction::ClinicsCreated => "added a clinic",
        AuditAction::ClinicsChanged => "changed a clinic",
        AuditAction::CounselorsCreated => "added a counselor",
        AuditAction::CounselorsChanged => "changed a counselor",
        AuditAction::TopicsCreated => "added a topic",
        AuditAction::TopicsChanged => "changed a topic",
        AuditAction::MessageRetried => "sent a failed message again",
        AuditAction::MessageResent => "sent the last message again",
        AuditAction::SmsConsentWithdrawn => "stopped text messages (STOP)",
        AuditAction::CalendarFeedMade => "made a calendar link",
        AuditAction::CalendarFeedStopped => "turned a calendar link off",
        AuditAction::FindBookings => "searched for a booking",
        AuditAction::WalkInAdded => "added someone who came without a booking",
        AuditAction::StaffAccessChanged => "changed a staff account's access",
        AuditAction::MembershipEnded => "ended a weekly place",
        AuditAction::ClinicClosed => "closed a clinic for a day",
        AuditAction::BookingAnswersChanged => "corrected a person's admission answers",
    },

    problem: |p| {
        match p {
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
        Problem::UnknownChoice => "Please choose one of the answers, or leave it.".to_owned(),
        Problem::Under18 => "We can only take requests online from people 18 or older. Please call the clinic: they will help you.".to_owned(),
    }
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

pub(super) fn en_date(m: &Messages, d: NaiveDate) -> String {
    format!(
        "{}, {} {}",
        m.weekdays[d.weekday().num_days_from_monday() as usize],
        m.months[d.month0() as usize],
        d.day()
    )
}

pub(super) fn en_time(out: &mut dyn std::fmt::Write, hour: u32, minute: u32) -> std::fmt::Result {
    let (h, suffix) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    // A no-break space: "10:00 AM" never splits across lines.
    write!(out, "{h}:{minute:02}\u{a0}{suffix}")
}
