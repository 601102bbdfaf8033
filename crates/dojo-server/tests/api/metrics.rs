//! Metrics (issue 6) on a fixture whose right answers are worked out by hand
//! below, through the storage functions (with a fixed "today") and through
//! `GET /api/v2/metrics/`.

use axum::http::StatusCode;
use chrono::NaiveDate;
use dojo_domain::Role;
use dojo_storage::authz::Access;
use dojo_storage::bulk::{self, Param};
use dojo_storage::db_test;
use dojo_storage::metrics::{self, rollup, Period, Question, Scope, SeverityCounts};

use crate::import::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a day")
}

/// One finding's state: title, severity, date, active, verified, mitigated
/// (day), risk accepted, duplicate, SLA expiration.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    Option<&'static str>,
    bool,
    bool,
    Option<&'static str>,
);

/// Product A's findings, with today 2026-06-30:
/// * F1 Critical, open, 10 days old, SLA passed (06-27).
/// * F2 High, open, 46 days old, SLA passed (06-14).
/// * F3 High, open but not verified, dated March (before the range).
/// * F4 Medium, dated 04-10, mitigated 04-20 (10 days), within SLA (07-09).
/// * F5 Medium, dated 04-01, mitigated 05-01 (30 days), SLA was 04-15: late.
/// * F6 Low, dated 06-01, risk accepted (inactive).
/// * F7 Info, open, a duplicate: never counted.
const PRODUCT_A: &[Row] = &[
    (
        "F1",
        "Critical",
        "2026-06-20",
        true,
        true,
        None,
        false,
        false,
        Some("2026-06-27"),
    ),
    (
        "F2",
        "High",
        "2026-05-15",
        true,
        true,
        None,
        false,
        false,
        Some("2026-06-14"),
    ),
    (
        "F3",
        "High",
        "2026-03-01",
        true,
        false,
        None,
        false,
        false,
        Some("2026-03-31"),
    ),
    (
        "F4",
        "Medium",
        "2026-04-10",
        false,
        true,
        Some("2026-04-20"),
        false,
        false,
        Some("2026-07-09"),
    ),
    (
        "F5",
        "Medium",
        "2026-04-01",
        false,
        true,
        Some("2026-05-01"),
        false,
        false,
        Some("2026-04-15"),
    ),
    (
        "F6",
        "Low",
        "2026-06-01",
        false,
        true,
        None,
        true,
        false,
        None,
    ),
    (
        "F7",
        "Info",
        "2026-06-02",
        true,
        true,
        None,
        false,
        true,
        None,
    ),
];

/// Imports the titles into a new engagement of `product` and sets each
/// finding's state; returns the product id.
async fn seed(app: &App, product: &str, rows: &[Row]) -> i64 {
    let engagement = app.engagement(product, "Metrics", false).await;
    let report: Vec<(&str, &str)> = rows.iter().map(|r| (r.0, r.1)).collect();
    app.import(generic_form(engagement.id, &generic(&report)))
        .await;
    let mut conn = app.db.conn().await.expect("connection");
    for &(title, severity, date, active, verified, mitigated, accepted, duplicate, sla) in rows {
        let mitigated_at = mitigated.map(|d| day(d).and_hms_opt(9, 30, 0).expect("time").and_utc());
        let params: Vec<Param> = vec![
            severity.into(),
            Param::Date(Some(day(date))),
            active.into(),
            verified.into(),
            mitigated.is_some().into(),
            Param::Instant(mitigated_at),
            accepted.into(),
            duplicate.into(),
            Param::Date(sla.map(day)),
            title.into(),
            engagement.product_id.into(),
        ];
        bulk::execute(
            &mut conn,
            "UPDATE finding SET severity = $1, date = $2, active = $3, verified = $4, \
             is_mitigated = $5, mitigated = $6, risk_accepted = $7, duplicate = $8, \
             sla_expiration_date = $9 WHERE title = $10 AND product_id = $11",
            &params,
        )
        .await
        .expect("finding state");
    }
    engagement.product_id
}

fn counts(critical: i64, high: i64, medium: i64, low: i64, info: i64) -> SeverityCounts {
    SeverityCounts {
        critical,
        high,
        medium,
        low,
        info,
    }
}

db_test!(metrics_match_the_hand_computed_answers, |db| {
    let app = App::new(&db).await;
    let a = seed(&app, "A", PRODUCT_A).await;
    let b = seed(
        &app,
        "B",
        &[(
            "B1",
            "High",
            "2026-06-10",
            true,
            true,
            None,
            false,
            false,
            Some("2026-07-10"),
        )],
    )
    .await;
    let superuser = Access {
        user_id: app.user.id,
        superuser: true,
        global_role: None,
    };
    let question = Question {
        scope: Scope::Product(a),
        access: &superuser,
        verified_only: true,
        start: day("2026-04-01"),
        end: day("2026-06-30"),
        today: day("2026-06-30"),
    };
    let mut conn = app.db.conn().await.expect("connection");

    let month = metrics::summary(&mut conn, &question, Period::Month)
        .await
        .expect("metrics");
    assert_eq!(month.open, counts(1, 1, 0, 0, 0));

    assert_eq!(month.ages.days_0_30, counts(1, 0, 0, 0, 0));
    assert_eq!(month.ages.days_31_60, counts(0, 1, 0, 0, 0));
    assert_eq!(month.ages.days_61_90, SeverityCounts::default());
    assert_eq!(month.ages.days_over_90, SeverityCounts::default());

    let months = &month.activity;
    let starts: Vec<NaiveDate> = months.iter().map(|m| m.start).collect();
    assert_eq!(
        starts,
        vec![day("2026-04-01"), day("2026-05-01"), day("2026-06-01")]
    );
    assert_eq!(months[0].opened, counts(0, 0, 2, 0, 0));
    assert_eq!(months[0].closed, counts(0, 0, 1, 0, 0));
    assert_eq!(months[1].opened, counts(0, 1, 0, 0, 0));
    assert_eq!(months[1].closed, counts(0, 0, 1, 0, 0));
    assert_eq!(months[2].opened, counts(1, 0, 0, 1, 0));
    assert_eq!(months[2].risk_accepted, counts(0, 0, 0, 1, 0));
    assert_eq!(months[2].closed, SeverityCounts::default());

    // Weeks from Monday 2026-03-30 to the week of 06-29: 14 of them.
    let weeks = metrics::summary(&mut conn, &question, Period::Week)
        .await
        .expect("weeks")
        .activity;
    assert_eq!(weeks.len(), 14);
    assert_eq!(weeks[0].start, day("2026-03-30"));
    let opened: i64 = weeks.iter().map(|w| w.opened.total()).sum();
    assert_eq!(opened, 5, "F1, F2, F4, F5, F6");
    // F4 (04-10) falls in the week of Monday 04-06.
    let april_6 = weeks
        .iter()
        .find(|w| w.start == day("2026-04-06"))
        .expect("week");
    assert_eq!(april_6.opened.medium, 1);

    assert_eq!(month.remediation.medium, Some(20.0), "(10 + 30) / 2");
    assert_eq!(month.remediation.critical, None);

    let sla = month.sla;
    assert_eq!(sla.mitigated_within, counts(0, 0, 1, 0, 0));
    assert_eq!(sla.mitigated_late, counts(0, 0, 1, 0, 0));
    assert_eq!(sla.open_breached, counts(1, 1, 0, 0, 0));
    assert_eq!(sla.open_within, SeverityCounts::default());
    assert_eq!(sla.compliance_rate(), Some(0.5));
    assert_eq!(sla.breach_rate(), Some(1.0));

    // Without the verified filter F3 is open too (and over 90 days old).
    let unverified = Question {
        verified_only: false,
        ..question.clone()
    };
    let all = metrics::summary(&mut conn, &unverified, Period::Month)
        .await
        .expect("metrics");
    assert_eq!(all.open, counts(1, 2, 0, 0, 0));
    assert_eq!(all.ages.days_over_90, counts(0, 1, 0, 0, 0));

    // Everything visible: B's open High joins; its product type alone is B's.
    let everything = Question {
        scope: Scope::Visible,
        ..question.clone()
    };
    let all = metrics::summary(&mut conn, &everything, Period::Month)
        .await
        .expect("metrics");
    assert_eq!(all.open, counts(1, 2, 0, 0, 0));
    let product_b = dojo_storage::repo::products::get(&mut conn, b)
        .await
        .expect("B");
    let type_b = Question {
        scope: Scope::ProductType(product_b.prod_type_id),
        ..question.clone()
    };
    let of_type = metrics::summary(&mut conn, &type_b, Period::Month)
        .await
        .expect("metrics");
    assert_eq!(of_type.open, counts(0, 1, 0, 0, 0));
    drop(conn);

    // A member of A alone sees A's numbers only, through the API too.
    let member = member(&app, "member", a, Role::Reader).await;
    let (status, body) = send(
        &app,
        &member,
        "GET",
        "/api/v2/metrics/?start=2026-04-01&end=2026-06-30&period=month",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["open"]["high"], 1, "B is not the member's");
    assert_eq!(body["activity"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["activity"][0]["period"], "2026-04-01");
    assert_eq!(body["activity"][0]["opened"]["medium"], 2);
    assert_eq!(body["mean_days_to_remediate"]["medium"], 20.0);
    assert_eq!(body["sla"]["compliance_rate"], 0.5);
    assert_eq!(body["verified_only"], true);
    let (status, _) = send(
        &app,
        &member,
        "GET",
        &format!("/api/v2/metrics/?product={b}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/metrics/?product={b}&period=day"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["period"].is_array(), "{body}");
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/metrics/?start=2026-07-01&end=2026-06-01",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
});

/// The rollup-backed answer and the finding scans agree on `question`, for
/// both verified filters and both periods.
async fn rollup_agrees(db: &dojo_storage::Db, question: &Question<'_>, label: &str) {
    let mut conn = db.conn().await.expect("connection");
    for verified_only in [true, false] {
        let verified = if verified_only {
            " AND verified = TRUE"
        } else {
            ""
        };
        let mut expected: Vec<(i64, String, i64)> = bulk::fetch_all(
            &mut conn,
            &format!(
                "SELECT product_id, severity, COUNT(*) FROM finding \
                 WHERE duplicate = FALSE AND active = TRUE{verified} GROUP BY product_id, severity"
            ),
            &[],
        )
        .await
        .expect("counts");
        expected.sort();
        let rolled = rollup::open_by_product(&mut conn, question.access, None, verified_only)
            .await
            .expect("open by product");
        let mut got: Vec<(i64, String, i64)> = Vec::new();
        for product in rolled {
            let counts = product.open;
            for (severity, count) in [
                ("Critical", counts.critical),
                ("High", counts.high),
                ("Medium", counts.medium),
                ("Low", counts.low),
                ("Info", counts.info),
            ] {
                if count != 0 {
                    got.push((product.product_id, severity.to_owned(), count));
                }
            }
        }
        got.sort();
        assert_eq!(
            got, expected,
            "{label}: open by product, verified only {verified_only}"
        );
    }
    for verified_only in [true, false] {
        let q = Question {
            verified_only,
            ..question.clone()
        };
        for period in [Period::Week, Period::Month] {
            let rolled = metrics::summary(&mut conn, &q, period)
                .await
                .expect("rollup");
            let scanned = metrics::scan_summary(&mut conn, &q, period)
                .await
                .expect("scan");
            assert_eq!(rolled, scanned, "{label}, verified only {verified_only}");
        }
    }
}

// The portfolio rollup equals the finding scans after every kind of change:
// the hand-computed fixture, edits of status, severity and dates, a
// duplicate, a delete, a product delete, before and after folding deltas.
db_test!(the_portfolio_rollup_matches_the_finding_scans, |db| {
    let app = App::new(&db).await;
    let a = seed(&app, "A", PRODUCT_A).await;
    seed(
        &app,
        "B",
        &[(
            "B1",
            "High",
            "2026-06-10",
            true,
            true,
            Some("2026-06-20"),
            false,
            false,
            Some("2026-06-15"),
        )],
    )
    .await;
    let superuser = Access {
        user_id: app.user.id,
        superuser: true,
        global_role: None,
    };
    let mut question = Question {
        scope: Scope::Visible,
        access: &superuser,
        verified_only: true,
        start: day("2026-01-01"),
        end: day("2026-12-31"),
        today: day("2026-06-30"),
    };
    let fold = || dojo_server::lifecycle::scheduler::compact_rollup(&db);
    rollup_agrees(&db, &question, "seeded").await;
    fold().await.expect("fold");
    rollup_agrees(&db, &question, "folded").await;

    let mut conn = db.conn().await.expect("connection");
    let closed_at = day("2026-06-25")
        .and_hms_opt(8, 0, 0)
        .expect("time")
        .and_utc();
    let edits: [(&str, Vec<Param>); 7] = [
        ("UPDATE finding SET severity = 'Critical' WHERE title = 'F1'", vec![]),
        ("UPDATE finding SET date = $1 WHERE title = 'F2'", vec![Param::Date(Some(day("2026-03-03")))]),
        (
            "UPDATE finding SET active = FALSE, is_mitigated = TRUE, mitigated = $1 WHERE title = 'F3'",
            vec![Param::Instant(Some(closed_at))],
        ),
        ("UPDATE finding SET duplicate = TRUE, active = FALSE WHERE title = 'F4'", vec![]),
        ("UPDATE finding SET risk_accepted = TRUE, active = FALSE WHERE title = 'F5'", vec![]),
        ("UPDATE finding SET sla_expiration_date = NULL WHERE title = 'B1'", vec![]),
        ("DELETE FROM finding WHERE title = 'F6'", vec![]),
    ];
    for (sql, params) in edits {
        bulk::execute(&mut conn, sql, &params).await.expect(sql);
    }
    drop(conn);
    rollup_agrees(&db, &question, "edited").await;
    fold().await.expect("fold");
    rollup_agrees(&db, &question, "edited and folded").await;

    let (status, body) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/products/{a}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    rollup_agrees(&db, &question, "product deleted").await;
    question.start = day("2026-06-01");
    rollup_agrees(&db, &question, "narrow range").await;
    let mut conn = db.conn().await.expect("connection");
    let left: Vec<(i64,)> = bulk::fetch_all(&mut conn, "SELECT COUNT(*) FROM finding", &[])
        .await
        .expect("count");
    assert_eq!(left, vec![(1,)], "B1 alone is left");
});

db_test!(
    the_riskiest_products_rank_by_critical_then_high_and_respect_visibility,
    |db| {
        let app = App::new(&db).await;
        let row = |title: &'static str, severity: &'static str| -> Row {
            (
                title,
                severity,
                "2026-06-01",
                true,
                true,
                None,
                false,
                false,
                None,
            )
        };
        let a = seed(
            &app,
            "A",
            &[row("a1", "High"), row("a2", "High"), row("a3", "Low")],
        )
        .await;
        let b = seed(&app, "B", &[row("b1", "Critical")]).await;
        let c = seed(
            &app,
            "C",
            &[row("c1", "High"), row("c2", "High"), row("c3", "Medium")],
        )
        .await;
        seed(&app, "D", &[row("d1", "Info")]).await;
        let superuser = Access {
            user_id: app.user.id,
            superuser: true,
            global_role: None,
        };
        let mut conn = db.conn().await.expect("connection");
        let ranked = rollup::riskiest_products(&mut conn, &superuser, false, 10)
            .await
            .expect("ranking");
        let order: Vec<i64> = ranked.iter().map(|p| p.product_id).collect();
        assert_eq!(order, vec![b, c, a], "Info-only D is not listed");
        assert_eq!(ranked[1].open, counts(0, 2, 1, 0, 0));
        drop(conn);

        member(&app, "member", a, Role::Reader).await;
        let mut conn = db.conn().await.expect("connection");
        let user = dojo_storage::repo::users::find_by_username(&mut conn, "member")
            .await
            .expect("lookup")
            .expect("member");
        let access = Access::of(&mut conn, &user).await.expect("access");
        let ranked = rollup::riskiest_products(&mut conn, &access, false, 10)
            .await
            .expect("ranking");
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].product_id, a);
        assert_eq!(ranked[0].open, counts(0, 2, 0, 1, 0));
    }
);
