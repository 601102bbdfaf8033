//! `/api/v2/oa3/schema/`: the schema answers, describes exactly the routes
//! the router serves, describes the keys real responses have, accepts the
//! filters it documents, and carries DefectDojo's operation ids.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dojo_storage::db_test;
use serde_json::{json, Value};

use crate::import::*;
use crate::support::call;

const SCHEMA: &str = "/api/v2/oa3/schema/";
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

async fn schema(app: &App) -> Value {
    let request = Request::get(SCHEMA).body(Body::empty()).expect("request");
    let (status, body) = call(&app.app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A GET without credentials: its status and body as text.
async fn get_text(app: &App, path: &str) -> (StatusCode, String) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    let (status, body) = call(&app.app, request).await;
    let text = match body {
        Value::String(text) => text,
        other => other.to_string(),
    };
    (status, text)
}

/// The component a `$ref` names.
fn component<'a>(schema: &'a Value, name: &str) -> &'a Value {
    let found = &schema["components"]["schemas"][name];
    assert!(found.is_object(), "component {name} is missing");
    found
}

/// Holds a response to a component: every key is a property, every property
/// is a key unless the component leaves it out of `required`.
fn assert_shape(schema: &Value, name: &str, value: &Value) {
    let component = component(schema, name);
    let properties: BTreeSet<String> = component["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let required: BTreeSet<String> = component["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let keys: BTreeSet<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    let undocumented: Vec<_> = keys.difference(&properties).collect();
    assert!(
        undocumented.is_empty(),
        "{name}: keys not in the schema: {undocumented:?}"
    );
    let absent: Vec<_> = properties
        .difference(&keys)
        .filter(|p| required.contains(*p))
        .collect();
    assert!(
        absent.is_empty(),
        "{name}: required but not sent: {absent:?}"
    );
}

/// Like [`assert_shape`], and every property is sent.
fn assert_exact_shape(schema: &Value, name: &str, value: &Value) {
    assert_shape(schema, name, value);
    let keys = value.as_object().map(|o| o.len()).unwrap_or_default();
    let properties = component(schema, name)["properties"]
        .as_object()
        .map(|p| p.len())
        .unwrap_or_default();
    assert_eq!(keys, properties, "{name}: some properties are not sent");
}

/// The routes under `/api/v2/` the router registers, read from the handler
/// modules' `.route(` calls, with the trailing slash.
fn routed_paths() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut paths = BTreeSet::new();
    let mut files = vec![std::path::PathBuf::from(dir)];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("api folder") {
                files.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("source");
        // `object_notes.rs` formats its paths from a list of (collection, owner).
        let collections: Vec<&str> = source
            .split("(\"")
            .skip(1)
            .filter_map(|s| s.split_once("\", Owner::").map(|(c, _)| c))
            .collect();
        for call in source.split(".route(").skip(1) {
            let Some(literal) = call.split('"').nth(1) else {
                continue;
            };
            if !literal.starts_with("/api/v2/") {
                continue;
            }
            let literal = literal.replace("{{id}}", "{id}");
            let expanded: Vec<String> = if literal.contains("{collection}") {
                assert!(!collections.is_empty(), "{literal}: no collections found");
                collections
                    .iter()
                    .map(|c| literal.replace("{collection}", c))
                    .collect()
            } else {
                vec![literal]
            };
            for path in expanded {
                let path = if path.ends_with('/') {
                    path
                } else {
                    format!("{path}/")
                };
                paths.insert(path);
            }
        }
    }
    paths
}

db_test!(openapi_schema_is_served_as_json_and_yaml, |db| {
    let app = App::new(&db).await;
    let body = schema(&app).await;
    assert_eq!(body["info"]["title"], "DefectDojo API v2");
    assert_eq!(body["info"]["version"], "3.2.0");
    let version = body["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3."), "openapi {version}");
    assert!(body["paths"].as_object().is_some_and(|p| !p.is_empty()));

    let (status, json) = get_text(&app, "/api/v2/oa3/schema/?format=json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&json).expect("JSON"),
        body,
        "format=json is the default"
    );
    let (status, yaml) = get_text(&app, "/api/v2/oa3/schema/?format=yaml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        yaml.starts_with("openapi: 3."),
        "{}",
        &yaml[..40.min(yaml.len())]
    );
    let (status, _) = get_text(&app, "/api/v2/oa3/schema/?format=xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, page) = get_text(&app, "/api/v2/oa3/swagger-ui/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("swagger-ui-bundle.js") && page.contains("../schema/?format=json"));
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let (status, text) = get_text(&app, &format!("/api/v2/oa3/swagger-ui/{asset}")).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(text.len() > 10_000, "{asset} is served whole");
    }
    let (status, _) = get_text(&app, "/api/v2/oa3/swagger-ui").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
});

db_test!(openapi_paths_and_methods_are_the_routers, |db| {
    let app = App::new(&db).await;
    let body = schema(&app).await;
    let paths = body["paths"].as_object().expect("paths");
    let documented: BTreeSet<String> = paths.keys().cloned().collect();
    let routed: BTreeSet<String> = routed_paths()
        .into_iter()
        .filter(|p| !p.starts_with("/api/v2/oa3/"))
        .collect();
    assert_eq!(documented, routed, "schema paths against router paths");

    // Each documented method is served; each other method answers 405 (axum's,
    // or the handler's own refusal of a verb DefectDojo does not offer).
    for (path, item) in paths {
        let concrete = path.replace("{id}", "987654");
        for method in METHODS {
            let documented = item.get(method.to_lowercase()).is_some();
            let (status, answer) = send(&app, &app.token, method, &concrete, None).await;
            if documented {
                assert_ne!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but not served: {answer}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is served but not documented"
                );
            }
        }
    }
});

db_test!(openapi_operation_ids_and_components_are_defectdojos, |db| {
    let app = App::new(&db).await;
    let body = schema(&app).await;
    let op = |path: &str, method: &str| body["paths"][path][method].clone();
    let sample = [
        ("/api/v2/findings/", "get", "findings_list"),
        ("/api/v2/findings/", "post", "findings_create"),
        ("/api/v2/findings/{id}/", "put", "findings_update"),
        ("/api/v2/findings/{id}/", "patch", "findings_partial_update"),
        ("/api/v2/findings/{id}/", "delete", "findings_destroy"),
        (
            "/api/v2/findings/{id}/notes/",
            "get",
            "findings_notes_retrieve",
        ),
        (
            "/api/v2/findings/{id}/remove_tags/",
            "put",
            "findings_remove_tags_update",
        ),
        (
            "/api/v2/findings/{id}/remove_note/",
            "patch",
            "findings_remove_note_partial_update",
        ),
        ("/api/v2/product_types/", "post", "product_types_create"),
        (
            "/api/v2/product_types/{id}/",
            "get",
            "product_types_retrieve",
        ),
        (
            "/api/v2/engagements/{id}/close/",
            "post",
            "engagements_close_create",
        ),
        ("/api/v2/tests/{id}/notes/", "post", "tests_notes_create"),
        (
            "/api/v2/test_types/{id}/",
            "patch",
            "test_types_partial_update",
        ),
        ("/api/v2/test_imports/", "get", "test_imports_list"),
        ("/api/v2/import-scan/", "post", "import_scan_create"),
        ("/api/v2/reimport-scan/", "post", "reimport_scan_create"),
        ("/api/v2/api-token-auth/", "post", "api_token_auth_create"),
        ("/api/v2/user_profile/", "get", "user_profile_retrieve"),
    ];
    for (path, method, id) in sample {
        assert_eq!(op(path, method)["operationId"], id, "{method} {path}");
    }
    let reference = |op: &Value, at: &str| -> String {
        let target = op.pointer(at).cloned().unwrap_or(Value::Null);
        target["$ref"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("#/components/schemas/")
            .to_owned()
    };
    let json_response =
        |status: &str| format!("/responses/{status}/content/application~1json/schema");
    let json_body = "/requestBody/content/application~1json/schema";
    let cases = [
        (
            op("/api/v2/findings/", "get"),
            json_response("200"),
            "PaginatedFindingList",
        ),
        (
            op("/api/v2/findings/", "post"),
            json_body.to_owned(),
            "FindingCreateRequest",
        ),
        (
            op("/api/v2/findings/", "post"),
            json_response("201"),
            "FindingCreate",
        ),
        (
            op("/api/v2/findings/{id}/", "put"),
            json_body.to_owned(),
            "FindingRequest",
        ),
        (
            op("/api/v2/findings/{id}/", "patch"),
            json_body.to_owned(),
            "PatchedFindingRequest",
        ),
        (
            op("/api/v2/findings/{id}/", "patch"),
            json_response("200"),
            "Finding",
        ),
        (
            op("/api/v2/product_types/", "post"),
            json_body.to_owned(),
            "ProductTypeRequest",
        ),
        (
            op("/api/v2/product_types/", "post"),
            json_response("201"),
            "ProductType",
        ),
        (
            op("/api/v2/product_types/{id}/", "patch"),
            json_body.to_owned(),
            "PatchedProductTypeRequest",
        ),
        (
            op("/api/v2/tests/", "post"),
            json_body.to_owned(),
            "TestCreateRequest",
        ),
        (
            op("/api/v2/test_types/", "post"),
            json_response("201"),
            "TestTypeCreate",
        ),
        (
            op("/api/v2/engagements/{id}/notes/", "get"),
            json_response("200"),
            "EngagementToNotes",
        ),
        (
            op("/api/v2/findings/{id}/notes/", "post"),
            json_body.to_owned(),
            "AddNewNoteOptionRequest",
        ),
        (
            op("/api/v2/findings/{id}/tags/", "get"),
            json_response("200"),
            "Tag",
        ),
        (
            op("/api/v2/import-scan/", "post"),
            "/requestBody/content/multipart~1form-data/schema".to_owned(),
            "ImportScanRequest",
        ),
        (
            op("/api/v2/import-scan/", "post"),
            json_response("201"),
            "ImportScan",
        ),
        (
            op("/api/v2/api-token-auth/", "post"),
            json_body.to_owned(),
            "AuthTokenRequest",
        ),
        (
            op("/api/v2/user_profile/", "get"),
            json_response("200"),
            "UserProfile",
        ),
    ];
    for (op, at, name) in cases {
        assert_eq!(reference(&op, &at), name, "{} at {at}", op["operationId"]);
        component(&body, name);
    }
    // Requests refer to request forms of nested components.
    assert_eq!(
        body["components"]["schemas"]["FindingRequest"]["properties"]["vulnerability_ids"]["items"]
            ["$ref"],
        "#/components/schemas/VulnerabilityIdRequest"
    );
    let schemes = &body["components"]["securitySchemes"];
    assert_eq!(schemes["tokenAuth"]["type"], "apiKey");
    assert_eq!(schemes["tokenAuth"]["in"], "header");
    assert_eq!(schemes["tokenAuth"]["name"], "Authorization");
    assert_eq!(schemes["basicAuth"]["scheme"], "basic");
    assert_eq!(schemes["cookieAuth"]["type"], "apiKey");
    assert_eq!(schemes["cookieAuth"]["in"], "cookie");
    assert_eq!(schemes["cookieAuth"]["name"], "sessionid");
    // DefectDojo's authentication classes, in its order.
    assert_eq!(
        op("/api/v2/findings/", "get")["security"],
        json!([{"cookieAuth": []}, {"basicAuth": []}, {"tokenAuth": []}])
    );
    let list = op("/api/v2/findings/", "get");
    let limits: Vec<&str> = list["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| ["limit", "offset", "o"].contains(n))
        .collect();
    assert_eq!(limits, ["limit", "o", "offset"]);
});

/// One of everything: returns the ids by resource.
async fn seed(app: &App) -> BTreeMap<&'static str, i64> {
    let mut ids = BTreeMap::new();
    let created = |status: StatusCode, body: &Value| {
        assert_eq!(status, StatusCode::CREATED, "{body}");
        id(&body["id"])
    };
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/product_types/",
        Some(json!({"name": "Web"})),
    )
    .await;
    ids.insert("product_types", created(status, &body));
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/products/",
        Some(json!({"name": "Shop", "description": "A shop", "prod_type": ids["product_types"]})),
    )
    .await;
    ids.insert("products", created(status, &body));
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(json!({"name": "CI", "product": ids["products"],
                    "target_start": "2024-01-01", "target_end": "2024-01-31"})),
    )
    .await;
    ids.insert("engagements", created(status, &body));
    let report = generic(&[("Xss", "High")]);
    let import = app.import(generic_form(ids["engagements"], &report)).await;
    ids.insert("tests", import["test_id"].as_i64().expect("test id"));
    let (_, findings) = send(app, &app.token, "GET", "/api/v2/findings/", None).await;
    ids.insert("findings", id(&findings["results"][0]["id"]));
    let (_, imports) = send(app, &app.token, "GET", "/api/v2/test_imports/", None).await;
    ids.insert("test_imports", id(&imports["results"][0]["id"]));
    let (_, types) = send(app, &app.token, "GET", "/api/v2/test_types/", None).await;
    ids.insert("test_types", id(&types["results"][0]["id"]));
    let finding = ids["findings"];
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        &format!("/api/v2/findings/{finding}/notes/"),
        Some(json!({"entry": "Seen in production"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, notes) = send(app, &app.token, "GET", "/api/v2/notes/", None).await;
    ids.insert("notes", id(&notes["results"][0]["id"]));
    // An edit gives the note a history entry.
    let note = ids["notes"];
    let (status, body) = send(
        app,
        &app.token,
        "PATCH",
        &format!("/api/v2/notes/{note}/"),
        Some(json!({"entry": "Seen in production twice"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    seed_members(app, &mut ids).await;
    seed_configuration(app, &mut ids).await;
    seed_risk_acceptance(app, &mut ids).await;
    seed_notifications(app, &mut ids).await;
    ids
}

/// A personal notification row for the seed's product, and a webhook.
async fn seed_notifications(app: &App, ids: &mut BTreeMap<&'static str, i64>) {
    for (path, body) in [
        (
            "notifications",
            json!({"user": app.user.id, "product": ids["products"], "scan_added": ["alert", "mail"]}),
        ),
        (
            "notification_webhooks",
            json!({"name": "Hook", "url": "https://hooks.example.com/dojo",
                   "header_name": "X-Token", "header_value": "s3cret", "owner": app.user.id}),
        ),
    ] {
        let (status, answer) = send(
            app,
            &app.token,
            "POST",
            &format!("/api/v2/{path}/"),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
        ids.insert(path, id(&answer["id"]));
    }
}

/// The seed's finding, risk accepted (last: it turns the finding inactive).
async fn seed_risk_acceptance(app: &App, ids: &mut BTreeMap<&'static str, i64>) {
    let (_, profile) = send(app, &app.token, "GET", "/api/v2/user_profile/", None).await;
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/risk_acceptance/",
        Some(
            json!({"name": "Accepted XSS", "owner": id(&profile["user"]["id"]),
                    "accepted_findings": [ids["findings"]], "accepted_by": "CISO",
                    "decision_details": "Behind a WAF",
                    "expiration_date": "2998-06-01T00:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    ids.insert("risk_acceptance", id(&body["id"]));
}

/// A user with contact information, a group, and a role of each kind.
async fn seed_members(app: &App, ids: &mut BTreeMap<&'static str, i64>) {
    let post = async |path: &str, body: Value| {
        let (status, answer) = send(app, &app.token, "POST", path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
        id(&answer["id"])
    };
    let user = post(
        "/api/v2/users/",
        json!({"username": "member", "email": "member@example.com", "password": "Correct-Horse-43"}),
    )
    .await;
    let group = post("/api/v2/dojo_groups/", json!({"name": "Team"})).await;
    let (product, product_type) = (ids["products"], ids["product_types"]);
    let reader = 5;
    let seeded = [
        ("users", user),
        (
            "user_contact_infos",
            post("/api/v2/user_contact_infos/", json!({"user": user})).await,
        ),
        ("dojo_groups", group),
        (
            "dojo_group_members",
            post(
                "/api/v2/dojo_group_members/",
                json!({"group": group, "user": user, "role": reader}),
            )
            .await,
        ),
        (
            "product_members",
            post(
                "/api/v2/product_members/",
                json!({"product": product, "user": user, "role": reader}),
            )
            .await,
        ),
        (
            "product_type_members",
            post(
                "/api/v2/product_type_members/",
                json!({"product_type": product_type, "user": user, "role": reader}),
            )
            .await,
        ),
        (
            "product_groups",
            post(
                "/api/v2/product_groups/",
                json!({"product": product, "group": group, "role": reader}),
            )
            .await,
        ),
        (
            "product_type_groups",
            post(
                "/api/v2/product_type_groups/",
                json!({"product_type": product_type, "group": group, "role": reader}),
            )
            .await,
        ),
        (
            "global_roles",
            post(
                "/api/v2/global_roles/",
                json!({"group": group, "role": reader}),
            )
            .await,
        ),
        ("roles", 4),
    ];
    ids.extend(seeded);
}

/// Configuration, endpoints and metadata: one of each, by resource.
async fn seed_configuration(app: &App, ids: &mut BTreeMap<&'static str, i64>) {
    for (resource, body) in [
        (
            "regulations",
            json!({"name": "Payment Card Industry", "acronym": "PCI", "category": "finance",
                    "jurisdiction": "Global"}),
        ),
        ("note_type", json!({"name": "Triage", "description": "Why"})),
        ("sla_configurations", json!({"name": "Schema SLA"})),
        ("development_environments", json!({"name": "Schema env"})),
        (
            "finding_templates",
            json!({"title": "Template", "severity": "High", "tags": ["web"]}),
        ),
    ] {
        let (status, created) = send(
            app,
            &app.token,
            "POST",
            &format!("/api/v2/{resource}/"),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{resource}: {created}");
        ids.insert(resource, id(&created["id"]));
    }
    let (status, endpoint) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/endpoints/",
        Some(json!({"host": "shop.example.com", "product": ids["products"], "tags": ["web"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    ids.insert("endpoints", id(&endpoint["id"]));
    let (status, created) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/endpoint_status/",
        Some(json!({"endpoint": ids["endpoints"], "finding": ids["findings"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    ids.insert("endpoint_status", id(&created["id"]));
    let (status, created) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/technologies/",
        Some(
            json!({"name": "nginx", "product": ids["products"], "user": app.user.id,
                    "tags": ["server"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    ids.insert("technologies", id(&created["id"]));
    let (status, created) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/metadata/",
        Some(json!({"name": "env", "value": "prod", "product": ids["products"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    ids.insert("metadata", id(&created["id"]));
}

db_test!(openapi_components_match_real_responses, |db| {
    let app = App::new(&db).await;
    let schema = schema(&app).await;
    let ids = seed(&app).await;
    let get = |path: String| {
        let app = &app;
        async move {
            let (status, body) = send(app, &app.token, "GET", &path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body
        }
    };

    for (resource, name) in [
        ("product_types", "ProductType"),
        ("products", "Product"),
        ("engagements", "Engagement"),
        ("tests", "Test"),
        ("test_types", "TestType"),
        ("test_imports", "TestImport"),
        ("findings", "Finding"),
        ("notes", "Note"),
        ("users", "User"),
        ("user_contact_infos", "UserContactInfo"),
        ("dojo_groups", "DojoGroup"),
        ("dojo_group_members", "DojoGroupMember"),
        ("product_members", "ProductMember"),
        ("product_type_members", "ProductTypeMember"),
        ("product_groups", "ProductGroup"),
        ("product_type_groups", "ProductTypeGroup"),
        ("global_roles", "GlobalRole"),
        ("roles", "Role"),
    ] {
        let item = get(format!("/api/v2/{resource}/{}/", ids[resource])).await;
        assert_exact_shape(&schema, name, &item);
        let page = get(format!("/api/v2/{resource}/")).await;
        assert_exact_shape(&schema, &format!("Paginated{name}List"), &page);
        assert_shape(&schema, name, &page["results"][0]);
    }

    for (resource, name) in [
        ("regulations", "Regulation"),
        ("note_type", "NoteType"),
        ("sla_configurations", "SLAConfiguration"),
        ("development_environments", "DevelopmentEnvironment"),
        ("endpoints", "Endpoint"),
        ("endpoint_status", "EndpointStatus"),
        ("finding_templates", "FindingTemplate"),
        ("technologies", "AppAnalysis"),
        ("metadata", "Meta"),
        ("risk_acceptance", "RiskAcceptance"),
    ] {
        let item = get(format!("/api/v2/{resource}/{}/", ids[resource])).await;
        assert_exact_shape(&schema, name, &item);
        let page = get(format!("/api/v2/{resource}/")).await;
        assert_exact_shape(&schema, &format!("Paginated{name}List"), &page);
    }
    let settings = get("/api/v2/system_settings/".into()).await;
    assert_exact_shape(&schema, "PaginatedSystemSettingsList", &settings);
    assert_exact_shape(&schema, "SystemSettings", &settings["results"][0]);

    let note = get(format!("/api/v2/notes/{}/", ids["notes"])).await;
    assert_exact_shape(&schema, "UserStub", &note["author"]);
    assert_exact_shape(&schema, "NoteHistory", &note["history"][0]);
    assert_exact_shape(&schema, "UserStub", &note["history"][0]["current_editor"]);
    let finding = ids["findings"];
    let notes = get(format!("/api/v2/findings/{finding}/notes/")).await;
    assert_exact_shape(&schema, "FindingToNotes", &notes);
    assert_exact_shape(&schema, "Note", &notes["notes"][0]);
    let engagement_notes = get(format!("/api/v2/engagements/{}/notes/", ids["engagements"])).await;
    assert_exact_shape(&schema, "EngagementToNotes", &engagement_notes);
    let test_notes = get(format!("/api/v2/tests/{}/notes/", ids["tests"])).await;
    assert_exact_shape(&schema, "TestToNotes", &test_notes);
    let ra_notes = get(format!(
        "/api/v2/risk_acceptance/{}/notes/",
        ids["risk_acceptance"]
    ))
    .await;
    assert_exact_shape(&schema, "RiskAcceptanceToNotes", &ra_notes);
    for (collection, name) in [
        ("findings", "FindingToFiles"),
        ("engagements", "EngagementToFiles"),
        ("tests", "TestToFiles"),
    ] {
        let path = format!("/api/v2/{collection}/{}/files/", ids[collection]);
        let form = crate::support::Form::new()
            .text("title", &format!("Schema {collection}"))
            .file("file", "schema.txt", b"schema");
        let (status, created) = app.send(&path, form).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_exact_shape(&schema, "File", &created);
        let files = get(path).await;
        assert_exact_shape(&schema, name, &files);
        assert_exact_shape(&schema, "File", &files["files"][0]);
    }
    let engagement = get(format!("/api/v2/engagements/{}/", ids["engagements"])).await;
    assert_exact_shape(&schema, "File", &engagement["files"][0]);
    let tags = get(format!("/api/v2/findings/{finding}/tags/")).await;
    assert_exact_shape(&schema, "Tag", &tags);
    let import = get(format!("/api/v2/test_imports/{}/", ids["test_imports"])).await;
    assert_exact_shape(
        &schema,
        "TestImportFindingAction",
        &import["test_import_finding_action_set"][0],
    );
    let finding_body = get(format!("/api/v2/findings/{finding}/")).await;
    assert_exact_shape(
        &schema,
        "VulnerabilityId",
        &json!({"vulnerability_id": "CVE-1"}),
    );
    assert!(finding_body["vulnerability_ids"].is_array());

    let profile = get("/api/v2/user_profile/".into()).await;
    assert_exact_shape(&schema, "UserProfile", &profile);
    assert_exact_shape(&schema, "User", &profile["user"]);

    // Creates answer their own components.
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/tests/",
        Some(
            json!({"engagement": ids["engagements"], "test_type": ids["test_types"],
                    "target_start": "2024-01-01T00:00:00Z", "target_end": "2024-01-02T00:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_exact_shape(&schema, "TestCreate", &created);
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/test_types/",
        Some(json!({"name": "Schema Scan"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_exact_shape(&schema, "TestTypeCreate", &created);

    // The import's answer echoes what it was sent: its keys are documented.
    let report = generic(&[("Sqli", "Low")]);
    let import = app.import(generic_form(ids["engagements"], &report)).await;
    assert_shape(&schema, "ImportScan", &import);

    let request = crate::support::post_json(
        "/api/v2/api-token-auth/",
        &json!({"username": "admin", "password": "Correct-Horse-42"}),
    );
    let (status, token) = call(&app.app, request).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_exact_shape(&schema, "AuthToken", &token);
});

db_test!(openapi_documented_filters_filter, |db| {
    let app = App::new(&db).await;
    let schema = schema(&app).await;
    seed(&app).await;
    // The count of a list, or the failure, noted in `problems`.
    let mut problems: Vec<String> = Vec::new();
    let count = |path: String| {
        let app = &app;
        async move {
            let (status, body) = send(app, &app.token, "GET", &path, None).await;
            match body["count"].as_i64() {
                Some(count) if status == StatusCode::OK => Ok(count),
                _ => Err(format!("{path}: {status} {body}")),
            }
        }
    };
    let paths = schema["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        // Paged lists only: `duplicate/` of one finding is a plain array.
        if path.contains('{')
            || !item["get"]["operationId"]
                .as_str()
                .is_some_and(|id| id.ends_with("_list"))
        {
            continue;
        }
        let all = count(path.clone()).await.expect("the list answers");
        assert!(all > 0, "{path}: the seed has one");
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            if ["limit", "offset"].contains(&name) {
                continue;
            }
            let schema = &parameter["schema"];
            // Not a filter: each documented field answers, on the same rows,
            // with at most its own key prefetched.
            if name == "prefetch" {
                for value in schema["items"]["enum"].as_array().into_iter().flatten() {
                    let value = value.as_str().unwrap_or_default();
                    let url = format!("{path}?{name}={value}");
                    let (status, body) = send(&app, &app.token, "GET", &url, None).await;
                    let fetched: Vec<&String> = body["prefetch"]
                        .as_object()
                        .map(|m| m.keys().collect())
                        .unwrap_or_default();
                    if status != StatusCode::OK
                        || body["count"].as_i64() != Some(all)
                        || fetched.iter().any(|k| *k != value)
                    {
                        problems.push(format!("{url}: {status} {body}"));
                    }
                }
                continue;
            }
            if name == "o" {
                for value in schema["items"]["enum"].as_array().into_iter().flatten() {
                    let value = value.as_str().unwrap_or_default();
                    match count(format!("{path}?o={value}")).await {
                        Ok(n) if n == all => {}
                        other => problems.push(format!("{path} o={value}: {other:?}")),
                    }
                }
                continue;
            }
            // A filter the handler ignored would leave every object in place
            // (a nullable flag may match neither value).
            if schema["type"] == "boolean" {
                match (
                    count(format!("{path}?{name}=true")).await,
                    count(format!("{path}?{name}=false")).await,
                ) {
                    (Ok(yes), Ok(no)) if yes + no <= all && (yes < all || no < all) => {}
                    other => problems.push(format!("{path} {name}: {other:?} of {all}")),
                }
                continue;
            }
            // A range's start (`…_after`) lies in the future, its end in the past.
            let after =
                name.ends_with("_after") || name.ends_with("__gt") || name.ends_with("__gte");
            let value = match (schema["type"].as_str(), schema["format"].as_str()) {
                (Some("array"), _) if schema["items"]["type"] == "integer" => "987654",
                (_, Some("date")) if after => "2999-01-01",
                (_, Some("date")) => "1999-01-01",
                (_, Some("date-time")) if after => "2999-01-01T00:00:00Z",
                (_, Some("date-time")) => "1999-01-01T00:00:00Z",
                _ => "zz-matches-nothing",
            };
            let expected = if name.starts_with("not_") { all } else { 0 };
            match count(format!("{path}?{name}={value}")).await {
                Ok(n) if n == expected => {}
                other => problems.push(format!("{path} {name}={value}: {other:?} of {all}")),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
});
