//! Benchmark catalogues (OWASP ASVS …).

use dojo_domain::entities::BenchmarkType;

table! {
    entity: BenchmarkType,
    table: "benchmark_type",
    columns: [
        name,
        version,
        benchmark_source,
        enabled,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub delete,
}
