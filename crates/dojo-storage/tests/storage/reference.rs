//! Benchmarks, tracked files, tool settings, check lists, the CWE catalogue and roles.

use chrono::Utc;
use dojo_domain::entities::*;
use dojo_domain::{AsvsLevel, BenchmarkSource, Role};
use dojo_storage::links::{self, Link};
use dojo_storage::repo::*;
use dojo_storage::{db_test, StorageError};

use crate::support::*;

db_test!(roles_are_seeded_with_defectdojo_ids, |db| {
    let mut conn = db.conn().await.expect("connection");
    assert_eq!(
        roles::list(&mut conn).await.expect("roles"),
        vec![
            Role::ApiImporter,
            Role::Writer,
            Role::Maintainer,
            Role::Owner,
            Role::Reader
        ]
    );
});

db_test!(benchmarks_round_trip_and_cascade_with_the_product, |db| {
    let a = branch(&db, "asvs").await;
    let mut conn = db.conn().await.expect("connection");
    let kind = benchmark_types::insert(
        &mut conn,
        &BenchmarkType {
            id: 0,
            name: "OWASP ASVS".into(),
            version: "4.0.3".into(),
            benchmark_source: BenchmarkSource::OwaspMobileAsvs,
            enabled: false,
            created: Utc::now(),
            updated: Utc::now(),
        },
    )
    .await
    .expect("type");
    assert_eq!(
        benchmark_types::get(&mut conn, kind.id)
            .await
            .expect("read"),
        kind
    );
    let category = benchmark_categories::insert(
        &mut conn,
        &BenchmarkCategory {
            id: 0,
            type_id: kind.id,
            name: "V2 Authentication".into(),
            objective: "verify".into(),
            refs: Some("https://owasp.org".into()),
            enabled: true,
            created: Utc::now(),
            updated: Utc::now(),
        },
    )
    .await
    .expect("category");
    let requirement = benchmark_requirements::insert(
        &mut conn,
        &BenchmarkRequirement {
            id: 0,
            category_id: category.id,
            objective_number: Some("2.1.1".into()),
            objective: "passwords of at least 12 characters".into(),
            refs: None,
            level_1: true,
            level_2: true,
            level_3: false,
            enabled: true,
            created: Utc::now(),
            updated: Utc::now(),
        },
    )
    .await
    .expect("requirement");
    assert_eq!(
        benchmark_requirements::get(&mut conn, requirement.id)
            .await
            .expect("read"),
        requirement
    );
    let cwe = cwes::insert(
        &mut conn,
        &Cwe {
            id: 0,
            number: 521,
            url: "https://cwe.mitre.org/data/definitions/521.html".into(),
            description: "Weak Password Requirements".into(),
        },
    )
    .await
    .expect("cwe");
    links::add(
        &mut conn,
        Link::BenchmarkRequirementCwe,
        requirement.id,
        cwe.id,
    )
    .await
    .expect("map cwe");
    let result = benchmark_products::insert(
        &mut conn,
        &BenchmarkProduct {
            id: 0,
            product_id: a.product.id,
            control_id: requirement.id,
            pass_fail: true,
            enabled: true,
            created: Utc::now(),
            updated: Utc::now(),
        },
    )
    .await
    .expect("result");
    let twice = benchmark_products::insert(&mut conn, &result).await;
    assert!(
        matches!(twice, Err(StorageError::Duplicate { .. })),
        "{twice:?}"
    );
    let summary = benchmark_product_summaries::insert(
        &mut conn,
        &BenchmarkProductSummary {
            id: 0,
            product_id: a.product.id,
            benchmark_type_id: kind.id,
            desired_level: AsvsLevel::Level2,
            current_level: Some("Level 1".into()),
            asvs_level_1_benchmark: 10,
            asvs_level_1_score: 7,
            asvs_level_2_benchmark: 20,
            asvs_level_2_score: 3,
            asvs_level_3_benchmark: 0,
            asvs_level_3_score: 0,
            publish: true,
            created: Utc::now(),
            updated: Utc::now(),
        },
    )
    .await
    .expect("summary");
    assert_eq!(
        benchmark_product_summaries::get(&mut conn, summary.id)
            .await
            .expect("read")
            .desired_level,
        AsvsLevel::Level2
    );
    drop(conn);
    dojo_storage::cascade::delete_product(&db, a.product.id)
        .await
        .expect("delete product");
    let mut conn = db.conn().await.expect("connection");
    assert!(benchmark_products::find(&mut conn, result.id)
        .await
        .expect("query")
        .is_none());
    assert!(benchmark_product_summaries::find(&mut conn, summary.id)
        .await
        .expect("query")
        .is_none());
    assert!(benchmark_requirements::find(&mut conn, requirement.id)
        .await
        .expect("query")
        .is_some());
});

db_test!(tracked_files_and_tool_settings_round_trip, |db| {
    let a = branch(&db, "tools").await;
    let mut conn = db.conn().await.expect("connection");
    let review = objects_reviews::insert(
        &mut conn,
        &ObjectsReview {
            id: 0,
            name: "Untracked".into(),
            created: Utc::now(),
        },
    )
    .await
    .expect("review state");
    let tracked = tracked_files::insert(
        &mut conn,
        &ObjectsProduct {
            id: 0,
            product_id: a.product.id,
            name: Some("login".into()),
            path: Some("src/login.py".into()),
            folder: Some("src".into()),
            artifact: Some("app.whl".into()),
            review_status_id: review.id,
            created: Utc::now(),
        },
    )
    .await
    .expect("tracked file");
    assert_eq!(
        tracked_files::get(&mut conn, tracked.id)
            .await
            .expect("read"),
        tracked
    );
    let tool_type = tool_types::insert(
        &mut conn,
        &ToolType {
            id: 0,
            name: "SonarQube".into(),
            description: None,
        },
    )
    .await
    .expect("tool type");
    let config = tool_configurations::insert(
        &mut conn,
        &ToolConfiguration {
            name: "sonar".into(),
            tool_type_id: tool_type.id,
            ..ToolConfiguration::default()
        },
    )
    .await
    .expect("tool configuration");
    let settings = tool_product_settings::insert(
        &mut conn,
        &ToolProductSettings {
            id: 0,
            name: "nightly".into(),
            description: Some("nightly scan".into()),
            url: Some("https://sonar.example.com".into()),
            product_id: a.product.id,
            tool_configuration_id: Some(config.id),
            tool_project_id: Some("shop".into()),
        },
    )
    .await
    .expect("settings");
    let run = tool_product_histories::insert(
        &mut conn,
        &ToolProductHistory {
            id: 0,
            product_id: settings.id,
            last_scan: at(2026, 5, 1, 3, 0, 0, 0),
            succesfull: false,
            configuration_details: Some("timeout".into()),
        },
    )
    .await
    .expect("history");
    assert_eq!(
        tool_product_histories::get(&mut conn, run.id)
            .await
            .expect("read"),
        run
    );
    tool_configurations::delete(&mut conn, config.id)
        .await
        .expect("delete configuration");
    assert!(tool_product_settings::find(&mut conn, settings.id)
        .await
        .expect("query")
        .is_none());
    assert!(tool_product_histories::find(&mut conn, run.id)
        .await
        .expect("query")
        .is_none());
});

db_test!(check_list_categories_hold_findings, |db| {
    let a = branch(&db, "checks").await;
    let finding = finding(&db, a.test.id, a.user.id, "weak session").await;
    let mut conn = db.conn().await.expect("connection");
    let list = check_lists::insert(
        &mut conn,
        &CheckList {
            id: 0,
            engagement_id: a.engagement.id,
            session_management: "Fail".into(),
            encryption_crypto: "Pass".into(),
            configuration_management: "none".into(),
            authentication: "none".into(),
            authorization_and_access_control: "none".into(),
            data_input_sanitization_validation: "none".into(),
            sensitive_data: "none".into(),
            other: "none".into(),
        },
    )
    .await
    .expect("check list");
    check_lists::add_finding(&mut conn, list.id, "session_management", finding.id)
        .await
        .expect("relate");
    check_lists::add_finding(&mut conn, list.id, "session_management", finding.id)
        .await
        .expect("relate twice");
    assert_eq!(
        check_lists::findings(&mut conn, list.id, "session_management")
            .await
            .expect("read"),
        vec![finding.id]
    );
    assert!(check_lists::findings(&mut conn, list.id, "other")
        .await
        .expect("read")
        .is_empty());
    let refused = check_lists::add_finding(&mut conn, list.id, "nonsense", finding.id).await;
    assert!(matches!(refused, Err(StorageError::Refused(_))));
});
