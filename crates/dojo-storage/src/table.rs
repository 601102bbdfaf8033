//! The two macros behind the single query path.
//!
//! `dispatch!` runs one block of query code against whichever driver a [`Conn`]
//! holds; the block is compiled once per driver, so a query that one dialect
//! cannot type-check fails the build rather than a request.
//!
//! `table!` writes the row functions every entity has (insert, update, get, find,
//! delete, list, count) from its column list.
//!
//! [`Conn`]: crate::Conn

#[macro_export]
macro_rules! dispatch {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn.raw() {
            $crate::RawConn::Sqlite($c) => $body,
            $crate::RawConn::Postgres($c) => $body,
        }
    };
}

macro_rules! table {
    (
        entity: $ty:ty,
        table: $table:literal,
        columns: [$($col:ident),+ $(,)?],
        set_on_insert: [$($ic:ident),* $(,)?],
        set_on_write: [$($ac:ident),* $(,)?],
        update: $update_vis:vis $update_name:ident,
        delete: $delete_vis:vis $delete_name:ident $(,)?
    ) => {
        /// The table's name in both databases.
        pub const TABLE: &str = $table;

        /// Inserts a row from every column of `value` except `id`; timestamps are
        /// set to now. Returns the stored row.
        pub async fn insert(
            conn: &mut $crate::Conn,
            value: &$ty,
        ) -> $crate::StorageResult<$ty> {
            static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                $crate::table::insert_sql(
                    $table,
                    &[$(stringify!($col),)+ $(stringify!($ic),)* $(stringify!($ac),)*],
                )
            });
            #[allow(unused_variables, reason = "tables without timestamps do not use it")]
            let now = $crate::table::now();
            #[allow(unused_imports, reason = "only tables with instants use the first")]
            use $crate::table::{PassThrough as _, TruncateInstant as _};
            dispatch!(conn, c => {
                let query = sqlx::query_as::<_, $ty>(SQL.as_str());
                $(let query = query.bind((&$crate::table::BindValue(&value.$col)).for_bind());)+
                $(let query = { let _ = stringify!($ic); query.bind(now) };)*
                $(let query = { let _ = stringify!($ac); query.bind(now) };)*
                Ok(query.fetch_one(&mut *c).await?)
            })
        }

        /// Writes every column of `value` to the row with its id.
        $update_vis async fn $update_name(
            conn: &mut $crate::Conn,
            value: &$ty,
        ) -> $crate::StorageResult<$ty> {
            static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                $crate::table::update_sql($table, &[$(stringify!($col),)+ $(stringify!($ac),)*])
            });
            #[allow(unused_variables, reason = "tables without timestamps do not use it")]
            let now = $crate::table::now();
            #[allow(unused_imports, reason = "only tables with instants use the first")]
            use $crate::table::{PassThrough as _, TruncateInstant as _};
            let row = dispatch!(conn, c => {
                let query = sqlx::query_as::<_, $ty>(SQL.as_str()).bind(value.id);
                $(let query = query.bind((&$crate::table::BindValue(&value.$col)).for_bind());)+
                $(let query = { let _ = stringify!($ac); query.bind(now) };)*
                query.fetch_optional(&mut *c).await?
            });
            row.ok_or($crate::StorageError::NotFound { entity: $table, id: value.id })
        }

        /// Inserts many rows at once, keeping each value's `id` (see
        /// [`crate::bulk::allocate_ids`]); timestamps are set to now. One statement per
        /// chunk of rows, so the number of statements grows with batches, not rows.
        #[allow(dead_code, reason = "only tables written in bulk use it")]
        pub async fn insert_many<B: std::borrow::Borrow<$ty> + Sync>(
            conn: &mut $crate::Conn,
            values: &[B],
        ) -> $crate::StorageResult<()> {
            const COLUMNS: &[&str] =
                &["id", $(stringify!($col),)+ $(stringify!($ic),)* $(stringify!($ac),)*];
            #[allow(unused_variables, reason = "tables without timestamps do not use it")]
            let now = $crate::table::now();
            #[allow(unused_imports, reason = "only tables with instants use the first")]
            use $crate::table::{PassThrough as _, TruncateInstant as _};
            let backend = conn.backend();
            for chunk in values.chunks($crate::bulk::rows_per_statement(COLUMNS.len())) {
                let sql = $crate::bulk::insert_values_sql($table, COLUMNS, chunk.len(), "", backend);
                dispatch!(conn, c => {
                    let mut query = sqlx::query(&sql);
                    for value in chunk {
                        let value: &$ty = value.borrow();
                        query = query.bind(value.id);
                        $(query = query.bind((&$crate::table::BindValue(&value.$col)).for_bind());)+
                        $(query = { let _ = stringify!($ic); query.bind(now) };)*
                        $(query = { let _ = stringify!($ac); query.bind(now) };)*
                    }
                    query.execute(&mut *c).await?;
                });
            }
            Ok(())
        }

        pub async fn find(
            conn: &mut $crate::Conn,
            id: i64,
        ) -> $crate::StorageResult<Option<$ty>> {
            const SQL: &str = concat!("SELECT * FROM ", $table, " WHERE id = $1");
            Ok(dispatch!(conn, c => {
                sqlx::query_as::<_, $ty>(SQL).bind(id).fetch_optional(&mut *c).await?
            }))
        }

        pub async fn get(conn: &mut $crate::Conn, id: i64) -> $crate::StorageResult<$ty> {
            find(conn, id)
                .await?
                .ok_or($crate::StorageError::NotFound { entity: $table, id })
        }

        /// Every row, by id.
        pub async fn list(conn: &mut $crate::Conn) -> $crate::StorageResult<Vec<$ty>> {
            const SQL: &str = concat!("SELECT * FROM ", $table, " ORDER BY id");
            Ok(dispatch!(conn, c => {
                sqlx::query_as::<_, $ty>(SQL).fetch_all(&mut *c).await?
            }))
        }

        pub async fn count(conn: &mut $crate::Conn) -> $crate::StorageResult<i64> {
            const SQL: &str = concat!("SELECT COUNT(*) FROM ", $table);
            Ok(dispatch!(conn, c => {
                sqlx::query_scalar::<_, i64>(SQL).fetch_one(&mut *c).await?
            }))
        }

        /// Deletes the row alone; the database applies its ON DELETE rules.
        #[allow(dead_code, reason = "singleton tables never delete")]
        $delete_vis async fn $delete_name(
            conn: &mut $crate::Conn,
            id: i64,
        ) -> $crate::StorageResult<()> {
            const SQL: &str = concat!("DELETE FROM ", $table, " WHERE id = $1");
            let result = dispatch!(conn, c => {
                sqlx::query(SQL).bind(id).execute(&mut *c).await?.rows_affected()
            });
            if result == 0 {
                return Err($crate::StorageError::NotFound { entity: $table, id });
            }
            Ok(())
        }
    };
}

/// Now, cut to microseconds: PostgreSQL keeps no more, and both databases must
/// return the same value.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// A column value on its way to a bind. Instants are cut to microseconds, as
/// PostgreSQL stores them, so that SQLite (which would keep nanoseconds in its text)
/// returns the same value; everything else passes by reference unchanged.
///
/// The choice is made by method resolution at each (concrete) call site: the
/// `TruncateInstant` impls match `BindValue<instant>` without auto-referencing, so
/// they win over `PassThrough`, which needs one more `&`.
pub struct BindValue<'a, T>(pub &'a T);

pub trait TruncateInstant {
    type Out;
    fn for_bind(&self) -> Self::Out;
}

impl TruncateInstant for BindValue<'_, chrono::DateTime<chrono::Utc>> {
    type Out = chrono::DateTime<chrono::Utc>;
    fn for_bind(&self) -> Self::Out {
        use chrono::SubsecRound;
        self.0.trunc_subsecs(6)
    }
}

impl TruncateInstant for BindValue<'_, Option<chrono::DateTime<chrono::Utc>>> {
    type Out = Option<chrono::DateTime<chrono::Utc>>;
    fn for_bind(&self) -> Self::Out {
        use chrono::SubsecRound;
        self.0.map(|instant| instant.trunc_subsecs(6))
    }
}

pub trait PassThrough {
    type Out;
    fn for_bind(&self) -> Self::Out;
}

impl<'a, T> PassThrough for &BindValue<'a, T> {
    type Out = &'a T;
    fn for_bind(&self) -> &'a T {
        self.0
    }
}

pub(crate) fn insert_sql(table: &str, columns: &[&str]) -> String {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING *",
        columns.join(", "),
        placeholders.join(", ")
    )
}

pub(crate) fn update_sql(table: &str, columns: &[&str]) -> String {
    let assignments: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 2))
        .collect();
    format!(
        "UPDATE {table} SET {} WHERE id = $1 RETURNING *",
        assignments.join(", ")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_sql_numbers_placeholders() {
        assert_eq!(
            super::insert_sql("t", &["a", "b"]),
            "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING *"
        );
        assert_eq!(
            super::update_sql("t", &["a", "b"]),
            "UPDATE t SET a = $2, b = $3 WHERE id = $1 RETURNING *"
        );
    }
}
