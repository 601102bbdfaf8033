//! Risk acceptances.

use dojo_domain::entities::RiskAcceptance;

table! {
    entity: RiskAcceptance,
    table: "risk_acceptance",
    columns: [
        name,
        recommendation,
        recommendation_details,
        decision,
        decision_details,
        accepted_by,
        path,
        owner_id,
        expiration_date,
        expiration_date_warned,
        expiration_date_handled,
        reactivate_expired,
        restart_sla_expired,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
