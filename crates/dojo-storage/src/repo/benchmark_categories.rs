//! Categories of a benchmark.

use dojo_domain::entities::BenchmarkCategory;

table! {
    entity: BenchmarkCategory,
    table: "benchmark_category",
    columns: [
        type_id,
        name,
        objective,
        refs,
        enabled,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
