//! Roles on products, product types and groups: add a user or a group with a
//! role, change the role, remove it. Every change goes through the API's
//! membership code (`api::memberships`), so the pages refuse what the API
//! refuses: managing members takes Maintainer, granting Owner takes Owner,
//! the last Owner of a product type or group stays, members may leave.
//!
//! The user or group is named by its username or name rather than picked
//! from a list, since a list of every user would be unbounded.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use dojo_domain::Role;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;
use serde_json::Value;

use super::listing::ListQuery;
use super::pages::{self, Chrome};
use super::sla_configs::form_messages;
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::dojo_groups;
use crate::api::memberships::{
    self as api, Holder, Removal, Scope, Spec, DOJO_GROUP_MEMBERS, PRODUCT_GROUPS, PRODUCT_MEMBERS,
    PRODUCT_TYPE_GROUPS, PRODUCT_TYPE_MEMBERS,
};
use crate::api::shapes::members::Membership;
use crate::api::users as api_users;
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

type Form = ViewerForm<Vec<(String, String)>>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(add_routes(&PRODUCT_MEMBERS, "/product/{id}/add_member"))
        .merge(add_routes(&PRODUCT_GROUPS, "/product/{id}/add_group"))
        .merge(add_routes(
            &PRODUCT_TYPE_MEMBERS,
            "/product/type/{id}/add_member",
        ))
        .merge(add_routes(
            &PRODUCT_TYPE_GROUPS,
            "/product/type/{id}/add_group",
        ))
        .merge(add_routes(&DOJO_GROUP_MEMBERS, "/group/{id}/add_member"))
        .merge(add_routes(
            &DOJO_GROUP_MEMBERS,
            "/group/{id}/add_group_member",
        ))
        .merge(holder_routes(
            &PRODUCT_MEMBERS,
            "/user/{id}/add_product_member",
        ))
        .merge(holder_routes(
            &PRODUCT_TYPE_MEMBERS,
            "/user/{id}/add_product_type_member",
        ))
        .merge(holder_routes(
            &DOJO_GROUP_MEMBERS,
            "/user/{id}/add_group_member",
        ))
        .merge(holder_routes(
            &PRODUCT_GROUPS,
            "/group/{id}/add_product_group",
        ))
        .merge(holder_routes(
            &PRODUCT_TYPE_GROUPS,
            "/group/{id}/add_product_type_group",
        ))
        .merge(row_routes(
            &PRODUCT_MEMBERS,
            "/product_member/{id}/edit",
            "/product_member/{id}/delete",
        ))
        .merge(row_routes(
            &PRODUCT_GROUPS,
            "/product_group/{id}/edit",
            "/product_group/{id}/delete",
        ))
        .merge(row_routes(
            &PRODUCT_TYPE_MEMBERS,
            "/product_type_member/{id}/edit",
            "/product_type_member/{id}/delete",
        ))
        .merge(row_routes(
            &PRODUCT_TYPE_GROUPS,
            "/product_type_group/{id}/edit",
            "/product_type_group/{id}/delete",
        ))
        .merge(row_routes(
            &DOJO_GROUP_MEMBERS,
            "/group/member/{id}/edit_group_member",
            "/group/member/{id}/delete_group_member",
        ))
}

/// The forms on a user's or group's page that give it a role on something
/// named in the form (DefectDojo's `add_product_member` and the like).
fn holder_routes(spec: &'static Spec, path: &'static str) -> Router<AppState> {
    Router::new().route(
        path,
        get(move |s: State<AppState>, v: Viewer, p: Path<String>| {
            holder_add_form(spec, path, s, v, p)
        })
        .post(move |s: State<AppState>, p: Path<String>, f: Form| holder_add(spec, path, s, p, f)),
    )
}

fn add_routes(spec: &'static Spec, path: &str) -> Router<AppState> {
    Router::new().route(
        path,
        get(move |s: State<AppState>, v: Viewer, p: Path<String>| add_form(spec, s, v, p))
            .post(move |s: State<AppState>, p: Path<String>, f: Form| add(spec, s, p, f)),
    )
}

fn row_routes(spec: &'static Spec, edit_path: &str, delete_path: &str) -> Router<AppState> {
    Router::new()
        .route(
            edit_path,
            get(move |s: State<AppState>, v: Viewer, p: Path<String>| edit_form(spec, s, v, p))
                .post(move |s: State<AppState>, p: Path<String>, f: Form| edit(spec, s, p, f)),
        )
        .route(
            delete_path,
            post(move |s: State<AppState>, p: Path<String>, f: Form| delete(spec, s, p, f)),
        )
}

/// The page of the product, product type or group a role is held on.
pub(super) fn scope_url(scope: Scope, id: i64) -> String {
    match scope {
        Scope::Product => format!("/product/{id}"),
        Scope::ProductType => format!("/product/type/{id}"),
        Scope::Group => format!("/group/{id}"),
    }
}

/// Where a membership row's edit and delete forms post.
pub(super) fn row_urls(spec: &Spec, id: i64) -> (String, String) {
    match (spec.scope, spec.holder) {
        (Scope::Product, Holder::User) => (
            format!("/product_member/{id}/edit"),
            format!("/product_member/{id}/delete"),
        ),
        (Scope::Product, Holder::Group) => (
            format!("/product_group/{id}/edit"),
            format!("/product_group/{id}/delete"),
        ),
        (Scope::ProductType, Holder::User) => (
            format!("/product_type_member/{id}/edit"),
            format!("/product_type_member/{id}/delete"),
        ),
        (Scope::ProductType, Holder::Group) => (
            format!("/product_type_group/{id}/edit"),
            format!("/product_type_group/{id}/delete"),
        ),
        (Scope::Group, _) => (
            format!("/group/member/{id}/edit_group_member"),
            format!("/group/member/{id}/delete_group_member"),
        ),
    }
}

fn scope_noun(scope: Scope) -> &'static str {
    match scope {
        Scope::Product => "product",
        Scope::ProductType => "product type",
        Scope::Group => "group",
    }
}

fn holder_noun(holder: Holder) -> &'static str {
    match holder {
        Holder::User => "user",
        Holder::Group => "group",
    }
}

fn name_label(holder: Holder) -> &'static str {
    match holder {
        Holder::User => "Username",
        Holder::Group => "Group name",
    }
}

fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Product => "Product name",
        Scope::ProductType => "Product type name",
        Scope::Group => "Group name",
    }
}

fn section(scope: Scope) -> &'static str {
    match scope {
        Scope::Product => "products",
        Scope::ProductType => "product_types",
        Scope::Group => "groups",
    }
}

/// The name of the scope `id` if the caller sees it; 404 otherwise.
async fn visible_scope(
    conn: &mut Conn,
    caller: &Caller,
    scope: Scope,
    id: &str,
) -> Result<(i64, String), ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let mut params: Vec<Param> = vec![id.into()];
    let condition = match scope {
        Scope::Product => caller.access.product_filter("t.id", &mut params),
        Scope::ProductType => caller.access.product_type_filter("t.id", &mut params),
        Scope::Group => dojo_groups::visible_filter(caller, "t.id", &mut params),
    }
    .map(|c| format!(" AND {c}"))
    .unwrap_or_default();
    let rows: Vec<(String,)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT t.name FROM {} t WHERE t.id = $1{condition}",
            scope.table()
        ),
        &params,
    )
    .await?;
    rows.into_iter()
        .next()
        .map(|(name,)| (id, name))
        .ok_or(ApiError::NotFound)
}

/// The username or group name of a holder.
async fn holder_name(conn: &mut Conn, holder: Holder, id: i64) -> Result<String, ApiError> {
    let column = match holder {
        Holder::User => "username",
        Holder::Group => "name",
    };
    let rows: Vec<(String,)> = bulk::fetch_all(
        conn,
        &format!("SELECT {column} FROM {} WHERE id = $1", holder.table()),
        &[id.into()],
    )
    .await?;
    Ok(rows.into_iter().next().map(|r| r.0).unwrap_or_default())
}

/// The id of the user or group the form names.
async fn holder_id(conn: &mut Conn, holder: Holder, name: &str) -> Result<i64, ApiError> {
    let column = match holder {
        Holder::User => "username",
        Holder::Group => "name",
    };
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!("SELECT id FROM {} WHERE {column} = $1", holder.table()),
        &[name.trim().into()],
    )
    .await?;
    rows.into_iter().next().map(|r| r.0).ok_or_else(|| {
        ApiError::field(
            holder.field(),
            format!(
                "There is no {} named \"{}\".",
                holder_noun(holder),
                name.trim()
            ),
        )
    })
}

fn body(spec: &Spec, scope: i64, holder: i64, role: &str) -> RequestFields {
    let mut fields = RequestFields {
        form: true,
        ..RequestFields::default()
    };
    for (name, value) in [
        (spec.scope.field(), scope.to_string()),
        (spec.holder.field(), holder.to_string()),
        ("role", role.to_owned()),
    ] {
        fields
            .values
            .insert(name.to_owned(), vec![Value::String(value)]);
    }
    fields
}

#[derive(Template)]
#[template(path = "member_form.html")]
pub struct MemberFormPage {
    pub chrome: Chrome,
    pub title: String,
    pub action: String,
    pub back: String,
    /// What the breadcrumb back calls the page it leads to.
    pub back_name: String,
    /// The field naming who or what gets the role, when adding.
    pub name_field: &'static str,
    pub name_label: &'static str,
    pub name_value: String,
    /// Whose role this is, when editing.
    pub fixed: String,
    pub editing: bool,
    pub role: String,
    pub roles: Vec<(String, &'static str)>,
    /// Where the remove button posts, when editing.
    pub delete_action: Option<String>,
    pub errors: Vec<String>,
}

fn roles() -> Vec<(String, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.id().to_string(), r.name()))
        .collect()
}

async fn add_form(
    spec: &'static Spec,
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let (scope_id, scope_name) = visible_scope(&mut conn, &viewer.caller, spec.scope, &id).await?;
    if !api::may_manage(&mut conn, &viewer.caller, spec.scope, scope_id).await? {
        return Err(PageError::forbidden());
    }
    Ok(pages::render(
        StatusCode::OK,
        &add_page(spec, &viewer, scope_id, scope_name, "", "", Vec::new()),
    ))
}

fn add_page(
    spec: &Spec,
    viewer: &Viewer,
    scope_id: i64,
    scope_name: String,
    holder: &str,
    role: &str,
    errors: Vec<String>,
) -> MemberFormPage {
    let path = match spec.holder {
        Holder::User => "add_member",
        Holder::Group => "add_group",
    };
    let back = scope_url(spec.scope, scope_id);
    MemberFormPage {
        chrome: viewer.chrome(section(spec.scope)),
        title: format!(
            "Add a {} to {} {}",
            holder_noun(spec.holder),
            scope_noun(spec.scope),
            scope_name
        ),
        action: format!("{back}/{path}"),
        back,
        back_name: scope_name,
        name_field: spec.holder.field(),
        name_label: name_label(spec.holder),
        name_value: holder.to_owned(),
        fixed: String::new(),
        editing: false,
        role: role.to_owned(),
        roles: roles(),
        delete_action: None,
        errors,
    }
}

async fn add(
    spec: &'static Spec,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: Form,
) -> PageResult {
    let form = ListQuery::from_pairs("", form);
    let holder = form.value(spec.holder.field()).to_owned();
    let role = form.value("role").to_owned();
    let mut tx = state.db.begin().await?;
    let (scope_id, scope_name) = visible_scope(&mut tx, &viewer.caller, spec.scope, &id).await?;
    // Refused before the name is looked up, so that the answer tells someone
    // who may not add members nothing about who exists.
    if !api::may_manage(&mut tx, &viewer.caller, spec.scope, scope_id).await? {
        return Err(PageError::forbidden());
    }
    let result = match holder_id(&mut tx, spec.holder, &holder).await {
        Ok(holder_id) => {
            let body = body(spec, scope_id, holder_id, &role);
            api::insert_from(spec, &mut tx, &viewer.caller, &body).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect(&scope_url(spec.scope, scope_id)))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &add_page(spec, &viewer, scope_id, scope_name, &holder, &role, errors),
            ))
        }
    }
}

async fn edit_page(
    conn: &mut Conn,
    spec: &Spec,
    viewer: &Viewer,
    row: &Membership,
    role: &str,
    errors: Vec<String>,
) -> Result<MemberFormPage, ApiError> {
    let (_, scope_name) =
        visible_scope(conn, &viewer.caller, spec.scope, &row.scope.to_string()).await?;
    let holder = holder_name(conn, spec.holder, row.holder).await?;
    let (action, delete_action) = row_urls(spec, row.id);
    Ok(MemberFormPage {
        chrome: viewer.chrome(section(spec.scope)),
        title: format!(
            "Role of {} {holder} on {} {scope_name}",
            holder_noun(spec.holder),
            scope_noun(spec.scope)
        ),
        action,
        back: scope_url(spec.scope, row.scope),
        back_name: scope_name,
        name_field: spec.holder.field(),
        name_label: name_label(spec.holder),
        name_value: String::new(),
        fixed: format!("{}: {holder}", name_label(spec.holder)),
        editing: true,
        role: role.to_owned(),
        roles: roles(),
        delete_action: Some(delete_action),
        errors,
    })
}

async fn edit_form(
    spec: &'static Spec,
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let row = api::find(&mut conn, spec, &viewer.caller, &id).await?;
    if !api::may_manage(&mut conn, &viewer.caller, spec.scope, row.scope).await? {
        return Err(PageError::forbidden());
    }
    let page = edit_page(
        &mut conn,
        spec,
        &viewer,
        &row,
        &row.role.to_string(),
        Vec::new(),
    )
    .await?;
    Ok(pages::render(StatusCode::OK, &page))
}

/// `POST …/edit`: a new role, with the API's full update of the row.
async fn edit(
    spec: &'static Spec,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: Form,
) -> PageResult {
    let role = ListQuery::from_pairs("", form).value("role").to_owned();
    let mut tx = state.db.begin().await?;
    let current = api::find(&mut tx, spec, &viewer.caller, &id).await?;
    let body = body(spec, current.scope, current.holder, &role);
    match api::update_from(spec, &mut tx, &viewer.caller, &id, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&scope_url(spec.scope, saved.scope)))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            drop(tx);
            let mut conn = state.db.conn().await?;
            let page = edit_page(&mut conn, spec, &viewer, &current, &role, errors).await?;
            Ok(pages::render(StatusCode::BAD_REQUEST, &page))
        }
    }
}

/// `POST …/delete`: removes the row, except the last Owner's where the API
/// keeps it.
async fn delete(
    spec: &'static Spec,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: Form,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    let row = api::find(&mut tx, spec, &viewer.caller, &id).await?;
    match api::delete_by_id(spec, &mut tx, &viewer.caller, &id).await? {
        Removal::Removed => {
            tx.commit().await?;
            // Someone who left may no longer see the scope's page.
            let own = spec.holder == Holder::User && row.holder == viewer.caller.user.id;
            let target = if own && !viewer.is_superuser() {
                "/".to_owned()
            } else {
                scope_url(spec.scope, row.scope)
            };
            Ok(pages::redirect(&target))
        }
        Removal::LastOwner => Err(PageError::BadRequest(api::LAST_OWNER.into())),
    }
}

/// The user or group a holder page is about: users are for superusers (as
/// the API's users), groups for whoever sees them (as the API's groups).
async fn visible_holder(
    conn: &mut Conn,
    caller: &Caller,
    holder: Holder,
    id: &str,
) -> Result<(i64, String), ApiError> {
    match holder {
        Holder::User => {
            api_users::require_superuser(caller)?;
            let user = api_users::find_user(conn, id).await?;
            Ok((user.id, user.username))
        }
        Holder::Group => {
            let group = dojo_groups::visible(conn, caller, id).await?;
            Ok((group.id, group.name))
        }
    }
}

fn holder_url(holder: Holder, id: i64) -> String {
    match holder {
        Holder::User => format!("/user/{id}"),
        Holder::Group => format!("/group/{id}"),
    }
}

/// The id of the product, product type or group named `name` among those
/// the caller sees; the same message for one that exists but is hidden.
async fn scope_named(
    conn: &mut Conn,
    caller: &Caller,
    scope: Scope,
    name: &str,
) -> Result<i64, ApiError> {
    let mut params: Vec<Param> = vec![name.trim().into()];
    let condition = match scope {
        Scope::Product => caller.access.product_filter("t.id", &mut params),
        Scope::ProductType => caller.access.product_type_filter("t.id", &mut params),
        Scope::Group => dojo_groups::visible_filter(caller, "t.id", &mut params),
    }
    .map(|c| format!(" AND {c}"))
    .unwrap_or_default();
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT t.id FROM {} t WHERE t.name = $1{condition}",
            scope.table()
        ),
        &params,
    )
    .await?;
    rows.into_iter().next().map(|r| r.0).ok_or_else(|| {
        ApiError::field(
            scope.field(),
            format!(
                "There is no {} named \"{}\".",
                scope_noun(scope),
                name.trim()
            ),
        )
    })
}

fn holder_page(
    spec: &Spec,
    path: &str,
    viewer: &Viewer,
    (holder_id, holder_name): (i64, String),
    name: &str,
    role: &str,
    errors: Vec<String>,
) -> MemberFormPage {
    let back = holder_url(spec.holder, holder_id);
    MemberFormPage {
        chrome: viewer.chrome(match spec.holder {
            Holder::User => "users",
            Holder::Group => "groups",
        }),
        title: format!(
            "Give {} {holder_name} a role on a {}",
            holder_noun(spec.holder),
            scope_noun(spec.scope)
        ),
        action: path.replace("{id}", &holder_id.to_string()),
        back,
        back_name: holder_name,
        name_field: spec.scope.field(),
        name_label: scope_label(spec.scope),
        name_value: name.to_owned(),
        fixed: String::new(),
        editing: false,
        role: role.to_owned(),
        roles: roles(),
        delete_action: None,
        errors,
    }
}

async fn holder_add_form(
    spec: &'static Spec,
    path: &'static str,
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let holder = visible_holder(&mut conn, &viewer.caller, spec.holder, &id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &holder_page(spec, path, &viewer, holder, "", "", Vec::new()),
    ))
}

/// `POST /user/{id}/add_product_member` and the like: the API's checks on the
/// named product, product type or group (the right to manage its members).
async fn holder_add(
    spec: &'static Spec,
    path: &'static str,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: Form,
) -> PageResult {
    let form = ListQuery::from_pairs("", form);
    let name = form.value(spec.scope.field()).to_owned();
    let role = form.value("role").to_owned();
    let mut tx = state.db.begin().await?;
    let holder = visible_holder(&mut tx, &viewer.caller, spec.holder, &id).await?;
    let result = match scope_named(&mut tx, &viewer.caller, spec.scope, &name).await {
        Ok(scope_id) => {
            let body = body(spec, scope_id, holder.0, &role);
            api::insert_from(spec, &mut tx, &viewer.caller, &body).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect(&holder_url(spec.holder, holder.0)))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &holder_page(spec, path, &viewer, holder, &name, &role, errors),
            ))
        }
    }
}
