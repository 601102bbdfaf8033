//! What the configuration resources (api.md §3.11, §3.5 finding templates) do
//! the same way: one table, no product scope, DefectDojo's configuration
//! permissions. Dojo grants no Django model permissions, so changing
//! configuration takes a superuser (rbac.md §6); reading takes one too unless
//! the resource is readable by every user (regulations, development
//! environments). The permission is decided before the object is looked up,
//! as DRF's permission classes run first: 403, not 404, for other users.
//!
//! Each resource module names its routes and implements [`Config`]; the
//! handlers here are generic over it.

use std::future::Future;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::Json;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{self, Filters, QueryParams};
use crate::api::prefetch;
use crate::api::resource::{find_visible, with_prefetch, Visibility};
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// A unique column: the body field, its column, and DRF's message.
pub struct Unique {
    pub field: &'static str,
    pub column: &'static str,
    pub message: &'static str,
}

/// One configuration resource.
pub trait Config: bulk::Row + Clone + Sync + Sized + 'static {
    /// What the body set that lives in other tables (tags).
    type Input: Send + Sync + Default;
    /// The model DefectDojo's 404 names.
    const MODEL: &'static str;
    /// The table, with the alias `t`.
    const FROM: &'static str;
    /// Whether every authenticated user may read it.
    const READ_ANY: bool;
    /// The `o` values of the list, if it has an ordering filter.
    const ORDERING: Option<&'static [(&'static str, &'static str)]> = None;
    const UNIQUE: &'static [Unique] = &[];
    /// For prefetching resources, the fields `?prefetch=` may name; their
    /// answers (list and detail) then carry the `prefetch` key.
    const PREFETCH: Option<prefetch::Fields> = None;

    fn id(&self) -> i64;
    fn filters(q: &QueryParams) -> Result<Filters, ApiError>;
    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, Self::Input), FieldErrors>;
    /// The JSON of a page of rows.
    fn render(
        conn: &mut Conn,
        rows: &[Self],
    ) -> impl Future<Output = Result<Vec<Value>, ApiError>> + Send;
    fn insert(conn: &mut Conn, row: &Self) -> impl Future<Output = Result<Self, ApiError>> + Send;
    fn update(conn: &mut Conn, row: &Self) -> impl Future<Output = Result<Self, ApiError>> + Send;
    fn delete(conn: &mut Conn, row: &Self) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// What saving sets in other tables, or changes elsewhere.
    fn after_save(
        _conn: &mut Conn,
        _old: Option<&Self>,
        _saved: &Self,
        _input: &Self::Input,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        async { Ok(()) }
    }
}

/// Changing configuration (and reading the closed kinds): superusers only.
pub fn require_superuser(caller: &Caller) -> Result<(), ApiError> {
    if caller.access.superuser {
        Ok(())
    } else {
        Err(ApiError::denied())
    }
}

fn may_read<T: Config>(caller: &Caller) -> Result<(), ApiError> {
    if T::READ_ANY {
        Ok(())
    } else {
        require_superuser(caller)
    }
}

/// DRF's `UniqueValidator`: a message on each unique field whose value
/// (as sent) another row than `except` holds. It runs beside the other field
/// checks, so its messages join theirs.
pub async fn unique_errors<T: Config>(
    conn: &mut Conn,
    body: &RequestFields,
    except: i64,
) -> Result<FieldErrors, ApiError> {
    let mut errors = FieldErrors::new();
    for unique in T::UNIQUE {
        let Some(value) = body.text(unique.field) else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT t.id FROM {} WHERE t.{} = $1 AND t.id <> $2",
            T::FROM,
            unique.column
        );
        let params: Vec<Param> = vec![value.into(), except.into()];
        let taken: Vec<(i64,)> = bulk::fetch_all(conn, &sql, &params).await?;
        if !taken.is_empty() {
            errors.insert(unique.field.to_owned(), vec![unique.message.to_owned()]);
        }
    }
    Ok(errors)
}

pub(crate) async fn find<T: Config>(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<T, ApiError> {
    find_visible(
        conn,
        caller,
        T::FROM,
        "t",
        Visibility::Everyone,
        id,
        T::MODEL,
    )
    .await
}

pub async fn list<T: Config>(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    parts: Parts,
) -> Result<Json<Value>, ApiError> {
    may_read::<T>(&caller)?;
    let mut conn = state.db.conn().await?;
    let listing = list::Listing {
        select: "t.*",
        from: T::FROM,
        ordering: T::ORDERING,
        id: "t.id",
        prefetch: T::PREFETCH,
    };
    let body = list::respond(
        &mut conn,
        &caller,
        &parts,
        raw.as_deref(),
        &listing,
        T::filters,
        async |conn: &mut Conn, rows: &[T]| T::render(conn, rows).await,
    )
    .await?;
    Ok(Json(body))
}

async fn render_one<T: Config>(conn: &mut Conn, row: &T) -> Result<Value, ApiError> {
    Ok(T::render(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

pub async fn retrieve<T: Config>(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    may_read::<T>(&caller)?;
    let mut conn = state.db.conn().await?;
    let row: T = find(&mut conn, &caller, &id).await?;
    let body = render_one(&mut conn, &row).await?;
    Ok(Json(match T::PREFETCH {
        Some(fields) => prefetch::detail(&mut conn, &caller, raw.as_deref(), fields, body).await?,
        None => body,
    }))
}

/// A written object's answer: with the (empty) `prefetch` key on prefetching
/// resources.
async fn render_written<T: Config>(conn: &mut Conn, row: &T) -> Result<Value, ApiError> {
    let body = render_one(conn, row).await?;
    Ok(if T::PREFETCH.is_some() {
        with_prefetch(body)
    } else {
        body
    })
}

/// Reads the body and checks uniqueness; the messages of both in one 400.
async fn read_checked<T: Config>(
    conn: &mut Conn,
    body: &RequestFields,
    mode: Mode,
    current: Option<&T>,
) -> Result<(T, T::Input), ApiError> {
    let unique = unique_errors::<T>(conn, body, current.map_or(0, T::id)).await?;
    match T::read(body, mode, current) {
        Ok(read) if unique.is_empty() => Ok(read),
        Ok(_) => Err(ApiError::Fields(unique)),
        Err(mut errors) => {
            for (field, messages) in unique {
                errors.entry(field).or_insert(messages);
            }
            Err(ApiError::Fields(errors))
        }
    }
}

pub async fn create<T: Config>(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = insert_from::<T>(&mut tx, &caller, &body).await?;
    let body = render_written(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// PUT (every field) and PATCH (the fields given).
pub async fn update<T: Config>(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = update_from::<T>(&mut tx, &caller, &id, Mode::of(&method), &body).await?;
    let body = render_written(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

pub async fn destroy<T: Config>(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    delete_by_id::<T>(&mut tx, &caller, &id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a row from `body` (the API's POST and the web's add forms).
pub(crate) async fn insert_from<T: Config>(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<T, ApiError> {
    require_superuser(caller)?;
    let (row, input) = read_checked::<T>(tx, body, Mode::Create, None).await?;
    let saved = T::insert(tx, &row).await?;
    T::after_save(tx, None, &saved, &input).await?;
    Ok(saved)
}

/// Changes row `id` from `body` (the API's PUT and PATCH, the web's edit forms).
pub(crate) async fn update_from<T: Config>(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    mode: Mode,
    body: &RequestFields,
) -> Result<T, ApiError> {
    require_superuser(caller)?;
    let current: T = find(tx, caller, id).await?;
    let (row, input) = read_checked(tx, body, mode, Some(&current)).await?;
    let saved = T::update(tx, &row).await?;
    T::after_save(tx, Some(&current), &saved, &input).await?;
    Ok(saved)
}

/// Deletes row `id` with the resource's own refusals.
pub(crate) async fn delete_by_id<T: Config>(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<(), ApiError> {
    require_superuser(caller)?;
    let row: T = find(tx, caller, id).await?;
    T::delete(tx, &row).await
}

/// DefectDojo's 409 for a delete that foreign keys refuse (api.md §1.6).
pub fn in_use(model: &str, references: &str) -> ApiError {
    ApiError::Conflict(format!(
        "Cannot delete some instances of model '{model}' because they are referenced through \
         restricted foreign keys: '{references}'."
    ))
}

/// The tag filters of a tagged resource (api.md §1.5): `tags` (any of),
/// `tags__and` (all of), `not_tags` (none of), `tag` / `not_tag` (a name
/// containing / none containing), `has_tags`. `id` is the listed row's id
/// column, `link` the tag table and `owner` its column of that id.
pub fn tag_filters(q: &QueryParams, f: &mut Filters, id: &str, link: &str, owner: &str) {
    let tagged = format!("SELECT lt.{owner} FROM {link} lt JOIN tag tg ON tg.id = lt.tag_id WHERE");
    let names = |f: &mut Filters, values: Vec<&str>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| {
                f.params.push(v.to_lowercase().into());
                format!("${}", f.params.len())
            })
            .collect()
    };
    let any = q.list("tags");
    if !any.is_empty() {
        let p = names(f, any);
        f.clauses
            .push(format!("{id} IN ({tagged} tg.name IN ({}))", p.join(", ")));
    }
    for tag in q.list("tags__and") {
        let p = names(f, vec![tag]);
        f.clauses
            .push(format!("{id} IN ({tagged} tg.name = {})", p[0]));
    }
    let none = q.list("not_tags");
    if !none.is_empty() {
        let p = names(f, none);
        f.clauses.push(format!(
            "{id} NOT IN ({tagged} tg.name IN ({}))",
            p.join(", ")
        ));
    }
    for (name, negate) in [("tag", ""), ("not_tag", "NOT ")] {
        if let Some(part) = q.get(name) {
            f.params.push(format!("%{}%", part.to_lowercase()).into());
            f.clauses.push(format!(
                "{id} {negate}IN ({tagged} LOWER(tg.name) LIKE ${})",
                f.params.len()
            ));
        }
    }
    let exists = format!("EXISTS (SELECT 1 FROM {link} lt WHERE lt.{owner} = {id})");
    match q.get("has_tags").map(str::to_ascii_lowercase).as_deref() {
        Some("true" | "1") => f.clauses.push(exists),
        Some("false" | "0") => f.clauses.push(format!("NOT {exists}")),
        _ => {}
    }
}
