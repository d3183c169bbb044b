//! What the audit log records: the actions staff (and the system) take and the kinds of
//! record they touch, each with the one code it is stored under. A new action is a new variant:
//! the compiler then asks for its words in every language.

use super::UnknownCode;

/// One thing done, as the audit log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Attendance,
    BookingContactLogged,
    BookingCreatedByPhone,
    BookingMoved,
    BookingConfirm,
    BookingDecline,
    BookingCancel,
    Login,
    LoginFailed,
    LoginLocked,
    Logout,
    PatientCreated,
    PatientLinked,
    PatientMerged,
    PatientMergedAway,
    SecondFactorEnrolled,
    SeriesChanged,
    SeriesCreated,
    SessionCancelled,
    SessionCounselorAdded,
    SessionCounselorRemoved,
    SettingSecondFactorOptional,
    SettingSecondFactorRequired,
    StaffCreated,
    StaffDeactivated,
    StaffPasswordReset,
    ViewAuditLog,
    DemoLoginsRemoved,
    ViewBooking,
    ViewPatient,
    ViewQueue,
    ViewRoster,
    ViewSignInSheet,
    ViewBookingInList,
    ViewPatientInList,
    ClinicsCreated,
    ClinicsChanged,
    CounselorsCreated,
    CounselorsChanged,
    TopicsCreated,
    TopicsChanged,
    /// An admin sent a failed message again.
    MessageRetried,
    /// Intake sent a booking's last message again.
    MessageResent,
    /// The person answered STOP: no more text messages.
    SmsConsentWithdrawn,
    /// A counselor made (or made again) their private calendar feed.
    CalendarFeedMade,
    /// A counselor turned their calendar feed off.
    CalendarFeedStopped,
    /// Intake searched for a booking (each booking shown is audited on its own).
    FindBookings,
    /// A counselor added someone who came without a booking.
    WalkInAdded,
    /// An admin changed an account's role, counselor link or clinics.
    StaffAccessChanged,
    /// Intake ended a person's weekly place in a group.
    MembershipEnded,
    /// An administrator closed a clinic for a day.
    ClinicClosed,
    /// Intake corrected a person's answers to the admission questions.
    BookingAnswersChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 52] = [
        AuditAction::Attendance,
        AuditAction::BookingContactLogged,
        AuditAction::BookingCreatedByPhone,
        AuditAction::BookingMoved,
        AuditAction::BookingConfirm,
        AuditAction::BookingDecline,
        AuditAction::BookingCancel,
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::LoginLocked,
        AuditAction::Logout,
        AuditAction::PatientCreated,
        AuditAction::PatientLinked,
        AuditAction::PatientMerged,
        AuditAction::PatientMergedAway,
        AuditAction::SecondFactorEnrolled,
        AuditAction::SeriesChanged,
        AuditAction::SeriesCreated,
        AuditAction::SessionCancelled,
        AuditAction::SessionCounselorAdded,
        AuditAction::SessionCounselorRemoved,
        AuditAction::SettingSecondFactorOptional,
        AuditAction::SettingSecondFactorRequired,
        AuditAction::StaffCreated,
        AuditAction::StaffDeactivated,
        AuditAction::StaffPasswordReset,
        AuditAction::ViewAuditLog,
        AuditAction::DemoLoginsRemoved,
        AuditAction::ViewBooking,
        AuditAction::ViewPatient,
        AuditAction::ViewQueue,
        AuditAction::ViewRoster,
        AuditAction::ViewSignInSheet,
        AuditAction::ViewBookingInList,
        AuditAction::ViewPatientInList,
        AuditAction::ClinicsCreated,
        AuditAction::ClinicsChanged,
        AuditAction::CounselorsCreated,
        AuditAction::CounselorsChanged,
        AuditAction::TopicsCreated,
        AuditAction::TopicsChanged,
        AuditAction::MessageRetried,
        AuditAction::MessageResent,
        AuditAction::SmsConsentWithdrawn,
        AuditAction::CalendarFeedMade,
        AuditAction::CalendarFeedStopped,
        AuditAction::FindBookings,
        AuditAction::WalkInAdded,
        AuditAction::StaffAccessChanged,
        AuditAction::MembershipEnded,
        AuditAction::ClinicClosed,
        AuditAction::BookingAnswersChanged,
    ];

    /// The text stored in `audit_log.action`.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Attendance => "attendance",
            AuditAction::BookingContactLogged => "booking_contact_logged",
            AuditAction::BookingCreatedByPhone => "booking_created_by_phone",
            AuditAction::BookingMoved => "booking_moved",
            AuditAction::BookingConfirm => "booking_confirm",
            AuditAction::BookingDecline => "booking_decline",
            AuditAction::BookingCancel => "booking_cancel",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLocked => "login_locked",
            AuditAction::Logout => "logout",
            AuditAction::PatientCreated => "patient_created",
            AuditAction::PatientLinked => "patient_linked",
            AuditAction::PatientMerged => "patient_merged",
            AuditAction::PatientMergedAway => "patient_merged_away",
            AuditAction::SecondFactorEnrolled => "second_factor_enrolled",
            AuditAction::SeriesChanged => "series_changed",
            AuditAction::SeriesCreated => "series_created",
            AuditAction::SessionCancelled => "session_cancelled",
            AuditAction::SessionCounselorAdded => "session_counselor_added",
            AuditAction::SessionCounselorRemoved => "session_counselor_removed",
            AuditAction::SettingSecondFactorOptional => "setting_second_factor_optional",
            AuditAction::SettingSecondFactorRequired => "setting_second_factor_required",
            AuditAction::StaffCreated => "staff_created",
            AuditAction::StaffDeactivated => "staff_deactivated",
            AuditAction::StaffPasswordReset => "staff_password_reset",
            AuditAction::ViewAuditLog => "view_audit_log",
            AuditAction::DemoLoginsRemoved => "demo_logins_removed",
            AuditAction::ViewBooking => "view_booking",
            AuditAction::ViewPatient => "view_patient",
            AuditAction::ViewQueue => "view_queue",
            AuditAction::ViewRoster => "view_roster",
            AuditAction::ViewSignInSheet => "view_sign_in_sheet",
            AuditAction::ViewBookingInList => "view_booking_in_list",
            AuditAction::ViewPatientInList => "view_patient_in_list",
            AuditAction::ClinicsCreated => "clinics_created",
            AuditAction::ClinicsChanged => "clinics_changed",
            AuditAction::CounselorsCreated => "counselors_created",
            AuditAction::CounselorsChanged => "counselors_changed",
            AuditAction::TopicsCreated => "topics_created",
            AuditAction::TopicsChanged => "topics_changed",
            AuditAction::MessageRetried => "message_retried",
            AuditAction::MessageResent => "message_resent",
            AuditAction::SmsConsentWithdrawn => "sms_consent_withdrawn",
            AuditAction::CalendarFeedMade => "calendar_feed_made",
            AuditAction::CalendarFeedStopped => "calendar_feed_stopped",
            AuditAction::FindBookings => "find_bookings",
            AuditAction::WalkInAdded => "walk_in_added",
            AuditAction::StaffAccessChanged => "staff_access_changed",
            AuditAction::MembershipEnded => "membership_ended",
            AuditAction::ClinicClosed => "clinic_closed",
            AuditAction::BookingAnswersChanged => "booking_answers_changed",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }
}

impl TryFrom<String> for AuditAction {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<AuditAction, UnknownCode> {
        AuditAction::from_code(&code).ok_or(UnknownCode(code))
    }
}

/// The kind of record an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    Booking,
    Patient,
    Session,
    Staff,
    Series,
    Clinic,
    Counselor,
    Topic,
}

impl RecordType {
    pub const ALL: [RecordType; 8] = [
        RecordType::Booking,
        RecordType::Patient,
        RecordType::Session,
        RecordType::Staff,
        RecordType::Series,
        RecordType::Clinic,
        RecordType::Counselor,
        RecordType::Topic,
    ];

    /// The text stored in `audit_log.record_type`.
    pub fn code(self) -> &'static str {
        match self {
            RecordType::Booking => "booking",
            RecordType::Patient => "patient",
            RecordType::Session => "session",
            RecordType::Staff => "staff",
            RecordType::Series => "series",
            RecordType::Clinic => "clinics",
            RecordType::Counselor => "counselors",
            RecordType::Topic => "topics",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.code() == code)
    }
}

impl TryFrom<String> for RecordType {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<RecordType, UnknownCode> {
        RecordType::from_code(&code).ok_or(UnknownCode(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_action_and_no_two_share_one() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
        let codes: std::collections::HashSet<_> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for kind in RecordType::ALL {
            assert_eq!(RecordType::from_code(kind.code()), Some(kind));
        }
        assert!(AuditAction::try_from("drop_table".to_owned()).is_err());
    }
}
