//! The RBAC matrix (issue 5): every action the API serves, called by every kind
//! of caller, gives exactly the outcome rbac.md and api.md allow.
//!
//! The expectations are derived here, not copied from the server. Each action
//! in [`actions`] names the capability it needs, the object whose roles decide,
//! and what a caller who cannot see that object gets: 404 (api.md §1.8), or 403
//! where DefectDojo decides before looking the object up (the parent of a
//! create, the target of an import). [`expected`] turns that into a status per
//! subject with two tables transcribed from the spec:
//!
//! * [`CHART`], rbac.md §8.2 (the built-in role chart): which role has which
//!   capability. §8.1's flattened action sets cannot serve here: Reader's "add"
//!   there is only adding notes and Writer's "delete" only deleting finding
//!   groups and notes, so they would let a Writer delete findings, which §8.2
//!   (and DefectDojo's role table) refuse.
//! * [`roles_on`], rbac.md §8.2's rules: a user's roles on an object are the
//!   union of the direct product role, the product-type role, group roles and
//!   the global role; a product role does not reach the product type;
//!   superusers pass everything. Seeing an object is holding any role on it.
//!
//! The fixture is built once per database: product type PT with product P
//! (engagement, test, finding with a note, an import record) and QT with Q (the
//! same). Actions that destroy or consume something get a fresh object per
//! case, with the subject's memberships repeated on it where the object is a
//! product or product type, so the order of the cases does not matter.
//! Every mismatch is collected and the test fails once with the whole list.

use std::fmt;
use std::time::Instant;

use axum::http::Request;
use axum::Router;
use chrono::Utc;
use dojo_domain::entities::{
    Endpoint, EndpointStatus, Engagement, GlobalRole, Group, GroupMember, Note, Product,
    ProductGroup, ProductMember, ProductType, ProductTypeGroup, ProductTypeMember, TestType, User,
};
use dojo_domain::Role;
use dojo_storage::links::{self, Link};
use dojo_storage::repo::{
    endpoint_statuses, endpoints, engagements, findings, global_roles, group_members, groups,
    notes, product_groups, product_members, product_type_groups, product_type_members,
    product_types, products, test_imports, test_types, tests, users,
};
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{bulk, db_test, Conn, Db};
use serde_json::{json, Value};

use crate::import::generic;
use crate::support::{call, state, Form};

// ---------------------------------------------------------------------------
// The spec, transcribed.

/// What an action needs: the rows of rbac.md §8.2's chart (plus one it lacks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cap {
    View,
    AddProduct,
    EditProduct,
    DeleteProduct,
    AddEditEngagement,
    DeleteEngagement,
    AddTest,
    EditTest,
    DeleteTest,
    AddEditFinding,
    DeleteFinding,
    Import,
    AddNote,
    ManageMembers,
    GrantOwner,
    DeleteGroup,
    AddEditEndpoint,
    DeleteEndpoint,
    RiskAcceptance,
}

const Y: bool = true;
const N: bool = false;

/// rbac.md §8.2, columns in the chart's order: Reader, Writer, Maintainer,
/// Owner, API Importer.
#[rustfmt::skip]
const CHART: &[(Cap, [bool; 5])] = &[
    // "View assigned product/type and everything below"
    (Cap::View,              [Y, Y, Y, Y, Y]),
    // "Add products in an assigned type"
    (Cap::AddProduct,        [N, N, Y, Y, N]),
    // "Delete assigned products / types"
    (Cap::DeleteProduct,     [N, N, N, Y, N]),
    // "Add/edit engagements" (close and reopen are edits, rbac.md §7)
    (Cap::AddEditEngagement, [N, Y, Y, Y, Y]),
    // "Delete engagements"
    (Cap::DeleteEngagement,  [N, N, Y, Y, N]),
    // "Add tests"
    (Cap::AddTest,           [N, Y, Y, Y, N]),
    // "Edit tests"
    (Cap::EditTest,          [N, Y, Y, Y, Y]),
    // "Delete tests" (also an import record: DefectDojo's Test_Delete on its test)
    (Cap::DeleteTest,        [N, N, Y, Y, N]),
    // "Add / edit findings" (tags and notes removal are edits, api.md §4.4)
    (Cap::AddEditFinding,    [N, Y, Y, Y, N]),
    // "Delete findings"
    (Cap::DeleteFinding,     [N, N, Y, Y, N]),
    // "Import / reimport scans"
    (Cap::Import,            [N, Y, Y, Y, Y]),
    // "Add/edit/delete own notes" (the API adds a note with view, api.md §4.4)
    (Cap::AddNote,           [Y, Y, Y, Y, Y]),
    // Not a row of the chart: DefectDojo's role table gives Product_Edit and
    // Product_Type_Edit to Maintainer and Owner.
    (Cap::EditProduct,       [N, N, Y, Y, N]),
    // "Add/edit members (non-owner roles)"; in a group, rbac.md §8.2's group
    // configuration roles: Maintainer edits the group and its members.
    (Cap::ManageMembers,     [N, N, Y, Y, N]),
    // "Grant Owner role"
    (Cap::GrantOwner,        [N, N, N, Y, N]),
    // Group configuration roles: Owner deletes the group.
    (Cap::DeleteGroup,       [N, N, N, Y, N]),
    // "Add/edit endpoints; edit benchmarks"
    (Cap::AddEditEndpoint,   [N, Y, Y, Y, N]),
    // "Delete endpoints / benchmarks"
    (Cap::DeleteEndpoint,    [N, N, Y, Y, N]),
    // "View / add / edit risk acceptances"
    (Cap::RiskAcceptance,    [N, Y, Y, Y, N]),
];

fn column(role: Role) -> usize {
    match role {
        Role::Reader => 0,
        Role::Writer => 1,
        Role::Maintainer => 2,
        Role::Owner => 3,
        Role::ApiImporter => 4,
    }
}

fn any_role_has(roles: &[Role], cap: Cap) -> bool {
    let row = CHART
        .iter()
        .find(|(c, _)| *c == cap)
        .map(|(_, row)| *row)
        .unwrap_or_else(|| panic!("{cap:?} is not in CHART"));
    roles.iter().any(|role| row[column(*role)])
}

/// The objects whose roles decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Product type PT.
    Pt,
    /// Product P, in PT, and everything in it.
    P,
    /// Product type QT.
    Qt,
    /// Product Q, in QT, and everything in it.
    Q,
    /// A group no subject is a member of: only global roles reach it.
    G,
}

/// One way a subject holds a role.
#[derive(Clone, Copy, Debug)]
enum Grant {
    /// A membership of product P.
    OnProduct(Role),
    /// A membership of product type PT.
    OnProductType(Role),
    /// Membership of a group that holds the role on P (`product_group`).
    GroupOnProduct(Role),
    /// Membership of a group that holds the role on PT (`product_type_group`).
    GroupOnProductType(Role),
    /// A membership of the other product, Q.
    OnOtherProduct(Role),
    /// A global role.
    Global(Role),
}

/// rbac.md §8.2: roles add up; product-type roles reach the type's products,
/// product roles do not reach the product type; global roles reach everything.
fn roles_on(grants: &[Grant], scope: Scope) -> Vec<Role> {
    grants
        .iter()
        .filter_map(|grant| match (*grant, scope) {
            (Grant::Global(role), _) => Some(role),
            (Grant::OnProduct(role) | Grant::GroupOnProduct(role), Scope::P) => Some(role),
            (
                Grant::OnProductType(role) | Grant::GroupOnProductType(role),
                Scope::P | Scope::Pt,
            ) => Some(role),
            (Grant::OnOtherProduct(role), Scope::Q) => Some(role),
            _ => None,
        })
        .collect()
}

/// Who calls.
#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Superuser,
    User(&'static [Grant]),
}

use Grant::*;

const SUBJECTS: &[(&str, Who)] = &[
    ("anonymous", Who::Anonymous),
    ("superuser", Who::Superuser),
    ("no memberships", Who::User(&[])),
    ("Owner of Q only", Who::User(&[OnOtherProduct(Role::Owner)])),
    ("P Reader", Who::User(&[OnProduct(Role::Reader)])),
    ("P API_Importer", Who::User(&[OnProduct(Role::ApiImporter)])),
    ("P Writer", Who::User(&[OnProduct(Role::Writer)])),
    ("P Maintainer", Who::User(&[OnProduct(Role::Maintainer)])),
    ("P Owner", Who::User(&[OnProduct(Role::Owner)])),
    ("PT Reader", Who::User(&[OnProductType(Role::Reader)])),
    (
        "PT API_Importer",
        Who::User(&[OnProductType(Role::ApiImporter)]),
    ),
    ("PT Writer", Who::User(&[OnProductType(Role::Writer)])),
    (
        "PT Maintainer",
        Who::User(&[OnProductType(Role::Maintainer)]),
    ),
    ("PT Owner", Who::User(&[OnProductType(Role::Owner)])),
    (
        "group Writer on P",
        Who::User(&[GroupOnProduct(Role::Writer)]),
    ),
    (
        "group Owner on PT",
        Who::User(&[GroupOnProductType(Role::Owner)]),
    ),
    (
        "PT Reader + P Owner",
        Who::User(&[OnProductType(Role::Reader), OnProduct(Role::Owner)]),
    ),
    (
        "P Reader + group API_Importer on P",
        Who::User(&[OnProduct(Role::Reader), GroupOnProduct(Role::ApiImporter)]),
    ),
    ("global Reader", Who::User(&[Global(Role::Reader)])),
    ("global Maintainer", Who::User(&[Global(Role::Maintainer)])),
];

/// How an action's outcome follows from the caller's roles.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// A listing filtered to P's object and Q's object (of these scopes): it
    /// shows the ones the caller may see.
    List(Scope, Scope),
    /// A listing that shows P's and Q's object only to callers holding `Cap`
    /// on them (risk acceptances: DefectDojo lists what the caller may edit).
    ListWith(Scope, Scope, Cap),
    /// An action on an object of `scope` that is looked up among those the
    /// caller holds `cap` on: `ok`, else 404 (seeing it is not enough).
    Holding { scope: Scope, cap: Cap, ok: u16 },
    /// An action on (or under) an object of `scope` needing `cap`: `ok`; 403
    /// when the caller sees the object without the capability; `hidden` when
    /// they do not see it.
    On {
        scope: Scope,
        cap: Cap,
        ok: u16,
        hidden: u16,
    },
    /// Creating a product type: superusers and global Maintainers and Owners
    /// (rbac.md §8.1, global-role extras).
    AddProductType,
    /// Superusers get this status; every other user 403.
    Superuser(u16),
    /// Every authenticated user gets this status.
    Anyone(u16),
}

/// An outcome: a status, or what a listing showed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Status(u16),
    /// Which of P's and Q's object the listing showed, and its `count`.
    Listed(Vec<&'static str>, i64),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(status) => write!(f, "{status}"),
            Outcome::Listed(shown, count) => write!(f, "200 listing {shown:?} (count {count})"),
        }
    }
}

fn listed(shown: Vec<&'static str>) -> Outcome {
    let count = i64::try_from(shown.len()).unwrap_or(i64::MAX);
    Outcome::Listed(shown, count)
}

/// What the spec says `who` gets from an action following `rule`.
fn expected(who: Who, rule: Rule) -> Outcome {
    let grants = match who {
        // Missing credentials: 403, never 401 (api.md §1.2).
        Who::Anonymous => return Outcome::Status(403),
        Who::Superuser => {
            return match rule {
                Rule::List(..) | Rule::ListWith(..) => listed(vec!["P", "Q"]),
                Rule::On { ok, .. }
                | Rule::Holding { ok, .. }
                | Rule::Superuser(ok)
                | Rule::Anyone(ok) => Outcome::Status(ok),
                Rule::AddProductType => Outcome::Status(201),
            }
        }
        Who::User(grants) => grants,
    };
    match rule {
        Rule::List(mine, theirs) => {
            let mut shown = Vec::new();
            if !roles_on(grants, mine).is_empty() {
                shown.push("P");
            }
            if !roles_on(grants, theirs).is_empty() {
                shown.push("Q");
            }
            listed(shown)
        }
        Rule::ListWith(mine, theirs, cap) => {
            let mut shown = Vec::new();
            if any_role_has(&roles_on(grants, mine), cap) {
                shown.push("P");
            }
            if any_role_has(&roles_on(grants, theirs), cap) {
                shown.push("Q");
            }
            listed(shown)
        }
        Rule::Holding { scope, cap, ok } => {
            let roles = roles_on(grants, scope);
            Outcome::Status(if any_role_has(&roles, cap) { ok } else { 404 })
        }
        Rule::On {
            scope,
            cap,
            ok,
            hidden,
        } => {
            let roles = roles_on(grants, scope);
            Outcome::Status(if roles.is_empty() {
                hidden
            } else if any_role_has(&roles, cap) {
                ok
            } else {
                403
            })
        }
        Rule::AddProductType => {
            let global = grants
                .iter()
                .any(|g| matches!(g, Global(Role::Maintainer | Role::Owner)));
            Outcome::Status(if global { 201 } else { 403 })
        }
        Rule::Superuser(_) => Outcome::Status(403),
        Rule::Anyone(status) => Outcome::Status(status),
    }
}

/// Server behaviours that contradict the spec and are too large to fix here:
/// (action, subject or "*"). The matrix still expects the correct outcome;
/// a listed case that mismatches is tolerated, one that matches fails the test
/// (remove it from the list).
const KNOWN_GAPS: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------
// The actions.

/// The fixture's ids.
#[derive(Debug, Clone, Copy)]
struct Ids {
    pt: i64,
    p: i64,
    e: i64,
    t: i64,
    f: i64,
    ti: i64,
    /// A test of P that reimports go into.
    rt: i64,
    qt: i64,
    q: i64,
    qe: i64,
    qtest: i64,
    qf: i64,
    qti: i64,
    /// A test type of no product.
    tt: i64,
    /// A note of P's finding.
    note: i64,
    /// Users, groups and memberships.
    m: Members,
    /// An endpoint of P (with a status of P's finding) and of Q.
    ep: i64,
    qep: i64,
    /// The statuses of P's and Q's finding on those endpoints.
    es: i64,
    qes: i64,
    /// A technology of P and of Q.
    tech: i64,
    qtech: i64,
    /// The superuser, author of the note and user of the technologies.
    note_author: i64,
    /// A custom field of P and of Q.
    meta: i64,
    qmeta: i64,
    /// A risk acceptance of P's engagement (holding no finding) and of Q's.
    ra: i64,
    qra: i64,
    /// Files uploaded to P's finding, test and engagement.
    ffile: i64,
    tfile: i64,
    efile: i64,
}

/// One case: its number (for unique names) and its fresh object, if any.
#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    fresh: i64,
}

type JsonBody = fn(&Ids, Case) -> Value;
type FormBody = fn(&Ids, Case) -> Form;

#[derive(Clone, Copy)]
enum Payload {
    None,
    Json(JsonBody),
    Multipart(FormBody),
}

/// A fresh object made for each case, as `{fresh}` in the path and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fresh {
    No,
    /// A product type holding a product, with the subject's memberships on both.
    ProductType,
    /// A product in PT, with the subject's product memberships on it.
    Product,
    Engagement,
    Test,
    Finding,
    TestImport,
    /// The tag `rm-{n}` on P's finding.
    FindingTag,
    /// A note of P's finding written by the subject.
    OwnNote,
    /// A user of no product.
    User,
    /// A user's contact information.
    ContactInfo,
    /// A Reader membership of P for a new user.
    ProductMember,
    /// A Reader membership of PT for a new user.
    ProductTypeMember,
    /// A group with no roles.
    Group,
    /// A new group's Reader role on P.
    ProductGroup,
    /// A new group's Reader role on PT.
    ProductTypeGroup,
    /// A new user's Reader membership of the fixture group.
    GroupMember,
    /// A new user's global Reader role.
    GlobalRole,
    /// Rows inserted by these statements (`{n}` is the case number, the
    /// [`Ids`] placeholders are filled), each returning its id; the last one's.
    Row(&'static [&'static str]),
}

const FRESH_SLA: &[&str] =
    &["INSERT INTO sla_configuration (name) VALUES ('Fresh SLA {n}') RETURNING id"];
const FRESH_NOTE_TYPE: &[&str] =
    &["INSERT INTO note_type (name, description) VALUES ('Fresh type {n}', 'd') RETURNING id"];
const FRESH_REGULATION: &[&str] = &[
    "INSERT INTO regulation (name, acronym, category, jurisdiction) \
     VALUES ('Fresh law {n}', 'FL{n}', 'other', 'Here') RETURNING id",
];
const FRESH_NOTIFICATIONS: &[&str] =
    &["INSERT INTO notifications (template) VALUES (FALSE) RETURNING id"];
const FRESH_WEBHOOK: &[&str] = &["INSERT INTO notification_webhooks (name, url) \
     VALUES ('Fresh hook {n}', 'http://127.0.0.1:9/hook') RETURNING id"];
const FRESH_ENVIRONMENT: &[&str] =
    &["INSERT INTO development_environment (name) VALUES ('Fresh env {n}') RETURNING id"];
const FRESH_TEMPLATE: &[&str] =
    &["INSERT INTO finding_template (title) VALUES ('Fresh template {n}') RETURNING id"];
const FRESH_TECHNOLOGY: &[&str] = &["INSERT INTO app_analysis (product_id, name, user_id, created) \
     VALUES ({p}, 'fresh{n}', (SELECT MIN(id) FROM dojo_user), '2026-01-01 00:00:00+00:00') RETURNING id"];
const FRESH_META: &[&str] = &[
    "INSERT INTO dojo_meta (product_id, name, value) VALUES ({p}, 'fresh{n}', 'v') RETURNING id",
];
const FRESH_ENDPOINT: &[&str] =
    &["INSERT INTO endpoint (host, product_id) VALUES ('fresh{n}.example.com', {p}) RETURNING id"];
/// A risk acceptance of P's engagement holding a new finding of P.
const FRESH_RISK_ACCEPTANCE: &[&str] = &[
    "INSERT INTO risk_acceptance (name, owner_id, created, updated) \
     VALUES ('Fresh acceptance {n}', (SELECT MIN(id) FROM dojo_user), '2026-01-01 00:00:00+00:00', \
     '2026-01-01 00:00:00+00:00') RETURNING id",
    "INSERT INTO engagement_risk_acceptance (engagement_id, risk_acceptance_id) \
     VALUES ({e}, (SELECT MAX(id) FROM risk_acceptance)) RETURNING risk_acceptance_id",
];
/// A status of P's finding on a new endpoint of P.
const FRESH_STATUS: &[&str] = &[
    "INSERT INTO endpoint (host, product_id) VALUES ('fresh{n}.example.com', {p}) RETURNING id",
    "INSERT INTO endpoint_status (date, endpoint_id, finding_id) \
     VALUES ('2026-01-01', (SELECT MAX(id) FROM endpoint), {f}) RETURNING id",
];

struct Action {
    method: &'static str,
    /// With `{name}` for the fields of [`Ids`] and `{fresh}`.
    path: &'static str,
    /// What the row is, when the method and path do not say it.
    what: &'static str,
    payload: Payload,
    fresh: Fresh,
    rule: Rule,
}

impl Action {
    fn name(&self) -> String {
        let mut name = format!(
            "{} {}",
            self.method,
            self.path.trim_start_matches("/api/v2")
        );
        if !self.what.is_empty() {
            name.push_str(&format!(" ({})", self.what));
        }
        name
    }
}

fn on(scope: Scope, cap: Cap, ok: u16, hidden: u16) -> Rule {
    Rule::On {
        scope,
        cap,
        ok,
        hidden,
    }
}

fn new_engagement(product: i64, name: &str) -> Value {
    json!({
        "name": name,
        "product": product,
        "target_start": "2026-11-01",
        "target_end": "2999-12-31",
        "engagement_type": "CI/CD",
        "status": "In Progress",
    })
}

fn new_test(ids: &Ids, title: &str) -> Value {
    json!({
        "title": title,
        "engagement": ids.e,
        "test_type": ids.tt,
        "target_start": "2026-11-01T00:00:00",
        "target_end": "2999-12-31T00:00:00",
    })
}

/// A finding body good for create (and for PUT, which ignores `test`).
fn new_finding(ids: &Ids, title: &str) -> Value {
    json!({
        "test": ids.t,
        "found_by": [ids.tt],
        "title": title,
        "severity": "High",
        "numerical_severity": "S1",
        "description": "Written by the RBAC matrix.",
        "active": true,
        "verified": false,
    })
}

/// A file upload titled `title`.
fn file_form(title: String) -> Form {
    Form::new()
        .text("title", &title)
        .file("file", "evidence.txt", b"matrix evidence")
}

fn report_form(target: &str, id: i64) -> Form {
    Form::new()
        .text("scan_type", "Generic Findings Import")
        .text(target, &id.to_string())
        .file("file", "report.json", &generic(&[("Matrix", "High")]))
}

/// The one table: every action the server serves. `on(scope, capability, ok,
/// hidden)`: see [`Rule::On`].
#[rustfmt::skip]
fn actions() -> Vec<Action> {
    use Cap::*;
    use Fresh as F;
    use Payload::{Json, Multipart};
    use Scope::{Pt, Qt, P, Q};
    let a = |method, path, payload, fresh, rule| Action { method, path, what: "", payload, fresh, rule };
    let none = Payload::None;
    vec![
        // Product types.
        a("GET",    "/api/v2/product_types/?id={pt},{qt}", none, F::No, Rule::List(Pt, Qt)),
        a("GET",    "/api/v2/product_types/{pt}/", none, F::No, on(Pt, View, 200, 404)),
        a("POST",   "/api/v2/product_types/", Json(|_, c| json!({"name": format!("New type {}", c.n)})), F::No, Rule::AddProductType),
        a("PUT",    "/api/v2/product_types/{pt}/", Json(|_, _| json!({"name": "PT", "description": "put"})), F::No, on(Pt, EditProduct, 200, 404)),
        a("PATCH",  "/api/v2/product_types/{pt}/", Json(|_, _| json!({"description": "patched"})), F::No, on(Pt, EditProduct, 200, 404)),
        a("DELETE", "/api/v2/product_types/{fresh}/", none, F::ProductType, on(Pt, DeleteProduct, 204, 404)),
        a("GET",    "/api/v2/product_types/{pt}/delete_preview/", none, F::No, on(Pt, View, 200, 404)),
        // Products. A create's parent is checked on the unfiltered table: 403, not 404.
        a("GET",    "/api/v2/products/?id={p},{q}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/products/{p}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/products/", Json(|ids, c| json!({"name": format!("New product {}", c.n), "description": "d", "prod_type": ids.pt})), F::No, on(Pt, AddProduct, 201, 403)),
        a("PUT",    "/api/v2/products/{p}/", Json(|ids, _| json!({"name": "P", "description": "put", "prod_type": ids.pt})), F::No, on(P, EditProduct, 200, 404)),
        a("PATCH",  "/api/v2/products/{p}/", Json(|_, _| json!({"description": "patched"})), F::No, on(P, EditProduct, 200, 404)),
        a("DELETE", "/api/v2/products/{fresh}/", none, F::Product, on(P, DeleteProduct, 204, 404)),
        a("GET",    "/api/v2/products/{p}/delete_preview/", none, F::No, on(P, View, 200, 404)),
        // Engagements. A missing or unknown parent is answered before any role.
        a("GET",    "/api/v2/engagements/?id={e},{qe}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/engagements/{e}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/engagements/", Json(|ids, c| new_engagement(ids.p, &format!("New {}", c.n))), F::No, on(P, AddEditEngagement, 201, 403)),
        Action { what: "no product", ..a("POST", "/api/v2/engagements/", Json(|_, _| json!({"name": "x", "target_start": "2026-11-01", "target_end": "2026-11-02"})), F::No, Rule::Anyone(400)) },
        Action { what: "unknown product", ..a("POST", "/api/v2/engagements/", Json(|_, c| new_engagement(987_654, &format!("Nowhere {}", c.n))), F::No, Rule::Anyone(404)) },
        a("PUT",    "/api/v2/engagements/{e}/", Json(|ids, _| new_engagement(ids.p, "E")), F::No, on(P, AddEditEngagement, 200, 404)),
        a("PATCH",  "/api/v2/engagements/{e}/", Json(|_, _| json!({"version": "2"})), F::No, on(P, AddEditEngagement, 200, 404)),
        a("POST",   "/api/v2/engagements/{e}/close/", none, F::No, on(P, AddEditEngagement, 200, 404)),
        a("POST",   "/api/v2/engagements/{e}/reopen/", Json(|_, _| json!({})), F::No, on(P, AddEditEngagement, 200, 404)),
        a("DELETE", "/api/v2/engagements/{fresh}/", none, F::Engagement, on(P, DeleteEngagement, 204, 404)),
        a("GET",    "/api/v2/engagements/{e}/delete_preview/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/api/v2/engagements/{e}/notes/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/engagements/{e}/notes/", Json(|_, c| json!({"entry": format!("Engagement note {}", c.n)})), F::No, on(P, AddNote, 201, 404)),
        // Files: seen with the object, added with its edit permission.
        a("GET",    "/api/v2/engagements/{e}/files/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/engagements/{e}/files/", Multipart(|_, c| file_form(format!("Engagement file {}", c.n))), F::No, on(P, AddEditEngagement, 201, 404)),
        a("GET",    "/api/v2/engagements/{e}/files/download/{efile}/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/access_file/{efile}/{e}/Engagement", none, F::No, on(P, View, 200, 404)),
        // Tests.
        a("GET",    "/api/v2/tests/?id={t},{qtest}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/tests/{t}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/tests/", Json(|ids, c| new_test(ids, &format!("New {}", c.n))), F::No, on(P, AddTest, 201, 403)),
        a("PUT",    "/api/v2/tests/{t}/", Json(|ids, _| new_test(ids, "T")), F::No, on(P, EditTest, 200, 404)),
        a("PATCH",  "/api/v2/tests/{t}/", Json(|_, _| json!({"version": "2"})), F::No, on(P, EditTest, 200, 404)),
        a("DELETE", "/api/v2/tests/{fresh}/", none, F::Test, on(P, DeleteTest, 204, 404)),
        a("GET",    "/api/v2/tests/{t}/delete_preview/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/api/v2/tests/{t}/notes/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/tests/{t}/notes/", Json(|_, c| json!({"entry": format!("Test note {}", c.n)})), F::No, on(P, AddNote, 201, 404)),
        a("GET",    "/api/v2/tests/{t}/files/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/tests/{t}/files/", Multipart(|_, c| file_form(format!("Test file {}", c.n))), F::No, on(P, EditTest, 201, 404)),
        a("GET",    "/api/v2/tests/{t}/files/download/{tfile}/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/access_file/{tfile}/{t}/Test", none, F::No, on(P, View, 200, 404)),
        // Findings. A create's parent test is checked on the unfiltered table: 403, not 404.
        a("GET",    "/api/v2/findings/?id={f},{qf}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/findings/{f}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/findings/", Json(|ids, c| new_finding(ids, &format!("New finding {}", c.n))), F::No, on(P, AddEditFinding, 201, 403)),
        a("PUT",    "/api/v2/findings/{f}/", Json(|ids, _| new_finding(ids, "Matrix")), F::No, on(P, AddEditFinding, 200, 404)),
        a("PATCH",  "/api/v2/findings/{f}/", Json(|_, _| json!({"mitigation": "patched"})), F::No, on(P, AddEditFinding, 200, 404)),
        a("GET",    "/api/v2/findings/{f}/delete_preview/", none, F::No, on(P, View, 200, 404)),
        a("DELETE", "/api/v2/findings/{fresh}/", none, F::Finding, on(P, DeleteFinding, 204, 404)),
        a("POST",   "/api/v2/findings/{fresh}/close/", Json(|_, _| json!({"note": "closed"})), F::Finding, on(P, AddEditFinding, 200, 404)),
        a("POST",   "/api/v2/findings/{f}/verify/", none, F::No, on(P, AddEditFinding, 200, 404)),
        a("GET",    "/api/v2/findings/{f}/duplicate/", none, F::No, on(P, View, 200, 404)),
        // P's finding is no duplicate: an editor is refused by the action, not the role.
        a("POST",   "/api/v2/findings/{f}/duplicate/reset/", none, F::No, on(P, AddEditFinding, 400, 404)),
        a("POST",   "/api/v2/findings/{f}/original/{f}/", none, F::No, on(P, AddEditFinding, 400, 404)),
        a("GET",    "/api/v2/findings/{f}/request_response/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/findings/{f}/request_response/", Json(|_, _| json!({"req_resp": [{"request": "GET /", "response": "200"}]})), F::No, on(P, AddEditFinding, 200, 404)),
        a("GET",    "/api/v2/findings/{f}/tags/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/findings/{f}/tags/", Json(|_, _| json!({"tags": ["matrix"]})), F::No, on(P, AddEditFinding, 200, 404)),
        a("PUT",    "/api/v2/findings/{f}/remove_tags/", Json(|_, c| json!({"tags": [format!("rm-{}", c.n)]})), F::FindingTag, on(P, AddEditFinding, 204, 404)),
        a("PATCH",  "/api/v2/findings/{f}/remove_tags/", Json(|_, c| json!({"tags": [format!("rm-{}", c.n)]})), F::FindingTag, on(P, AddEditFinding, 204, 404)),
        Action { what: "own note", ..a("PATCH", "/api/v2/findings/{f}/remove_note/", Json(|_, c| json!({"note_id": c.fresh})), F::OwnNote, on(P, AddEditFinding, 204, 404)) },
        a("GET",    "/api/v2/findings/{f}/notes/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/findings/{f}/notes/", Json(|_, c| json!({"entry": format!("Finding note {}", c.n)})), F::No, on(P, AddNote, 201, 404)),
        a("GET",    "/api/v2/findings/{f}/files/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/findings/{f}/files/", Multipart(|_, c| file_form(format!("Finding file {}", c.n))), F::No, on(P, AddEditFinding, 201, 404)),
        a("GET",    "/api/v2/findings/{f}/files/download/{ffile}/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/access_file/{ffile}/{f}/Finding", none, F::No, on(P, View, 200, 404)),
        // Import records.
        a("GET",    "/api/v2/test_imports/?id={ti},{qti}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/test_imports/{ti}/", none, F::No, on(P, View, 200, 404)),
        a("DELETE", "/api/v2/test_imports/{fresh}/", none, F::TestImport, on(P, DeleteTest, 204, 404)),
        // Configuration, endpoints and metadata.
        // SLA configurations and note types: configuration permissions, also to read.
        a("GET",    "/api/v2/sla_configurations/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/sla_configurations/1/", none, F::No, Rule::Superuser(200)),
        a("POST",   "/api/v2/sla_configurations/", Json(|_, c| json!({"name": format!("Matrix SLA {}", c.n)})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/sla_configurations/{fresh}/", Json(|_, c| json!({"name": format!("Put SLA {}", c.n), "high": 20})), F::Row(FRESH_SLA), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/sla_configurations/{fresh}/", Json(|_, _| json!({"description": "patched"})), F::Row(FRESH_SLA), Rule::Superuser(200)),
        a("DELETE", "/api/v2/sla_configurations/{fresh}/", none, F::Row(FRESH_SLA), Rule::Superuser(204)),
        a("GET",    "/api/v2/note_type/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/note_type/{fresh}/", none, F::Row(FRESH_NOTE_TYPE), Rule::Superuser(200)),
        a("POST",   "/api/v2/note_type/", Json(|_, c| json!({"name": format!("Matrix type {}", c.n), "description": "d"})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/note_type/{fresh}/", Json(|_, c| json!({"name": format!("Put type {}", c.n), "description": "put"})), F::Row(FRESH_NOTE_TYPE), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/note_type/{fresh}/", Json(|_, _| json!({"is_single": true})), F::Row(FRESH_NOTE_TYPE), Rule::Superuser(200)),
        a("DELETE", "/api/v2/note_type/{fresh}/", none, F::Row(FRESH_NOTE_TYPE), Rule::Superuser(204)),
        a("GET",    "/api/v2/finding_templates/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/finding_templates/{fresh}/", none, F::Row(FRESH_TEMPLATE), Rule::Superuser(200)),
        a("POST",   "/api/v2/finding_templates/", Json(|_, c| json!({"title": format!("Matrix template {}", c.n)})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/finding_templates/{fresh}/", Json(|_, _| json!({"title": "Put template", "severity": "Low"})), F::Row(FRESH_TEMPLATE), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/finding_templates/{fresh}/", Json(|_, _| json!({"tags": ["matrix"]})), F::Row(FRESH_TEMPLATE), Rule::Superuser(200)),
        a("DELETE", "/api/v2/finding_templates/{fresh}/", none, F::Row(FRESH_TEMPLATE), Rule::Superuser(204)),
        // System settings: superusers; a list and updates of the one row.
        a("GET",    "/api/v2/system_settings/", none, F::No, Rule::Superuser(200)),
        a("PUT",    "/api/v2/system_settings/1/", Json(|_, _| json!({"team_name": "Matrix"})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/system_settings/1/", Json(|_, _| json!({"url_prefix": ""})), F::No, Rule::Superuser(200)),
        // Regulations and development environments: read by all, written by superusers.
        a("GET",    "/api/v2/regulations/", none, F::No, Rule::Anyone(200)),
        a("GET",    "/api/v2/regulations/{fresh}/", none, F::Row(FRESH_REGULATION), Rule::Anyone(200)),
        a("POST",   "/api/v2/regulations/", Json(|_, c| json!({"name": format!("Matrix law {}", c.n), "acronym": format!("ML{}", c.n), "category": "other", "jurisdiction": "Here"})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/regulations/{fresh}/", Json(|_, c| json!({"name": format!("Put law {}", c.n), "acronym": format!("PL{}", c.n), "category": "finance", "jurisdiction": "There"})), F::Row(FRESH_REGULATION), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/regulations/{fresh}/", Json(|_, _| json!({"description": "patched"})), F::Row(FRESH_REGULATION), Rule::Superuser(200)),
        a("DELETE", "/api/v2/regulations/{fresh}/", none, F::Row(FRESH_REGULATION), Rule::Superuser(204)),
        a("GET",    "/api/v2/development_environments/", none, F::No, Rule::Anyone(200)),
        a("GET",    "/api/v2/development_environments/{fresh}/", none, F::Row(FRESH_ENVIRONMENT), Rule::Anyone(200)),
        a("POST",   "/api/v2/development_environments/", Json(|_, c| json!({"name": format!("Matrix env {}", c.n)})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/development_environments/{fresh}/", Json(|_, c| json!({"name": format!("Put env {}", c.n)})), F::Row(FRESH_ENVIRONMENT), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/development_environments/{fresh}/", Json(|_, c| json!({"name": format!("Patched env {}", c.n)})), F::Row(FRESH_ENVIRONMENT), Rule::Superuser(200)),
        a("DELETE", "/api/v2/development_environments/{fresh}/", none, F::Row(FRESH_ENVIRONMENT), Rule::Superuser(204)),
        // Legacy endpoints and their statuses, in a product. A create's product
        // or endpoint is checked on the unfiltered table: 403, not 404.
        a("GET",    "/api/v2/endpoints/?id={ep},{qep}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/endpoints/{ep}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/endpoints/", Json(|ids, c| json!({"host": format!("new{}.example.com", c.n), "product": ids.p})), F::No, on(P, AddEditEndpoint, 201, 403)),
        a("PUT",    "/api/v2/endpoints/{ep}/", Json(|ids, _| json!({"host": "p.example.com", "product": ids.p, "tags": ["matrix"]})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("PATCH",  "/api/v2/endpoints/{ep}/", Json(|_, _| json!({"protocol": "https"})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("DELETE", "/api/v2/endpoints/{fresh}/", none, F::Row(FRESH_ENDPOINT), on(P, DeleteEndpoint, 204, 404)),
        a("GET",    "/api/v2/endpoints/{ep}/delete_preview/", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/api/v2/endpoint_status/?id={es},{qes}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/endpoint_status/{es}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/endpoint_status/", Json(|ids, c| json!({"endpoint": c.fresh, "finding": ids.f})), F::Row(FRESH_ENDPOINT), on(P, AddEditEndpoint, 201, 403)),
        a("PUT",    "/api/v2/endpoint_status/{es}/", Json(|ids, _| json!({"endpoint": ids.ep, "finding": ids.f, "false_positive": false})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("PATCH",  "/api/v2/endpoint_status/{es}/", Json(|_, _| json!({"out_of_scope": false})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("DELETE", "/api/v2/endpoint_status/{fresh}/", none, F::Row(FRESH_STATUS), on(P, DeleteEndpoint, 204, 404)),
        // Technologies, in a product: DefectDojo's role table gives them the
        // endpoint rows' roles.
        a("GET",    "/api/v2/technologies/?id={tech},{qtech}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/technologies/{tech}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/technologies/", Json(|ids, c| json!({"name": format!("Tech {}", c.n), "product": ids.p, "user": ids.note_author})), F::No, on(P, AddEditEndpoint, 201, 403)),
        a("PUT",    "/api/v2/technologies/{tech}/", Json(|ids, _| json!({"name": "nginx", "product": ids.p, "user": ids.note_author, "version": "2"})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("PATCH",  "/api/v2/technologies/{tech}/", Json(|_, _| json!({"confidence": 50})), F::No, on(P, AddEditEndpoint, 200, 404)),
        a("DELETE", "/api/v2/technologies/{fresh}/", none, F::Row(FRESH_TECHNOLOGY), on(P, DeleteEndpoint, 204, 404)),
        // Custom fields: seen with their parent, changed with its edit
        // permission (a product's: Maintainer; a finding's: Writer).
        a("GET",    "/api/v2/metadata/?id={meta},{qmeta}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/metadata/{meta}/", none, F::No, on(P, View, 200, 404)),
        Action { what: "of a product", ..a("POST", "/api/v2/metadata/", Json(|ids, c| json!({"name": format!("m{}", c.n), "value": "v", "product": ids.p})), F::No, on(P, EditProduct, 201, 403)) },
        Action { what: "of a finding", ..a("POST", "/api/v2/metadata/", Json(|ids, c| json!({"name": format!("m{}", c.n), "value": "v", "finding": ids.f})), F::No, on(P, AddEditFinding, 201, 403)) },
        a("PUT",    "/api/v2/metadata/{meta}/", Json(|ids, _| json!({"name": "env", "value": "put", "product": ids.p})), F::No, on(P, EditProduct, 200, 404)),
        a("PATCH",  "/api/v2/metadata/{meta}/", Json(|_, _| json!({"value": "patched"})), F::No, on(P, EditProduct, 200, 404)),
        a("DELETE", "/api/v2/metadata/{fresh}/", none, F::Row(FRESH_META), on(P, EditProduct, 204, 404)),
        a("POST",   "/api/v2/metadata/batch/", Json(|ids, c| json!({"finding": ids.f, "metadata": [{"name": format!("b{}", c.n), "value": "v"}]})), F::No, on(P, AddEditFinding, 201, 403)),
        a("PATCH",  "/api/v2/metadata/batch/", Json(|ids, _| json!({"product": ids.p, "metadata": [{"name": "env", "value": "batch"}]})), F::No, on(P, EditProduct, 200, 403)),
        // Risk acceptances: looked up among those the caller may act on (404
        // otherwise), listed likewise. A create needs only that the caller may
        // edit the findings (DefectDojo has no other check): 403 otherwise.
        a("GET",    "/api/v2/risk_acceptance/?id={ra},{qra}", none, F::No, Rule::ListWith(P, Q, RiskAcceptance)),
        a("GET",    "/api/v2/risk_acceptance/{ra}/", none, F::No, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 200 }),
        a("POST",   "/api/v2/risk_acceptance/", Json(|ids, c| json!({"name": format!("Accepted {}", c.n), "owner": ids.note_author, "accepted_findings": [c.fresh]})), F::Finding, on(P, AddEditFinding, 201, 403)),
        a("PUT",    "/api/v2/risk_acceptance/{ra}/", Json(|ids, c| json!({"name": "Fixture acceptance", "owner": ids.note_author, "accepted_findings": [c.fresh]})), F::Finding, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 200 }),
        a("PATCH",  "/api/v2/risk_acceptance/{ra}/", Json(|_, _| json!({"decision_details": "patched"})), F::No, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 200 }),
        a("DELETE", "/api/v2/risk_acceptance/{fresh}/", none, F::Row(FRESH_RISK_ACCEPTANCE), Rule::Holding { scope: P, cap: RiskAcceptance, ok: 204 }),
        a("GET",    "/api/v2/risk_acceptance/{ra}/notes/", none, F::No, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 200 }),
        a("POST",   "/api/v2/risk_acceptance/{ra}/notes/", Json(|_, c| json!({"entry": format!("Acceptance note {}", c.n)})), F::No, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 201 }),
        // The fixture's acceptance has no proof: "no proof" (404) for whoever may see it.
        a("GET",    "/api/v2/risk_acceptance/{ra}/download_proof/", none, F::No, Rule::Holding { scope: P, cap: RiskAcceptance, ok: 404 }),
        a("POST",   "/api/v2/engagements/{e}/accept_risks/", Json(|_, c| json!([{"vulnerability_id": format!("CVE-NONE-{}", c.n), "justification": "j", "accepted_by": "me"}])), F::No, on(P, RiskAcceptance, 201, 404)),
        a("POST",   "/api/v2/tests/{t}/accept_risks/", Json(|_, c| json!([{"vulnerability_id": format!("CVE-NONE-{}", c.n), "justification": "j", "accepted_by": "me"}])), F::No, on(P, RiskAcceptance, 201, 404)),
        a("POST",   "/api/v2/findings/accept_risks/", Json(|_, c| json!([{"vulnerability_id": format!("CVE-NONE-{}", c.n), "justification": "j", "accepted_by": "me"}])), F::No, Rule::Anyone(201)),
        // Metrics: of a product the caller sees, or of all they see.
        a("GET",    "/api/v2/metrics/?product={p}", none, F::No, on(P, View, 200, 404)),
        a("GET",    "/api/v2/metrics/?product_type={pt}", none, F::No, on(Pt, View, 200, 404)),
        a("GET",    "/api/v2/metrics/", none, F::No, Rule::Anyone(200)),
        // Imports: the target is resolved before any visibility, so 403.
        a("POST",   "/api/v2/import-scan/", Multipart(|ids, _| report_form("engagement", ids.e)), F::No, on(P, Import, 201, 403)),
        a("POST",   "/api/v2/reimport-scan/", Multipart(|ids, _| report_form("test", ids.rt)), F::No, on(P, Import, 201, 403)),
        // Test types: read by all, written by superusers; no delete.
        a("GET",    "/api/v2/test_types/", none, F::No, Rule::Anyone(200)),
        a("GET",    "/api/v2/test_types/{tt}/", none, F::No, Rule::Anyone(200)),
        a("POST",   "/api/v2/test_types/", Json(|_, c| json!({"name": format!("New tool {}", c.n)})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/test_types/{tt}/", Json(|_, _| json!({"name": "Matrix tool"})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/test_types/{tt}/", Json(|_, _| json!({"static_tool": true})), F::No, Rule::Superuser(200)),
        a("DELETE", "/api/v2/test_types/{tt}/", none, F::No, Rule::Superuser(405)),
        // Notes: superusers only; no create or delete here.
        a("GET",    "/api/v2/notes/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/notes/{note}/", none, F::No, Rule::Superuser(200)),
        a("PUT",    "/api/v2/notes/{note}/", Json(|_, _| json!({"entry": "put"})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/notes/{note}/", Json(|_, _| json!({"entry": "patched"})), F::No, Rule::Superuser(200)),
        a("POST",   "/api/v2/notes/", Json(|_, _| json!({"entry": "new"})), F::No, Rule::Superuser(405)),
        a("DELETE", "/api/v2/notes/{note}/", none, F::No, Rule::Superuser(405)),
        // The caller.
        a("GET",    "/api/v2/user_profile/", none, F::No, Rule::Anyone(200)),
        // Members, groups and users.
        // Product members: managing them takes Maintainer, granting Owner takes Owner.
        a("GET",    "/api/v2/product_members/?id={pm},{qm}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/product_members/{pm}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/product_members/", Json(|ids, c| json!({"product": ids.p, "user": c.fresh, "role": Role::Reader.id()})), F::User, on(P, ManageMembers, 201, 403)),
        Action { what: "as Owner", ..a("POST", "/api/v2/product_members/", Json(|ids, c| json!({"product": ids.p, "user": c.fresh, "role": Role::Owner.id()})), F::User, on(P, GrantOwner, 201, 403)) },
        a("PUT",    "/api/v2/product_members/{pm}/", Json(|ids, _| json!({"product": ids.p, "user": ids.m.mu, "role": Role::Reader.id()})), F::No, on(P, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/product_members/{pm}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Anyone(405)),
        a("DELETE", "/api/v2/product_members/{fresh}/", none, F::ProductMember, on(P, ManageMembers, 204, 404)),
        // Product type members.
        a("GET",    "/api/v2/product_type_members/?id={ptm},{qtm}", none, F::No, Rule::List(Pt, Qt)),
        a("GET",    "/api/v2/product_type_members/{ptm}/", none, F::No, on(Pt, View, 200, 404)),
        a("POST",   "/api/v2/product_type_members/", Json(|ids, c| json!({"product_type": ids.pt, "user": c.fresh, "role": Role::Reader.id()})), F::User, on(Pt, ManageMembers, 201, 403)),
        a("PUT",    "/api/v2/product_type_members/{ptm}/", Json(|ids, _| json!({"product_type": ids.pt, "user": ids.m.mu, "role": Role::Reader.id()})), F::No, on(Pt, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/product_type_members/{ptm}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Anyone(405)),
        a("DELETE", "/api/v2/product_type_members/{fresh}/", none, F::ProductTypeMember, on(Pt, ManageMembers, 204, 404)),
        // Groups' roles on products and product types.
        a("GET",    "/api/v2/product_groups/?id={pg},{qg}", none, F::No, Rule::List(P, Q)),
        a("GET",    "/api/v2/product_groups/{pg}/", none, F::No, on(P, View, 200, 404)),
        a("POST",   "/api/v2/product_groups/", Json(|ids, c| json!({"product": ids.p, "group": c.fresh, "role": Role::Reader.id()})), F::Group, on(P, ManageMembers, 201, 403)),
        a("PUT",    "/api/v2/product_groups/{pg}/", Json(|ids, _| json!({"product": ids.p, "group": ids.m.grp, "role": Role::Reader.id()})), F::No, on(P, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/product_groups/{pg}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Anyone(405)),
        a("DELETE", "/api/v2/product_groups/{fresh}/", none, F::ProductGroup, on(P, ManageMembers, 204, 404)),
        a("GET",    "/api/v2/product_type_groups/?id={ptg},{qtg}", none, F::No, Rule::List(Pt, Qt)),
        a("GET",    "/api/v2/product_type_groups/{ptg}/", none, F::No, on(Pt, View, 200, 404)),
        a("POST",   "/api/v2/product_type_groups/", Json(|ids, c| json!({"product_type": ids.pt, "group": c.fresh, "role": Role::Reader.id()})), F::Group, on(Pt, ManageMembers, 201, 403)),
        a("PUT",    "/api/v2/product_type_groups/{ptg}/", Json(|ids, _| json!({"product_type": ids.pt, "group": ids.m.grp, "role": Role::Reader.id()})), F::No, on(Pt, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/product_type_groups/{ptg}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Anyone(405)),
        a("DELETE", "/api/v2/product_type_groups/{fresh}/", none, F::ProductTypeGroup, on(Pt, ManageMembers, 204, 404)),
        // Groups: seen by members and global roles; created by superusers.
        a("GET",    "/api/v2/dojo_groups/?id={grp},{qgrp}", none, F::No, Rule::List(Scope::G, Scope::G)),
        a("GET",    "/api/v2/dojo_groups/{grp}/", none, F::No, on(Scope::G, View, 200, 404)),
        a("POST",   "/api/v2/dojo_groups/", Json(|_, c| json!({"name": format!("New group {}", c.n)})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/dojo_groups/{grp}/", Json(|_, _| json!({"name": "Fixture group", "description": "put"})), F::No, on(Scope::G, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/dojo_groups/{grp}/", Json(|_, _| json!({"description": "patched"})), F::No, on(Scope::G, ManageMembers, 200, 404)),
        a("DELETE", "/api/v2/dojo_groups/{fresh}/", none, F::Group, on(Scope::G, DeleteGroup, 204, 404)),
        a("GET",    "/api/v2/dojo_group_members/?id={gm},{qgm}", none, F::No, Rule::List(Scope::G, Scope::G)),
        a("GET",    "/api/v2/dojo_group_members/{gm}/", none, F::No, on(Scope::G, View, 200, 404)),
        a("POST",   "/api/v2/dojo_group_members/", Json(|ids, c| json!({"group": ids.m.grp, "user": c.fresh, "role": Role::Reader.id()})), F::User, on(Scope::G, ManageMembers, 201, 403)),
        a("PUT",    "/api/v2/dojo_group_members/{gm}/", Json(|ids, _| json!({"group": ids.m.grp, "user": ids.m.mu, "role": Role::Reader.id()})), F::No, on(Scope::G, ManageMembers, 200, 404)),
        a("PATCH",  "/api/v2/dojo_group_members/{gm}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Anyone(405)),
        a("DELETE", "/api/v2/dojo_group_members/{fresh}/", none, F::GroupMember, on(Scope::G, ManageMembers, 204, 404)),
        // Global roles: superusers only. Roles: read by all, never written.
        a("GET",    "/api/v2/global_roles/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/global_roles/{gr}/", none, F::No, Rule::Superuser(200)),
        a("POST",   "/api/v2/global_roles/", Json(|_, c| json!({"user": c.fresh, "role": Role::Reader.id()})), F::User, Rule::Superuser(201)),
        a("PUT",    "/api/v2/global_roles/{gr}/", Json(|ids, _| json!({"group": ids.m.grp, "role": Role::Reader.id()})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/global_roles/{gr}/", Json(|_, _| json!({"role": Role::Reader.id()})), F::No, Rule::Superuser(200)),
        a("DELETE", "/api/v2/global_roles/{fresh}/", none, F::GlobalRole, Rule::Superuser(204)),
        a("GET",    "/api/v2/roles/", none, F::No, Rule::Anyone(200)),
        a("GET",    "/api/v2/roles/4/", none, F::No, Rule::Anyone(200)),
        a("POST",   "/api/v2/roles/", Json(|_, _| json!({"name": "Boss"})), F::No, Rule::Anyone(405)),
        // Users and contact information: superusers only (no Django permissions in Dojo).
        a("GET",    "/api/v2/users/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/users/{mu}/", none, F::No, Rule::Superuser(200)),
        a("POST",   "/api/v2/users/", Json(|_, c| json!({"username": format!("new{}", c.n), "email": "new@example.com", "password": "Correct-Horse-42"})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/users/{mu}/", Json(|_, _| json!({"username": "fixture", "email": "fixture@example.com"})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/users/{mu}/", Json(|_, _| json!({"first_name": "Fix"})), F::No, Rule::Superuser(200)),
        a("DELETE", "/api/v2/users/{fresh}/", none, F::User, Rule::Superuser(204)),
        a("POST",   "/api/v2/users/{fresh}/reset_api_token/", none, F::User, Rule::Superuser(204)),
        a("GET",    "/api/v2/user_contact_infos/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/user_contact_infos/{uci}/", none, F::No, Rule::Superuser(200)),
        a("POST",   "/api/v2/user_contact_infos/", Json(|_, c| json!({"user": c.fresh, "title": "New"})), F::User, Rule::Superuser(201)),
        a("PUT",    "/api/v2/user_contact_infos/{uci}/", Json(|ids, _| json!({"user": ids.m.mu, "title": "put"})), F::No, Rule::Superuser(200)),
        a("PATCH",  "/api/v2/user_contact_infos/{uci}/", Json(|_, _| json!({"title": "patched"})), F::No, Rule::Superuser(200)),
        a("DELETE", "/api/v2/user_contact_infos/{fresh}/", none, F::ContactInfo, Rule::Superuser(204)),
        // Notification settings and webhooks: superusers only.
        a("GET",    "/api/v2/notifications/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/notifications/{fresh}/", none, F::Row(FRESH_NOTIFICATIONS), Rule::Superuser(200)),
        a("POST",   "/api/v2/notifications/", Json(|_, c| json!({"user": c.fresh, "scan_added": ["mail", "alert"]})), F::User, Rule::Superuser(201)),
        a("PUT",    "/api/v2/notifications/{fresh}/", Json(|_, _| json!({"template": false, "other": []})), F::Row(FRESH_NOTIFICATIONS), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/notifications/{fresh}/", Json(|_, _| json!({"product_added": ["alert", "mail"]})), F::Row(FRESH_NOTIFICATIONS), Rule::Superuser(200)),
        a("DELETE", "/api/v2/notifications/{fresh}/", none, F::Row(FRESH_NOTIFICATIONS), Rule::Superuser(204)),
        a("GET",    "/api/v2/notification_webhooks/", none, F::No, Rule::Superuser(200)),
        a("GET",    "/api/v2/notification_webhooks/{fresh}/", none, F::Row(FRESH_WEBHOOK), Rule::Superuser(200)),
        a("POST",   "/api/v2/notification_webhooks/", Json(|_, c| json!({"name": format!("Matrix hook {}", c.n), "url": "http://127.0.0.1:9/hook"})), F::No, Rule::Superuser(201)),
        a("PUT",    "/api/v2/notification_webhooks/{fresh}/", Json(|_, c| json!({"name": format!("Put hook {}", c.n), "url": "http://127.0.0.1:9/put"})), F::Row(FRESH_WEBHOOK), Rule::Superuser(200)),
        a("PATCH",  "/api/v2/notification_webhooks/{fresh}/", Json(|_, _| json!({"header_name": "X-Token"})), F::Row(FRESH_WEBHOOK), Rule::Superuser(200)),
        a("DELETE", "/api/v2/notification_webhooks/{fresh}/", none, F::Row(FRESH_WEBHOOK), Rule::Superuser(204)),
    ]
}

// ---------------------------------------------------------------------------
// The fixture.

struct Subject {
    name: &'static str,
    who: Who,
    user_id: i64,
    group_id: Option<i64>,
    token: Option<String>,
}

impl Subject {
    fn grants(&self) -> &'static [Grant] {
        match self.who {
            Who::User(grants) => grants,
            Who::Anonymous | Who::Superuser => &[],
        }
    }
}

struct World {
    db: Db,
    app: Router,
    ids: Ids,
    subjects: Vec<Subject>,
}

async fn user(db: &Db, name: &str, superuser: bool) -> (i64, String) {
    let mut conn = db.conn().await.expect("connection");
    let user = users::insert(
        &mut conn,
        &User {
            username: name.to_owned(),
            is_superuser: superuser,
            ..User::default()
        },
    )
    .await
    .expect("user");
    drop(conn);
    let token = dojo_server::accounts::token_for(db, &state(db).secret, user.id)
        .await
        .expect("token");
    (user.id, token)
}

async fn product_type(conn: &mut Conn, name: &str) -> i64 {
    product_types::insert(
        conn,
        &ProductType {
            name: name.to_owned(),
            ..ProductType::default()
        },
    )
    .await
    .expect("product type")
    .id
}

async fn product(conn: &mut Conn, name: &str, product_type: i64) -> i64 {
    products::insert(
        conn,
        &Product {
            name: name.to_owned(),
            description: name.to_owned(),
            prod_type_id: product_type,
            ..Product::default()
        },
    )
    .await
    .expect("product")
    .id
}

async fn engagement(conn: &mut Conn, name: &str, product: i64) -> i64 {
    engagements::insert(
        conn,
        &Engagement {
            name: Some(name.to_owned()),
            product_id: product,
            ..Engagement::default()
        },
    )
    .await
    .expect("engagement")
    .id
}

async fn note(conn: &mut Conn, finding: i64, author: i64, entry: &str) -> i64 {
    let note = notes::insert(
        conn,
        &Note {
            id: 0,
            note_type_id: None,
            entry: entry.to_owned(),
            date: Utc::now(),
            author_id: author,
            private: false,
            edited: false,
            editor_id: None,
            edit_time: None,
        },
    )
    .await
    .expect("note");
    links::add(conn, Link::FindingNotes, finding, note.id)
        .await
        .expect("note of the finding");
    note.id
}

/// An endpoint of `product` and the status of `finding` on it.
async fn endpoint_with_status(
    conn: &mut Conn,
    product: i64,
    finding: i64,
    host: &str,
) -> (i64, i64) {
    let endpoint = endpoints::insert(
        conn,
        &Endpoint {
            host: Some(host.to_owned()),
            product_id: Some(product),
            ..Endpoint::default()
        },
    )
    .await
    .expect("endpoint")
    .id;
    let status = endpoint_statuses::insert(
        conn,
        &EndpointStatus {
            endpoint_id: endpoint,
            finding_id: finding,
            ..EndpointStatus::default()
        },
    )
    .await
    .expect("endpoint status")
    .id;
    (endpoint, status)
}

/// Imports one finding into `engagement` as the superuser; the new test.
async fn import(app: &Router, token: &str, engagement: i64) -> i64 {
    let form = report_form("engagement", engagement);
    let (status, body) = call(app, form.post("/api/v2/import-scan/", Some(token))).await;
    assert_eq!(status.as_u16(), 201, "fixture import: {body}");
    let test = body["test_id"].as_i64().expect("test id");
    let finding = body["statistics"]["after"]["total"]["total"].as_i64();
    assert_eq!(finding, Some(1), "{body}");
    test
}

/// Uploads a file as the superuser; its id.
async fn upload(app: &Router, token: &str, path: &str) -> i64 {
    let form = file_form(format!("Fixture file of {path}"));
    let (status, body) = call(app, form.post(path, Some(token))).await;
    assert_eq!(status.as_u16(), 201, "fixture upload: {body}");
    body["id"].as_i64().expect("file id")
}

/// The first id `sql` (with `$1` = `id`) returns.
async fn first_id(conn: &mut Conn, sql: &str, id: i64) -> i64 {
    let rows: Vec<(i64,)> = bulk::fetch_all(conn, sql, &[id.into()])
        .await
        .expect("lookup");
    rows.first()
        .map(|r| r.0)
        .unwrap_or_else(|| panic!("no row: {sql}"))
}

/// Gives the subject its product-level grants on `product` and its
/// product-type-level grants on `product_type`, when given.
async fn grant_on(
    conn: &mut Conn,
    subject: &Subject,
    product_type: Option<i64>,
    product: Option<i64>,
    other: Option<i64>,
) {
    let user = subject.user_id;
    let group = || subject.group_id.expect("a group for group grants");
    for grant in subject.grants() {
        match (*grant, product_type, product, other) {
            (OnProduct(role), _, Some(product_id), _) => {
                product_members::insert(
                    conn,
                    &ProductMember {
                        id: 0,
                        product_id,
                        user_id: user,
                        role_id: role.id(),
                    },
                )
                .await
                .expect("product member");
            }
            (OnProductType(role), Some(product_type_id), _, _) => {
                product_type_members::insert(
                    conn,
                    &ProductTypeMember {
                        id: 0,
                        product_type_id,
                        user_id: user,
                        role_id: role.id(),
                    },
                )
                .await
                .expect("product type member");
            }
            (GroupOnProduct(role), _, Some(product_id), _) => {
                product_groups::insert(
                    conn,
                    &ProductGroup {
                        id: 0,
                        product_id,
                        group_id: group(),
                        role_id: role.id(),
                    },
                )
                .await
                .expect("product group");
            }
            (GroupOnProductType(role), Some(product_type_id), _, _) => {
                product_type_groups::insert(
                    conn,
                    &ProductTypeGroup {
                        id: 0,
                        product_type_id,
                        group_id: group(),
                        role_id: role.id(),
                    },
                )
                .await
                .expect("product type group");
            }
            (OnOtherProduct(role), _, _, Some(product_id)) => {
                product_members::insert(
                    conn,
                    &ProductMember {
                        id: 0,
                        product_id,
                        user_id: user,
                        role_id: role.id(),
                    },
                )
                .await
                .expect("other product member");
            }
            _ => {}
        }
    }
}

async fn build_world(db: &Db) -> World {
    let app = dojo_server::router(state(db));
    let (admin, admin_token) = user(db, "admin", true).await;
    let mut conn = db.conn().await.expect("connection");
    let tt = test_types::insert(
        &mut conn,
        &TestType {
            name: "Matrix tool".into(),
            ..TestType::default()
        },
    )
    .await
    .expect("test type")
    .id;
    let pt = product_type(&mut conn, "PT").await;
    let p = product(&mut conn, "P", pt).await;
    let e = engagement(&mut conn, "E", p).await;
    let qt = product_type(&mut conn, "QT").await;
    let q = product(&mut conn, "Q", qt).await;
    let qe = engagement(&mut conn, "QE", q).await;
    drop(conn);

    let t = import(&app, &admin_token, e).await;
    let rt = import(&app, &admin_token, e).await;
    let qtest = import(&app, &admin_token, qe).await;
    let mut conn = db.conn().await.expect("connection");
    let finding_of = "SELECT id FROM finding WHERE test_id = $1 ORDER BY id";
    let import_of = "SELECT id FROM test_import WHERE test_id = $1 ORDER BY id";
    let f = first_id(&mut conn, finding_of, t).await;
    let ti = first_id(&mut conn, import_of, t).await;
    let qf = first_id(&mut conn, finding_of, qtest).await;
    let qti = first_id(&mut conn, import_of, qtest).await;
    let note_id = note(&mut conn, f, admin, "A note of P's finding").await;
    let (ep, es) = endpoint_with_status(&mut conn, p, f, "p.example.com").await;
    let (qep, qes) = endpoint_with_status(&mut conn, q, qf, "q.example.com").await;
    let technology_sql = "INSERT INTO app_analysis (product_id, name, user_id, created) \
         VALUES ($1, 'nginx', (SELECT MIN(id) FROM dojo_user), '2026-01-01 00:00:00+00:00') RETURNING id";
    let tech = first_id(&mut conn, technology_sql, p).await;
    let qtech = first_id(&mut conn, technology_sql, q).await;
    let meta_sql =
        "INSERT INTO dojo_meta (product_id, name, value) VALUES ($1, 'env', 'prod') RETURNING id";
    let meta = first_id(&mut conn, meta_sql, p).await;
    let qmeta = first_id(&mut conn, meta_sql, q).await;
    let ra = risk_acceptance(&mut conn, e, admin).await;
    let qra = risk_acceptance(&mut conn, qe, admin).await;
    drop(conn);
    let ffile = upload(&app, &admin_token, &format!("/api/v2/findings/{f}/files/")).await;
    let tfile = upload(&app, &admin_token, &format!("/api/v2/tests/{t}/files/")).await;
    let efile = upload(
        &app,
        &admin_token,
        &format!("/api/v2/engagements/{e}/files/"),
    )
    .await;
    let ids = Ids {
        pt,
        p,
        e,
        t,
        f,
        ti,
        rt,
        qt,
        q,
        qe,
        qtest,
        qf,
        qti,
        tt,
        note: note_id,
        m: members_fixture(db, pt, p, qt, q).await,
        ep,
        qep,
        es,
        qes,
        tech,
        qtech,
        note_author: admin,
        meta,
        qmeta,
        ra,
        qra,
        ffile,
        tfile,
        efile,
    };

    let mut subjects = Vec::new();
    for (n, &(name, who)) in SUBJECTS.iter().enumerate() {
        let subject = match who {
            Who::Anonymous => Subject {
                name,
                who,
                user_id: admin,
                group_id: None,
                token: None,
            },
            Who::Superuser => Subject {
                name,
                who,
                user_id: admin,
                group_id: None,
                token: Some(admin_token.clone()),
            },
            Who::User(grants) => {
                let (user_id, token) = user(db, &format!("subject{n}"), false).await;
                let mut conn = db.conn().await.expect("connection");
                let grouped = grants
                    .iter()
                    .any(|g| matches!(g, GroupOnProduct(_) | GroupOnProductType(_)));
                let group_id = if grouped {
                    let group = groups::insert(
                        &mut conn,
                        &Group {
                            id: 0,
                            name: format!("group{n}"),
                            description: None,
                            social_provider: None,
                        },
                    )
                    .await
                    .expect("group");
                    group_members::insert(
                        &mut conn,
                        &GroupMember {
                            id: 0,
                            group_id: group.id,
                            user_id,
                            role_id: Role::Reader.id(),
                        },
                    )
                    .await
                    .expect("group member");
                    Some(group.id)
                } else {
                    None
                };
                for grant in grants.iter() {
                    if let Global(role) = grant {
                        global_roles::insert(
                            &mut conn,
                            &GlobalRole {
                                id: 0,
                                user_id: Some(user_id),
                                group_id: None,
                                role_id: Some(role.id()),
                            },
                        )
                        .await
                        .expect("global role");
                    }
                }
                let subject = Subject {
                    name,
                    who,
                    user_id,
                    group_id,
                    token: Some(token),
                };
                grant_on(&mut conn, &subject, Some(pt), Some(p), Some(q)).await;
                subject
            }
        };
        subjects.push(subject);
    }
    World {
        db: db.clone(),
        app,
        ids,
        subjects,
    }
}

/// Makes the case's fresh object; its id, or 0.
async fn fresh(world: &World, subject: &Subject, kind: Fresh, n: usize) -> i64 {
    let ids = &world.ids;
    let mut conn = world.db.conn().await.expect("connection");
    let conn = &mut conn;
    match kind {
        Fresh::No => 0,
        Fresh::ProductType => {
            let product_type = product_type(conn, &format!("Fresh type {n}")).await;
            let product = product(conn, &format!("Fresh product {n}"), product_type).await;
            grant_on(conn, subject, Some(product_type), Some(product), None).await;
            product_type
        }
        Fresh::Product => {
            let product = product(conn, &format!("Fresh product {n}"), ids.pt).await;
            grant_on(conn, subject, None, Some(product), None).await;
            product
        }
        Fresh::Engagement => engagement(conn, &format!("Fresh {n}"), ids.p).await,
        Fresh::Test => {
            let mut test = tests::get(conn, ids.t).await.expect("P's test");
            test.id = 0;
            test.title = Some(format!("Fresh {n}"));
            tests::insert(conn, &test).await.expect("fresh test").id
        }
        Fresh::Finding => {
            let mut finding = findings::get(conn, ids.f).await.expect("P's finding");
            finding.id = 0;
            finding.title = format!("Fresh {n}");
            findings::create(conn, &finding)
                .await
                .expect("fresh finding")
                .id
        }
        Fresh::TestImport => {
            let mut record = test_imports::get(conn, ids.ti).await.expect("P's import");
            record.id = 0;
            test_imports::insert(conn, &record)
                .await
                .expect("fresh import record")
                .id
        }
        Fresh::FindingTag => {
            let mut all = tags::get(conn, Tagged::Finding, ids.f).await.expect("tags");
            all.push(format!("rm-{n}"));
            tags::set(conn, Tagged::Finding, ids.f, &all)
                .await
                .expect("tag the finding");
            0
        }
        Fresh::OwnNote => note(conn, ids.f, subject.user_id, &format!("Own note {n}")).await,
        Fresh::Row(statements) => {
            let mut id = 0;
            for sql in statements {
                let sql = fill(&sql.replace("{n}", &n.to_string()), ids, 0);
                let rows: Vec<(i64,)> = bulk::fetch_all(conn, &sql, &[]).await.expect("fresh row");
                id = rows.first().map(|r| r.0).expect("the fresh row's id");
            }
            id
        }
        kind => fresh_member(conn, ids, kind, n).await,
    }
}

/// A risk acceptance of the engagement, owned by `owner`, holding no finding.
async fn risk_acceptance(conn: &mut Conn, engagement: i64, owner: i64) -> i64 {
    let sql = format!(
        "INSERT INTO risk_acceptance (name, owner_id, created, updated) \
         VALUES ('Fixture acceptance', {owner}, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00') RETURNING id"
    );
    let rows: Vec<(i64,)> = bulk::fetch_all(conn, &sql, &[])
        .await
        .expect("risk acceptance");
    let id = rows[0].0;
    links::add(conn, Link::EngagementRiskAcceptance, engagement, id)
        .await
        .expect("link the risk acceptance");
    id
}

fn fill(template: &str, ids: &Ids, fresh: i64) -> String {
    let mut path = template.to_owned();
    for (key, value) in [
        ("{pt}", ids.pt),
        ("{p}", ids.p),
        ("{e}", ids.e),
        ("{t}", ids.t),
        ("{f}", ids.f),
        ("{ti}", ids.ti),
        ("{rt}", ids.rt),
        ("{qt}", ids.qt),
        ("{q}", ids.q),
        ("{qe}", ids.qe),
        ("{qtest}", ids.qtest),
        ("{qf}", ids.qf),
        ("{qti}", ids.qti),
        ("{tt}", ids.tt),
        ("{note}", ids.note),
        ("{ep}", ids.ep),
        ("{qep}", ids.qep),
        ("{es}", ids.es),
        ("{qes}", ids.qes),
        ("{tech}", ids.tech),
        ("{qtech}", ids.qtech),
        ("{meta}", ids.meta),
        ("{qmeta}", ids.qmeta),
        ("{ra}", ids.ra),
        ("{qra}", ids.qra),
        ("{ffile}", ids.ffile),
        ("{tfile}", ids.tfile),
        ("{efile}", ids.efile),
        ("{fresh}", fresh),
    ]
    .into_iter()
    .chain(ids.m.placeholders())
    {
        path = path.replace(key, &value.to_string());
    }
    assert!(!path.contains('{'), "unfilled placeholder in {path}");
    path
}

/// Calls the action as the subject; the outcome and the body (for the report).
async fn perform(
    world: &World,
    subject: &Subject,
    action: &Action,
    case: Case,
) -> (Outcome, Value) {
    let ids = &world.ids;
    let path = fill(action.path, ids, case.fresh);
    let token = subject.token.as_deref();
    let request = match action.payload {
        Payload::Multipart(form) => form(ids, case).post(&path, token),
        payload => {
            let mut builder = Request::builder()
                .method(action.method)
                .uri(&path)
                .header("Host", "dojo.test");
            if let Some(token) = token {
                builder = builder.header("Authorization", format!("Token {token}"));
            }
            match payload {
                Payload::Json(body) => builder
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body(ids, case).to_string())),
                _ => builder.body(axum::body::Body::empty()),
            }
            .expect("request")
        }
    };
    let (status, body) = call(&world.app, request).await;
    let outcome = match action.rule {
        Rule::List(..) | Rule::ListWith(..) if status.is_success() => {
            let (mine, theirs) = listed_ids(action.path, ids);
            let shown_ids: Vec<i64> = body["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_i64())
                .collect();
            let mut shown = Vec::new();
            if shown_ids.contains(&mine) {
                shown.push("P");
            }
            if shown_ids.contains(&theirs) {
                shown.push("Q");
            }
            Outcome::Listed(shown, body["count"].as_i64().unwrap_or(-1))
        }
        _ => Outcome::Status(status.as_u16()),
    };
    (outcome, body)
}

/// The ids a listing's `?id=` names: P's object and Q's.
fn listed_ids(template: &str, ids: &Ids) -> (i64, i64) {
    let query = fill(template, ids, 0);
    let list = query.split("id=").nth(1).expect("a listing filters on id");
    let mut parts = list.split(',').map(|s| s.parse::<i64>().expect("an id"));
    (parts.next().expect("P's id"), parts.next().expect("Q's id"))
}

fn excerpt(body: &Value) -> String {
    let text = body.to_string();
    if text.len() > 160 {
        format!(
            "{}…",
            &text[..text.char_indices().nth(160).map_or(text.len(), |(i, _)| i)]
        )
    } else {
        text
    }
}

fn known_gap(action: &str, subject: &str) -> bool {
    KNOWN_GAPS
        .iter()
        .any(|(a, s)| *a == action && (*s == "*" || *s == subject))
}

db_test!(rbac_matrix, |db| {
    let started = Instant::now();
    let world = build_world(&db).await;
    let built = started.elapsed();
    let mut mismatches = Vec::new();
    let mut cases = 0usize;
    for action in actions() {
        let name = action.name();
        for subject in &world.subjects {
            let fresh_id = fresh(&world, subject, action.fresh, cases).await;
            let case = Case {
                n: cases,
                fresh: fresh_id,
            };
            cases += 1;
            let want = expected(subject.who, action.rule);
            let (got, body) = perform(&world, subject, &action, case).await;
            let gap = known_gap(&name, subject.name);
            if got != want && !gap {
                mismatches.push(format!(
                    "{:<36} {name:<52} expected {want}, got {got}: {}",
                    subject.name,
                    excerpt(&body)
                ));
            } else if got == want && gap {
                mismatches.push(format!(
                    "{:<36} {name:<52} is in KNOWN_GAPS but now gets {got}: remove it",
                    subject.name
                ));
            }
        }
    }
    eprintln!(
        "rbac matrix: {cases} cases ({} subjects × {} actions), fixture {built:?}, total {:?}",
        world.subjects.len(),
        actions().len(),
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} RBAC cases differ from rbac.md / api.md:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
});

// ---------------------------------------------------------------------------
// The fixture of members, groups and users.

/// A user of no role ("fixture") with Reader memberships of P, Q, PT and QT
/// and of two groups no subject belongs to; the groups hold Reader on P and PT
/// (G) and on Q and QT (QG); G also holds the global Reader role.
#[derive(Debug, Clone, Copy)]
struct Members {
    mu: i64,
    pm: i64,
    qm: i64,
    ptm: i64,
    qtm: i64,
    grp: i64,
    qgrp: i64,
    pg: i64,
    qg: i64,
    ptg: i64,
    qtg: i64,
    gm: i64,
    qgm: i64,
    gr: i64,
    uci: i64,
}

impl Members {
    fn placeholders(&self) -> [(&'static str, i64); 15] {
        [
            ("{mu}", self.mu),
            ("{pm}", self.pm),
            ("{qm}", self.qm),
            ("{ptm}", self.ptm),
            ("{qtm}", self.qtm),
            ("{grp}", self.grp),
            ("{qgrp}", self.qgrp),
            ("{pg}", self.pg),
            ("{qg}", self.qg),
            ("{ptg}", self.ptg),
            ("{qtg}", self.qtg),
            ("{gm}", self.gm),
            ("{qgm}", self.qgm),
            ("{gr}", self.gr),
            ("{uci}", self.uci),
        ]
    }
}

/// Inserts `sql` (with `RETURNING id`) and returns the id.
async fn insert_id(conn: &mut Conn, sql: &str, params: &[i64]) -> i64 {
    let params: Vec<bulk::Param> = params.iter().map(|p| (*p).into()).collect();
    let rows: Vec<(i64,)> = bulk::fetch_all(conn, &format!("{sql} RETURNING id"), &params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].0
}

async fn plain_user(conn: &mut Conn, name: &str) -> i64 {
    users::insert(
        conn,
        &User {
            username: name.to_owned(),
            email: format!("{name}@example.com"),
            ..User::default()
        },
    )
    .await
    .expect("user")
    .id
}

async fn plain_group(conn: &mut Conn, name: &str) -> i64 {
    groups::insert(
        conn,
        &Group {
            id: 0,
            name: name.to_owned(),
            description: None,
            social_provider: None,
        },
    )
    .await
    .expect("group")
    .id
}

const READER: i64 = 5;

async fn members_fixture(db: &Db, pt: i64, p: i64, qt: i64, q: i64) -> Members {
    let mut conn = db.conn().await.expect("connection");
    let conn = &mut conn;
    let mu = plain_user(conn, "fixture").await;
    let member = "INSERT INTO product_member (product_id, user_id, role_id) VALUES ($1, $2, $3)";
    let type_member =
        "INSERT INTO product_type_member (product_type_id, user_id, role_id) VALUES ($1, $2, $3)";
    let product_group =
        "INSERT INTO product_group (product_id, group_id, role_id) VALUES ($1, $2, $3)";
    let type_group =
        "INSERT INTO product_type_group (product_type_id, group_id, role_id) VALUES ($1, $2, $3)";
    let group_member =
        "INSERT INTO dojo_group_member (group_id, user_id, role_id) VALUES ($1, $2, $3)";
    let grp = plain_group(conn, "Fixture group").await;
    let qgrp = plain_group(conn, "Other fixture group").await;
    Members {
        mu,
        pm: insert_id(conn, member, &[p, mu, READER]).await,
        qm: insert_id(conn, member, &[q, mu, READER]).await,
        ptm: insert_id(conn, type_member, &[pt, mu, READER]).await,
        qtm: insert_id(conn, type_member, &[qt, mu, READER]).await,
        grp,
        qgrp,
        pg: insert_id(conn, product_group, &[p, grp, READER]).await,
        qg: insert_id(conn, product_group, &[q, qgrp, READER]).await,
        ptg: insert_id(conn, type_group, &[pt, grp, READER]).await,
        qtg: insert_id(conn, type_group, &[qt, qgrp, READER]).await,
        gm: insert_id(conn, group_member, &[grp, mu, READER]).await,
        qgm: insert_id(conn, group_member, &[qgrp, mu, READER]).await,
        gr: insert_id(
            conn,
            "INSERT INTO global_role (group_id, role_id) VALUES ($1, $2)",
            &[grp, READER],
        )
        .await,
        uci: insert_id(
            conn,
            "INSERT INTO user_contact_info (user_id, title) VALUES ($1, 'Fixture')",
            &[mu],
        )
        .await,
    }
}

/// The fresh objects of members, groups and users.
async fn fresh_member(conn: &mut Conn, ids: &Ids, kind: Fresh, n: usize) -> i64 {
    let m = &ids.m;
    let name = format!("fresh{n}");
    match kind {
        Fresh::User => plain_user(conn, &name).await,
        Fresh::ContactInfo => {
            let user = plain_user(conn, &name).await;
            insert_id(
                conn,
                "INSERT INTO user_contact_info (user_id) VALUES ($1)",
                &[user],
            )
            .await
        }
        Fresh::ProductMember => {
            let user = plain_user(conn, &name).await;
            let sql =
                "INSERT INTO product_member (product_id, user_id, role_id) VALUES ($1, $2, $3)";
            insert_id(conn, sql, &[ids.p, user, READER]).await
        }
        Fresh::ProductTypeMember => {
            let user = plain_user(conn, &name).await;
            let sql = "INSERT INTO product_type_member (product_type_id, user_id, role_id) \
                       VALUES ($1, $2, $3)";
            insert_id(conn, sql, &[ids.pt, user, READER]).await
        }
        Fresh::Group => plain_group(conn, &name).await,
        Fresh::ProductGroup => {
            let group = plain_group(conn, &name).await;
            let sql =
                "INSERT INTO product_group (product_id, group_id, role_id) VALUES ($1, $2, $3)";
            insert_id(conn, sql, &[ids.p, group, READER]).await
        }
        Fresh::ProductTypeGroup => {
            let group = plain_group(conn, &name).await;
            let sql = "INSERT INTO product_type_group (product_type_id, group_id, role_id) \
                       VALUES ($1, $2, $3)";
            insert_id(conn, sql, &[ids.pt, group, READER]).await
        }
        Fresh::GroupMember => {
            let user = plain_user(conn, &name).await;
            let sql =
                "INSERT INTO dojo_group_member (group_id, user_id, role_id) VALUES ($1, $2, $3)";
            insert_id(conn, sql, &[m.grp, user, READER]).await
        }
        Fresh::GlobalRole => {
            let user = plain_user(conn, &name).await;
            let sql = "INSERT INTO global_role (user_id, role_id) VALUES ($1, $2)";
            insert_id(conn, sql, &[user, READER]).await
        }
        other => unreachable!("{other:?} is made by fresh()"),
    }
}
