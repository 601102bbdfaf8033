//! Users and their contact information (api.md §3.10) as DefectDojo renders
//! them; the password never leaves the server.

use dojo_domain::entities::{User, UserContactInfo};
use dojo_domain::DeduplicationExecutionMode;
use serde_json::{json, Value};

use super::datetime_value;
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

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

/// Django's username rule, with its message.
const INVALID_USERNAME: &str = "Enter a valid username. This value may contain only letters, \
     numbers, and @/./+/-/_ characters.";

/// Django's `EmailValidator`, in its common form: a local part and a domain
/// with a dot (or `localhost`), no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let domain_ok = domain == "localhost"
        || (domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains(".."));
    !local.is_empty()
        && domain_ok
        && !email.chars().any(char::is_whitespace)
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// Reads a user body (api.md §3.10): the row and, on create, the password.
/// A password on update and a missing one on create are object-level errors
/// (DefectDojo's `validate`), reported only when every field is valid.
pub fn read_user(
    body: &RequestFields,
    mode: Mode,
    current: Option<&User>,
) -> Result<(User, Option<String>), FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(username) = f.required_text("username", 150) {
        if crate::accounts::valid_username(&username) {
            row.username = username;
        } else {
            f.error("username", INVALID_USERNAME);
        }
    }
    for (name, slot) in [
        ("first_name", &mut row.first_name),
        ("last_name", &mut row.last_name),
    ] {
        if let Some(text) = f.text(name, 150, Blank::Allowed) {
            *slot = text.unwrap_or_default();
        }
    }
    if let Some(email) = f.required_text("email", 254) {
        if valid_email(&email) {
            row.email = email;
        } else {
            f.error("email", "Enter a valid email address.");
        }
    }
    for (name, slot) in [
        ("is_active", &mut row.is_active),
        ("is_staff", &mut row.is_staff),
        ("is_superuser", &mut row.is_superuser),
    ] {
        if let Some(v) = f.boolean(name) {
            *slot = v;
        }
    }
    super::members::no_configuration_permissions(&mut f);
    let password = f.text("password", 128, Blank::Forbidden).flatten();
    if !f.has_errors() {
        match (mode, &password) {
            (Mode::Create, None) => f.non_field_error("Passwords must be supplied for new users"),
            (Mode::Update | Mode::Partial, Some(_)) => {
                f.non_field_error("Update of password though API is not allowed")
            }
            _ => {}
        }
    }
    f.finish()?;
    Ok((row, password))
}

/// Django's phone number rule on contact information.
fn valid_phone(number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let digits = digits
        .strip_prefix('1')
        .filter(|d| d.len() >= 9)
        .unwrap_or(digits);
    (9..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

const PHONE_FORMAT: &str =
    "Phone number must be entered in the format: '+999999999'. Up to 15 digits allowed.";

const DEDUPLICATION_MODES: &[&str] = &["async", "async_wait", "sync"];

/// Reads a contact information body. Whether `user` exists, and whether it
/// already has contact information, is the handler's check.
pub fn read_contact(
    body: &RequestFields,
    mode: Mode,
    current: Option<&UserContactInfo>,
) -> Result<UserContactInfo, FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    f.required("user");
    if let Some(Some(user)) = f.pk("user", Null::Forbidden) {
        row.user_id = user;
    }
    for (name, max, slot) in [
        ("title", 150, &mut row.title),
        ("twitter_username", 150, &mut row.twitter_username),
        ("github_username", 150, &mut row.github_username),
        ("slack_username", 150, &mut row.slack_username),
        ("slack_user_id", 25, &mut row.slack_user_id),
    ] {
        if let Some(text) = f.text(name, max, Blank::Allowed) {
            *slot = text;
        }
    }
    for name in ["phone_number", "cell_number"] {
        let Some(text) = f.text(name, 15, Blank::Allowed) else {
            continue;
        };
        match text {
            Some(number) if !number.is_empty() && !valid_phone(&number) => {
                f.error(name, PHONE_FORMAT);
            }
            value => {
                let value = value.filter(|n| !n.is_empty());
                if name == "phone_number" {
                    row.phone_number = value;
                } else {
                    row.cell_number = value;
                }
            }
        }
    }
    for (name, slot) in [
        ("block_execution", &mut row.block_execution),
        ("force_password_reset", &mut row.force_password_reset),
        ("ui_use_tailwind", &mut row.ui_use_tailwind),
    ] {
        if let Some(v) = f.boolean(name) {
            *slot = v;
        }
    }
    if let Some(mode) = f.choice(
        "deduplication_execution_mode",
        DEDUPLICATION_MODES,
        Blank::Allowed,
    ) {
        row.deduplication_execution_mode =
            mode.and_then(|m| m.parse::<DeduplicationExecutionMode>().ok());
    }
    for (name, slot) in [
        ("token_last_reset", &mut row.token_last_reset),
        ("password_last_reset", &mut row.password_last_reset),
    ] {
        if let Some(at) = f.datetime(name, Null::Allowed) {
            *slot = at;
        }
    }
    f.finish()?;
    Ok(row)
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn users_need_a_name_an_email_and_a_password_on_create_only() {
        let errors = read_user(&body(json!({"username": "a b"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["username"], vec![INVALID_USERNAME]);
        assert_eq!(errors["email"], vec!["This field is required."]);
        let errors = read_user(
            &body(json!({"username": "ann", "email": "ann@example.com"})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["non_field_errors"],
            vec!["Passwords must be supplied for new users"]
        );
        let current = User {
            username: "ann".into(),
            ..User::default()
        };
        let errors = read_user(
            &body(json!({"password": "x"})),
            Mode::Partial,
            Some(&current),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["non_field_errors"],
            vec!["Update of password though API is not allowed"]
        );
        let (row, password) = read_user(
            &body(
                json!({"username": "bob", "email": "b@x.io", "password": "pw", "is_staff": true}),
            ),
            Mode::Create,
            None,
        )
        .unwrap_or_default();
        assert_eq!((row.username.as_str(), row.is_staff), ("bob", true));
        assert_eq!(password.as_deref(), Some("pw"));
        assert!(!valid_email("nobody"));
        assert!(!valid_email("a@b"));
        assert!(valid_email("a@localhost"));
    }

    #[test]
    fn contact_information_checks_phone_numbers_and_modes() {
        let errors = read_contact(
            &body(json!({"user": 1, "phone_number": "12-34", "deduplication_execution_mode": "x"})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["phone_number"], vec![PHONE_FORMAT]);
        assert_eq!(
            errors["deduplication_execution_mode"],
            vec!["\"x\" is not a valid choice."]
        );
        let row = read_contact(
            &body(json!({"user": 1, "cell_number": "+4915112345678", "deduplication_execution_mode": "sync"})),
            Mode::Create,
            None,
        )
        .unwrap_or_default();
        assert_eq!(row.cell_number.as_deref(), Some("+4915112345678"));
        assert_eq!(
            row.deduplication_execution_mode,
            Some(DeduplicationExecutionMode::Sync)
        );
    }
}
