//! What a notification is about (workflows §g.1): the event's name, its text,
//! the objects it concerns (which decide who may receive it), and, for the
//! events that go to named users, those users.
//!
//! Constructors exist for the events Dojo emits; [`Event::new`] and the
//! `with_*` setters build any other (the finding transitions call
//! [`Event::about_finding`]).

use dojo_domain::entities::{Engagement, Finding, Product, ProductType, Test};
use dojo_storage::{repo, Conn, StorageResult};
use serde::Serialize;

/// An object named in a notification: its id, name and links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ref {
    pub id: i64,
    pub name: String,
    pub url_ui: String,
    pub url_api: String,
}

/// A finding named in a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub url_ui: String,
    pub url_api: String,
}

impl FindingRef {
    pub fn of(finding: &Finding) -> Self {
        FindingRef {
            id: finding.id,
            title: finding.title.clone(),
            severity: finding.severity.as_str().to_owned(),
            url_ui: format!("/finding/{}", finding.id),
            url_api: format!("/api/v2/findings/{}/", finding.id),
        }
    }
}

/// What an import or reimport did, for `scan_added` / `scan_added_empty`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanFindings {
    pub new: Vec<FindingRef>,
    pub reactivated: Vec<FindingRef>,
    pub mitigated: Vec<FindingRef>,
    pub untouched: Vec<FindingRef>,
    /// How many findings of each kind the run had (the lists may be cut short).
    pub counts: ScanCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScanCounts {
    pub new: usize,
    pub reactivated: usize,
    pub mitigated: usize,
    pub untouched: usize,
}

/// Who gets a notification with named recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The system destinations, and the users who subscribed (workflows §g.2,
    /// "without recipients").
    Subscribers,
    /// The system destinations only (`no_users`, e.g. deletions).
    SystemOnly,
    /// These users (by id), through their personal settings.
    Users(Vec<i64>),
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// DefectDojo's event name (`product_added`, `scan_added`, …).
    pub name: &'static str,
    pub title: String,
    pub description: Option<String>,
    /// The page it is about, a path of the web UI.
    pub url: Option<String>,
    pub url_api: Option<String>,
    pub icon: &'static str,
    pub product_type: Option<Ref>,
    pub product: Option<Ref>,
    pub engagement: Option<Ref>,
    pub test: Option<Ref>,
    pub finding: Option<FindingRef>,
    pub findings: Option<ScanFindings>,
    pub audience: Audience,
    /// Only in-app alerts (DefectDojo's `alert_only`).
    pub alert_only: bool,
}

pub fn product_type_ref(row: &ProductType) -> Ref {
    Ref {
        id: row.id,
        name: row.name.clone(),
        url_ui: format!("/product/type/{}", row.id),
        url_api: format!("/api/v2/product_types/{}/", row.id),
    }
}

pub fn product_ref(row: &Product) -> Ref {
    Ref {
        id: row.id,
        name: row.name.clone(),
        url_ui: format!("/product/{}", row.id),
        url_api: format!("/api/v2/products/{}/", row.id),
    }
}

pub fn engagement_ref(row: &Engagement) -> Ref {
    Ref {
        id: row.id,
        name: row.name.clone().unwrap_or_default(),
        url_ui: format!("/engagement/{}", row.id),
        url_api: format!("/api/v2/engagements/{}/", row.id),
    }
}

pub fn test_ref(row: &Test, test_type: &str) -> Ref {
    let name = row
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| test_type.to_owned());
    Ref {
        id: row.id,
        name,
        url_ui: format!("/test/{}", row.id),
        url_api: format!("/api/v2/tests/{}/", row.id),
    }
}

/// The product and product type above an engagement, test or finding, loaded
/// with their rows.
#[derive(Debug, Clone)]
pub struct Scope {
    pub product_type: ProductType,
    pub product: Product,
}

impl Scope {
    pub async fn of_product(conn: &mut Conn, product_id: i64) -> StorageResult<Scope> {
        let product = repo::products::get(conn, product_id).await?;
        let product_type = repo::product_types::get(conn, product.prod_type_id).await?;
        Ok(Scope {
            product_type,
            product,
        })
    }
}

impl Event {
    /// An event about nothing in particular, for superusers and the system
    /// destinations.
    pub fn new(name: &'static str, title: impl Into<String>) -> Self {
        Event {
            name,
            title: title.into(),
            description: None,
            url: None,
            url_api: None,
            icon: "info-circle",
            product_type: None,
            product: None,
            engagement: None,
            test: None,
            finding: None,
            findings: None,
            audience: Audience::Subscribers,
            alert_only: false,
        }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    pub fn with_icon(mut self, icon: &'static str) -> Self {
        self.icon = icon;
        self
    }

    pub fn with_url(mut self, ui: impl Into<String>, api: Option<String>) -> Self {
        self.url = Some(ui.into());
        self.url_api = api;
        self
    }

    pub fn to_users(mut self, users: Vec<i64>) -> Self {
        self.audience = Audience::Users(users);
        self
    }

    /// Sets the product and its type (who may view the product may receive it).
    pub fn in_scope(mut self, scope: &Scope) -> Self {
        self.product_type = Some(product_type_ref(&scope.product_type));
        self.product = Some(product_ref(&scope.product));
        self
    }

    /// `product_type_added`.
    pub fn product_type_added(row: &ProductType) -> Self {
        let r = product_type_ref(row);
        Event::new("product_type_added", row.name.clone())
            .with_description(format!(
                "Product Type {} has been created successfully.",
                row.name
            ))
            .with_url(r.url_ui.clone(), Some(r.url_api.clone()))
            .with_product_type(r)
    }

    fn with_product_type(mut self, r: Ref) -> Self {
        self.product_type = Some(r);
        self
    }

    /// `product_added`.
    pub fn product_added(scope: &Scope) -> Self {
        let r = product_ref(&scope.product);
        Event::new("product_added", scope.product.name.clone())
            .with_description(format!(
                "Product {} has been created successfully.",
                scope.product.name
            ))
            .with_url(r.url_ui, Some(r.url_api))
            .in_scope(scope)
    }

    /// `engagement_added`.
    pub fn engagement_added(scope: &Scope, engagement: &Engagement) -> Self {
        let r = engagement_ref(engagement);
        Event::new(
            "engagement_added",
            format!("Engagement created for {}: {}", scope.product.name, r.name),
        )
        .with_url(r.url_ui.clone(), Some(r.url_api.clone()))
        .in_scope(scope)
        .with_engagement(r)
    }

    pub fn with_engagement(mut self, r: Ref) -> Self {
        self.engagement = Some(r);
        self
    }

    /// `engagement_closed` or `engagement_reopened`, routed by the
    /// `close_engagement` column.
    pub fn engagement_status(scope: &Scope, engagement: &Engagement, closed: bool) -> Self {
        let r = engagement_ref(engagement);
        let (name, title, description) = if closed {
            (
                "engagement_closed",
                format!("Closure of {}", r.name),
                format!("The engagement \"{}\" was closed", r.name),
            )
        } else {
            (
                "engagement_reopened",
                format!("Reopening of {}", r.name),
                format!("The engagement \"{}\" was reopened", r.name),
            )
        };
        Event::new(name, title)
            .with_description(description)
            .with_url(r.url_ui.clone(), Some(r.url_api.clone()))
            .in_scope(scope)
            .with_engagement(r)
    }

    /// `test_added`.
    pub fn test_added(scope: &Scope, engagement: &Engagement, test: Ref) -> Self {
        let e = engagement_ref(engagement);
        Event::new(
            "test_added",
            format!(
                "Test created for {}: {}: {}",
                scope.product.name, e.name, test.name
            ),
        )
        .with_url(test.url_ui.clone(), Some(test.url_api.clone()))
        .in_scope(scope)
        .with_engagement(e)
        .with_test(test)
    }

    fn with_test(mut self, r: Ref) -> Self {
        self.test = Some(r);
        self
    }

    /// `scan_added`, or `scan_added_empty` when the run created, closed and
    /// reactivated nothing.
    pub fn scan_added(
        scope: &Scope,
        engagement: &Engagement,
        test: Ref,
        findings: ScanFindings,
    ) -> Self {
        let c = findings.counts;
        let changed = c.new + c.reactivated + c.mitigated;
        let name = if changed == 0 {
            "scan_added_empty"
        } else {
            "scan_added"
        };
        let e = engagement_ref(engagement);
        Event::new(
            name,
            format!(
                "Created/Updated {changed} findings for {}: {}: {}",
                scope.product.name, e.name, test.name
            ),
        )
        .with_description(format!(
            "{} new, {} reactivated, {} mitigated and {} untouched findings.",
            c.new, c.reactivated, c.mitigated, c.untouched
        ))
        .with_icon("upload")
        .with_url(test.url_ui.clone(), Some(test.url_api.clone()))
        .in_scope(scope)
        .with_engagement(e)
        .with_test(test)
        .with_findings(findings)
    }

    fn with_findings(mut self, findings: ScanFindings) -> Self {
        self.findings = Some(findings);
        self
    }

    /// An event about one finding (`finding_closed`, `finding_reopened`,
    /// `review_requested`, …), with its test, engagement, product and type
    /// loaded; who may view the product may receive it, unless it is then
    /// sent [`Event::to_users`].
    pub async fn about_finding(
        conn: &mut Conn,
        name: &'static str,
        finding: &Finding,
        title: impl Into<String>,
    ) -> StorageResult<Self> {
        let test = repo::tests::get(conn, finding.test_id).await?;
        let engagement = repo::engagements::get(conn, test.engagement_id).await?;
        let scope = Scope::of_product(conn, engagement.product_id).await?;
        let test_type = repo::test_types::get(conn, test.test_type_id).await?;
        let f = FindingRef::of(finding);
        let mut event = Event::new(name, title)
            .with_url(f.url_ui.clone(), Some(f.url_api.clone()))
            .in_scope(&scope)
            .with_engagement(engagement_ref(&engagement))
            .with_test(test_ref(&test, &test_type.name));
        event.finding = Some(f);
        Ok(event)
    }

    /// The product the event is about, which decides who may receive it.
    pub fn product_id(&self) -> Option<i64> {
        self.product.as_ref().map(|p| p.id)
    }

    pub fn product_type_id(&self) -> Option<i64> {
        self.product_type.as_ref().map(|p| p.id)
    }

    /// The `notifications` column that routes this event (workflows §g.2:
    /// events without a column of their own use `other`; engagement closing
    /// and reopening use `close_engagement`).
    pub fn column(&self) -> &'static str {
        column_of(self.name)
    }

    /// The description, or DefectDojo's default text.
    pub fn description_text(&self) -> String {
        match &self.description {
            Some(d) => d.clone(),
            None => format!("Event {} has occurred.", self.name),
        }
    }
}

/// Every routing column of `notifications`, in the table's order.
pub const COLUMNS: &[&str] = &[
    "product_type_added",
    "product_added",
    "engagement_added",
    "test_added",
    "scan_added",
    "scan_added_empty",
    "jira_update",
    "upcoming_engagement",
    "stale_engagement",
    "auto_close_engagement",
    "close_engagement",
    "user_mentioned",
    "code_review",
    "review_requested",
    "other",
    "sla_breach",
    "sla_breach_combined",
    "risk_acceptance_expiration",
];

/// The column routing the event `name`.
pub fn column_of(name: &str) -> &'static str {
    match name {
        "engagement_closed" | "engagement_reopened" => "close_engagement",
        other => COLUMNS
            .iter()
            .find(|c| **c == other)
            .copied()
            .unwrap_or("other"),
    }
}

/// The alert's `source`: the column's label in DefectDojo, title-cased.
pub fn source_of(name: &str) -> String {
    match name {
        "jira_update" => "Jira Problems".to_owned(),
        "sla_breach" => "Sla Breach".to_owned(),
        "sla_breach_combined" => "Sla Breach (Combined)".to_owned(),
        other => other
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect::<String>()
                })
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn events_without_a_column_use_other() {
        assert_eq!(column_of("product_added"), "product_added");
        assert_eq!(column_of("engagement_closed"), "close_engagement");
        assert_eq!(column_of("finding_closed"), "other");
        assert_eq!(source_of("scan_added_empty"), "Scan Added Empty");
        assert_eq!(source_of("finding_closed"), "Finding Closed");
    }
}
