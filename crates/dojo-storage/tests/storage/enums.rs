//! Enumerations stored as DefectDojo's strings: every variant of every enumerated column
//! round-trips and is stored with its DefectDojo spelling, and a stored string that is
//! no variant makes reading fail with an error, not a panic.

use std::fmt::Debug;

use dojo_domain::entities::*;
use dojo_domain::*;
use dojo_storage::repo::*;
use dojo_storage::{db_test, StorageError, StorageResult};

use crate::support::*;

/// Writes each variant of `$enum` into `$field` of `$row` through `$update`, reads the
/// row back with `$get`, and checks the raw column (`$sql`, bound to the id) holds the
/// variant's DefectDojo string. `$wrap` builds the field value from a variant (`Some`
/// for optional columns, which are then also checked with NULL).
macro_rules! every_variant {
    ($db:expr, $conn:ident, $row:expr, $update:path, $get:path, $field:ident, $enum:ident, $sql:literal) => {
        every_variant!(@run $db, $conn, $row, $update, $get, $field, $enum, $sql, |v| v)
    };
    ($db:expr, $conn:ident, $row:expr, $update:path, $get:path, $field:ident, Option<$enum:ident>, $sql:literal) => {{
        let row = every_variant!(@run $db, $conn, $row, $update, $get, $field, $enum, $sql, Some);
        let cleared = $update(&mut $conn, &{
            let mut r = row.clone();
            r.$field = None;
            r
        })
        .await
        .expect("clear the optional column");
        let read = $get(&mut $conn, cleared.id).await.expect("read back");
        assert_eq!(read.$field, None);
        assert_eq!(text_of(&$db, $sql, read.id).await, None, "NULL stored for None");
        read
    }};
    (@run $db:expr, $conn:ident, $row:expr, $update:path, $get:path, $field:ident, $enum:ident, $sql:literal, $wrap:expr) => {{
        let mut row = $row.clone();
        assert!(!$enum::ALL.is_empty());
        for variant in $enum::ALL.iter().copied() {
            row.$field = $wrap(variant);
            let saved = $update(&mut $conn, &row)
                .await
                .unwrap_or_else(|e| panic!("write {variant:?}: {e}"));
            assert_eq!(saved.$field, row.$field, "returned after writing {variant:?}");
            let read = $get(&mut $conn, row.id)
                .await
                .unwrap_or_else(|e| panic!("read {variant:?}: {e}"));
            assert_eq!(read.$field, row.$field, "read back after writing {variant:?}");
            assert_eq!(
                text_of(&$db, $sql, row.id).await.as_deref(),
                Some(variant.as_str()),
                "{} is stored with DefectDojo's spelling",
                stringify!($enum)
            );
            row = read;
        }
        row
    }};
}

/// A read of a row whose enumerated column holds `bogus` fails with a database
/// (decoding) error that names the value.
fn assert_undecodable<T: Debug>(result: StorageResult<T>, bogus: &str) {
    match result {
        Err(StorageError::Database(error)) => {
            assert!(
                error.to_string().contains(bogus),
                "the error names the value: {error}"
            )
        }
        other => panic!("expected a decoding error for {bogus:?}, got {other:?}"),
    }
}

db_test!(engagement_status_and_type_store_every_variant, |db| {
    let b = branch(&db, "e").await;
    let mut conn = db.conn().await.expect("connection");
    let row = every_variant!(
        db,
        conn,
        b.engagement,
        engagements::save,
        engagements::get,
        status,
        EngagementStatus,
        "SELECT status FROM engagement WHERE id = $1"
    );
    every_variant!(
        db,
        conn,
        row,
        engagements::save,
        engagements::get,
        engagement_type,
        EngagementType,
        "SELECT engagement_type FROM engagement WHERE id = $1"
    );
    assert_eq!(EngagementStatus::ALL.len(), 8);
});

db_test!(
    finding_severity_stores_every_variant_with_its_number,
    |db| {
        let b = branch(&db, "f").await;
        let f = finding(&db, b.test.id, b.user.id, "sev").await;
        let mut conn = db.conn().await.expect("connection");
        every_variant!(
            db,
            conn,
            f,
            findings::save,
            findings::get,
            severity,
            Severity,
            "SELECT severity FROM finding WHERE id = $1"
        );
        for severity in Severity::ALL.iter().copied() {
            let created = findings::create(
                &mut conn,
                &Finding {
                    test_id: b.test.id,
                    reporter_id: b.user.id,
                    title: format!("{severity} finding"),
                    severity,
                    ..Finding::default()
                },
            )
            .await
            .expect("create");
            let read = findings::get(&mut conn, created.id).await.expect("read");
            assert_eq!(read.severity, severity);
            assert_eq!(read.numerical_severity, severity.numerical());
        }
        let template = finding_templates::insert(
            &mut conn,
            &FindingTemplate {
                title: "template".into(),
                ..FindingTemplate::default()
            },
        )
        .await
        .expect("insert template");
        every_variant!(
            db,
            conn,
            template,
            finding_templates::update,
            finding_templates::get,
            severity,
            Option<Severity>,
            "SELECT severity FROM finding_template WHERE id = $1"
        );
    }
);

db_test!(product_classifications_store_every_variant, |db| {
    let pt = product_type(&db, "Web").await;
    let p = product(&db, pt.id, "Shop").await;
    let mut conn = db.conn().await.expect("connection");
    let p = every_variant!(
        db,
        conn,
        p,
        products::update,
        products::get,
        business_criticality,
        Option<BusinessCriticality>,
        "SELECT business_criticality FROM product WHERE id = $1"
    );
    let p = every_variant!(
        db,
        conn,
        p,
        products::update,
        products::get,
        platform,
        Option<Platform>,
        "SELECT platform FROM product WHERE id = $1"
    );
    let p = every_variant!(
        db,
        conn,
        p,
        products::update,
        products::get,
        lifecycle,
        Option<Lifecycle>,
        "SELECT lifecycle FROM product WHERE id = $1"
    );
    every_variant!(
        db,
        conn,
        p,
        products::update,
        products::get,
        origin,
        Option<Origin>,
        "SELECT origin FROM product WHERE id = $1"
    );
});

db_test!(risk_treatments_store_every_variant, |db| {
    let owner = user(&db, "owner").await;
    let mut conn = db.conn().await.expect("connection");
    let ra = risk_acceptances::insert(
        &mut conn,
        &RiskAcceptance {
            name: "ra".into(),
            owner_id: owner.id,
            ..RiskAcceptance::default()
        },
    )
    .await
    .expect("insert risk acceptance");
    let ra = every_variant!(
        db,
        conn,
        ra,
        risk_acceptances::update,
        risk_acceptances::get,
        recommendation,
        RiskTreatment,
        "SELECT recommendation FROM risk_acceptance WHERE id = $1"
    );
    every_variant!(
        db,
        conn,
        ra,
        risk_acceptances::update,
        risk_acceptances::get,
        decision,
        RiskTreatment,
        "SELECT decision FROM risk_acceptance WHERE id = $1"
    );
});

db_test!(import_history_enums_store_every_variant, |db| {
    let b = branch(&db, "i").await;
    let f = finding(&db, b.test.id, b.user.id, "imported").await;
    let mut conn = db.conn().await.expect("connection");
    let import = test_imports::insert(
        &mut conn,
        &TestImport {
            id: 0,
            test_id: b.test.id,
            import_settings: None,
            import_type: TestImportType::default(),
            version: None,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            created: chrono::Utc::now(),
            modified: chrono::Utc::now(),
        },
    )
    .await
    .expect("insert import");
    every_variant!(
        db,
        conn,
        import,
        test_imports::update,
        test_imports::get,
        import_type,
        TestImportType,
        "SELECT import_type FROM test_import WHERE id = $1"
    );
    let action = test_import_finding_actions::insert(
        &mut conn,
        &TestImportFindingAction {
            id: 0,
            test_import_id: import.id,
            finding_id: f.id,
            action: ImportAction::default(),
            created: chrono::Utc::now(),
            modified: chrono::Utc::now(),
        },
    )
    .await
    .expect("insert action");
    every_variant!(
        db,
        conn,
        action,
        test_import_finding_actions::update,
        test_import_finding_actions::get,
        action,
        ImportAction,
        "SELECT action FROM test_import_finding_action WHERE id = $1"
    );
});

db_test!(configuration_enums_store_every_variant, |db| {
    let owner = user(&db, "owner").await;
    let team = group(&db, "team").await;
    let pt = product_type(&db, "Web").await;
    let p = product(&db, pt.id, "Shop").await;
    let ep = endpoint(&db, p.id, "shop.example.com").await;
    let file = file_upload(&db, "Evidence", "uploaded_files/e.png").await;
    let mut conn = db.conn().await.expect("connection");

    let webhook = notification_webhooks::insert(
        &mut conn,
        &NotificationWebhook {
            name: "hook".into(),
            url: "https://hooks.example.com".into(),
            ..NotificationWebhook::default()
        },
    )
    .await
    .expect("insert webhook");
    every_variant!(
        db,
        conn,
        webhook,
        notification_webhooks::update,
        notification_webhooks::get,
        status,
        WebhookStatus,
        "SELECT status FROM notification_webhooks WHERE id = $1"
    );

    let param = endpoint_params::insert(
        &mut conn,
        &EndpointParams {
            endpoint_id: ep.id,
            param: "q".into(),
            value: "1".into(),
            ..EndpointParams::default()
        },
    )
    .await
    .expect("insert endpoint param");
    every_variant!(
        db,
        conn,
        param,
        endpoint_params::update,
        endpoint_params::get,
        method,
        Option<EndpointParamMethod>,
        "SELECT method FROM endpoint_params WHERE id = $1"
    );

    let regulation = regulations::insert(
        &mut conn,
        &Regulation {
            name: "Payment Card Industry".into(),
            acronym: "PCI".into(),
            jurisdiction: "Global".into(),
            ..Regulation::default()
        },
    )
    .await
    .expect("insert regulation");
    every_variant!(
        db,
        conn,
        regulation,
        regulations::update,
        regulations::get,
        category,
        RegulationCategory,
        "SELECT category FROM regulation WHERE id = $1"
    );

    let infrastructure = cicd_infrastructures::insert(
        &mut conn,
        &CicdInfrastructure {
            name: "CI".into(),
            ..CicdInfrastructure::default()
        },
    )
    .await
    .expect("insert cicd");
    every_variant!(
        db,
        conn,
        infrastructure,
        cicd_infrastructures::update,
        cicd_infrastructures::get,
        infrastructure_type,
        CicdInfrastructureType,
        "SELECT infrastructure_type FROM cicd_infrastructure WHERE id = $1"
    );

    let tool_type = tool_types::insert(
        &mut conn,
        &ToolType {
            name: "Tool".into(),
            ..ToolType::default()
        },
    )
    .await
    .expect("insert tool type");
    let tool = tool_configurations::insert(
        &mut conn,
        &ToolConfiguration {
            name: "Tool config".into(),
            tool_type_id: tool_type.id,
            ..ToolConfiguration::default()
        },
    )
    .await
    .expect("insert tool configuration");
    every_variant!(
        db,
        conn,
        tool,
        tool_configurations::update,
        tool_configurations::get,
        authentication_type,
        Option<ToolAuthenticationType>,
        "SELECT authentication_type FROM tool_configuration WHERE id = $1"
    );

    let contact_info = user_contact_infos::insert(
        &mut conn,
        &UserContactInfo {
            user_id: owner.id,
            ..UserContactInfo::default()
        },
    )
    .await
    .expect("insert contact info");
    every_variant!(
        db,
        conn,
        contact_info,
        user_contact_infos::update,
        user_contact_infos::get,
        deduplication_execution_mode,
        Option<DeduplicationExecutionMode>,
        "SELECT deduplication_execution_mode FROM user_contact_info WHERE id = $1"
    );

    every_variant!(
        db,
        conn,
        team,
        groups::update,
        groups::get,
        social_provider,
        Option<GroupSocialProvider>,
        "SELECT social_provider FROM dojo_group WHERE id = $1"
    );

    let token = file_access_tokens::insert(
        &mut conn,
        &FileAccessToken {
            user_id: owner.id,
            file_id: file.id,
            token: "token".into(),
            ..FileAccessToken::default()
        },
    )
    .await
    .expect("insert file access token");
    every_variant!(
        db,
        conn,
        token,
        file_access_tokens::update,
        file_access_tokens::get,
        size,
        FileAccessSize,
        "SELECT size FROM file_access_token WHERE id = $1"
    );
});

db_test!(unknown_strings_in_hierarchy_columns_fail_to_read, |db| {
    let b = branch(&db, "bad").await;
    let f = finding(&db, b.test.id, b.user.id, "bad severity").await;
    let mut conn = db.conn().await.expect("connection");

    execute(
        &db,
        &format!(
            "UPDATE engagement SET status = 'Finished' WHERE id = {}",
            b.engagement.id
        ),
    )
    .await;
    assert_undecodable(
        engagements::get(&mut conn, b.engagement.id).await,
        "Finished",
    );
    assert_undecodable(
        engagements::find(&mut conn, b.engagement.id).await,
        "Finished",
    );
    assert_undecodable(engagements::list(&mut conn).await, "Finished");
    assert_undecodable(
        engagements::list_by_product(&mut conn, b.product.id).await,
        "Finished",
    );
    execute(
        &db,
        &format!(
            "UPDATE engagement SET status = 'Blocked', engagement_type = 'ci/cd' WHERE id = {}",
            b.engagement.id
        ),
    )
    .await;
    assert_undecodable(engagements::get(&mut conn, b.engagement.id).await, "ci/cd");

    // Case matters: DefectDojo stores "Critical", never "critical".
    execute(
        &db,
        &format!(
            "UPDATE finding SET severity = 'critical' WHERE id = {}",
            f.id
        ),
    )
    .await;
    assert_undecodable(findings::get(&mut conn, f.id).await, "critical");
    assert_undecodable(
        findings::list_by_test(&mut conn, b.test.id).await,
        "critical",
    );
    // The rest of the database still reads.
    assert_eq!(
        tests::get(&mut conn, b.test.id)
            .await
            .expect("test still reads")
            .id,
        b.test.id
    );

    execute(
        &db,
        &format!(
            "UPDATE product SET platform = 'Web Service' WHERE id = {}",
            b.product.id
        ),
    )
    .await;
    assert_undecodable(products::get(&mut conn, b.product.id).await, "Web Service");
    execute(
        &db,
        &format!(
            "UPDATE product SET platform = NULL, business_criticality = 'urgent' WHERE id = {}",
            b.product.id
        ),
    )
    .await;
    assert_undecodable(products::get(&mut conn, b.product.id).await, "urgent");
    execute(
        &db,
        &format!(
            "UPDATE product SET business_criticality = NULL, lifecycle = 'beta' WHERE id = {}",
            b.product.id
        ),
    )
    .await;
    assert_undecodable(products::get(&mut conn, b.product.id).await, "beta");
    execute(
        &db,
        &format!(
            "UPDATE product SET lifecycle = NULL, origin = 'stolen' WHERE id = {}",
            b.product.id
        ),
    )
    .await;
    assert_undecodable(products::get(&mut conn, b.product.id).await, "stolen");
    execute(
        &db,
        &format!(
            "UPDATE product SET origin = NULL WHERE id = {}",
            b.product.id
        ),
    )
    .await;
    assert!(
        products::get(&mut conn, b.product.id).await.is_ok(),
        "readable again once repaired"
    );
});

db_test!(unknown_strings_in_other_columns_fail_to_read, |db| {
    let owner = user(&db, "owner").await;
    let b = branch(&db, "other").await;
    let f = finding(&db, b.test.id, b.user.id, "acted on").await;
    let mut conn = db.conn().await.expect("connection");

    let ra = risk_acceptances::insert(
        &mut conn,
        &RiskAcceptance {
            name: "ra".into(),
            owner_id: owner.id,
            ..RiskAcceptance::default()
        },
    )
    .await
    .expect("insert risk acceptance");
    execute(
        &db,
        &format!(
            "UPDATE risk_acceptance SET decision = 'X' WHERE id = {}",
            ra.id
        ),
    )
    .await;
    assert_undecodable(risk_acceptances::get(&mut conn, ra.id).await, "X");

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
            created: chrono::Utc::now(),
            modified: chrono::Utc::now(),
        },
    )
    .await
    .expect("insert import");
    let action = test_import_finding_actions::insert(
        &mut conn,
        &TestImportFindingAction {
            id: 0,
            test_import_id: import.id,
            finding_id: f.id,
            action: ImportAction::Created,
            created: chrono::Utc::now(),
            modified: chrono::Utc::now(),
        },
    )
    .await
    .expect("insert action");
    execute(
        &db,
        &format!(
            "UPDATE test_import SET import_type = 'upload' WHERE id = {}",
            import.id
        ),
    )
    .await;
    assert_undecodable(test_imports::get(&mut conn, import.id).await, "upload");
    execute(
        &db,
        &format!(
            "UPDATE test_import_finding_action SET action = 'Z' WHERE id = {}",
            action.id
        ),
    )
    .await;
    assert_undecodable(
        test_import_finding_actions::get(&mut conn, action.id).await,
        "Z",
    );

    let webhook = notification_webhooks::insert(
        &mut conn,
        &NotificationWebhook {
            name: "hook".into(),
            url: "https://hooks.example.com".into(),
            ..NotificationWebhook::default()
        },
    )
    .await
    .expect("insert webhook");
    execute(
        &db,
        &format!(
            "UPDATE notification_webhooks SET status = 'broken' WHERE id = {}",
            webhook.id
        ),
    )
    .await;
    assert_undecodable(
        notification_webhooks::get(&mut conn, webhook.id).await,
        "broken",
    );
    assert_undecodable(notification_webhooks::list(&mut conn).await, "broken");

    let regulation = regulations::insert(
        &mut conn,
        &Regulation {
            name: "Health Insurance Portability".into(),
            acronym: "HIPAA".into(),
            jurisdiction: "US".into(),
            ..Regulation::default()
        },
    )
    .await
    .expect("insert regulation");
    execute(
        &db,
        &format!(
            "UPDATE regulation SET category = 'health' WHERE id = {}",
            regulation.id
        ),
    )
    .await;
    assert_undecodable(regulations::get(&mut conn, regulation.id).await, "health");

    let team = group(&db, "team").await;
    execute(
        &db,
        &format!(
            "UPDATE dojo_group SET social_provider = 'Okta' WHERE id = {}",
            team.id
        ),
    )
    .await;
    assert_undecodable(groups::get(&mut conn, team.id).await, "Okta");

    let info = user_contact_infos::insert(
        &mut conn,
        &UserContactInfo {
            user_id: owner.id,
            ..UserContactInfo::default()
        },
    )
    .await
    .expect("insert contact info");
    execute(
        &db,
        &format!(
            "UPDATE user_contact_info SET deduplication_execution_mode = 'later' WHERE id = {}",
            info.id
        ),
    )
    .await;
    assert_undecodable(user_contact_infos::get(&mut conn, info.id).await, "later");

    let file = file_upload(&db, "Evidence", "uploaded_files/e.png").await;
    let token = file_access_tokens::insert(
        &mut conn,
        &FileAccessToken {
            user_id: owner.id,
            file_id: file.id,
            token: "t".into(),
            ..FileAccessToken::default()
        },
    )
    .await
    .expect("insert token");
    execute(
        &db,
        &format!(
            "UPDATE file_access_token SET size = 'huge' WHERE id = {}",
            token.id
        ),
    )
    .await;
    assert_undecodable(file_access_tokens::get(&mut conn, token.id).await, "huge");

    let infrastructure = cicd_infrastructures::insert(
        &mut conn,
        &CicdInfrastructure {
            name: "CI".into(),
            ..CicdInfrastructure::default()
        },
    )
    .await
    .expect("insert cicd");
    execute(
        &db,
        &format!(
            "UPDATE cicd_infrastructure SET infrastructure_type = 'cloud' WHERE id = {}",
            infrastructure.id
        ),
    )
    .await;
    assert_undecodable(
        cicd_infrastructures::get(&mut conn, infrastructure.id).await,
        "cloud",
    );

    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    let param = endpoint_params::insert(
        &mut conn,
        &EndpointParams {
            endpoint_id: ep.id,
            param: "q".into(),
            value: "1".into(),
            method: Some(EndpointParamMethod::Get),
            ..EndpointParams::default()
        },
    )
    .await
    .expect("insert param");
    execute(
        &db,
        &format!(
            "UPDATE endpoint_params SET method = 'PUT' WHERE id = {}",
            param.id
        ),
    )
    .await;
    assert_undecodable(endpoint_params::get(&mut conn, param.id).await, "PUT");

    let template = finding_templates::insert(
        &mut conn,
        &FindingTemplate {
            title: "template".into(),
            ..FindingTemplate::default()
        },
    )
    .await
    .expect("insert template");
    execute(
        &db,
        &format!(
            "UPDATE finding_template SET severity = 'Informational' WHERE id = {}",
            template.id
        ),
    )
    .await;
    assert_undecodable(
        finding_templates::get(&mut conn, template.id).await,
        "Informational",
    );

    let tool_type = tool_types::insert(
        &mut conn,
        &ToolType {
            name: "Tool".into(),
            ..ToolType::default()
        },
    )
    .await
    .expect("insert tool type");
    let tool = tool_configurations::insert(
        &mut conn,
        &ToolConfiguration {
            name: "Tool config".into(),
            tool_type_id: tool_type.id,
            ..ToolConfiguration::default()
        },
    )
    .await
    .expect("insert tool configuration");
    execute(
        &db,
        &format!(
            "UPDATE tool_configuration SET authentication_type = 'OAuth' WHERE id = {}",
            tool.id
        ),
    )
    .await;
    assert_undecodable(tool_configurations::get(&mut conn, tool.id).await, "OAuth");
});

db_test!(
    benchmark_enums_store_every_variant_and_refuse_others,
    |db| {
        let pt = product_type(&db, "Web").await;
        let p = product(&db, pt.id, "Shop").await;
        let mut conn = db.conn().await.expect("connection");
        let kind = benchmark_types::insert(
            &mut conn,
            &BenchmarkType {
                id: 0,
                name: "ASVS".into(),
                version: "4.0.3".into(),
                benchmark_source: BenchmarkSource::OwaspAsvs,
                enabled: true,
                created: chrono::Utc::now(),
                updated: chrono::Utc::now(),
            },
        )
        .await
        .expect("insert benchmark type");
        let kind = every_variant!(
            db,
            conn,
            kind,
            benchmark_types::update,
            benchmark_types::get,
            benchmark_source,
            BenchmarkSource,
            "SELECT benchmark_source FROM benchmark_type WHERE id = $1"
        );
        let summary = benchmark_product_summaries::insert(
            &mut conn,
            &BenchmarkProductSummary {
                id: 0,
                product_id: p.id,
                benchmark_type_id: kind.id,
                desired_level: AsvsLevel::Level1,
                current_level: None,
                asvs_level_1_benchmark: 0,
                asvs_level_1_score: 0,
                asvs_level_2_benchmark: 0,
                asvs_level_2_score: 0,
                asvs_level_3_benchmark: 0,
                asvs_level_3_score: 0,
                publish: false,
                created: chrono::Utc::now(),
                updated: chrono::Utc::now(),
            },
        )
        .await
        .expect("insert summary");
        every_variant!(
            db,
            conn,
            summary,
            benchmark_product_summaries::update,
            benchmark_product_summaries::get,
            desired_level,
            AsvsLevel,
            "SELECT desired_level FROM benchmark_product_summary WHERE id = $1"
        );

        execute(
            &db,
            &format!(
                "UPDATE benchmark_type SET benchmark_source = 'NIST' WHERE id = {}",
                kind.id
            ),
        )
        .await;
        assert_undecodable(benchmark_types::get(&mut conn, kind.id).await, "NIST");
        execute(
            &db,
            &format!(
                "UPDATE benchmark_product_summary SET desired_level = 'Level 4' WHERE id = {}",
                summary.id
            ),
        )
        .await;
        assert_undecodable(
            benchmark_product_summaries::get(&mut conn, summary.id).await,
            "Level 4",
        );
    }
);
