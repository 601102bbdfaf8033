//! The periodic jobs `dojo serve` runs itself (DefectDojo runs them in Celery
//! beat): risk acceptance expiry and its heads-up every three hours, on the
//! hour (UTC), and once at start so a server that was down catches up; with
//! them the alert cap, the outbox's old failures, and once a day (the first
//! round after 07:30) the SLA breach notifications; the metrics rollup's fold
//! every half minute. Every instance may run
//! them; the jobs claim their rows so nothing is applied twice.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use dojo_storage::repo::{alerts, notification_outbox};
use dojo_storage::Db;

use super::risk_acceptance;

/// Hours between two runs of the risk acceptance expiry.
const EXPIRY_EVERY_HOURS: u32 = 3;

/// Runs the jobs until the task is dropped (the server stops).
pub async fn run(db: Db) {
    tokio::join!(run_expiry(db.clone()), run_rollup(db));
}

async fn run_expiry(db: Db) {
    loop {
        run_once(&db, Utc::now()).await;
        tokio::time::sleep(until_next_run(Utc::now())).await;
    }
}

/// One round of every job; failures are logged and retried next round.
pub async fn run_once(db: &Db, now: DateTime<Utc>) {
    match risk_acceptance::expire_due(db, now).await {
        Ok(expired) if !expired.is_empty() => {
            tracing::info!(count = expired.len(), "risk acceptances expired");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "risk acceptance expiry failed"),
    }
    match risk_acceptance::warn_expiring(db, now).await {
        Ok(warned) if !warned.is_empty() => {
            tracing::info!(count = warned.len(), "risk acceptance expiry heads-up sent");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "risk acceptance heads-up failed"),
    }
    match crate::notifications::sla_breach::notify_due(db, now).await {
        Ok(count) if count > 0 => tracing::info!(count, "SLA breach notifications sent"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "SLA breach notifications failed"),
    }
    if let Err(error) = housekeeping(db, now).await {
        tracing::warn!(%error, "notification housekeeping failed");
    }
}

/// Alerts beyond the per-user cap go (DefectDojo's cleanup job), and outbox
/// rows given up more than 30 days ago.
async fn housekeeping(db: &Db, now: DateTime<Utc>) -> dojo_storage::StorageResult<()> {
    let mut conn = db.conn().await?;
    alerts::trim_per_user(&mut conn, alerts::MAX_PER_USER).await?;
    notification_outbox::purge_given_up(&mut conn, now - chrono::Duration::days(30)).await?;
    Ok(())
}

/// How often the metrics rollup's deltas are folded.
const ROLLUP_EVERY: Duration = Duration::from_secs(30);

/// Folds the metrics rollup's delta rows every half minute, so the portfolio
/// metrics read a table of a few thousand rows (deltas are counted until then).
async fn run_rollup(db: Db) {
    loop {
        if let Err(error) = compact_rollup(&db).await {
            tracing::warn!(%error, "metrics rollup compaction failed");
        }
        tokio::time::sleep(ROLLUP_EVERY).await;
    }
}

/// One fold of the metrics rollup, in its own transaction.
pub async fn compact_rollup(db: &Db) -> Result<(), dojo_storage::StorageError> {
    let mut tx = db.begin().await?;
    dojo_storage::metrics::rollup::compact(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Time from `now` to the next hour divisible by three.
fn until_next_run(now: DateTime<Utc>) -> Duration {
    let hours_left = EXPIRY_EVERY_HOURS - now.hour() % EXPIRY_EVERY_HOURS;
    let seconds_into_hour = u64::from(now.minute() * 60 + now.second());
    let seconds = u64::from(hours_left) * 3600 - seconds_into_hour;
    Duration::from_secs(seconds.max(1))
}

#[cfg(test)]
mod unit {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn next_run_is_the_next_hour_divisible_by_three() {
        let at = |h, m, s| {
            Utc.with_ymd_and_hms(2026, 11, 24, h, m, s)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(until_next_run(at(0, 0, 0)), Duration::from_secs(3 * 3600));
        assert_eq!(until_next_run(at(1, 30, 0)), Duration::from_secs(5400));
        assert_eq!(until_next_run(at(23, 59, 59)), Duration::from_secs(1));
        assert_eq!(until_next_run(at(5, 0, 10)), Duration::from_secs(3590));
    }
}
