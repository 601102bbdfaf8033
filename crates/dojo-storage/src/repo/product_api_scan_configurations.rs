//! A product's API-scan configurations.

use dojo_domain::entities::ProductApiScanConfiguration;

table! {
    entity: ProductApiScanConfiguration,
    table: "product_api_scan_configuration",
    columns: [
        product_id,
        tool_configuration_id,
        service_key_1,
        service_key_2,
        service_key_3,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
