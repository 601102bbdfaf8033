//! `/api/v2/note_type/`: note types, for superusers (api.md §2: DefectDojo's
//! configuration permissions, also for reading).

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::NoteType;
use dojo_storage::repo::note_types as repo;
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::configuration::{self as config, Config, Unique};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::shapes::configuration as shape;
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = NoteType;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/note_type/", collection.clone())
        .route("/api/v2/note_type", collection)
        .route("/api/v2/note_type/{id}/", item.clone())
        .route("/api/v2/note_type/{id}", item)
}

/// Flags filtered by value.
pub const FLAGS: &[&str] = &["is_single", "is_active", "is_mandatory"];

impl Config for NoteType {
    type Input = ();
    const MODEL: &'static str = "Note_Type";
    const FROM: &'static str = "note_type t";
    const READ_ANY: bool = false;
    const UNIQUE: &'static [Unique] = &[Unique {
        field: "name",
        column: "name",
        message: "note_ type with this name already exists.",
    }];

    fn id(&self) -> i64 {
        self.id
    }

    /// `id`, `name`, `description` and the flags, exact.
    fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
        let mut f = Filters::default();
        f.ids(q, "id", "t.id");
        f.exact(q, "name", "t.name");
        f.exact(q, "description", "t.description");
        for flag in FLAGS {
            f.boolean(q, flag, &format!("t.{flag}"));
        }
        f.check()?;
        Ok(f)
    }

    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, ()), FieldErrors> {
        Ok((shape::read_note_type(body, mode, current)?, ()))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows.iter().map(shape::note_type_json).collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::update(conn, row).await?)
    }

    /// Notes of the type go with it (the foreign key cascades, as DefectDojo's).
    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        Ok(repo::delete(conn, row.id).await?)
    }
}
