//! Dojo's HTTP server: the DefectDojo-compatible API and the accounts behind it.

pub mod accounts;
pub mod api;
mod app;
pub mod auth;
pub mod error;
pub mod files;
pub mod lifecycle;
pub mod notifications;
pub mod secret;
pub mod web;

pub use app::{router, serve, AppState};
