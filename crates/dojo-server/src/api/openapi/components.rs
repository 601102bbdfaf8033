//! The components of the schema, under DefectDojo's names, with the fields
//! Dojo's shapes (`api/shapes/`) send and read. Findings are in `findings.rs`.

use super::describe::Ty::{self, Bool, Date, DateTime, Int, Str};
use super::describe::{ro, rw, wo, Component, Field};
use crate::api::prefetch::Fields;
use crate::api::{product_types, products, test_imports, tests, users};

pub const INTS: Ty = Ty::List(&Int);
pub const STRS: Ty = Ty::List(&Str);
pub const OBJECT: Ty = Ty::Object;

/// The `prefetch` object of a prefetching resource's answers, with the
/// fields the resource's handler lets `?prefetch=` name.
pub const fn prefetch(fields: Fields) -> Field {
    ro("prefetch", Ty::Prefetch(fields)).optional()
}

pub const AUTH_TOKEN: Component = Component {
    name: "AuthToken",
    fields: &[&[
        wo("username", Str).req(),
        wo("password", Str).req(),
        ro("token", Str),
    ]],
};

pub const PRODUCT_TYPE: Component = Component {
    name: "ProductType",
    fields: &[&[
        ro("id", Int),
        rw("name", Str).req().max(255),
        rw("description", Str).null().max(4000),
        rw("critical_product", Bool),
        rw("key_product", Bool),
        ro("updated", DateTime).null(),
        ro("created", DateTime).null(),
        rw("authorized_users", INTS),
        prefetch(product_types::PREFETCH),
    ]],
};

pub const PRODUCT: Component = Component {
    name: "Product",
    fields: &[&[
        ro("id", Int),
        ro("findings_count", Int),
        ro("findings_list", INTS),
        rw("tags", STRS),
        ro("product_meta", Ty::List(&Ty::Object)),
        rw("name", Str).req().max(255),
        rw("description", Str).req().max(4000),
        ro("created", DateTime).null(),
        rw("prod_numeric_grade", Int).null(),
        rw("business_criticality", Str).null(),
        rw("platform", Str).null(),
        rw("lifecycle", Str).null(),
        rw("origin", Str).null(),
        rw("user_records", Int).null(),
        rw("revenue", Ty::Decimal).null(),
        rw("external_audience", Bool),
        rw("internet_accessible", Bool),
        rw("enable_product_tag_inheritance", Bool),
        rw("enable_simple_risk_acceptance", Bool),
        rw("enable_full_risk_acceptance", Bool),
        rw("disable_sla_breach_notifications", Bool),
        rw("product_manager", Int).null(),
        rw("technical_contact", Int).null(),
        rw("team_manager", Int).null(),
        rw("prod_type", Int).req(),
        rw("sla_configuration", Int),
        rw("authorized_users", INTS),
        rw("regulations", INTS),
        prefetch(products::PREFETCH),
    ]],
};

pub const ENGAGEMENT: Component = Component {
    name: "Engagement",
    fields: &[&[
        ro("id", Int),
        rw("tags", STRS),
        ro("notes", Ty::List(&Ty::Ref("Note"))),
        ro("files", FILE_LIST),
        ro("created", DateTime).null(),
        ro("updated", DateTime).null(),
        rw("name", Str).null().max(300),
        rw("description", Str).null().max(2000),
        rw("version", Str).null().max(100),
        rw("first_contacted", Date).null(),
        rw("target_start", Date).req(),
        rw("target_end", Date).req(),
        rw("reason", Str).null().max(2000),
        ro("active", Bool),
        rw("tracker", Ty::Uri).null().max(200),
        rw("test_strategy", Ty::Uri).null().max(200),
        rw("threat_model", Bool),
        rw("api_test", Bool),
        rw("pen_test", Bool),
        rw("check_list", Bool),
        rw("status", Str).null(),
        ro("progress", Str),
        ro("tmodel_path", Str).null(),
        ro("done_testing", Bool),
        rw("engagement_type", Str).null(),
        rw("build_id", Str).null().max(150),
        rw("commit_hash", Str).null().max(150),
        rw("branch_tag", Str).null().max(150),
        rw("source_code_management_uri", Ty::Uri).null().max(600),
        rw("deduplication_on_engagement", Bool),
        rw("lead", Int).null(),
        rw("requester", Int).null(),
        rw("preset", Int).null(),
        rw("report_type", Int).null(),
        rw("product", Int).req(),
        rw("cicd_scm_server", Int).null(),
        rw("cicd_build_server", Int).null(),
        rw("cicd_orchestration_engine", Int).null(),
        ro("risk_acceptance", INTS),
    ]],
};

/// What a test and a created test share.
const TEST_FIELDS: &[Field] = &[
    rw("tags", STRS),
    rw("scan_type", Str).null(),
    rw("title", Str).null().max(255),
    rw("description", Str).null(),
    rw("target_start", DateTime).req(),
    rw("target_end", DateTime).req(),
    rw("percent_complete", Int).null(),
    ro("updated", DateTime).null(),
    ro("created", DateTime).null(),
    rw("version", Str).null().max(100),
    rw("build_id", Str).null().max(150),
    rw("commit_hash", Str).null().max(150),
    rw("branch_tag", Str).null().max(150),
    rw("lead", Int).null(),
    rw("test_type", Int).req(),
    rw("environment", Int).null(),
    rw("api_scan_configuration", Int).null(),
];

pub const TEST: Component = Component {
    name: "Test",
    fields: &[
        &[
            ro("id", Int),
            ro("engagement", Int),
            ro("test_type_name", Str),
            ro("finding_groups", Ty::List(&Ty::Object)),
            ro("deduplication_algorithm", Str),
            ro("hash_code_fields", STRS).null(),
            ro("notes", Ty::List(&Ty::Ref("Note"))),
            ro("files", FILE_LIST),
        ],
        TEST_FIELDS,
        &[prefetch(tests::PREFETCH)],
    ],
};

pub const TEST_CREATE: Component = Component {
    name: "TestCreate",
    fields: &[
        &[
            ro("id", Int),
            rw("engagement", Int).req(),
            rw("notes", INTS),
            ro("files", INTS),
        ],
        TEST_FIELDS,
    ],
};

const TEST_TYPE_FLAGS: &[Field] = &[
    rw("static_tool", Bool),
    rw("dynamic_tool", Bool),
    rw("active", Bool),
];

/// A test type as read and updated: its name is fixed once created.
pub const TEST_TYPE: Component = Component {
    name: "TestType",
    fields: &[&[ro("id", Int), ro("name", Str)], TEST_TYPE_FLAGS],
};

pub const TEST_TYPE_CREATE: Component = Component {
    name: "TestTypeCreate",
    fields: &[
        &[ro("id", Int), rw("name", Str).req().max(200)],
        TEST_TYPE_FLAGS,
    ],
};

pub const TEST_IMPORT_FINDING_ACTION: Component = Component {
    name: "TestImportFindingAction",
    fields: &[&[
        ro("id", Int),
        ro("created", DateTime),
        ro("modified", DateTime),
        rw("action", Ty::Enum(&["N", "C", "R", "U", "D"])).null(),
        rw("test_import", Int).req(),
        rw("finding", Int).req(),
    ]],
};

pub const TEST_IMPORT: Component = Component {
    name: "TestImport",
    fields: &[&[
        ro("id", Int),
        ro("created", DateTime),
        ro("modified", DateTime),
        rw("type", Str).max(64),
        rw("version", Str).null().max(100),
        rw("build_id", Str).null().max(150),
        rw("commit_hash", Str).null().max(150),
        rw("branch_tag", Str).null().max(150),
        ro("test", Int),
        ro("findings_affected", INTS),
        rw("import_settings", Ty::Any).null(),
        ro(
            "test_import_finding_action_set",
            Ty::List(&Ty::Ref("TestImportFindingAction")),
        ),
        prefetch(test_imports::PREFETCH),
    ]],
};

pub const USER_STUB: Component = Component {
    name: "UserStub",
    fields: &[&[
        ro("id", Int),
        rw("username", Str).req().max(150),
        rw("first_name", Str).max(150),
        rw("last_name", Str).max(150),
    ]],
};

pub const NOTE_TYPE: Component = Component {
    name: "NoteType",
    fields: &[&[
        ro("id", Int),
        rw("name", Str).req().max(100),
        rw("description", Str).req().max(200),
        rw("is_single", Bool),
        rw("is_active", Bool),
        rw("is_mandatory", Bool),
    ]],
};

pub const NOTE_HISTORY: Component = Component {
    name: "NoteHistory",
    fields: &[&[
        ro("id", Int),
        ro("current_editor", Ty::Ref("UserStub")),
        ro("note_type", Ty::Ref("NoteType")),
        rw("data", Str).req(),
        ro("time", DateTime).null(),
    ]],
};

pub const NOTE: Component = Component {
    name: "Note",
    fields: &[&[
        ro("id", Int),
        ro("author", Ty::Ref("UserStub")),
        ro("editor", Ty::Ref("UserStub")).null(),
        ro("history", Ty::List(&Ty::Ref("NoteHistory"))),
        ro("note_type", Ty::Ref("NoteType")).null(),
        rw("entry", Str).req(),
        ro("date", DateTime),
        rw("private", Bool),
        rw("edited", Bool),
        ro("edit_time", DateTime).null(),
    ]],
};

/// The body of `{object}/notes/` (POST).
pub const ADD_NEW_NOTE_OPTION: Component = Component {
    name: "AddNewNoteOption",
    fields: &[&[
        wo("entry", Str).req(),
        wo("private", Bool),
        wo("note_type", Int).null(),
    ]],
};

pub const NOTE_LIST: Ty = Ty::List(&Ty::Ref("Note"));

pub const FINDING_TO_NOTES: Component = Component {
    name: "FindingToNotes",
    fields: &[&[ro("finding_id", Int), ro("notes", NOTE_LIST)]],
};

pub const ENGAGEMENT_TO_NOTES: Component = Component {
    name: "EngagementToNotes",
    fields: &[&[ro("engagement_id", Int), ro("notes", NOTE_LIST)]],
};

pub const TEST_TO_NOTES: Component = Component {
    name: "TestToNotes",
    fields: &[&[ro("test_id", Int), ro("notes", NOTE_LIST)]],
};

/// DefectDojo's `FileSerializer`: `file` is where it downloads from.
pub const FILE: Component = Component {
    name: "File",
    fields: &[&[
        ro("id", Int),
        rw("title", Str).req().max(100),
        rw("file", Ty::Uri).req(),
    ]],
};

pub const FILE_LIST: Ty = Ty::List(&Ty::Ref("File"));

/// The body of `{object}/files/` (POST, multipart).
pub const ADD_NEW_FILE_OPTION: Component = Component {
    name: "AddNewFileOption",
    fields: &[&[
        wo("title", Str).req().max(100),
        wo("file", Ty::Binary).req(),
    ]],
};

pub const FINDING_TO_FILES: Component = Component {
    name: "FindingToFiles",
    fields: &[&[ro("finding_id", Int), ro("files", FILE_LIST)]],
};

pub const ENGAGEMENT_TO_FILES: Component = Component {
    name: "EngagementToFiles",
    fields: &[&[ro("engagement_id", Int), ro("files", FILE_LIST)]],
};

pub const TEST_TO_FILES: Component = Component {
    name: "TestToFiles",
    fields: &[&[ro("test_id", Int), ro("files", FILE_LIST)]],
};

/// What DefectDojo documents `files/download/{file_id}/` to answer (it sends the file).
pub const RAW_FILE: Component = Component {
    name: "RawFile",
    fields: &[&[ro("file", Ty::Uri)]],
};

pub const TAG: Component = Component {
    name: "Tag",
    fields: &[&[rw("tags", STRS).req()]],
};

/// The body of a finding's `remove_note/`.
pub const FINDING_NOTE: Component = Component {
    name: "FindingNote",
    fields: &[&[wo("note_id", Int).req()]],
};

pub const USER: Component = Component {
    name: "User",
    fields: &[&[
        ro("id", Int),
        rw("username", Str).req().max(150),
        rw("first_name", Str).max(150),
        rw("last_name", Str).max(150),
        rw("email", Ty::Str),
        ro("date_joined", DateTime),
        ro("last_login", DateTime).null(),
        rw("is_active", Bool),
        rw("is_staff", Bool),
        rw("is_superuser", Bool),
        ro("token_last_reset", DateTime).null(),
        ro("password_last_reset", DateTime).null(),
        rw("configuration_permissions", INTS),
        wo("password", Str),
    ]],
};

pub const USER_CONTACT_INFO: Component = Component {
    name: "UserContactInfo",
    fields: &[&[
        ro("id", Int),
        ro("user_profile", Ty::Ref("User")),
        rw("title", Str).null().max(150),
        rw("phone_number", Str).max(15),
        rw("cell_number", Str).max(15),
        rw("twitter_username", Str).null().max(150),
        rw("github_username", Str).null().max(150),
        rw("slack_username", Str).null().max(150),
        rw("slack_user_id", Str).null().max(25),
        rw("block_execution", Bool),
        rw("deduplication_execution_mode", Str),
        rw("force_password_reset", Bool),
        rw("ui_use_tailwind", Bool),
        rw("token_last_reset", DateTime).null(),
        rw("password_last_reset", DateTime).null(),
        rw("user", Int).req(),
        prefetch(users::CONTACT_PREFETCH),
    ]],
};

pub const USER_PROFILE: Component = Component {
    name: "UserProfile",
    fields: &[&[
        ro("user", Ty::Ref("User")),
        ro("user_contact_info", Ty::Ref("UserContactInfo")).null(),
    ]],
};

/// What an import and a reimport share.
const IMPORT_FIELDS: &[Field] = &[
    rw("scan_date", Date),
    rw("minimum_severity", Ty::Enum(SEVERITIES)),
    rw("active", Bool),
    rw("verified", Bool),
    rw("endpoint_to_add", Int).null(),
    wo("file", Ty::Binary),
    rw("product_type_name", Str),
    rw("product_name", Str),
    rw("engagement_name", Str),
    rw("engagement_end_date", Date),
    rw("source_code_management_uri", Ty::Uri).max(600),
    rw("test_title", Str),
    rw("auto_create_context", Bool),
    rw("deduplication_on_engagement", Bool),
    rw("lead", Int).null(),
    rw("push_to_jira", Bool),
    rw("environment", Str),
    rw("build_id", Str),
    rw("branch_tag", Str),
    rw("commit_hash", Str),
    rw("api_scan_configuration", Int).null(),
    rw("service", Str),
    rw("group_by", Str),
    rw("create_finding_groups_for_all_findings", Bool),
    rw("apply_tags_to_findings", Bool),
    rw("apply_tags_to_endpoints", Bool),
    rw("scan_type", Str),
    rw("tags", STRS),
    rw("close_old_findings", Bool),
    rw("close_old_findings_product_scope", Bool),
    rw("version", Str),
    ro("test_id", Int),
    ro("engagement_id", Int),
    ro("product_id", Int),
    ro("product_type_id", Int),
    ro("statistics", OBJECT),
    ro("deduplication_complete", Bool),
];

pub const SEVERITIES: &[&str] = &["Info", "Low", "Medium", "High", "Critical"];

pub const IMPORT_SCAN: Component = Component {
    name: "ImportScan",
    fields: &[IMPORT_FIELDS, &[rw("engagement", Int), ro("test", Int)]],
};

pub const REIMPORT_SCAN: Component = Component {
    name: "ReImportScan",
    fields: &[
        IMPORT_FIELDS,
        &[rw("do_not_reactivate", Bool), rw("test", Int)],
    ],
};

/// The components only other components refer to.
/// `findings/{id}/close/`: the body, and the status it answers.
pub const FINDING_CLOSE: Component = Component {
    name: "FindingClose",
    fields: &[&[
        rw("is_mitigated", Bool),
        rw("mitigated", DateTime).null(),
        rw("false_p", Bool),
        rw("out_of_scope", Bool),
        rw("duplicate", Bool),
        rw("mitigated_by", Int).null(),
        wo("note", Str),
        wo("note_type", Int).null(),
    ]],
};

/// `findings/{id}/verify/`'s body.
pub const FINDING_VERIFY: Component = Component {
    name: "FindingVerify",
    fields: &[&[wo("note", Str), wo("note_type", Int).null()]],
};

/// `findings/{id}/request_response/`: the decoded HTTP pairs.
pub const BURP_RAW_REQUEST_RESPONSE: Component = Component {
    name: "BurpRawRequestResponse",
    fields: &[&[rw("req_resp", Ty::List(&Ty::Object)).req()]],
};

/// One object a delete would take with it (`delete_preview/`).
pub const DELETE_PREVIEW: Component = Component {
    name: "DeletePreview",
    fields: &[&[ro("model", Str), ro("id", Int).null(), ro("name", Str)]],
};

/// `FindingGroupSerializer`, prefetched from findings.
pub const FINDING_GROUP: Component = Component {
    name: "FindingGroup",
    fields: &[&[
        ro("id", Int),
        rw("name", Str).req().max(255),
        rw("test", Int).req(),
        ro("jira_issue", OBJECT).null(),
    ]],
};

pub const NESTED: &[&Component] = &[
    &FINDING_GROUP,
    &USER_STUB,
    &NOTE_TYPE,
    &NOTE_HISTORY,
    &NOTE,
    &FILE,
    &USER,
    &USER_CONTACT_INFO,
    &TEST_IMPORT_FINDING_ACTION,
];
