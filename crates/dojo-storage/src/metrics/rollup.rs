//! The portfolio rollup (migration 0008): for whoever sees every product, the
//! two grouped scans of [`super::summary`] read from `metrics_found` and
//! `metrics_mitigated`, and open findings per product (the riskiest products,
//! product lists) from `metrics_product_open`; triggers on `finding` keep the
//! three current with signed delta rows. [`compact`] folds those deltas into one row per key; until it
//! runs, readers sum deltas and folded rows alike, so answers never lag.

use super::{date_param, DayRow, MitigatedRow, Question, SeverityCounts};
use crate::authz::Access;
use crate::bulk::{self, Param};
use crate::{Backend, Conn, StorageResult};

/// The scan by finding date over every finding, from the rollup.
pub(super) async fn by_day(conn: &mut Conn, q: &Question<'_>) -> StorageResult<Vec<DayRow>> {
    let mut params = Vec::new();
    let today = date_param(&mut params, q.today);
    let open = if q.verified_only {
        "open_verified"
    } else {
        "open"
    };
    bulk::fetch_all(
        conn,
        &format!(
            "SELECT CAST(date AS TEXT), severity, CAST(SUM(found) AS BIGINT), \
             CAST(SUM(accepted) AS BIGINT), CAST(SUM({open}) AS BIGINT), \
             CAST(SUM(CASE WHEN sla_expiration_date < {today} THEN {open} ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN sla_expiration_date >= {today} THEN {open} ELSE 0 END) AS BIGINT) \
             FROM metrics_found GROUP BY date, severity HAVING SUM(found) <> 0"
        ),
        &params,
    )
    .await
}

/// The scan of findings mitigated within the question's range, from the rollup.
pub(super) async fn mitigated(
    conn: &mut Conn,
    q: &Question<'_>,
) -> StorageResult<Vec<MitigatedRow>> {
    let mut params = Vec::new();
    let from = date_param(&mut params, q.start);
    let until = date_param(&mut params, q.end);
    bulk::fetch_all(
        conn,
        &format!(
            "SELECT CAST(day AS TEXT), severity, CAST(SUM(closed) AS BIGINT), \
             CAST(SUM(days) AS DOUBLE PRECISION), CAST(SUM(within_sla) AS BIGINT), \
             CAST(SUM(late) AS BIGINT) \
             FROM metrics_mitigated WHERE day >= {from} AND day <= {until} \
             GROUP BY day, severity HAVING SUM(closed) <> 0"
        ),
        &params,
    )
    .await
}

/// A product's open findings by severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOpen {
    pub product_id: i64,
    pub open: SeverityCounts,
}

/// Open (active, non-duplicate; verified too with `verified_only`) findings
/// by severity of the products the caller sees, from the rollup: `ids` names
/// the products wanted, or `None` for every visible one. Products without
/// open findings are absent.
pub async fn open_by_product(
    conn: &mut Conn,
    access: &Access,
    ids: Option<&[i64]>,
    verified_only: bool,
) -> StorageResult<Vec<ProductOpen>> {
    let open = if verified_only {
        "open_verified"
    } else {
        "open"
    };
    let mut params: Vec<Param> = Vec::new();
    let mut clauses: Vec<String> = vec!["TRUE".into()];
    if let Some(visible) = access.product_filter("r.product_id", &mut params) {
        clauses.push(visible);
    }
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        clauses.push(format!("r.product_id IN ({})", list.join(", ")));
    }
    let rows: Vec<(i64, String, i64)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT r.product_id, r.severity, CAST(SUM(r.{open}) AS BIGINT) \
             FROM metrics_product_open r WHERE {} \
             GROUP BY r.product_id, r.severity HAVING SUM(r.{open}) <> 0",
            clauses.join(" AND ")
        ),
        &params,
    )
    .await?;
    let mut products: Vec<ProductOpen> = Vec::new();
    for (product_id, severity, count) in rows {
        let index = match products.iter().position(|p| p.product_id == product_id) {
            Some(index) => index,
            None => {
                products.push(ProductOpen {
                    product_id,
                    open: SeverityCounts::default(),
                });
                products.len() - 1
            }
        };
        products[index].open.add(&severity, count);
    }
    Ok(products)
}

/// The `limit` products with the most open findings, ranked by Critical,
/// then High, Medium and Low counts (DefectDojo's "top 10 products").
pub async fn riskiest_products(
    conn: &mut Conn,
    access: &Access,
    verified_only: bool,
    limit: usize,
) -> StorageResult<Vec<ProductOpen>> {
    let mut products = open_by_product(conn, access, None, verified_only).await?;
    products.retain(|p| p.open.critical + p.open.high + p.open.medium + p.open.low > 0);
    products.sort_by(|a, b| {
        let rank = |p: &ProductOpen| (p.open.critical, p.open.high, p.open.medium, p.open.low);
        rank(b).cmp(&rank(a)).then(a.product_id.cmp(&b.product_id))
    });
    products.truncate(limit);
    Ok(products)
}

/// Folds the delta rows into one row per key, dropping keys that sum to
/// nothing. Safe beside concurrent writers and other instances: on PostgreSQL
/// the delete and the re-insert are one statement (one snapshot), so a delta
/// committed meanwhile is neither removed nor counted twice, and an advisory
/// lock keeps two instances from folding at once; SQLite has one writer.
/// Answers whether there was anything to fold.
pub async fn compact(conn: &mut Conn) -> StorageResult<bool> {
    let pending: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT CAST(1 AS BIGINT) FROM metrics_found WHERE state = 0 \
         UNION ALL SELECT 1 FROM metrics_mitigated WHERE state = 0 \
         UNION ALL SELECT 1 FROM metrics_product_open WHERE state = 0 LIMIT 1",
        &[],
    )
    .await?;
    if pending.is_empty() {
        return Ok(false);
    }
    match conn.backend() {
        Backend::Postgres => {
            let locked: Vec<(bool,)> = bulk::fetch_all(
                conn,
                "SELECT pg_try_advisory_xact_lock(7370008)",
                &[],
            )
            .await?;
            if !locked.first().is_some_and(|(got,)| *got) {
                return Ok(false);
            }
            bulk::execute(
                conn,
                "WITH gone AS (DELETE FROM metrics_found RETURNING *) \
                 INSERT INTO metrics_found \
                 (date, severity, sla_expiration_date, found, accepted, open, open_verified, state) \
                 SELECT date, severity, sla_expiration_date, SUM(found), SUM(accepted), SUM(open), \
                 SUM(open_verified), 1 FROM gone GROUP BY date, severity, sla_expiration_date \
                 HAVING SUM(found) <> 0",
                &[],
            )
            .await?;
            bulk::execute(
                conn,
                "WITH gone AS (DELETE FROM metrics_mitigated RETURNING *) \
                 INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late, state) \
                 SELECT day, severity, SUM(closed), SUM(days), SUM(within_sla), SUM(late), 1 \
                 FROM gone GROUP BY day, severity HAVING SUM(closed) <> 0",
                &[],
            )
            .await?;
            bulk::execute(
                conn,
                "WITH gone AS (DELETE FROM metrics_product_open RETURNING *) \
                 INSERT INTO metrics_product_open (product_id, severity, open, open_verified, state) \
                 SELECT product_id, severity, SUM(open), SUM(open_verified), 1 \
                 FROM gone GROUP BY product_id, severity HAVING SUM(open) <> 0",
                &[],
            )
            .await?;
        }
        Backend::Sqlite => {
            for sql in [
                "INSERT INTO metrics_found \
                 (date, severity, sla_expiration_date, found, accepted, open, open_verified, state) \
                 SELECT date, severity, sla_expiration_date, SUM(found), SUM(accepted), SUM(open), \
                 SUM(open_verified), 2 FROM metrics_found \
                 GROUP BY date, severity, sla_expiration_date HAVING SUM(found) <> 0",
                "DELETE FROM metrics_found WHERE state <> 2",
                "UPDATE metrics_found SET state = 1",
                "INSERT INTO metrics_mitigated (day, severity, closed, days, within_sla, late, state) \
                 SELECT day, severity, SUM(closed), SUM(days), SUM(within_sla), SUM(late), 2 \
                 FROM metrics_mitigated GROUP BY day, severity HAVING SUM(closed) <> 0",
                "DELETE FROM metrics_mitigated WHERE state <> 2",
                "UPDATE metrics_mitigated SET state = 1",
                "INSERT INTO metrics_product_open (product_id, severity, open, open_verified, state) \
                 SELECT product_id, severity, SUM(open), SUM(open_verified), 2 \
                 FROM metrics_product_open GROUP BY product_id, severity HAVING SUM(open) <> 0",
                "DELETE FROM metrics_product_open WHERE state <> 2",
                "UPDATE metrics_product_open SET state = 1",
            ] {
                bulk::execute(conn, sql, &[]).await?;
            }
        }
    }
    Ok(true)
}
