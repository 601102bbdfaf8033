//! In-app alerts.

use dojo_domain::entities::Alert;

table! {
    entity: Alert,
    table: "alerts",
    columns: [
        title,
        description,
        url,
        source,
        icon,
        user_id,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}

use chrono::{DateTime, Utc};

use crate::bulk::{self, Param};
use crate::{Conn, StorageResult};

/// DefectDojo's `DD_MAX_ALERTS_PER_USER`: older alerts beyond it are removed.
pub const MAX_PER_USER: i64 = 999;

/// A page of the user's alerts, newest first (ties by id, newest first).
pub async fn list_for_user(
    conn: &mut Conn,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> StorageResult<Vec<Alert>> {
    bulk::fetch_all(
        conn,
        "SELECT * FROM alerts WHERE user_id = $1 ORDER BY created DESC, id DESC LIMIT $2 OFFSET $3",
        &[user_id.into(), limit.max(0).into(), offset.max(0).into()],
    )
    .await
}

/// How many alerts the user has.
pub async fn count_for_user(conn: &mut Conn, user_id: i64) -> StorageResult<i64> {
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT COUNT(*) FROM alerts WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?;
    Ok(rows.first().map_or(0, |r| r.0))
}

/// Deletes one of the user's alerts; false when the user has no such alert.
pub async fn delete_for_user(conn: &mut Conn, user_id: i64, id: i64) -> StorageResult<bool> {
    let deleted = bulk::execute(
        conn,
        "DELETE FROM alerts WHERE id = $1 AND user_id = $2",
        &[id.into(), user_id.into()],
    )
    .await?;
    Ok(deleted > 0)
}

/// Deletes every alert of the user; returns how many.
pub async fn delete_all_for_user(conn: &mut Conn, user_id: i64) -> StorageResult<u64> {
    bulk::execute(
        conn,
        "DELETE FROM alerts WHERE user_id = $1",
        &[user_id.into()],
    )
    .await
}

/// Adds one alert per row of `alerts` with one statement per batch.
pub async fn insert_batch(
    conn: &mut Conn,
    alerts: &[Alert],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let rows: Vec<Vec<Param>> = alerts
        .iter()
        .map(|a| {
            vec![
                a.title.clone().into(),
                a.description.clone().into(),
                a.url.clone().into(),
                a.source.clone().into(),
                a.icon.clone().into(),
                a.user_id.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert_rows(
        conn,
        "alerts",
        &[
            "title",
            "description",
            "url",
            "source",
            "icon",
            "user_id",
            "created",
        ],
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// Keeps each user's `cap` newest alerts and deletes the rest (DefectDojo's
/// cleanup job); returns how many were deleted.
pub async fn trim_per_user(conn: &mut Conn, cap: i64) -> StorageResult<u64> {
    bulk::execute(
        conn,
        "DELETE FROM alerts WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
         (PARTITION BY user_id ORDER BY created DESC, id DESC) AS rn FROM alerts \
         WHERE user_id IS NOT NULL) ranked WHERE rn > $1)",
        &[cap.into()],
    )
    .await
}
