//! SCM, build and orchestration servers.

use dojo_domain::entities::CicdInfrastructure;

table! {
    entity: CicdInfrastructure,
    table: "cicd_infrastructure",
    columns: [
        name,
        description,
        url,
        infrastructure_type,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
