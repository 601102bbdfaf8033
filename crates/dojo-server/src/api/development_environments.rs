//! `/api/v2/development_environments/`: readable by every user; created,
//! changed and deleted by superusers (api.md §2). A test's environment cannot
//! be deleted while tests use it (409).

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::DevelopmentEnvironment;
use dojo_storage::repo::development_environments as repo;
use dojo_storage::{Conn, StorageError};
use serde_json::Value;

use crate::api::configuration::{self as config, Config, Unique};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::shapes::configuration as shape;
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = DevelopmentEnvironment;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/development_environments/", collection.clone())
        .route("/api/v2/development_environments", collection)
        .route("/api/v2/development_environments/{id}/", item.clone())
        .route("/api/v2/development_environments/{id}", item)
}

impl Config for DevelopmentEnvironment {
    type Input = ();
    const MODEL: &'static str = "Development_Environment";
    const FROM: &'static str = "development_environment t";
    const READ_ANY: bool = true;
    const UNIQUE: &'static [Unique] = &[Unique {
        field: "name",
        column: "name",
        message: "development_ environment with this name already exists.",
    }];

    fn id(&self) -> i64 {
        self.id
    }

    /// DefectDojo's viewset has no filters.
    fn filters(_q: &QueryParams) -> Result<Filters, ApiError> {
        Ok(Filters::default())
    }

    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, ()), FieldErrors> {
        Ok((
            shape::read_development_environment(body, mode, current)?,
            (),
        ))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows
            .iter()
            .map(shape::development_environment_json)
            .collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::update(conn, row).await?)
    }

    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        match repo::delete(conn, row.id).await {
            Err(StorageError::InUse { .. }) => Err(config::in_use(
                "Development_Environment",
                "Test.environment",
            )),
            other => Ok(other?),
        }
    }
}
