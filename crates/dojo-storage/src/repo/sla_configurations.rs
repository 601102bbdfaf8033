//! SLA configurations: days to fix per severity.

use dojo_domain::entities::SlaConfiguration;

table! {
    entity: SlaConfiguration,
    table: "sla_configuration",
    columns: [
        name,
        description,
        critical,
        high,
        medium,
        low,
        enforce_critical,
        enforce_high,
        enforce_medium,
        enforce_low,
        restart_sla_on_reactivation,
        async_updating,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub(crate) delete_row,
}

use crate::{Conn, StorageError, StorageResult};

/// Deletes a configuration; the default (id 1) never, and none that a product uses
/// (the foreign key refuses with `InUse`).
pub async fn delete(conn: &mut Conn, id: i64) -> StorageResult<()> {
    if id == 1 {
        return Err(StorageError::Refused(
            "the default SLA configuration cannot be deleted".into(),
        ));
    }
    delete_row(conn, id).await
}

/// Which findings [`recompute_expirations`] touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaScope {
    /// Every product that uses this configuration.
    Configuration(i64),
    /// One product.
    Product(i64),
}

/// Recomputes `sla_expiration_date` of the findings in `scope` whose severity
/// is one of `severities`, from their product's configuration, in one
/// statement: start (`sla_start_date`, else `date`) plus the severity's days
/// when that severity is enforced, otherwise none (workflows.md §e). Returns
/// the number of findings written.
pub async fn recompute_expirations(
    conn: &mut Conn,
    scope: SlaScope,
    severities: &[dojo_domain::Severity],
) -> StorageResult<u64> {
    if severities.is_empty() {
        return Ok(0);
    }
    // Adding days to a date is the one thing the two dialects spell differently.
    let add = |days: &str| match conn.backend() {
        crate::Backend::Postgres => {
            format!("COALESCE(finding.sla_start_date, finding.date) + CAST(s.{days} AS INTEGER)")
        }
        crate::Backend::Sqlite => format!(
            "date(COALESCE(finding.sla_start_date, finding.date), '+' || s.{days} || ' days')"
        ),
    };
    let cases: Vec<String> = ["critical", "high", "medium", "low"]
        .iter()
        .zip(["Critical", "High", "Medium", "Low"])
        .map(|(days, severity)| {
            format!(
                "WHEN '{severity}' THEN CASE WHEN s.enforce_{days} THEN {} END",
                add(days)
            )
        })
        .collect();
    let (id, products) = match scope {
        SlaScope::Configuration(id) => (
            id,
            "finding.product_id IN (SELECT id FROM product WHERE sla_configuration_id = $1)",
        ),
        SlaScope::Product(id) => (id, "finding.product_id = $1"),
    };
    let mut params: Vec<crate::bulk::Param> = vec![id.into()];
    let mut wanted = Vec::new();
    for severity in severities {
        params.push(severity.as_str().into());
        wanted.push(format!("${}", params.len()));
    }
    let sql = format!(
        "UPDATE finding SET sla_expiration_date = (\
           SELECT CASE finding.severity {} END \
           FROM product p JOIN sla_configuration s ON s.id = p.sla_configuration_id \
           WHERE p.id = finding.product_id) \
         WHERE {products} AND finding.severity IN ({})",
        cases.join(" "),
        wanted.join(", ")
    );
    crate::bulk::execute(conn, &sql, &params).await
}
