//! groupcare: booking for counselor-led group therapy at opioid-treatment clinics.
//! The binary (`main.rs`) and the tests both run the app through [`web::router`].

pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod jobs;
pub mod keys;
pub mod store;
pub mod web;

pub use web::{AppState, router};
