//! Environments a test ran against.

use dojo_domain::entities::DevelopmentEnvironment;

table! {
    entity: DevelopmentEnvironment,
    table: "development_environment",
    columns: [
        name,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
