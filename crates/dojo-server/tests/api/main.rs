//! API tests through the router, on SQLite and (with DOJO_TEST_DATABASE_URL) PostgreSQL.

mod support;

mod auth;
mod browser;
mod configuration;
mod delete_preview;
mod endpoints;
mod engagements;
mod files;
mod finding_actions;
mod finding_edit;
mod finding_status;
mod findings;
mod health;
mod import;
mod members;
mod metadata;
mod metrics;
mod notes;
mod notifications;
mod object_notes;
mod openapi;
mod prefetch;
mod product_types;
mod products;
mod rbac_matrix;
mod risk_acceptances;
mod session;
mod startup;
mod technologies;
mod test_imports;
mod tests;
mod transitions;
mod user_profile;
mod web;
