//! What Dojo serves under `/api/v2/`, one entry per resource: its verbs, its
//! list filters and orderings (the handlers' own tables where they have one),
//! and the actions beside the CRUD verbs. Operation ids are DefectDojo's:
//! `{resource}_{verb}`, `{resource}_{action}_{verb}`.

use super::components as c;
use super::describe::Kind::{Bool, Date, DateTime, Ids, Text, Texts};
use super::describe::{Answer, Body, Component, Filters, Method, Op};
use super::findings as f;
use crate::api::{engagements, findings, products, test_imports, tests};

/// The CRUD verbs of a DRF viewset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    List,
    Create,
    Retrieve,
    Update,
    PartialUpdate,
    Destroy,
}

use Verb::{Create, Destroy, List, PartialUpdate, Retrieve, Update};

const ALL: &[Verb] = &[List, Create, Retrieve, Update, PartialUpdate, Destroy];

/// A resource served as a DRF viewset at `/api/v2/{tag}/`.
pub struct Resource {
    pub tag: &'static str,
    pub model: &'static Component,
    /// The component a create reads and answers when it is not `model`.
    pub create: Option<&'static Component>,
    pub verbs: &'static [Verb],
    pub filters: &'static [Filters],
    pub ordering: Option<&'static [(&'static str, &'static str)]>,
}

pub const RESOURCES: &[Resource] = &[
    Resource {
        tag: "product_types",
        model: &c::PRODUCT_TYPE,
        create: None,
        verbs: ALL,
        filters: &[
            Filters::Names(Ids, &["id"]),
            Filters::Names(Text, &["name"]),
            Filters::Names(Bool, &["critical_product", "key_product"]),
        ],
        ordering: None,
    },
    Resource {
        tag: "products",
        model: &c::PRODUCT,
        create: None,
        verbs: ALL,
        filters: &[
            Filters::Names(
                Ids,
                &[
                    "id",
                    "prod_type",
                    "product_manager",
                    "technical_contact",
                    "team_manager",
                    "prod_numeric_grade",
                    "user_records",
                    "regulations",
                ],
            ),
            Filters::Names(Text, &["name", "name_exact", "description"]),
            Filters::Names(
                Texts,
                &["business_criticality", "platform", "lifecycle", "origin"],
            ),
            Filters::Names(Bool, &["external_audience", "internet_accessible"]),
        ],
        ordering: Some(products::ORDERING),
    },
    Resource {
        tag: "engagements",
        model: &c::ENGAGEMENT,
        create: None,
        verbs: ALL,
        filters: &[
            Filters::Names(
                Ids,
                &[
                    "id",
                    "product",
                    "requester",
                    "report_type",
                    "product__prod_type",
                ],
            ),
            Filters::Names(Bool, &["active", "threat_model", "api_test", "pen_test"]),
            Filters::Names(Text, &["name", "version", "status"]),
            Filters::Names(Date, &["target_start", "target_end"]),
        ],
        ordering: Some(engagements::ORDERING),
    },
    Resource {
        tag: "tests",
        model: &c::TEST,
        create: Some(&c::TEST_CREATE),
        verbs: ALL,
        filters: &[
            Filters::Names(
                Ids,
                &[
                    "id",
                    "test_type",
                    "engagement",
                    "api_scan_configuration",
                    "percent_complete",
                ],
            ),
            Filters::Names(
                Text,
                &[
                    "title",
                    "version",
                    "branch_tag",
                    "build_id",
                    "commit_hash",
                    "scan_type",
                ],
            ),
        ],
        ordering: Some(tests::ORDERING),
    },
    Resource {
        tag: "test_types",
        model: &c::TEST_TYPE,
        create: Some(&c::TEST_TYPE_CREATE),
        verbs: &[List, Create, Retrieve, Update, PartialUpdate],
        filters: &[
            Filters::Names(Ids, &["id"]),
            Filters::Names(Text, &["name"]),
        ],
        ordering: None,
    },
    Resource {
        tag: "test_imports",
        model: &c::TEST_IMPORT,
        create: None,
        verbs: &[List, Retrieve, Destroy],
        filters: &[
            Filters::Names(
                Ids,
                &[
                    "id",
                    "test",
                    "findings_affected",
                    "test_import_finding_action__finding",
                ],
            ),
            Filters::Names(
                Text,
                &[
                    "version",
                    "branch_tag",
                    "build_id",
                    "commit_hash",
                    "test_import_finding_action__action",
                ],
            ),
            Filters::Names(DateTime, &["test_import_finding_action__created"]),
        ],
        ordering: Some(test_imports::ORDERING),
    },
    Resource {
        tag: "findings",
        model: &f::FINDING,
        create: Some(&f::FINDING_CREATE),
        verbs: ALL,
        filters: &[
            Filters::Columns(Ids, findings::ID_LISTS),
            Filters::Names(
                Ids,
                &[
                    "test__engagement",
                    "test__engagement__product__prod_type",
                    "test__test_type",
                    "found_by",
                    "reviewers",
                    "endpoints",
                    "finding_group",
                    "sonarqube_issue",
                ],
            ),
            Filters::Names(Bool, findings::BOOLEANS),
            Filters::Names(Text, findings::CONTAINS),
            Filters::Names(Text, findings::EXACT),
            Filters::Names(
                Text,
                &[
                    "exact_title",
                    "product_name",
                    "product_name_contains",
                    "tag",
                ],
            ),
            Filters::Names(
                Texts,
                &[
                    "severity",
                    "numerical_severity",
                    "vulnerability_id",
                    "tags",
                    "tags__and",
                    "not_tags",
                ],
            ),
            Filters::Names(Bool, &["has_tags"]),
        ],
        ordering: Some(findings::ORDERING),
    },
    Resource {
        tag: "notes",
        model: &c::NOTE,
        create: None,
        verbs: &[List, Retrieve, Update, PartialUpdate],
        filters: &[
            Filters::Names(Ids, &["id", "author", "editor"]),
            Filters::Names(Text, &["entry"]),
            Filters::Names(Bool, &["private", "edited"]),
            Filters::Names(DateTime, &["date", "edit_time"]),
        ],
        ordering: None,
    },
];

/// An operation with DefectDojo's defaults: authenticated, no filters.
fn op(tag: &'static str, id: &str, method: Method, path: &str, status: u16) -> Op {
    Op {
        id: id.to_owned(),
        tag,
        method,
        path: path.to_owned(),
        body: None,
        status,
        answer: Answer::Empty,
        filters: &[],
        ordering: None,
        prefetch: None,
        secured: true,
    }
}

impl Resource {
    pub fn collection(&self) -> String {
        format!("/api/v2/{}/", self.tag)
    }

    pub fn item(&self) -> String {
        format!("/api/v2/{}/{{id}}/", self.tag)
    }

    /// The operations of its verbs.
    pub fn operations(&self) -> Vec<Op> {
        let tag = self.tag;
        let model = self.model;
        let create = self.create.unwrap_or(model);
        self.verbs
            .iter()
            .map(|verb| {
                let (suffix, method, path, status) = match verb {
                    List => ("list", Method::Get, self.collection(), 200),
                    Create => ("create", Method::Post, self.collection(), 201),
                    Retrieve => ("retrieve", Method::Get, self.item(), 200),
                    Update => ("update", Method::Put, self.item(), 200),
                    PartialUpdate => ("partial_update", Method::Patch, self.item(), 200),
                    Destroy => ("destroy", Method::Delete, self.item(), 204),
                };
                let mut op = op(tag, &format!("{tag}_{suffix}"), method, &path, status);
                match verb {
                    List => {
                        op.answer = Answer::Page(model);
                        op.filters = self.filters;
                        op.ordering = self.ordering;
                        op.prefetch = model.prefetch();
                    }
                    Create => {
                        op.body = Some(Body::Full(create));
                        op.answer = Answer::One(create);
                    }
                    Retrieve => {
                        op.answer = Answer::One(model);
                        op.prefetch = model.prefetch();
                    }
                    Update => {
                        op.body = Some(Body::Full(model));
                        op.answer = Answer::One(model);
                    }
                    PartialUpdate => {
                        op.body = Some(Body::Patched(model));
                        op.answer = Answer::One(model);
                    }
                    Destroy => {}
                }
                op
            })
            .collect()
    }
}

/// The operations beside the viewsets' verbs.
fn actions() -> Vec<Op> {
    let mut ops = Vec::new();

    let mut token = op(
        "api-token-auth",
        "api_token_auth_create",
        Method::Post,
        "/api/v2/api-token-auth/",
        200,
    );
    token.body = Some(Body::Full(&c::AUTH_TOKEN));
    token.answer = Answer::One(&c::AUTH_TOKEN);
    token.secured = false;
    ops.push(token);

    for (tag, id, model) in [
        ("import-scan", "import_scan_create", &c::IMPORT_SCAN),
        ("reimport-scan", "reimport_scan_create", &c::REIMPORT_SCAN),
    ] {
        let mut import = op(tag, id, Method::Post, &format!("/api/v2/{tag}/"), 201);
        import.body = Some(Body::Upload(model));
        import.answer = Answer::One(model);
        ops.push(import);
    }

    for action in ["close", "reopen"] {
        let path = format!("/api/v2/engagements/{{id}}/{action}/");
        let id = format!("engagements_{action}_create");
        ops.push(op("engagements", &id, Method::Post, &path, 200));
    }

    for (tag, to_notes) in [
        ("findings", &c::FINDING_TO_NOTES),
        ("engagements", &c::ENGAGEMENT_TO_NOTES),
        ("tests", &c::TEST_TO_NOTES),
    ] {
        let path = format!("/api/v2/{tag}/{{id}}/notes/");
        let mut read = op(
            tag,
            &format!("{tag}_notes_retrieve"),
            Method::Get,
            &path,
            200,
        );
        read.answer = Answer::One(to_notes);
        ops.push(read);
        let mut add = op(
            tag,
            &format!("{tag}_notes_create"),
            Method::Post,
            &path,
            201,
        );
        add.body = Some(Body::Full(&c::ADD_NEW_NOTE_OPTION));
        add.answer = Answer::One(&c::NOTE);
        ops.push(add);
    }

    for (tag, to_files) in [
        ("findings", &c::FINDING_TO_FILES),
        ("engagements", &c::ENGAGEMENT_TO_FILES),
        ("tests", &c::TEST_TO_FILES),
    ] {
        let path = format!("/api/v2/{tag}/{{id}}/files/");
        let id = format!("{tag}_files_retrieve");
        let mut read = op(tag, &id, Method::Get, &path, 200);
        read.answer = Answer::One(to_files);
        ops.push(read);
        let mut add = op(
            tag,
            &format!("{tag}_files_create"),
            Method::Post,
            &path,
            201,
        );
        add.body = Some(Body::Upload(&c::ADD_NEW_FILE_OPTION));
        add.answer = Answer::One(&c::FILE);
        ops.push(add);
        let download = format!("/api/v2/{tag}/{{id}}/files/download/{{file_id}}/");
        let id = format!("{tag}_files_download_retrieve");
        let mut get = op(tag, &id, Method::Get, &download, 200);
        get.answer = Answer::One(&c::RAW_FILE);
        ops.push(get);
    }

    let tags = "/api/v2/findings/{id}/tags/";
    let mut read_tags = op("findings", "findings_tags_retrieve", Method::Get, tags, 200);
    read_tags.answer = Answer::One(&c::TAG);
    ops.push(read_tags);
    let mut add_tags = op("findings", "findings_tags_create", Method::Post, tags, 200);
    add_tags.body = Some(Body::Full(&c::TAG));
    add_tags.answer = Answer::One(&c::TAG);
    ops.push(add_tags);

    let remove_tags = "/api/v2/findings/{id}/remove_tags/";
    for (id, method, body) in [
        (
            "findings_remove_tags_update",
            Method::Put,
            Body::Full(&c::TAG),
        ),
        (
            "findings_remove_tags_partial_update",
            Method::Patch,
            Body::Patched(&c::TAG),
        ),
    ] {
        let mut remove = op("findings", id, method, remove_tags, 204);
        remove.body = Some(body);
        ops.push(remove);
    }
    let mut remove_note = op(
        "findings",
        "findings_remove_note_partial_update",
        Method::Patch,
        "/api/v2/findings/{id}/remove_note/",
        204,
    );
    remove_note.body = Some(Body::Patched(&c::FINDING_NOTE));
    ops.push(remove_note);

    ops.extend(finding_status_actions());

    for tag in crate::api::delete_preview::resources() {
        let path = format!("/api/v2/{tag}/{{id}}/delete_preview/");
        let id = format!("{tag}_delete_preview_list");
        let mut preview = op(tag, &id, Method::Get, &path, 200);
        preview.answer = Answer::Page(&c::DELETE_PREVIEW);
        ops.push(preview);
    }

    let mut profile = op(
        "user_profile",
        "user_profile_retrieve",
        Method::Get,
        "/api/v2/user_profile/",
        200,
    );
    profile.answer = Answer::One(&c::USER_PROFILE);
    ops.push(profile);
    ops
}

/// `close/`, `verify/`, the duplicate cluster and `request_response/`.
fn finding_status_actions() -> Vec<Op> {
    let mut ops = Vec::new();
    let mut close = op(
        "findings",
        "findings_close_create",
        Method::Post,
        "/api/v2/findings/{id}/close/",
        200,
    );
    close.body = Some(Body::Full(&c::FINDING_CLOSE));
    close.answer = Answer::One(&c::FINDING_CLOSE);
    ops.push(close);
    let mut verify = op(
        "findings",
        "findings_verify_create",
        Method::Post,
        "/api/v2/findings/{id}/verify/",
        200,
    );
    verify.body = Some(Body::Full(&c::FINDING_VERIFY));
    verify.answer = Answer::One(&f::FINDING);
    ops.push(verify);
    let mut cluster = op(
        "findings",
        "findings_duplicate_list",
        Method::Get,
        "/api/v2/findings/{id}/duplicate/",
        200,
    );
    cluster.answer = Answer::List(&f::FINDING);
    ops.push(cluster);
    ops.push(op(
        "findings",
        "findings_duplicate_reset_create",
        Method::Post,
        "/api/v2/findings/{id}/duplicate/reset/",
        204,
    ));
    ops.push(op(
        "findings",
        "findings_original_create",
        Method::Post,
        "/api/v2/findings/{id}/original/{new_fid}/",
        204,
    ));
    let pairs = "/api/v2/findings/{id}/request_response/";
    let mut read = op(
        "findings",
        "findings_request_response_retrieve",
        Method::Get,
        pairs,
        200,
    );
    read.answer = Answer::One(&c::BURP_RAW_REQUEST_RESPONSE);
    ops.push(read);
    // Dojo answers 200, as DefectDojo's handler does (its schema says 201).
    let mut add = op(
        "findings",
        "findings_request_response_create",
        Method::Post,
        pairs,
        200,
    );
    add.body = Some(Body::Full(&c::BURP_RAW_REQUEST_RESPONSE));
    add.answer = Answer::One(&c::BURP_RAW_REQUEST_RESPONSE);
    ops.push(add);
    ops
}

/// Every operation Dojo serves under `/api/v2/`, in path order.
pub fn operations() -> Vec<Op> {
    let mut ops: Vec<Op> = RESOURCES
        .iter()
        .chain(super::config::RESOURCES)
        .chain(super::risk::RESOURCES)
        .chain(super::notifications::RESOURCES)
        .flat_map(Resource::operations)
        .collect();
    ops.extend(actions());
    ops.extend(super::members::operations());
    ops.extend(super::config::actions());
    ops.extend(super::risk::actions());
    ops.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    ops
}
