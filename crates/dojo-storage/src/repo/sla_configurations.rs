//! SLA configurations: days to fix per severity.

use dojo_domain::entities::SlaConfiguration;

table! {
    entity: SlaConfiguration,
    table: "sla_configuration",
    columns: [
        name,
        description,
        critical,
        high,
        medium,
        low,
        enforce_critical,
        enforce_high,
        enforce_medium,
        enforce_low,
        restart_sla_on_reactivation,
        async_updating,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub(crate) delete_row,
}

use crate::{Conn, StorageError, StorageResult};

/// Deletes a configuration; the default (id 1) never, and none that a product uses
/// (the foreign key refuses with `InUse`).
pub async fn delete(conn: &mut Conn, id: i64) -> StorageResult<()> {
    if id == 1 {
        return Err(StorageError::Refused(
            "the default SLA configuration cannot be deleted".into(),
        ));
    }
    delete_row(conn, id).await
}
