//! Background work `serve` runs beside the HTTP server.

pub mod audit_checkpoints;
pub mod expire_requests;
pub mod schedule_horizon;
