//! Roles and groups on the wire (api.md §3.12, DefectDojo 2.x shapes): the
//! membership rows (`{id, <scope>, <user or group>, role}`), groups, global
//! roles and the fixed roles.

use dojo_domain::entities::{GlobalRole, Group};
use dojo_domain::ids::Id;
use dojo_domain::{GroupSocialProvider, Role};
use serde_json::{json, Map, Value};

use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// A membership row: who holds which role on what, whatever the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Membership {
    pub id: Id,
    /// The product, product type or group.
    pub scope: Id,
    /// The user or group holding the role.
    pub holder: Id,
    pub role: Id,
}

impl From<(i64, i64, i64, i64)> for Membership {
    fn from((id, scope, holder, role): (i64, i64, i64, i64)) -> Self {
        Membership {
            id,
            scope,
            holder,
            role,
        }
    }
}

impl Membership {
    pub fn is_owner(&self) -> bool {
        Role::from_id(self.role).is_some_and(Role::is_owner)
    }
}

/// `{id, <scope_field>, <holder_field>, role}`.
pub fn membership_json(row: &Membership, scope_field: &str, holder_field: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert(scope_field.into(), row.scope.into());
    m.insert(holder_field.into(), row.holder.into());
    m.insert("role".into(), row.role.into());
    Value::Object(m)
}

/// Reads a membership body; every field is required (PUT and POST alike:
/// these routes have no PATCH). Whether the ids exist is the caller's check.
pub fn read_membership(
    body: &RequestFields,
    mode: Mode,
    scope_field: &str,
    holder_field: &str,
    current: Option<&Membership>,
) -> Result<Membership, FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.copied().unwrap_or_default();
    for (name, slot) in [
        (scope_field, &mut row.scope),
        (holder_field, &mut row.holder),
        ("role", &mut row.role),
    ] {
        f.required(name);
        if let Some(Some(id)) = f.pk(name, Null::Forbidden) {
            *slot = id;
        }
    }
    f.finish()?;
    Ok(row)
}

/// What a group's JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupExtra {
    pub users: Vec<Id>,
}

/// A group; Dojo grants no Django configuration permissions, so that list is
/// empty.
pub fn group_json(row: &Group, extra: &GroupExtra) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "users": extra.users,
        "configuration_permissions": [],
        "social_provider": row.social_provider.map(|p| p.as_str()),
    })
}

/// The social providers a group may come from.
const SOCIAL_PROVIDERS: &[&str] = &["AzureAD", "Remote"];

/// Reads a group body. Uniqueness of the name is the handler's check.
pub fn read_group(
    body: &RequestFields,
    mode: Mode,
    current: Option<&Group>,
) -> Result<Group, FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(name) = f.required_text("name", 255) {
        row.name = name;
    }
    if let Some(description) = f.text("description", 4000, Blank::Allowed) {
        row.description = description;
    }
    if let Some(provider) = f.choice("social_provider", SOCIAL_PROVIDERS, Blank::Allowed) {
        row.social_provider = provider.and_then(|p| p.parse::<GroupSocialProvider>().ok());
    }
    no_configuration_permissions(&mut f);
    f.finish()?;
    Ok(row)
}

/// `configuration_permissions`: Dojo has none to grant, so any id is unknown.
pub fn no_configuration_permissions(f: &mut Fields<'_>) {
    if let Some(ids) = f.pk_list("configuration_permissions") {
        if let Some(id) = ids.first() {
            f.error(
                "configuration_permissions",
                format!("Invalid pk \"{id}\" - object does not exist."),
            );
        }
    }
}

pub fn global_role_json(row: &GlobalRole) -> Value {
    json!({
        "id": row.id,
        "user": row.user_id,
        "group": row.group_id,
        "role": row.role_id,
    })
}

/// Reads a global role body: a user or a group (exactly one, counting what a
/// PATCH leaves in place) and an optional role.
pub fn read_global_role(
    body: &RequestFields,
    mode: Mode,
    current: Option<&GlobalRole>,
) -> Result<GlobalRole, FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(user) = f.pk("user", Null::Allowed) {
        row.user_id = user;
    } else if mode != Mode::Partial {
        row.user_id = None;
    }
    if let Some(group) = f.pk("group", Null::Allowed) {
        row.group_id = group;
    } else if mode != Mode::Partial {
        row.group_id = None;
    }
    if let Some(role) = f.pk("role", Null::Allowed) {
        row.role_id = role;
    } else if mode != Mode::Partial {
        row.role_id = None;
    }
    if !f.has_errors() {
        match (row.user_id, row.group_id) {
            (None, None) => f.non_field_error("Global_Role must have either user or group"),
            (Some(_), Some(_)) => f.non_field_error("Global_Role cannot have both user and group"),
            _ => {}
        }
    }
    f.finish()?;
    Ok(row)
}

pub fn role_json(role: Role) -> Value {
    json!({"id": role.id(), "name": role.name(), "is_owner": role.is_owner()})
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn membership_needs_every_field() {
        let errors = read_membership(
            &body(json!({"product": 1})),
            Mode::Create,
            "product",
            "user",
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["user"], vec!["This field is required."]);
        assert_eq!(errors["role"], vec!["This field is required."]);
        let row = read_membership(
            &body(json!({"product": 1, "user": "2", "role": 4})),
            Mode::Create,
            "product",
            "user",
            None,
        )
        .unwrap_or_default();
        assert_eq!((row.scope, row.holder, row.role), (1, 2, 4));
        assert!(row.is_owner());
        assert_eq!(
            membership_json(&row, "product", "user"),
            json!({"id": 0, "product": 1, "user": 2, "role": 4})
        );
    }

    #[test]
    fn global_role_takes_a_user_or_a_group() {
        let both = read_global_role(&body(json!({"user": 1, "group": 2})), Mode::Create, None);
        assert_eq!(
            both.err().unwrap_or_default()["non_field_errors"],
            vec!["Global_Role cannot have both user and group"]
        );
        let neither = read_global_role(&body(json!({"role": 2})), Mode::Create, None);
        assert_eq!(
            neither.err().unwrap_or_default()["non_field_errors"],
            vec!["Global_Role must have either user or group"]
        );
        let current = GlobalRole {
            id: 3,
            user_id: Some(1),
            group_id: None,
            role_id: Some(5),
        };
        let patched = read_global_role(&body(json!({"role": 2})), Mode::Partial, Some(&current))
            .unwrap_or_default();
        assert_eq!((patched.user_id, patched.role_id), (Some(1), Some(2)));
    }

    #[test]
    fn groups_refuse_configuration_permissions_and_bad_providers() {
        let errors = read_group(
            &body(json!({"name": "g", "configuration_permissions": [3], "social_provider": "x"})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["configuration_permissions"],
            vec!["Invalid pk \"3\" - object does not exist."]
        );
        assert_eq!(
            errors["social_provider"],
            vec!["\"x\" is not a valid choice."]
        );
        let group = read_group(
            &body(
                json!({"name": "g", "social_provider": "Remote", "configuration_permissions": []}),
            ),
            Mode::Create,
            None,
        )
        .unwrap_or_default();
        let v = group_json(&group, &GroupExtra { users: vec![4] });
        assert_eq!(v["social_provider"], "Remote");
        assert_eq!(v["users"], json!([4]));
        assert_eq!(v["configuration_permissions"], json!([]));
    }
}
