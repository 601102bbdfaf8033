//! Every entity table: a row with a non-default value in every column is inserted,
//! read back equal, changed, read back equal again, and deleted.

use dojo_domain::entities::*;
use dojo_domain::*;
use dojo_storage::repo::*;
use dojo_storage::{cascade, db_test, settings, StorageError};
use serde_json::json;
use sqlx::types::Json;

use crate::support::*;

/// Inserts `$written` with the table's `insert` (or the given function), checks that the
/// stored row equals it except for the id and the timestamps the database sets, reads it
/// back, applies `change`, checks the update the same way, deletes the row with the
/// table's `delete` (or the given cascade), and checks it is gone. Returns the updated row.
macro_rules! round_trip {
    (
        $db:expr, $repo:ident, $written:expr,
        set_on_insert: [$($ins:ident),* $(,)?],
        set_on_write: [$($wr:ident),* $(,)?],
        change: |$row:ident| $change:expr $(,)?
    ) => {
        round_trip!(@run $db, $repo, $written, [$($ins),*], [$($wr),*], |$row| $change,
            $repo::insert, $repo::update, table)
    };
    (
        $db:expr, $repo:ident, $written:expr,
        set_on_insert: [$($ins:ident),* $(,)?],
        set_on_write: [$($wr:ident),* $(,)?],
        change: |$row:ident| $change:expr,
        insert: $insert:path,
        update: $update:path,
        cascade: $cascade:path $(,)?
    ) => {
        round_trip!(@run $db, $repo, $written, [$($ins),*], [$($wr),*], |$row| $change,
            $insert, $update, cascade $cascade)
    };
    (@delete $db:expr, $conn:ident, $repo:ident, $id:expr, table) => {
        $repo::delete(&mut $conn, $id)
            .await
            .expect(concat!(stringify!($repo), ": delete"));
        let again = $repo::delete(&mut $conn, $id).await;
        assert!(
            matches!(again, Err(StorageError::NotFound { .. })),
            "{}: deleting twice: {again:?}",
            stringify!($repo)
        );
    };
    (@delete $db:expr, $conn:ident, $repo:ident, $id:expr, cascade $cascade:path) => {
        $cascade(&$db, $id)
            .await
            .expect(concat!(stringify!($repo), ": cascade delete"));
        let again = $cascade(&$db, $id).await;
        assert!(
            matches!(again, Err(StorageError::NotFound { .. })),
            "{}: deleting twice: {again:?}",
            stringify!($repo)
        );
    };
    (
        @run $db:expr, $repo:ident, $written:expr, [$($ins:ident),*], [$($wr:ident),*],
        |$row:ident| $change:expr, $insert:path, $update:path, $($delete:tt)+
    ) => {{
        let name = stringify!($repo);
        let mut conn = $db.conn().await.expect("connection");
        let written = $written;
        let rows_before = $repo::count(&mut conn).await.expect("count");
        #[allow(unused_variables)]
        let before = chrono::Utc::now() - chrono::Duration::seconds(1);

        let stored = $insert(&mut conn, &written)
            .await
            .unwrap_or_else(|e| panic!("{name}: insert: {e}"));
        assert!(stored.id > 0, "{name}: an id is assigned");
        #[allow(unused_mut)]
        let mut expected = written.clone();
        expected.id = stored.id;
        $(
            assert!(stored.$ins > before, "{name}: {} is set on insert", stringify!($ins));
            expected.$ins = stored.$ins;
        )*
        $(
            assert!(stored.$wr > before, "{name}: {} is set on insert", stringify!($wr));
            expected.$wr = stored.$wr;
        )*
        assert_eq!(stored, expected, "{name}: insert returns every column as written");
        let read = $repo::get(&mut conn, stored.id).await.expect("read back");
        assert_eq!(read, stored, "{name}: read back equals the inserted row");
        assert_eq!($repo::count(&mut conn).await.expect("count"), rows_before + 1);
        let listed = $repo::list(&mut conn).await.expect("list");
        assert!(listed.contains(&read), "{name}: list holds the row");

        let mut changed = read.clone();
        {
            let $row = &mut changed;
            $change;
        }
        assert_ne!(changed, read, "{name}: the change changes something");
        let updated = $update(&mut conn, &changed)
            .await
            .unwrap_or_else(|e| panic!("{name}: update: {e}"));
        #[allow(unused_mut)]
        let mut expected = changed.clone();
        $(
            assert!(updated.$wr >= read.$wr, "{name}: {} does not go back", stringify!($wr));
            expected.$wr = updated.$wr;
        )*
        assert_eq!(updated, expected, "{name}: update returns every column as written");
        let reread = $repo::get(&mut conn, stored.id).await.expect("read update back");
        assert_eq!(reread, updated, "{name}: read back equals the updated row");

        round_trip!(@delete $db, conn, $repo, stored.id, $($delete)+);
        assert_eq!(
            $repo::find(&mut conn, stored.id).await.expect("find"),
            None,
            "{name}: deleted row is gone"
        );
        assert!(matches!(
            $repo::get(&mut conn, stored.id).await,
            Err(StorageError::NotFound { .. })
        ));
        assert_eq!($repo::count(&mut conn).await.expect("count"), rows_before);
        updated
    }};
}

fn t(day: u32) -> chrono::DateTime<chrono::Utc> {
    at(2025, 7, day, 13, 14, 15, 123_456)
}

fn json_doc() -> Json<serde_json::Value> {
    Json(json!({
        "active": true,
        "minimum_severity": "High",
        "tags": ["a", "b"],
        "ratio": 0.25,
        "nested": {"none": null, "n": 12}
    }))
}

async fn contact(db: &dojo_storage::Db, name: &str) -> Contact {
    let mut conn = db.conn().await.expect("connection");
    contacts::insert(
        &mut conn,
        &Contact {
            name: name.into(),
            ..Contact::default()
        },
    )
    .await
    .expect("insert contact")
}

async fn cicd(
    db: &dojo_storage::Db,
    name: &str,
    kind: CicdInfrastructureType,
) -> CicdInfrastructure {
    let mut conn = db.conn().await.expect("connection");
    cicd_infrastructures::insert(
        &mut conn,
        &CicdInfrastructure {
            name: name.into(),
            infrastructure_type: kind,
            ..CicdInfrastructure::default()
        },
    )
    .await
    .expect("insert cicd infrastructure")
}

async fn tool_configuration(db: &dojo_storage::Db) -> ToolConfiguration {
    let mut conn = db.conn().await.expect("connection");
    let tool_type = tool_types::insert(
        &mut conn,
        &ToolType {
            name: "SonarQube".into(),
            ..ToolType::default()
        },
    )
    .await
    .expect("insert tool type");
    tool_configurations::insert(
        &mut conn,
        &ToolConfiguration {
            name: "Sonar".into(),
            tool_type_id: tool_type.id,
            ..ToolConfiguration::default()
        },
    )
    .await
    .expect("insert tool configuration")
}

async fn jira_instance(db: &dojo_storage::Db) -> JiraInstance {
    let mut conn = db.conn().await.expect("connection");
    jira_instances::insert(
        &mut conn,
        &JiraInstance {
            url: "https://jira.example.com".into(),
            username: "bot".into(),
            password: "secret".into(),
            ..JiraInstance::default()
        },
    )
    .await
    .expect("insert jira instance")
}

async fn note_type(db: &dojo_storage::Db, name: &str) -> NoteType {
    let mut conn = db.conn().await.expect("connection");
    note_types::insert(
        &mut conn,
        &NoteType {
            name: name.into(),
            ..NoteType::default()
        },
    )
    .await
    .expect("insert note type")
}

async fn test_import(db: &dojo_storage::Db, test_id: i64) -> TestImport {
    let mut conn = db.conn().await.expect("connection");
    test_imports::insert(
        &mut conn,
        &TestImport {
            id: 0,
            test_id,
            import_settings: None,
            import_type: TestImportType::Import,
            version: None,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            created: t(1),
            modified: t(1),
        },
    )
    .await
    .expect("insert test import")
}

async fn finding_group(db: &dojo_storage::Db, test_id: i64, creator_id: i64) -> FindingGroup {
    let mut conn = db.conn().await.expect("connection");
    finding_groups::insert(
        &mut conn,
        &FindingGroup {
            id: 0,
            name: "group".into(),
            test_id,
            creator_id,
            created: t(1),
            modified: t(1),
        },
    )
    .await
    .expect("insert finding group")
}

async fn language_type(db: &dojo_storage::Db, language: &str) -> LanguageType {
    let mut conn = db.conn().await.expect("connection");
    language_types::insert(
        &mut conn,
        &LanguageType {
            id: 0,
            language: language.into(),
            color: None,
        },
    )
    .await
    .expect("insert language type")
}

// ----- users, groups and roles ------------------------------------------------------

db_test!(users_round_trip, |db| {
    let written = User {
        id: 0,
        username: "alice".into(),
        first_name: "Alice".into(),
        last_name: "Liddell".into(),
        email: "alice@example.com".into(),
        password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        is_active: false,
        is_staff: true,
        is_superuser: true,
        last_login: Some(t(2)),
        date_joined: t(1),
    };
    assert_every_field_differs(&written, &User::default(), &["date_joined"]);
    assert_ne!(written.password, User::default().password);
    round_trip!(db, users, written,
        set_on_insert: [date_joined],
        set_on_write: [],
        change: |u| {
            u.username = "alice2".into();
            u.password = String::new();
            u.is_active = true;
            u.last_login = None;
        },
    );
});

db_test!(user_contact_infos_round_trip, |db| {
    let owner = user(&db, "owner").await;
    let written = UserContactInfo {
        id: 0,
        user_id: owner.id,
        title: Some("CISO".into()),
        phone_number: Some("+441234567890".into()),
        cell_number: Some("+449876543210".into()),
        twitter_username: Some("alice_t".into()),
        github_username: Some("alice-gh".into()),
        slack_username: Some("alice.s".into()),
        slack_user_id: Some("U024BE7LH".into()),
        block_execution: true,
        deduplication_execution_mode: Some(DeduplicationExecutionMode::AsyncWait),
        force_password_reset: true,
        ui_use_tailwind: true,
        token_last_reset: Some(t(3)),
        password_last_reset: Some(t(4)),
        user_state_details: Some(json_doc()),
    };
    assert_every_field_differs(&written, &UserContactInfo::default(), &[]);
    round_trip!(db, user_contact_infos, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.title = None;
            c.deduplication_execution_mode = Some(DeduplicationExecutionMode::Sync);
            c.user_state_details = Some(Json(json!([1, "two"])));
            c.token_last_reset = None;
            c.block_execution = false;
        },
    );
});

db_test!(groups_round_trip, |db| {
    let written = Group {
        id: 0,
        name: "Red team".into(),
        description: Some("Offensive security".into()),
        social_provider: Some(GroupSocialProvider::AzureAd),
    };
    assert_every_field_differs(&written, &Group::default(), &[]);
    round_trip!(db, groups, written,
        set_on_insert: [],
        set_on_write: [],
        change: |g| {
            g.name = "Blue team".into();
            g.description = None;
            g.social_provider = Some(GroupSocialProvider::Remote);
        },
    );
});

db_test!(group_members_round_trip, |db| {
    let member = user(&db, "member").await;
    let other = user(&db, "other").await;
    let team = group(&db, "team").await;
    let written = GroupMember {
        id: 0,
        group_id: team.id,
        user_id: member.id,
        role_id: Role::Maintainer.id(),
    };
    assert_every_field_differs(&written, &GroupMember::default(), &[]);
    round_trip!(db, group_members, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| {
            m.user_id = other.id;
            m.role_id = Role::Reader.id();
        },
    );
});

db_test!(global_roles_round_trip, |db| {
    let holder = user(&db, "holder").await;
    let team = group(&db, "team").await;
    // A global role belongs to a user or (exclusively) a group: the change moves it.
    let written = GlobalRole {
        id: 0,
        user_id: Some(holder.id),
        group_id: None,
        role_id: Some(Role::Owner.id()),
    };
    assert_every_field_differs(&written, &GlobalRole::default(), &["group_id"]);
    round_trip!(db, global_roles, written,
        set_on_insert: [],
        set_on_write: [],
        change: |r| {
            r.user_id = None;
            r.group_id = Some(team.id);
            r.role_id = None;
        },
    );
});

db_test!(product_type_members_round_trip, |db| {
    let member = user(&db, "member").await;
    let pt = product_type(&db, "Organisation").await;
    let written = ProductTypeMember {
        id: 0,
        product_type_id: pt.id,
        user_id: member.id,
        role_id: Role::Owner.id(),
    };
    assert_every_field_differs(&written, &ProductTypeMember::default(), &[]);
    round_trip!(db, product_type_members, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| m.role_id = Role::Writer.id(),
    );
});

db_test!(product_type_groups_round_trip, |db| {
    let team = group(&db, "team").await;
    let pt = product_type(&db, "Organisation").await;
    let written = ProductTypeGroup {
        id: 0,
        product_type_id: pt.id,
        group_id: team.id,
        role_id: Role::ApiImporter.id(),
    };
    assert_every_field_differs(&written, &ProductTypeGroup::default(), &[]);
    round_trip!(db, product_type_groups, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| m.role_id = Role::Maintainer.id(),
    );
});

db_test!(product_members_round_trip, |db| {
    let member = user(&db, "member").await;
    let pt = product_type(&db, "Organisation").await;
    let prod = product(&db, pt.id, "Asset").await;
    let written = ProductMember {
        id: 0,
        product_id: prod.id,
        user_id: member.id,
        role_id: Role::Writer.id(),
    };
    assert_every_field_differs(&written, &ProductMember::default(), &[]);
    round_trip!(db, product_members, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| m.role_id = Role::Owner.id(),
    );
});

db_test!(product_groups_round_trip, |db| {
    let team = group(&db, "team").await;
    let pt = product_type(&db, "Organisation").await;
    let prod = product(&db, pt.id, "Asset").await;
    let written = ProductGroup {
        id: 0,
        product_id: prod.id,
        group_id: team.id,
        role_id: Role::Reader.id(),
    };
    assert_every_field_differs(&written, &ProductGroup::default(), &[]);
    round_trip!(db, product_groups, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| m.role_id = Role::ApiImporter.id(),
    );
});

// ----- the hierarchy -----------------------------------------------------------------

db_test!(product_types_round_trip, |db| {
    let written = ProductType {
        id: 0,
        name: "Internal apps".into(),
        description: Some("Everything in-house".into()),
        critical_product: true,
        key_product: true,
        created: t(1),
        updated: t(1),
    };
    assert_every_field_differs(&written, &ProductType::default(), &["created", "updated"]);
    round_trip!(db, product_types, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |p| {
            p.name = "External apps".into();
            p.description = None;
            p.key_product = false;
        },
        insert: product_types::insert,
        update: product_types::update,
        cascade: cascade::delete_product_type,
    );
});

db_test!(products_round_trip, |db| {
    let manager = user(&db, "manager").await;
    let tech = user(&db, "tech").await;
    let team = user(&db, "team").await;
    let pt = product_type(&db, "Web").await;
    let other_pt = product_type(&db, "Mobile").await;
    let written = Product {
        id: 0,
        name: "Shop".into(),
        description: "The web shop".into(),
        prod_type_id: pt.id,
        sla_configuration_id: 2,
        product_manager_id: Some(manager.id),
        technical_contact_id: Some(tech.id),
        team_manager_id: Some(team.id),
        business_criticality: Some(BusinessCriticality::VeryLow),
        platform: Some(Platform::Iot),
        lifecycle: Some(Lifecycle::Retirement),
        origin: Some(Origin::ThirdPartyLibrary),
        user_records: Some(1_000_000),
        revenue_cents: Some(99_999_999_999_999),
        external_audience: true,
        internet_accessible: true,
        enable_product_tag_inheritance: true,
        enable_simple_risk_acceptance: true,
        enable_full_risk_acceptance: false,
        disable_sla_breach_notifications: true,
        prod_numeric_grade: Some(73),
        tid: 42,
        async_updating: true,
        created: t(1),
        updated: t(1),
    };
    assert_every_field_differs(&written, &Product::default(), &["created", "updated"]);
    round_trip!(db, products, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |p| {
            p.prod_type_id = other_pt.id;
            p.sla_configuration_id = 1;
            p.product_manager_id = None;
            p.business_criticality = Some(BusinessCriticality::None);
            p.revenue_cents = Some(0);
            p.async_updating = false;
        },
        insert: products::insert,
        update: products::update,
        cascade: cascade::delete_product,
    );
});

db_test!(regulations_round_trip, |db| {
    let written = Regulation {
        id: 0,
        name: "General Data Protection Regulation".into(),
        acronym: "GDPR".into(),
        category: RegulationCategory::Privacy,
        jurisdiction: "European Union".into(),
        description: Some("Personal data".into()),
        reference: Some("https://gdpr.eu".into()),
    };
    assert_every_field_differs(&written, &Regulation::default(), &[]);
    round_trip!(db, regulations, written,
        set_on_insert: [],
        set_on_write: [],
        change: |r| {
            r.category = RegulationCategory::Government;
            r.reference = None;
        },
    );
});

db_test!(contacts_round_trip, |db| {
    let written = Contact {
        id: 0,
        name: "Carol".into(),
        email: "carol@example.com".into(),
        team: "AppSec".into(),
        is_admin: true,
        is_globally_read_only: true,
    };
    assert_every_field_differs(&written, &Contact::default(), &[]);
    round_trip!(db, contacts, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.team = String::new();
            c.is_admin = false;
        },
    );
});

db_test!(cicd_infrastructures_round_trip, |db| {
    let written = CicdInfrastructure {
        id: 0,
        name: "Jenkins".into(),
        description: Some("Build farm".into()),
        url: Some("https://ci.example.com".into()),
        infrastructure_type: CicdInfrastructureType::BuildServer,
    };
    assert_every_field_differs(&written, &CicdInfrastructure::default(), &[]);
    round_trip!(db, cicd_infrastructures, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.url = None;
            c.infrastructure_type = CicdInfrastructureType::Orchestration;
        },
    );
});

db_test!(development_environments_round_trip, |db| {
    let written = DevelopmentEnvironment {
        id: 0,
        name: "Moon base".into(),
    };
    assert_every_field_differs(&written, &DevelopmentEnvironment::default(), &[]);
    round_trip!(db, development_environments, written,
        set_on_insert: [],
        set_on_write: [],
        change: |e| e.name = "Mars base".into(),
    );
});

db_test!(test_types_round_trip, |db| {
    let written = TestType {
        id: 0,
        name: "ZAP Scan".into(),
        static_tool: true,
        dynamic_tool: true,
        active: false,
        dynamically_generated: true,
    };
    assert_every_field_differs(&written, &TestType::default(), &[]);
    round_trip!(db, test_types, written,
        set_on_insert: [],
        set_on_write: [],
        change: |tt| {
            tt.active = true;
            tt.static_tool = false;
        },
        insert: test_types::insert,
        update: test_types::update,
        cascade: cascade::delete_test_type,
    );
});

db_test!(engagement_presets_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    round_trip!(db, engagement_presets, EngagementPresets {
            id: 0,
            title: "Quarterly pentest".into(),
            notes: Some("Bring coffee".into()),
            scope: Some("Everything under /api".into()),
            product_id: prod.id,
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |p| {
            p.notes = None;
            p.title = "Yearly pentest".into();
        },
    );
});

db_test!(engagements_round_trip, |db| {
    let lead = user(&db, "lead").await;
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let requester = contact(&db, "Requester").await;
    let preset = {
        let mut conn = db.conn().await.expect("connection");
        engagement_presets::insert(
            &mut conn,
            &EngagementPresets {
                id: 0,
                title: "preset".into(),
                notes: None,
                scope: None,
                product_id: prod.id,
                created: t(1),
            },
        )
        .await
        .expect("insert preset")
    };
    let report_type = {
        let mut conn = db.conn().await.expect("connection");
        report_types::insert(
            &mut conn,
            &ReportType {
                id: 0,
                name: "Executive".into(),
            },
        )
        .await
        .expect("insert report type")
        .id
    };
    let scm = cicd(&db, "GitLab", CicdInfrastructureType::ScmServer).await;
    let build = cicd(&db, "Jenkins", CicdInfrastructureType::BuildServer).await;
    let orchestration = cicd(&db, "Argo", CicdInfrastructureType::Orchestration).await;
    let written = Engagement {
        id: 0,
        name: Some("Release 2.0".into()),
        description: Some("Pre-release test".into()),
        version: Some("2.0.0".into()),
        first_contacted: Some(day(2025, 12, 24)),
        target_start: day(2026, 1, 5),
        target_end: day(2026, 2, 28),
        lead_id: Some(lead.id),
        requester_id: Some(requester.id),
        preset_id: Some(preset.id),
        reason: Some("Compliance".into()),
        report_type_id: Some(report_type),
        product_id: prod.id,
        active: false,
        tracker: Some("https://jira.example.com/browse/SEC-1".into()),
        test_strategy: Some("https://wiki.example.com/strategy".into()),
        threat_model: false,
        api_test: false,
        pen_test: false,
        check_list: false,
        status: EngagementStatus::WaitingForResource,
        progress: "other".into(),
        tmodel_path: "threat/model.pdf".into(),
        done_testing: true,
        engagement_type: EngagementType::CiCd,
        build_id: Some("build-17".into()),
        commit_hash: Some("0123456789abcdef".into()),
        branch_tag: Some("release/2.0".into()),
        source_code_management_uri: Some("https://git.example.com/shop".into()),
        cicd_scm_server_id: Some(scm.id),
        cicd_build_server_id: Some(build.id),
        cicd_orchestration_engine_id: Some(orchestration.id),
        deduplication_on_engagement: true,
        created: t(1),
        updated: t(1),
    };
    assert_every_field_differs(&written, &Engagement::default(), &["created", "updated"]);
    round_trip!(db, engagements, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |e| {
            e.name = None;
            e.first_contacted = None;
            e.target_end = day(2026, 3, 31);
            e.status = EngagementStatus::OnHold;
            e.engagement_type = EngagementType::Interactive;
            e.cicd_build_server_id = None;
        },
        insert: engagements::insert,
        update: engagements::save,
        cascade: cascade::delete_engagement,
    );
});

db_test!(check_lists_round_trip, |db| {
    let b = branch(&db, "cl").await;
    round_trip!(db, check_lists, CheckList {
            id: 0,
            engagement_id: b.engagement.id,
            session_management: "Pass".into(),
            encryption_crypto: "Fail".into(),
            configuration_management: "Pass".into(),
            authentication: "Fail".into(),
            authorization_and_access_control: "Pass".into(),
            data_input_sanitization_validation: "Fail".into(),
            sensitive_data: "Pass".into(),
            other: "Fail".into(),
        },
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.other = "none".into();
            c.authentication = "Pass".into();
        },
    );
});

db_test!(tests_round_trip, |db| {
    let b = branch(&db, "t").await;
    let lead = user(&db, "lead").await;
    let other_type = test_type(&db, "Other Scan").await;
    let config = tool_configuration(&db).await;
    let api_config = {
        let mut conn = db.conn().await.expect("connection");
        product_api_scan_configurations::insert(
            &mut conn,
            &ProductApiScanConfiguration {
                product_id: b.product.id,
                tool_configuration_id: config.id,
                ..ProductApiScanConfiguration::default()
            },
        )
        .await
        .expect("insert api scan configuration")
    };
    let written = Test {
        id: 0,
        engagement_id: b.engagement.id,
        lead_id: Some(lead.id),
        test_type_id: b.test_type.id,
        scan_type: Some("ZAP Scan".into()),
        title: Some("Nightly".into()),
        description: Some("Automated".into()),
        target_start: at(2026, 1, 5, 8, 0, 0, 1),
        target_end: at(2026, 1, 5, 9, 30, 0, 999_999),
        percent_complete: Some(50),
        environment_id: Some(5),
        version: Some("2.0".into()),
        build_id: Some("b-1".into()),
        commit_hash: Some("deadbeef".into()),
        branch_tag: Some("main".into()),
        api_scan_configuration_id: Some(api_config.id),
        created: t(1),
        updated: t(1),
    };
    assert_every_field_differs(&written, &Test::default(), &["created", "updated"]);
    round_trip!(db, tests, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |x| {
            x.test_type_id = other_type.id;
            x.percent_complete = Some(100);
            x.environment_id = None;
            x.target_end = at(2026, 1, 6, 0, 0, 0, 0);
        },
        insert: tests::insert,
        update: tests::save,
        cascade: cascade::delete_test,
    );
});

/// A finding with every field set, in `b`'s test.
async fn full_finding(db: &dojo_storage::Db, b: &Branch) -> Finding {
    let original = finding(db, b.test.id, b.user.id, "original").await;
    let reviewer = user(db, "reviewer").await;
    let defect = user(db, "defect").await;
    let mitigator = user(db, "mitigator").await;
    let last = user(db, "last").await;
    let reporter = user(db, "reporter").await;
    Finding {
        id: 0,
        test_id: b.test.id,
        product_id: b.product.id,
        title: "SQL injection in login".into(),
        date: day(2026, 2, 3),
        sla_start_date: Some(day(2026, 2, 4)),
        sla_expiration_date: Some(day(2026, 2, 11)),
        cwe: 89,
        cve: Some("CVE-2026-0001".into()),
        epss_score: Some(0.123_456_789),
        epss_percentile: Some(0.987_654_321),
        known_exploited: true,
        ransomware_used: true,
        kev_date: Some(day(2026, 2, 5)),
        cvssv3: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
        cvssv3_score: Some(9.8),
        cvssv4: Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into()),
        cvssv4_score: Some(9.3),
        url: Some("https://shop.example.com/login".into()),
        severity: Severity::Critical,
        description: "The login form concatenates input".into(),
        mitigation: Some("Use bind parameters".into()),
        fix_available: Some(true),
        fix_version: Some("2.0.1".into()),
        impact: Some("Full database read".into()),
        steps_to_reproduce: Some("' OR 1=1 --".into()),
        severity_justification: Some("Unauthenticated".into()),
        refs: Some("https://owasp.org/www-community/attacks/SQL_Injection".into()),
        active: false,
        verified: true,
        false_p: true,
        duplicate: true,
        duplicate_finding_id: Some(original.id),
        out_of_scope: true,
        risk_accepted: true,
        under_review: true,
        last_status_update: Some(t(5)),
        review_requested_by_id: Some(reviewer.id),
        under_defect_review: true,
        defect_review_requested_by_id: Some(defect.id),
        is_mitigated: true,
        thread_id: 7,
        mitigated: Some(t(6)),
        mitigated_by_id: Some(mitigator.id),
        reporter_id: reporter.id,
        numerical_severity: "S0".into(),
        last_reviewed: Some(t(7)),
        last_reviewed_by_id: Some(last.id),
        param: Some("username".into()),
        payload: Some("' OR 1=1 --".into()),
        hash_code: Some("a".repeat(64)),
        line: Some(120),
        file_path: Some("src/login.py".into()),
        component_name: Some("shop".into()),
        component_version: Some("2.0.0".into()),
        static_finding: true,
        dynamic_finding: false,
        scanner_confidence: Some(2),
        unique_id_from_tool: Some("tool-123".into()),
        vuln_id_from_tool: Some("SQLI-1".into()),
        sast_source_object: Some("request.form".into()),
        sast_sink_object: Some("cursor.execute".into()),
        sast_source_line: Some(118),
        sast_source_file_path: Some("src/forms.py".into()),
        nb_occurences: Some(3),
        publish_date: Some(day(2026, 1, 30)),
        service: Some("auth".into()),
        planned_remediation_date: Some(day(2026, 3, 1)),
        planned_remediation_version: Some("2.1".into()),
        effort_for_fixing: Some("Low".into()),
        created: t(1),
        updated: t(1),
    }
}

db_test!(findings_round_trip, |db| {
    let b = branch(&db, "f").await;
    let written = full_finding(&db, &b).await;
    assert_every_field_differs(&written, &Finding::default(), &["created", "updated"]);
    round_trip!(db, findings, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |f| {
            f.severity = Severity::Low;
            f.numerical_severity = "S3".into();
            f.fix_available = Some(false);
            f.epss_score = None;
            f.cvssv3_score = Some(0.1);
            f.date = day(2026, 2, 28);
            f.kev_date = None;
            f.duplicate_finding_id = None;
            f.mitigated = None;
            f.reporter_id = b.user.id;
        },
        insert: findings::create,
        update: findings::save,
        cascade: cascade::delete_finding,
    );
});

db_test!(findings_written_in_bulk_read_back_unchanged, |db| {
    // The importer's multi-row inserts store every field as a single insert does.
    let b = branch(&db, "bulk").await;
    let mut full = full_finding(&db, &b).await;
    let mut sparse = Finding {
        test_id: b.test.id,
        product_id: b.product.id,
        reporter_id: b.user.id,
        title: "sparse".into(),
        description: "d".into(),
        date: day(2026, 2, 1),
        ..Finding::default()
    };
    let mut conn = db.conn().await.expect("connection");
    let ids = dojo_storage::bulk::allocate_ids(&mut conn, findings::TABLE, 2)
        .await
        .expect("ids");
    full.id = ids[0];
    sparse.id = ids[1];
    findings::insert_many(&mut conn, &[&full, &sparse])
        .await
        .expect("bulk insert");
    for expected in [&full, &sparse] {
        let mut stored = findings::get(&mut conn, expected.id).await.expect("stored");
        stored.created = expected.created;
        stored.updated = expected.updated;
        assert_eq!(&stored, expected);
    }
});

// ----- what hangs off findings -------------------------------------------------------

db_test!(vulnerabilities_round_trip, |db| {
    round_trip!(db, vulnerabilities, Vulnerability {
            id: 0,
            vulnerability_id: "CVE-2024-3094".into(),
            vulnerability_id_type: Some("CVE".into()),
            epss_score: Some(0.845_67),
            epss_percentile: Some(0.999_12),
            known_exploited: Some(true),
            ransomware_used: Some(false),
            kev_date: Some(day(2024, 4, 1)),
            kev_due_date: Some(day(2024, 4, 22)),
            enrichment_updated: Some(t(8)),
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |v| {
            v.known_exploited = None;
            v.ransomware_used = Some(true);
            v.epss_score = Some(0.5);
            v.kev_due_date = None;
        },
    );
});

db_test!(finding_groups_round_trip, |db| {
    let b = branch(&db, "fg").await;
    let other = user(&db, "other").await;
    round_trip!(db, finding_groups, FindingGroup {
            id: 0,
            name: "openssl".into(),
            test_id: b.test.id,
            creator_id: b.user.id,
            created: t(1),
            modified: t(1),
        },
        set_on_insert: [created],
        set_on_write: [modified],
        change: |g| {
            g.name = "libssl".into();
            g.creator_id = other.id;
        },
    );
});

db_test!(finding_templates_round_trip, |db| {
    let written = FindingTemplate {
        id: 0,
        title: "Reflected XSS".into(),
        cwe: Some(79),
        cve: Some("CVE-2020-1234".into()),
        cvssv3: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N".into()),
        cvssv3_score: Some(6.1),
        cvssv4: Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N".into()),
        cvssv4_score: Some(5.1),
        severity: Some(Severity::Medium),
        description: Some("Input echoed".into()),
        mitigation: Some("Encode output".into()),
        impact: Some("Session theft".into()),
        refs: Some("https://owasp.org/xss".into()),
        last_used: Some(t(9)),
        numerical_severity: Some("S2".into()),
        fix_available: Some(false),
        fix_version: Some("1.2".into()),
        planned_remediation_version: Some("1.3".into()),
        effort_for_fixing: Some("Medium".into()),
        steps_to_reproduce: Some("<script>".into()),
        severity_justification: Some("Needs a click".into()),
        component_name: Some("web".into()),
        component_version: Some("1.1".into()),
        notes: Some("Apply with care".into()),
        vulnerability_ids_text: Some("CVE-2020-1234\nGHSA-aaaa-bbbb-cccc".into()),
        endpoints_text: Some("https://a.example.com/\nhttps://b.example.com/".into()),
    };
    assert_every_field_differs(&written, &FindingTemplate::default(), &[]);
    round_trip!(db, finding_templates, written,
        set_on_insert: [],
        set_on_write: [],
        change: |ft| {
            ft.severity = None;
            ft.fix_available = None;
            ft.cwe = None;
            ft.last_used = Some(t(10));
        },
    );
});

db_test!(burp_raw_request_responses_round_trip, |db| {
    let b = branch(&db, "burp").await;
    let f = finding(&db, b.test.id, b.user.id, "with traffic").await;
    let written = BurpRawRequestResponse {
        id: 0,
        finding_id: Some(f.id),
        burp_request_base64: "R0VUIC8gSFRUUC8xLjE=".into(),
        burp_response_base64: "SFRUUC8xLjEgMjAwIE9L".into(),
    };
    assert_every_field_differs(&written, &BurpRawRequestResponse::default(), &[]);
    round_trip!(db, burp_raw_request_responses, written,
        set_on_insert: [],
        set_on_write: [],
        change: |p| {
            p.finding_id = None;
            p.burp_response_base64 = String::new();
        },
    );
});

db_test!(endpoints_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let written = Endpoint {
        id: 0,
        protocol: Some("https".into()),
        userinfo: Some("user:pw".into()),
        host: Some("shop.example.com".into()),
        port: Some(8443),
        path: Some("api/v1/login".into()),
        query: Some("next=%2F".into()),
        fragment: Some("top".into()),
        product_id: Some(prod.id),
    };
    assert_every_field_differs(&written, &Endpoint::default(), &[]);
    round_trip!(db, endpoints, written,
        set_on_insert: [],
        set_on_write: [],
        change: |e| {
            e.port = None;
            e.userinfo = None;
            e.host = Some("127.0.0.1".into());
        },
    );
});

db_test!(endpoint_params_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let ep = endpoint(&db, prod.id, "shop.example.com").await;
    let written = EndpointParams {
        id: 0,
        endpoint_id: ep.id,
        param: "q".into(),
        value: "search".into(),
        method: Some(EndpointParamMethod::Post),
    };
    assert_every_field_differs(&written, &EndpointParams::default(), &[]);
    round_trip!(db, endpoint_params, written,
        set_on_insert: [],
        set_on_write: [],
        change: |p| p.method = Some(EndpointParamMethod::Get),
    );
});

db_test!(endpoint_statuses_round_trip, |db| {
    let b = branch(&db, "es").await;
    let f = finding(&db, b.test.id, b.user.id, "on endpoint").await;
    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    let written = EndpointStatus {
        id: 0,
        date: day(2026, 2, 2),
        last_modified: Some(t(11)),
        mitigated: true,
        mitigated_time: Some(t(12)),
        mitigated_by_id: Some(b.user.id),
        false_positive: true,
        out_of_scope: true,
        risk_accepted: true,
        endpoint_id: ep.id,
        finding_id: f.id,
    };
    assert_every_field_differs(&written, &EndpointStatus::default(), &[]);
    round_trip!(db, endpoint_statuses, written,
        set_on_insert: [],
        set_on_write: [],
        change: |s| {
            s.mitigated = false;
            s.mitigated_time = None;
            s.mitigated_by_id = None;
            s.date = day(2026, 2, 20);
        },
    );
});

// ----- notes and files ----------------------------------------------------------------

db_test!(note_types_round_trip, |db| {
    let written = NoteType {
        id: 0,
        name: "Review".into(),
        description: "Peer review".into(),
        is_single: true,
        is_active: false,
        is_mandatory: false,
    };
    assert_every_field_differs(&written, &NoteType::default(), &[]);
    round_trip!(db, note_types, written,
        set_on_insert: [],
        set_on_write: [],
        change: |n| {
            n.is_active = true;
            n.description = String::new();
        },
    );
});

db_test!(notes_round_trip, |db| {
    let author = user(&db, "author").await;
    let editor = user(&db, "editor").await;
    let kind = note_type(&db, "Comment").await;
    round_trip!(db, notes, Note {
            id: 0,
            note_type_id: Some(kind.id),
            entry: "Looks exploitable @editor".into(),
            date: t(1),
            author_id: author.id,
            private: true,
            edited: true,
            editor_id: Some(editor.id),
            edit_time: Some(t(13)),
        },
        set_on_insert: [date],
        set_on_write: [],
        change: |n| {
            n.entry = "Confirmed".into();
            n.note_type_id = None;
            n.edit_time = Some(t(14));
        },
    );
});

db_test!(note_histories_round_trip, |db| {
    let author = user(&db, "author").await;
    let editor = user(&db, "editor").await;
    let kind = note_type(&db, "Comment").await;
    let n = note(&db, author.id, "first text").await;
    round_trip!(db, note_histories, NoteHistory {
            id: 0,
            note_id: n.id,
            note_type_id: Some(kind.id),
            data: "first text".into(),
            time: t(1),
            current_editor_id: Some(editor.id),
        },
        set_on_insert: [time],
        set_on_write: [],
        change: |h| {
            h.data = "second text".into();
            h.current_editor_id = None;
        },
    );
});

db_test!(file_uploads_round_trip, |db| {
    let written = FileUpload {
        id: 0,
        title: "Evidence".into(),
        file: "uploaded_files/0b4e7a0e-5fe2-4b0a-9d5c-2f0a9e2a1c11.png".into(),
    };
    assert_every_field_differs(&written, &FileUpload::default(), &[]);
    round_trip!(db, file_uploads, written,
        set_on_insert: [],
        set_on_write: [],
        change: |f| f.title = "<No Title>".into(),
    );
});

db_test!(file_access_tokens_round_trip, |db| {
    let owner = user(&db, "owner").await;
    let file = file_upload(&db, "Screenshot", "uploaded_files/a.png").await;
    let written = FileAccessToken {
        id: 0,
        user_id: owner.id,
        file_id: file.id,
        token: "5e1b0c1e-8d7f-4b0e-9f3a-1c2d3e4f5a6b".into(),
        size: FileAccessSize::Thumbnail,
    };
    assert_every_field_differs(&written, &FileAccessToken::default(), &[]);
    round_trip!(db, file_access_tokens, written,
        set_on_insert: [],
        set_on_write: [],
        change: |tok| tok.size = FileAccessSize::Original,
    );
});

// ----- risk, import history, alerts ------------------------------------------------------

db_test!(risk_acceptances_round_trip, |db| {
    let owner = user(&db, "owner").await;
    let written = RiskAcceptance {
        id: 0,
        name: "Accept legacy TLS".into(),
        recommendation: RiskTreatment::Transfer,
        recommendation_details: Some("Insurance covers it".into()),
        decision: RiskTreatment::Mitigate,
        decision_details: Some("WAF rule".into()),
        accepted_by: Some("The CISO".into()),
        path: Some("risk/2026/01/02/proof.pdf".into()),
        owner_id: owner.id,
        expiration_date: Some(t(20)),
        expiration_date_warned: Some(t(15)),
        expiration_date_handled: Some(t(21)),
        reactivate_expired: false,
        restart_sla_expired: true,
        created: t(1),
        updated: t(1),
    };
    assert_every_field_differs(
        &written,
        &RiskAcceptance::default(),
        &["created", "updated"],
    );
    round_trip!(db, risk_acceptances, written,
        set_on_insert: [created],
        set_on_write: [updated],
        change: |r| {
            r.decision = RiskTreatment::Avoid;
            r.expiration_date_handled = None;
            r.reactivate_expired = true;
        },
    );
});

db_test!(test_imports_round_trip, |db| {
    let b = branch(&db, "ti").await;
    round_trip!(db, test_imports, TestImport {
            id: 0,
            test_id: b.test.id,
            import_settings: Some(json_doc()),
            import_type: TestImportType::Reimport,
            version: Some("1.0".into()),
            build_id: Some("b-9".into()),
            commit_hash: Some("cafebabe".into()),
            branch_tag: Some("develop".into()),
            created: t(1),
            modified: t(1),
        },
        set_on_insert: [created],
        set_on_write: [modified],
        change: |i| {
            i.import_settings = Some(Json(json!({"close_old_findings": false, "scan_date": null})));
            i.import_type = TestImportType::Import;
            i.version = None;
        },
    );
});

db_test!(test_import_finding_actions_round_trip, |db| {
    let b = branch(&db, "tifa").await;
    let f = finding(&db, b.test.id, b.user.id, "imported").await;
    let import = test_import(&db, b.test.id).await;
    round_trip!(db, test_import_finding_actions, TestImportFindingAction {
            id: 0,
            test_import_id: import.id,
            finding_id: f.id,
            action: ImportAction::Reactivated,
            created: t(1),
            modified: t(1),
        },
        set_on_insert: [created],
        set_on_write: [modified],
        change: |a| a.action = ImportAction::Untouched,
    );
});

db_test!(alerts_round_trip, |db| {
    let recipient = user(&db, "recipient").await;
    round_trip!(db, alerts, Alert {
            id: 0,
            title: "Scan added".into(),
            description: Some("12 new findings".into()),
            url: Some("/test/1".into()),
            source: "Import".into(),
            icon: "icon-upload".into(),
            user_id: Some(recipient.id),
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |a| {
            a.description = None;
            a.user_id = None;
        },
    );
});

// ----- product-level entities ---------------------------------------------------------

db_test!(technologies_round_trip, |db| {
    let b = branch(&db, "tech").await;
    round_trip!(db, technologies, AppAnalysis {
            id: 0,
            product_id: b.product.id,
            name: "nginx".into(),
            user_id: b.user.id,
            confidence: Some(90),
            version: Some("1.25".into()),
            icon: Some("nginx.svg".into()),
            website: Some("https://nginx.org".into()),
            website_found: Some("https://shop.example.com".into()),
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |a| {
            a.confidence = None;
            a.version = Some("1.26".into());
        },
    );
});

db_test!(language_types_round_trip, |db| {
    let written = LanguageType {
        id: 0,
        language: "Rust".into(),
        color: Some("#dea584".into()),
    };
    assert_every_field_differs(&written, &LanguageType::default(), &[]);
    round_trip!(db, language_types, written,
        set_on_insert: [],
        set_on_write: [],
        change: |l| l.color = None,
    );
});

db_test!(languages_round_trip, |db| {
    let b = branch(&db, "lang").await;
    let rust = language_type(&db, "Rust").await;
    round_trip!(db, languages, Languages {
            id: 0,
            language_id: rust.id,
            product_id: b.product.id,
            user_id: Some(b.user.id),
            files: Some(12),
            blank: Some(340),
            comment: Some(120),
            code: Some(4_567),
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |l| {
            l.user_id = None;
            l.code = Some(5_000);
        },
    );
});

db_test!(dojo_meta_round_trip, |db| {
    let b = branch(&db, "meta").await;
    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    // Exactly one owner: the change moves the field from the product to an endpoint.
    let written = DojoMeta {
        id: 0,
        product_id: Some(b.product.id),
        endpoint_id: None,
        finding_id: None,
        name: "owner".into(),
        value: "team-a".into(),
    };
    assert_every_field_differs(
        &written,
        &DojoMeta::default(),
        &["endpoint_id", "finding_id"],
    );
    round_trip!(db, dojo_meta, written,
        set_on_insert: [],
        set_on_write: [],
        change: |m| {
            m.product_id = None;
            m.endpoint_id = Some(ep.id);
            m.value = "team-b".into();
        },
    );
});

db_test!(notifications_round_trip, |db| {
    let b = branch(&db, "notif").await;
    let written = Notifications {
        id: 0,
        user_id: Some(b.user.id),
        product_id: Some(b.product.id),
        template: true,
        product_type_added: "mail".into(),
        product_added: "slack".into(),
        engagement_added: "msteams".into(),
        test_added: "webhooks".into(),
        scan_added: "alert,mail".into(),
        scan_added_empty: "alert".into(),
        jira_update: "mail,slack".into(),
        upcoming_engagement: "".into(),
        stale_engagement: "slack,msteams".into(),
        auto_close_engagement: "webhooks,alert".into(),
        close_engagement: "mail".into(),
        user_mentioned: "slack".into(),
        code_review: "msteams".into(),
        review_requested: "webhooks".into(),
        other: "mail,webhooks".into(),
        sla_breach: "slack,mail".into(),
        sla_breach_combined: "msteams,alert".into(),
        risk_acceptance_expiration: "mail,msteams".into(),
    };
    assert_every_field_differs(&written, &Notifications::default(), &[]);
    round_trip!(db, notifications, written,
        set_on_insert: [],
        set_on_write: [],
        change: |n| {
            n.product_id = None;
            n.template = false;
            n.other = "alert".into();
        },
    );
});

db_test!(notification_webhooks_round_trip, |db| {
    let owner = user(&db, "owner").await;
    let written = NotificationWebhook {
        id: 0,
        name: "Chat relay".into(),
        url: "https://hooks.example.com/dojo".into(),
        header_name: Some("Authorization".into()),
        header_value: Some("Bearer x".into()),
        status: WebhookStatus::InactiveTmp,
        first_error: Some(t(16)),
        last_error: Some(t(17)),
        note: Some("HTTP 503".into()),
        owner_id: Some(owner.id),
    };
    assert_every_field_differs(&written, &NotificationWebhook::default(), &[]);
    round_trip!(db, notification_webhooks, written,
        set_on_insert: [],
        set_on_write: [],
        change: |w| {
            w.status = WebhookStatus::InactivePermanent;
            w.owner_id = None;
            w.note = None;
        },
    );
});

db_test!(tool_types_round_trip, |db| {
    let written = ToolType {
        id: 0,
        name: "Burp".into(),
        description: Some("Burp Suite Enterprise".into()),
    };
    assert_every_field_differs(&written, &ToolType::default(), &[]);
    round_trip!(db, tool_types, written,
        set_on_insert: [],
        set_on_write: [],
        change: |tt| tt.description = None,
    );
});

db_test!(tool_configurations_round_trip, |db| {
    let kind = {
        let mut conn = db.conn().await.expect("connection");
        tool_types::insert(
            &mut conn,
            &ToolType {
                name: "Edgescan".into(),
                ..ToolType::default()
            },
        )
        .await
        .expect("insert tool type")
    };
    let written = ToolConfiguration {
        id: 0,
        name: "Edgescan EU".into(),
        description: Some("EU tenant".into()),
        url: Some("https://live.edgescan.com".into()),
        tool_type_id: kind.id,
        authentication_type: Some(ToolAuthenticationType::Ssh),
        extras: Some("region=eu".into()),
        username: Some("svc".into()),
        password: Some("pw".into()),
        auth_title: Some("Service account".into()),
        ssh: Some("-----BEGIN OPENSSH PRIVATE KEY-----".into()),
        api_key: Some("key-123".into()),
    };
    assert_every_field_differs(&written, &ToolConfiguration::default(), &[]);
    round_trip!(db, tool_configurations, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.authentication_type = Some(ToolAuthenticationType::Api);
            c.ssh = None;
            c.password = None;
        },
    );
});

db_test!(product_api_scan_configurations_round_trip, |db| {
    let b = branch(&db, "api").await;
    let config = tool_configuration(&db).await;
    let written = ProductApiScanConfiguration {
        id: 0,
        product_id: b.product.id,
        tool_configuration_id: config.id,
        service_key_1: Some("project-1".into()),
        service_key_2: Some("branch-main".into()),
        service_key_3: Some("org-9".into()),
    };
    assert_every_field_differs(&written, &ProductApiScanConfiguration::default(), &[]);
    round_trip!(db, product_api_scan_configurations, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| {
            c.service_key_2 = None;
            c.service_key_3 = None;
        },
    );
});

// ----- Jira ---------------------------------------------------------------------------------

db_test!(jira_instances_round_trip, |db| {
    let written = JiraInstance {
        id: 0,
        configuration_name: "Cloud".into(),
        url: "https://example.atlassian.net".into(),
        username: "bot@example.com".into(),
        password: "api-token".into(),
        default_issue_type: "Security".into(),
        issue_template_dir: Some("issue-trackers/jira_full".into()),
        epic_name_id: 10_011,
        open_status_key: 11,
        close_status_key: 31,
        info_mapping_severity: "Lowest".into(),
        low_mapping_severity: "Low".into(),
        medium_mapping_severity: "Medium".into(),
        high_mapping_severity: "High".into(),
        critical_mapping_severity: "Highest".into(),
        finding_text: Some("Created by Dojo".into()),
        accepted_mapping_resolution: Some("Won't Fix,Accepted".into()),
        false_positive_mapping_resolution: Some("Not a bug".into()),
        global_jira_sla_notification: false,
        finding_jira_sync: true,
    };
    assert_every_field_differs(&written, &JiraInstance::default(), &[]);
    round_trip!(db, jira_instances, written,
        set_on_insert: [],
        set_on_write: [],
        change: |j| {
            j.default_issue_type = "Bug".into();
            j.finding_text = None;
            j.finding_jira_sync = false;
        },
    );
});

db_test!(jira_projects_round_trip, |db| {
    let b = branch(&db, "jp").await;
    let instance = jira_instance(&db).await;
    let written = JiraProject {
        id: 0,
        jira_instance_id: Some(instance.id),
        project_key: "SEC".into(),
        product_id: Some(b.product.id),
        engagement_id: Some(b.engagement.id),
        issue_template_dir: Some("issue-trackers/jira_full".into()),
        component: "web,api".into(),
        custom_fields: Some(json_doc()),
        close_transition_fields: Some(Json(json!({"resolution": {"name": "Done"}}))),
        reopen_transition_fields: Some(Json(json!({"comment": "reopened"}))),
        default_assignee: Some("alice".into()),
        jira_labels: Some("security,dojo".into()),
        add_vulnerability_id_to_jira_label: true,
        push_all_issues: true,
        enable_engagement_epic_mapping: true,
        epic_issue_type_name: "Initiative".into(),
        push_notes: true,
        product_jira_sla_notification: true,
        risk_acceptance_expiration_notification: true,
        enabled: false,
    };
    assert_every_field_differs(&written, &JiraProject::default(), &[]);
    round_trip!(db, jira_projects, written,
        set_on_insert: [],
        set_on_write: [],
        change: |p| {
            p.engagement_id = None;
            p.custom_fields = None;
            p.close_transition_fields = Some(Json(json!([])));
            p.enabled = true;
        },
    );
});

db_test!(jira_issues_round_trip, |db| {
    let b = branch(&db, "ji").await;
    let f = finding(&db, b.test.id, b.user.id, "pushed").await;
    let group = finding_group(&db, b.test.id, b.user.id).await;
    let instance = jira_instance(&db).await;
    let project = {
        let mut conn = db.conn().await.expect("connection");
        jira_projects::insert(
            &mut conn,
            &JiraProject {
                jira_instance_id: Some(instance.id),
                project_key: "SEC".into(),
                product_id: Some(b.product.id),
                ..JiraProject::default()
            },
        )
        .await
        .expect("insert jira project")
    };
    // An issue belongs to one finding, finding group or engagement (an epic).
    let written = JiraIssue {
        id: 0,
        jira_project_id: Some(project.id),
        jira_id: "10001".into(),
        jira_key: "SEC-1".into(),
        finding_id: Some(f.id),
        engagement_id: None,
        finding_group_id: None,
        jira_creation: Some(t(18)),
        jira_change: Some(t(19)),
    };
    assert_every_field_differs(
        &written,
        &JiraIssue::default(),
        &["engagement_id", "finding_group_id"],
    );
    round_trip!(db, jira_issues, written,
        set_on_insert: [],
        set_on_write: [],
        change: |i| {
            i.finding_id = None;
            i.finding_group_id = Some(group.id);
            i.jira_change = None;
        },
    );
    round_trip!(db, jira_issues, JiraIssue {
            id: 0,
            jira_project_id: Some(project.id),
            jira_id: "10002".into(),
            jira_key: "SEC-2".into(),
            finding_id: None,
            engagement_id: Some(b.engagement.id),
            finding_group_id: None,
            jira_creation: Some(t(18)),
            jira_change: None,
        },
        set_on_insert: [],
        set_on_write: [],
        change: |i| i.jira_project_id = None,
    );
});

// ----- configuration -----------------------------------------------------------------------

db_test!(sla_configurations_round_trip, |db| {
    let written = SlaConfiguration {
        id: 0,
        name: "Strict".into(),
        description: Some("For crown jewels".into()),
        critical: 1,
        high: 2,
        medium: 3,
        low: 4,
        enforce_critical: false,
        enforce_high: false,
        enforce_medium: false,
        enforce_low: false,
        restart_sla_on_reactivation: true,
        async_updating: true,
    };
    assert_every_field_differs(&written, &SlaConfiguration::default(), &[]);
    round_trip!(db, sla_configurations, written,
        set_on_insert: [],
        set_on_write: [],
        change: |s| {
            s.critical = 365;
            s.enforce_low = true;
            s.description = None;
        },
    );
});

db_test!(system_settings_round_trip, |db| {
    let mut conn = db.conn().await.expect("connection");
    let changed = SystemSettings {
        id: 1,
        enable_deduplication: true,
        delete_duplicates: true,
        max_dupes: None,
        false_positive_history: true,
        retroactive_false_positive_history: true,
        enable_jira: true,
        enable_jira_web_hook: true,
        disable_jira_webhook_secret: true,
        jira_webhook_secret: Some("s3cret".into()),
        jira_minimum_severity: Some("Critical".into()),
        jira_labels: Some("dojo".into()),
        add_vulnerability_id_to_jira_label: true,
        enforce_verified_status: false,
        enforce_verified_status_jira: false,
        enforce_verified_status_product_grading: false,
        enforce_verified_status_metrics: false,
        enable_finding_sla: false,
        enable_notify_sla_active: true,
        enable_notify_sla_active_verified: true,
        enable_notify_sla_jira_only: true,
        enable_notify_sla_exponential_backoff: true,
        enable_product_grade: true,
        product_grade_a: 95,
        product_grade_b: 85,
        product_grade_c: 75,
        product_grade_d: 65,
        product_grade_f: 50,
        enable_product_tag_inheritance: true,
        enable_finding_groups: false,
        enable_benchmark: false,
        enable_questionnaires: false,
        enable_checklists: false,
        enable_calendar: false,
        enable_product_tracking_files: false,
        enable_endpoint_metadata_import: false,
        enable_similar_findings: false,
        enable_user_profile_editable: false,
        enable_ui_table_based_searching: false,
        enable_cvss3_display: false,
        enable_cvss4_display: false,
        engagement_auto_close: true,
        engagement_auto_close_days: 14,
        risk_acceptance_form_default_days: None,
        risk_acceptance_notify_before_expiration: Some(0),
        enable_slack_notifications: true,
        slack_channel: "#security".into(),
        slack_token: "xoxb-1".into(),
        slack_username: "dojo".into(),
        enable_msteams_notifications: true,
        msteams_url: "https://teams.example.com/hook".into(),
        enable_mail_notifications: true,
        mail_notifications_to: "sec@example.com".into(),
        email_from: "dojo@example.com".into(),
        enable_webhooks_notifications: true,
        webhooks_notifications_timeout: 30,
        minimum_password_length: 12,
        maximum_password_length: 128,
        number_character_required: false,
        special_character_required: false,
        lowercase_character_required: false,
        uppercase_character_required: false,
        non_common_password_required: false,
        disclaimer_notifications: "Confidential".into(),
        disclaimer_reports: "Internal use".into(),
        disclaimer_reports_forced: true,
        disclaimer_notes: "Be nice".into(),
        url_prefix: "/dojo".into(),
        team_name: "AppSec".into(),
        api_expose_error_details: true,
        filter_string_matching: true,
        allow_anonymous_survey_repsonse: true,
    };
    assert_every_field_differs(&changed, &SystemSettings::default(), &[]);
    let saved = settings::save(&mut conn, &changed)
        .await
        .expect("save settings");
    assert_eq!(saved, changed);
    assert_eq!(
        settings::load(&mut conn).await.expect("load settings"),
        changed
    );

    // `save` always writes the singleton, whatever id the caller sends.
    let stray = SystemSettings {
        id: 99,
        team_name: "Renamed".into(),
        ..changed.clone()
    };
    let saved = settings::save(&mut conn, &stray)
        .await
        .expect("save with a stray id");
    assert_eq!(saved.id, 1);
    assert_eq!(
        settings::load(&mut conn).await.expect("load").team_name,
        "Renamed"
    );
    assert_eq!(settings::count(&mut conn).await.expect("count"), 1);

    settings::save(&mut conn, &SystemSettings::default())
        .await
        .expect("restore defaults");
    assert_eq!(
        settings::load(&mut conn).await.expect("load"),
        SystemSettings::default()
    );
});

// ----- reference data, benchmarks, tracked files and tool settings ------------------------

db_test!(cwes_round_trip, |db| {
    let written = Cwe {
        id: 0,
        number: 89,
        url: "https://cwe.mitre.org/data/definitions/89.html".into(),
        description: "SQL Injection".into(),
    };
    assert_every_field_differs(&written, &Cwe::default(), &[]);
    round_trip!(db, cwes, written,
        set_on_insert: [],
        set_on_write: [],
        change: |c| c.description = String::new(),
    );
});

db_test!(report_types_round_trip, |db| {
    let written = ReportType {
        id: 0,
        name: "Executive".into(),
    };
    assert_every_field_differs(&written, &ReportType::default(), &[]);
    round_trip!(db, report_types, written,
        set_on_insert: [],
        set_on_write: [],
        change: |r| r.name = "Detailed".into(),
    );
});

db_test!(network_locations_round_trip, |db| {
    let written = NetworkLocations {
        id: 0,
        location: "DMZ".into(),
    };
    assert_every_field_differs(&written, &NetworkLocations::default(), &[]);
    round_trip!(db, network_locations, written,
        set_on_insert: [],
        set_on_write: [],
        change: |n| n.location = "Intranet".into(),
    );
});

db_test!(objects_reviews_round_trip, |db| {
    round_trip!(db, objects_reviews, ObjectsReview {
            id: 0,
            name: "Untracked".into(),
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |r| r.name = "Reviewed".into(),
    );
});

db_test!(tracked_files_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let (review, other_review) = {
        let mut conn = db.conn().await.expect("connection");
        let review = |name: &'static str| ObjectsReview {
            id: 0,
            name: name.into(),
            created: t(1),
        };
        let first = objects_reviews::insert(&mut conn, &review("Untracked"))
            .await
            .expect("insert review state");
        let second = objects_reviews::insert(&mut conn, &review("Tracked"))
            .await
            .expect("insert review state");
        (first, second)
    };
    round_trip!(db, tracked_files, ObjectsProduct {
            id: 0,
            product_id: prod.id,
            name: Some("settings.py".into()),
            path: Some("app/settings.py".into()),
            folder: Some("app".into()),
            artifact: Some("shop.tar.gz".into()),
            review_status_id: review.id,
            created: t(1),
        },
        set_on_insert: [created],
        set_on_write: [],
        change: |o| {
            o.review_status_id = other_review.id;
            o.folder = None;
        },
    );
});

db_test!(tool_product_settings_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let config = tool_configuration(&db).await;
    let written = ToolProductSettings {
        id: 0,
        name: "Sonar project".into(),
        description: Some("Main branch".into()),
        url: Some("https://sonar.example.com/project/shop".into()),
        product_id: prod.id,
        tool_configuration_id: Some(config.id),
        tool_project_id: Some("shop-main".into()),
    };
    assert_every_field_differs(&written, &ToolProductSettings::default(), &[]);
    round_trip!(db, tool_product_settings, written,
        set_on_insert: [],
        set_on_write: [],
        change: |s| {
            s.tool_configuration_id = None;
            s.tool_project_id = None;
        },
    );
});

db_test!(tool_product_histories_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let settings_row = {
        let mut conn = db.conn().await.expect("connection");
        tool_product_settings::insert(
            &mut conn,
            &ToolProductSettings {
                name: "settings".into(),
                product_id: prod.id,
                ..ToolProductSettings::default()
            },
        )
        .await
        .expect("insert tool product settings")
    };
    round_trip!(db, tool_product_histories, ToolProductHistory {
            id: 0,
            product_id: settings_row.id,
            last_scan: t(22),
            succesfull: false,
            configuration_details: Some("{\"branch\": \"main\"}".into()),
        },
        set_on_insert: [],
        set_on_write: [],
        change: |h| {
            h.succesfull = true;
            h.last_scan = t(23);
            h.configuration_details = None;
        },
    );
});

async fn benchmark_type(db: &dojo_storage::Db, name: &str) -> BenchmarkType {
    let mut conn = db.conn().await.expect("connection");
    benchmark_types::insert(
        &mut conn,
        &BenchmarkType {
            id: 0,
            name: name.into(),
            version: "4.0.3".into(),
            benchmark_source: BenchmarkSource::OwaspAsvs,
            enabled: true,
            created: t(1),
            updated: t(1),
        },
    )
    .await
    .expect("insert benchmark type")
}

async fn benchmark_requirement(db: &dojo_storage::Db) -> BenchmarkRequirement {
    let kind = benchmark_type(db, "ASVS").await;
    let mut conn = db.conn().await.expect("connection");
    let category = benchmark_categories::insert(
        &mut conn,
        &BenchmarkCategory {
            id: 0,
            type_id: kind.id,
            name: "V1".into(),
            objective: String::new(),
            refs: None,
            enabled: true,
            created: t(1),
            updated: t(1),
        },
    )
    .await
    .expect("insert benchmark category");
    benchmark_requirements::insert(
        &mut conn,
        &BenchmarkRequirement {
            id: 0,
            category_id: category.id,
            objective_number: None,
            objective: "Verify".into(),
            refs: None,
            level_1: true,
            level_2: true,
            level_3: true,
            enabled: true,
            created: t(1),
            updated: t(1),
        },
    )
    .await
    .expect("insert benchmark requirement")
}

db_test!(benchmark_types_round_trip, |db| {
    round_trip!(db, benchmark_types, BenchmarkType {
            id: 0,
            name: "OWASP MASVS".into(),
            version: "2.0".into(),
            benchmark_source: BenchmarkSource::OwaspMobileAsvs,
            enabled: false,
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |b| {
            b.benchmark_source = BenchmarkSource::Pci;
            b.enabled = true;
        },
    );
});

db_test!(benchmark_categories_round_trip, |db| {
    let kind = benchmark_type(&db, "ASVS").await;
    let other = benchmark_type(&db, "MASVS").await;
    round_trip!(db, benchmark_categories, BenchmarkCategory {
            id: 0,
            type_id: kind.id,
            name: "V2 Authentication".into(),
            objective: "Verify authentication".into(),
            refs: Some("https://owasp.org/asvs".into()),
            enabled: false,
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |c| {
            c.type_id = other.id;
            c.refs = None;
        },
    );
});

db_test!(benchmark_requirements_round_trip, |db| {
    let requirement = benchmark_requirement(&db).await;
    round_trip!(db, benchmark_requirements, BenchmarkRequirement {
            id: 0,
            category_id: requirement.category_id,
            objective_number: Some("2.1.1".into()),
            objective: "Passwords are at least 12 characters".into(),
            refs: Some("NIST 800-63".into()),
            level_1: true,
            level_2: true,
            level_3: true,
            enabled: false,
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |r| {
            r.level_1 = false;
            r.objective_number = None;
        },
    );
});

db_test!(benchmark_products_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let requirement = benchmark_requirement(&db).await;
    round_trip!(db, benchmark_products, BenchmarkProduct {
            id: 0,
            product_id: prod.id,
            control_id: requirement.id,
            pass_fail: true,
            enabled: false,
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |b| b.pass_fail = false,
    );
});

db_test!(benchmark_product_summaries_round_trip, |db| {
    let pt = product_type(&db, "Web").await;
    let prod = product(&db, pt.id, "Shop").await;
    let kind = benchmark_type(&db, "ASVS").await;
    round_trip!(db, benchmark_product_summaries, BenchmarkProductSummary {
            id: 0,
            product_id: prod.id,
            benchmark_type_id: kind.id,
            desired_level: AsvsLevel::Level3,
            current_level: Some("Level 2".into()),
            asvs_level_1_benchmark: 10,
            asvs_level_1_score: 9,
            asvs_level_2_benchmark: 20,
            asvs_level_2_score: 18,
            asvs_level_3_benchmark: 30,
            asvs_level_3_score: 3,
            publish: true,
            created: t(1),
            updated: t(1),
        },
        set_on_insert: [created],
        set_on_write: [updated],
        change: |s| {
            s.desired_level = AsvsLevel::Level2;
            s.current_level = None;
            s.asvs_level_3_score = 30;
        },
    );
});
