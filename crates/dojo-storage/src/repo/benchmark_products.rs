//! Products' results per benchmark requirement.

use dojo_domain::entities::BenchmarkProduct;

table! {
    entity: BenchmarkProduct,
    table: "benchmark_product",
    columns: [
        product_id,
        control_id,
        pass_fail,
        enabled,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
