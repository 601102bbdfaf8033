//! Parse errors.
//!
//! Every variant renders as a single line naming what is wrong with the
//! report, because `dojo parse` prints the Display form as its only stderr
//! line and the import API returns it to the uploader.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    #[error("unknown scan type: {0}")]
    UnknownScanType(String),
    #[error("no parser is implemented for scan type: {0}")]
    Unsupported(String),
    #[error("invalid report format: {0}")]
    InvalidFormat(String),
    #[error("missing field in report: {0}")]
    MissingField(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("invalid XML: {0}")]
    Xml(String),
    #[error("invalid CSV: {0}")]
    Csv(String),
}

impl ParseError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        ParseError::InvalidFormat(one_line(&msg.into()))
    }
}

/// Keeps error messages to one line even when they quote report content.
pub(crate) fn one_line(s: &str) -> String {
    let mut out: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.len() > 300 {
        let mut cut = 300;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError::Json(one_line(&e.to_string()))
    }
}

impl From<csv::Error> for ParseError {
    fn from(e: csv::Error) -> Self {
        ParseError::Csv(one_line(&e.to_string()))
    }
}
