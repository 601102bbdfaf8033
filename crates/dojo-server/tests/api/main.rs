//! API tests through the router, on SQLite and (with DOJO_TEST_DATABASE_URL) PostgreSQL.

mod support;

mod auth;
mod health;
mod import;
mod startup;
