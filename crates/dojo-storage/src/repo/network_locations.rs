//! Network locations of engagement presets.

use dojo_domain::entities::NetworkLocations;

table! {
    entity: NetworkLocations,
    table: "network_locations",
    columns: [
        location,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
