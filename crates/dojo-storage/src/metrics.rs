//! Finding metrics (workflows §f, issue 6): counts by severity, activity per
//! week or month, mean time to remediate, SLA compliance and age buckets, for
//! a product, a product type or everything a user may see.
//!
//! Every number is an SQL aggregate: rows come back grouped by severity (and
//! by day where a series needs it), never one per finding, so the cost grows
//! with the size of the answer, not with the number of findings. The few
//! expressions the two dialects spell differently (a timestamp's UTC day, the
//! days between a date and a timestamp) are in [`Dialect`].
//!
//! "Open" is DefectDojo's: active and not a duplicate (the status hooks make
//! false positives, out-of-scope, risk-accepted and mitigated findings
//! inactive). With DefectDojo's verified filter (`enforce_verified_status` or
//! `enforce_verified_status_metrics`) only verified findings count as open.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use dojo_domain::Severity;

use crate::authz::Access;
use crate::bulk::{self, Param};
use crate::{Backend, Conn, StorageResult};

pub mod rollup;

/// Whose findings are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Product(i64),
    ProductType(i64),
    /// Every product the user may see.
    Visible,
}

/// Findings per severity, and their total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
}

impl SeverityCounts {
    pub fn total(&self) -> i64 {
        self.critical + self.high + self.medium + self.low + self.info
    }

    pub fn get(&self, severity: Severity) -> i64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// Adds `count` findings of `severity` (DefectDojo's spelling; anything
    /// else counts as Info, as the importer normalises it).
    pub fn add(&mut self, severity: &str, count: i64) {
        match severity.parse::<Severity>() {
            Ok(Severity::Critical) => self.critical += count,
            Ok(Severity::High) => self.high += count,
            Ok(Severity::Medium) => self.medium += count,
            Ok(Severity::Low) => self.low += count,
            // Anything else was normalised to Info on the way in.
            _ => self.info += count,
        }
    }
}

/// The buckets of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// ISO weeks, starting on Monday.
    Week,
    Month,
}

impl Period {
    /// The first day of the period holding `day`.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => day
                .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
                .unwrap_or(day),
            Period::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the next period.
    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => start.checked_add_days(Days::new(7)).unwrap_or(start),
            Period::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start),
        }
    }
}

/// One period of a series: findings found, closed (mitigated) and risk
/// accepted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodActivity {
    pub start: NaiveDate,
    pub opened: SeverityCounts,
    pub closed: SeverityCounts,
    pub risk_accepted: SeverityCounts,
}

/// SLA standing: findings mitigated in the range within or after their SLA
/// date, and open findings with an SLA date, past it or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaStanding {
    pub mitigated_within: SeverityCounts,
    pub mitigated_late: SeverityCounts,
    pub open_within: SeverityCounts,
    pub open_breached: SeverityCounts,
}

impl SlaStanding {
    /// Share of findings mitigated in the range that met their SLA.
    pub fn compliance_rate(&self) -> Option<f64> {
        rate(self.mitigated_within.total(), self.mitigated_late.total())
    }

    /// Share of open findings with an SLA that are past it.
    pub fn breach_rate(&self) -> Option<f64> {
        rate(self.open_breached.total(), self.open_within.total())
    }
}

fn rate(part: i64, rest: i64) -> Option<f64> {
    let whole = part + rest;
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Open findings by age (today − date): 0–30, 31–60, 61–90 and over 90 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgeBuckets {
    pub days_0_30: SeverityCounts,
    pub days_31_60: SeverityCounts,
    pub days_61_90: SeverityCounts,
    pub days_over_90: SeverityCounts,
}

/// Mean days from `date` to mitigation, per severity, over findings mitigated
/// in the range; `None` where none was.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RemediationDays {
    pub critical: Option<f64>,
    pub high: Option<f64>,
    pub medium: Option<f64>,
    pub low: Option<f64>,
    pub info: Option<f64>,
}

/// What a metrics question is asked about.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub scope: Scope,
    pub access: &'a Access,
    /// Only verified findings count as open (DefectDojo's verified filter).
    pub verified_only: bool,
    /// The range of series, remediation and SLA compliance, both days included.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Ages are counted to this day.
    pub today: NaiveDate,
}

/// Everything the metrics answer holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub open: SeverityCounts,
    pub ages: AgeBuckets,
    pub activity: Vec<PeriodActivity>,
    pub remediation: RemediationDays,
    pub sla: SlaStanding,
}

/// The two dialects' spellings.
struct Dialect(Backend);

impl Dialect {
    /// The UTC day of an instant column, as `YYYY-MM-DD` text.
    fn day_text(&self, instant: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("date({instant})"),
            Backend::Postgres => {
                format!("CAST(CAST(({instant} AT TIME ZONE 'UTC') AS DATE) AS TEXT)")
            }
        }
    }

    /// Days from a date column to an instant column's UTC day.
    fn days_between(&self, date: &str, instant: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("(julianday(date({instant})) - julianday({date}))"),
            Backend::Postgres => format!("(CAST(({instant} AT TIME ZONE 'UTC') AS DATE) - {date})"),
        }
    }

    /// An instant column's UTC day compared with a date column.
    fn day_at_most(&self, instant: &str, date: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("date({instant}) <= {date}"),
            Backend::Postgres => format!("CAST(({instant} AT TIME ZONE 'UTC') AS DATE) <= {date}"),
        }
    }
}

/// Above this many visible products the product list stays a subquery.
const INLINE_PRODUCTS: usize = 500;

/// The `WHERE` of the question's findings (alias `f`) and its parameters.
/// A member's visible products are read first and named in the condition, so
/// the planner sees a short list it can seek in the index, not a subquery.
async fn base(conn: &mut Conn, q: &Question<'_>) -> StorageResult<(String, Vec<Param>)> {
    let mut params: Vec<Param> = Vec::new();
    let mut clauses: Vec<String> = vec!["f.duplicate = FALSE".into()];
    match q.scope {
        Scope::Product(id) => {
            params.push(id.into());
            clauses.push(format!("f.product_id = ${}", params.len()));
        }
        Scope::ProductType(id) => {
            params.push(id.into());
            clauses.push(format!(
                "f.product_id IN (SELECT id FROM product WHERE prod_type_id = ${})",
                params.len()
            ));
        }
        Scope::Visible => {}
    }
    let mut lookup: Vec<Param> = Vec::new();
    if let Some(visible) = q.access.product_filter("p.id", &mut lookup) {
        let ids: Vec<(i64,)> = bulk::fetch_all(
            conn,
            &format!("SELECT p.id FROM product p WHERE {visible}"),
            &lookup,
        )
        .await?;
        if ids.is_empty() {
            clauses.push("FALSE".into());
        } else if ids.len() <= INLINE_PRODUCTS {
            let list: Vec<String> = ids.iter().map(|(id,)| id.to_string()).collect();
            clauses.push(format!("f.product_id IN ({})", list.join(", ")));
        } else if let Some(visible) = q.access.product_filter("f.product_id", &mut params) {
            clauses.push(visible);
        }
    }
    Ok((clauses.join(" AND "), params))
}

fn open_clause(q: &Question<'_>) -> &'static str {
    if q.verified_only {
        "f.active = TRUE AND f.verified = TRUE"
    } else {
        "f.active = TRUE"
    }
}

fn date_param(params: &mut Vec<Param>, day: NaiveDate) -> String {
    params.push(Param::Date(Some(day)));
    format!("${}", params.len())
}

fn instant_param(params: &mut Vec<Param>, day: NaiveDate) -> String {
    params.push(Param::Instant(Some(
        day.and_time(chrono::NaiveTime::MIN).and_utc(),
    )));
    format!("${}", params.len())
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok()
}

/// One row of the scan by finding date: found, risk accepted, open, open past
/// its SLA date, open within it.
type DayRow = (String, String, i64, i64, i64, i64, i64);

/// One row of the scan by mitigation day: closed, days to remediate (summed),
/// within and after the SLA date.
type MitigatedRow = (String, String, i64, f64, i64, i64);

/// The metrics of a question, from two grouped scans: the findings by date
/// and severity (found, accepted, open, age, open SLA), and the findings
/// mitigated in the range by day and severity (closed, remediation, SLA met).
/// For a caller who sees every product, the scans read the rollup tables
/// (migration 0008), which hold the same groups already summed.
pub async fn summary(conn: &mut Conn, q: &Question<'_>, period: Period) -> StorageResult<Summary> {
    if matches!(q.scope, Scope::Visible) && q.access.sees_everything() {
        let by_day = rollup::by_day(conn, q).await?;
        let mitigated = rollup::mitigated(conn, q).await?;
        return Ok(fold(q, period, by_day, mitigated));
    }
    scan_summary(conn, q, period).await
}

/// The metrics of a question from the findings themselves, whatever its
/// scope: [`summary`] reads the rollup instead for the whole portfolio.
pub async fn scan_summary(
    conn: &mut Conn,
    q: &Question<'_>,
    period: Period,
) -> StorageResult<Summary> {
    let dialect = Dialect(conn.backend());
    // One lookup of the caller's products serves both scans.
    let (filter, base_params) = base(conn, q).await?;
    let mut params = base_params.clone();
    let today = date_param(&mut params, q.today);
    let open = open_clause(q);
    let by_day: Vec<DayRow> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT CAST(f.date AS TEXT), f.severity, COUNT(*), \
             SUM(CASE WHEN f.risk_accepted = TRUE THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {open} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {open} AND f.sla_expiration_date < {today} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {open} AND f.sla_expiration_date >= {today} THEN 1 ELSE 0 END) \
             FROM finding f WHERE {filter} GROUP BY f.date, f.severity"
        ),
        &params,
    )
    .await?;
    let mut params = base_params;
    let from = instant_param(&mut params, q.start);
    let until = instant_param(
        &mut params,
        q.end.checked_add_days(Days::new(1)).unwrap_or(q.end),
    );
    let mitigated: Vec<MitigatedRow> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT {day}, f.severity, COUNT(*), CAST(SUM({days}) AS DOUBLE PRECISION), \
             SUM(CASE WHEN f.sla_expiration_date IS NOT NULL AND {within} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.sla_expiration_date IS NOT NULL AND NOT ({within}) THEN 1 ELSE 0 END) \
             FROM finding f WHERE {filter} AND f.is_mitigated = TRUE \
             AND f.mitigated >= {from} AND f.mitigated < {until} GROUP BY 1, 2",
            day = dialect.day_text("f.mitigated"),
            days = dialect.days_between("f.date", "f.mitigated"),
            within = dialect.day_at_most("f.mitigated", "f.sla_expiration_date"),
        ),
        &params,
    )
    .await?;
    Ok(fold(q, period, by_day, mitigated))
}

/// Folds the two scans' rows into the answer.
fn fold(
    q: &Question<'_>,
    period: Period,
    by_day: Vec<DayRow>,
    mitigated: Vec<MitigatedRow>,
) -> Summary {
    let mut series: BTreeMap<NaiveDate, PeriodActivity> = BTreeMap::new();
    let mut at = period.start_of(q.start);
    while at <= q.end {
        series.insert(
            at,
            PeriodActivity {
                start: at,
                opened: SeverityCounts::default(),
                closed: SeverityCounts::default(),
                risk_accepted: SeverityCounts::default(),
            },
        );
        at = period.next(at);
    }
    let before = |n: u64| q.today.checked_sub_days(Days::new(n)).unwrap_or(q.today);
    let (d30, d60, d90) = (before(30), before(60), before(90));
    let mut open = SeverityCounts::default();
    let mut ages = AgeBuckets::default();
    let mut sla = SlaStanding::default();
    for (day, severity, found, accepted, open_count, breached, within) in by_day {
        let Some(day) = parse_day(&day) else { continue };
        open.add(&severity, open_count);
        let bucket = if day >= d30 {
            &mut ages.days_0_30
        } else if day >= d60 {
            &mut ages.days_31_60
        } else if day >= d90 {
            &mut ages.days_61_90
        } else {
            &mut ages.days_over_90
        };
        bucket.add(&severity, open_count);
        sla.open_breached.add(&severity, breached);
        sla.open_within.add(&severity, within);
        if (q.start..=q.end).contains(&day) {
            if let Some(entry) = series.get_mut(&period.start_of(day)) {
                entry.opened.add(&severity, found);
                entry.risk_accepted.add(&severity, accepted);
            }
        }
    }
    let mut remediated: BTreeMap<String, (i64, f64)> = BTreeMap::new();
    for (day, severity, closed, days, within, late) in mitigated {
        if let Some(entry) = parse_day(&day).and_then(|d| series.get_mut(&period.start_of(d))) {
            entry.closed.add(&severity, closed);
        }
        sla.mitigated_within.add(&severity, within);
        sla.mitigated_late.add(&severity, late);
        let sums = remediated.entry(severity).or_default();
        sums.0 += closed;
        sums.1 += days;
    }
    let mut remediation = RemediationDays::default();
    for (severity, (count, days)) in remediated {
        let slot = match severity.parse::<Severity>() {
            Ok(Severity::Critical) => &mut remediation.critical,
            Ok(Severity::High) => &mut remediation.high,
            Ok(Severity::Medium) => &mut remediation.medium,
            Ok(Severity::Low) => &mut remediation.low,
            _ => &mut remediation.info,
        };
        #[allow(clippy::cast_precision_loss)]
        if count > 0 {
            *slot = Some(days / count as f64);
        }
    }
    Summary {
        open,
        ages,
        activity: series.into_values().collect(),
        remediation,
        sla,
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_start_on_monday_and_the_first() {
        assert_eq!(Period::Week.start_of(day("2026-11-24")), day("2026-11-23"));
        assert_eq!(Period::Week.start_of(day("2026-11-23")), day("2026-11-23"));
        assert_eq!(Period::Week.start_of(day("2026-11-22")), day("2026-11-16"));
        assert_eq!(Period::Month.start_of(day("2026-11-24")), day("2026-11-01"));
        assert_eq!(Period::Month.next(day("2026-12-01")), day("2027-01-01"));
    }

    #[test]
    fn rates_are_shares_and_none_without_findings() {
        let mut standing = SlaStanding::default();
        assert_eq!(standing.compliance_rate(), None);
        standing.mitigated_within.high = 3;
        standing.mitigated_late.low = 1;
        assert_eq!(standing.compliance_rate(), Some(0.75));
    }
}
