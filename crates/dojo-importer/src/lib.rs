//! Dojo's import engine: a parsed scanner report becomes tracked findings in one
//! transaction — context resolved or created, findings written in bulk,
//! de-duplicated against the product, old findings closed, history recorded.
//! The number of SQL statements grows with batches of rows, not with findings.

pub mod context;
pub mod dedup;
mod engine;
pub mod error;
mod groups;
pub mod hash;
mod incoming;
mod reconcile;
mod reimport;
pub mod request;
pub mod saved;
pub mod stats;
mod write;

pub use dojo_parsers::synthetic;
pub use engine::{
    import_scan, import_scan_hooked, import_scan_observed, reimport_scan, reimport_scan_hooked,
    reimport_scan_observed, scan_type, BeforeCommit, Hooks, Observer,
};
pub use error::{ImportError, ImportResult};
pub use request::{
    Actor, Created, Delta, ImportOutcome, ImportRequest, Report, SeverityCounts, Statistics,
    StatusCounts,
};
