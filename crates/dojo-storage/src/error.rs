use sqlx::error::ErrorKind;

pub type StorageResult<T> = Result<T, StorageError>;

/// What a storage call can report. Constraint failures are separated from other
/// database errors so that callers can answer 400 (or 409) instead of 500.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: i64 },
    #[error("a row with the same {constraint} already exists")]
    Duplicate { constraint: String },
    #[error("the row is still referenced ({constraint})")]
    InUse { constraint: String },
    #[error("a referenced row does not exist ({constraint})")]
    MissingReference { constraint: String },
    #[error("a value breaks a rule of the schema ({constraint})")]
    Invalid { constraint: String },
    #[error("{0}")]
    Refused(String),
    #[error("database configuration: {0}")]
    Config(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        let Some(db_err) = err.as_database_error() else {
            return StorageError::Database(err);
        };
        let constraint = db_err
            .constraint()
            .map(str::to_owned)
            .unwrap_or_else(|| db_err.message().to_owned());
        // SQLite reports a RESTRICT refusal with its own code (SQLITE_CONSTRAINT_TRIGGER)
        // rather than the foreign-key one that sqlx classifies.
        if db_err.code().as_deref() == Some("1811") {
            return StorageError::InUse { constraint };
        }
        match db_err.kind() {
            ErrorKind::UniqueViolation => StorageError::Duplicate { constraint },
            ErrorKind::ForeignKeyViolation => {
                // PostgreSQL and SQLite both report a failed delete (RESTRICT) and a
                // dangling insert as a foreign-key violation; the message tells them apart.
                let message = db_err.message().to_lowercase();
                if message.contains("still referenced") || message.contains("update or delete") {
                    StorageError::InUse { constraint }
                } else {
                    StorageError::MissingReference { constraint }
                }
            }
            ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                StorageError::Invalid { constraint }
            }
            _ => StorageError::Database(err),
        }
    }
}

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound { .. })
    }
}
