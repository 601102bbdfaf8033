//! Finding templates (`/template`): a paged list searchable by title, add,
//! edit and delete, through the API's configuration code path (superusers,
//! the API's field validation).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use dojo_domain::entities::FindingTemplate;
use dojo_domain::Severity;
use dojo_storage::bulk;

use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::sla_configs::{form_messages, request_fields};
use super::{PageResult, Viewer, ViewerForm};
use crate::api::configuration::{self as config, Config};
use crate::api::fields::Mode;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/template", get(list))
        .route("/template/add", get(add_form).post(add))
        .route("/template/{id}/edit", get(edit_form).post(edit))
        .route("/template/{id}/delete", post(delete))
}

pub struct TemplateRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub cwe: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "template_list.html")]
pub struct TemplateListPage {
    pub chrome: Chrome,
    pub title: String,
    pub rows: Vec<TemplateRow>,
    pub pager: Pager,
}

/// `GET /template?title=…`: the API's `title` filter (a substring), by title.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    config::require_superuser(&viewer.caller)?;
    let query = ListQuery::parse("/template", raw.as_deref());
    let paging = query.paging();
    let mut params = crate::api::list::QueryParams::parse(None);
    if let Some(title) = query.get("title") {
        let raw = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("title", title)
            .finish();
        params = crate::api::list::QueryParams::parse(Some(&raw));
    }
    let filters = FindingTemplate::filters(&params)?;
    let condition = filters.where_sql();
    let mut conn = state.db.conn().await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM finding_template t{condition}"),
        &filters.params,
    )
    .await?;
    let total = total.first().map_or(0, |t| t.0);
    let rows: Vec<FindingTemplate> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT t.* FROM finding_template t{condition} ORDER BY t.title, t.id{}",
            paging.sql()
        ),
        &filters.params,
    )
    .await?;
    let shown = rows.len();
    let rows = rows
        .into_iter()
        .map(|t| TemplateRow {
            id: t.id,
            title: t.title,
            severity: t
                .severity
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            cwe: t.cwe.map(|c| c.to_string()).unwrap_or_default(),
            last_used: super::format::maybe_instant(t.last_used),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &TemplateListPage {
            chrome: viewer.chrome("templates"),
            title: query.value("title").to_owned(),
            rows,
            pager: Pager::new(&query, paging, total, shown),
        },
    ))
}

/// One input of the form: name, label, value, and whether it is a text area.
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub area: bool,
}

#[derive(Template)]
#[template(path = "template_form.html")]
pub struct TemplateFormPage {
    pub chrome: Chrome,
    pub id: Option<i64>,
    pub inputs: Vec<Input>,
    pub severity: String,
    pub severities: Vec<&'static str>,
    pub errors: Vec<String>,
}

/// (field, label, text area) in the form's order; `title` comes first.
const FIELDS: &[(&str, &str, bool)] = &[
    ("title", "Title", false),
    ("cwe", "CWE", false),
    ("cvssv3", "CVSS v3 vector", false),
    ("cvssv3_score", "CVSS v3 score", false),
    ("description", "Description", true),
    ("mitigation", "Mitigation", true),
    ("impact", "Impact", true),
    ("steps_to_reproduce", "Steps to reproduce", true),
    ("severity_justification", "Severity justification", true),
    ("references", "References", true),
    ("component_name", "Component name", false),
    ("component_version", "Component version", false),
    ("fix_version", "Fix version", false),
    ("notes", "Notes", true),
];

/// Every field but the title may be emptied.
const NULLABLE: &[&str] = &[
    "cwe",
    "cvssv3",
    "cvssv3_score",
    "severity",
    "description",
    "mitigation",
    "impact",
    "steps_to_reproduce",
    "severity_justification",
    "references",
    "component_name",
    "component_version",
    "fix_version",
    "notes",
];

fn value_of(row: &FindingTemplate, field: &str) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        "title" => row.title.clone(),
        "cwe" => row.cwe.map(|c| c.to_string()).unwrap_or_default(),
        "cvssv3" => text(&row.cvssv3),
        "cvssv3_score" => row.cvssv3_score.map(|s| s.to_string()).unwrap_or_default(),
        "description" => text(&row.description),
        "mitigation" => text(&row.mitigation),
        "impact" => text(&row.impact),
        "steps_to_reproduce" => text(&row.steps_to_reproduce),
        "severity_justification" => text(&row.severity_justification),
        "references" => text(&row.refs),
        "component_name" => text(&row.component_name),
        "component_version" => text(&row.component_version),
        "fix_version" => text(&row.fix_version),
        "notes" => text(&row.notes),
        _ => String::new(),
    }
}

impl TemplateFormPage {
    fn new(chrome: Chrome, id: Option<i64>, value: impl Fn(&str) -> String) -> Self {
        TemplateFormPage {
            chrome,
            id,
            inputs: FIELDS
                .iter()
                .map(|(name, label, area)| Input {
                    name,
                    label,
                    value: value(name),
                    area: *area,
                })
                .collect(),
            severity: value("severity"),
            severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
            errors: Vec::new(),
        }
    }

    fn of(chrome: Chrome, row: Option<&FindingTemplate>) -> Self {
        TemplateFormPage::new(chrome, row.map(|r| r.id), |field| match (row, field) {
            (Some(row), "severity") => row
                .severity
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            (Some(row), field) => value_of(row, field),
            (None, _) => String::new(),
        })
    }

    fn again(
        chrome: Chrome,
        id: Option<i64>,
        posted: &[(String, String)],
        errors: Vec<String>,
    ) -> Self {
        let form = ListQuery::from_pairs("", posted.to_vec());
        let mut page = TemplateFormPage::new(chrome, id, |field| {
            posted
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        });
        page.severity = form.value("severity").to_owned();
        page.errors = errors;
        page
    }
}

async fn add_form(viewer: Viewer) -> PageResult {
    config::require_superuser(&viewer.caller)?;
    Ok(pages::render(
        StatusCode::OK,
        &TemplateFormPage::of(viewer.chrome("templates"), None),
    ))
}

async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match config::insert_from::<FindingTemplate>(&mut tx, &viewer.caller, &body).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect("/template"))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &TemplateFormPage::again(viewer.chrome("templates"), None, &form, errors),
            ))
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    config::require_superuser(&viewer.caller)?;
    let mut conn = state.db.conn().await?;
    let row: FindingTemplate = config::find(&mut conn, &viewer.caller, &id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &TemplateFormPage::of(viewer.chrome("templates"), Some(&row)),
    ))
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match config::update_from::<FindingTemplate>(&mut tx, &viewer.caller, &id, Mode::Partial, &body)
        .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect("/template"))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &TemplateFormPage::again(
                    viewer.chrome("templates"),
                    id.parse().ok(),
                    &form,
                    errors,
                ),
            ))
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    config::delete_by_id::<FindingTemplate>(&mut tx, &viewer.caller, &id).await?;
    tx.commit().await?;
    Ok(pages::redirect("/template"))
}
