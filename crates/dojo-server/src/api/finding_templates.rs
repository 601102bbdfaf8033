//! `/api/v2/finding_templates/`: finding templates, for superusers (api.md §2:
//! DefectDojo's configuration permissions; rbac.md §7 "Finding_Template").

use std::collections::HashMap;

use axum::routing::get;
use axum::Router;
use dojo_domain::entities::FindingTemplate;
use dojo_storage::repo::finding_templates as repo;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::configuration::{self as config, tag_filters, Config};
use crate::api::fields::{FieldErrors, Mode};
use crate::api::list::{Filters, QueryParams};
use crate::api::related;
use crate::api::shapes::finding_templates::{self as shape, TemplateExtra, TemplateInput};
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

type T = FindingTemplate;

pub fn routes() -> Router<AppState> {
    let collection = get(config::list::<T>).post(config::create::<T>);
    let item = get(config::retrieve::<T>)
        .put(config::update::<T>)
        .patch(config::update::<T>)
        .delete(config::destroy::<T>);
    Router::new()
        .route("/api/v2/finding_templates/", collection.clone())
        .route("/api/v2/finding_templates", collection)
        .route("/api/v2/finding_templates/{id}/", item.clone())
        .route("/api/v2/finding_templates/{id}", item)
}

/// `o` values (api.md §3.5).
pub const ORDERING: &[(&str, &str)] = &[("title", "t.title"), ("cwe", "t.cwe")];

/// Text filters: substrings.
pub const CONTAINS: &[(&str, &str)] = &[
    ("title", "t.title"),
    ("description", "t.description"),
    ("mitigation", "t.mitigation"),
];

impl Config for FindingTemplate {
    type Input = TemplateInput;
    const MODEL: &'static str = "Finding_Template";
    const FROM: &'static str = "finding_template t";
    const READ_ANY: bool = false;
    const ORDERING: Option<&'static [(&'static str, &'static str)]> = Some(ORDERING);

    fn id(&self) -> i64 {
        self.id
    }

    fn filters(q: &QueryParams) -> Result<Filters, ApiError> {
        let mut f = Filters::default();
        f.ids(q, "id", "t.id");
        f.ids(q, "cwe", "t.cwe");
        f.any_of(q, "severity", "t.severity");
        for (name, column) in CONTAINS {
            f.contains(q, name, column);
        }
        tag_filters(
            q,
            &mut f,
            "t.id",
            "finding_template_tags",
            "finding_template_id",
        );
        f.check()?;
        Ok(f)
    }

    fn read(
        body: &RequestFields,
        mode: Mode,
        current: Option<&Self>,
    ) -> Result<(Self, TemplateInput), FieldErrors> {
        shape::read(body, mode, current)
    }

    async fn render(conn: &mut Conn, rows: &[Self]) -> Result<Vec<Value>, ApiError> {
        let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
        let mut tag_names: HashMap<i64, Vec<String>> = related::pairs(
            conn,
            &ids,
            "SELECT lt.finding_template_id, tg.name FROM finding_template_tags lt \
             JOIN tag tg ON tg.id = lt.tag_id WHERE lt.finding_template_id IN ({ids}) \
             ORDER BY tg.name",
        )
        .await?;
        Ok(rows
            .iter()
            .map(|row| {
                let extra = TemplateExtra {
                    tags: tag_names.remove(&row.id).unwrap_or_default(),
                };
                shape::json(row, &extra)
            })
            .collect())
    }

    async fn insert(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::insert(conn, row).await?)
    }

    async fn update(conn: &mut Conn, row: &Self) -> Result<Self, ApiError> {
        Ok(repo::update(conn, row).await?)
    }

    async fn delete(conn: &mut Conn, row: &Self) -> Result<(), ApiError> {
        Ok(repo::delete(conn, row.id).await?)
    }

    async fn after_save(
        conn: &mut Conn,
        _old: Option<&Self>,
        saved: &Self,
        input: &TemplateInput,
    ) -> Result<(), ApiError> {
        if let Some(names) = &input.tags {
            tags::set(conn, Tagged::FindingTemplate, saved.id, names).await?;
        }
        Ok(())
    }
}
