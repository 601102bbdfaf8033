use dojo_storage::StorageError;

/// Why an import was refused. Every variant leaves the database untouched.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A parameter is wrong; answered as `{"<field>": ["<message>"]}`.
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// The target could not be resolved; answered as a bare JSON array.
    #[error("{0}")]
    Target(String),
    /// The report could not be parsed; answered as `{"message": "['…']"}`.
    #[error("{0}")]
    Report(String),
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl ImportError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        ImportError::Field {
            field,
            message: message.into(),
        }
    }
}

pub type ImportResult<T> = Result<T, ImportError>;
