//! `/api/v2/`: DefectDojo's REST API.

pub mod accept_risks;
mod body;
pub mod configuration;
pub mod delete_preview;
pub mod development_environments;
pub mod dojo_groups;
pub mod endpoints;
pub mod engagements;
pub mod fields;
pub mod finding_actions;
pub mod finding_edit;
pub mod finding_status;
pub mod finding_templates;
pub mod findings;
pub mod import;
pub mod list;
pub mod members;
pub mod memberships;
pub mod metadata;
pub mod metrics;
pub mod note_types;
pub mod notes;
pub mod notification_webhooks;
pub mod notifications;
pub mod object_files;
pub mod object_notes;
pub mod openapi;
pub mod parent;
pub mod prefetch;
pub mod product_types;
pub mod products;
pub mod references;
pub mod regulations;
pub mod related;
pub mod resource;
pub mod risk_acceptances;
pub mod roles;
pub mod shapes;
pub mod sla_configurations;
pub mod system_settings;
pub mod technologies;
pub mod test_imports;
pub mod test_types;
pub mod tests;
mod token_auth;
pub mod user_profile;
pub mod users;

use axum::routing::post;
use axum::Router;

pub use body::RequestFields;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        // DefectDojo's canonical path ends in a slash; clients that omit it are served too.
        .route("/api/v2/api-token-auth/", post(token_auth::obtain_token))
        .route("/api/v2/api-token-auth", post(token_auth::obtain_token))
        .merge(import::routes())
        .merge(findings::routes())
        .merge(accept_risks::routes())
        .merge(risk_acceptances::routes())
        .merge(metrics::routes())
        .merge(product_types::routes())
        .merge(engagements::routes())
        .merge(products::routes())
        .merge(tests::routes())
        .merge(test_types::routes())
        .merge(test_imports::routes())
        .merge(object_notes::routes())
        .merge(object_files::routes())
        .merge(finding_actions::routes())
        .merge(finding_status::routes())
        .merge(notes::routes())
        .merge(user_profile::routes())
        .merge(users::routes())
        .merge(memberships::routes())
        .merge(dojo_groups::routes())
        .merge(roles::routes())
        .merge(config_routes())
        .merge(delete_preview::routes())
        .merge(openapi::routes())
}

/// Configuration, endpoints, metadata (issue 5) and notification settings (issue 6).
fn config_routes() -> Router<AppState> {
    Router::new()
        .merge(sla_configurations::routes())
        .merge(system_settings::routes())
        .merge(regulations::routes())
        .merge(development_environments::routes())
        .merge(note_types::routes())
        .merge(endpoints::routes())
        .merge(finding_templates::routes())
        .merge(technologies::routes())
        .merge(metadata::routes())
        .merge(notifications::routes())
        .merge(notification_webhooks::routes())
}
