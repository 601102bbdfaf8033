//! The finding transitions of workflows §d as domain functions (the web pages
//! call them directly), and false-positive history across imports (c.8).

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use dojo_domain::entities::{Finding, NoteType, User};
use dojo_domain::Role;
use dojo_server::api::shapes::notes::NewNote;
use dojo_server::auth::Caller;
use dojo_server::error::ApiError;
use dojo_server::lifecycle::templates;
use dojo_server::lifecycle::transitions::{self, Close, ReviewOutcome};
use dojo_storage::authz::Access;
use dojo_storage::links::{self, Link};
use dojo_storage::{bulk, db_test, repo, settings, Db};
use serde_json::json;

use crate::import::*;

async fn caller(db: &Db, user: &User) -> Caller {
    let mut conn = db.conn().await.expect("connection");
    let access = Access::of(&mut conn, user).await.expect("access");
    Caller {
        user: user.clone(),
        access,
    }
}

/// A user holding `role` on the product.
async fn member_user(app: &App, name: &str, product_id: i64, role: Role) -> User {
    member(app, name, product_id, role).await;
    let mut conn = app.db.conn().await.expect("connection");
    repo::users::find_by_username(&mut conn, name)
        .await
        .expect("lookup")
        .expect("user")
}

/// Imports `titles` (High, one endpoint each) into a new engagement of
/// `product`; answers the findings by title order and the product id.
async fn imported(app: &App, product: &str, titles: &[&str]) -> (Vec<Finding>, i64) {
    let engagement = app.engagement(product, "CI", false).await;
    let report = generic_with(
        titles
            .iter()
            .map(|t| {
                (
                    *t,
                    "High",
                    json!({"verified": true,
                           "endpoints": [{"host": "shop.example.com", "protocol": "https"}]}),
                )
            })
            .collect(),
    );
    let body = app.import(generic_form(engagement.id, &report)).await;
    let mut findings = app.findings(id(&body["test_id"])).await;
    findings.sort_by(|a, b| a.title.cmp(&b.title));
    (findings, engagement.product_id)
}

async fn reload(db: &Db, finding: &Finding) -> Finding {
    let mut conn = db.conn().await.expect("connection");
    repo::findings::get(&mut conn, finding.id)
        .await
        .expect("finding")
}

/// (mitigated, false_positive, out_of_scope, risk_accepted) of each endpoint status.
async fn endpoint_flags(db: &Db, finding: &Finding) -> Vec<(bool, bool, bool, bool)> {
    let mut conn = db.conn().await.expect("connection");
    bulk::fetch_all(
        &mut conn,
        "SELECT mitigated, false_positive, out_of_scope, risk_accepted FROM endpoint_status \
         WHERE finding_id = $1",
        &[finding.id.into()],
    )
    .await
    .expect("endpoint statuses")
}

async fn notes_of(db: &Db, finding: &Finding) -> Vec<(String, bool)> {
    let mut conn = db.conn().await.expect("connection");
    bulk::fetch_all(
        &mut conn,
        "SELECT n.entry, n.private FROM notes n JOIN finding_notes fn ON fn.notes_id = n.id \
         WHERE fn.finding_id = $1 ORDER BY n.id",
        &[finding.id.into()],
    )
    .await
    .expect("notes")
}

fn status_of(error: ApiError) -> StatusCode {
    match error {
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Fields(_) => StatusCode::BAD_REQUEST,
        other => panic!("unexpected error {other:?}"),
    }
}

fn message(error: &ApiError) -> String {
    match error {
        ApiError::Fields(map) => map
            .values()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        ApiError::Forbidden(text) => text.clone(),
        other => format!("{other:?}"),
    }
}

db_test!(
    close_and_reopen_record_who_and_when_and_follow_the_endpoints,
    |db| {
        let app = App::new(&db).await;
        let (findings, _) = imported(&app, "Shop", &["xss"]).await;
        let admin = caller(&db, &app.user).await;
        let now = Utc::now();
        let mut conn = db.conn().await.expect("connection");

        let closed =
            transitions::close(&mut conn, &admin, &findings[0], &Close::mitigate(None), now)
                .await
                .expect("close");
        assert!(closed.is_mitigated && !closed.active);
        assert_eq!(closed.mitigated_by_id, Some(app.user.id));
        assert_eq!(
            closed.mitigated.map(|m| m.timestamp()),
            Some(now.timestamp())
        );
        assert_eq!(closed.last_reviewed_by_id, Some(app.user.id));
        drop(conn);
        assert_eq!(
            endpoint_flags(&db, &closed).await,
            vec![(true, false, false, false)]
        );

        let mut conn = db.conn().await.expect("connection");
        let reopened = transitions::reopen(&mut conn, &admin, &closed, Utc::now())
            .await
            .expect("reopen");
        assert!(reopened.active && !reopened.is_mitigated);
        assert_eq!(reopened.mitigated, None);
        assert_eq!(reopened.mitigated_by_id, None);
        drop(conn);
        assert_eq!(
            endpoint_flags(&db, &reopened).await,
            vec![(false, false, false, false)]
        );

        // A duplicate cannot be reopened: it would be an active duplicate.
        let mut conn = db.conn().await.expect("connection");
        let mut duplicate = reopened.clone();
        duplicate.duplicate = true;
        duplicate.active = false;
        duplicate.verified = false;
        let duplicate = repo::findings::save(&mut conn, &duplicate)
            .await
            .expect("save");
        let refused = transitions::reopen(&mut conn, &admin, &duplicate, Utc::now())
            .await
            .expect_err("a duplicate cannot be reopened");
        assert_eq!(
            message(&refused),
            "Duplicate findings cannot be verified or active"
        );
    }
);

db_test!(
    a_reader_may_not_change_status_but_may_request_review,
    |db| {
        let app = App::new(&db).await;
        let (findings, product) = imported(&app, "Shop", &["xss"]).await;
        let reader = member_user(&app, "reader", product, Role::Reader).await;
        let writer = member_user(&app, "writer", product, Role::Writer).await;
        let reader = caller(&db, &reader).await;
        let finding = &findings[0];
        let now = Utc::now();
        let mut conn = db.conn().await.expect("connection");

        let refusals = [
            transitions::close(&mut conn, &reader, finding, &Close::mitigate(None), now).await,
            transitions::verify(&mut conn, &reader, finding, None, now).await,
            transitions::reopen(&mut conn, &reader, finding, now).await,
            transitions::mark_false_positive(&mut conn, &reader, finding, now).await,
            transitions::set_out_of_scope(&mut conn, &reader, finding, true, now).await,
            transitions::touch(&mut conn, &reader, finding, now).await,
        ];
        for refusal in refusals {
            let error = refusal.expect_err("a reader may not change a finding");
            assert_eq!(status_of(error), StatusCode::FORBIDDEN);
        }
        assert_eq!(reload(&db, finding).await.active, finding.active);

        // Requesting a review needs only the right to see the finding; a reader
        // cannot be a reviewer.
        let not_reviewer = transitions::request_review(
            &mut conn,
            &reader,
            finding,
            &[reader.user.id],
            "please",
            now,
        )
        .await
        .expect_err("a reader cannot review");
        assert_eq!(
            message(&not_reviewer),
            format!(
                "Select a valid choice. {} is not one of the available choices.",
                reader.user.id
            )
        );
        let none = transitions::request_review(&mut conn, &reader, finding, &[], "please", now)
            .await
            .expect_err("reviewers are required");
        assert_eq!(message(&none), "This field is required.");
        let requested =
            transitions::request_review(&mut conn, &reader, finding, &[writer.id], "please", now)
                .await
                .expect("request");
        assert!(requested.under_review && requested.active && !requested.verified);
        assert_eq!(requested.review_requested_by_id, Some(reader.user.id));
        let reviewers = links::rights(&mut conn, Link::FindingReviewers, finding.id)
            .await
            .expect("reviewers");
        assert_eq!(reviewers, vec![writer.id]);
        // The reviewer is told in the app (an alert, the default channel).
        let alerts: Vec<(String, i64)> = bulk::fetch_all(
            &mut conn,
            "SELECT title, user_id FROM alerts WHERE title LIKE 'Finding review%' ORDER BY id",
            &[],
        )
        .await
        .expect("alerts");
        assert_eq!(
            alerts,
            vec![("Finding review requested".to_owned(), writer.id)]
        );
        drop(conn);
        assert_eq!(
            notes_of(&db, finding).await,
            vec![("Review Request: please".to_owned(), true)]
        );
    }
);

db_test!(only_the_requester_or_a_reviewer_clears_a_review, |db| {
    let app = App::new(&db).await;
    let (findings, product) = imported(&app, "Shop", &["xss"]).await;
    let reviewer = member_user(&app, "reviewer", product, Role::Writer).await;
    let bystander = member_user(&app, "bystander", product, Role::Writer).await;
    let admin = caller(&db, &app.user).await;
    let now = Utc::now();
    let mut conn = db.conn().await.expect("connection");
    let requested =
        transitions::request_review(&mut conn, &admin, &findings[0], &[reviewer.id], "look", now)
            .await
            .expect("request");

    let outcome = ReviewOutcome {
        is_mitigated: true,
        ..ReviewOutcome::default()
    };
    let bystander = caller(&db, &bystander).await;
    let refused =
        transitions::clear_review(&mut conn, &bystander, &requested, outcome, "done", now)
            .await
            .expect_err("a bystander may not clear");
    assert_eq!(status_of(refused), StatusCode::FORBIDDEN);

    let reviewer = caller(&db, &reviewer).await;
    let cleared = transitions::clear_review(&mut conn, &reviewer, &requested, outcome, "done", now)
        .await
        .expect("clear");
    assert!(!cleared.under_review && cleared.is_mitigated && !cleared.active);
    assert_eq!(cleared.mitigated_by_id, Some(reviewer.user.id));
    let reviewers = links::rights(&mut conn, Link::FindingReviewers, cleared.id)
        .await
        .expect("reviewers");
    assert!(reviewers.is_empty());
    drop(conn);
    let notes = notes_of(&db, &cleared).await;
    assert_eq!(
        notes.last(),
        Some(&("Review Cleared: done".to_owned(), false))
    );
});

db_test!(
    false_positive_and_out_of_scope_are_marked_and_unmarked,
    |db| {
        let app = App::new(&db).await;
        let (findings, _) = imported(&app, "Shop", &["sqli", "xss"]).await;
        let admin = caller(&db, &app.user).await;
        let now = Utc::now();
        let mut conn = db.conn().await.expect("connection");

        let fp = transitions::mark_false_positive(&mut conn, &admin, &findings[0], now)
            .await
            .expect("mark");
        assert!(fp.false_p && !fp.active && !fp.verified && fp.is_mitigated);
        assert_eq!(fp.mitigated_by_id, Some(app.user.id));
        let twice = transitions::mark_false_positive(&mut conn, &admin, &fp, now)
            .await
            .expect_err("already a false positive");
        assert_eq!(status_of(twice), StatusCode::BAD_REQUEST);
        let back = transitions::unmark_false_positive(&mut conn, &admin, &fp, now)
            .await
            .expect("unmark");
        assert!(!back.false_p && back.active && !back.is_mitigated);
        assert_eq!(back.mitigated, None);
        let not_fp = transitions::unmark_false_positive(&mut conn, &admin, &back, now)
            .await
            .expect_err("not a false positive");
        assert_eq!(message(&not_fp), "The finding is not a false positive.");

        let out = transitions::set_out_of_scope(&mut conn, &admin, &findings[1], true, now)
            .await
            .expect("out of scope");
        assert!(out.out_of_scope && !out.active && out.is_mitigated);
        drop(conn);
        assert_eq!(
            endpoint_flags(&db, &out).await,
            vec![(false, false, true, false)]
        );
        let mut conn = db.conn().await.expect("connection");
        let inside = transitions::set_out_of_scope(&mut conn, &admin, &out, false, now)
            .await
            .expect("back in scope");
        assert!(!inside.out_of_scope && inside.active && !inside.is_mitigated);
    }
);

db_test!(simple_risk_acceptance_needs_the_product_setting, |db| {
    let app = App::new(&db).await;
    let (findings, product) = imported(&app, "Shop", &["xss"]).await;
    let admin = caller(&db, &app.user).await;
    let now = Utc::now();
    let mut conn = db.conn().await.expect("connection");
    let refused = transitions::accept_risk(&mut conn, &admin, &findings[0], now)
        .await
        .expect_err("disabled by default");
    assert_eq!(
        message(&refused),
        "Simple risk acceptance is disabled for this product."
    );
    bulk::execute(
        &mut conn,
        "UPDATE product SET enable_simple_risk_acceptance = TRUE WHERE id = $1",
        &[product.into()],
    )
    .await
    .expect("enable");
    let accepted = transitions::accept_risk(&mut conn, &admin, &findings[0], now)
        .await
        .expect("accept");
    assert!(accepted.risk_accepted && !accepted.active);
    let unaccepted = transitions::unaccept_risk(&mut conn, &admin, &accepted, now)
        .await
        .expect("unaccept");
    assert!(!unaccepted.risk_accepted && unaccepted.active);
    drop(conn);
    let notes: Vec<String> = notes_of(&db, &accepted)
        .await
        .into_iter()
        .map(|(entry, _)| entry)
        .collect();
    assert_eq!(
        notes,
        vec![
            format!("admin ({}) has risk accepted this finding", app.user.id),
            format!(
                "admin ({}) removed a risk exception from this finding",
                app.user.id
            ),
        ]
    );
});

db_test!(a_web_close_needs_each_mandatory_note_type, |db| {
    let app = App::new(&db).await;
    let (findings, _) = imported(&app, "Shop", &["xss"]).await;
    let admin = caller(&db, &app.user).await;
    let mut conn = db.conn().await.expect("connection");
    let note_type = repo::note_types::insert(
        &mut conn,
        &NoteType {
            name: "Remediation".into(),
            is_mandatory: true,
            is_active: true,
            ..NoteType::default()
        },
    )
    .await
    .expect("note type");
    let refused = transitions::close(
        &mut conn,
        &admin,
        &findings[0],
        &Close::mitigate(None),
        Utc::now(),
    )
    .await
    .expect_err("mandatory note missing");
    assert_eq!(
        message(&refused),
        "Closing this finding needs a note of each mandatory note type: Remediation."
    );
    let note = NewNote {
        entry: "patched in 2.4".into(),
        private: false,
        note_type: Some(note_type.id),
    };
    let closed = transitions::close(
        &mut conn,
        &admin,
        &findings[0],
        &Close::mitigate(Some(note)),
        Utc::now(),
    )
    .await
    .expect("close with the note");
    assert!(closed.is_mitigated);
    let planned = NaiveDate::from_ymd_opt(2027, 1, 15);
    let dated =
        transitions::set_planned_remediation_date(&mut conn, &admin, &closed, planned, Utc::now())
            .await
            .expect("date");
    assert_eq!(dated.planned_remediation_date, planned);
});

async fn false_positive_history(db: &Db, retroactive: bool) {
    let mut conn = db.conn().await.expect("connection");
    let mut system = settings::load(&mut conn).await.expect("settings");
    system.enable_deduplication = false;
    system.false_positive_history = true;
    system.retroactive_false_positive_history = retroactive;
    settings::save(&mut conn, &system).await.expect("save");
}

db_test!(
    false_positive_history_carries_across_imports_of_the_product,
    |db| {
        let app = App::new(&db).await;
        false_positive_history(&db, false).await;
        let (first, product) = imported(&app, "Shop", &["sqli", "xss"]).await;
        // Marked through the API, as a pipeline's triage script would.
        let (status, body) = send(
            &app,
            &app.token,
            "PATCH",
            &format!("/api/v2/findings/{}/", first[1].id),
            Some(json!({"false_p": true, "verified": false})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let (second, same_product) = imported(&app, "Shop", &["sqli", "xss"]).await;
        assert_eq!(same_product, product);
        assert!(second[1].false_p && !second[1].active && !second[1].verified);
        assert!(!second[0].false_p && second[0].active);

        // Another product keeps its own history.
        let (elsewhere, _) = imported(&app, "Other", &["xss"]).await;
        assert!(!elsewhere[0].false_p && elsewhere[0].active);

        // Without retroactive history, marking does not touch older equals.
        let admin = caller(&db, &app.user).await;
        let mut conn = db.conn().await.expect("connection");
        transitions::mark_false_positive(&mut conn, &admin, &second[0], Utc::now())
            .await
            .expect("mark");
        drop(conn);
        assert!(reload(&db, &first[0]).await.active);
    }
);

db_test!(
    retroactive_history_marks_and_unmarks_every_equal_finding,
    |db| {
        let app = App::new(&db).await;
        false_positive_history(&db, true).await;
        let (first, _) = imported(&app, "Shop", &["sqli", "xss"]).await;
        let (second, _) = imported(&app, "Shop", &["sqli", "xss"]).await;
        let (elsewhere, _) = imported(&app, "Other", &["xss"]).await;
        let admin = caller(&db, &app.user).await;

        let mut conn = db.conn().await.expect("connection");
        let marked = transitions::mark_false_positive(&mut conn, &admin, &second[1], Utc::now())
            .await
            .expect("mark");
        drop(conn);
        let older = reload(&db, &first[1]).await;
        assert!(older.false_p && !older.active && !older.verified);
        assert!(reload(&db, &first[0]).await.active, "sqli is not equal");
        assert!(reload(&db, &elsewhere[0]).await.active, "other product");

        let mut conn = db.conn().await.expect("connection");
        transitions::unmark_false_positive(&mut conn, &admin, &marked, Utc::now())
            .await
            .expect("unmark");
        drop(conn);
        let older = reload(&db, &first[1]).await;
        assert!(!older.false_p && older.active && !older.is_mitigated);

        // A later import of an equal finding, with one false positive in the
        // product again, marks the older active equals too.
        let mut conn = db.conn().await.expect("connection");
        transitions::mark_false_positive(&mut conn, &admin, &older, Utc::now())
            .await
            .expect("mark again");
        drop(conn);
        let (third, _) = imported(&app, "Shop", &["xss"]).await;
        assert!(third[0].false_p && !third[0].active);
        assert!(reload(&db, &second[1]).await.false_p);
    }
);

db_test!(a_template_made_from_a_finding_applies_to_another, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic_with(vec![
        (
            "SQL injection in /search",
            "Critical",
            json!({"cwe": 89, "mitigation": "Bind parameters.", "impact": "Data theft.",
                   "vulnerability_ids": "CVE-2026-1", "component_name": "search",
                   "endpoints": [{"host": "shop.example.com", "protocol": "https", "path": "search"}]}),
        ),
        ("scanner noise", "Low", json!({})),
    ]);
    let body = app.import(generic_form(engagement.id, &report)).await;
    let mut findings = app.findings(id(&body["test_id"])).await;
    findings.sort_by(|a, b| a.title.cmp(&b.title));
    let (sqli, noise) = (&findings[0], &findings[1]);
    let admin = caller(&db, &app.user).await;
    let mut conn = db.conn().await.expect("connection");

    let template = templates::create_from_finding(&mut conn, &admin, sqli)
        .await
        .expect("make template");
    assert_eq!(template.title, "SQL injection in /search");
    assert_eq!(template.cwe, Some(89));
    assert_eq!(
        template.vulnerability_ids_text.as_deref(),
        Some("CVE-2026-1")
    );
    assert_eq!(
        template.endpoints_text.as_deref(),
        Some("https://shop.example.com/search")
    );
    let again = templates::create_from_finding(&mut conn, &admin, sqli)
        .await
        .expect_err("same title");
    assert_eq!(
        message(&again),
        "A finding template with this title already exists."
    );

    let mut template = template;
    template.notes = Some("Apply the standard fix.".into());
    template.vulnerability_ids_text = Some("CVE-2026-1\nCVE-2026-2".into());
    let template = repo::finding_templates::update(&mut conn, &template)
        .await
        .expect("update");
    let applied = templates::apply(&mut conn, &admin, noise, &template, Utc::now())
        .await
        .expect("apply");
    assert_eq!(applied.title, "SQL injection in /search");
    assert_eq!(applied.severity, dojo_domain::Severity::Critical);
    assert_eq!(applied.numerical_severity, "S0");
    assert_eq!(applied.cwe, 89);
    assert_eq!(applied.mitigation.as_deref(), Some("Bind parameters."));
    assert_eq!(applied.component_name.as_deref(), Some("search"));
    // Critical: 7 days from the finding's date under the default SLA.
    assert_eq!(
        applied.sla_expiration_date,
        applied.date.checked_add_days(chrono::Days::new(7))
    );
    let ids = repo::findings::vulnerability_ids(&mut conn, applied.id)
        .await
        .expect("ids");
    assert_eq!(ids, vec!["CVE-2026-1", "CVE-2026-2"]);
    let used = repo::finding_templates::get(&mut conn, template.id)
        .await
        .expect("template");
    assert!(used.last_used.is_some());
    drop(conn);
    assert_eq!(endpoint_flags(&db, &applied).await.len(), 1);
    assert_eq!(
        notes_of(&db, &applied).await,
        vec![("Apply the standard fix.".to_owned(), false)]
    );

    // Managing templates is a superuser right, as on the API.
    let writer = member_user(&app, "writer", engagement.product_id, Role::Writer).await;
    let writer = caller(&db, &writer).await;
    let mut conn = db.conn().await.expect("connection");
    let refused = templates::apply(&mut conn, &writer, noise, &template, Utc::now())
        .await
        .expect_err("not a superuser");
    assert_eq!(status_of(refused), StatusCode::FORBIDDEN);
});
