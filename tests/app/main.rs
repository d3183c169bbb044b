//! Integration tests: the real router over real HTTP against a real PostgreSQL.

mod helpers;

mod api;
mod audit;
mod booking_rules;
mod browser;
mod catalog_only;
mod cli;
mod closures;
mod concurrency;
mod connections;
mod delivery;
mod edges;
mod embedded_server;
mod language;
mod manage;
mod memberships;
mod messages;
mod outage;
mod pages;
mod privacy;
mod providers;
mod schedule;
mod secrets;
mod serving;
mod staff_access;
mod staff_admin;
mod staff_auth;
mod staff_catalog;
mod staff_counselor;
mod staff_intake;
mod staff_patients;
mod staff_second_factor;
mod staff_series;
mod staff_throttle;
mod validation;
