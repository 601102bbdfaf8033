//! Product types, products, engagements, tests and findings: create, read, update,
//! uniqueness, and cascading deletes with DefectDojo's duplicate-cluster handling.

use dojo_domain::entities::{Finding, Note, Product};
use dojo_domain::{BusinessCriticality, EngagementStatus, Origin, Platform};
use dojo_storage::cascade;
use dojo_storage::links::{self, Link};
use dojo_storage::repo::{engagements, findings, notes, product_types, products, tests};
use dojo_storage::{db_test, StorageError};

use crate::support::*;

db_test!(product_round_trips_every_field, |db| {
    let owner = user(&db, "pm").await;
    let pt = product_type(&db, "Web").await;
    let mut conn = db.conn().await.expect("connection");
    let written = Product {
        name: "Shop".into(),
        description: "The shop".into(),
        prod_type_id: pt.id,
        sla_configuration_id: 2,
        product_manager_id: Some(owner.id),
        technical_contact_id: Some(owner.id),
        team_manager_id: Some(owner.id),
        business_criticality: Some(BusinessCriticality::VeryHigh),
        platform: Some(Platform::WebService),
        lifecycle: Some(dojo_domain::Lifecycle::Production),
        origin: Some(Origin::OpenSource),
        user_records: Some(1200),
        revenue_cents: Some(123_456_789),
        external_audience: true,
        internet_accessible: true,
        enable_product_tag_inheritance: true,
        enable_simple_risk_acceptance: true,
        enable_full_risk_acceptance: false,
        disable_sla_breach_notifications: true,
        prod_numeric_grade: Some(87),
        ..Product::default()
    };
    let stored = products::insert(&mut conn, &written).await.expect("insert");
    assert!(stored.id > 0);
    assert!(stored.created > chrono::Utc::now() - chrono::Duration::minutes(1));
    let read = products::get(&mut conn, stored.id)
        .await
        .expect("read back");
    assert_eq!(read, stored);
    assert_eq!(
        Product {
            id: 0,
            created: written.created,
            updated: written.updated,
            ..read.clone()
        },
        written
    );
    assert_eq!(read.revenue().as_deref(), Some("1234567.89"));

    let changed = products::update(
        &mut conn,
        &Product {
            name: "Shop 2".into(),
            platform: None,
            ..read.clone()
        },
    )
    .await
    .expect("update");
    assert_eq!(changed.name, "Shop 2");
    assert_eq!(changed.platform, None);
    assert_eq!(changed.created, read.created);
    assert!(changed.updated >= read.updated);
});

db_test!(names_of_products_and_types_are_unique, |db| {
    let pt = product_type(&db, "Mobile").await;
    product(&db, pt.id, "App").await;
    let mut conn = db.conn().await.expect("connection");
    let again = product_types::insert(
        &mut conn,
        &dojo_domain::entities::ProductType {
            name: "Mobile".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(again, Err(StorageError::Duplicate { .. })),
        "{again:?}"
    );
    let twin = products::insert(
        &mut conn,
        &Product {
            name: "App".into(),
            description: "again".into(),
            prod_type_id: pt.id,
            ..Product::default()
        },
    )
    .await;
    assert!(
        matches!(twin, Err(StorageError::Duplicate { .. })),
        "{twin:?}"
    );
});

db_test!(missing_parent_is_reported, |db| {
    let mut conn = db.conn().await.expect("connection");
    let orphan = products::insert(
        &mut conn,
        &Product {
            name: "Orphan".into(),
            description: "no type".into(),
            prod_type_id: 999,
            ..Product::default()
        },
    )
    .await;
    assert!(
        matches!(orphan, Err(StorageError::MissingReference { .. })),
        "{orphan:?}"
    );
    let missing = products::get(&mut conn, 4242).await;
    assert!(matches!(
        missing,
        Err(StorageError::NotFound { id: 4242, .. })
    ));
});

db_test!(engagement_and_test_moves_carry_findings_product, |db| {
    let a = branch(&db, "a").await;
    let b = branch(&db, "b").await;
    let f = finding(&db, a.test.id, a.user.id, "moving").await;
    assert_eq!(f.product_id, a.product.id);
    let mut conn = db.conn().await.expect("connection");
    let moved = tests::save(
        &mut conn,
        &dojo_domain::entities::Test {
            engagement_id: b.engagement.id,
            ..a.test.clone()
        },
    )
    .await
    .expect("move test");
    assert_eq!(moved.engagement_id, b.engagement.id);
    assert_eq!(
        findings::get(&mut conn, f.id)
            .await
            .expect("finding")
            .product_id,
        b.product.id
    );

    engagements::save(
        &mut conn,
        &dojo_domain::entities::Engagement {
            product_id: a.product.id,
            status: EngagementStatus::InProgress,
            ..b.engagement.clone()
        },
    )
    .await
    .expect("move engagement");
    assert_eq!(
        findings::get(&mut conn, f.id)
            .await
            .expect("finding")
            .product_id,
        a.product.id
    );
});

db_test!(deleting_a_product_type_cascades_to_everything_below, |db| {
    let a = branch(&db, "gone").await;
    let keep = branch(&db, "kept").await;
    let f = finding(&db, a.test.id, a.user.id, "doomed").await;
    let kept = finding(&db, keep.test.id, keep.user.id, "survivor").await;
    cascade::delete_product_type(&db, a.product_type.id)
        .await
        .expect("delete");
    let mut conn = db.conn().await.expect("connection");
    assert!(products::find(&mut conn, a.product.id)
        .await
        .expect("query")
        .is_none());
    assert!(engagements::find(&mut conn, a.engagement.id)
        .await
        .expect("query")
        .is_none());
    assert!(tests::find(&mut conn, a.test.id)
        .await
        .expect("query")
        .is_none());
    assert!(findings::find(&mut conn, f.id)
        .await
        .expect("query")
        .is_none());
    assert!(findings::find(&mut conn, kept.id)
        .await
        .expect("query")
        .is_some());
    let missing = cascade::delete_product_type(&db, a.product_type.id).await;
    assert!(matches!(missing, Err(StorageError::NotFound { .. })));
});

db_test!(
    deleting_an_original_promotes_the_lowest_surviving_duplicate,
    |db| {
        let a = branch(&db, "orig").await;
        let other_test = test(&db, a.engagement.id, a.test_type.id).await;
        let original = finding(&db, a.test.id, a.user.id, "sqli").await;
        let mut conn = db.conn().await.expect("connection");
        let original = findings::save(
            &mut conn,
            &Finding {
                verified: true,
                ..original
            },
        )
        .await
        .expect("verify");
        links::add(&mut conn, Link::FindingFoundBy, original.id, a.test_type.id)
            .await
            .expect("found by");
        let mut dupes = Vec::new();
        for title in ["dup one", "dup two", "dup three"] {
            let d = finding(&db, other_test.id, a.user.id, title).await;
            let d = findings::save(
                &mut conn,
                &Finding {
                    duplicate: true,
                    active: false,
                    duplicate_finding_id: Some(original.id),
                    ..d
                },
            )
            .await
            .expect("mark duplicate");
            dupes.push(d);
        }
        let note = notes::insert(
            &mut conn,
            &Note {
                id: 0,
                note_type_id: None,
                entry: "to be deleted with the test".into(),
                date: chrono::Utc::now(),
                author_id: a.user.id,
                private: false,
                edited: false,
                editor_id: None,
                edit_time: None,
            },
        )
        .await
        .expect("note");
        links::add(&mut conn, Link::FindingNotes, original.id, note.id)
            .await
            .expect("attach");
        drop(conn);

        cascade::delete_test(&db, a.test.id)
            .await
            .expect("delete test");

        let mut conn = db.conn().await.expect("connection");
        let first = findings::get(&mut conn, dupes[0].id)
            .await
            .expect("new original");
        assert!(!first.duplicate);
        assert_eq!(first.duplicate_finding_id, None);
        assert!(first.active && first.verified && !first.is_mitigated);
        assert_eq!(
            links::rights(&mut conn, Link::FindingFoundBy, first.id)
                .await
                .expect("found by"),
            vec![a.test_type.id]
        );
        for d in &dupes[1..] {
            let d = findings::get(&mut conn, d.id).await.expect("duplicate");
            assert!(d.duplicate);
            assert_eq!(d.duplicate_finding_id, Some(first.id));
        }
        assert!(notes::find(&mut conn, note.id)
            .await
            .expect("query")
            .is_none());
    }
);

db_test!(a_referenced_user_cannot_be_deleted, |db| {
    let a = branch(&db, "lead").await;
    finding(&db, a.test.id, a.user.id, "reported").await;
    let mut conn = db.conn().await.expect("connection");
    let refused = dojo_storage::repo::users::delete(&mut conn, a.user.id).await;
    assert!(
        matches!(refused, Err(StorageError::InUse { .. })),
        "{refused:?}"
    );
});
