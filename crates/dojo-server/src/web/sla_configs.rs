//! SLA configurations (`/sla_config`): the list, add, edit and delete, for
//! superusers, through the API's configuration code path so that saving
//! recomputes the SLA dates of the products' findings exactly as the API does.
//!
//! Also the form helpers the other configuration and people pages share: a
//! posted form as the API's request fields, and the API's validation errors as
//! messages shown above the form again.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use dojo_domain::entities::SlaConfiguration;
use dojo_storage::bulk;
use serde_json::Value;

use super::listing::{ListQuery, Pager};
use super::page_error::field_message;
use super::pages::{self, Chrome};
use super::{PageResult, Viewer, ViewerForm};
use crate::api::configuration as config;
use crate::api::fields::Mode;
use crate::api::RequestFields;
use crate::error::ApiError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sla_config", get(list))
        .route("/sla_config/add", get(add_form).post(add))
        .route("/sla_config/{id}/edit", get(edit_form).post(edit))
        .route("/sla_config/{id}/delete", post(delete))
}

/// A posted form as the API reads bodies. `checkboxes` are sent as
/// `true`/`false` (a browser leaves unticked boxes out, which the API would
/// read as "unchanged"); an empty value of a `nullable` field clears it.
pub(super) fn request_fields(
    pairs: &[(String, String)],
    checkboxes: &[&str],
    nullable: &[&str],
) -> RequestFields {
    let mut fields = RequestFields {
        form: true,
        ..RequestFields::default()
    };
    for (name, value) in pairs {
        if name == super::csrf::FORM_FIELD || checkboxes.contains(&name.as_str()) {
            continue;
        }
        let value = if value.trim().is_empty() && nullable.contains(&name.as_str()) {
            Value::Null
        } else {
            Value::String(value.clone())
        };
        fields.values.entry(name.clone()).or_default().push(value);
    }
    let form = ListQuery::from_pairs("", pairs.to_vec());
    for name in checkboxes {
        let ticked = if form.checked(name) { "true" } else { "false" };
        fields
            .values
            .insert((*name).to_owned(), vec![Value::String(ticked.to_owned())]);
    }
    fields
}

/// The messages of an error that the form can show above its fields (bad
/// input, a refused change); anything else (404, 403, a failure) becomes its
/// page.
pub(super) fn form_messages(error: ApiError) -> Result<Vec<String>, ApiError> {
    match error {
        ApiError::Fields(fields) => Ok(fields
            .iter()
            .map(|(field, messages)| field_message(field, messages))
            .collect()),
        ApiError::List(messages) => Ok(messages),
        ApiError::Message(text)
        | ApiError::BadRequestDetail(text)
        | ApiError::ActionRefused(text)
        | ApiError::Conflict(text) => Ok(vec![text]),
        other => Err(other),
    }
}

/// Severity, days and enforce flag, for the list's columns and the form.
pub struct SeverityDays {
    pub severity: &'static str,
    pub field: &'static str,
    pub days: String,
    pub enforce_field: &'static str,
    pub enforced: bool,
}

fn severity_days(row: &SlaConfiguration) -> Vec<SeverityDays> {
    [
        ("Critical", "critical", row.critical, row.enforce_critical),
        ("High", "high", row.high, row.enforce_high),
        ("Medium", "medium", row.medium, row.enforce_medium),
        ("Low", "low", row.low, row.enforce_low),
    ]
    .into_iter()
    .map(|(severity, field, days, enforced)| SeverityDays {
        severity,
        field,
        days: days.to_string(),
        enforce_field: match field {
            "critical" => "enforce_critical",
            "high" => "enforce_high",
            "medium" => "enforce_medium",
            _ => "enforce_low",
        },
        enforced,
    })
    .collect()
}

pub struct SlaRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub days: Vec<SeverityDays>,
    pub restart: bool,
    pub products: i64,
}

#[derive(Template)]
#[template(path = "sla_list.html")]
pub struct SlaListPage {
    pub chrome: Chrome,
    pub rows: Vec<SlaRow>,
    pub pager: Pager,
}

const CHECKBOXES: &[&str] = &[
    "enforce_critical",
    "enforce_high",
    "enforce_medium",
    "enforce_low",
    "restart_sla_on_reactivation",
];

/// `GET /sla_config`: superusers only, as the API's list.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    config::require_superuser(&viewer.caller)?;
    let query = ListQuery::parse("/sla_config", raw.as_deref());
    let paging = query.paging();
    let mut conn = state.db.conn().await?;
    let total: Vec<(i64,)> =
        bulk::fetch_all(&mut conn, "SELECT COUNT(*) FROM sla_configuration", &[]).await?;
    let total = total.first().map_or(0, |t| t.0);
    let rows: Vec<SlaConfiguration> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT * FROM sla_configuration ORDER BY name, id{}",
            paging.sql()
        ),
        &[],
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts: Vec<(i64, i64)> = bulk::fetch_in(&mut conn, &[], &ids, |list| {
        format!(
            "SELECT sla_configuration_id, COUNT(*) FROM product \
             WHERE sla_configuration_id IN ({list}) GROUP BY sla_configuration_id"
        )
    })
    .await?;
    let shown = rows.len();
    let rows = rows
        .iter()
        .map(|row| SlaRow {
            id: row.id,
            name: row.name.clone(),
            description: row.description.clone().unwrap_or_default(),
            days: severity_days(row),
            restart: row.restart_sla_on_reactivation,
            products: counts
                .iter()
                .find(|(id, _)| *id == row.id)
                .map_or(0, |c| c.1),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &SlaListPage {
            chrome: viewer.chrome("sla"),
            rows,
            pager: Pager::new(&query, paging, total, shown),
        },
    ))
}

#[derive(Template)]
#[template(path = "sla_form.html")]
pub struct SlaFormPage {
    pub chrome: Chrome,
    /// `None` when adding.
    pub id: Option<i64>,
    pub name: String,
    pub description: String,
    pub days: Vec<SeverityDays>,
    pub restart: bool,
    pub errors: Vec<String>,
}

impl SlaFormPage {
    fn of(chrome: Chrome, id: Option<i64>, row: &SlaConfiguration) -> Self {
        SlaFormPage {
            chrome,
            id,
            name: row.name.clone(),
            description: row.description.clone().unwrap_or_default(),
            days: severity_days(row),
            restart: row.restart_sla_on_reactivation,
            errors: Vec::new(),
        }
    }

    /// The form again as posted, with what was wrong.
    fn again(
        chrome: Chrome,
        id: Option<i64>,
        posted: &[(String, String)],
        errors: Vec<String>,
    ) -> Self {
        let form = ListQuery::from_pairs("", posted.to_vec());
        let mut page = SlaFormPage::of(chrome, id, &SlaConfiguration::default());
        page.name = form.value("name").to_owned();
        page.description = form.value("description").to_owned();
        for day in &mut page.days {
            day.days = form.value(day.field).to_owned();
            day.enforced = form.checked(day.enforce_field);
        }
        page.restart = form.checked("restart_sla_on_reactivation");
        page.errors = errors;
        page
    }
}

async fn add_form(viewer: Viewer) -> PageResult {
    config::require_superuser(&viewer.caller)?;
    Ok(pages::render(
        StatusCode::OK,
        &SlaFormPage::of(viewer.chrome("sla"), None, &SlaConfiguration::default()),
    ))
}

async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, CHECKBOXES, &[]);
    let mut tx = state.db.begin().await?;
    match config::insert_from::<SlaConfiguration>(&mut tx, &viewer.caller, &body).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect("/sla_config"))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &SlaFormPage::again(viewer.chrome("sla"), None, &form, errors),
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
    let row: SlaConfiguration = config::find(&mut conn, &viewer.caller, &id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &SlaFormPage::of(viewer.chrome("sla"), Some(row.id), &row),
    ))
}

/// `POST /sla_config/{id}/edit`: the API's full update, whose after-save step
/// recomputes the expiration dates of the findings under the configuration.
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, CHECKBOXES, &[]);
    let mut tx = state.db.begin().await?;
    match config::update_from::<SlaConfiguration>(&mut tx, &viewer.caller, &id, Mode::Update, &body)
        .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(pages::redirect("/sla_config"))
        }
        Err(error) => {
            let errors = form_messages(error)?;
            let id = id.parse().ok();
            Ok(pages::render(
                StatusCode::BAD_REQUEST,
                &SlaFormPage::again(viewer.chrome("sla"), id, &form, errors),
            ))
        }
    }
}

/// `POST /sla_config/{id}/delete`: refused for the default configuration and
/// for one products use, with the API's messages.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    config::delete_by_id::<SlaConfiguration>(&mut tx, &viewer.caller, &id).await?;
    tx.commit().await?;
    Ok(pages::redirect("/sla_config"))
}
