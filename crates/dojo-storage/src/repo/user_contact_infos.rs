//! Per-user contact details and preferences.

use dojo_domain::entities::UserContactInfo;

table! {
    entity: UserContactInfo,
    table: "user_contact_info",
    columns: [
        user_id,
        title,
        phone_number,
        cell_number,
        twitter_username,
        github_username,
        slack_username,
        slack_user_id,
        block_execution,
        deduplication_execution_mode,
        force_password_reset,
        ui_use_tailwind,
        token_last_reset,
        password_last_reset,
        user_state_details,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
