//! The only place that writes SQL. Each function takes a connection (or a transaction) and
//! returns plain types; rules that must hold under concurrency are enforced here, inside one
//! transaction, with the database's locks and constraints.

pub mod audit;
pub mod bookings;
pub mod calendar_feeds;
pub mod catalog;
pub mod closures;
pub mod intake;
pub mod jobs;
pub mod listings;
pub mod login_throttle;
pub mod memberships;
pub mod metrics;
pub mod outbox;
pub mod patients;
pub mod rate_limit;
pub mod replies;
pub mod rosters;
pub mod schedule;
pub mod secrets;
pub mod session_admin;
pub mod sessions;
pub mod settings;
pub mod staff;

use crate::domain::ClinicZone;
use crate::domain::audit::{AuditAction, RecordType};
use crate::domain::booking::{Actor, Attention, BookingSource, GroupCancelKind, Payment};

/// Codes the database keeps as text and the queries read as types (`action as "action:
/// AuditAction"`): a code this build does not know fails the read, as a row written by
/// something other than this app should, instead of reaching a page raw.
macro_rules! read_as_code {
    ($($code:ty),* $(,)?) => {$(
        impl sqlx::Type<sqlx::Postgres> for $code {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <String as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $code {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <String as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                // The type in the message: the column is named only by its position.
                <$code>::try_from(code).map_err(|e| format!("{}: {e}", stringify!($code)).into())
            }
        }
    )*};
}

read_as_code!(
    AuditAction,
    RecordType,
    Actor,
    BookingSource,
    ClinicZone,
    GroupCancelKind,
    Attention,
    Payment,
    memberships::MembershipStatus,
);
