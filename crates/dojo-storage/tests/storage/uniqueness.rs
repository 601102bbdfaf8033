//! The schema's rules as errors callers can act on: UNIQUE rules give `Duplicate`,
//! RESTRICT foreign keys give `InUse`, CHECK rules give `Invalid` (or `Refused` when
//! storage checks first), dangling references give `MissingReference`.

use std::fmt::Debug;

use dojo_domain::entities::*;
use dojo_domain::*;
use dojo_storage::links::{self, Link};
use dojo_storage::repo::*;
use dojo_storage::{cascade, db_test, settings, StorageError, StorageResult};

use crate::support::*;

#[track_caller]
fn duplicate<T: Debug>(result: StorageResult<T>) {
    assert!(
        matches!(result, Err(StorageError::Duplicate { .. })),
        "expected Duplicate, got {result:?}"
    );
}

#[track_caller]
fn in_use<T: Debug>(result: StorageResult<T>) {
    assert!(
        matches!(result, Err(StorageError::InUse { .. })),
        "expected InUse, got {result:?}"
    );
}

#[track_caller]
fn invalid<T: Debug>(result: StorageResult<T>) {
    assert!(
        matches!(result, Err(StorageError::Invalid { .. })),
        "expected Invalid, got {result:?}"
    );
}

#[track_caller]
fn missing<T: Debug>(result: StorageResult<T>) {
    assert!(
        matches!(result, Err(StorageError::MissingReference { .. })),
        "expected MissingReference, got {result:?}"
    );
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

db_test!(names_that_must_be_unique, |db| {
    let mut conn = db.conn().await.expect("connection");

    let alice = User {
        username: "alice".into(),
        ..User::default()
    };
    users::insert(&mut conn, &alice).await.expect("first alice");
    duplicate(users::insert(&mut conn, &alice).await);
    let bob = users::insert(
        &mut conn,
        &User {
            username: "bob".into(),
            ..User::default()
        },
    )
    .await
    .expect("bob");
    duplicate(
        users::update(
            &mut conn,
            &User {
                username: "alice".into(),
                ..bob
            },
        )
        .await,
    );

    let team = Group {
        name: "team".into(),
        ..Group::default()
    };
    groups::insert(&mut conn, &team).await.expect("first group");
    duplicate(groups::insert(&mut conn, &team).await);

    let zap = TestType {
        name: "ZAP Scan".into(),
        ..TestType::default()
    };
    test_types::insert(&mut conn, &zap)
        .await
        .expect("first test type");
    duplicate(test_types::insert(&mut conn, &zap).await);

    let review = NoteType {
        name: "Review".into(),
        ..NoteType::default()
    };
    note_types::insert(&mut conn, &review)
        .await
        .expect("first note type");
    duplicate(note_types::insert(&mut conn, &review).await);

    let evidence = FileUpload {
        id: 0,
        title: "Evidence".into(),
        file: "uploaded_files/1.png".into(),
    };
    file_uploads::insert(&mut conn, &evidence)
        .await
        .expect("first upload");
    duplicate(
        file_uploads::insert(
            &mut conn,
            &FileUpload {
                file: "uploaded_files/2.png".into(),
                ..evidence.clone()
            },
        )
        .await,
    );

    let strict = SlaConfiguration {
        name: "Strict".into(),
        ..SlaConfiguration::default()
    };
    sla_configurations::insert(&mut conn, &strict)
        .await
        .expect("first SLA configuration");
    duplicate(sla_configurations::insert(&mut conn, &strict).await);
    // The seeded names are taken too.
    duplicate(
        sla_configurations::insert(
            &mut conn,
            &SlaConfiguration {
                name: "Default".into(),
                ..SlaConfiguration::default()
            },
        )
        .await,
    );

    duplicate(
        development_environments::insert(
            &mut conn,
            &DevelopmentEnvironment {
                id: 0,
                name: "Development".into(),
            },
        )
        .await,
    );

    let rust = LanguageType {
        id: 0,
        language: "Rust".into(),
        color: None,
    };
    language_types::insert(&mut conn, &rust)
        .await
        .expect("first language type");
    duplicate(language_types::insert(&mut conn, &rust).await);

    let burp = ToolType {
        name: "Burp".into(),
        ..ToolType::default()
    };
    tool_types::insert(&mut conn, &burp)
        .await
        .expect("first tool type");
    duplicate(tool_types::insert(&mut conn, &burp).await);

    let hook = NotificationWebhook {
        name: "hook".into(),
        url: "https://a.example.com".into(),
        ..NotificationWebhook::default()
    };
    notification_webhooks::insert(&mut conn, &hook)
        .await
        .expect("first webhook");
    duplicate(notification_webhooks::insert(&mut conn, &hook).await);
});

db_test!(regulation_name_and_acronym_are_each_unique, |db| {
    let mut conn = db.conn().await.expect("connection");
    let gdpr = Regulation {
        name: "General Data Protection Regulation".into(),
        acronym: "GDPR".into(),
        jurisdiction: "EU".into(),
        ..Regulation::default()
    };
    regulations::insert(&mut conn, &gdpr)
        .await
        .expect("first regulation");
    duplicate(
        regulations::insert(
            &mut conn,
            &Regulation {
                acronym: "GDPR2".into(),
                ..gdpr.clone()
            },
        )
        .await,
    );
    duplicate(
        regulations::insert(
            &mut conn,
            &Regulation {
                name: "Another name".into(),
                ..gdpr.clone()
            },
        )
        .await,
    );
    regulations::insert(
        &mut conn,
        &Regulation {
            name: "Another name".into(),
            acronym: "AN".into(),
            ..gdpr
        },
    )
    .await
    .expect("a different name and acronym");
});

db_test!(one_membership_per_scope_and_member, |db| {
    let member = user(&db, "member").await;
    let other = user(&db, "other").await;
    let team = group(&db, "team").await;
    let pt = product_type(&db, "Organisation").await;
    let p = product(&db, pt.id, "Asset").await;
    let mut conn = db.conn().await.expect("connection");

    let pm = ProductMember {
        id: 0,
        product_id: p.id,
        user_id: member.id,
        role_id: Role::Owner.id(),
    };
    product_members::insert(&mut conn, &pm)
        .await
        .expect("first product member");
    // Another role does not make a second membership.
    duplicate(
        product_members::insert(
            &mut conn,
            &ProductMember {
                role_id: Role::Reader.id(),
                ..pm.clone()
            },
        )
        .await,
    );
    product_members::insert(
        &mut conn,
        &ProductMember {
            user_id: other.id,
            ..pm
        },
    )
    .await
    .expect("another user on the same product");

    let pg = ProductGroup {
        id: 0,
        product_id: p.id,
        group_id: team.id,
        role_id: Role::Writer.id(),
    };
    product_groups::insert(&mut conn, &pg)
        .await
        .expect("first product group");
    duplicate(product_groups::insert(&mut conn, &pg).await);

    let ptm = ProductTypeMember {
        id: 0,
        product_type_id: pt.id,
        user_id: member.id,
        role_id: Role::Writer.id(),
    };
    product_type_members::insert(&mut conn, &ptm)
        .await
        .expect("first product type member");
    duplicate(product_type_members::insert(&mut conn, &ptm).await);

    let ptg = ProductTypeGroup {
        id: 0,
        product_type_id: pt.id,
        group_id: team.id,
        role_id: Role::Writer.id(),
    };
    product_type_groups::insert(&mut conn, &ptg)
        .await
        .expect("first product type group");
    duplicate(product_type_groups::insert(&mut conn, &ptg).await);

    let gm = GroupMember {
        id: 0,
        group_id: team.id,
        user_id: member.id,
        role_id: Role::Reader.id(),
    };
    group_members::insert(&mut conn, &gm)
        .await
        .expect("first group member");
    duplicate(group_members::insert(&mut conn, &gm).await);

    let gr = GlobalRole {
        id: 0,
        user_id: Some(member.id),
        group_id: None,
        role_id: Some(Role::Reader.id()),
    };
    global_roles::insert(&mut conn, &gr)
        .await
        .expect("first global role");
    duplicate(global_roles::insert(&mut conn, &gr).await);

    let info = UserContactInfo {
        user_id: member.id,
        ..UserContactInfo::default()
    };
    user_contact_infos::insert(&mut conn, &info)
        .await
        .expect("first contact info");
    duplicate(user_contact_infos::insert(&mut conn, &info).await);
});

db_test!(vulnerability_ids_are_registered_once, |db| {
    let mut conn = db.conn().await.expect("connection");
    let log4shell = Vulnerability {
        id: 0,
        vulnerability_id: "CVE-2021-44228".into(),
        vulnerability_id_type: Some("CVE".into()),
        epss_score: None,
        epss_percentile: None,
        known_exploited: None,
        ransomware_used: None,
        kev_date: None,
        kev_due_date: None,
        enrichment_updated: None,
        created: now(),
        updated: now(),
    };
    vulnerabilities::insert(&mut conn, &log4shell)
        .await
        .expect("first vulnerability");
    duplicate(vulnerabilities::insert(&mut conn, &log4shell).await);
    // Stored exactly as supplied: another spelling is another id.
    vulnerabilities::insert(
        &mut conn,
        &Vulnerability {
            vulnerability_id: "cve-2021-44228".into(),
            ..log4shell
        },
    )
    .await
    .expect("case is preserved, so this is another id");
});

db_test!(custom_field_names_are_unique_per_owner, |db| {
    let b = branch(&db, "meta").await;
    let f = finding(&db, b.test.id, b.user.id, "meta").await;
    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    let other_product = product(&db, b.product_type.id, "Other").await;
    let mut conn = db.conn().await.expect("connection");
    let on_product = DojoMeta {
        product_id: Some(b.product.id),
        name: "owner".into(),
        value: "a".into(),
        ..DojoMeta::default()
    };
    dojo_meta::insert(&mut conn, &on_product)
        .await
        .expect("product field");
    duplicate(
        dojo_meta::insert(
            &mut conn,
            &DojoMeta {
                value: "b".into(),
                ..on_product.clone()
            },
        )
        .await,
    );
    dojo_meta::insert(
        &mut conn,
        &DojoMeta {
            product_id: Some(other_product.id),
            ..on_product.clone()
        },
    )
    .await
    .expect("same name on another product");
    let on_finding = DojoMeta {
        product_id: None,
        finding_id: Some(f.id),
        ..on_product.clone()
    };
    dojo_meta::insert(&mut conn, &on_finding)
        .await
        .expect("same name on a finding");
    duplicate(dojo_meta::insert(&mut conn, &on_finding).await);
    let on_endpoint = DojoMeta {
        product_id: None,
        endpoint_id: Some(ep.id),
        ..on_product
    };
    dojo_meta::insert(&mut conn, &on_endpoint)
        .await
        .expect("same name on an endpoint");
    duplicate(dojo_meta::insert(&mut conn, &on_endpoint).await);
});

db_test!(pairs_that_must_be_unique, |db| {
    let b = branch(&db, "pairs").await;
    let f = finding(&db, b.test.id, b.user.id, "paired").await;
    let g = finding(&db, b.test.id, b.user.id, "other").await;
    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    let mut conn = db.conn().await.expect("connection");

    let status = EndpointStatus {
        date: day(2026, 1, 1),
        endpoint_id: ep.id,
        finding_id: f.id,
        ..EndpointStatus::default()
    };
    endpoint_statuses::insert(&mut conn, &status)
        .await
        .expect("first status");
    duplicate(
        endpoint_statuses::insert(
            &mut conn,
            &EndpointStatus {
                mitigated: true,
                ..status.clone()
            },
        )
        .await,
    );
    endpoint_statuses::insert(
        &mut conn,
        &EndpointStatus {
            finding_id: g.id,
            ..status
        },
    )
    .await
    .expect("another finding on the endpoint");

    let import = test_imports::insert(
        &mut conn,
        &TestImport {
            id: 0,
            test_id: b.test.id,
            import_settings: None,
            import_type: TestImportType::Import,
            version: None,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            created: now(),
            modified: now(),
        },
    )
    .await
    .expect("import");
    let action = TestImportFindingAction {
        id: 0,
        test_import_id: import.id,
        finding_id: f.id,
        action: ImportAction::Created,
        created: now(),
        modified: now(),
    };
    test_import_finding_actions::insert(&mut conn, &action)
        .await
        .expect("first action");
    duplicate(
        test_import_finding_actions::insert(
            &mut conn,
            &TestImportFindingAction {
                action: ImportAction::Closed,
                ..action
            },
        )
        .await,
    );

    let rust = language_types::insert(
        &mut conn,
        &LanguageType {
            id: 0,
            language: "Rust".into(),
            color: None,
        },
    )
    .await
    .expect("language type");
    let lines = Languages {
        id: 0,
        language_id: rust.id,
        product_id: b.product.id,
        user_id: None,
        files: None,
        blank: None,
        comment: None,
        code: Some(10),
        created: now(),
    };
    languages::insert(&mut conn, &lines)
        .await
        .expect("first languages row");
    duplicate(languages::insert(&mut conn, &lines).await);

    let gitlab = CicdInfrastructure {
        name: "GitLab".into(),
        infrastructure_type: CicdInfrastructureType::ScmServer,
        ..CicdInfrastructure::default()
    };
    cicd_infrastructures::insert(&mut conn, &gitlab)
        .await
        .expect("first cicd");
    duplicate(cicd_infrastructures::insert(&mut conn, &gitlab).await);
    cicd_infrastructures::insert(
        &mut conn,
        &CicdInfrastructure {
            infrastructure_type: CicdInfrastructureType::BuildServer,
            ..gitlab
        },
    )
    .await
    .expect("same name as another kind of server");

    let checklist = CheckList {
        id: 0,
        engagement_id: b.engagement.id,
        session_management: "none".into(),
        encryption_crypto: "none".into(),
        configuration_management: "none".into(),
        authentication: "none".into(),
        authorization_and_access_control: "none".into(),
        data_input_sanitization_validation: "none".into(),
        sensitive_data: "none".into(),
        other: "none".into(),
    };
    check_lists::insert(&mut conn, &checklist)
        .await
        .expect("first check list");
    duplicate(check_lists::insert(&mut conn, &checklist).await);

    let file = file_upload(&db, "Evidence", "uploaded_files/e.png").await;
    let token = FileAccessToken {
        user_id: b.user.id,
        file_id: file.id,
        token: "same-token".into(),
        ..FileAccessToken::default()
    };
    file_access_tokens::insert(&mut conn, &token)
        .await
        .expect("first token");
    duplicate(file_access_tokens::insert(&mut conn, &token).await);
});

db_test!(restricted_references_refuse_deletes, |db| {
    let b = branch(&db, "restrict").await;
    let lead = user(&db, "lead").await;
    let reporter = user(&db, "reporter").await;
    let mut conn = db.conn().await.expect("connection");

    // A user leading an engagement cannot be deleted.
    engagements::save(
        &mut conn,
        &Engagement {
            lead_id: Some(lead.id),
            ..b.engagement.clone()
        },
    )
    .await
    .expect("set lead");
    in_use(users::delete(&mut conn, lead.id).await);

    // Nor the reporter of a finding.
    let f = findings::create(
        &mut conn,
        &Finding {
            test_id: b.test.id,
            reporter_id: reporter.id,
            title: "reported".into(),
            ..Finding::default()
        },
    )
    .await
    .expect("finding");
    in_use(users::delete(&mut conn, reporter.id).await);

    // An SLA configuration a product uses cannot be deleted.
    products::update(
        &mut conn,
        &Product {
            sla_configuration_id: 2,
            ..b.product.clone()
        },
    )
    .await
    .expect("use SLA configuration 2");
    in_use(sla_configurations::delete(&mut conn, 2).await);

    // A development environment a test names cannot be deleted.
    tests::save(
        &mut conn,
        &Test {
            environment_id: Some(3),
            ..b.test.clone()
        },
    )
    .await
    .expect("set environment");
    in_use(development_environments::delete(&mut conn, 3).await);

    // Nothing was deleted by the refusals.
    assert!(users::find(&mut conn, lead.id)
        .await
        .expect("query")
        .is_some());
    assert!(users::find(&mut conn, reporter.id)
        .await
        .expect("query")
        .is_some());
    assert!(sla_configurations::find(&mut conn, 2)
        .await
        .expect("query")
        .is_some());

    // Once nothing references them, the deletes go through.
    let current = engagements::get(&mut conn, b.engagement.id)
        .await
        .expect("engagement");
    engagements::save(
        &mut conn,
        &Engagement {
            lead_id: None,
            ..current
        },
    )
    .await
    .expect("clear lead");
    users::delete(&mut conn, lead.id)
        .await
        .expect("delete former lead");
    drop(conn);
    cascade::delete_finding(&db, f.id)
        .await
        .expect("delete finding");
    let mut conn = db.conn().await.expect("connection");
    users::delete(&mut conn, reporter.id)
        .await
        .expect("delete former reporter");
    let current = products::get(&mut conn, b.product.id)
        .await
        .expect("product");
    products::update(
        &mut conn,
        &Product {
            sla_configuration_id: 1,
            ..current
        },
    )
    .await
    .expect("back to the default SLA");
    sla_configurations::delete(&mut conn, 2)
        .await
        .expect("delete unused SLA configuration");
});

db_test!(other_restricted_user_references_refuse_deletes, |db| {
    let b = branch(&db, "restrict").await;
    let f = finding(&db, b.test.id, b.user.id, "reviewed").await;
    let mut conn = db.conn().await.expect("connection");

    let manager = user(&db, "manager").await;
    products::update(
        &mut conn,
        &Product {
            product_manager_id: Some(manager.id),
            ..b.product.clone()
        },
    )
    .await
    .expect("set manager");
    in_use(users::delete(&mut conn, manager.id).await);

    let owner = user(&db, "ra-owner").await;
    risk_acceptances::insert(
        &mut conn,
        &RiskAcceptance {
            name: "ra".into(),
            owner_id: owner.id,
            ..RiskAcceptance::default()
        },
    )
    .await
    .expect("risk acceptance");
    in_use(users::delete(&mut conn, owner.id).await);

    let reviewer = user(&db, "reviewer").await;
    links::add(&mut conn, Link::FindingReviewers, f.id, reviewer.id)
        .await
        .expect("add reviewer");
    in_use(users::delete(&mut conn, reviewer.id).await);

    let instance = jira_instances::insert(
        &mut conn,
        &JiraInstance {
            url: "https://jira.example.com".into(),
            username: "u".into(),
            password: "p".into(),
            ..JiraInstance::default()
        },
    )
    .await
    .expect("jira instance");
    jira_projects::insert(
        &mut conn,
        &JiraProject {
            jira_instance_id: Some(instance.id),
            product_id: Some(b.product.id),
            ..JiraProject::default()
        },
    )
    .await
    .expect("jira project");
    in_use(jira_instances::delete(&mut conn, instance.id).await);
});

db_test!(check_rules_refuse_values, |db| {
    let b = branch(&db, "check").await;
    let f = finding(&db, b.test.id, b.user.id, "meta").await;
    let holder = user(&db, "holder").await;
    let team = group(&db, "team").await;
    let mut conn = db.conn().await.expect("connection");

    // SLA days are at least 1, on insert and on update.
    for days in [0, -1] {
        invalid(
            sla_configurations::insert(
                &mut conn,
                &SlaConfiguration {
                    name: format!("zero {days}"),
                    critical: days,
                    ..SlaConfiguration::default()
                },
            )
            .await,
        );
    }
    let sla = sla_configurations::insert(
        &mut conn,
        &SlaConfiguration {
            name: "one day".into(),
            critical: 1,
            high: 1,
            medium: 1,
            low: 1,
            ..SlaConfiguration::default()
        },
    )
    .await
    .expect("one day is allowed");
    for change in [
        SlaConfiguration {
            high: 0,
            ..sla.clone()
        },
        SlaConfiguration {
            medium: 0,
            ..sla.clone()
        },
        SlaConfiguration {
            low: -5,
            ..sla.clone()
        },
    ] {
        invalid(sla_configurations::update(&mut conn, &change).await);
    }
    assert_eq!(
        sla_configurations::get(&mut conn, sla.id)
            .await
            .expect("unchanged"),
        sla
    );

    // A custom field has exactly one owner.
    invalid(
        dojo_meta::insert(
            &mut conn,
            &DojoMeta {
                name: "orphan".into(),
                value: "v".into(),
                ..DojoMeta::default()
            },
        )
        .await,
    );
    invalid(
        dojo_meta::insert(
            &mut conn,
            &DojoMeta {
                product_id: Some(b.product.id),
                finding_id: Some(f.id),
                name: "twice owned".into(),
                value: "v".into(),
                ..DojoMeta::default()
            },
        )
        .await,
    );

    // A global role belongs to a user or a group, not both and not neither.
    invalid(
        global_roles::insert(
            &mut conn,
            &GlobalRole {
                id: 0,
                user_id: Some(holder.id),
                group_id: Some(team.id),
                role_id: Some(Role::Reader.id()),
            },
        )
        .await,
    );
    invalid(
        global_roles::insert(
            &mut conn,
            &GlobalRole {
                id: 0,
                user_id: None,
                group_id: None,
                role_id: Some(Role::Reader.id()),
            },
        )
        .await,
    );
    assert_eq!(global_roles::count(&mut conn).await.expect("count"), 0);

    // Product counts are never negative.
    invalid(
        products::update(
            &mut conn,
            &Product {
                user_records: Some(-1),
                ..b.product.clone()
            },
        )
        .await,
    );
    invalid(
        products::update(
            &mut conn,
            &Product {
                revenue_cents: Some(-1),
                ..b.product.clone()
            },
        )
        .await,
    );
});

db_test!(password_length_policy_is_refused_when_inverted, |db| {
    let mut conn = db.conn().await.expect("connection");
    let before = settings::load(&mut conn).await.expect("load");
    let inverted = SystemSettings {
        minimum_password_length: 50,
        maximum_password_length: 20,
        team_name: "not saved".into(),
        ..before.clone()
    };
    let refused = settings::save(&mut conn, &inverted).await;
    assert!(
        matches!(refused, Err(StorageError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(
        settings::load(&mut conn).await.expect("load"),
        before,
        "nothing saved"
    );
    let equal = settings::save(
        &mut conn,
        &SystemSettings {
            minimum_password_length: 20,
            maximum_password_length: 20,
            ..before
        },
    )
    .await
    .expect("minimum equal to maximum is allowed");
    assert_eq!(equal.minimum_password_length, 20);
    // The database holds the same rule for writers that bypass `save`.
    execute(
        &db,
        "UPDATE system_settings SET minimum_password_length = 10",
    )
    .await;
    let sql = "UPDATE system_settings SET minimum_password_length = 99 WHERE id = 1";
    let raw = match &db {
        dojo_storage::Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        dojo_storage::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    };
    invalid(raw.map_err(StorageError::from));
});

// The settings are a singleton on both databases: a second row is refused (on SQLite a
// non-rowid primary key would otherwise accept NULL, which a CHECK lets through).
db_test!(system_settings_stay_a_singleton, |db| {
    let mut conn = db.conn().await.expect("connection");
    let second = settings::insert(&mut conn, &SystemSettings::default()).await;
    assert!(
        second.is_err(),
        "a second settings row is refused: {second:?}"
    );
    assert_eq!(
        count_of(&db, "SELECT COUNT(*) FROM system_settings").await,
        1
    );
});

db_test!(dangling_references_are_reported, |db| {
    let b = branch(&db, "dangling").await;
    let mut conn = db.conn().await.expect("connection");
    missing(
        findings::insert(
            &mut conn,
            &Finding {
                test_id: 4242,
                product_id: b.product.id,
                reporter_id: b.user.id,
                title: "no test".into(),
                ..Finding::default()
            },
        )
        .await,
    );
    let no_test = findings::create(
        &mut conn,
        &Finding {
            test_id: 4242,
            reporter_id: b.user.id,
            title: "no test".into(),
            ..Finding::default()
        },
    )
    .await;
    assert!(
        matches!(no_test, Err(StorageError::NotFound { .. })),
        "{no_test:?}"
    );
    missing(
        notes::insert(
            &mut conn,
            &Note {
                id: 0,
                note_type_id: None,
                entry: "e".into(),
                date: now(),
                author_id: 4242,
                private: false,
                edited: false,
                editor_id: None,
                edit_time: None,
            },
        )
        .await,
    );
    missing(links::add(&mut conn, Link::TestNotes, b.test.id, 4242).await);
    missing(
        engagements::save(
            &mut conn,
            &Engagement {
                lead_id: Some(4242),
                ..b.engagement.clone()
            },
        )
        .await,
    );
    missing(
        group_members::insert(
            &mut conn,
            &GroupMember {
                id: 0,
                group_id: group(&db, "g").await.id,
                user_id: b.user.id,
                role_id: 6,
            },
        )
        .await,
    );
});
