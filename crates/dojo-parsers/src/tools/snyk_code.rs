//! Snyk Code: the SARIF output of `snyk code test` (and `snyk test` JSON),
//! read exactly as the Snyk parser reads it.

pub use super::snyk::parse;
