//! Set-based writes and reads for work that touches thousands of rows at once
//! (imports): ids handed out in one query, multi-row INSERTs, UPDATEs joined to a
//! VALUES list, and `IN (...)` lookups, each chunked so a statement stays within
//! both databases' bind limits (SQLite 32,766, PostgreSQL 65,535).

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Backend, Conn, RawConn, StorageResult};

/// Binds per statement we allow ourselves, under SQLite's limit with room to spare.
const MAX_BINDS: usize = 30_000;

/// How many rows of `columns` columns fit in one statement.
pub fn rows_per_statement(columns: usize) -> usize {
    (MAX_BINDS / columns.max(1)).max(1)
}

/// `INSERT INTO table (cols) VALUES ($1, $2), ($3, $4) <suffix>` for `rows` rows.
/// On SQLite the placeholders are plain `?` (see [`positional`]).
pub fn insert_values_sql(
    table: &str,
    columns: &[&str],
    rows: usize,
    suffix: &str,
    backend: Backend,
) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    push_values(&mut sql, columns.len(), rows, 1);
    if backend == Backend::Sqlite {
        sql = positional(&sql).0;
    }
    if !suffix.is_empty() {
        sql.push(' ');
        sql.push_str(suffix);
    }
    sql
}

/// Appends `($n, ...), (...)` tuples of `width` placeholders, numbered from `first`.
fn push_values(sql: &mut String, width: usize, rows: usize, first: usize) {
    use std::fmt::Write as _;
    let mut n = first;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "${n}");
            n += 1;
        }
        sql.push(')');
    }
}

/// Rewrites `$n` placeholders as SQLite's anonymous `?`, returning the parameter
/// index (0-based) each `?` stands for, in text order. SQLite treats `$n` as a
/// *named* parameter and looks each one up by name, in the parser and again on
/// every bind, which is quadratic in the number of parameters: with thousands of
/// rows per statement that dominated the whole import.
pub fn positional(sql: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(sql.len());
    let mut order = Vec::new();
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let start = i + 1;
            let mut end = start;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if let Ok(n) = sql[start..end].parse::<usize>() {
                out.push_str(&sql[copied..i]);
                out.push('?');
                order.push(n.saturating_sub(1));
                copied = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&sql[copied..]);
    (out, order)
}

/// The statement and its parameters as the connection's database wants them.
fn for_backend<'p>(backend: Backend, sql: &str, params: &'p [Param]) -> (String, Vec<&'p Param>) {
    match backend {
        Backend::Postgres => (sql.to_owned(), params.iter().collect()),
        Backend::Sqlite => {
            let (sql, order) = positional(sql);
            let params = order.into_iter().filter_map(|i| params.get(i)).collect();
            (sql, params)
        }
    }
}

/// `$first, $first+1, ...` for an `IN (...)` list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type that rows of either database decode into (entities, tuples).
pub trait Row:
    Send
    + Unpin
    + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
{
}

impl<T> Row for T where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
{
}

/// A value to bind, for statements whose columns are chosen at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Float(Option<f64>),
    Date(Option<NaiveDate>),
    Instant(Option<DateTime<Utc>>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(Some(v))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(Some(v.to_owned()))
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(Some(v))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Param::Text(v)
    }
}
impl From<DateTime<Utc>> for Param {
    fn from(v: DateTime<Utc>) -> Self {
        use chrono::SubsecRound;
        Param::Instant(Some(v.trunc_subsecs(6)))
    }
}
impl From<Option<DateTime<Utc>>> for Param {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        use chrono::SubsecRound;
        Param::Instant(v.map(|i| i.trunc_subsecs(6)))
    }
}
impl From<NaiveDate> for Param {
    fn from(v: NaiveDate) -> Self {
        Param::Date(Some(v))
    }
}

macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                Param::Int(v) => query.bind(*v),
                Param::Text(v) => query.bind(v.as_deref()),
                Param::Bool(v) => query.bind(*v),
                Param::Float(v) => query.bind(*v),
                Param::Date(v) => query.bind(*v),
                Param::Instant(v) => query.bind(*v),
            };
        }
        query
    }};
}

/// Runs `sql` with `params`.
pub async fn execute(conn: &mut Conn, sql: &str, params: &[Param]) -> StorageResult<u64> {
    let (sql, params) = for_backend(conn.backend(), sql, params);
    Ok(dispatch!(conn, c => {
        bind_params!(sqlx::query(&sql), params.iter().copied()).execute(&mut *c).await?.rows_affected()
    }))
}

/// Inserts `rows` (each one value per column) in as few statements as the bind
/// limits allow. `suffix` follows the VALUES list, e.g. `ON CONFLICT DO NOTHING`.
pub async fn insert_rows(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Param>],
    suffix: &str,
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = conn.backend();
    if backend == Backend::Postgres {
        if let Some(arrays) = Arrays::of(rows.iter().map(Vec::as_slice), columns.len()) {
            let sql = format!(
                "INSERT INTO {table} ({}) SELECT * FROM UNNEST({}) {suffix}",
                columns.join(", "),
                arrays.placeholders(1)
            );
            return arrays.execute(conn, &sql, &[]).await;
        }
    }
    for chunk in rows.chunks(rows_per_statement(columns.len())) {
        let sql = insert_values_sql(table, columns, chunk.len(), suffix, backend);
        let params = chunk.iter().flatten();
        dispatch!(conn, c => {
            bind_params!(sqlx::query(&sql), params).execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Rows turned into one array per column, for PostgreSQL's `UNNEST`: one
/// statement and a handful of binds however many rows, where a VALUES list of
/// thousands of rows costs PostgreSQL more to parse and plan than to run.
enum Array {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<NaiveDate>>),
    Instant(Vec<Option<DateTime<Utc>>>),
}

struct Arrays(Vec<Array>);

impl Arrays {
    /// `None` when a column mixes kinds of values (then VALUES lists are used).
    fn of<'a>(rows: impl Iterator<Item = &'a [Param]>, width: usize) -> Option<Arrays> {
        let mut rows = rows.peekable();
        let first = rows.peek()?;
        let mut arrays: Vec<Array> = first
            .iter()
            .map(|p| match p {
                Param::Int(_) => Array::Int(Vec::new()),
                Param::Text(_) => Array::Text(Vec::new()),
                Param::Bool(_) => Array::Bool(Vec::new()),
                Param::Float(_) => Array::Float(Vec::new()),
                Param::Date(_) => Array::Date(Vec::new()),
                Param::Instant(_) => Array::Instant(Vec::new()),
            })
            .collect();
        if arrays.len() != width {
            return None;
        }
        for row in rows {
            if row.len() != width {
                return None;
            }
            for (array, param) in arrays.iter_mut().zip(row) {
                match (array, param) {
                    (Array::Int(a), Param::Int(v)) => a.push(*v),
                    (Array::Text(a), Param::Text(v)) => a.push(v.clone()),
                    (Array::Bool(a), Param::Bool(v)) => a.push(*v),
                    (Array::Float(a), Param::Float(v)) => a.push(*v),
                    (Array::Date(a), Param::Date(v)) => a.push(*v),
                    (Array::Instant(a), Param::Instant(v)) => a.push(*v),
                    _ => return None,
                }
            }
        }
        Some(Arrays(arrays))
    }

    /// `$first::int8[], $first+1::text[], ...`
    fn placeholders(&self, first: usize) -> String {
        self.0
            .iter()
            .enumerate()
            .map(|(i, array)| {
                let kind = match array {
                    Array::Int(_) => "int8",
                    Array::Text(_) => "text",
                    Array::Bool(_) => "bool",
                    Array::Float(_) => "float8",
                    Array::Date(_) => "date",
                    Array::Instant(_) => "timestamptz",
                };
                format!("${}::{kind}[]", first + i)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Runs `sql` on PostgreSQL with `fixed` params first, then the arrays.
    async fn execute(self, conn: &mut Conn, sql: &str, fixed: &[Param]) -> StorageResult<()> {
        let RawConn::Postgres(c) = conn.raw() else {
            return Err(crate::StorageError::Config(
                "array parameters are for PostgreSQL only".into(),
            ));
        };
        let query = bind_params!(sqlx::query(sql), fixed);
        self.bind(query).execute(&mut *c).await?;
        Ok(())
    }

    fn bind<'q>(
        self,
        mut query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        for array in self.0 {
            query = match array {
                Array::Int(v) => query.bind(v),
                Array::Text(v) => query.bind(v),
                Array::Bool(v) => query.bind(v),
                Array::Float(v) => query.bind(v),
                Array::Date(v) => query.bind(v),
                Array::Instant(v) => query.bind(v),
            };
        }
        query
    }
}

/// Sets `columns` of many rows of `table`, each row to its own values: `rows` are
/// `(id, values)`.
///
/// PostgreSQL joins the table to a `VALUES` list (one statement per chunk).
/// SQLite's planner loops over the whole table for such a join, so there the
/// values go to a temporary table with a primary key first (a multi-row INSERT
/// per chunk, then one joined UPDATE).
pub async fn update_rows(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: &[(i64, Vec<Param>)],
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = columns.len() + 1;
    let assignments: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = v.column{}", i + 2))
        .collect();
    let as_params = |chunk: &[(i64, Vec<Param>)]| -> Vec<Vec<Param>> {
        chunk
            .iter()
            .map(|(id, values)| {
                std::iter::once(Param::Int(Some(*id)))
                    .chain(values.iter().cloned())
                    .collect()
            })
            .collect()
    };
    match conn.backend() {
        Backend::Sqlite => {
            let staged: Vec<String> = (1..=width).map(|i| format!("column{i}")).collect();
            let definition: Vec<String> = staged
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c} INTEGER PRIMARY KEY")
                    } else {
                        c.clone()
                    }
                })
                .collect();
            execute(
                conn,
                &format!("CREATE TEMP TABLE bulk_update ({})", definition.join(", ")),
                &[],
            )
            .await?;
            let staged_refs: Vec<&str> = staged.iter().map(String::as_str).collect();
            insert_rows(conn, "temp.bulk_update", &staged_refs, &as_params(rows), "").await?;
            execute(
                conn,
                &format!(
                    "UPDATE {table} SET {} FROM temp.bulk_update AS v WHERE {table}.id = v.column1",
                    assignments.join(", ")
                ),
                &[],
            )
            .await?;
            execute(conn, "DROP TABLE temp.bulk_update", &[]).await?;
        }
        Backend::Postgres => {
            let staged = as_params(rows);
            if let Some(arrays) = Arrays::of(staged.iter().map(Vec::as_slice), width) {
                let names: Vec<String> = (1..=width).map(|i| format!("column{i}")).collect();
                let sql = format!(
                    "UPDATE {table} SET {} FROM UNNEST({}) AS v({}) WHERE {table}.id = v.column1",
                    assignments.join(", "),
                    arrays.placeholders(1),
                    names.join(", ")
                );
                return arrays.execute(conn, &sql, &[]).await;
            }
            for chunk in rows.chunks(rows_per_statement(width)) {
                let mut values = String::new();
                push_values(&mut values, width, chunk.len(), 1);
                let sql = format!(
                    "UPDATE {table} SET {} FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                    assignments.join(", ")
                );
                let params: Vec<Param> = as_params(chunk).into_iter().flatten().collect();
                execute(conn, &sql, &params).await?;
            }
        }
    }
    Ok(())
}

/// Runs `sql_for(placeholders)` once per chunk of `keys` (placeholders numbered
/// after `fixed`), collecting the rows. For `WHERE x IN (...)` lookups.
pub async fn fetch_in<T, K>(
    conn: &mut Conn,
    fixed: &[Param],
    keys: &[K],
    sql_for: impl Fn(&str) -> String,
) -> StorageResult<Vec<T>>
where
    K: Clone + Into<Param>,
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let mut out = Vec::new();
    if keys.is_empty() {
        return Ok(out);
    }
    if conn.backend() == Backend::Postgres {
        let keys: Vec<Param> = keys.iter().cloned().map(Into::into).collect();
        let rows: Vec<&[Param]> = keys.iter().map(std::slice::from_ref).collect();
        if let Some(arrays) = Arrays::of(rows.into_iter(), 1) {
            let sql = sql_for(&format!(
                "SELECT UNNEST({})",
                arrays.placeholders(fixed.len() + 1)
            ));
            let RawConn::Postgres(c) = conn.raw() else {
                return Ok(out);
            };
            let query = bind_params!(sqlx::query_as::<_, T>(&sql), fixed);
            let query = match arrays.0.into_iter().next() {
                Some(Array::Int(v)) => query.bind(v),
                Some(Array::Text(v)) => query.bind(v),
                Some(Array::Bool(v)) => query.bind(v),
                Some(Array::Float(v)) => query.bind(v),
                Some(Array::Date(v)) => query.bind(v),
                Some(Array::Instant(v)) => query.bind(v),
                None => query,
            };
            return Ok(query.fetch_all(&mut *c).await?);
        }
    }
    for chunk in keys.chunks(MAX_BINDS - fixed.len()) {
        let sql = sql_for(&placeholders(fixed.len() + 1, chunk.len()));
        let params: Vec<Param> = fixed
            .iter()
            .cloned()
            .chain(chunk.iter().cloned().map(Into::into))
            .collect();
        let (sql, params) = for_backend(conn.backend(), &sql, &params);
        let rows: Vec<T> = dispatch!(conn, c => {
            bind_params!(sqlx::query_as::<_, T>(&sql), params.iter().copied()).fetch_all(&mut *c).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Runs an UPDATE or DELETE whose `sql_for(list)` filters on `IN (list)`, over
/// any number of `keys`, like [`fetch_in`] (whose IN-list handling it reuses, hence
/// the `RETURNING` it appends). Returns the number of rows affected.
pub async fn execute_in<K>(
    conn: &mut Conn,
    fixed: &[Param],
    keys: &[K],
    sql_for: impl Fn(&str) -> String,
) -> StorageResult<usize>
where
    K: Clone + Into<Param>,
{
    let affected: Vec<(i64,)> = fetch_in(conn, fixed, keys, |list| {
        format!("{} RETURNING CAST(1 AS BIGINT)", sql_for(list))
    })
    .await?;
    Ok(affected.len())
}

/// Runs a query with `params` and returns its rows.
pub async fn fetch_all<T>(conn: &mut Conn, sql: &str, params: &[Param]) -> StorageResult<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let (sql, params) = for_backend(conn.backend(), sql, params);
    Ok(dispatch!(conn, c => {
        bind_params!(sqlx::query_as::<_, T>(&sql), params.iter().copied()).fetch_all(&mut *c).await?
    }))
}

/// Hands out `count` fresh ids of `table` in one query, ascending, so rows can be
/// inserted in bulk with their children already pointing at them. Must run inside
/// the transaction that inserts them: on SQLite that transaction holds the write
/// lock (`BEGIN IMMEDIATE`), on PostgreSQL the ids come from the table's sequence.
pub async fn allocate_ids(conn: &mut Conn, table: &str, count: usize) -> StorageResult<Vec<i64>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let count_i64 = i64::try_from(count).unwrap_or(i64::MAX);
    match conn.backend() {
        Backend::Sqlite => {
            let sql = format!(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), \
                 COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $1), 0))"
            );
            let last: i64 = dispatch!(conn, c => {
                sqlx::query_scalar(&sql).bind(table).fetch_one(&mut *c).await?
            });
            Ok((last + 1..=last + count_i64).collect())
        }
        Backend::Postgres => {
            let mut ids: Vec<i64> = dispatch!(conn, c => {
                sqlx::query_scalar(
                    "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
                )
                .bind(table)
                .bind(count_i64)
                .fetch_all(&mut *c)
                .await?
            });
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_number_placeholders_across_rows() {
        assert_eq!(
            insert_values_sql(
                "t",
                &["a", "b"],
                2,
                "ON CONFLICT DO NOTHING",
                Backend::Postgres
            ),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            insert_values_sql("t", &["a", "b"], 2, "", Backend::Sqlite),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(placeholders(3, 2), "$3, $4");
        assert_eq!(rows_per_statement(75), 400);
    }

    #[test]
    fn positional_follows_text_order_and_reuse() {
        let (sql, order) = positional("SELECT $2, $1 WHERE a IN ($3, $3) AND b = '$x'");
        assert_eq!(sql, "SELECT ?, ? WHERE a IN (?, ?) AND b = '$x'");
        assert_eq!(order, vec![1, 0, 2, 2]);
    }
}
