//! `/api/v2/regulations/`: readable by every user; created, changed and
//! deleted by superusers (api.md §2, §3.11).

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::Regulation;
use dojo_storage::repo::regulations as repo;
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::configuration::{self as config, Config, Unique};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::shapes::configuration as shape;
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = Regulation;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/regulations/", collection.clone())
        .route("/api/v2/regulations", collection)
        .route("/api/v2/regulations/{id}/", item.clone())
        .route("/api/v2/regulations/{id}", item)
}

impl Config for Regulation {
    type Input = ();
    const MODEL: &'static str = "Regulation";
    const FROM: &'static str = "regulation t";
    const READ_ANY: bool = true;
    const UNIQUE: &'static [Unique] = &[
        Unique {
            field: "name",
            column: "name",
            message: "regulation with this name already exists.",
        },
        Unique {
            field: "acronym",
            column: "acronym",
            message: "regulation with this acronym already exists.",
        },
    ];

    fn id(&self) -> i64 {
        self.id
    }

    /// `id`, `name` and `description`, exact (DefectDojo's `filterset_fields`).
    fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
        let mut f = Filters::default();
        f.ids(q, "id", "t.id");
        f.exact(q, "name", "t.name");
        f.exact(q, "description", "t.description");
        f.check()?;
        Ok(f)
    }

    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, ()), FieldErrors> {
        Ok((shape::read_regulation(body, mode, current)?, ()))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows.iter().map(shape::regulation_json).collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::update(conn, row).await?)
    }

    /// Products subject to it lose the link (a many-to-many row).
    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        Ok(repo::delete(conn, row.id).await?)
    }
}
