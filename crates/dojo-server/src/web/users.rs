//! Users (`/user`), for superusers as in the API: the paged list with a
//! search, a user's page (details, global role, memberships, groups), add
//! (with the password policy), edit, and delete (never oneself). Saving goes
//! through the API's user code; the global role through the global-role
//! table the API's `/global_roles/` writes.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use dojo_domain::entities::{GlobalRole, User};
use dojo_domain::Role;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Conn};

use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::sla_configs::{form_messages, request_fields};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::shapes::users as shape;
use crate::api::users as api_users;
use crate::error::ApiError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/user", get(list))
        .route("/user/add", get(add_form).post(add))
        .route("/user/{id}", get(view))
        .route("/user/{id}/edit", get(edit_form).post(edit))
        .route("/user/{id}/delete", get(delete_form).post(delete))
}

/// How many memberships of each kind a user's page lists.
pub(super) const SHOWN_MEMBERSHIPS: i64 = 100;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub superuser: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "user_list.html")]
pub struct UserListPage {
    pub chrome: Chrome,
    pub q: String,
    pub rows: Vec<UserRow>,
    pub pager: Pager,
}

fn full_name(user: &User) -> String {
    format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_owned()
}

/// `GET /user?q=…`: a substring of the username, names or e-mail address.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    let query = ListQuery::parse("/user", raw.as_deref());
    let paging = query.paging();
    let mut params: Vec<Param> = Vec::new();
    let condition = match query.get("q") {
        Some(q) => {
            params.push(format!("%{}%", q.to_lowercase()).into());
            " WHERE LOWER(u.username) LIKE $1 OR LOWER(u.first_name) LIKE $1 \
             OR LOWER(u.last_name) LIKE $1 OR LOWER(u.email) LIKE $1"
        }
        None => "",
    };
    let mut conn = state.db.conn().await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM dojo_user u{condition}"),
        &params,
    )
    .await?;
    let total = total.first().map_or(0, |t| t.0);
    let rows: Vec<User> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT u.* FROM dojo_user u{condition} ORDER BY u.username{}",
            paging.sql()
        ),
        &params,
    )
    .await?;
    let shown = rows.len();
    let rows = rows
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username.clone(),
            name: full_name(u),
            email: u.email.clone(),
            active: u.is_active,
            superuser: u.is_superuser,
            last_login: super::format::maybe_instant(u.last_login),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &UserListPage {
            chrome: viewer.chrome("users"),
            q: query.value("q").to_owned(),
            rows,
            pager: Pager::new(&query, paging, total, shown),
        },
    ))
}

/// A role held on something: its id (for links), name and role.
pub struct Held {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// `(id, name, role id)` rows as [`Held`].
pub(super) fn held(rows: Vec<(i64, String, i64)>) -> Vec<Held> {
    rows.into_iter()
        .map(|(id, name, role)| Held {
            id,
            name,
            role: Role::from_id(role).map_or("", Role::name).to_owned(),
        })
        .collect()
}

/// The user's global role, if any.
pub(super) async fn global_role_of(
    conn: &mut Conn,
    user_id: i64,
) -> Result<Option<GlobalRole>, ApiError> {
    let rows: Vec<GlobalRole> = bulk::fetch_all(
        conn,
        "SELECT * FROM global_role WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// What a user's page (and the profile) lists about someone's roles.
pub struct Roles {
    pub global_role: String,
    pub product_types: Vec<Held>,
    pub products: Vec<Held>,
    pub groups: Vec<Held>,
}

pub(super) async fn roles_of(conn: &mut Conn, user_id: i64) -> Result<Roles, ApiError> {
    let global_role = global_role_of(conn, user_id)
        .await?
        .and_then(|g| g.role_id)
        .and_then(Role::from_id)
        .map_or("", Role::name)
        .to_owned();
    let limit = SHOWN_MEMBERSHIPS;
    let product_types = bulk::fetch_all(
        conn,
        &format!(
            "SELECT pt.id, pt.name, m.role_id FROM product_type_member m \
             JOIN product_type pt ON pt.id = m.product_type_id WHERE m.user_id = $1 \
             ORDER BY pt.name LIMIT {limit}"
        ),
        &[user_id.into()],
    )
    .await?;
    let products = bulk::fetch_all(
        conn,
        &format!(
            "SELECT p.id, p.name, m.role_id FROM product_member m \
             JOIN product p ON p.id = m.product_id WHERE m.user_id = $1 \
             ORDER BY p.name LIMIT {limit}"
        ),
        &[user_id.into()],
    )
    .await?;
    let groups = bulk::fetch_all(
        conn,
        &format!(
            "SELECT g.id, g.name, m.role_id FROM dojo_group_member m \
             JOIN dojo_group g ON g.id = m.group_id WHERE m.user_id = $1 \
             ORDER BY g.name LIMIT {limit}"
        ),
        &[user_id.into()],
    )
    .await?;
    Ok(Roles {
        global_role,
        product_types: held(product_types),
        products: held(products),
        groups: held(groups),
    })
}

#[derive(Template)]
#[template(path = "user_view.html")]
pub struct UserPage {
    pub chrome: Chrome,
    pub user: User,
    pub name: String,
    pub joined: String,
    pub last_login: String,
    pub roles: Roles,
}

async fn view(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    let mut conn = state.db.conn().await?;
    let user = api_users::find_user(&mut conn, &id).await?;
    let roles = roles_of(&mut conn, user.id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &UserPage {
            chrome: viewer.chrome("users"),
            name: full_name(&user),
            joined: super::format::instant(user.date_joined),
            last_login: super::format::maybe_instant(user.last_login),
            user,
            roles,
        },
    ))
}

#[derive(Template)]
#[template(path = "user_form.html")]
pub struct UserFormPage {
    pub chrome: Chrome,
    pub id: Option<i64>,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
    pub superuser: bool,
    pub global_role: String,
    pub roles: Vec<(String, &'static str)>,
    pub errors: Vec<String>,
}

fn role_choices() -> Vec<(String, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.id().to_string(), r.name()))
        .collect()
}

impl UserFormPage {
    fn of(chrome: Chrome, user: Option<&User>, global_role: Option<i64>) -> Self {
        let blank = User::default();
        let user_row = user.unwrap_or(&blank);
        UserFormPage {
            chrome,
            id: user.map(|u| u.id),
            username: user_row.username.clone(),
            first_name: user_row.first_name.clone(),
            last_name: user_row.last_name.clone(),
            email: user_row.email.clone(),
            active: user_row.is_active,
            superuser: user_row.is_superuser,
            global_role: global_role.map(|r| r.to_string()).unwrap_or_default(),
            roles: role_choices(),
            errors: Vec::new(),
        }
    }

    fn again(
        chrome: Chrome,
        id: Option<i64>,
        posted: &[(String, String)],
        errors: Vec<String>,
    ) -> Self {
        let form = ListQuery::from_pairs("", posted.to_vec());
        UserFormPage {
            chrome,
            id,
            username: form.value("username").to_owned(),
            first_name: form.value("first_name").to_owned(),
            last_name: form.value("last_name").to_owned(),
            email: form.value("email").to_owned(),
            active: form.checked("is_active"),
            superuser: form.checked("is_superuser"),
            global_role: form.value("global_role").to_owned(),
            roles: role_choices(),
            errors,
        }
    }
}

const CHECKBOXES: &[&str] = &["is_active", "is_superuser"];

/// The global role the form names (`None` for none), or the error to show.
fn posted_global_role(form: &ListQuery) -> Result<Option<i64>, ApiError> {
    match form.get("global_role") {
        None => Ok(None),
        Some(value) => value
            .parse::<i64>()
            .ok()
            .and_then(Role::from_id)
            .map(|r| Some(r.id()))
            .ok_or_else(|| {
                ApiError::field(
                    "global_role",
                    format!("Select a valid choice. {value} is not one of the available choices."),
                )
            }),
    }
}

/// Gives the user `role` as global role, or takes it away.
async fn set_global_role(conn: &mut Conn, user_id: i64, role: Option<i64>) -> Result<(), ApiError> {
    let current = global_role_of(conn, user_id).await?;
    match (current, role) {
        (None, None) => {}
        (Some(row), None) => repo::global_roles::delete(conn, row.id).await?,
        (Some(row), Some(role)) => {
            if row.role_id != Some(role) {
                repo::global_roles::update(
                    conn,
                    &GlobalRole {
                        role_id: Some(role),
                        ..row
                    },
                )
                .await?;
            }
        }
        (None, Some(role)) => {
            repo::global_roles::insert(
                conn,
                &GlobalRole {
                    id: 0,
                    user_id: Some(user_id),
                    group_id: None,
                    role_id: Some(role),
                },
            )
            .await?;
        }
    }
    Ok(())
}

async fn add_form(viewer: Viewer) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    Ok(pages::render(
        StatusCode::OK,
        &UserFormPage::of(viewer.chrome("users"), None, None),
    ))
}

async fn create(
    state: &AppState,
    viewer: &Viewer,
    form: &[(String, String)],
) -> Result<User, ApiError> {
    api_users::require_superuser(&viewer.caller)?;
    let body = request_fields(form, CHECKBOXES, &[]);
    let role = posted_global_role(&ListQuery::from_pairs("", form.to_vec()))?;
    let (row, password) = shape::read_user(&body, Mode::Create, None).map_err(ApiError::Fields)?;
    let mut tx = state.db.begin().await?;
    let saved = api_users::insert_user(&mut tx, row, &password.unwrap_or_default()).await?;
    set_global_role(&mut tx, saved.id, role).await?;
    tx.commit().await?;
    Ok(saved)
}

/// `POST /user/add`: the API's user checks and the password policy.
async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    match create(&state, &viewer, &form).await {
        Ok(saved) => Ok(pages::redirect(&format!("/user/{}", saved.id))),
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &UserFormPage::again(viewer.chrome("users"), None, &form, errors),
            ))
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    let mut conn = state.db.conn().await?;
    let user = api_users::find_user(&mut conn, &id).await?;
    let role = global_role_of(&mut conn, user.id)
        .await?
        .and_then(|g| g.role_id);
    Ok(pages::render(
        StatusCode::OK,
        &UserFormPage::of(viewer.chrome("users"), Some(&user), role),
    ))
}

async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    form: &[(String, String)],
) -> Result<User, ApiError> {
    api_users::require_superuser(&viewer.caller)?;
    let body = request_fields(form, CHECKBOXES, &[]);
    let role = posted_global_role(&ListQuery::from_pairs("", form.to_vec()))?;
    let mut tx = state.db.begin().await?;
    let current = api_users::find_user(&mut tx, id).await?;
    let (row, _) =
        shape::read_user(&body, Mode::Update, Some(&current)).map_err(ApiError::Fields)?;
    let saved = api_users::save_user(&mut tx, &current, &row).await?;
    set_global_role(&mut tx, saved.id, role).await?;
    tx.commit().await?;
    Ok(saved)
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    match update(&state, &viewer, &id, &form).await {
        Ok(saved) => Ok(pages::redirect(&format!("/user/{}", saved.id))),
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &UserFormPage::again(viewer.chrome("users"), id.parse().ok(), &form, errors),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "user_delete.html")]
pub struct UserDeletePage {
    pub chrome: Chrome,
    pub user: User,
    pub yourself: bool,
}

async fn delete_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    let mut conn = state.db.conn().await?;
    let user = api_users::find_user(&mut conn, &id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &UserDeletePage {
            chrome: viewer.chrome("users"),
            yourself: user.id == viewer.caller.user.id,
            user,
        },
    ))
}

/// `POST /user/{id}/delete`: refused for oneself, as the API refuses it.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    api_users::require_superuser(&viewer.caller)?;
    let mut conn = state.db.conn().await?;
    let user = api_users::find_user(&mut conn, &id).await?;
    match api_users::remove_user(&mut conn, &viewer.caller, &user).await? {
        api_users::Removal::Removed => Ok(pages::redirect("/user")),
        api_users::Removal::Yourself => Err(PageError::BadRequest(api_users::NOT_YOURSELF.into())),
    }
}
