//! `/api/v2/oa3/schema/`: the OpenAPI document of what Dojo serves, under
//! DefectDojo's operation ids and component names, so that clients generated
//! from DefectDojo's schema find the same names here; and Swagger UI over it.
//!
//! The JSON shapes are built as `serde_json::Value`s (`api/shapes/`), so the
//! schema is not derived from Rust types: each resource is described once, as
//! const data (`components.rs`, `findings.rs`, `resources.rs`, in the
//! vocabulary of `describe.rs`), reusing the handlers' own filter and ordering
//! tables where they have them; `build.rs` turns the descriptions into the
//! document with utoipa's builders. The API tests hold the descriptions to
//! the router (every route and method) and to real responses (every key).
//!
//! Like DefectDojo, the schema and the page are public: they describe the API,
//! not its data.

mod build;
pub mod components;
pub mod config;
pub mod describe;
pub mod findings;
pub mod members;
pub mod notifications;
pub mod resources;
pub mod risk;
mod ui;

use std::sync::OnceLock;

use axum::extract::RawQuery;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::openapi::OpenApi;

use crate::api::list::QueryParams;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/oa3/schema/", get(schema))
        .route("/api/v2/oa3/schema", get(schema))
        .route("/api/v2/oa3/swagger-ui/", get(ui::page))
        .route("/api/v2/oa3/swagger-ui", get(ui::to_page))
        .route(
            "/api/v2/oa3/swagger-ui/swagger-ui-bundle.js",
            get(ui::bundle),
        )
        .route("/api/v2/oa3/swagger-ui/swagger-ui.css", get(ui::style))
}

/// The document, built once.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| build::document(&resources::operations()))
}

/// JSON by default and with `?format=json`; YAML with `?format=yaml`, as
/// DefectDojo offers both.
async fn schema(RawQuery(raw): RawQuery) -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    static YAML: OnceLock<String> = OnceLock::new();
    let q = QueryParams::parse(raw.as_deref());
    let (content_type, body) = match q.get("format") {
        None | Some("json") => (
            "application/vnd.oai.openapi+json",
            JSON.get_or_init(|| document().to_json().unwrap_or_default()),
        ),
        Some("yaml") => (
            "application/vnd.oai.openapi; charset=utf-8",
            YAML.get_or_init(|| document().to_yaml().unwrap_or_default()),
        ),
        Some(_) => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({ "detail": "Not found." })),
            )
                .into_response()
        }
    };
    ([(CONTENT_TYPE, content_type)], body.as_str()).into_response()
}

#[cfg(test)]
mod unit {
    use std::collections::BTreeSet;

    use serde_json::Value;

    fn document_json() -> Value {
        serde_json::to_value(super::document()).unwrap_or_default()
    }

    /// Every `$ref` below `value`.
    fn references(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(target)) => {
                            out.insert(target.clone());
                        }
                        _ => references(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_and_every_component_is_used() {
        let doc = document_json();
        let mut used = BTreeSet::new();
        references(&doc, &mut used);
        let defined: BTreeSet<String> = doc["components"]["schemas"]
            .as_object()
            .map(|m| {
                m.keys()
                    .map(|k| format!("#/components/schemas/{k}"))
                    .collect()
            })
            .unwrap_or_default();
        let dangling: Vec<_> = used.difference(&defined).collect();
        assert!(dangling.is_empty(), "{dangling:?}");
        let unused: Vec<_> = defined.difference(&used).collect();
        assert!(unused.is_empty(), "{unused:?}");
    }

    #[test]
    fn operation_ids_are_unique() {
        let ops = super::resources::operations();
        let ids: BTreeSet<&str> = ops.iter().map(|op| op.id.as_str()).collect();
        assert_eq!(ids.len(), ops.len());
    }

    #[test]
    fn requests_leave_out_read_only_fields_and_responses_write_only_ones() {
        let doc = document_json();
        let schemas = &doc["components"]["schemas"];
        let finding_request = &schemas["FindingRequest"]["properties"];
        assert!(finding_request.get("id").is_none() && finding_request.get("age").is_none());
        assert!(finding_request.get("title").is_some());
        assert_eq!(schemas["PatchedFindingRequest"].get("required"), None);
        let token = &schemas["AuthToken"]["properties"];
        assert!(token.get("password").is_none() && token.get("token").is_some());
        let required = &schemas["ProductTypeRequest"]["required"];
        assert_eq!(required, &serde_json::json!(["name"]));
        assert_eq!(
            schemas["ProductType"]["properties"]["description"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert_eq!(schemas["ProductType"]["properties"]["id"]["readOnly"], true);
    }
}
