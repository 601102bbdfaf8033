//! What every resource of `/api/v2/` does the same way: find one object the
//! caller may see (404 otherwise, never 403), and add the `prefetch` key of
//! prefetching resources.

use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;

/// Which column decides whether a row is visible.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    /// A product id: visible to members of the product or its product type.
    Product(&'static str),
    /// A product type id: visible to members of the product type.
    ProductType(&'static str),
    /// Configuration every user may read.
    Everyone,
}

/// The row `alias.id = id` of `from` (a table with its alias, or a join) if
/// the caller may see it; DefectDojo's 404 naming `model` otherwise, also for
/// an id that is not a number.
pub async fn find_visible<T: bulk::Row>(
    conn: &mut Conn,
    caller: &Caller,
    from: &str,
    alias: &str,
    visibility: Visibility,
    id: &str,
    model: &'static str,
) -> Result<T, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(model))?;
    let mut params: Vec<Param> = vec![id.into()];
    let condition = match visibility {
        Visibility::Product(column) => caller.access.product_filter(column, &mut params),
        Visibility::ProductType(column) => caller.access.product_type_filter(column, &mut params),
        Visibility::Everyone => None,
    }
    .map(|c| format!(" AND {c}"))
    .unwrap_or_default();
    let sql = format!("SELECT {alias}.* FROM {from} WHERE {alias}.id = $1{condition}");
    let rows: Vec<T> = bulk::fetch_all(conn, &sql, &params).await?;
    rows.into_iter().next().ok_or(ApiError::NoMatch(model))
}

/// One row rendered by the resource's page renderer, which loads related rows
/// with one query per table whatever the number of rows.
pub async fn render_single<T>(
    conn: &mut Conn,
    row: &T,
    render: impl AsyncFnOnce(&mut Conn, &[T]) -> Result<Vec<Value>, ApiError>,
) -> Result<Value, ApiError> {
    Ok(render(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

/// Adds the (empty) `prefetch` key that prefetching resources send on detail
/// responses too (api.md §1.4).
pub fn with_prefetch(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.insert("prefetch".into(), json!({}));
    }
    body
}
