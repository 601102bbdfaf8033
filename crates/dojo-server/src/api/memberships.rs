//! The membership routes of DefectDojo 2.x (api.md §3.12), which Dojo serves
//! because it enforces roles (rbac.md, decision at the top):
//! `product_members`, `product_type_members`, `product_groups`,
//! `product_type_groups` and `dojo_group_members`. One set of handlers serves
//! all five, each described by a [`Spec`].
//!
//! Who may do what (rbac.md §8, DefectDojo's member permissions): a row is
//! seen by whoever sees its product, product type or group (404 otherwise);
//! adding, changing and removing rows takes the right to manage members there
//! (Maintainer or Owner); making someone an Owner takes Owner; a user may
//! always remove their own membership. PATCH is not offered (405 with
//! DefectDojo's message).

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;
use serde_json::{json, Value};

use crate::api::dojo_groups::{self, GroupNeed};
use crate::api::fields::Mode;
use crate::api::list::{self, Filters};
use crate::api::prefetch::{self, own, Field, Target};
use crate::api::references;
use crate::api::resource::with_prefetch;
use crate::api::shapes::members::{self as shape, Membership};
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// What the role is held on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Product,
    ProductType,
    Group,
}

impl Scope {
    /// The body's and the JSON's field.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Scope::Product => "product",
            Scope::ProductType => "product_type",
            Scope::Group => "group",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Scope::Product => "product_id",
            Scope::ProductType => "product_type_id",
            Scope::Group => "group_id",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Scope::Product => "product",
            Scope::ProductType => "product_type",
            Scope::Group => "dojo_group",
        }
    }

    /// DefectDojo's model name, for 404s.
    fn model(self) -> &'static str {
        match self {
            Scope::Product => "Product",
            Scope::ProductType => "Product_Type",
            Scope::Group => "Dojo_Group",
        }
    }

    /// As DefectDojo's messages name it.
    fn noun(self) -> &'static str {
        match self {
            Scope::Product => "product",
            Scope::ProductType => "product type",
            Scope::Group => "group",
        }
    }
}

/// Who holds the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    User,
    Group,
}

impl Holder {
    pub(crate) fn field(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Holder::User => "user_id",
            Holder::Group => "group_id",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Holder::User => "dojo_user",
            Holder::Group => "dojo_group",
        }
    }
}

/// One membership resource.
#[derive(Debug)]
pub struct Spec {
    pub table: &'static str,
    /// DefectDojo's model name (404s, "already exists").
    pub model: &'static str,
    pub scope: Scope,
    pub holder: Holder,
    /// What DefectDojo's messages call the holder ("member", "group", "user").
    pub noun: &'static str,
    /// Whether the last Owner may not be demoted or removed (DefectDojo's
    /// rule for product type and group members).
    pub last_owner: bool,
    /// Its foreign keys, all prefetchable.
    pub prefetch: prefetch::Fields,
}

/// The scope, the holder and the role of a membership.
const fn fields_of(scope: Field, holder: Field) -> [Field; 3] {
    [scope, holder, own("role", Target::Role)]
}

const PRODUCT: Field = own("product", Target::Product);
const PRODUCT_TYPE: Field = own("product_type", Target::ProductType);
const USER: Field = own("user", Target::User);
const GROUP: Field = own("group", Target::DojoGroup);

pub const PRODUCT_MEMBERS: Spec = Spec {
    table: "product_member",
    model: "Product_Member",
    scope: Scope::Product,
    holder: Holder::User,
    noun: "member",
    last_owner: false,
    prefetch: &fields_of(PRODUCT, USER),
};

pub const PRODUCT_TYPE_MEMBERS: Spec = Spec {
    table: "product_type_member",
    model: "Product_Type_Member",
    scope: Scope::ProductType,
    holder: Holder::User,
    noun: "member",
    last_owner: true,
    prefetch: &fields_of(PRODUCT_TYPE, USER),
};

pub const PRODUCT_GROUPS: Spec = Spec {
    table: "product_group",
    model: "Product_Group",
    scope: Scope::Product,
    holder: Holder::Group,
    noun: "group",
    last_owner: false,
    prefetch: &fields_of(PRODUCT, GROUP),
};

pub const PRODUCT_TYPE_GROUPS: Spec = Spec {
    table: "product_type_group",
    model: "Product_Type_Group",
    scope: Scope::ProductType,
    holder: Holder::Group,
    noun: "group",
    last_owner: false,
    prefetch: &fields_of(PRODUCT_TYPE, GROUP),
};

pub const DOJO_GROUP_MEMBERS: Spec = Spec {
    table: "dojo_group_member",
    model: "Dojo_Group_Member",
    scope: Scope::Group,
    holder: Holder::User,
    noun: "user",
    last_owner: true,
    prefetch: &fields_of(GROUP, USER),
};

/// The list filters of a membership route: `id`, `<scope>_id`, `<holder>_id`.
pub fn filter_names(spec: &Spec) -> [String; 3] {
    [
        "id".to_owned(),
        format!("{}_id", spec.scope.field()),
        format!("{}_id", spec.holder.field()),
    ]
}

pub fn routes() -> Router<AppState> {
    let (collection, item) = handlers(&PRODUCT_MEMBERS);
    let router = Router::new()
        .route("/api/v2/product_members/", collection.clone())
        .route("/api/v2/product_members", collection)
        .route("/api/v2/product_members/{id}/", item.clone())
        .route("/api/v2/product_members/{id}", item);
    let (collection, item) = handlers(&PRODUCT_TYPE_MEMBERS);
    let router = router
        .route("/api/v2/product_type_members/", collection.clone())
        .route("/api/v2/product_type_members", collection)
        .route("/api/v2/product_type_members/{id}/", item.clone())
        .route("/api/v2/product_type_members/{id}", item);
    let (collection, item) = handlers(&PRODUCT_GROUPS);
    let router = router
        .route("/api/v2/product_groups/", collection.clone())
        .route("/api/v2/product_groups", collection)
        .route("/api/v2/product_groups/{id}/", item.clone())
        .route("/api/v2/product_groups/{id}", item);
    let (collection, item) = handlers(&PRODUCT_TYPE_GROUPS);
    let router = router
        .route("/api/v2/product_type_groups/", collection.clone())
        .route("/api/v2/product_type_groups", collection)
        .route("/api/v2/product_type_groups/{id}/", item.clone())
        .route("/api/v2/product_type_groups/{id}", item);
    let (collection, item) = handlers(&DOJO_GROUP_MEMBERS);
    router
        .route("/api/v2/dojo_group_members/", collection.clone())
        .route("/api/v2/dojo_group_members", collection)
        .route("/api/v2/dojo_group_members/{id}/", item.clone())
        .route("/api/v2/dojo_group_members/{id}", item)
}

type Route = MethodRouter<AppState>;

fn handlers(spec: &'static Spec) -> (Route, Route) {
    let collection = get(
        move |State(state): State<AppState>,
              caller: Caller,
              RawQuery(raw): RawQuery,
              parts: Parts| async move { list_rows(spec, &state, &caller, raw, &parts).await },
    )
    .post(
        move |State(state): State<AppState>, caller: Caller, body: RequestFields| async move {
            create(spec, &state, &caller, &body).await
        },
    );
    let item = get(
        move |State(state): State<AppState>,
              caller: Caller,
              Path(id): Path<String>,
              RawQuery(raw): RawQuery| async move {
            retrieve(spec, &state, &caller, &id, raw.as_deref()).await
        },
    )
    .put(
        move |State(state): State<AppState>,
              caller: Caller,
              Path(id): Path<String>,
              body: RequestFields| async move {
            update(spec, &state, &caller, &id, &body).await
        },
    )
    .patch(no_patch)
    .delete(
        move |State(state): State<AppState>, caller: Caller, Path(id): Path<String>| async move {
            destroy(spec, &state, &caller, &id).await
        },
    );
    (collection, item)
}

/// DefectDojo's answer to PATCH on these routes, after authentication.
async fn no_patch(_caller: Caller) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({"message": "Patch function is not offered in this path."})),
    )
        .into_response()
}

/// The condition that keeps rows of scopes the caller may see.
fn visible(caller: &Caller, scope: Scope, column: &str, params: &mut Vec<Param>) -> Option<String> {
    match scope {
        Scope::Product => caller.access.product_filter(column, params),
        Scope::ProductType => caller.access.product_type_filter(column, params),
        Scope::Group => dojo_groups::visible_filter(caller, column, params),
    }
}

/// What a change needs on the scope.
#[derive(Debug, Clone, Copy)]
enum Need {
    ManageMembers,
    AddOwner,
}

async fn may(
    conn: &mut Conn,
    caller: &Caller,
    scope: Scope,
    id: i64,
    need: Need,
) -> Result<bool, ApiError> {
    let access = &caller.access;
    Ok(match (scope, need) {
        (Scope::Product, Need::ManageMembers) => {
            access
                .may_on_product(conn, id, Permission::ProductManageMembers)
                .await?
        }
        (Scope::Product, Need::AddOwner) => {
            access
                .may_on_product(conn, id, Permission::ProductAddOwner)
                .await?
        }
        (Scope::ProductType, Need::ManageMembers) => {
            access
                .may_on_product_type(conn, id, Permission::ProductTypeManageMembers)
                .await?
        }
        (Scope::ProductType, Need::AddOwner) => {
            access
                .may_on_product_type(conn, id, Permission::ProductTypeAddOwner)
                .await?
        }
        (Scope::Group, Need::ManageMembers) => {
            dojo_groups::may(conn, caller, id, GroupNeed::Manage).await?
        }
        (Scope::Group, Need::AddOwner) => {
            dojo_groups::may(conn, caller, id, GroupNeed::Owner).await?
        }
    })
}

/// Whether the caller may add, change and remove memberships of the scope
/// (the forms that do it show only then).
pub(crate) async fn may_manage(
    conn: &mut Conn,
    caller: &Caller,
    scope: Scope,
    id: i64,
) -> Result<bool, ApiError> {
    may(conn, caller, scope, id, Need::ManageMembers).await
}

fn select(spec: &Spec) -> String {
    format!(
        "m.id, m.{}, m.{}, m.role_id",
        spec.scope.column(),
        spec.holder.column()
    )
}

fn render(spec: &Spec, row: &Membership) -> Value {
    with_prefetch(shape::membership_json(
        row,
        spec.scope.field(),
        spec.holder.field(),
    ))
}

async fn list_rows(
    spec: &'static Spec,
    state: &AppState,
    caller: &Caller,
    raw: Option<String>,
    parts: &Parts,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let select = select(spec);
    let from = format!("{} m", spec.table);
    let listing = list::Listing {
        select: &select,
        from: &from,
        ordering: None,
        id: "m.id",
        prefetch: Some(spec.prefetch),
    };
    let [id, scope_id, holder_id] = filter_names(spec);
    let body = list::respond(
        &mut conn,
        caller,
        parts,
        raw.as_deref(),
        &listing,
        |q| {
            let mut f = Filters::default();
            let shown = visible(
                caller,
                spec.scope,
                &format!("m.{}", spec.scope.column()),
                &mut f.params,
            );
            f.push(shown);
            f.ids(q, &id, "m.id");
            f.ids(q, &scope_id, &format!("m.{}", spec.scope.column()));
            f.ids(q, &holder_id, &format!("m.{}", spec.holder.column()));
            f.check()?;
            Ok(f)
        },
        async |_: &mut Conn, rows: &[(i64, i64, i64, i64)]| {
            Ok(rows
                .iter()
                .map(|row| {
                    shape::membership_json(
                        &Membership::from(*row),
                        spec.scope.field(),
                        spec.holder.field(),
                    )
                })
                .collect())
        },
    )
    .await?;
    Ok(Json(body))
}

/// The row if the caller sees its scope; 404 naming the model otherwise.
pub(crate) async fn find(
    conn: &mut Conn,
    spec: &Spec,
    caller: &Caller,
    id: &str,
) -> Result<Membership, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(spec.model))?;
    let mut params: Vec<Param> = vec![id.into()];
    let condition = visible(
        caller,
        spec.scope,
        &format!("m.{}", spec.scope.column()),
        &mut params,
    )
    .map(|c| format!(" AND {c}"))
    .unwrap_or_default();
    let sql = format!(
        "SELECT {} FROM {} m WHERE m.id = $1{condition}",
        select(spec),
        spec.table
    );
    let rows: Vec<(i64, i64, i64, i64)> = bulk::fetch_all(conn, &sql, &params).await?;
    rows.first()
        .map(|r| Membership::from(*r))
        .ok_or(ApiError::NoMatch(spec.model))
}

async fn exists(conn: &mut Conn, table: &str, id: i64) -> Result<bool, ApiError> {
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!("SELECT id FROM {table} WHERE id = $1"),
        &[id.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

fn invalid_pk(field: &str, id: i64) -> ApiError {
    ApiError::field(
        field,
        format!("Invalid pk \"{id}\" - object does not exist."),
    )
}

/// DRF's "Invalid pk" for the first id of the body that points nowhere.
async fn check_references(conn: &mut Conn, spec: &Spec, row: &Membership) -> Result<(), ApiError> {
    for (field, table, id) in [
        (spec.scope.field(), spec.scope.table(), row.scope),
        (spec.holder.field(), spec.holder.table(), row.holder),
        ("role", "role", row.role),
    ] {
        if !exists(conn, table, id).await? {
            return Err(invalid_pk(field, id));
        }
    }
    Ok(())
}

/// Owners of the scope other than `except`.
async fn other_owners(
    conn: &mut Conn,
    spec: &Spec,
    scope: i64,
    except: i64,
) -> Result<i64, ApiError> {
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT COUNT(*) FROM {} m JOIN role r ON r.id = m.role_id \
             WHERE m.{} = $1 AND r.is_owner = TRUE AND m.id <> $2",
            spec.table,
            spec.scope.column()
        ),
        &[scope.into(), except.into()],
    )
    .await?;
    Ok(rows.first().map_or(0, |r| r.0))
}

fn non_field(message: impl Into<String>) -> ApiError {
    ApiError::field("non_field_errors", message)
}

/// DefectDojo's checks of a new or changed row, in its order: moving to
/// another scope needs the right to manage members there; one row per holder
/// and scope; the last Owner stays; only an Owner makes Owners.
async fn validate(
    conn: &mut Conn,
    spec: &Spec,
    caller: &Caller,
    current: Option<&Membership>,
    row: &Membership,
) -> Result<(), ApiError> {
    let scope_noun = spec.scope.noun();
    if let Some(current) = current {
        if row.scope != current.scope
            && !may(conn, caller, spec.scope, row.scope, Need::ManageMembers).await?
        {
            return Err(ApiError::Forbidden(format!(
                "You are not permitted to add a {} to this {scope_noun}",
                spec.noun
            )));
        }
    }
    let moved = current.is_none_or(|c| c.scope != row.scope || c.holder != row.holder);
    if moved {
        let rows: Vec<(i64,)> = bulk::fetch_all(
            conn,
            &format!(
                "SELECT id FROM {} WHERE {} = $1 AND {} = $2",
                spec.table,
                spec.scope.column(),
                spec.holder.column()
            ),
            &[row.scope.into(), row.holder.into()],
        )
        .await?;
        if !rows.is_empty() {
            return Err(non_field(format!("{} already exists", spec.model)));
        }
    }
    // The last Owner may not step down (DefectDojo asks this of any update
    // to a non-Owner role; Dojo asks it only of the Owner row itself, as Dojo
    // does not make a product type's creator its Owner).
    if let Some(current) = current {
        if spec.last_owner
            && current.is_owner()
            && (!row.is_owner() || row.scope != current.scope)
            && other_owners(conn, spec, current.scope, current.id).await? < 1
        {
            return Err(non_field(LAST_OWNER));
        }
    }
    if row.is_owner() && !may(conn, caller, spec.scope, row.scope, Need::AddOwner).await? {
        return Err(ApiError::Forbidden(format!(
            "You are not permitted to add a {} as Owner to this {scope_noun}",
            spec.noun
        )));
    }
    Ok(())
}

/// A unique-constraint race answers as the check above would have.
fn duplicate(spec: &Spec, err: dojo_storage::StorageError) -> ApiError {
    match err {
        dojo_storage::StorageError::Duplicate { .. } => {
            non_field(format!("{} already exists", spec.model))
        }
        other => other.into(),
    }
}

async fn retrieve(
    spec: &'static Spec,
    state: &AppState,
    caller: &Caller,
    id: &str,
    raw: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let row = find(&mut conn, spec, caller, id).await?;
    let body = shape::membership_json(&row, spec.scope.field(), spec.holder.field());
    let body = prefetch::detail(&mut conn, caller, raw, spec.prefetch, body).await?;
    Ok(Json(body))
}

async fn create(
    spec: &'static Spec,
    state: &AppState,
    caller: &Caller,
    body: &RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = insert_from(spec, &mut tx, caller, body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(render(spec, &saved))))
}

/// Adds a membership from `body` with DefectDojo's checks (the API's POST
/// and the web's add forms).
pub(crate) async fn insert_from(
    spec: &Spec,
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<Membership, ApiError> {
    // The scope named in the body is checked first, on the unfiltered table
    // (api.md §1.8).
    let scope = references::parent_id(body, spec.scope.field())?;
    if !exists(tx, spec.scope.table(), scope).await? {
        return Err(ApiError::NoMatch(spec.scope.model()));
    }
    if !may(tx, caller, spec.scope, scope, Need::ManageMembers).await? {
        return Err(ApiError::denied());
    }
    let row = shape::read_membership(
        body,
        Mode::Create,
        spec.scope.field(),
        spec.holder.field(),
        None,
    )
    .map_err(ApiError::Fields)?;
    check_references(tx, spec, &row).await?;
    validate(tx, spec, caller, None, &row).await?;
    let (id,): (i64,) = bulk::fetch_all(
        tx,
        &format!(
            "INSERT INTO {} ({}, {}, role_id) VALUES ($1, $2, $3) RETURNING id",
            spec.table,
            spec.scope.column(),
            spec.holder.column()
        ),
        &[row.scope.into(), row.holder.into(), row.role.into()],
    )
    .await
    .map_err(|e| duplicate(spec, e))?
    .into_iter()
    .next()
    .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
    Ok(Membership { id, ..row })
}

async fn update(
    spec: &'static Spec,
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let row = update_from(spec, &mut tx, caller, id, body).await?;
    tx.commit().await?;
    Ok(Json(render(spec, &row)))
}

/// Changes membership `id` from `body` (every field) with DefectDojo's
/// checks (the API's PUT and the web's edit forms).
pub(crate) async fn update_from(
    spec: &Spec,
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
) -> Result<Membership, ApiError> {
    let current = find(tx, spec, caller, id).await?;
    if !may(tx, caller, spec.scope, current.scope, Need::ManageMembers).await? {
        return Err(ApiError::denied());
    }
    let row = shape::read_membership(
        body,
        Mode::Update,
        spec.scope.field(),
        spec.holder.field(),
        Some(&current),
    )
    .map_err(ApiError::Fields)?;
    check_references(tx, spec, &row).await?;
    validate(tx, spec, caller, Some(&current), &row).await?;
    bulk::execute(
        tx,
        &format!(
            "UPDATE {} SET {} = $2, {} = $3, role_id = $4 WHERE id = $1",
            spec.table,
            spec.scope.column(),
            spec.holder.column()
        ),
        &[
            row.id.into(),
            row.scope.into(),
            row.holder.into(),
            row.role.into(),
        ],
    )
    .await
    .map_err(|e| duplicate(spec, e))?;
    Ok(row)
}

async fn destroy(
    spec: &'static Spec,
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Response, ApiError> {
    let mut tx = state.db.begin().await?;
    match delete_by_id(spec, &mut tx, caller, id).await? {
        Removal::Removed => {
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Removal::LastOwner => {
            Ok((StatusCode::BAD_REQUEST, Json(json!(LAST_OWNER))).into_response())
        }
    }
}

pub(crate) const LAST_OWNER: &str = "There must be at least one owner";

/// What removing a membership came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Removed,
    /// The row is the last Owner's, which stays.
    LastOwner,
}

/// Removes membership `id`: its holder may leave, managers may remove
/// anyone, and the last Owner stays where the spec says so.
pub(crate) async fn delete_by_id(
    spec: &Spec,
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<Removal, ApiError> {
    let row = find(tx, spec, caller, id).await?;
    // Every member may leave (DefectDojo's rule for member rows).
    let own = spec.holder == Holder::User && row.holder == caller.user.id;
    if !own && !may(tx, caller, spec.scope, row.scope, Need::ManageMembers).await? {
        return Err(ApiError::denied());
    }
    if spec.last_owner && row.is_owner() && other_owners(tx, spec, row.scope, row.id).await? < 1 {
        return Ok(Removal::LastOwner);
    }
    bulk::execute(
        tx,
        &format!("DELETE FROM {} WHERE id = $1", spec.table),
        &[row.id.into()],
    )
    .await?;
    Ok(Removal::Removed)
}
