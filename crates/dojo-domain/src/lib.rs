//! Dojo's domain: the entities of DefectDojo's model, their enumerations and the
//! rules that do not need a database (severity ordering, SLA days, password policy,
//! health). Nothing here performs I/O; the storage crate maps these types to rows.

pub mod authz;
pub mod entities;
mod enums;
pub mod ids;
pub mod password;
pub mod severity;
pub mod sla;
pub mod tags;

pub use enums::*;
pub use severity::Severity;

/// A value that failed a domain rule, with a message meant for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// A stored string that is not one of an enumeration's DefectDojo spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a valid {kind}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}
