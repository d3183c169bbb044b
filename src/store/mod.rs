//! The only place that writes SQL. Each function takes a connection (or a transaction) and
//! returns plain types; rules that must hold under concurrency are enforced here, inside one
//! transaction, with the database's locks and constraints.

pub mod audit;
pub mod bookings;
pub mod catalog;
pub mod intake;
pub mod login_throttle;
pub mod patients;
pub mod rate_limit;
pub mod rosters;
pub mod schedule;
pub mod secrets;
pub mod session_admin;
pub mod sessions;
pub mod settings;
pub mod staff;
