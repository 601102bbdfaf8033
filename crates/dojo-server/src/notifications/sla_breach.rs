//! The daily SLA breach notifications (workflows §e): with `enable_finding_sla`
//! and `enable_notify_sla_active` (or `_active_verified`), each open finding
//! of an enforced severity (not Info, not a duplicate, verified with the
//! verified variant, with a Jira issue with `_jira_only`, in a product that
//! does not disable them) whose SLA expires within `DD_SLA_NOTIFY_PRE_BREACH`
//! (3) days or expired at most `DD_SLA_NOTIFY_POST_BREACH` (7) days ago gets an
//! `sla_breach` notification: "prebreach", "breaching" (today) or "breached"
//! (with exponential backoff only on days 1, 2, 4, …); and each product one
//! `sla_breach_combined` per kind.
//!
//! It runs in the first scheduler round at or after 07:30 UTC (DefectDojo's
//! time); servers sharing a database claim the day in `job_run`, so it runs
//! once. Findings without an expiration date are skipped (DefectDojo counts
//! them as breaching today, which only produces noise for findings whose SLA
//! was never computed).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use dojo_domain::entities::Finding;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{settings, Db};

use super::{notify, Event, Scope};
use crate::error::ApiError;

/// Days before expiry the warning starts (`DD_SLA_NOTIFY_PRE_BREACH`).
pub const PRE_BREACH_DAYS: i64 = 3;
/// Days after expiry the reminders stop (`DD_SLA_NOTIFY_POST_BREACH`).
pub const POST_BREACH_DAYS: i64 = 7;

const JOB: &str = "sla_breach";

/// What a finding's SLA is doing today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Prebreach,
    Breaching,
    Breached,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Prebreach => "prebreach",
            Kind::Breaching => "breaching",
            Kind::Breached => "breached",
        }
    }
}

/// The kind for `days` left, or `None` when nothing is said today.
pub fn kind(days: i64, exponential_backoff: bool) -> Option<Kind> {
    match days {
        d if d < -POST_BREACH_DAYS => None,
        d if d < 0 => {
            let overdue = d.unsigned_abs();
            (!exponential_backoff || overdue.is_power_of_two()).then_some(Kind::Breached)
        }
        0 => Some(Kind::Breaching),
        d if d <= PRE_BREACH_DAYS => Some(Kind::Prebreach),
        _ => None,
    }
}

fn title(finding: &Finding, kind: Kind, days: i64) -> String {
    let id = finding.id;
    match kind {
        Kind::Prebreach => format!("Finding {id} - SLA pre-breach warning - {days} day(s) left"),
        Kind::Breaching => format!("Finding {id} - SLA is breaching today"),
        Kind::Breached => format!(
            "Finding {id} - SLA breached by {} day(s)! Overdue notice",
            days.unsigned_abs()
        ),
    }
}

/// Runs the day's notifications if the time has come and no server ran them
/// today; returns how many findings were notified.
pub async fn notify_due(db: &Db, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let start = NaiveTime::from_hms_opt(7, 30, 0).unwrap_or(NaiveTime::MIN);
    if now.time() < start {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let system = settings::load(&mut tx).await?;
    let verified_only = system.enable_notify_sla_active_verified;
    if !system.enable_finding_sla || !(system.enable_notify_sla_active || verified_only) {
        return Ok(0);
    }
    let today = now.date_naive();
    let claimed = bulk::execute(
        &mut tx,
        "INSERT INTO job_run (name, day, started) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[JOB.into(), today.into(), now.into()],
    )
    .await?;
    if claimed == 0 {
        return Ok(0);
    }
    let findings = candidates(
        &mut tx,
        today,
        verified_only,
        system.enable_notify_sla_jira_only,
    )
    .await?;
    let mut combined: BTreeMap<(i64, Kind), usize> = BTreeMap::new();
    let mut notified = 0;
    for finding in findings {
        let Some(expires) = finding.sla_expiration_date else {
            continue;
        };
        let days = (expires - today).num_days();
        let Some(kind) = kind(days, system.enable_notify_sla_exponential_backoff) else {
            continue;
        };
        let event =
            Event::about_finding(&mut tx, "sla_breach", &finding, title(&finding, kind, days))
                .await?
                .with_description(format!("SLA {}: {}", kind.label(), finding.title))
                .with_icon("exclamation-triangle");
        notify(&mut tx, &event).await?;
        *combined.entry((finding.product_id, kind)).or_default() += 1;
        notified += 1;
    }
    for ((product_id, kind), count) in combined {
        let scope = Scope::of_product(&mut tx, product_id).await?;
        let event = Event::new(
            "sla_breach_combined",
            format!(
                "{}: {count} finding(s) {}",
                scope.product.name,
                kind.label()
            ),
        )
        .with_icon("exclamation-triangle")
        .with_url(
            format!("/product/{product_id}/finding/open"),
            Some(format!("/api/v2/findings/?product={product_id}")),
        )
        .in_scope(&scope);
        notify(&mut tx, &event).await?;
    }
    tx.commit().await?;
    Ok(notified)
}

/// The open findings in scope whose expiration falls in the window.
async fn candidates(
    conn: &mut dojo_storage::Conn,
    today: NaiveDate,
    verified_only: bool,
    jira_only: bool,
) -> Result<Vec<Finding>, ApiError> {
    let first = today - chrono::Duration::days(POST_BREACH_DAYS);
    let last = today + chrono::Duration::days(PRE_BREACH_DAYS);
    let verified = if verified_only {
        " AND f.verified = TRUE"
    } else {
        ""
    };
    let jira = if jira_only {
        " AND EXISTS (SELECT 1 FROM jira_issue j WHERE j.finding_id = f.id)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT f.* FROM finding f JOIN product p ON p.id = f.product_id \
         JOIN sla_configuration s ON s.id = p.sla_configuration_id \
         WHERE f.active = TRUE AND f.is_mitigated = FALSE AND f.duplicate = FALSE \
         AND p.disable_sla_breach_notifications = FALSE \
         AND ((f.severity = 'Critical' AND s.enforce_critical = TRUE) \
           OR (f.severity = 'High' AND s.enforce_high = TRUE) \
           OR (f.severity = 'Medium' AND s.enforce_medium = TRUE) \
           OR (f.severity = 'Low' AND s.enforce_low = TRUE)) \
         AND f.sla_expiration_date >= $1 AND f.sla_expiration_date <= $2{verified}{jira} \
         ORDER BY f.id"
    );
    let params: Vec<Param> = vec![first.into(), last.into()];
    Ok(bulk::fetch_all(conn, &sql, &params).await?)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn kinds_by_days_left() {
        assert_eq!(kind(4, false), None);
        assert_eq!(kind(3, false), Some(Kind::Prebreach));
        assert_eq!(kind(0, false), Some(Kind::Breaching));
        assert_eq!(kind(-3, false), Some(Kind::Breached));
        assert_eq!(kind(-3, true), None);
        assert_eq!(kind(-4, true), Some(Kind::Breached));
        assert_eq!(kind(-8, false), None);
    }
}
