//! `authorized_users`, the membership list of DefectDojo 3.x, over Dojo's
//! roles: a listed user without a membership becomes a Writer, a Writer no
//! longer listed loses it, and other roles are left alone (rbac.md decision).

use dojo_domain::Role;
use dojo_storage::bulk;
use dojo_storage::Conn;

use crate::error::ApiError;

/// Which membership table.
#[derive(Debug, Clone, Copy)]
pub enum Membership {
    ProductType,
    Product,
}

impl Membership {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Membership::ProductType => ("product_type_member", "product_type_id"),
            Membership::Product => ("product_member", "product_id"),
        }
    }
}

/// Makes `users` the Writers of the object, as described above. The caller
/// checks the right to manage members.
pub async fn set_writers(
    conn: &mut Conn,
    kind: Membership,
    object_id: i64,
    users: &[i64],
) -> Result<(), ApiError> {
    let (table, column) = kind.table_and_column();
    let current: Vec<(i64, i64)> = bulk::fetch_all(
        conn,
        &format!("SELECT user_id, role_id FROM {table} WHERE {column} = $1"),
        &[object_id.into()],
    )
    .await?;
    for (user_id, role_id) in &current {
        if *role_id == Role::Writer.id() && !users.contains(user_id) {
            bulk::execute(
                conn,
                &format!("DELETE FROM {table} WHERE {column} = $1 AND user_id = $2"),
                &[object_id.into(), (*user_id).into()],
            )
            .await?;
        }
    }
    for user_id in users {
        if !current.iter().any(|(u, _)| u == user_id) {
            bulk::execute(
                conn,
                &format!("INSERT INTO {table} ({column}, user_id, role_id) VALUES ($1, $2, $3)"),
                &[
                    object_id.into(),
                    (*user_id).into(),
                    Role::Writer.id().into(),
                ],
            )
            .await?;
        }
    }
    Ok(())
}

/// Users with a direct membership of each object, which 3.x clients read as
/// `authorized_users`.
pub async fn of(
    conn: &mut Conn,
    kind: Membership,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>, ApiError> {
    let (table, column) = kind.table_and_column();
    crate::api::related::pairs(
        conn,
        ids,
        &format!(
            "SELECT {column}, user_id FROM {table} WHERE {column} IN ({{ids}}) ORDER BY user_id"
        ),
    )
    .await
}
