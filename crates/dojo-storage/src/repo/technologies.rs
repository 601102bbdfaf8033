//! Technologies found in a product.

use dojo_domain::entities::AppAnalysis;

table! {
    entity: AppAnalysis,
    table: "app_analysis",
    columns: [
        product_id,
        name,
        user_id,
        confidence,
        version,
        icon,
        website,
        website_found,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
