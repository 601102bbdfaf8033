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
    delete: pub delete,
}
