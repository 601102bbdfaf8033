//! Users and their contact information (api.md §3.10) as DefectDojo renders
//! them; the password never leaves the server.

use dojo_domain::entities::{User, UserContactInfo};
use serde_json::{json, Value};

use super::datetime_value;

/// A user. `contact` supplies the token and password reset times, which
/// DefectDojo keeps in the contact information. Dojo grants no Django
/// configuration permissions, so `configuration_permissions` is empty.
pub fn user_json(user: &User, contact: Option<&UserContactInfo>) -> Value {
    let at = |t: Option<&chrono::DateTime<chrono::Utc>>| t.map_or(Value::Null, datetime_value);
    json!({
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined": datetime_value(&user.date_joined),
        "last_login": at(user.last_login.as_ref()),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "token_last_reset": at(contact.and_then(|c| c.token_last_reset.as_ref())),
        "password_last_reset": at(contact.and_then(|c| c.password_last_reset.as_ref())),
        "configuration_permissions": [],
    })
}

/// A user's contact information, with the user nested as `user_profile`.
pub fn contact_json(contact: &UserContactInfo, user: &User) -> Value {
    let at = |t: Option<&chrono::DateTime<chrono::Utc>>| t.map_or(Value::Null, datetime_value);
    json!({
        "id": contact.id,
        "user_profile": user_json(user, Some(contact)),
        "user": contact.user_id,
        "title": contact.title,
        "phone_number": contact.phone_number,
        "cell_number": contact.cell_number,
        "twitter_username": contact.twitter_username,
        "github_username": contact.github_username,
        "slack_username": contact.slack_username,
        "slack_user_id": contact.slack_user_id,
        "block_execution": contact.block_execution,
        "deduplication_execution_mode": contact.deduplication_execution_mode.map(|m| m.as_str()),
        "force_password_reset": contact.force_password_reset,
        "ui_use_tailwind": contact.ui_use_tailwind,
        "token_last_reset": at(contact.token_last_reset.as_ref()),
        "password_last_reset": at(contact.password_last_reset.as_ref()),
    })
}
