//! API tokens: one per user, stored as a SHA-256 of the key, never the key.

use chrono::{DateTime, Utc};

use crate::{Conn, StorageResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredToken {
    pub user_id: i64,
    pub key_hash: String,
    pub salt: String,
    pub created: DateTime<Utc>,
}

pub async fn find_for_user(conn: &mut Conn, user_id: i64) -> StorageResult<Option<StoredToken>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, StoredToken>("SELECT * FROM api_token WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *c)
            .await?
    }))
}

pub async fn find_by_hash(conn: &mut Conn, key_hash: &str) -> StorageResult<Option<StoredToken>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, StoredToken>("SELECT * FROM api_token WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&mut *c)
            .await?
    }))
}

/// Stores the user's token, replacing any earlier one.
pub async fn replace(
    conn: &mut Conn,
    user_id: i64,
    key_hash: &str,
    salt: &str,
) -> StorageResult<StoredToken> {
    let now = crate::table::now();
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, StoredToken>(
            "INSERT INTO api_token (user_id, key_hash, salt, created) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET key_hash = EXCLUDED.key_hash, \
             salt = EXCLUDED.salt, created = EXCLUDED.created RETURNING *",
        )
        .bind(user_id)
        .bind(key_hash)
        .bind(salt)
        .bind(now)
        .fetch_one(&mut *c)
        .await?
    }))
}

/// Stores a token only if the user has none; returns the token the user now has.
pub async fn insert_if_absent(
    conn: &mut Conn,
    user_id: i64,
    key_hash: &str,
    salt: &str,
) -> StorageResult<StoredToken> {
    let now = crate::table::now();
    dispatch!(conn, c => {
        sqlx::query(
            "INSERT INTO api_token (user_id, key_hash, salt, created) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(key_hash)
        .bind(salt)
        .bind(now)
        .execute(&mut *c)
        .await?;
    });
    let stored = find_for_user(conn, user_id).await?;
    stored.ok_or(crate::StorageError::NotFound {
        entity: "api_token",
        id: user_id,
    })
}

pub async fn delete_for_user(conn: &mut Conn, user_id: i64) -> StorageResult<bool> {
    let affected = dispatch!(conn, c => {
        sqlx::query("DELETE FROM api_token WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(affected > 0)
}
