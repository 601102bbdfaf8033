//! The five fixed roles, seeded by the first migration.

use dojo_domain::Role;

use crate::{Conn, StorageError, StorageResult};

/// The stored roles as `Role` values, by id.
pub async fn list(conn: &mut Conn) -> StorageResult<Vec<Role>> {
    let rows = dispatch!(conn, c => {
        sqlx::query_as::<_, (i64, String, bool)>("SELECT id, name, is_owner FROM role ORDER BY id")
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter()
        .map(|(id, name, is_owner)| {
            Role::from_id(id)
                .filter(|role| role.name() == name && role.is_owner() == is_owner)
                .ok_or_else(|| {
                    StorageError::Refused(format!("unexpected role row {id} \"{name}\""))
                })
        })
        .collect()
}
