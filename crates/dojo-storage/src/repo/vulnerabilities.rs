//! The global registry of vulnerability ids.

use dojo_domain::entities::Vulnerability;

table! {
    entity: Vulnerability,
    table: "vulnerability",
    columns: [
        vulnerability_id,
        vulnerability_id_type,
        epss_score,
        epss_percentile,
        known_exploited,
        ransomware_used,
        kev_date,
        kev_due_date,
        enrichment_updated,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
