//! One call per event where it happens, for the API handlers and jobs: each
//! loads what the event names and records it in the caller's transaction.

use dojo_domain::entities::{Engagement, Product, ProductType, Test};
use dojo_storage::{repo, Conn, StorageResult};

use super::events::{self, Event, Scope};
use super::notify;

/// `product_type_added`.
pub async fn product_type_added(conn: &mut Conn, row: &ProductType) -> StorageResult<()> {
    notify(conn, &Event::product_type_added(row)).await?;
    Ok(())
}

/// `product_added`.
pub async fn product_added(conn: &mut Conn, row: &Product) -> StorageResult<()> {
    let scope = Scope::of_product(conn, row.id).await?;
    notify(conn, &Event::product_added(&scope)).await?;
    Ok(())
}

/// `engagement_added`.
pub async fn engagement_added(conn: &mut Conn, row: &Engagement) -> StorageResult<()> {
    let scope = Scope::of_product(conn, row.product_id).await?;
    notify(conn, &Event::engagement_added(&scope, row)).await?;
    Ok(())
}

/// `engagement_closed` / `engagement_reopened`.
pub async fn engagement_status(
    conn: &mut Conn,
    row: &Engagement,
    closed: bool,
) -> StorageResult<()> {
    let scope = Scope::of_product(conn, row.product_id).await?;
    notify(conn, &Event::engagement_status(&scope, row, closed)).await?;
    Ok(())
}

/// `test_added`.
pub async fn test_added(conn: &mut Conn, row: &Test) -> StorageResult<()> {
    let engagement = repo::engagements::get(conn, row.engagement_id).await?;
    let scope = Scope::of_product(conn, engagement.product_id).await?;
    let test_type = repo::test_types::get(conn, row.test_type_id).await?;
    let test = events::test_ref(row, &test_type.name);
    notify(conn, &Event::test_added(&scope, &engagement, test)).await?;
    Ok(())
}

/// `risk_acceptance_expiration`: the risk acceptance expired, or (with
/// `expires_on`) will expire on that day. Needs the engagement to name it.
pub async fn risk_acceptance_expiration(
    conn: &mut Conn,
    ra: &dojo_domain::entities::RiskAcceptance,
    engagement_id: i64,
    accepted: usize,
    expires_on: Option<chrono::NaiveDate>,
) -> StorageResult<()> {
    let engagement = repo::engagements::get(conn, engagement_id).await?;
    let scope = Scope::of_product(conn, engagement.product_id).await?;
    let title = match expires_on {
        None => format!("Risk acceptance with {accepted} accepted findings has expired"),
        Some(day) => format!(
            "Risk acceptance with {accepted} accepted findings will expire on {}",
            day.format("%b %d, %Y")
        ),
    };
    let description = match expires_on {
        None => format!("Risk acceptance \"{}\" has expired.", ra.name),
        Some(day) => format!("Risk acceptance \"{}\" will expire on {day}.", ra.name),
    };
    let event = Event::new("risk_acceptance_expiration", title)
        .with_description(description)
        .with_icon("exclamation-triangle")
        .with_url(
            format!("/engagement/{engagement_id}/risk_acceptance/{}", ra.id),
            Some(format!("/api/v2/risk_acceptance/{}/", ra.id)),
        )
        .in_scope(&scope)
        .with_engagement(events::engagement_ref(&engagement));
    notify(conn, &event).await?;
    Ok(())
}
