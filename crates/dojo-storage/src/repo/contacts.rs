//! Contacts, who can request engagements.

use dojo_domain::entities::Contact;

table! {
    entity: Contact,
    table: "contact",
    columns: [
        name,
        email,
        team,
        is_admin,
        is_globally_read_only,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
