//! Engagement presets of a product.

use dojo_domain::entities::EngagementPresets;

table! {
    entity: EngagementPresets,
    table: "engagement_presets",
    columns: [
        title,
        notes,
        scope,
        product_id,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
