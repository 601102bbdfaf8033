//! `/api/v2/notifications/`: the notification settings rows (system,
//! personal, per product, the template), superusers only (api.md §2, §3.11).
//! DefectDojo's serializer checks what the table cannot: one row per
//! (user, product, template), and one template.

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::Notifications;
use dojo_storage::bulk::{self, Param};
use dojo_storage::repo::notifications as repo;
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::configuration::{self as config, Config};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::prefetch::{self, own, Target};
use crate::api::references;
use crate::api::shapes::notifications as shape;
use crate::api::shapes::{RefKind, Reference};
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = Notifications;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/notifications/", collection.clone())
        .route("/api/v2/notifications", collection)
        .route("/api/v2/notifications/{id}/", item.clone())
        .route("/api/v2/notifications/{id}", item)
}

/// What `?prefetch=` may name.
pub(crate) const PREFETCH: prefetch::Fields =
    &[own("product", Target::Product), own("user", Target::User)];

/// The `filterset_fields` of DefectDojo's view: id, user, product, template.
pub(crate) fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    f.ids(q, "id", "t.id");
    f.ids(q, "user", "t.user_id");
    f.ids(q, "product", "t.product_id");
    f.boolean(q, "template", "t.template");
    f.check()?;
    Ok(f)
}

/// The user and product must exist; then DefectDojo's two rules.
async fn validate(conn: &mut Conn, row: &T, current: Option<&T>) -> Result<(), ApiError> {
    let mut refs = Vec::new();
    if let Some(user) = row.user_id {
        refs.push(Reference::new("user", RefKind::User, user));
    }
    if let Some(product) = row.product_id {
        refs.push(Reference::new("product", RefKind::Product, product));
    }
    references::check(conn, &refs).await?;
    let own_id = current.map_or(0, |c| c.id);
    if row.template {
        let templates: Vec<(i64,)> = bulk::fetch_all(
            conn,
            "SELECT id FROM notifications WHERE template = TRUE AND id <> $1",
            &[own_id.into()],
        )
        .await?;
        if !templates.is_empty() {
            return Err(non_field("Notification template already exists"));
        }
    }
    let moved = current.is_none_or(|c| c.user_id != row.user_id || c.product_id != row.product_id);
    if moved {
        let mut params: Vec<Param> = vec![row.template.into(), own_id.into()];
        let mut same = |column: &str, value: Option<i64>| match value {
            Some(v) => {
                params.push(v.into());
                format!("{column} = ${}", params.len())
            }
            None => format!("{column} IS NULL"),
        };
        let user = same("user_id", row.user_id);
        let product = same("product_id", row.product_id);
        let sql = format!(
            "SELECT id FROM notifications WHERE template = $1 AND id <> $2 AND {user} AND {product}"
        );
        let taken: Vec<(i64,)> = bulk::fetch_all(conn, &sql, &params).await?;
        if !taken.is_empty() {
            return Err(non_field(
                "Notification for user and product already exists",
            ));
        }
    }
    Ok(())
}

fn non_field(message: &str) -> ApiError {
    ApiError::Fields(FieldErrors::from([(
        "non_field_errors".to_owned(),
        vec![message.to_owned()],
    )]))
}

impl Config for Notifications {
    type Input = ();
    const MODEL: &'static str = "Notifications";
    const FROM: &'static str = "notifications t";
    const READ_ANY: bool = false;
    const PREFETCH: Option<prefetch::Fields> = Some(PREFETCH);

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
        Ok((shape::read_notifications(body, mode, current)?, ()))
    }

    async fn render(_conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        Ok(rows.iter().map(shape::notifications_json).collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        validate(conn, row, None).await?;
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        let current = repo::get(conn, row.id).await?;
        validate(conn, row, Some(&current)).await?;
        Ok(repo::update(conn, row).await?)
    }

    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        Ok(repo::delete(conn, row.id).await?)
    }
}
