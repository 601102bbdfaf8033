//! Report types an engagement can name.

use dojo_domain::entities::ReportType;

table! {
    entity: ReportType,
    table: "report_type",
    columns: [
        name,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
