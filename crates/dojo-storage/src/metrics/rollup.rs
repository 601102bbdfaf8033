//! The portfolio rollup (migration 0008): for whoever sees every product, the
//! two grouped scans of [`super::summary`] read from `metrics_found` and
//! `metrics_mitigated`, which triggers on `finding` keep current with signed
//! delta rows. [`compact`] folds those deltas into one row per key; until it
//! runs, readers sum deltas and folded rows alike, so answers never lag.

use super::{date_param, DayRow, MitigatedRow, Question};
use crate::bulk;
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
         UNION ALL SELECT 1 FROM metrics_mitigated WHERE state = 0 LIMIT 1",
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
            ] {
                bulk::execute(conn, sql, &[]).await?;
            }
        }
    }
    Ok(true)
}
