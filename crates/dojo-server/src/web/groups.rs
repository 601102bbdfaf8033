//! Groups (`/group`): the groups the viewer sees (all for superusers and
//! holders of a global role, their own otherwise), a group's page (members
//! with their roles, the product types and products it holds roles on), add
//! (superusers), edit (the group's Maintainers), delete (its Owners), all
//! through the API's group code. Members are added and changed by
//! [`super::memberships`].

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use dojo_domain::entities::Group;
use dojo_domain::Role;
use dojo_storage::bulk::{self, Param};

use super::listing::{ListQuery, Pager};
use super::memberships::row_urls;
use super::pages::{self, Chrome};
use super::sla_configs::{form_messages, request_fields};
use super::users::{held, Held, SHOWN_MEMBERSHIPS};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::dojo_groups::{self as api, GroupNeed};
use crate::api::fields::Mode;
use crate::api::memberships::DOJO_GROUP_MEMBERS;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/group", get(list))
        .route("/group/add", get(add_form).post(add))
        .route("/group/{id}", get(view))
        .route("/group/{id}/edit", get(edit_form).post(edit))
        .route("/group/{id}/delete", get(delete_form).post(delete))
}

pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "group_list.html")]
pub struct GroupListPage {
    pub chrome: Chrome,
    pub may_add: bool,
    pub rows: Vec<GroupRow>,
    pub pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = ListQuery::parse("/group", raw.as_deref());
    let paging = query.paging();
    let mut params: Vec<Param> = Vec::new();
    let condition = api::visible_filter(&viewer.caller, "g.id", &mut params)
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    let mut conn = state.db.conn().await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM dojo_group g{condition}"),
        &params,
    )
    .await?;
    let total = total.first().map_or(0, |t| t.0);
    let rows: Vec<Group> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT g.* FROM dojo_group g{condition} ORDER BY g.name, g.id{}",
            paging.sql()
        ),
        &params,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|g| g.id).collect();
    let counts: Vec<(i64, i64)> = bulk::fetch_in(&mut conn, &[], &ids, |list| {
        format!(
            "SELECT group_id, COUNT(*) FROM dojo_group_member WHERE group_id IN ({list}) \
             GROUP BY group_id"
        )
    })
    .await?;
    let shown = rows.len();
    let rows = rows
        .into_iter()
        .map(|g| GroupRow {
            members: counts.iter().find(|c| c.0 == g.id).map_or(0, |c| c.1),
            id: g.id,
            name: g.name,
            description: g.description.unwrap_or_default(),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &GroupListPage {
            chrome: viewer.chrome("groups"),
            may_add: viewer.is_superuser(),
            rows,
            pager: Pager::new(&query, paging, total, shown),
        },
    ))
}

/// A member of the group, with the links to change or remove the role.
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    pub edit: String,
    pub delete: String,
}

#[derive(Template)]
#[template(path = "group_view.html")]
pub struct GroupPage {
    pub chrome: Chrome,
    pub group: Group,
    pub description: String,
    pub may_manage: bool,
    pub may_delete: bool,
    pub members: Vec<MemberRow>,
    pub member_count: i64,
    pub product_types: Vec<Held>,
    pub products: Vec<Held>,
}

async fn view(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let mut conn = state.db.conn().await?;
    let group = api::visible(&mut conn, &viewer.caller, &id).await?;
    let may_manage = api::may(&mut conn, &viewer.caller, group.id, GroupNeed::Manage).await?;
    let may_delete = api::may(&mut conn, &viewer.caller, group.id, GroupNeed::Owner).await?;
    let limit = SHOWN_MEMBERSHIPS;
    let count: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT COUNT(*) FROM dojo_group_member WHERE group_id = $1",
        &[group.id.into()],
    )
    .await?;
    let members: Vec<(i64, i64, String, i64)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT m.id, u.id, u.username, m.role_id FROM dojo_group_member m \
             JOIN dojo_user u ON u.id = m.user_id WHERE m.group_id = $1 \
             ORDER BY u.username LIMIT {limit}"
        ),
        &[group.id.into()],
    )
    .await?;
    let members = members
        .into_iter()
        .map(|(row_id, user_id, username, role)| {
            let (edit, delete) = row_urls(&DOJO_GROUP_MEMBERS, row_id);
            MemberRow {
                user_id,
                username,
                role: Role::from_id(role).map_or("", Role::name).to_owned(),
                edit,
                delete,
            }
        })
        .collect();
    let product_types = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT pt.id, pt.name, m.role_id FROM product_type_group m \
             JOIN product_type pt ON pt.id = m.product_type_id WHERE m.group_id = $1 \
             ORDER BY pt.name LIMIT {limit}"
        ),
        &[group.id.into()],
    )
    .await?;
    let products = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT p.id, p.name, m.role_id FROM product_group m \
             JOIN product p ON p.id = m.product_id WHERE m.group_id = $1 \
             ORDER BY p.name LIMIT {limit}"
        ),
        &[group.id.into()],
    )
    .await?;
    Ok(pages::render(
        StatusCode::OK,
        &GroupPage {
            chrome: viewer.chrome("groups"),
            description: group.description.clone().unwrap_or_default(),
            group,
            may_manage,
            may_delete,
            members,
            member_count: count.first().map_or(0, |c| c.0),
            product_types: held(product_types),
            products: held(products),
        },
    ))
}

#[derive(Template)]
#[template(path = "group_form.html")]
pub struct GroupFormPage {
    pub chrome: Chrome,
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub errors: Vec<String>,
}

const NULLABLE: &[&str] = &["description"];

async fn add_form(viewer: Viewer) -> PageResult {
    if !viewer.is_superuser() {
        return Err(PageError::forbidden());
    }
    Ok(pages::render(
        StatusCode::OK,
        &GroupFormPage {
            chrome: viewer.chrome("groups"),
            id: None,
            name: String::new(),
            description: String::new(),
            errors: Vec::new(),
        },
    ))
}

fn form_again(
    viewer: &Viewer,
    id: Option<i64>,
    posted: Vec<(String, String)>,
    errors: Vec<String>,
) -> GroupFormPage {
    let form = ListQuery::from_pairs("", posted);
    GroupFormPage {
        chrome: viewer.chrome("groups"),
        id,
        name: form.value("name").to_owned(),
        description: form.value("description").to_owned(),
        errors,
    }
}

async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::insert_from(&mut tx, &viewer.caller, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/group/{}", saved.id)))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &form_again(&viewer, None, form, errors),
            ))
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let group = api::visible(&mut conn, &viewer.caller, &id).await?;
    if !api::may(&mut conn, &viewer.caller, group.id, GroupNeed::Manage).await? {
        return Err(PageError::forbidden());
    }
    Ok(pages::render(
        StatusCode::OK,
        &GroupFormPage {
            chrome: viewer.chrome("groups"),
            id: Some(group.id),
            name: group.name,
            description: group.description.unwrap_or_default(),
            errors: Vec::new(),
        },
    ))
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::update_from(&mut tx, &viewer.caller, &id, Mode::Partial, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/group/{}", saved.id)))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &form_again(&viewer, id.parse().ok(), form, errors),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "group_delete.html")]
pub struct GroupDeletePage {
    pub chrome: Chrome,
    pub group: Group,
}

async fn delete_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let group = api::visible(&mut conn, &viewer.caller, &id).await?;
    if !api::may(&mut conn, &viewer.caller, group.id, GroupNeed::Owner).await? {
        return Err(PageError::forbidden());
    }
    Ok(pages::render(
        StatusCode::OK,
        &GroupDeletePage {
            chrome: viewer.chrome("groups"),
            group,
        },
    ))
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    api::delete_by_id(&mut tx, &viewer.caller, &id).await?;
    tx.commit().await?;
    Ok(pages::redirect("/group"))
}
