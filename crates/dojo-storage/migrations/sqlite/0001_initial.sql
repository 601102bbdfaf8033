-- Dojo's initial schema. The PostgreSQL tree has the same file with the same tables and
-- columns; only the column types that the two dialects spell differently change
-- (identity columns, timestamps, floats, JSON). Enumerations are stored as
-- DefectDojo's own strings. Integer columns are BIGINT so Rust reads them all as i64.

CREATE TABLE sla_configuration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    critical BIGINT NOT NULL DEFAULT 7 CHECK (critical >= 1),
    high BIGINT NOT NULL DEFAULT 30 CHECK (high >= 1),
    medium BIGINT NOT NULL DEFAULT 90 CHECK (medium >= 1),
    low BIGINT NOT NULL DEFAULT 120 CHECK (low >= 1),
    enforce_critical BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_high BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_medium BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_low BOOLEAN NOT NULL DEFAULT TRUE,
    restart_sla_on_reactivation BOOLEAN NOT NULL DEFAULT FALSE,
    async_updating BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE dojo_user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    last_login DATETIME,
    date_joined DATETIME NOT NULL
);

CREATE TABLE user_contact_info (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL UNIQUE REFERENCES dojo_user (id) ON DELETE CASCADE,
    title TEXT,
    phone_number TEXT,
    cell_number TEXT,
    twitter_username TEXT,
    github_username TEXT,
    slack_username TEXT,
    slack_user_id TEXT,
    block_execution BOOLEAN NOT NULL DEFAULT FALSE,
    deduplication_execution_mode TEXT,
    force_password_reset BOOLEAN NOT NULL DEFAULT FALSE,
    ui_use_tailwind BOOLEAN NOT NULL DEFAULT FALSE,
    token_last_reset DATETIME,
    password_last_reset DATETIME,
    user_state_details TEXT
);

-- One API token per user. Only a SHA-256 of the key is stored; the key itself is
-- derived from the server secret and `salt` so it can be handed out again.
CREATE TABLE api_token (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES dojo_user (id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL UNIQUE,
    salt TEXT NOT NULL,
    created DATETIME NOT NULL
);

CREATE TABLE role (
    id BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_owner BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE dojo_group (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    social_provider TEXT
);

CREATE TABLE dojo_group_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES dojo_group (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    UNIQUE (group_id, user_id)
);

CREATE TABLE global_role (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT UNIQUE REFERENCES dojo_user (id) ON DELETE CASCADE,
    group_id BIGINT UNIQUE REFERENCES dojo_group (id) ON DELETE CASCADE,
    role_id BIGINT REFERENCES role (id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);

CREATE TABLE product_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    critical_product BOOLEAN NOT NULL DEFAULT FALSE,
    key_product BOOLEAN NOT NULL DEFAULT FALSE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE product_type_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_type_id BIGINT NOT NULL REFERENCES product_type (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    UNIQUE (product_type_id, user_id)
);

CREATE TABLE product_type_group (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_type_id BIGINT NOT NULL REFERENCES product_type (id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES dojo_group (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    UNIQUE (product_type_id, group_id)
);

CREATE TABLE regulation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    acronym TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    description TEXT,
    reference TEXT
);

CREATE TABLE product (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    prod_type_id BIGINT NOT NULL REFERENCES product_type (id) ON DELETE CASCADE,
    sla_configuration_id BIGINT NOT NULL DEFAULT 1 REFERENCES sla_configuration (id) ON DELETE RESTRICT,
    product_manager_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    technical_contact_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    team_manager_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    business_criticality TEXT,
    platform TEXT,
    lifecycle TEXT,
    origin TEXT,
    user_records BIGINT CHECK (user_records >= 0),
    -- decimal(15,2) kept as whole cents: exact on both databases
    revenue_cents BIGINT CHECK (revenue_cents >= 0),
    external_audience BOOLEAN NOT NULL DEFAULT FALSE,
    internet_accessible BOOLEAN NOT NULL DEFAULT FALSE,
    enable_product_tag_inheritance BOOLEAN NOT NULL DEFAULT FALSE,
    enable_simple_risk_acceptance BOOLEAN NOT NULL DEFAULT FALSE,
    enable_full_risk_acceptance BOOLEAN NOT NULL DEFAULT TRUE,
    disable_sla_breach_notifications BOOLEAN NOT NULL DEFAULT FALSE,
    prod_numeric_grade BIGINT,
    tid BIGINT NOT NULL DEFAULT 0,
    async_updating BOOLEAN NOT NULL DEFAULT FALSE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);
CREATE INDEX product_prod_type ON product (prod_type_id);

CREATE TABLE product_regulation (
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    regulation_id BIGINT NOT NULL REFERENCES regulation (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, regulation_id)
);

CREATE TABLE product_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    UNIQUE (product_id, user_id)
);

CREATE TABLE product_group (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES dojo_group (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    UNIQUE (product_id, group_id)
);

CREATE TABLE tag (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE contact (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    team TEXT NOT NULL DEFAULT '',
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_globally_read_only BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE cicd_infrastructure (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    url TEXT,
    infrastructure_type TEXT NOT NULL,
    UNIQUE (name, infrastructure_type)
);

CREATE TABLE development_environment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE report_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL
);

CREATE TABLE test_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    static_tool BOOLEAN NOT NULL DEFAULT FALSE,
    dynamic_tool BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    dynamically_generated BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE engagement_presets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    notes TEXT,
    scope TEXT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    created DATETIME NOT NULL
);

CREATE TABLE engagement_presets_test_type (
    engagement_presets_id BIGINT NOT NULL REFERENCES engagement_presets (id) ON DELETE CASCADE,
    test_type_id BIGINT NOT NULL REFERENCES test_type (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_presets_id, test_type_id)
);

CREATE TABLE network_locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location TEXT NOT NULL
);

CREATE TABLE engagement_presets_network_locations (
    engagement_presets_id BIGINT NOT NULL REFERENCES engagement_presets (id) ON DELETE CASCADE,
    network_locations_id BIGINT NOT NULL REFERENCES network_locations (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_presets_id, network_locations_id)
);

CREATE TABLE engagement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    description TEXT,
    version TEXT,
    first_contacted DATE,
    target_start DATE NOT NULL,
    target_end DATE NOT NULL,
    lead_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    requester_id BIGINT REFERENCES contact (id) ON DELETE CASCADE,
    preset_id BIGINT REFERENCES engagement_presets (id) ON DELETE SET NULL,
    reason TEXT,
    report_type_id BIGINT REFERENCES report_type (id) ON DELETE SET NULL,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    tracker TEXT,
    test_strategy TEXT,
    threat_model BOOLEAN NOT NULL DEFAULT TRUE,
    api_test BOOLEAN NOT NULL DEFAULT TRUE,
    pen_test BOOLEAN NOT NULL DEFAULT TRUE,
    check_list BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL DEFAULT 'Not Started',
    progress TEXT NOT NULL DEFAULT 'threat_model',
    tmodel_path TEXT NOT NULL DEFAULT 'none',
    done_testing BOOLEAN NOT NULL DEFAULT FALSE,
    engagement_type TEXT NOT NULL DEFAULT 'Interactive',
    build_id TEXT,
    commit_hash TEXT,
    branch_tag TEXT,
    source_code_management_uri TEXT,
    cicd_scm_server_id BIGINT REFERENCES cicd_infrastructure (id) ON DELETE SET NULL,
    cicd_build_server_id BIGINT REFERENCES cicd_infrastructure (id) ON DELETE SET NULL,
    cicd_orchestration_engine_id BIGINT REFERENCES cicd_infrastructure (id) ON DELETE SET NULL,
    deduplication_on_engagement BOOLEAN NOT NULL DEFAULT FALSE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);
CREATE INDEX engagement_product ON engagement (product_id);

CREATE TABLE check_list (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id BIGINT NOT NULL UNIQUE REFERENCES engagement (id) ON DELETE CASCADE,
    session_management TEXT NOT NULL DEFAULT 'none',
    encryption_crypto TEXT NOT NULL DEFAULT 'none',
    configuration_management TEXT NOT NULL DEFAULT 'none',
    authentication TEXT NOT NULL DEFAULT 'none',
    authorization_and_access_control TEXT NOT NULL DEFAULT 'none',
    data_input_sanitization_validation TEXT NOT NULL DEFAULT 'none',
    sensitive_data TEXT NOT NULL DEFAULT 'none',
    other TEXT NOT NULL DEFAULT 'none'
);

CREATE TABLE tool_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT
);

CREATE TABLE tool_configuration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    url TEXT,
    tool_type_id BIGINT NOT NULL REFERENCES tool_type (id) ON DELETE CASCADE,
    authentication_type TEXT,
    extras TEXT,
    username TEXT,
    password TEXT,
    auth_title TEXT,
    ssh TEXT,
    api_key TEXT
);

CREATE TABLE product_api_scan_configuration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    tool_configuration_id BIGINT NOT NULL REFERENCES tool_configuration (id) ON DELETE CASCADE,
    service_key_1 TEXT,
    service_key_2 TEXT,
    service_key_3 TEXT
);

CREATE TABLE test (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id BIGINT NOT NULL REFERENCES engagement (id) ON DELETE CASCADE,
    lead_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    test_type_id BIGINT NOT NULL REFERENCES test_type (id) ON DELETE CASCADE,
    scan_type TEXT,
    title TEXT,
    description TEXT,
    target_start DATETIME NOT NULL,
    target_end DATETIME NOT NULL,
    percent_complete BIGINT,
    environment_id BIGINT REFERENCES development_environment (id) ON DELETE RESTRICT,
    version TEXT,
    build_id TEXT,
    commit_hash TEXT,
    branch_tag TEXT,
    api_scan_configuration_id BIGINT REFERENCES product_api_scan_configuration (id) ON DELETE CASCADE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);
CREATE INDEX test_engagement ON test (engagement_id);

CREATE TABLE finding (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    -- denormalised from test → engagement → product so that product-wide de-duplication
    -- and metrics read one index instead of three joins
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    date DATE NOT NULL,
    sla_start_date DATE,
    sla_expiration_date DATE,
    cwe BIGINT NOT NULL DEFAULT 0,
    cve TEXT,
    epss_score REAL,
    epss_percentile REAL,
    known_exploited BOOLEAN NOT NULL DEFAULT FALSE,
    ransomware_used BOOLEAN NOT NULL DEFAULT FALSE,
    kev_date DATE,
    cvssv3 TEXT,
    cvssv3_score REAL,
    cvssv4 TEXT,
    cvssv4_score REAL,
    url TEXT,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    mitigation TEXT,
    fix_available BOOLEAN,
    fix_version TEXT,
    impact TEXT,
    steps_to_reproduce TEXT,
    severity_justification TEXT,
    refs TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    false_p BOOLEAN NOT NULL DEFAULT FALSE,
    duplicate BOOLEAN NOT NULL DEFAULT FALSE,
    -- no cascade: the application re-points a duplicate cluster before deleting its original
    duplicate_finding_id BIGINT REFERENCES finding (id) ON DELETE SET NULL,
    out_of_scope BOOLEAN NOT NULL DEFAULT FALSE,
    risk_accepted BOOLEAN NOT NULL DEFAULT FALSE,
    under_review BOOLEAN NOT NULL DEFAULT FALSE,
    last_status_update DATETIME,
    review_requested_by_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    under_defect_review BOOLEAN NOT NULL DEFAULT FALSE,
    defect_review_requested_by_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    is_mitigated BOOLEAN NOT NULL DEFAULT FALSE,
    thread_id BIGINT NOT NULL DEFAULT 0,
    mitigated DATETIME,
    mitigated_by_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    reporter_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE RESTRICT,
    numerical_severity TEXT NOT NULL,
    last_reviewed DATETIME,
    last_reviewed_by_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    param TEXT,
    payload TEXT,
    hash_code TEXT,
    line BIGINT,
    file_path TEXT,
    component_name TEXT,
    component_version TEXT,
    static_finding BOOLEAN NOT NULL DEFAULT FALSE,
    dynamic_finding BOOLEAN NOT NULL DEFAULT TRUE,
    scanner_confidence BIGINT,
    unique_id_from_tool TEXT,
    vuln_id_from_tool TEXT,
    sast_source_object TEXT,
    sast_sink_object TEXT,
    sast_source_line BIGINT,
    sast_source_file_path TEXT,
    nb_occurences BIGINT,
    publish_date DATE,
    service TEXT,
    planned_remediation_date DATE,
    planned_remediation_version TEXT,
    effort_for_fixing TEXT,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);
CREATE INDEX finding_test ON finding (test_id);
CREATE INDEX finding_product_hash_code ON finding (product_id, hash_code);
CREATE INDEX finding_product_unique_id ON finding (product_id, unique_id_from_tool);
CREATE INDEX finding_product_active_severity ON finding (product_id, active, severity);
CREATE INDEX finding_date ON finding (date);
CREATE INDEX finding_duplicate_finding ON finding (duplicate_finding_id);

CREATE TABLE finding_reviewers (
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE RESTRICT,
    PRIMARY KEY (finding_id, user_id)
);

CREATE TABLE finding_found_by (
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    test_type_id BIGINT NOT NULL REFERENCES test_type (id) ON DELETE CASCADE,
    PRIMARY KEY (finding_id, test_type_id)
);

CREATE TABLE check_list_finding (
    check_list_id BIGINT NOT NULL REFERENCES check_list (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    PRIMARY KEY (check_list_id, category, finding_id)
);

CREATE TABLE vulnerability (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vulnerability_id TEXT NOT NULL UNIQUE,
    vulnerability_id_type TEXT,
    epss_score REAL,
    epss_percentile REAL,
    known_exploited BOOLEAN,
    ransomware_used BOOLEAN,
    kev_date DATE,
    kev_due_date DATE,
    enrichment_updated DATETIME,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE finding_vulnerability_reference (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    vulnerability_id BIGINT NOT NULL REFERENCES vulnerability (id) ON DELETE CASCADE,
    ord BIGINT NOT NULL,
    UNIQUE (finding_id, vulnerability_id),
    UNIQUE (finding_id, ord)
);
CREATE INDEX finding_vulnerability_reference_vulnerability ON finding_vulnerability_reference (vulnerability_id);

CREATE TABLE finding_cwe (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    cwe TEXT NOT NULL,
    UNIQUE (finding_id, cwe)
);

CREATE TABLE finding_group (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    creator_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE RESTRICT,
    created DATETIME NOT NULL,
    modified DATETIME NOT NULL
);

CREATE TABLE finding_group_findings (
    finding_group_id BIGINT NOT NULL REFERENCES finding_group (id) ON DELETE CASCADE,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    PRIMARY KEY (finding_group_id, finding_id)
);

CREATE TABLE finding_template (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    cwe BIGINT,
    cve TEXT,
    cvssv3 TEXT,
    cvssv3_score REAL,
    cvssv4 TEXT,
    cvssv4_score REAL,
    severity TEXT,
    description TEXT,
    mitigation TEXT,
    impact TEXT,
    refs TEXT,
    last_used DATETIME,
    numerical_severity TEXT,
    fix_available BOOLEAN,
    fix_version TEXT,
    planned_remediation_version TEXT,
    effort_for_fixing TEXT,
    steps_to_reproduce TEXT,
    severity_justification TEXT,
    component_name TEXT,
    component_version TEXT,
    notes TEXT,
    vulnerability_ids_text TEXT,
    endpoints_text TEXT
);

CREATE TABLE burp_raw_request_response (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id BIGINT REFERENCES finding (id) ON DELETE CASCADE,
    burp_request_base64 TEXT NOT NULL,
    burp_response_base64 TEXT NOT NULL
);

CREATE TABLE endpoint (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    protocol TEXT,
    userinfo TEXT,
    host TEXT,
    port BIGINT,
    path TEXT,
    query TEXT,
    fragment TEXT,
    product_id BIGINT REFERENCES product (id) ON DELETE CASCADE
);
CREATE INDEX endpoint_product_host ON endpoint (product_id, host);

CREATE TABLE endpoint_params (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BIGINT NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    param TEXT NOT NULL,
    value TEXT NOT NULL,
    method TEXT
);

CREATE TABLE endpoint_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date DATE NOT NULL,
    last_modified DATETIME,
    mitigated BOOLEAN NOT NULL DEFAULT FALSE,
    mitigated_time DATETIME,
    mitigated_by_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    false_positive BOOLEAN NOT NULL DEFAULT FALSE,
    out_of_scope BOOLEAN NOT NULL DEFAULT FALSE,
    risk_accepted BOOLEAN NOT NULL DEFAULT FALSE,
    endpoint_id BIGINT NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    UNIQUE (finding_id, endpoint_id)
);
CREATE INDEX endpoint_status_endpoint ON endpoint_status (endpoint_id);

CREATE TABLE note_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_single BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_mandatory BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_type_id BIGINT REFERENCES note_type (id) ON DELETE CASCADE,
    entry TEXT NOT NULL,
    date DATETIME NOT NULL,
    author_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE CASCADE,
    private BOOLEAN NOT NULL DEFAULT FALSE,
    edited BOOLEAN NOT NULL DEFAULT FALSE,
    editor_id BIGINT REFERENCES dojo_user (id) ON DELETE CASCADE,
    edit_time DATETIME
);

CREATE TABLE note_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    note_type_id BIGINT REFERENCES note_type (id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    time DATETIME NOT NULL,
    current_editor_id BIGINT REFERENCES dojo_user (id) ON DELETE CASCADE
);

CREATE TABLE file_upload (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL
);

CREATE TABLE file_access_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES file_upload (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    size TEXT NOT NULL DEFAULT 'medium'
);

CREATE TABLE risk_acceptance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    recommendation TEXT NOT NULL DEFAULT 'F',
    recommendation_details TEXT,
    decision TEXT NOT NULL DEFAULT 'A',
    decision_details TEXT,
    accepted_by TEXT,
    path TEXT,
    owner_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE RESTRICT,
    expiration_date DATETIME,
    expiration_date_warned DATETIME,
    expiration_date_handled DATETIME,
    reactivate_expired BOOLEAN NOT NULL DEFAULT TRUE,
    restart_sla_expired BOOLEAN NOT NULL DEFAULT FALSE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE risk_acceptance_findings (
    risk_acceptance_id BIGINT NOT NULL REFERENCES risk_acceptance (id) ON DELETE CASCADE,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    PRIMARY KEY (risk_acceptance_id, finding_id)
);

CREATE TABLE engagement_risk_acceptance (
    engagement_id BIGINT NOT NULL REFERENCES engagement (id) ON DELETE CASCADE,
    risk_acceptance_id BIGINT NOT NULL REFERENCES risk_acceptance (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_id, risk_acceptance_id)
);

CREATE TABLE test_import (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    import_settings TEXT,
    import_type TEXT NOT NULL DEFAULT 'unknown',
    version TEXT,
    build_id TEXT,
    commit_hash TEXT,
    branch_tag TEXT,
    created DATETIME NOT NULL,
    modified DATETIME NOT NULL
);
CREATE INDEX test_import_test ON test_import (test_id);

CREATE TABLE test_import_finding_action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_import_id BIGINT NOT NULL REFERENCES test_import (id) ON DELETE CASCADE,
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    created DATETIME NOT NULL,
    modified DATETIME NOT NULL,
    UNIQUE (test_import_id, finding_id)
);
CREATE INDEX test_import_finding_action_finding ON test_import_finding_action (finding_id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL DEFAULT '',
    description TEXT,
    url TEXT,
    source TEXT NOT NULL DEFAULT 'Generic',
    icon TEXT NOT NULL DEFAULT 'icon-user-check',
    user_id BIGINT REFERENCES dojo_user (id) ON DELETE CASCADE,
    created DATETIME NOT NULL
);
CREATE INDEX alerts_user ON alerts (user_id);

CREATE TABLE app_analysis (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES dojo_user (id) ON DELETE RESTRICT,
    confidence BIGINT,
    version TEXT,
    icon TEXT,
    website TEXT,
    website_found TEXT,
    created DATETIME NOT NULL
);

CREATE TABLE language_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    language TEXT NOT NULL UNIQUE,
    color TEXT
);

CREATE TABLE languages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    language_id BIGINT NOT NULL REFERENCES language_type (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES dojo_user (id) ON DELETE RESTRICT,
    files BIGINT,
    blank BIGINT,
    comment BIGINT,
    code BIGINT,
    created DATETIME NOT NULL,
    UNIQUE (language_id, product_id)
);

CREATE TABLE dojo_meta (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT REFERENCES product (id) ON DELETE CASCADE,
    endpoint_id BIGINT REFERENCES endpoint (id) ON DELETE CASCADE,
    finding_id BIGINT REFERENCES finding (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    CHECK ((CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN endpoint_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN finding_id IS NULL THEN 0 ELSE 1 END) = 1),
    UNIQUE (product_id, name),
    UNIQUE (endpoint_id, name),
    UNIQUE (finding_id, name)
);

CREATE TABLE system_settings (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    enable_deduplication BOOLEAN NOT NULL DEFAULT FALSE,
    delete_duplicates BOOLEAN NOT NULL DEFAULT FALSE,
    max_dupes BIGINT DEFAULT 10,
    false_positive_history BOOLEAN NOT NULL DEFAULT FALSE,
    retroactive_false_positive_history BOOLEAN NOT NULL DEFAULT FALSE,
    enable_jira BOOLEAN NOT NULL DEFAULT FALSE,
    enable_jira_web_hook BOOLEAN NOT NULL DEFAULT FALSE,
    disable_jira_webhook_secret BOOLEAN NOT NULL DEFAULT FALSE,
    jira_webhook_secret TEXT,
    jira_minimum_severity TEXT DEFAULT 'Low',
    jira_labels TEXT,
    add_vulnerability_id_to_jira_label BOOLEAN NOT NULL DEFAULT FALSE,
    enforce_verified_status BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_verified_status_jira BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_verified_status_product_grading BOOLEAN NOT NULL DEFAULT TRUE,
    enforce_verified_status_metrics BOOLEAN NOT NULL DEFAULT TRUE,
    enable_finding_sla BOOLEAN NOT NULL DEFAULT TRUE,
    enable_notify_sla_active BOOLEAN NOT NULL DEFAULT FALSE,
    enable_notify_sla_active_verified BOOLEAN NOT NULL DEFAULT FALSE,
    enable_notify_sla_jira_only BOOLEAN NOT NULL DEFAULT FALSE,
    enable_notify_sla_exponential_backoff BOOLEAN NOT NULL DEFAULT FALSE,
    enable_product_grade BOOLEAN NOT NULL DEFAULT FALSE,
    product_grade_a BIGINT NOT NULL DEFAULT 90,
    product_grade_b BIGINT NOT NULL DEFAULT 80,
    product_grade_c BIGINT NOT NULL DEFAULT 70,
    product_grade_d BIGINT NOT NULL DEFAULT 60,
    product_grade_f BIGINT NOT NULL DEFAULT 59,
    enable_product_tag_inheritance BOOLEAN NOT NULL DEFAULT FALSE,
    enable_finding_groups BOOLEAN NOT NULL DEFAULT TRUE,
    enable_benchmark BOOLEAN NOT NULL DEFAULT TRUE,
    enable_questionnaires BOOLEAN NOT NULL DEFAULT TRUE,
    enable_checklists BOOLEAN NOT NULL DEFAULT TRUE,
    enable_calendar BOOLEAN NOT NULL DEFAULT TRUE,
    enable_product_tracking_files BOOLEAN NOT NULL DEFAULT TRUE,
    enable_endpoint_metadata_import BOOLEAN NOT NULL DEFAULT TRUE,
    enable_similar_findings BOOLEAN NOT NULL DEFAULT TRUE,
    enable_user_profile_editable BOOLEAN NOT NULL DEFAULT TRUE,
    enable_ui_table_based_searching BOOLEAN NOT NULL DEFAULT TRUE,
    enable_cvss3_display BOOLEAN NOT NULL DEFAULT TRUE,
    enable_cvss4_display BOOLEAN NOT NULL DEFAULT TRUE,
    engagement_auto_close BOOLEAN NOT NULL DEFAULT FALSE,
    engagement_auto_close_days BIGINT NOT NULL DEFAULT 3,
    risk_acceptance_form_default_days BIGINT DEFAULT 180,
    risk_acceptance_notify_before_expiration BIGINT DEFAULT 10,
    enable_slack_notifications BOOLEAN NOT NULL DEFAULT FALSE,
    slack_channel TEXT NOT NULL DEFAULT '',
    slack_token TEXT NOT NULL DEFAULT '',
    slack_username TEXT NOT NULL DEFAULT '',
    enable_msteams_notifications BOOLEAN NOT NULL DEFAULT FALSE,
    msteams_url TEXT NOT NULL DEFAULT '',
    enable_mail_notifications BOOLEAN NOT NULL DEFAULT FALSE,
    mail_notifications_to TEXT NOT NULL DEFAULT '',
    email_from TEXT NOT NULL DEFAULT 'no-reply@example.com',
    enable_webhooks_notifications BOOLEAN NOT NULL DEFAULT FALSE,
    webhooks_notifications_timeout BIGINT NOT NULL DEFAULT 10,
    minimum_password_length BIGINT NOT NULL DEFAULT 9,
    maximum_password_length BIGINT NOT NULL DEFAULT 48,
    number_character_required BOOLEAN NOT NULL DEFAULT TRUE,
    special_character_required BOOLEAN NOT NULL DEFAULT TRUE,
    lowercase_character_required BOOLEAN NOT NULL DEFAULT TRUE,
    uppercase_character_required BOOLEAN NOT NULL DEFAULT TRUE,
    non_common_password_required BOOLEAN NOT NULL DEFAULT TRUE,
    disclaimer_notifications TEXT NOT NULL DEFAULT '',
    disclaimer_reports TEXT NOT NULL DEFAULT '',
    disclaimer_reports_forced BOOLEAN NOT NULL DEFAULT FALSE,
    disclaimer_notes TEXT NOT NULL DEFAULT '',
    url_prefix TEXT NOT NULL DEFAULT '',
    team_name TEXT NOT NULL DEFAULT '',
    api_expose_error_details BOOLEAN NOT NULL DEFAULT FALSE,
    filter_string_matching BOOLEAN NOT NULL DEFAULT FALSE,
    allow_anonymous_survey_repsonse BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (minimum_password_length <= maximum_password_length)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT REFERENCES dojo_user (id) ON DELETE CASCADE,
    product_id BIGINT REFERENCES product (id) ON DELETE CASCADE,
    template BOOLEAN NOT NULL DEFAULT FALSE,
    -- each event column holds a comma-separated set of channels
    product_type_added TEXT NOT NULL DEFAULT 'alert',
    product_added TEXT NOT NULL DEFAULT 'alert',
    engagement_added TEXT NOT NULL DEFAULT 'alert',
    test_added TEXT NOT NULL DEFAULT 'alert',
    scan_added TEXT NOT NULL DEFAULT 'alert',
    scan_added_empty TEXT NOT NULL DEFAULT '',
    jira_update TEXT NOT NULL DEFAULT 'alert',
    upcoming_engagement TEXT NOT NULL DEFAULT 'alert',
    stale_engagement TEXT NOT NULL DEFAULT 'alert',
    auto_close_engagement TEXT NOT NULL DEFAULT 'alert',
    close_engagement TEXT NOT NULL DEFAULT 'alert',
    user_mentioned TEXT NOT NULL DEFAULT 'alert',
    code_review TEXT NOT NULL DEFAULT 'alert',
    review_requested TEXT NOT NULL DEFAULT 'alert',
    other TEXT NOT NULL DEFAULT 'alert',
    sla_breach TEXT NOT NULL DEFAULT 'alert',
    sla_breach_combined TEXT NOT NULL DEFAULT 'alert',
    risk_acceptance_expiration TEXT NOT NULL DEFAULT 'alert',
    UNIQUE (user_id, product_id)
);

CREATE TABLE notification_webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    header_name TEXT,
    header_value TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    first_error DATETIME,
    last_error DATETIME,
    note TEXT,
    owner_id BIGINT REFERENCES dojo_user (id) ON DELETE CASCADE
);

CREATE TABLE objects_review (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created DATETIME NOT NULL
);

CREATE TABLE objects_product (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    name TEXT,
    path TEXT,
    folder TEXT,
    artifact TEXT,
    review_status_id BIGINT NOT NULL REFERENCES objects_review (id) ON DELETE CASCADE,
    created DATETIME NOT NULL
);

CREATE TABLE tool_product_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    url TEXT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    tool_configuration_id BIGINT REFERENCES tool_configuration (id) ON DELETE CASCADE,
    tool_project_id TEXT
);

CREATE TABLE tool_product_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES tool_product_settings (id) ON DELETE CASCADE,
    last_scan DATETIME NOT NULL,
    succesfull BOOLEAN NOT NULL DEFAULT TRUE,
    configuration_details TEXT
);

CREATE TABLE jira_instance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    configuration_name TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    username TEXT NOT NULL,
    password TEXT NOT NULL,
    default_issue_type TEXT NOT NULL DEFAULT 'Bug',
    issue_template_dir TEXT,
    epic_name_id BIGINT NOT NULL,
    open_status_key BIGINT NOT NULL,
    close_status_key BIGINT NOT NULL,
    info_mapping_severity TEXT NOT NULL,
    low_mapping_severity TEXT NOT NULL,
    medium_mapping_severity TEXT NOT NULL,
    high_mapping_severity TEXT NOT NULL,
    critical_mapping_severity TEXT NOT NULL,
    finding_text TEXT,
    accepted_mapping_resolution TEXT,
    false_positive_mapping_resolution TEXT,
    global_jira_sla_notification BOOLEAN NOT NULL DEFAULT TRUE,
    finding_jira_sync BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE jira_project (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    jira_instance_id BIGINT REFERENCES jira_instance (id) ON DELETE RESTRICT,
    project_key TEXT NOT NULL DEFAULT '',
    product_id BIGINT REFERENCES product (id) ON DELETE CASCADE,
    engagement_id BIGINT UNIQUE REFERENCES engagement (id) ON DELETE CASCADE,
    issue_template_dir TEXT,
    component TEXT NOT NULL DEFAULT '',
    custom_fields TEXT,
    close_transition_fields TEXT,
    reopen_transition_fields TEXT,
    default_assignee TEXT,
    jira_labels TEXT,
    add_vulnerability_id_to_jira_label BOOLEAN NOT NULL DEFAULT FALSE,
    push_all_issues BOOLEAN NOT NULL DEFAULT FALSE,
    enable_engagement_epic_mapping BOOLEAN NOT NULL DEFAULT FALSE,
    epic_issue_type_name TEXT NOT NULL DEFAULT 'Epic',
    push_notes BOOLEAN NOT NULL DEFAULT FALSE,
    product_jira_sla_notification BOOLEAN NOT NULL DEFAULT FALSE,
    risk_acceptance_expiration_notification BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE jira_issue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    jira_project_id BIGINT REFERENCES jira_project (id) ON DELETE CASCADE,
    jira_id TEXT NOT NULL,
    jira_key TEXT NOT NULL,
    finding_id BIGINT UNIQUE REFERENCES finding (id) ON DELETE CASCADE,
    engagement_id BIGINT UNIQUE REFERENCES engagement (id) ON DELETE CASCADE,
    finding_group_id BIGINT UNIQUE REFERENCES finding_group (id) ON DELETE CASCADE,
    jira_creation DATETIME,
    jira_change DATETIME
);

CREATE TABLE cwe (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number BIGINT NOT NULL UNIQUE,
    url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE benchmark_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    benchmark_source TEXT NOT NULL DEFAULT 'OWASP ASVS',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE benchmark_category (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id BIGINT NOT NULL REFERENCES benchmark_type (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    objective TEXT NOT NULL DEFAULT '',
    refs TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE benchmark_requirement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id BIGINT NOT NULL REFERENCES benchmark_category (id) ON DELETE CASCADE,
    objective_number TEXT,
    objective TEXT NOT NULL DEFAULT '',
    refs TEXT,
    level_1 BOOLEAN NOT NULL DEFAULT FALSE,
    level_2 BOOLEAN NOT NULL DEFAULT FALSE,
    level_3 BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);

CREATE TABLE benchmark_requirement_cwe (
    benchmark_requirement_id BIGINT NOT NULL REFERENCES benchmark_requirement (id) ON DELETE CASCADE,
    cwe_id BIGINT NOT NULL REFERENCES cwe (id) ON DELETE CASCADE,
    PRIMARY KEY (benchmark_requirement_id, cwe_id)
);

CREATE TABLE benchmark_product (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    control_id BIGINT NOT NULL REFERENCES benchmark_requirement (id) ON DELETE CASCADE,
    pass_fail BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL,
    UNIQUE (product_id, control_id)
);

CREATE TABLE benchmark_product_notes (
    benchmark_product_id BIGINT NOT NULL REFERENCES benchmark_product (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (benchmark_product_id, notes_id)
);

CREATE TABLE benchmark_product_summary (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    benchmark_type_id BIGINT NOT NULL REFERENCES benchmark_type (id) ON DELETE CASCADE,
    desired_level TEXT NOT NULL DEFAULT 'Level 1',
    current_level TEXT DEFAULT 'None',
    asvs_level_1_benchmark BIGINT NOT NULL DEFAULT 0,
    asvs_level_1_score BIGINT NOT NULL DEFAULT 0,
    asvs_level_2_benchmark BIGINT NOT NULL DEFAULT 0,
    asvs_level_2_score BIGINT NOT NULL DEFAULT 0,
    asvs_level_3_benchmark BIGINT NOT NULL DEFAULT 0,
    asvs_level_3_score BIGINT NOT NULL DEFAULT 0,
    publish BOOLEAN NOT NULL DEFAULT FALSE,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL,
    UNIQUE (product_id, benchmark_type_id)
);

CREATE TABLE tool_product_settings_notes (
    tool_product_settings_id BIGINT NOT NULL REFERENCES tool_product_settings (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (tool_product_settings_id, notes_id)
);

-- Many-to-many links. Tags: one link table per taggable entity; `inherited` marks the
-- product tags pushed down by tag inheritance.
CREATE TABLE product_tags (
    product_id BIGINT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, tag_id)
);
CREATE TABLE engagement_tags (
    engagement_id BIGINT NOT NULL REFERENCES engagement (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    inherited BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (engagement_id, tag_id, inherited)
);
CREATE TABLE test_tags (
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    inherited BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (test_id, tag_id, inherited)
);
CREATE TABLE finding_tags (
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    inherited BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (finding_id, tag_id, inherited)
);
CREATE INDEX finding_tags_tag ON finding_tags (tag_id);
CREATE TABLE endpoint_tags (
    endpoint_id BIGINT NOT NULL REFERENCES endpoint (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    inherited BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (endpoint_id, tag_id, inherited)
);
CREATE TABLE finding_template_tags (
    finding_template_id BIGINT NOT NULL REFERENCES finding_template (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (finding_template_id, tag_id)
);
CREATE TABLE app_analysis_tags (
    app_analysis_id BIGINT NOT NULL REFERENCES app_analysis (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (app_analysis_id, tag_id)
);
CREATE TABLE objects_product_tags (
    objects_product_id BIGINT NOT NULL REFERENCES objects_product (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (objects_product_id, tag_id)
);

-- Notes and files attach to several owners.
CREATE TABLE engagement_notes (
    engagement_id BIGINT NOT NULL REFERENCES engagement (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_id, notes_id)
);
CREATE TABLE test_notes (
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (test_id, notes_id)
);
CREATE TABLE finding_notes (
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (finding_id, notes_id)
);
CREATE TABLE risk_acceptance_notes (
    risk_acceptance_id BIGINT NOT NULL REFERENCES risk_acceptance (id) ON DELETE CASCADE,
    notes_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (risk_acceptance_id, notes_id)
);
CREATE TABLE engagement_files (
    engagement_id BIGINT NOT NULL REFERENCES engagement (id) ON DELETE CASCADE,
    file_upload_id BIGINT NOT NULL REFERENCES file_upload (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_id, file_upload_id)
);
CREATE TABLE test_files (
    test_id BIGINT NOT NULL REFERENCES test (id) ON DELETE CASCADE,
    file_upload_id BIGINT NOT NULL REFERENCES file_upload (id) ON DELETE CASCADE,
    PRIMARY KEY (test_id, file_upload_id)
);
CREATE TABLE finding_files (
    finding_id BIGINT NOT NULL REFERENCES finding (id) ON DELETE CASCADE,
    file_upload_id BIGINT NOT NULL REFERENCES file_upload (id) ON DELETE CASCADE,
    PRIMARY KEY (finding_id, file_upload_id)
);

-- Seeds: DefectDojo's fixed roles, its two SLA configurations, the singleton settings,
-- and the development environments an import can name.
INSERT INTO role (id, name, is_owner) VALUES
    (1, 'API_Importer', FALSE), (2, 'Writer', FALSE), (3, 'Maintainer', FALSE),
    (4, 'Owner', TRUE), (5, 'Reader', FALSE);
INSERT INTO sla_configuration (name, description) VALUES
    ('Default', 'The Default SLA Configuration. Products not using an explicit SLA Configuration will use this one.');
INSERT INTO sla_configuration (name, description, enforce_critical, enforce_high, enforce_medium, enforce_low) VALUES
    ('No SLA Enforced', 'No SLA is enforced for a product which uses this SLA configuration.', FALSE, FALSE, FALSE, FALSE);
INSERT INTO system_settings (id) VALUES (1);
INSERT INTO development_environment (name) VALUES
    ('Development'), ('Default'), ('Lab'), ('Pre-prod'), ('Production'), ('Staging'), ('Test');
