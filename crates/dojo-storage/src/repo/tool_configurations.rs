//! Tool configurations (credentials for API-pull parsers).

use dojo_domain::entities::ToolConfiguration;

table! {
    entity: ToolConfiguration,
    table: "tool_configuration",
    columns: [
        name,
        description,
        url,
        tool_type_id,
        authentication_type,
        extras,
        username,
        password,
        auth_title,
        ssh,
        api_key,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
