//! groupcare: booking for counselor-led group therapy at opioid-treatment clinics.
//! The binary (`main.rs`) and the tests both run the app through [`web::router`].

/// Values about a patient never print themselves in debug output, so a stray `{:?}` in a log
/// line or a panic message cannot leak them: domain values and store rows alike.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(…)"))
            }
        }
    )*};
}

pub mod calendar;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod notify;
pub mod scale;
pub mod store;
pub mod tokens;
pub mod web;

pub use web::{AppState, router};
