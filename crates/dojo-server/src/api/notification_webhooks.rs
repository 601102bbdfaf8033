//! `/api/v2/notification_webhooks/`: the webhooks notifications are POSTed
//! to, superusers only (api.md §2, §3.11). A webhook without an owner is a
//! system webhook. Its status fields belong to the delivery worker
//! (`notifications::delivery::webhook`) and are read-only here.

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::NotificationWebhook;
use dojo_storage::repo::notification_webhooks as repo;
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::configuration::{self as config, Config, Unique};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::prefetch::{self, own, Target};
use crate::api::references;
use crate::api::shapes::notifications as shape;
use crate::api::shapes::{RefKind, Reference};
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = NotificationWebhook;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/notification_webhooks/", collection.clone())
        .route("/api/v2/notification_webhooks", collection)
        .route("/api/v2/notification_webhooks/{id}/", item.clone())
        .route("/api/v2/notification_webhooks/{id}", item)
}

/// What `?prefetch=` may name.
pub(crate) const PREFETCH: prefetch::Fields = &[own("owner", Target::User)];

/// DefectDojo filters on every field (`filterset_fields = "__all__"`), exactly.
pub(crate) fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    f.ids(q, "id", "t.id");
    for name in [
        "name",
        "url",
        "header_name",
        "header_value",
        "status",
        "note",
    ] {
        f.exact(q, name, &format!("t.{name}"));
    }
    f.instant_into(q, "first_error", "t.first_error = {}");
    f.instant_into(q, "last_error", "t.last_error = {}");
    f.ids(q, "owner", "t.owner_id");
    f.check()?;
    Ok(f)
}

async fn check_owner(conn: &mut Conn, row: &T) -> Result<(), ApiError> {
    if let Some(owner) = row.owner_id {
        references::check(conn, &[Reference::new("owner", RefKind::User, owner)]).await?;
    }
    Ok(())
}

impl Config for NotificationWebhook {
    type Input = ();
    const MODEL: &'static str = "Notification_Webhooks";
    const FROM: &'static str = "notification_webhooks t";
    const READ_ANY: bool = false;
    const PREFETCH: Option<prefetch::Fields> = Some(PREFETCH);
    const UNIQUE: &'static [Unique] = &[Unique {
        field: "name",
        column: "name",
        message: "notification_ webhooks with this name already exists.",
    }];

    fn id(&self) -> i64 {
        self.id
    }

    fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
        filters(q)
    }

    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, ()), FieldErrors> {
        Ok((shape::read_webhook(body, mode, current)?, ()))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows.iter().map(shape::webhook_json).collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        check_owner(conn, row).await?;
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        check_owner(conn, row).await?;
        Ok(repo::update(conn, row).await?)
    }

    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        Ok(repo::delete(conn, row.id).await?)
    }
}
