//! Requirements of a benchmark category.

use dojo_domain::entities::BenchmarkRequirement;

table! {
    entity: BenchmarkRequirement,
    table: "benchmark_requirement",
    columns: [
        category_id,
        objective_number,
        objective,
        refs,
        level_1,
        level_2,
        level_3,
        enabled,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
