//! Timestamps and dates: the automatic ones are set on insert, `updated` moves forward on
//! update while `created` stays, stored instants read back as the same UTC instant on
//! both databases, and date columns hold plain dates.

use chrono::{DateTime, Duration, SubsecRound, Timelike, Utc};
use dojo_domain::entities::*;
use dojo_domain::*;
use dojo_storage::repo::*;
use dojo_storage::{db_test, Backend, Conn, Db};

use crate::support::*;

/// A clearly wrong instant that callers may send in automatic columns.
fn bogus() -> DateTime<Utc> {
    at(2001, 9, 9, 1, 46, 40, 0)
}

/// Brackets a write: the instants before and after it, cut as storage cuts `now`.
struct Window(DateTime<Utc>);

impl Window {
    fn open() -> Window {
        Window(Utc::now().trunc_subsecs(6))
    }

    fn holds(&self, name: &str, stamp: DateTime<Utc>) {
        let now = Utc::now();
        assert!(
            self.0 <= stamp && stamp <= now,
            "{name} = {stamp} is not between {} and {now}",
            self.0
        );
        assert_eq!(
            stamp.nanosecond() % 1_000,
            0,
            "{name} is cut to microseconds"
        );
    }
}

/// Inserts `$row` (with bogus automatic stamps), checks `$created` and `$updated` are
/// set to now and equal; then, after a pause, updates with a bogus `$created` and checks
/// that `$created` stays while `$updated` moves forward.
macro_rules! stamps_follow_writes {
    ($conn:ident, $row:expr, $insert:path, $update:path, $get:path, $created:ident, $updated:ident) => {{
        let mut row = $row;
        row.$created = bogus();
        row.$updated = bogus();
        let window = Window::open();
        let stored = $insert(&mut $conn, &row).await.expect("insert");
        window.holds(stringify!($created), stored.$created);
        assert_eq!(
            stored.$created, stored.$updated,
            "one instant for both stamps on insert"
        );

        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let mut changed = stored.clone();
        changed.$created = bogus();
        changed.$updated = bogus();
        let window = Window::open();
        let updated = $update(&mut $conn, &changed).await.expect("update");
        assert_eq!(
            updated.$created,
            stored.$created,
            "{} stays",
            stringify!($created)
        );
        window.holds(stringify!($updated), updated.$updated);
        assert!(
            updated.$updated > stored.$updated,
            "{} moves forward",
            stringify!($updated)
        );
        let read = $get(&mut $conn, stored.id).await.expect("read back");
        assert_eq!(read.$created, stored.$created);
        assert_eq!(read.$updated, updated.$updated);
        read
    }};
}

/// Like `stamps_follow_writes!` for tables whose only automatic stamp is set on insert.
macro_rules! stamp_set_once {
    ($conn:ident, $row:expr, $repo:ident, $stamp:ident) => {{
        let mut row = $row;
        row.$stamp = bogus();
        let window = Window::open();
        let stored = $repo::insert(&mut $conn, &row).await.expect("insert");
        window.holds(stringify!($stamp), stored.$stamp);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        let mut changed = stored.clone();
        changed.$stamp = bogus();
        let updated = $repo::update(&mut $conn, &changed).await.expect("update");
        assert_eq!(
            updated.$stamp,
            stored.$stamp,
            "{} stays on update",
            stringify!($stamp)
        );
        assert_eq!(
            $repo::get(&mut $conn, stored.id)
                .await
                .expect("read")
                .$stamp,
            stored.$stamp
        );
    }};
}

db_test!(hierarchy_stamps_follow_writes, |db| {
    let u = user(&db, "stamper").await;
    let tt = test_type(&db, "Stamp Scan").await;
    let mut conn = db.conn().await.expect("connection");
    let pt = stamps_follow_writes!(
        conn,
        ProductType {
            name: "Stamped".into(),
            ..ProductType::default()
        },
        product_types::insert,
        product_types::update,
        product_types::get,
        created,
        updated
    );
    let p = stamps_follow_writes!(
        conn,
        Product {
            name: "Stamped".into(),
            description: "d".into(),
            prod_type_id: pt.id,
            ..Product::default()
        },
        products::insert,
        products::update,
        products::get,
        created,
        updated
    );
    let e = stamps_follow_writes!(
        conn,
        Engagement {
            product_id: p.id,
            target_start: day(2026, 1, 1),
            target_end: day(2026, 1, 2),
            ..Engagement::default()
        },
        engagements::insert,
        engagements::save,
        engagements::get,
        created,
        updated
    );
    let t = stamps_follow_writes!(
        conn,
        Test {
            engagement_id: e.id,
            test_type_id: tt.id,
            ..Test::default()
        },
        tests::insert,
        tests::save,
        tests::get,
        created,
        updated
    );
    stamps_follow_writes!(
        conn,
        Finding {
            test_id: t.id,
            reporter_id: u.id,
            title: "stamped".into(),
            ..Finding::default()
        },
        findings::create,
        findings::save,
        findings::get,
        created,
        updated
    );
    stamps_follow_writes!(
        conn,
        FindingGroup {
            id: 0,
            name: "g".into(),
            test_id: t.id,
            creator_id: u.id,
            created: bogus(),
            modified: bogus()
        },
        finding_groups::insert,
        finding_groups::update,
        finding_groups::get,
        created,
        modified
    );
});

db_test!(other_stamps_follow_writes, |db| {
    let b = branch(&db, "stamps").await;
    let f = finding(&db, b.test.id, b.user.id, "stamped").await;
    let mut conn = db.conn().await.expect("connection");
    stamps_follow_writes!(
        conn,
        RiskAcceptance {
            name: "ra".into(),
            owner_id: b.user.id,
            ..RiskAcceptance::default()
        },
        risk_acceptances::insert,
        risk_acceptances::update,
        risk_acceptances::get,
        created,
        updated
    );
    stamps_follow_writes!(
        conn,
        Vulnerability {
            id: 0,
            vulnerability_id: "CVE-2026-1".into(),
            vulnerability_id_type: None,
            epss_score: None,
            epss_percentile: None,
            known_exploited: None,
            ransomware_used: None,
            kev_date: None,
            kev_due_date: None,
            enrichment_updated: None,
            created: bogus(),
            updated: bogus(),
        },
        vulnerabilities::insert,
        vulnerabilities::update,
        vulnerabilities::get,
        created,
        updated
    );
    let import = stamps_follow_writes!(
        conn,
        TestImport {
            id: 0,
            test_id: b.test.id,
            import_settings: None,
            import_type: TestImportType::Import,
            version: None,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            created: bogus(),
            modified: bogus(),
        },
        test_imports::insert,
        test_imports::update,
        test_imports::get,
        created,
        modified
    );
    stamps_follow_writes!(
        conn,
        TestImportFindingAction {
            id: 0,
            test_import_id: import.id,
            finding_id: f.id,
            action: ImportAction::Created,
            created: bogus(),
            modified: bogus(),
        },
        test_import_finding_actions::insert,
        test_import_finding_actions::update,
        test_import_finding_actions::get,
        created,
        modified
    );
});

db_test!(insert_only_stamps_are_set_once, |db| {
    let b = branch(&db, "once").await;
    let rust = {
        let mut conn = db.conn().await.expect("connection");
        language_types::insert(
            &mut conn,
            &LanguageType {
                id: 0,
                language: "Rust".into(),
                color: None,
            },
        )
        .await
        .expect("insert language type")
    };
    let n = note(&db, b.user.id, "noted").await;
    let mut conn = db.conn().await.expect("connection");
    stamp_set_once!(
        conn,
        User {
            username: "joined".into(),
            ..User::default()
        },
        users,
        date_joined
    );
    stamp_set_once!(
        conn,
        Note {
            id: 0,
            note_type_id: None,
            entry: "e".into(),
            date: bogus(),
            author_id: b.user.id,
            private: false,
            edited: false,
            editor_id: None,
            edit_time: None,
        },
        notes,
        date
    );
    stamp_set_once!(
        conn,
        NoteHistory {
            id: 0,
            note_id: n.id,
            note_type_id: None,
            data: "d".into(),
            time: bogus(),
            current_editor_id: None
        },
        note_histories,
        time
    );
    stamp_set_once!(
        conn,
        Alert {
            id: 0,
            title: "a".into(),
            description: None,
            url: None,
            source: "Generic".into(),
            icon: "icon".into(),
            user_id: Some(b.user.id),
            created: bogus(),
        },
        alerts,
        created
    );
    stamp_set_once!(
        conn,
        AppAnalysis {
            id: 0,
            product_id: b.product.id,
            name: "nginx".into(),
            user_id: b.user.id,
            confidence: None,
            version: None,
            icon: None,
            website: None,
            website_found: None,
            created: bogus(),
        },
        technologies,
        created
    );
    stamp_set_once!(
        conn,
        Languages {
            id: 0,
            language_id: rust.id,
            product_id: b.product.id,
            user_id: None,
            files: None,
            blank: None,
            comment: None,
            code: Some(1),
            created: bogus(),
        },
        languages,
        created
    );
    stamp_set_once!(
        conn,
        EngagementPresets {
            id: 0,
            title: "p".into(),
            notes: None,
            scope: None,
            product_id: b.product.id,
            created: bogus(),
        },
        engagement_presets,
        created
    );
});

db_test!(instants_read_back_as_the_same_utc_instant, |db| {
    let mut conn = db.conn().await.expect("connection");
    // Around a daylight-saving change in Europe, the turn of the millennium, and
    // a leap day: none of them may shift.
    let instants = [
        at(2026, 3, 29, 1, 30, 0, 123_456),
        at(1999, 12, 31, 23, 59, 59, 999_999),
        at(2024, 2, 29, 0, 0, 0, 1),
        at(2038, 1, 19, 3, 14, 8, 0),
    ];
    for (i, instant) in instants.iter().copied().enumerate() {
        let u = users::insert(
            &mut conn,
            &User {
                username: format!("u{i}"),
                last_login: Some(instant),
                ..User::default()
            },
        )
        .await
        .expect("insert user");
        assert_eq!(u.last_login, Some(instant));
        let read = users::get(&mut conn, u.id).await.expect("read back");
        assert_eq!(read.last_login, Some(instant));
        let expected = instant.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        let stored =
            match db.backend() {
                Backend::Sqlite => {
                    text_of(&db, "SELECT last_login FROM dojo_user WHERE id = $1", u.id).await
                }
                Backend::Postgres => text_of(
                    &db,
                    "SELECT to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') \
                     FROM dojo_user WHERE id = $1",
                    u.id,
                )
                .await,
            }
            .expect("stored instant");
        if db.backend() == Backend::Sqlite {
            // RFC 3339 text with an explicit UTC offset.
            assert!(stored.ends_with("+00:00"), "stored in UTC: {stored}");
            let parsed = DateTime::parse_from_rfc3339(&stored).expect("RFC 3339 text");
            assert_eq!(parsed.with_timezone(&Utc), instant);
        } else {
            assert_eq!(stored, expected);
        }
    }
});

db_test!(postgres_session_time_zone_does_not_shift_instants, |db| {
    if db.backend() != Backend::Postgres {
        return;
    }
    let written = at(2026, 6, 30, 23, 30, 0, 500_000);
    let u = {
        let mut conn = db.conn().await.expect("connection");
        users::insert(
            &mut conn,
            &User {
                username: "zoned".into(),
                last_login: Some(written),
                ..User::default()
            },
        )
        .await
        .expect("insert user")
    };
    let mut tx = db.begin().await.expect("transaction");
    if let Conn::PostgresTx(t) = &mut *tx {
        sqlx::query("SET LOCAL TIME ZONE 'Asia/Kathmandu'")
            .execute(&mut **t)
            .await
            .expect("set a +05:45 session time zone");
    }
    let read = users::get(&mut tx, u.id)
        .await
        .expect("read in another zone");
    assert_eq!(read.last_login, Some(written));
    let again = users::update(
        &mut tx,
        &User {
            last_login: Some(written + Duration::hours(1)),
            ..read
        },
    )
    .await
    .expect("write in another zone");
    assert_eq!(again.last_login, Some(written + Duration::hours(1)));
    tx.commit().await.expect("commit");
    let mut conn = db.conn().await.expect("connection");
    assert_eq!(
        users::get(&mut conn, u.id).await.expect("read").last_login,
        Some(written + Duration::hours(1))
    );
});

db_test!(date_columns_hold_plain_dates, |db| {
    let b = branch(&db, "dates").await;
    let mut conn = db.conn().await.expect("connection");
    let f = findings::create(
        &mut conn,
        &Finding {
            test_id: b.test.id,
            reporter_id: b.user.id,
            title: "dated".into(),
            date: day(2026, 3, 29),
            sla_start_date: Some(day(2024, 2, 29)),
            sla_expiration_date: Some(day(1999, 12, 31)),
            kev_date: Some(day(2026, 1, 1)),
            publish_date: Some(day(2025, 10, 26)),
            planned_remediation_date: Some(day(2026, 12, 31)),
            ..Finding::default()
        },
    )
    .await
    .expect("create finding");
    let read = findings::get(&mut conn, f.id).await.expect("read");
    assert_eq!(read.date, day(2026, 3, 29));
    assert_eq!(read.sla_start_date, Some(day(2024, 2, 29)));
    assert_eq!(read.sla_expiration_date, Some(day(1999, 12, 31)));
    assert_eq!(read.kev_date, Some(day(2026, 1, 1)));
    assert_eq!(read.publish_date, Some(day(2025, 10, 26)));
    assert_eq!(read.planned_remediation_date, Some(day(2026, 12, 31)));
    for (column, expected) in [
        ("date", "2026-03-29"),
        ("sla_start_date", "2024-02-29"),
        ("sla_expiration_date", "1999-12-31"),
        ("kev_date", "2026-01-01"),
        ("publish_date", "2025-10-26"),
        ("planned_remediation_date", "2026-12-31"),
    ] {
        let sql = format!("SELECT CAST({column} AS TEXT) FROM finding WHERE id = $1");
        assert_eq!(
            text_of(&db, &sql, f.id).await.as_deref(),
            Some(expected),
            "{column}"
        );
    }
    for (column, expected) in [("target_start", "2026-01-01"), ("target_end", "2026-01-31")] {
        let sql = format!("SELECT CAST({column} AS TEXT) FROM engagement WHERE id = $1");
        assert_eq!(
            text_of(&db, &sql, b.engagement.id).await.as_deref(),
            Some(expected),
            "{column}"
        );
    }
    // Dates compare as dates in SQL on both databases.
    let later = count_of(
        &db,
        &format!(
            "SELECT COUNT(*) FROM finding WHERE id = {} AND date > sla_start_date",
            f.id
        ),
    )
    .await;
    assert_eq!(later, 1);
});

db_test!(schema_types_keep_dates_and_zoned_instants, |db| {
    match &db {
        Db::Postgres(_) => {
            let naive = count_of(
                &db,
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND data_type = 'timestamp without time zone'",
            )
            .await;
            assert_eq!(naive, 0, "every instant column is TIMESTAMPTZ");
            let zoned = count_of(
                &db,
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND data_type = 'timestamp with time zone'",
            )
            .await;
            assert!(zoned > 40, "instant columns exist ({zoned})");
            for (table, column) in [
                ("finding", "date"),
                ("finding", "sla_expiration_date"),
                ("engagement", "target_start"),
                ("engagement", "first_contacted"),
                ("endpoint_status", "date"),
                ("vulnerability", "kev_due_date"),
            ] {
                let is_date = count_of(
                    &db,
                    &format!(
                        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
                         AND table_name = '{table}' AND column_name = '{column}' AND data_type = 'date'"
                    ),
                )
                .await;
                assert_eq!(is_date, 1, "{table}.{column} is a DATE");
            }
        }
        Db::Sqlite(_) => {
            let b = branch(&db, "types").await;
            let kinds = text_of(
                &db,
                "SELECT typeof(target_start) || ',' || typeof(created) FROM engagement WHERE id = $1",
                b.engagement.id,
            )
            .await;
            assert_eq!(kinds.as_deref(), Some("text,text"));
        }
    }
});

// Instants a caller supplies are kept to the microsecond on both databases, so a
// write reads back the same everywhere (SQLite's text would keep nanoseconds).
db_test!(caller_instants_keep_microseconds_on_both_databases, |db| {
    let mut conn = db.conn().await.expect("connection");
    let precise = at(2026, 5, 4, 3, 2, 1, 0) + Duration::nanoseconds(123_456_789);
    let u = users::insert(
        &mut conn,
        &User {
            username: "precise".into(),
            last_login: Some(precise),
            ..User::default()
        },
    )
    .await
    .expect("insert user");
    let read = users::get(&mut conn, u.id).await.expect("read back");
    assert_eq!(read.last_login, Some(precise.trunc_subsecs(6)));
});
