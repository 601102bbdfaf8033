#![allow(
    clippy::unwrap_used,
    reason = "test harness: a failed setup should fail loudly"
)]

//! The engine against both databases: what an import writes, how a second import
//! de-duplicates, and how reimports create, close, reactivate and leave alone.

use dojo_domain::entities::User;
use dojo_importer::{synthetic, Actor, ImportError, ImportRequest, Report};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{db_test, repo, settings, Db};

async fn admin(db: &Db) -> Actor {
    let mut conn = db.conn().await.unwrap();
    let user = repo::users::insert(
        &mut conn,
        &User {
            username: "importer".into(),
            is_superuser: true,
            ..User::default()
        },
    )
    .await
    .unwrap();
    let mut system = settings::load(&mut conn).await.unwrap();
    system.enable_deduplication = true;
    settings::save(&mut conn, &system).await.unwrap();
    Actor {
        user_id: user.id,
        is_superuser: true,
    }
}

fn generic(engagement: &str, indices: impl IntoIterator<Item = usize>) -> ImportRequest {
    let mut request = ImportRequest::new("Generic Findings Import");
    request.product_type_name = Some("Web".into());
    request.product_name = Some("Shop".into());
    request.engagement_name = Some(engagement.into());
    request.auto_create_context = true;
    request.report = Some(Report {
        file_name: "report.json".into(),
        bytes: synthetic::generic_report(indices).into(),
    });
    request
}

async fn count(db: &Db, sql: &str, params: &[Param]) -> i64 {
    let mut conn = db.conn().await.unwrap();
    let rows: Vec<(i64,)> = bulk::fetch_all(&mut conn, sql, params).await.unwrap();
    rows[0].0
}

db_test!(import_writes_findings_endpoints_ids_and_history, |db| {
    let actor = admin(&db).await;
    let outcome = dojo_importer::import_scan(&db, &actor, generic("CI", 0..30))
        .await
        .unwrap();
    assert_eq!(outcome.created, 30);
    assert_eq!(outcome.duplicates, 0);
    assert_eq!(outcome.statistics.after.total.total, 30);
    assert_eq!(outcome.statistics.after.critical.total, 6);
    assert_eq!(outcome.statistics.after.total.active, 30);
    assert_eq!(outcome.statistics.after.total.verified, 10);
    let test = Param::from(outcome.test_id);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM finding WHERE test_id = $1",
            std::slice::from_ref(&test)
        )
        .await,
        30
    );
    // Every third finding has two endpoints: 10 findings, 20 statuses; the
    // endpoints themselves are shared within the product.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM endpoint_status", &[]).await,
        20
    );
    let endpoints = count(&db, "SELECT COUNT(*) FROM endpoint", &[]).await;
    assert_eq!(endpoints, 17);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM finding_vulnerability_reference",
            &[]
        )
        .await,
        60
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM finding WHERE cve LIKE 'CVE-2024-%' AND hash_code IS NOT NULL",
            &[]
        )
        .await,
        30
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM test_import_finding_action WHERE action = 'N'",
            &[]
        )
        .await,
        30
    );

    // The same report into another engagement of the product: all duplicates of
    // the first, endpoints reused.
    let second = dojo_importer::import_scan(&db, &actor, generic("Nightly", 0..30))
        .await
        .unwrap();
    assert_eq!(second.duplicates, 30);
    assert_eq!(second.statistics.after.total.duplicate, 30);
    assert_eq!(second.statistics.after.total.active, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM endpoint", &[]).await,
        endpoints
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM finding d JOIN finding o ON o.id = d.duplicate_finding_id \
             WHERE d.test_id = $1 AND o.test_id = $2 AND o.title = d.title",
            &[second.test_id.into(), outcome.test_id.into()]
        )
        .await,
        30
    );
});

db_test!(reimport_creates_closes_reactivates_and_leaves_alone, |db| {
    let actor = admin(&db).await;
    let first = dojo_importer::import_scan(&db, &actor, generic("CI", 0..10))
        .await
        .unwrap();
    let reimport = |range: std::ops::Range<usize>| {
        let mut request = generic("CI", range);
        request.test_id = Some(first.test_id);
        request.close_old_findings = true;
        request
    };
    let same = dojo_importer::reimport_scan(&db, &actor, reimport(0..10))
        .await
        .unwrap();
    assert_eq!(
        (same.created, same.closed, same.reactivated, same.untouched),
        (0, 0, 0, 10)
    );
    let delta = same.statistics.delta.unwrap();
    assert_eq!(delta.untouched.total.total, 10);
    assert_eq!(same.statistics.before, Some(same.statistics.after));

    // Finding 0 fixed, finding 10 new.
    let shifted = dojo_importer::reimport_scan(&db, &actor, reimport(1..11))
        .await
        .unwrap();
    assert_eq!(
        (
            shifted.created,
            shifted.closed,
            shifted.reactivated,
            shifted.untouched
        ),
        (1, 1, 0, 9)
    );
    let delta = shifted.statistics.delta.unwrap();
    assert_eq!(delta.closed.critical.is_mitigated, 1);
    assert_eq!(delta.created.critical.active, 1);
    assert_eq!(shifted.statistics.after.total.active, 10);
    assert_eq!(shifted.statistics.after.total.is_mitigated, 1);
    // Finding 0 had two endpoints: both statuses are mitigated with it, and it
    // carries the closing note.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM endpoint_status WHERE mitigated = TRUE",
            &[]
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notes WHERE entry LIKE 'Mitigated by % re-upload.'",
            &[]
        )
        .await,
        1
    );

    // Finding 0 is back, 10 gone again.
    let back = dojo_importer::reimport_scan(&db, &actor, reimport(0..10))
        .await
        .unwrap();
    assert_eq!(
        (back.created, back.closed, back.reactivated, back.untouched),
        (0, 1, 1, 9)
    );
    assert_eq!(back.statistics.after.total.total, 11);
    // Reactivated with its endpoints reported again: their statuses are active.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM endpoint_status WHERE mitigated = TRUE",
            &[]
        )
        .await,
        0
    );

    // With do_not_reactivate the fixed finding 10 stays closed.
    let mut keep_closed = reimport(1..11);
    keep_closed.do_not_reactivate = true;
    let kept = dojo_importer::reimport_scan(&db, &actor, keep_closed)
        .await
        .unwrap();
    assert_eq!((kept.created, kept.reactivated), (0, 0));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notes WHERE entry LIKE '%do_not_reactivate%'",
            &[]
        )
        .await,
        1
    );
});

db_test!(refused_imports_write_nothing, |db| {
    let actor = admin(&db).await;
    let mut request = generic("CI", 0..5);
    request.auto_create_context = false;
    let err = dojo_importer::import_scan(&db, &actor, request)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ImportError::Target(m) if m == "Product Type \"Web\" does not exist"),
        "{err:?}"
    );
    let mut broken = generic("CI", 0..5);
    broken.report = Some(Report {
        file_name: "report.json".into(),
        bytes: bytes::Bytes::from_static(b"{\"findings\": ["),
    });
    assert!(matches!(
        dojo_importer::import_scan(&db, &actor, broken).await,
        Err(ImportError::Report(_))
    ));
    for table in ["product_type", "product", "engagement", "test", "finding"] {
        assert_eq!(
            count(&db, &format!("SELECT COUNT(*) FROM {table}"), &[]).await,
            0,
            "{table}"
        );
    }
});

db_test!(a_finding_reported_twice_is_matched_once, |db| {
    let actor = admin(&db).await;
    let first = dojo_importer::import_scan(&db, &actor, generic("CI", 0..5))
        .await
        .unwrap();
    let reimport = |indices: Vec<usize>| {
        let mut request = generic("CI", indices);
        request.test_id = Some(first.test_id);
        request.close_old_findings = true;
        request
    };
    let closed = dojo_importer::reimport_scan(&db, &actor, reimport(vec![1, 2, 3, 4]))
        .await
        .unwrap();
    assert_eq!(closed.closed, 1);
    // Finding 0 comes back twice in one report: reactivated once, one note.
    let back = dojo_importer::reimport_scan(&db, &actor, reimport(vec![0, 0, 1, 2, 3, 4]))
        .await
        .unwrap();
    assert_eq!(
        (back.created, back.reactivated, back.untouched, back.closed),
        (0, 1, 4, 0)
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notes WHERE entry LIKE 'Re-activated by %'",
            &[]
        )
        .await,
        1
    );
});
