//! `GET /api/v2/<resource>/{id}/delete_preview/` (api.md §1.7): a page of
//! what deleting the object would delete, `{"model", "id", "name"}` each.
//!
//! DefectDojo runs Django's deletion collector over the object and lists
//! every object it would delete, the object first. Dojo describes the same
//! cascade as a table ([`NODES`]): each model, the table it lives in, and how
//! its rows hang from their parents (a foreign key, or a link table for notes,
//! which Dojo deletes with their object). The rows of each model under the
//! object are a nested `IN` subquery from the object down, so the count is
//! one query and a page reads only its own rows and their names.
//!
//! Differences from DefectDojo, none of which a client can act on: models are
//! listed one after the other (the object, then each model in cascade order,
//! by id) instead of Django's depth-first nesting; rows of many-to-many link
//! tables (tags, found-by, reviewers…) and the models Dojo does not keep
//! (risk acceptances, files, JIRA links, vulnerability ids as rows) are not
//! listed. Names follow DefectDojo's `__str__` where Dojo knows it (product
//! types, products, engagements, tests, findings, endpoints, endpoint
//! statuses, notes, finding groups, technologies) and Django's default
//! `"<Model> object (<id>)"` elsewhere.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use chrono::NaiveDate;
use dojo_domain::entities::Endpoint;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;
use serde_json::{json, Value};

use crate::api::list::{self, QueryParams};
use crate::api::resource::{visible_rows, Visibility};
use crate::api::tests;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// A model of the cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ProductType,
    Product,
    ProductTypeMember,
    ProductTypeGroup,
    ProductMember,
    ProductGroup,
    Engagement,
    Endpoint,
    EndpointParams,
    AppAnalysis,
    Test,
    TestImport,
    FindingGroup,
    Finding,
    TestImportFindingAction,
    EndpointStatus,
    BurpRawRequestResponse,
    DojoMeta,
    Notes,
}

/// How rows of a model hang from a parent's rows.
#[derive(Debug, Clone, Copy)]
enum Edge {
    /// A foreign key column of the model's table.
    Column(&'static str),
    /// A link table: `(table, parent column, model column)`.
    Link(&'static str, &'static str, &'static str),
}

struct Node {
    kind: Kind,
    /// DefectDojo's model class name.
    model: &'static str,
    table: &'static str,
    parents: &'static [(Kind, Edge)],
}

use Edge::{Column, Link};
use Kind as K;

/// The cascade, parents before children (the order of the listing).
const NODES: &[Node] = &[
    node(K::ProductType, "Product_Type", "product_type", &[]),
    node(
        K::Product,
        "Product",
        "product",
        &[(K::ProductType, Column("prod_type_id"))],
    ),
    node(
        K::ProductTypeMember,
        "Product_Type_Member",
        "product_type_member",
        &[(K::ProductType, Column("product_type_id"))],
    ),
    node(
        K::ProductTypeGroup,
        "Product_Type_Group",
        "product_type_group",
        &[(K::ProductType, Column("product_type_id"))],
    ),
    node(
        K::ProductMember,
        "Product_Member",
        "product_member",
        &[(K::Product, Column("product_id"))],
    ),
    node(
        K::ProductGroup,
        "Product_Group",
        "product_group",
        &[(K::Product, Column("product_id"))],
    ),
    node(
        K::Engagement,
        "Engagement",
        "engagement",
        &[(K::Product, Column("product_id"))],
    ),
    node(
        K::Endpoint,
        "Endpoint",
        "endpoint",
        &[(K::Product, Column("product_id"))],
    ),
    node(
        K::EndpointParams,
        "Endpoint_Params",
        "endpoint_params",
        &[(K::Endpoint, Column("endpoint_id"))],
    ),
    node(
        K::AppAnalysis,
        "App_Analysis",
        "app_analysis",
        &[(K::Product, Column("product_id"))],
    ),
    node(
        K::Test,
        "Test",
        "test",
        &[(K::Engagement, Column("engagement_id"))],
    ),
    node(
        K::TestImport,
        "Test_Import",
        "test_import",
        &[(K::Test, Column("test_id"))],
    ),
    node(
        K::FindingGroup,
        "Finding_Group",
        "finding_group",
        &[(K::Test, Column("test_id"))],
    ),
    node(
        K::Finding,
        "Finding",
        "finding",
        &[(K::Test, Column("test_id"))],
    ),
    node(
        K::TestImportFindingAction,
        "Test_Import_Finding_Action",
        "test_import_finding_action",
        &[
            (K::TestImport, Column("test_import_id")),
            (K::Finding, Column("finding_id")),
        ],
    ),
    node(
        K::EndpointStatus,
        "Endpoint_Status",
        "endpoint_status",
        &[
            (K::Finding, Column("finding_id")),
            (K::Endpoint, Column("endpoint_id")),
        ],
    ),
    node(
        K::BurpRawRequestResponse,
        "BurpRawRequestResponse",
        "burp_raw_request_response",
        &[(K::Finding, Column("finding_id"))],
    ),
    node(
        K::DojoMeta,
        "DojoMeta",
        "dojo_meta",
        &[
            (K::Product, Column("product_id")),
            (K::Endpoint, Column("endpoint_id")),
            (K::Finding, Column("finding_id")),
        ],
    ),
    node(
        K::Notes,
        "Notes",
        "notes",
        &[
            (
                K::Engagement,
                Link("engagement_notes", "engagement_id", "notes_id"),
            ),
            (K::Test, Link("test_notes", "test_id", "notes_id")),
            (K::Finding, Link("finding_notes", "finding_id", "notes_id")),
        ],
    ),
];

const fn node(
    kind: Kind,
    model: &'static str,
    table: &'static str,
    parents: &'static [(Kind, Edge)],
) -> Node {
    Node {
        kind,
        model,
        table,
        parents,
    }
}

fn node_of(kind: Kind) -> &'static Node {
    NODES.iter().find(|n| n.kind == kind).unwrap_or(&NODES[0])
}

/// The ids of `kind`'s rows under the object `$1` of `root`, as a subquery;
/// `None` when the cascade from `root` does not reach `kind`.
fn ids_sql(kind: Kind, root: Kind) -> Option<String> {
    let node = node_of(kind);
    if kind == root {
        return Some(format!("SELECT id FROM {} WHERE id = $1", node.table));
    }
    let conditions: Vec<String> = node
        .parents
        .iter()
        .filter_map(|(parent, edge)| {
            let above = ids_sql(*parent, root)?;
            Some(match edge {
                Column(column) => format!("{column} IN ({above})"),
                Link(table, owner, target) => {
                    format!("id IN (SELECT {target} FROM {table} WHERE {owner} IN ({above}))")
                }
            })
        })
        .collect();
    (!conditions.is_empty()).then(|| {
        format!(
            "SELECT id FROM {} WHERE {}",
            node.table,
            conditions.join(" OR ")
        )
    })
}

/// The object's own model and how its visibility is checked.
#[derive(Debug, Clone, Copy)]
struct Root {
    kind: Kind,
    from: &'static str,
    alias: &'static str,
    visibility: Visibility,
}

const ROOTS: &[(&str, Root)] = &[
    (
        "product_types",
        root(
            K::ProductType,
            "product_type t",
            "t",
            Visibility::ProductType("t.id"),
        ),
    ),
    (
        "products",
        root(K::Product, "product p", "p", Visibility::Product("p.id")),
    ),
    (
        "engagements",
        root(
            K::Engagement,
            "engagement e",
            "e",
            Visibility::Product("e.product_id"),
        ),
    ),
    (
        "tests",
        root(
            K::Test,
            tests::FROM,
            "t",
            Visibility::Product("e.product_id"),
        ),
    ),
    (
        "findings",
        root(
            K::Finding,
            "finding f",
            "f",
            Visibility::Product("f.product_id"),
        ),
    ),
    (
        "endpoints",
        root(
            K::Endpoint,
            "endpoint e",
            "e",
            Visibility::Product("e.product_id"),
        ),
    ),
];

const fn root(kind: Kind, from: &'static str, alias: &'static str, visibility: Visibility) -> Root {
    Root {
        kind,
        from,
        alias,
        visibility,
    }
}

/// The resources with a delete preview (their collection names).
pub fn resources() -> impl Iterator<Item = &'static str> {
    ROOTS.iter().map(|(name, _)| *name)
}

fn handler(root: Root) -> MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>,
              caller: Caller,
              Path(id): Path<String>,
              RawQuery(raw): RawQuery,
              parts: Parts| async move {
            preview(&state, &caller, root, &id, raw.as_deref(), &parts).await
        },
    )
}

fn root_of(resource: &str) -> Root {
    ROOTS
        .iter()
        .find(|(name, _)| *name == resource)
        .map_or(ROOTS[0].1, |(_, root)| *root)
}

pub fn routes() -> Router<AppState> {
    let router = Router::new();
    let h = |resource| handler(root_of(resource));
    router
        .route(
            "/api/v2/product_types/{id}/delete_preview/",
            h("product_types"),
        )
        .route(
            "/api/v2/product_types/{id}/delete_preview",
            h("product_types"),
        )
        .route("/api/v2/products/{id}/delete_preview/", h("products"))
        .route("/api/v2/products/{id}/delete_preview", h("products"))
        .route("/api/v2/engagements/{id}/delete_preview/", h("engagements"))
        .route("/api/v2/engagements/{id}/delete_preview", h("engagements"))
        .route("/api/v2/tests/{id}/delete_preview/", h("tests"))
        .route("/api/v2/tests/{id}/delete_preview", h("tests"))
        .route("/api/v2/findings/{id}/delete_preview/", h("findings"))
        .route("/api/v2/findings/{id}/delete_preview", h("findings"))
        .route("/api/v2/endpoints/{id}/delete_preview/", h("endpoints"))
        .route("/api/v2/endpoints/{id}/delete_preview", h("endpoints"))
}

/// Seeing the object is enough (404 otherwise), as for its detail.
async fn preview(
    state: &AppState,
    caller: &Caller,
    root: Root,
    id: &str,
    raw: Option<&str>,
    parts: &Parts,
) -> Result<Json<Value>, ApiError> {
    let model = node_of(root.kind).model;
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(model))?;
    let mut conn = state.db.conn().await?;
    let select = format!("{}.id", root.alias);
    let shown: Vec<(i64,)> = visible_rows(
        &mut conn,
        caller,
        (&select, root.from, root.alias),
        root.visibility,
        &[id],
    )
    .await?;
    if shown.is_empty() {
        return Err(ApiError::NoMatch(model));
    }
    let q = QueryParams::parse(raw);
    let page = q.page();
    let reached: Vec<(&Node, String)> = NODES
        .iter()
        .filter_map(|n| ids_sql(n.kind, root.kind).map(|sql| (n, sql)))
        .collect();
    let counts = counts(&mut conn, &reached, id).await?;
    let total: i64 = counts.iter().sum();
    let mut results = Vec::new();
    let (mut skip, mut want) = (page.offset, page.limit);
    for ((node, sql), count) in reached.iter().zip(counts) {
        if want == 0 {
            break;
        }
        if skip >= count {
            skip -= count;
            continue;
        }
        let rows: Vec<(i64,)> = bulk::fetch_all(
            &mut conn,
            &format!("{sql} ORDER BY id LIMIT $2 OFFSET $3"),
            &[id.into(), want.into(), skip.into()],
        )
        .await?;
        let ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
        let mut names = names(&mut conn, node, &ids).await?;
        for row in &ids {
            let name = names
                .remove(row)
                .unwrap_or_else(|| format!("{} object ({row})", node.model));
            results.push(json!({"model": node.model, "id": row, "name": name}));
        }
        want -= i64::try_from(ids.len()).unwrap_or(want);
        skip = 0;
    }
    Ok(Json(list::envelope(
        &list::base_url(parts),
        &q,
        page,
        total,
        results,
        None,
    )))
}

/// What deleting the object `id` of `resource` (a collection name of
/// [`resources`]) would delete: each reached model with its number of rows,
/// the object's own model first, models with no rows left out. The caller
/// checks first that the object is visible.
pub(crate) async fn cascade_counts(
    conn: &mut Conn,
    resource: &str,
    id: i64,
) -> Result<Vec<(&'static str, i64)>, ApiError> {
    let root = root_of(resource);
    let reached: Vec<(&Node, String)> = NODES
        .iter()
        .filter_map(|n| ids_sql(n.kind, root.kind).map(|sql| (n, sql)))
        .collect();
    let counts = counts(conn, &reached, id).await?;
    Ok(reached
        .iter()
        .zip(counts)
        .filter(|(_, count)| *count > 0)
        .map(|((node, _), count)| (node.model, count))
        .collect())
}

/// The number of rows of each reached model, with one query.
async fn counts(
    conn: &mut Conn,
    reached: &[(&Node, String)],
    id: i64,
) -> Result<Vec<i64>, ApiError> {
    let sql = reached
        .iter()
        .enumerate()
        .map(|(n, (_, ids))| format!("SELECT CAST({n} AS BIGINT), COUNT(*) FROM ({ids}) x{n}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<(i64, i64)> = bulk::fetch_all(conn, &sql, &[Param::from(id)]).await?;
    let mut out = vec![0; reached.len()];
    for (n, count) in rows {
        if let Some(slot) = usize::try_from(n).ok().and_then(|n| out.get_mut(n)) {
            *slot = count;
        }
    }
    Ok(out)
}

/// DefectDojo's `str()` of a page of rows, by id, where Dojo knows it.
async fn names(
    conn: &mut Conn,
    node: &Node,
    ids: &[i64],
) -> Result<HashMap<i64, String>, ApiError> {
    let column = |column: &str| format!("SELECT id, {column} FROM {} WHERE id IN ", node.table);
    let simple = match node.kind {
        K::ProductType | K::Product | K::AppAnalysis | K::FindingGroup => Some(column("name")),
        K::Finding => Some(column("title")),
        K::Notes => Some(column("entry")),
        _ => None,
    };
    if let Some(prefix) = simple {
        let rows: Vec<(i64, String)> =
            bulk::fetch_in(conn, &[], ids, |list| format!("{prefix}({list})")).await?;
        return Ok(rows.into_iter().collect());
    }
    match node.kind {
        K::Engagement => {
            let rows: Vec<(i64, Option<String>, NaiveDate)> =
                bulk::fetch_in(conn, &[], ids, |list| {
                    format!("SELECT id, name, target_start FROM engagement WHERE id IN ({list})")
                })
                .await?;
            Ok(rows
                .into_iter()
                .map(|(id, name, start)| {
                    let name = name.unwrap_or_default();
                    (
                        id,
                        format!("Engagement {id}: {name} ({})", start.format("%b %d, %Y")),
                    )
                })
                .collect())
        }
        K::Test => {
            let rows: Vec<(i64, Option<String>, String)> = bulk::fetch_in(conn, &[], ids, |list| {
                format!(
                    "SELECT t.id, t.title, tt.name FROM test t JOIN test_type tt \
                     ON tt.id = t.test_type_id WHERE t.id IN ({list})"
                )
            })
            .await?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, title, test_type)| match title.filter(|t| !t.is_empty()) {
                        Some(title) => (id, format!("{title} ({test_type})")),
                        None => (id, test_type),
                    },
                )
                .collect())
        }
        K::Endpoint => Ok(endpoint_urls(conn, ids).await?),
        K::EndpointStatus => {
            let rows: Vec<(i64, String, i64)> = bulk::fetch_in(conn, &[], ids, |list| {
                format!(
                    "SELECT s.id, f.title, s.endpoint_id FROM endpoint_status s \
                     JOIN finding f ON f.id = s.finding_id WHERE s.id IN ({list})"
                )
            })
            .await?;
            let endpoint_ids: Vec<i64> = rows.iter().map(|r| r.2).collect();
            let urls = endpoint_urls(conn, &endpoint_ids).await?;
            Ok(rows
                .into_iter()
                .map(|(id, title, endpoint)| {
                    let url = urls.get(&endpoint).map(String::as_str).unwrap_or_default();
                    (id, format!("'{title}' on '{url}'"))
                })
                .collect())
        }
        _ => Ok(HashMap::new()),
    }
}

async fn endpoint_urls(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, String>, ApiError> {
    let rows: Vec<Endpoint> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT * FROM endpoint WHERE id IN ({list})")
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| (e.id, e.to_url_string()))
        .collect())
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn the_cascade_reaches_down_and_never_up() {
        let notes = ids_sql(Kind::Notes, Kind::Test).unwrap_or_default();
        assert!(notes.contains("test_notes") && notes.contains("finding_notes"));
        assert!(!notes.contains("engagement_notes"), "{notes}");
        assert!(ids_sql(Kind::Product, Kind::Finding).is_none());
        assert!(ids_sql(Kind::Endpoint, Kind::Test).is_none());
        let statuses = ids_sql(Kind::EndpointStatus, Kind::Product).unwrap_or_default();
        assert!(statuses.contains("finding_id IN") && statuses.contains("endpoint_id IN"));
    }

    #[test]
    fn parents_come_before_children() {
        for (n, node) in NODES.iter().enumerate() {
            for (parent, _) in node.parents {
                let at = NODES.iter().position(|p| p.kind == *parent);
                assert!(at.is_some_and(|at| at < n), "{}", node.model);
            }
        }
    }
}
