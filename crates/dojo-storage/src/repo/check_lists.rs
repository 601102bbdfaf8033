//! Engagement check lists.

use dojo_domain::entities::CheckList;

table! {
    entity: CheckList,
    table: "check_list",
    columns: [
        engagement_id,
        session_management,
        encryption_crypto,
        configuration_management,
        authentication,
        authorization_and_access_control,
        data_input_sanitization_validation,
        sensitive_data,
        other,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
