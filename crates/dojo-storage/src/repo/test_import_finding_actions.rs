//! What each import did to each finding.

use dojo_domain::entities::TestImportFindingAction;

table! {
    entity: TestImportFindingAction,
    table: "test_import_finding_action",
    columns: [
        test_import_id,
        finding_id,
        action,
    ],
    set_on_insert: [created],
    set_on_write: [modified],
    update: pub update,
    delete: pub delete,
}
