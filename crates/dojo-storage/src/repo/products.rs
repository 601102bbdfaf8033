//! Products ("Assets").

use dojo_domain::entities::Product;

table! {
    entity: Product,
    table: "product",
    columns: [
        name,
        description,
        prod_type_id,
        sla_configuration_id,
        product_manager_id,
        technical_contact_id,
        team_manager_id,
        business_criticality,
        platform,
        lifecycle,
        origin,
        user_records,
        revenue_cents,
        external_audience,
        internet_accessible,
        enable_product_tag_inheritance,
        enable_simple_risk_acceptance,
        enable_full_risk_acceptance,
        disable_sla_breach_notifications,
        prod_numeric_grade,
        tid,
        async_updating,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub(crate) delete_row,
}
