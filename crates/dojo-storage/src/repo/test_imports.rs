//! Import history of a test.

use dojo_domain::entities::TestImport;

table! {
    entity: TestImport,
    table: "test_import",
    columns: [
        test_id,
        import_settings,
        import_type,
        version,
        build_id,
        commit_hash,
        branch_tag,
    ],
    set_on_insert: [created],
    set_on_write: [modified],
    update: pub update,
    delete: pub delete,
}
