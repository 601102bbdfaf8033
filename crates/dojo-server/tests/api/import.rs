//! `POST /api/v2/import-scan/` and `POST /api/v2/reimport-scan/` through the router.
//! Shared fixtures live here; the cases are in `import/*.rs`.

mod dedup;
mod errors;
mod groups;
mod permissions;
mod reimport;
mod scan;

use axum::http::StatusCode;
use axum::Router;
use dojo_domain::entities::{Engagement, Finding, Product, ProductType, Test, User};
use dojo_server::accounts::{self, NewUser};
use dojo_storage::bulk;
use dojo_storage::repo::{engagements, findings, product_types, products, tests};
use dojo_storage::{settings, Db};
use serde_json::{json, Value};

use crate::support::*;

pub const IMPORT: &str = "/api/v2/import-scan/";
pub const REIMPORT: &str = "/api/v2/reimport-scan/";
pub const GENERIC: &str = "Generic Findings Import";

/// The conformance samples shared by every implementation.
pub fn sample(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/conformance/scans/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("sample {full}: {e}"))
}

pub struct App {
    pub db: Db,
    pub app: Router,
    pub user: User,
    pub token: String,
}

impl App {
    /// The router with a superuser calling it.
    pub async fn new(db: &Db) -> App {
        let (user, token) = user_with_token(db, "admin", true).await;
        App {
            db: db.clone(),
            app: dojo_server::router(state(db)),
            user,
            token,
        }
    }

    pub async fn send(&self, path: &str, form: Form) -> (StatusCode, Value) {
        self.send_as(&self.token, path, form).await
    }

    pub async fn send_as(&self, token: &str, path: &str, form: Form) -> (StatusCode, Value) {
        call(&self.app, form.post(path, Some(token))).await
    }

    /// Imports and expects 201.
    pub async fn import(&self, form: Form) -> Value {
        let (status, body) = self.send(IMPORT, form).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Reimports and expects 201.
    pub async fn reimport(&self, form: Form) -> Value {
        let (status, body) = self.send(REIMPORT, form).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn findings(&self, test_id: i64) -> Vec<Finding> {
        let mut conn = self.db.conn().await.expect("connection");
        findings::list_by_test(&mut conn, test_id)
            .await
            .expect("findings of the test")
    }

    pub async fn test(&self, test_id: i64) -> Test {
        let mut conn = self.db.conn().await.expect("connection");
        tests::get(&mut conn, test_id).await.expect("test")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = self.db.conn().await.expect("connection");
        let rows: Vec<(i64,)> =
            bulk::fetch_all(&mut conn, &format!("SELECT COUNT(*) FROM {table}"), &[])
                .await
                .expect("count");
        rows.first().map_or(0, |r| r.0)
    }

    pub async fn enable_deduplication(&self) {
        let mut conn = self.db.conn().await.expect("connection");
        let mut system = settings::load(&mut conn).await.expect("settings");
        system.enable_deduplication = true;
        settings::save(&mut conn, &system)
            .await
            .expect("save settings");
    }

    /// A product type and product (created when missing) and a new engagement.
    pub async fn engagement(&self, product: &str, name: &str, on_engagement: bool) -> Engagement {
        let mut conn = self.db.conn().await.expect("connection");
        let existing: Vec<Product> = bulk::fetch_all(
            &mut conn,
            "SELECT * FROM product WHERE name = $1",
            &[product.into()],
        )
        .await
        .expect("product lookup");
        let product = match existing.into_iter().next() {
            Some(p) => p,
            None => {
                let product_type = product_types::insert(
                    &mut conn,
                    &ProductType {
                        name: format!("{product} type"),
                        ..ProductType::default()
                    },
                )
                .await
                .expect("product type");
                products::insert(
                    &mut conn,
                    &Product {
                        name: product.to_owned(),
                        description: product.to_owned(),
                        prod_type_id: product_type.id,
                        ..Product::default()
                    },
                )
                .await
                .expect("product")
            }
        };
        engagements::insert(
            &mut conn,
            &Engagement {
                name: Some(name.to_owned()),
                product_id: product.id,
                deduplication_on_engagement: on_engagement,
                ..Engagement::default()
            },
        )
        .await
        .expect("engagement")
    }
}

pub async fn user_with_token(db: &Db, name: &str, superuser: bool) -> (User, String) {
    let user = accounts::create_user(
        db,
        &NewUser {
            username: name.to_owned(),
            is_superuser: superuser,
            ..NewUser::default()
        },
        "Correct-Horse-42",
    )
    .await
    .expect("create user");
    let token = accounts::token_for(db, &state(db).secret, user.id)
        .await
        .expect("token");
    (user, token)
}

/// A Generic Findings Import JSON report; each finding is `(title, severity)`
/// with a description derived from the title, merged with `extra`.
pub fn generic(findings: &[(&str, &str)]) -> Vec<u8> {
    generic_with(findings.iter().map(|(t, s)| (*t, *s, json!({}))).collect())
}

pub fn generic_with(findings: Vec<(&str, &str, Value)>) -> Vec<u8> {
    let findings: Vec<Value> = findings
        .into_iter()
        .map(|(title, severity, extra)| {
            let mut finding = json!({
                "title": title,
                "severity": severity,
                "description": format!("About {title}"),
                "cwe": 79,
            });
            if let (Some(target), Value::Object(extra)) = (finding.as_object_mut(), extra) {
                target.extend(extra);
            }
            finding
        })
        .collect();
    serde_json::to_vec(&json!({ "findings": findings })).expect("report JSON")
}

/// A form for a Generic Findings Import of `report` into `engagement`.
pub fn generic_form(engagement: i64, report: &[u8]) -> Form {
    Form::new()
        .text("scan_type", GENERIC)
        .text("engagement", &engagement.to_string())
        .file("file", "report.json", report)
}

/// Status counts: active, verified, duplicate, false_p, out_of_scope,
/// is_mitigated, risk_accepted, total.
pub fn counts(c: [i64; 8]) -> Value {
    json!({
        "active": c[0], "verified": c[1], "duplicate": c[2], "false_p": c[3],
        "out_of_scope": c[4], "is_mitigated": c[5], "risk_accepted": c[6], "total": c[7],
    })
}

/// Per-severity statistics with the given severities set, the rest zero, and
/// `total` the sum.
pub fn stats(set: &[(&str, [i64; 8])]) -> Value {
    let mut total = [0i64; 8];
    let mut out = serde_json::Map::new();
    for severity in ["info", "low", "medium", "high", "critical"] {
        let c = set
            .iter()
            .find(|(s, _)| *s == severity)
            .map_or([0; 8], |(_, c)| *c);
        for (t, v) in total.iter_mut().zip(c) {
            *t += v;
        }
        out.insert(severity.to_owned(), counts(c));
    }
    out.insert("total".to_owned(), counts(total));
    Value::Object(out)
}

/// Open, unverified findings: `n` active of `n`.
pub fn open(n: i64) -> [i64; 8] {
    [n, 0, 0, 0, 0, 0, 0, n]
}

/// Closed findings: `n` mitigated of `n`.
pub fn closed(n: i64) -> [i64; 8] {
    [0, 0, 0, 0, 0, n, 0, n]
}

pub fn id(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("{value} is not an id"))
}

/// A new user holding `role` on the product; returns their token.
pub async fn member(app: &App, name: &str, product_id: i64, role: dojo_domain::Role) -> String {
    let (user, token) = user_with_token(&app.db, name, false).await;
    let mut conn = app.db.conn().await.expect("connection");
    dojo_storage::repo::product_members::insert(
        &mut conn,
        &dojo_domain::entities::ProductMember {
            id: 0,
            product_id,
            user_id: user.id,
            role_id: role.id(),
        },
    )
    .await
    .expect("membership");
    token
}

/// Any method on any path with a JSON body, as `token`.
pub async fn send(
    app: &App,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let builder = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("Authorization", format!("Token {token}"))
        .header("Host", "dojo.test");
    let request = match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string())),
        None => builder.body(axum::body::Body::empty()),
    }
    .expect("request");
    crate::support::call(&app.app, request).await
}
