//! Tags of the taggable entities. Names are stored once in `tag`; each entity has a
//! link table, and those that inherit product tags mark inherited links.

use dojo_domain::tags::normalise_tags;

use crate::{Conn, StorageResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    Product,
    Engagement,
    Test,
    Finding,
    Endpoint,
    FindingTemplate,
    AppAnalysis,
    ObjectsProduct,
}

impl Tagged {
    fn table(self) -> (&'static str, &'static str, bool) {
        match self {
            Tagged::Product => ("product_tags", "product_id", false),
            Tagged::Engagement => ("engagement_tags", "engagement_id", true),
            Tagged::Test => ("test_tags", "test_id", true),
            Tagged::Finding => ("finding_tags", "finding_id", true),
            Tagged::Endpoint => ("endpoint_tags", "endpoint_id", true),
            Tagged::FindingTemplate => ("finding_template_tags", "finding_template_id", false),
            Tagged::AppAnalysis => ("app_analysis_tags", "app_analysis_id", false),
            Tagged::ObjectsProduct => ("objects_product_tags", "objects_product_id", false),
        }
    }
}

async fn tag_id(conn: &mut Conn, name: &str) -> StorageResult<i64> {
    Ok(dispatch!(conn, c => {
        sqlx::query("INSERT INTO tag (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar::<_, i64>("SELECT id FROM tag WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *c)
            .await?
    }))
}

/// The entity's own tags (not inherited ones), sorted by name.
pub async fn get(conn: &mut Conn, kind: Tagged, id: i64) -> StorageResult<Vec<String>> {
    read(conn, kind, id, false).await
}

/// Tags inherited from the product, sorted by name; empty for kinds that do not inherit.
pub async fn get_inherited(conn: &mut Conn, kind: Tagged, id: i64) -> StorageResult<Vec<String>> {
    if !kind.table().2 {
        return Ok(Vec::new());
    }
    read(conn, kind, id, true).await
}

async fn read(
    conn: &mut Conn,
    kind: Tagged,
    id: i64,
    inherited: bool,
) -> StorageResult<Vec<String>> {
    let (table, column, has_inherited) = kind.table();
    let filter = if has_inherited {
        format!(
            " AND l.inherited = {}",
            if inherited { "TRUE" } else { "FALSE" }
        )
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT t.name FROM {table} l JOIN tag t ON t.id = l.tag_id WHERE l.{column} = $1{filter} ORDER BY t.name"
    );
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, String>(&sql).bind(id).fetch_all(&mut *c).await?
    }))
}

/// Replaces the entity's own tags with `tags`, normalised as DefectDojo does
/// (comma lists split, lower-cased, duplicates dropped).
pub async fn set(
    conn: &mut Conn,
    kind: Tagged,
    id: i64,
    tags: &[String],
) -> StorageResult<Vec<String>> {
    write(conn, kind, id, tags, false).await
}

/// Replaces the inherited tags of an entity that inherits product tags.
pub async fn set_inherited(
    conn: &mut Conn,
    kind: Tagged,
    id: i64,
    tags: &[String],
) -> StorageResult<Vec<String>> {
    if !kind.table().2 {
        return Ok(Vec::new());
    }
    write(conn, kind, id, tags, true).await
}

async fn write(
    conn: &mut Conn,
    kind: Tagged,
    id: i64,
    tags: &[String],
    inherited: bool,
) -> StorageResult<Vec<String>> {
    let (table, column, has_inherited) = kind.table();
    let names = normalise_tags(tags.iter().map(String::as_str));
    let flag = if inherited { "TRUE" } else { "FALSE" };
    let (delete, insert) = if has_inherited {
        (
            format!("DELETE FROM {table} WHERE {column} = $1 AND inherited = {flag}"),
            format!("INSERT INTO {table} ({column}, tag_id, inherited) VALUES ($1, $2, {flag}) ON CONFLICT DO NOTHING"),
        )
    } else {
        (
            format!("DELETE FROM {table} WHERE {column} = $1"),
            format!(
                "INSERT INTO {table} ({column}, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ),
        )
    };
    dispatch!(conn, c => {
        sqlx::query(&delete).bind(id).execute(&mut *c).await?;
    });
    for name in &names {
        let tag = tag_id(conn, name).await?;
        dispatch!(conn, c => {
            sqlx::query(&insert).bind(id).bind(tag).execute(&mut *c).await?;
        });
    }
    let mut sorted = names;
    sorted.sort();
    Ok(sorted)
}
