//! `/api/v2/sla_configurations/`: list, retrieve, create, update, partial
//! update and delete, for superusers (api.md §3.11). Changing a day count or an
//! enforce switch recomputes the expiration dates of the affected findings
//! (workflows.md §e), in the same transaction and set-based.

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::SlaConfiguration;
use dojo_domain::Severity;
use dojo_storage::repo::sla_configurations::{self as repo, SlaScope};
use dojo_storage::{settings, Conn, StorageError};
use serde_json::Value;

use crate::api::configuration::{self as config, Config, Unique};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::shapes::configuration as shape;
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = SlaConfiguration;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/sla_configurations/", collection.clone())
        .route("/api/v2/sla_configurations", collection)
        .route("/api/v2/sla_configurations/{id}/", item.clone())
        .route("/api/v2/sla_configurations/{id}", item)
}

/// The severities whose days or switch differ between `old` and `new`.
pub fn changed_severities(old: &SlaConfiguration, new: &SlaConfiguration) -> Vec<Severity> {
    [
        (
            Severity::Critical,
            (old.critical, old.enforce_critical) != (new.critical, new.enforce_critical),
        ),
        (
            Severity::High,
            (old.high, old.enforce_high) != (new.high, new.enforce_high),
        ),
        (
            Severity::Medium,
            (old.medium, old.enforce_medium) != (new.medium, new.enforce_medium),
        ),
        (
            Severity::Low,
            (old.low, old.enforce_low) != (new.low, new.enforce_low),
        ),
    ]
    .into_iter()
    .filter_map(|(severity, changed)| changed.then_some(severity))
    .collect()
}

/// Recomputes the findings of `scope` when SLAs are computed at all
/// (System Settings `enable_finding_sla`).
pub async fn recompute(
    conn: &mut Conn,
    scope: SlaScope,
    severities: &[Severity],
) -> Result<(), ApiError> {
    if severities.is_empty() || !settings::load(conn).await?.enable_finding_sla {
        return Ok(());
    }
    repo::recompute_expirations(conn, scope, severities).await?;
    Ok(())
}

impl Config for SlaConfiguration {
    type Input = ();
    const MODEL: &'static str = "SLA_Configuration";
    const FROM: &'static str = "sla_configuration t";
    const READ_ANY: bool = false;
    const UNIQUE: &'static [Unique] = &[Unique {
        field: "name",
        column: "name",
        message: "sl a_ configuration with this Custom SLA Name already exists.",
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
        Ok((shape::read_sla(body, mode, current)?, ()))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows.iter().map(shape::sla_json).collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::update(conn, row).await?)
    }

    /// The default configuration is refused by the model (400, a Django
    /// `ValidationError`), one in use by the foreign key (409).
    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        match repo::delete(conn, row.id).await {
            Ok(()) => Ok(()),
            Err(StorageError::Refused(_)) => Err(ApiError::Message(
                "['Unable to delete default SLA Configuration']".into(),
            )),
            Err(StorageError::InUse { .. }) => Err(config::in_use(
                "SLA_Configuration",
                "Product.sla_configuration",
            )),
            Err(other) => Err(other.into()),
        }
    }

    async fn after_save(
        conn: &mut Conn,
        old: Option<&Self>,
        saved: &Self,
        _input: &(),
    ) -> Result<(), ApiError> {
        let Some(old) = old else {
            return Ok(());
        };
        let severities = changed_severities(old, saved);
        recompute(conn, SlaScope::Configuration(saved.id), &severities).await
    }
}
