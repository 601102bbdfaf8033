//! Products' benchmark scores per catalogue.

use dojo_domain::entities::BenchmarkProductSummary;

table! {
    entity: BenchmarkProductSummary,
    table: "benchmark_product_summary",
    columns: [
        product_id,
        benchmark_type_id,
        desired_level,
        current_level,
        asvs_level_1_benchmark,
        asvs_level_1_score,
        asvs_level_2_benchmark,
        asvs_level_2_score,
        asvs_level_3_benchmark,
        asvs_level_3_score,
        publish,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
