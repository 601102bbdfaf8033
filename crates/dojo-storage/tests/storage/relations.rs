//! Relations between rows: many-to-many links, tags, vulnerability ids, CWEs, API
//! tokens, and what cascading deletes take with them.

use dojo_domain::entities::*;
use dojo_storage::cascade::{self, Deleted};
use dojo_storage::links::{self, Link};
use dojo_storage::repo::*;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{db_test, StorageError};

use crate::support::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ----- links ------------------------------------------------------------------------------

db_test!(links_are_idempotent_and_set_replaces, |db| {
    let b = branch(&db, "links").await;
    let f = finding(&db, b.test.id, b.user.id, "linked").await;
    let g = finding(&db, b.test.id, b.user.id, "also linked").await;
    let zap = test_type(&db, "ZAP").await;
    let burp = test_type(&db, "Burp").await;
    let mut conn = db.conn().await.expect("connection");

    links::add(&mut conn, Link::FindingFoundBy, f.id, burp.id)
        .await
        .expect("add");
    links::add(&mut conn, Link::FindingFoundBy, f.id, burp.id)
        .await
        .expect("add twice");
    links::add(&mut conn, Link::FindingFoundBy, f.id, zap.id)
        .await
        .expect("add another");
    links::add(&mut conn, Link::FindingFoundBy, g.id, zap.id)
        .await
        .expect("add to another finding");
    let mut both = vec![zap.id, burp.id];
    both.sort();
    assert_eq!(
        links::rights(&mut conn, Link::FindingFoundBy, f.id)
            .await
            .expect("rights"),
        both
    );
    assert_eq!(
        links::lefts(&mut conn, Link::FindingFoundBy, zap.id)
            .await
            .expect("lefts"),
        vec![f.id, g.id]
    );
    assert_eq!(
        links::lefts(&mut conn, Link::FindingFoundBy, burp.id)
            .await
            .expect("lefts"),
        vec![f.id]
    );

    links::set(
        &mut conn,
        Link::FindingFoundBy,
        f.id,
        &[b.test_type.id, b.test_type.id],
    )
    .await
    .expect("set");
    assert_eq!(
        links::rights(&mut conn, Link::FindingFoundBy, f.id)
            .await
            .expect("rights"),
        vec![b.test_type.id],
        "set replaces, and repeats collapse"
    );
    assert_eq!(
        links::rights(&mut conn, Link::FindingFoundBy, g.id)
            .await
            .expect("rights"),
        vec![zap.id],
        "other lefts are untouched"
    );
    assert!(links::remove(&mut conn, Link::FindingFoundBy, g.id, zap.id)
        .await
        .expect("remove"));
    assert!(
        !links::remove(&mut conn, Link::FindingFoundBy, g.id, zap.id)
            .await
            .expect("remove again")
    );
    links::set(&mut conn, Link::FindingFoundBy, f.id, &[])
        .await
        .expect("clear");
    assert!(links::rights(&mut conn, Link::FindingFoundBy, f.id)
        .await
        .expect("rights")
        .is_empty());
});

db_test!(every_link_table_links_and_unlinks, |db| {
    let b = branch(&db, "all").await;
    let f = finding(&db, b.test.id, b.user.id, "f").await;
    let n = note(&db, b.user.id, "n").await;
    let file = file_upload(&db, "file", "uploaded_files/f.txt").await;
    let mut conn = db.conn().await.expect("connection");
    let regulation = regulations::insert(
        &mut conn,
        &Regulation {
            name: "PCI DSS".into(),
            acronym: "PCI".into(),
            jurisdiction: "Global".into(),
            ..Regulation::default()
        },
    )
    .await
    .expect("regulation");
    let group = finding_groups::insert(
        &mut conn,
        &FindingGroup {
            id: 0,
            name: "g".into(),
            test_id: b.test.id,
            creator_id: b.user.id,
            created: chrono::Utc::now(),
            modified: chrono::Utc::now(),
        },
    )
    .await
    .expect("finding group");
    let preset = engagement_presets::insert(
        &mut conn,
        &EngagementPresets {
            id: 0,
            title: "p".into(),
            notes: None,
            scope: None,
            product_id: b.product.id,
            created: chrono::Utc::now(),
        },
    )
    .await
    .expect("preset");
    let location = network_locations::insert(
        &mut conn,
        &NetworkLocations {
            id: 0,
            location: "dmz".into(),
        },
    )
    .await
    .expect("network location")
    .id;
    let ra = risk_acceptances::insert(
        &mut conn,
        &RiskAcceptance {
            name: "ra".into(),
            owner_id: b.user.id,
            ..RiskAcceptance::default()
        },
    )
    .await
    .expect("risk acceptance");
    let cwe = cwes::insert(
        &mut conn,
        &Cwe {
            number: 79,
            ..Cwe::default()
        },
    )
    .await
    .expect("cwe");
    let benchmark_type = benchmark_types::insert(
        &mut conn,
        &BenchmarkType {
            id: 0,
            name: "ASVS".into(),
            version: "4.0.3".into(),
            benchmark_source: dojo_domain::BenchmarkSource::OwaspAsvs,
            enabled: true,
            created: chrono::Utc::now(),
            updated: chrono::Utc::now(),
        },
    )
    .await
    .expect("benchmark type");
    let category = benchmark_categories::insert(
        &mut conn,
        &BenchmarkCategory {
            id: 0,
            type_id: benchmark_type.id,
            name: "V1".into(),
            objective: String::new(),
            refs: None,
            enabled: true,
            created: chrono::Utc::now(),
            updated: chrono::Utc::now(),
        },
    )
    .await
    .expect("benchmark category");
    let requirement = benchmark_requirements::insert(
        &mut conn,
        &BenchmarkRequirement {
            id: 0,
            category_id: category.id,
            objective_number: None,
            objective: "o".into(),
            refs: None,
            level_1: true,
            level_2: false,
            level_3: false,
            enabled: true,
            created: chrono::Utc::now(),
            updated: chrono::Utc::now(),
        },
    )
    .await
    .expect("benchmark requirement");
    let benchmark_product = benchmark_products::insert(
        &mut conn,
        &BenchmarkProduct {
            id: 0,
            product_id: b.product.id,
            control_id: requirement.id,
            pass_fail: false,
            enabled: true,
            created: chrono::Utc::now(),
            updated: chrono::Utc::now(),
        },
    )
    .await
    .expect("benchmark product");
    let tool_settings = tool_product_settings::insert(
        &mut conn,
        &ToolProductSettings {
            name: "settings".into(),
            product_id: b.product.id,
            ..ToolProductSettings::default()
        },
    )
    .await
    .expect("tool product settings");
    for (link, left, right) in [
        (Link::ProductRegulation, b.product.id, regulation.id),
        (Link::FindingReviewers, f.id, b.user.id),
        (Link::FindingFoundBy, f.id, b.test_type.id),
        (Link::FindingGroupFindings, group.id, f.id),
        (Link::EngagementPresetsTestType, preset.id, b.test_type.id),
        (Link::EngagementPresetsNetworkLocations, preset.id, location),
        (Link::RiskAcceptanceFindings, ra.id, f.id),
        (Link::EngagementRiskAcceptance, b.engagement.id, ra.id),
        (Link::EngagementNotes, b.engagement.id, n.id),
        (Link::TestNotes, b.test.id, n.id),
        (Link::FindingNotes, f.id, n.id),
        (Link::RiskAcceptanceNotes, ra.id, n.id),
        (Link::EngagementFiles, b.engagement.id, file.id),
        (Link::TestFiles, b.test.id, file.id),
        (Link::FindingFiles, f.id, file.id),
        (Link::BenchmarkRequirementCwe, requirement.id, cwe.id),
        (Link::BenchmarkProductNotes, benchmark_product.id, n.id),
        (Link::ToolProductSettingsNotes, tool_settings.id, n.id),
    ] {
        links::add(&mut conn, link, left, right)
            .await
            .unwrap_or_else(|e| panic!("{link:?}: {e}"));
        links::add(&mut conn, link, left, right)
            .await
            .unwrap_or_else(|e| panic!("{link:?} again: {e}"));
        assert_eq!(
            links::rights(&mut conn, link, left).await.expect("rights"),
            vec![right],
            "{link:?}"
        );
        assert_eq!(
            links::lefts(&mut conn, link, right).await.expect("lefts"),
            vec![left],
            "{link:?}"
        );
        assert!(
            links::remove(&mut conn, link, left, right)
                .await
                .expect("remove"),
            "{link:?}"
        );
        assert!(
            links::rights(&mut conn, link, left)
                .await
                .expect("rights")
                .is_empty(),
            "{link:?}"
        );
    }
});

// ----- tags -------------------------------------------------------------------------------

db_test!(tags_are_normalised_and_set_replaces, |db| {
    let b = branch(&db, "tags").await;
    let mut conn = db.conn().await.expect("connection");
    let stored = tags::set(
        &mut conn,
        Tagged::Product,
        b.product.id,
        &strings(&["PCI, Web"]),
    )
    .await
    .expect("set tags");
    assert_eq!(stored, strings(&["pci", "web"]));
    assert_eq!(
        tags::get(&mut conn, Tagged::Product, b.product.id)
            .await
            .expect("get"),
        strings(&["pci", "web"])
    );

    let stored = tags::set(
        &mut conn,
        Tagged::Product,
        b.product.id,
        &strings(&["Zeta", "alpha", "ZETA", " ", "\"a,b\""]),
    )
    .await
    .expect("replace tags");
    assert_eq!(stored, strings(&["a,b", "alpha", "zeta"]));
    assert_eq!(
        tags::get(&mut conn, Tagged::Product, b.product.id)
            .await
            .expect("get"),
        strings(&["a,b", "alpha", "zeta"]),
        "set replaces the earlier tags, sorted by name"
    );
    assert!(
        tags::get_inherited(&mut conn, Tagged::Product, b.product.id)
            .await
            .expect("inherited")
            .is_empty()
    );

    // Tag names are shared, not copied per entity.
    tags::set(
        &mut conn,
        Tagged::Engagement,
        b.engagement.id,
        &strings(&["alpha"]),
    )
    .await
    .expect("set");
    assert_eq!(
        count_of(&db, "SELECT COUNT(*) FROM tag WHERE name = 'alpha'").await,
        1
    );

    tags::set(&mut conn, Tagged::Product, b.product.id, &[])
        .await
        .expect("clear");
    assert!(tags::get(&mut conn, Tagged::Product, b.product.id)
        .await
        .expect("get")
        .is_empty());
    assert_eq!(
        tags::get(&mut conn, Tagged::Engagement, b.engagement.id)
            .await
            .expect("get"),
        strings(&["alpha"]),
        "other entities keep theirs"
    );
});

db_test!(own_and_inherited_tags_are_kept_apart, |db| {
    let b = branch(&db, "inherit").await;
    let f = finding(&db, b.test.id, b.user.id, "tagged").await;
    let ep = endpoint(&db, b.product.id, "shop.example.com").await;
    let mut conn = db.conn().await.expect("connection");
    for (kind, id) in [
        (Tagged::Engagement, b.engagement.id),
        (Tagged::Test, b.test.id),
        (Tagged::Finding, f.id),
        (Tagged::Endpoint, ep.id),
    ] {
        tags::set(&mut conn, kind, id, &strings(&["Own", "shared"]))
            .await
            .expect("own");
        let inherited = tags::set_inherited(&mut conn, kind, id, &strings(&["PCI", "Shared"]))
            .await
            .expect("inherited");
        assert_eq!(inherited, strings(&["pci", "shared"]));
        assert_eq!(
            tags::get(&mut conn, kind, id).await.expect("own"),
            strings(&["own", "shared"]),
            "{kind:?}"
        );
        assert_eq!(
            tags::get_inherited(&mut conn, kind, id)
                .await
                .expect("inherited"),
            strings(&["pci", "shared"]),
            "{kind:?}"
        );
        // Replacing either set leaves the other alone.
        tags::set(&mut conn, kind, id, &strings(&["replaced"]))
            .await
            .expect("own again");
        assert_eq!(
            tags::get_inherited(&mut conn, kind, id)
                .await
                .expect("inherited"),
            strings(&["pci", "shared"]),
            "{kind:?}"
        );
        tags::set_inherited(&mut conn, kind, id, &[])
            .await
            .expect("clear inherited");
        assert_eq!(
            tags::get(&mut conn, kind, id).await.expect("own"),
            strings(&["replaced"]),
            "{kind:?}"
        );
        assert!(tags::get_inherited(&mut conn, kind, id)
            .await
            .expect("inherited")
            .is_empty());
    }
    // Kinds that do not inherit ignore inherited tags.
    let template = finding_templates::insert(
        &mut conn,
        &FindingTemplate {
            title: "t".into(),
            ..FindingTemplate::default()
        },
    )
    .await
    .expect("template");
    let none = tags::set_inherited(
        &mut conn,
        Tagged::FindingTemplate,
        template.id,
        &strings(&["x"]),
    )
    .await
    .expect("set inherited on a template");
    assert!(none.is_empty());
    assert!(tags::get(&mut conn, Tagged::FindingTemplate, template.id)
        .await
        .expect("own")
        .is_empty());
});

// ----- vulnerability ids and CWEs ----------------------------------------------------------

db_test!(vulnerability_ids_keep_order_and_share_the_registry, |db| {
    let b = branch(&db, "vulns").await;
    let f = finding(&db, b.test.id, b.user.id, "first").await;
    let g = finding(&db, b.test.id, b.user.id, "second").await;
    let mut conn = db.conn().await.expect("connection");

    let ids = findings::set_vulnerability_ids(
        &mut conn,
        f.id,
        &strings(&[
            "GHSA-jfh8-c2jp-5v3q",
            " ",
            "CVE-2021-44228",
            "",
            "GHSA-jfh8-c2jp-5v3q",
            " CVE-2021-45046 ",
        ]),
    )
    .await
    .expect("set ids");
    let expected = strings(&["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228", "CVE-2021-45046"]);
    assert_eq!(
        ids, expected,
        "order kept, blanks and repeats dropped, trimmed"
    );
    assert_eq!(
        findings::vulnerability_ids(&mut conn, f.id)
            .await
            .expect("ids"),
        expected
    );
    assert_eq!(
        findings::get(&mut conn, f.id)
            .await
            .expect("finding")
            .cve
            .as_deref(),
        Some("GHSA-jfh8-c2jp-5v3q"),
        "cve is the first id"
    );

    let registry = vulnerabilities::list(&mut conn).await.expect("registry");
    assert_eq!(registry.len(), 3);
    let type_of = |id: &str| {
        registry
            .iter()
            .find(|v| v.vulnerability_id == id)
            .and_then(|v| v.vulnerability_id_type.clone())
    };
    assert_eq!(type_of("GHSA-jfh8-c2jp-5v3q").as_deref(), Some("GHSA"));
    assert_eq!(type_of("CVE-2021-44228").as_deref(), Some("CVE"));

    // Another finding reuses the registry rows.
    findings::set_vulnerability_ids(&mut conn, g.id, &strings(&["CVE-2021-44228", "12345"]))
        .await
        .expect("set ids on another finding");
    assert_eq!(vulnerabilities::count(&mut conn).await.expect("count"), 4);
    let numeric = vulnerabilities::list(&mut conn)
        .await
        .expect("registry")
        .into_iter()
        .find(|v| v.vulnerability_id == "12345")
        .expect("numeric id registered");
    assert_eq!(numeric.vulnerability_id_type, None);
    assert_eq!(
        findings::get(&mut conn, g.id)
            .await
            .expect("finding")
            .cve
            .as_deref(),
        Some("CVE-2021-44228")
    );

    // Replacing keeps the registry; clearing clears cve.
    findings::set_vulnerability_ids(
        &mut conn,
        f.id,
        &strings(&["CVE-2021-45046", "CVE-2021-44228"]),
    )
    .await
    .expect("reorder");
    assert_eq!(
        findings::vulnerability_ids(&mut conn, f.id)
            .await
            .expect("ids"),
        strings(&["CVE-2021-45046", "CVE-2021-44228"])
    );
    assert_eq!(
        findings::get(&mut conn, f.id)
            .await
            .expect("finding")
            .cve
            .as_deref(),
        Some("CVE-2021-45046")
    );
    findings::set_vulnerability_ids(&mut conn, f.id, &[])
        .await
        .expect("clear");
    assert!(findings::vulnerability_ids(&mut conn, f.id)
        .await
        .expect("ids")
        .is_empty());
    assert_eq!(
        findings::get(&mut conn, f.id).await.expect("finding").cve,
        None
    );
    assert_eq!(
        vulnerabilities::count(&mut conn).await.expect("count"),
        4,
        "registry rows stay"
    );
    assert_eq!(
        findings::vulnerability_ids(&mut conn, g.id)
            .await
            .expect("ids"),
        strings(&["CVE-2021-44228", "12345"]),
        "the other finding keeps its ids"
    );

    // Deleting a finding removes its references, not the registry.
    drop(conn);
    cascade::delete_finding(&db, g.id)
        .await
        .expect("delete finding");
    let mut conn = db.conn().await.expect("connection");
    assert_eq!(vulnerabilities::count(&mut conn).await.expect("count"), 4);
    assert_eq!(
        count_of(&db, "SELECT COUNT(*) FROM finding_vulnerability_reference").await,
        0
    );
});

db_test!(cwes_are_canonical_and_include_the_primary, |db| {
    let b = branch(&db, "cwe").await;
    let f = finding(&db, b.test.id, b.user.id, "weak").await;
    let mut conn = db.conn().await.expect("connection");
    let f = findings::save(&mut conn, &Finding { cwe: 22, ..f })
        .await
        .expect("primary cwe");
    let stored = findings::set_cwes(
        &mut conn,
        f.id,
        &strings(&["89", "CWE-89", "cwe-79", "abc", "0", "CWE-", "-5", " 352 "]),
    )
    .await
    .expect("set cwes");
    let expected = strings(&["CWE-22", "CWE-352", "CWE-79", "CWE-89"]);
    assert_eq!(stored, expected);
    assert_eq!(
        findings::cwes(&mut conn, f.id).await.expect("cwes"),
        expected
    );

    findings::set_cwes(&mut conn, f.id, &strings(&["CWE-79"]))
        .await
        .expect("replace");
    assert_eq!(
        findings::cwes(&mut conn, f.id).await.expect("cwes"),
        strings(&["CWE-22", "CWE-79"])
    );

    // Without a primary CWE (0 = unset) only the given ones are kept.
    let f = findings::save(&mut conn, &Finding { cwe: 0, ..f })
        .await
        .expect("unset primary");
    findings::set_cwes(&mut conn, f.id, &[])
        .await
        .expect("clear");
    assert!(findings::cwes(&mut conn, f.id)
        .await
        .expect("cwes")
        .is_empty());

    let missing = findings::set_cwes(&mut conn, 4242, &strings(&["79"])).await;
    assert!(
        matches!(missing, Err(StorageError::NotFound { .. })),
        "{missing:?}"
    );
});

// ----- API tokens ---------------------------------------------------------------------------

db_test!(api_tokens_one_per_user, |db| {
    let alice = user(&db, "alice").await;
    let bob = user(&db, "bob").await;
    let mut conn = db.conn().await.expect("connection");
    use dojo_storage::repo::api_tokens;

    assert_eq!(
        api_tokens::find_for_user(&mut conn, alice.id)
            .await
            .expect("find"),
        None
    );
    let first = api_tokens::replace(&mut conn, alice.id, "hash-1", "salt-1")
        .await
        .expect("first token");
    assert_eq!(
        (first.user_id, first.key_hash.as_str(), first.salt.as_str()),
        (alice.id, "hash-1", "salt-1")
    );
    let second = api_tokens::replace(&mut conn, alice.id, "hash-2", "salt-2")
        .await
        .expect("replace");
    assert_eq!(second.key_hash, "hash-2");
    assert!(second.created >= first.created);
    assert_eq!(
        api_tokens::find_for_user(&mut conn, alice.id)
            .await
            .expect("find"),
        Some(second.clone())
    );
    assert_eq!(
        api_tokens::find_by_hash(&mut conn, "hash-1")
            .await
            .expect("old hash"),
        None
    );
    assert_eq!(
        api_tokens::find_by_hash(&mut conn, "hash-2")
            .await
            .expect("new hash"),
        Some(second.clone())
    );
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM api_token").await, 1);

    // insert_if_absent keeps the token a user already has.
    let kept = api_tokens::insert_if_absent(&mut conn, alice.id, "hash-3", "salt-3")
        .await
        .expect("keep");
    assert_eq!(kept, second);
    let bobs = api_tokens::insert_if_absent(&mut conn, bob.id, "hash-b", "salt-b")
        .await
        .expect("bob's");
    assert_eq!(bobs.key_hash, "hash-b");
    let again = api_tokens::insert_if_absent(&mut conn, bob.id, "hash-c", "salt-c")
        .await
        .expect("bob again");
    assert_eq!(again, bobs);

    // A hash identifies one user.
    let clash = api_tokens::replace(&mut conn, bob.id, "hash-2", "salt").await;
    assert!(
        matches!(clash, Err(StorageError::Duplicate { .. })),
        "{clash:?}"
    );

    assert!(api_tokens::delete_for_user(&mut conn, bob.id)
        .await
        .expect("delete"));
    assert!(!api_tokens::delete_for_user(&mut conn, bob.id)
        .await
        .expect("delete again"));

    // Deleting the user deletes the token.
    users::delete(&mut conn, alice.id)
        .await
        .expect("delete alice");
    assert_eq!(
        api_tokens::find_by_hash(&mut conn, "hash-2")
            .await
            .expect("find"),
        None
    );
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM api_token").await, 0);
});

// ----- cascading deletes ---------------------------------------------------------------------

/// An engagement, a test and a finding, each with a note and a file of its own.
struct Attached {
    branch: Branch,
    finding: Finding,
    engagement_note: Note,
    test_note: Note,
    finding_note: Note,
}

async fn attached(db: &dojo_storage::Db, prefix: &str) -> Attached {
    let b = branch(db, prefix).await;
    let f = finding(db, b.test.id, b.user.id, &format!("{prefix} finding")).await;
    let engagement_note = note(db, b.user.id, &format!("{prefix} engagement note")).await;
    let test_note = note(db, b.user.id, &format!("{prefix} test note")).await;
    let finding_note = note(db, b.user.id, &format!("{prefix} finding note")).await;
    let engagement_file = file_upload(
        db,
        &format!("{prefix} e"),
        &format!("uploaded_files/{prefix}-e.pdf"),
    )
    .await;
    let test_file = file_upload(
        db,
        &format!("{prefix} t"),
        &format!("uploaded_files/{prefix}-t.pdf"),
    )
    .await;
    let finding_file = file_upload(
        db,
        &format!("{prefix} f"),
        &format!("uploaded_files/{prefix}-f.png"),
    )
    .await;
    let mut conn = db.conn().await.expect("connection");
    for (link, left, right) in [
        (Link::EngagementNotes, b.engagement.id, engagement_note.id),
        (Link::TestNotes, b.test.id, test_note.id),
        (Link::FindingNotes, f.id, finding_note.id),
        (Link::EngagementFiles, b.engagement.id, engagement_file.id),
        (Link::TestFiles, b.test.id, test_file.id),
        (Link::FindingFiles, f.id, finding_file.id),
    ] {
        links::add(&mut conn, link, left, right)
            .await
            .expect("attach");
    }
    Attached {
        branch: b,
        finding: f,
        engagement_note,
        test_note,
        finding_note,
    }
}

fn paths(deleted: Deleted, prefix: &str, which: &[&str]) {
    let mut files = deleted.files;
    files.sort();
    let mut expected: Vec<String> = which
        .iter()
        .map(|w| format!("uploaded_files/{prefix}-{w}"))
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}

async fn note_exists(db: &dojo_storage::Db, id: i64) -> bool {
    let mut conn = db.conn().await.expect("connection");
    notes::find(&mut conn, id).await.expect("query").is_some()
}

db_test!(deleting_a_finding_takes_its_notes_and_files, |db| {
    let a = attached(&db, "fin").await;
    let keep = attached(&db, "keep").await;
    let deleted = cascade::delete_finding(&db, a.finding.id)
        .await
        .expect("delete finding");
    paths(deleted, "fin", &["f.png"]);
    assert!(!note_exists(&db, a.finding_note.id).await);
    assert!(note_exists(&db, a.test_note.id).await);
    assert!(note_exists(&db, a.engagement_note.id).await);
    assert!(note_exists(&db, keep.finding_note.id).await);
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM file_upload").await, 5);
});

db_test!(
    deleting_a_test_takes_its_and_its_findings_notes_and_files,
    |db| {
        let a = attached(&db, "tst").await;
        let keep = attached(&db, "keep").await;
        let deleted = cascade::delete_test(&db, a.branch.test.id)
            .await
            .expect("delete test");
        paths(deleted, "tst", &["f.png", "t.pdf"]);
        assert!(!note_exists(&db, a.finding_note.id).await);
        assert!(!note_exists(&db, a.test_note.id).await);
        assert!(note_exists(&db, a.engagement_note.id).await);
        assert!(note_exists(&db, keep.test_note.id).await);
        assert!(note_exists(&db, keep.finding_note.id).await);
        let mut conn = db.conn().await.expect("connection");
        assert!(findings::find(&mut conn, a.finding.id)
            .await
            .expect("query")
            .is_none());
        assert!(findings::find(&mut conn, keep.finding.id)
            .await
            .expect("query")
            .is_some());
        assert_eq!(count_of(&db, "SELECT COUNT(*) FROM file_upload").await, 4);
    }
);

db_test!(
    deleting_an_engagement_takes_everything_attached_below_it,
    |db| {
        let a = attached(&db, "eng").await;
        let keep = attached(&db, "keep").await;
        let deleted = cascade::delete_engagement(&db, a.branch.engagement.id)
            .await
            .expect("delete engagement");
        paths(deleted, "eng", &["e.pdf", "f.png", "t.pdf"]);
        for n in [&a.finding_note, &a.test_note, &a.engagement_note] {
            assert!(!note_exists(&db, n.id).await, "{}", n.entry);
        }
        for n in [&keep.finding_note, &keep.test_note, &keep.engagement_note] {
            assert!(note_exists(&db, n.id).await, "{}", n.entry);
        }
        let mut conn = db.conn().await.expect("connection");
        assert!(tests::find(&mut conn, a.branch.test.id)
            .await
            .expect("query")
            .is_none());
        assert!(products::find(&mut conn, a.branch.product.id)
            .await
            .expect("query")
            .is_some());
        assert_eq!(count_of(&db, "SELECT COUNT(*) FROM file_upload").await, 3);
    }
);

db_test!(deleting_a_product_keeps_other_products_findings, |db| {
    let a = attached(&db, "gone").await;
    let keep = attached(&db, "kept").await;
    // A second product of the same type, so the type itself stays relevant.
    let sibling = product(&db, a.branch.product_type.id, "sibling").await;
    let sibling_engagement = engagement(&db, sibling.id, "sibling engagement").await;
    let sibling_test = test(&db, sibling_engagement.id, a.branch.test_type.id).await;
    let sibling_finding = finding(&db, sibling_test.id, a.branch.user.id, "sibling finding").await;

    let deleted = cascade::delete_product(&db, a.branch.product.id)
        .await
        .expect("delete product");
    paths(deleted, "gone", &["e.pdf", "f.png", "t.pdf"]);
    let mut conn = db.conn().await.expect("connection");
    assert!(findings::find(&mut conn, a.finding.id)
        .await
        .expect("query")
        .is_none());
    assert!(engagements::find(&mut conn, a.branch.engagement.id)
        .await
        .expect("query")
        .is_none());
    assert!(findings::find(&mut conn, keep.finding.id)
        .await
        .expect("query")
        .is_some());
    assert!(findings::find(&mut conn, sibling_finding.id)
        .await
        .expect("query")
        .is_some());
    assert!(product_types::find(&mut conn, a.branch.product_type.id)
        .await
        .expect("query")
        .is_some());
    assert!(note_exists(&db, keep.finding_note.id).await);
    assert!(!note_exists(&db, a.engagement_note.id).await);
    assert_eq!(findings::count(&mut conn).await.expect("count"), 2);
});

db_test!(deleting_a_product_type_reports_every_file_below_it, |db| {
    let a = attached(&db, "org").await;
    let deleted = cascade::delete_product_type(&db, a.branch.product_type.id)
        .await
        .expect("delete type");
    paths(deleted, "org", &["e.pdf", "f.png", "t.pdf"]);
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM notes").await, 0);
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM file_upload").await, 0);
});

db_test!(deleting_a_test_type_deletes_its_tests, |db| {
    let b = branch(&db, "tt").await;
    let other_type = test_type(&db, "Kept Scan").await;
    let kept_test = test(&db, b.engagement.id, other_type.id).await;
    let f = finding(&db, b.test.id, b.user.id, "goes with its test").await;
    let kept = finding(&db, kept_test.id, b.user.id, "stays").await;
    let mut conn = db.conn().await.expect("connection");
    dojo_storage::cascade::delete_test_type(&db, b.test_type.id)
        .await
        .expect("delete test type");
    assert!(tests::find(&mut conn, b.test.id)
        .await
        .expect("query")
        .is_none());
    assert!(findings::find(&mut conn, f.id)
        .await
        .expect("query")
        .is_none());
    assert!(tests::find(&mut conn, kept_test.id)
        .await
        .expect("query")
        .is_some());
    assert!(findings::find(&mut conn, kept.id)
        .await
        .expect("query")
        .is_some());
    assert!(engagements::find(&mut conn, b.engagement.id)
        .await
        .expect("query")
        .is_some());
});

// Deleting a test type does for its tests what `cascade::delete_test` does: their
// notes and file uploads go too, and the files' paths are reported.
db_test!(deleting_a_test_type_takes_the_notes_of_its_tests, |db| {
    let a = attached(&db, "ttn").await;
    let mut conn = db.conn().await.expect("connection");
    let deleted = dojo_storage::cascade::delete_test_type(&db, a.branch.test_type.id)
        .await
        .expect("delete test type");
    assert!(
        !deleted.files.is_empty(),
        "the deleted files' paths are reported"
    );
    assert!(findings::find(&mut conn, a.finding.id)
        .await
        .expect("query")
        .is_none());
    assert!(
        !note_exists(&db, a.finding_note.id).await,
        "the finding's note is deleted"
    );
    assert!(
        !note_exists(&db, a.test_note.id).await,
        "the test's note is deleted"
    );
    assert_eq!(
        count_of(&db, "SELECT COUNT(*) FROM file_upload").await,
        1,
        "only the engagement's file stays"
    );
});

// A test's API scan configuration is a foreign key with CASCADE (domain.md §6).
db_test!(tests_follow_their_api_scan_configuration, |db| {
    let b = branch(&db, "api").await;
    let mut conn = db.conn().await.expect("connection");
    let dangling = tests::save(
        &mut conn,
        &Test {
            api_scan_configuration_id: Some(4242),
            ..b.test.clone()
        },
    )
    .await;
    assert!(
        matches!(dangling, Err(StorageError::MissingReference { .. })),
        "an unknown API scan configuration is refused: {dangling:?}"
    );
    let tool_type = tool_types::insert(
        &mut conn,
        &ToolType {
            name: "Tool".into(),
            ..ToolType::default()
        },
    )
    .await
    .expect("tool type");
    let tool = tool_configurations::insert(
        &mut conn,
        &ToolConfiguration {
            name: "Tool".into(),
            tool_type_id: tool_type.id,
            ..ToolConfiguration::default()
        },
    )
    .await
    .expect("tool configuration");
    let config = product_api_scan_configurations::insert(
        &mut conn,
        &ProductApiScanConfiguration {
            product_id: b.product.id,
            tool_configuration_id: tool.id,
            ..ProductApiScanConfiguration::default()
        },
    )
    .await
    .expect("api scan configuration");
    let current = tests::get(&mut conn, b.test.id).await.expect("test");
    tests::save(
        &mut conn,
        &Test {
            api_scan_configuration_id: Some(config.id),
            ..current
        },
    )
    .await
    .expect("use the configuration");
    product_api_scan_configurations::delete(&mut conn, config.id)
        .await
        .expect("delete configuration");
    assert!(
        tests::find(&mut conn, b.test.id)
            .await
            .expect("query")
            .is_none(),
        "the test goes with its configuration (CASCADE)"
    );
});
