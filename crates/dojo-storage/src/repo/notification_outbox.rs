//! The outbox of external notification deliveries (migration 0006): rows are
//! written in the transaction of the change they are about and claimed by the
//! delivery worker of any server with a lease, so each is sent once.

use chrono::{DateTime, Utc};

use crate::bulk::{self, Param};
use crate::{Backend, Conn, StorageResult};

/// One message waiting to leave.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    /// `mail`, `slack`, `msteams` or `webhooks`.
    pub channel: String,
    /// An e-mail address, a Slack channel, a Teams URL, or a webhook's id.
    pub destination: String,
    pub event: String,
    /// The message as JSON.
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: i64,
    pub next_attempt: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub gave_up: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel: String,
    pub destination: String,
    pub event: String,
    pub payload: String,
}

const COLUMNS: &[&str] = &[
    "channel",
    "destination",
    "event",
    "payload",
    "attempts",
    "next_attempt",
    "created",
];

/// Queues `messages`, due now, with one statement per batch.
pub async fn enqueue(
    conn: &mut Conn,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let rows: Vec<Vec<Param>> = messages
        .iter()
        .map(|m| {
            vec![
                m.channel.clone().into(),
                m.destination.clone().into(),
                m.event.clone().into(),
                m.payload.clone().into(),
                0i64.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert_rows(conn, "notification_outbox", COLUMNS, &rows, "").await
}

/// Claims up to `limit` due rows (not given up, no live lease) until
/// `lease_until`, in one statement, and returns them in id order. Servers
/// sharing the database each get different rows: PostgreSQL skips the rows
/// another claim has locked and re-checks the lease after waiting; SQLite has
/// one writer at a time.
pub async fn claim(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> StorageResult<Vec<OutboxRow>> {
    let free =
        "gave_up IS NULL AND next_attempt <= $2 AND (claimed_until IS NULL OR claimed_until < $2)";
    let lock = match conn.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE notification_outbox SET claimed_until = $1 WHERE id IN \
         (SELECT id FROM notification_outbox WHERE {free} ORDER BY id LIMIT $3{lock}) \
         AND {free} RETURNING *"
    );
    let mut rows: Vec<OutboxRow> =
        bulk::fetch_all(conn, &sql, &[lease_until.into(), now.into(), limit.into()]).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// The message went out: the row goes, unless another claim took it over
/// after this lease ran out.
pub async fn delivered(conn: &mut Conn, row: &OutboxRow) -> StorageResult<bool> {
    let deleted = bulk::execute(
        conn,
        "DELETE FROM notification_outbox WHERE id = $1 AND claimed_until = $2",
        &[row.id.into(), row.claimed_until.into()],
    )
    .await?;
    Ok(deleted > 0)
}

/// The attempt failed: try again at `next_attempt`, keeping the error.
pub async fn retry_at(
    conn: &mut Conn,
    row: &OutboxRow,
    next_attempt: DateTime<Utc>,
    error: &str,
) -> StorageResult<()> {
    bulk::execute(
        conn,
        "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt = $1, \
         last_error = $2, claimed_until = NULL WHERE id = $3 AND claimed_until = $4",
        &[
            next_attempt.into(),
            error.into(),
            row.id.into(),
            row.claimed_until.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Not sent and not failed (its webhook is paused): due again at `next_attempt`.
pub async fn postpone(
    conn: &mut Conn,
    row: &OutboxRow,
    next_attempt: DateTime<Utc>,
) -> StorageResult<()> {
    bulk::execute(
        conn,
        "UPDATE notification_outbox SET next_attempt = $1, claimed_until = NULL \
         WHERE id = $2 AND claimed_until = $3",
        &[next_attempt.into(), row.id.into(), row.claimed_until.into()],
    )
    .await?;
    Ok(())
}

/// The worker stops trying; the row stays with its last error for the operator.
pub async fn give_up(
    conn: &mut Conn,
    row: &OutboxRow,
    now: DateTime<Utc>,
    error: &str,
) -> StorageResult<()> {
    bulk::execute(
        conn,
        "UPDATE notification_outbox SET attempts = attempts + 1, gave_up = $1, last_error = $2, \
         claimed_until = NULL WHERE id = $3 AND claimed_until = $4",
        &[
            now.into(),
            error.into(),
            row.id.into(),
            row.claimed_until.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Every row, in id order (operators and tests).
pub async fn list(conn: &mut Conn) -> StorageResult<Vec<OutboxRow>> {
    bulk::fetch_all(conn, "SELECT * FROM notification_outbox ORDER BY id", &[]).await
}

/// Deletes rows given up before `before`; returns how many.
pub async fn purge_given_up(conn: &mut Conn, before: DateTime<Utc>) -> StorageResult<u64> {
    bulk::execute(
        conn,
        "DELETE FROM notification_outbox WHERE gave_up IS NOT NULL AND gave_up < $1",
        &[before.into()],
    )
    .await
}
