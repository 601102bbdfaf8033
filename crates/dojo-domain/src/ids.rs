//! Identifier type used for every entity. DefectDojo exposes integer primary keys on
//! the wire, so Dojo keeps them: `i64` in Rust, `BIGINT`/`INTEGER` in the databases.

pub type Id = i64;
