//! The findings pages: the list with its filters, sorting, paging and bulk
//! actions; one finding with its transitions, notes and files; the edit and
//! delete forms; and who may see and do what.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dojo_domain::entities::{Finding, NoteType};
use dojo_domain::Role;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{bulk, db_test, repo, Db};
use serde_json::json;

use super::{member_of_product, signed_in, site, Answer, Browser, Site};
use crate::import::*;

/// Two products: A with three findings (Alpha Critical, Bravo High with CWE
/// 89, Charlie Low tagged "pci"; Alpha dated 2020), B with one (Delta).
struct Portfolio {
    a: Vec<Finding>,
    b: Vec<Finding>,
    product_a: i64,
    product_b: i64,
}

async fn portfolio(db: &Db) -> Portfolio {
    let app = App::new(db).await;
    let engagement_a = app.engagement("Product A", "CI", false).await;
    let report = generic_with(vec![
        ("Alpha-issue", "Critical", json!({})),
        ("Bravo-issue", "High", json!({"cwe": 89})),
        ("Charlie-issue", "Low", json!({})),
    ]);
    let body = app.import(generic_form(engagement_a.id, &report)).await;
    let mut a = app.findings(id(&body["test_id"])).await;
    a.sort_by(|x, y| x.title.cmp(&y.title));
    let engagement_b = app.engagement("Product B", "CI", false).await;
    let report = generic_with(vec![("Delta-issue", "Medium", json!({}))]);
    let body = app.import(generic_form(engagement_b.id, &report)).await;
    let b = app.findings(id(&body["test_id"])).await;
    let mut conn = db.conn().await.expect("connection");
    tags::set(&mut conn, Tagged::Finding, a[2].id, &["pci".to_owned()])
        .await
        .expect("tags");
    bulk::execute(
        &mut conn,
        "UPDATE finding SET date = $1 WHERE id = $2",
        &[
            chrono::NaiveDate::from_ymd_opt(2020, 3, 1)
                .expect("day")
                .into(),
            a[0].id.into(),
        ],
    )
    .await
    .expect("date");
    bulk::execute(
        &mut conn,
        "UPDATE product SET enable_simple_risk_acceptance = TRUE",
        &[],
    )
    .await
    .expect("simple risk acceptance");
    Portfolio {
        a,
        b,
        product_a: engagement_a.product_id,
        product_b: engagement_b.product_id,
    }
}

async fn reload(db: &Db, id: i64) -> Finding {
    let mut conn = db.conn().await.expect("connection");
    repo::findings::get(&mut conn, id).await.expect("finding")
}

/// The titles of the list page's rows, in order.
fn titles(page: &Answer) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> =
        ["Alpha-issue", "Bravo-issue", "Charlie-issue", "Delta-issue"]
            .into_iter()
            .filter_map(|t| page.body.find(&format!(">{t}</a>")).map(|at| (at, t)))
            .collect();
    found.sort();
    found.into_iter().map(|(_, t)| t).collect()
}

async fn list(browser: &mut Browser, site: &Site, query: &str) -> Vec<&'static str> {
    let page = browser.get(site, &format!("/finding{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    titles(&page)
}

db_test!(the_list_filters_sorts_and_pages, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut admin = signed_in(&site, "boss", true).await;
    let all = admin.get(&site, "/finding").await;
    assert!(all.body.contains("4 finding(s)"), "{}", all.body);
    assert_eq!(
        list(&mut admin, &site, "?severity=Critical&severity=Low&o=title").await,
        ["Alpha-issue", "Charlie-issue"]
    );
    assert_eq!(list(&mut admin, &site, "?cwe=89").await, ["Bravo-issue"]);
    assert_eq!(
        list(&mut admin, &site, "?tags=pci").await,
        ["Charlie-issue"]
    );
    assert_eq!(
        list(&mut admin, &site, "?date_to=2020-12-31").await,
        ["Alpha-issue"]
    );
    assert_eq!(
        list(&mut admin, &site, "?date_from=2021-01-01&o=title").await,
        ["Bravo-issue", "Charlie-issue", "Delta-issue"]
    );
    let product_b = format!("?test__engagement__product={}", p.product_b);
    assert_eq!(list(&mut admin, &site, &product_b).await, ["Delta-issue"]);
    assert_eq!(
        list(&mut admin, &site, "?title=charlie").await,
        ["Charlie-issue"]
    );
    // Closing Bravo takes it out of the open preset and into the closed one.
    let page = admin.get(&site, &format!("/finding/{}", p.a[1].id)).await;
    let closed = admin
        .submit(&site, &page, &format!("/finding/{}/close", p.a[1].id), &[])
        .await;
    assert_eq!(closed.status, StatusCode::FOUND, "{}", closed.body);
    let open = admin.get(&site, "/finding/open?o=title").await;
    assert_eq!(
        titles(&open),
        ["Alpha-issue", "Charlie-issue", "Delta-issue"]
    );
    let closed = admin.get(&site, "/finding/closed").await;
    assert_eq!(titles(&closed), ["Bravo-issue"]);
    assert_eq!(
        list(&mut admin, &site, "?active=false").await,
        ["Bravo-issue"]
    );
    // Sorting both ways, by severity (most severe first) and title.
    assert_eq!(
        list(&mut admin, &site, "?o=-product").await[0],
        "Delta-issue"
    );
    assert_eq!(
        list(&mut admin, &site, "?o=product").await[3],
        "Delta-issue"
    );
    assert_eq!(
        list(&mut admin, &site, "?o=-title").await,
        ["Delta-issue", "Charlie-issue", "Bravo-issue", "Alpha-issue"]
    );
    assert_eq!(
        list(&mut admin, &site, "?o=severity").await,
        ["Alpha-issue", "Bravo-issue", "Delta-issue", "Charlie-issue"]
    );
    // Paging: two per page, the second page has the rest, past the end none.
    let first = admin.get(&site, "/finding?o=title&page_size=2").await;
    assert_eq!(titles(&first), ["Alpha-issue", "Bravo-issue"]);
    assert!(first.body.contains("1–2 of 4"), "{}", first.body);
    assert_eq!(
        list(&mut admin, &site, "?o=title&page_size=2&page=2").await,
        ["Charlie-issue", "Delta-issue"]
    );
    assert!(list(&mut admin, &site, "?o=title&page_size=2&page=9")
        .await
        .is_empty());
    // A bad filter value is a 400 page, not an error.
    let bad = admin.get(&site, "/finding?cwe=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
});

db_test!(a_member_sees_only_their_products_findings, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut reader = member_of_product(&site, "reader", p.product_a, Role::Reader).await;
    assert_eq!(
        list(&mut reader, &site, "?o=title").await,
        ["Alpha-issue", "Bravo-issue", "Charlie-issue"]
    );
    let product_b = format!("?test__engagement__product={}", p.product_b);
    assert!(list(&mut reader, &site, &product_b).await.is_empty());
    let hidden = reader.get(&site, &format!("/finding/{}", p.b[0].id)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("Delta-issue"));
    // The reader sees A's finding, without the buttons of changes.
    let alpha = p.a[0].id;
    let page = reader.get(&site, &format!("/finding/{alpha}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Alpha-issue"));
    for action in ["close", "verify", "false_positive", "out_of_scope", "touch"] {
        assert!(
            !page.body.contains(&format!("/finding/{alpha}/{action}\"")),
            "{action}"
        );
    }
    assert!(!page.body.contains(&format!("/finding/{alpha}/edit")));
    assert!(!page.body.contains(&format!("/finding/{alpha}/delete")));
    for action in [
        "close",
        "verify",
        "false_positive",
        "simple_risk_accept",
        "touch",
    ] {
        let answer = reader
            .submit(&site, &page, &format!("/finding/{alpha}/{action}"), &[])
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{action}");
    }
    let edit = reader.get(&site, &format!("/finding/{alpha}/edit")).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let delete = reader
        .submit(&site, &page, &format!("/finding/{alpha}/delete"), &[])
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    for page in ["edit", "delete"] {
        let hidden = reader
            .get(&site, &format!("/finding/{}/{page}", p.b[0].id))
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{page}");
    }
    // B's finding stays a 404 for changes too.
    let other = reader
        .submit(&site, &page, &format!("/finding/{}/close", p.b[0].id), &[])
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let unchanged = reload(&db, alpha).await;
    assert!(unchanged.active && !unchanged.verified && !unchanged.false_p);
});

/// Posts a transition form from the finding's page; expects the redirect back.
async fn transition(
    mut browser: Browser,
    site: &Site,
    page: &Answer,
    id: i64,
    action: &str,
    fields: Vec<(&str, &str)>,
) {
    let url = format!("/finding/{id}/{action}");
    let answer = browser.submit(site, page, &url, &fields).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{url}: {}", answer.body);
    assert_eq!(answer.location(), format!("/finding/{id}"), "{url}");
}

db_test!(each_transition_form_changes_the_finding, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut writer = member_of_product(&site, "writer", p.product_a, Role::Writer).await;
    let id = p.a[0].id;
    let path = |action: &str| format!("/finding/{id}/{action}");
    let page = writer.get(&site, &format!("/finding/{id}")).await;
    assert!(page.body.contains(&format!("/finding/{id}/close\"")));
    let acting = writer.clone();
    let post = |action: &'static str, fields: Vec<(&'static str, &'static str)>| {
        transition(acting.clone(), &site, &page, id, action, fields)
    };
    post("verify", vec![]).await;
    assert!(reload(&db, id).await.verified);
    post("close", vec![("entry", "Fixed in 2.1")]).await;
    let f = reload(&db, id).await;
    assert!(f.is_mitigated && !f.active && f.mitigated.is_some());
    post("open", vec![]).await;
    let f = reload(&db, id).await;
    assert!(f.active && !f.is_mitigated);
    post("false_positive", vec![]).await;
    assert!(reload(&db, id).await.false_p);
    post("not_false_positive", vec![]).await;
    let f = reload(&db, id).await;
    assert!(!f.false_p && f.active);
    post("out_of_scope", vec![]).await;
    assert!(reload(&db, id).await.out_of_scope);
    post("in_scope", vec![]).await;
    assert!(!reload(&db, id).await.out_of_scope);
    post("simple_risk_accept", vec![]).await;
    let f = reload(&db, id).await;
    assert!(f.risk_accepted && !f.active);
    post("simple_risk_unaccept", vec![]).await;
    let f = reload(&db, id).await;
    assert!(!f.risk_accepted && f.active);
    post("touch", vec![]).await;
    assert!(reload(&db, id).await.last_reviewed.is_some());
    post(
        "planned_remediation",
        vec![("planned_remediation_date", "2027-01-31")],
    )
    .await;
    assert_eq!(
        reload(&db, id).await.planned_remediation_date,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 31)
    );
    // Review: the writer asks themself, then clears it as verified.
    let me = {
        let mut conn = db.conn().await.expect("connection");
        repo::users::find_by_username(&mut conn, "writer")
            .await
            .expect("lookup")
            .expect("user")
    };
    let reviewer = me.id.to_string();
    let answer = writer
        .submit(
            &site,
            &page,
            &path("request_review"),
            &[("reviewers", &reviewer), ("entry", "Please check")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert!(reload(&db, id).await.under_review);
    let again = writer.get(&site, &format!("/finding/{id}")).await;
    assert!(again.body.contains(&format!("/finding/{id}/clear_review")));
    post(
        "clear_review",
        vec![
            ("active", "on"),
            ("verified", "on"),
            ("entry", "Looks right"),
        ],
    )
    .await;
    let f = reload(&db, id).await;
    assert!(!f.under_review && f.verified && f.active);
    let shown = writer.get(&site, &format!("/finding/{id}")).await;
    assert!(shown.body.contains("Review Cleared: Looks right"));
    assert!(shown.body.contains("Fixed in 2.1"));
    // A mandatory note type must be used before a close.
    let mut conn = db.conn().await.expect("connection");
    repo::note_types::insert(
        &mut conn,
        &NoteType {
            name: "Root cause".into(),
            description: "Why".into(),
            is_mandatory: true,
            is_active: true,
            ..NoteType::default()
        },
    )
    .await
    .expect("note type");
    drop(conn);
    let answer = writer.submit(&site, &page, &path("close"), &[]).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert!(
        answer.location().contains("error="),
        "{}",
        answer.location()
    );
    let refused = writer.get(&site, answer.location()).await;
    assert!(refused.body.contains("Root cause"), "{}", refused.body);
    assert!(reload(&db, id).await.active);
    // An unknown action is a 404.
    let unknown = writer.submit(&site, &page, &path("explode"), &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
});

/// Posts the list's bulk form; answers where it redirects.
async fn bulk_post(
    mut browser: Browser,
    site: &Site,
    page: &Answer,
    action: &str,
    ids: Vec<String>,
    extra: Vec<(&str, &str)>,
) -> String {
    let mut fields: Vec<(&str, &str)> =
        vec![("action", action), ("next", "/finding?severity=Critical")];
    for id in &ids {
        fields.push(("finding", id));
    }
    fields.extend(extra);
    let answer = browser.submit(site, page, "/finding/bulk", &fields).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    answer.location().to_owned()
}

db_test!(bulk_actions_change_only_permitted_findings, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut writer = member_of_product(&site, "writer", p.product_a, Role::Writer).await;
    let page = writer.get(&site, "/finding?severity=Critical").await;
    let (alpha, bravo, charlie, delta) = (
        p.a[0].id.to_string(),
        p.a[1].id.to_string(),
        p.a[2].id.to_string(),
        p.b[0].id.to_string(),
    );
    let acting = writer.clone();
    let bulk =
        |action: &'static str, ids: Vec<String>, extra: Vec<(&'static str, &'static str)>| {
            bulk_post(acting.clone(), &site, &page, action, ids, extra)
        };
    let back = bulk("verify", vec![alpha.clone(), delta.clone()], vec![]).await;
    assert_eq!(back, "/finding?severity=Critical&done=1&refused=1");
    assert!(reload(&db, p.a[0].id).await.verified);
    assert!(!reload(&db, p.b[0].id).await.verified);
    let shown = writer.get(&site, &back).await;
    assert!(shown.body.contains("1 finding(s) changed, 1 refused."));
    let back = bulk(
        "tag",
        vec![alpha.clone(), delta.clone()],
        vec![("tags", "sprint-9")],
    )
    .await;
    assert!(back.ends_with("done=1&refused=1"), "{back}");
    let mut conn = db.conn().await.expect("connection");
    assert_eq!(
        tags::get(&mut conn, Tagged::Finding, p.a[0].id)
            .await
            .expect("tags"),
        ["sprint-9"]
    );
    assert!(tags::get(&mut conn, Tagged::Finding, p.b[0].id)
        .await
        .expect("tags")
        .is_empty());
    drop(conn);
    let back = bulk("close", vec![alpha.clone(), delta.clone()], vec![]).await;
    assert!(back.ends_with("done=1&refused=1"), "{back}");
    assert!(reload(&db, p.a[0].id).await.is_mitigated);
    assert!(reload(&db, p.b[0].id).await.active);
    let back = bulk("false_positive", vec![bravo.clone(), delta.clone()], vec![]).await;
    assert!(back.ends_with("done=1&refused=1"), "{back}");
    assert!(reload(&db, p.a[1].id).await.false_p);
    assert!(!reload(&db, p.b[0].id).await.false_p);
    let back = bulk("risk_accept", vec![charlie.clone(), delta.clone()], vec![]).await;
    assert!(back.ends_with("done=1&refused=1"), "{back}");
    assert!(reload(&db, p.a[2].id).await.risk_accepted);
    assert!(!reload(&db, p.b[0].id).await.risk_accepted);
    // A reader of A may change none of A's.
    let mut reader = member_of_product(&site, "reader", p.product_a, Role::Reader).await;
    let page = reader.get(&site, "/finding").await;
    let answer = reader
        .submit(
            &site,
            &page,
            "/finding/bulk",
            &[
                ("action", "verify"),
                ("finding", &bravo),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(answer.location(), "/finding?done=0&refused=1");
    assert!(!reload(&db, p.a[1].id).await.verified);
    // Without the CSRF token nothing happens.
    let forged = reader
        .post_form(
            &site,
            "/finding/bulk",
            &[("action", "verify"), ("finding", &alpha)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = writer
        .post_form(&site, &format!("/finding/{}/verify", p.a[1].id), &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!reload(&db, p.a[1].id).await.verified);
});

/// A multipart body with the CSRF field first, a title and a file.
fn multipart(token: &str, title: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----dojo-web-test-boundary";
    let mut body = Vec::new();
    for (name, value) in [("csrfmiddlewaretoken", token), ("title", title)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

db_test!(notes_and_files_on_the_finding_page, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut writer = member_of_product(&site, "writer", p.product_a, Role::Writer).await;
    let id = p.a[0].id;
    let page = writer.get(&site, &format!("/finding/{id}")).await;
    let answer = writer
        .submit(
            &site,
            &page,
            &format!("/finding/{id}/notes"),
            &[("entry", "Seen in production"), ("private", "on")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let shown = writer.get(&site, &format!("/finding/{id}")).await;
    assert!(shown.body.contains("Seen in production"));
    assert!(shown.body.contains("Private"));
    // A reader may add notes too (the API's notes action needs only sight).
    let mut reader = member_of_product(&site, "reader", p.product_a, Role::Reader).await;
    let page_r = reader.get(&site, &format!("/finding/{id}")).await;
    assert!(!page_r.body.contains(&format!("/finding/{id}/files\"")));
    let note = reader
        .submit(
            &site,
            &page_r,
            &format!("/finding/{id}/notes"),
            &[("entry", "Reader note")],
        )
        .await;
    assert_eq!(note.status, StatusCode::FOUND);
    // Upload, then download through the link the page shows.
    let token = Browser::token_in(&shown);
    let (content_type, body) = multipart(&token, "Proof of concept", "poc.txt", b"curl -X boom");
    let request =
        Request::post(format!("/finding/{id}/files")).header("content-type", content_type);
    let answer = writer.send(&site, request, Body::from(body)).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location(), format!("/finding/{id}"));
    let shown = writer.get(&site, &format!("/finding/{id}")).await;
    assert!(shown.body.contains("Proof of concept"), "{}", shown.body);
    let marker = "href=\"/access_file/";
    let start = shown.body.find(marker).expect("a file link") + 6;
    let end = start + shown.body[start..].find('"').expect("link end");
    let link = shown.body[start..end].to_owned();
    let download = writer.get(&site, &link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, "curl -X boom");
    // The reader may not upload; without the token nobody may.
    let (content_type, body) = multipart(&token, "Other", "other.txt", b"x");
    let request =
        Request::post(format!("/finding/{id}/files")).header("content-type", content_type);
    let refused = reader.send(&site, request, Body::from(body)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (content_type, body) = multipart("not-a-token", "Third", "third.txt", b"x");
    let request =
        Request::post(format!("/finding/{id}/files")).header("content-type", content_type);
    let forged = writer.send(&site, request, Body::from(body)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut conn = db.conn().await.expect("connection");
    let files: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT file_upload_id FROM finding_files WHERE finding_id = $1",
        &[id.into()],
    )
    .await
    .expect("files");
    assert_eq!(files.len(), 1);
});

db_test!(the_edit_form_saves_and_shows_field_errors, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut writer = member_of_product(&site, "writer", p.product_a, Role::Writer).await;
    let id = p.a[1].id;
    let form = writer.get(&site, &format!("/finding/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"Bravo-issue\""));
    let fields = |title: &'static str, cwe: &'static str| {
        vec![
            ("title", title),
            ("severity", "Medium"),
            ("description", "Injected SQL"),
            ("mitigation", "Bind parameters"),
            ("cwe", cwe),
            ("cvssv3_score", ""),
            ("line", "42"),
            ("tags", "sql, backend"),
            ("planned_remediation_date", "2027-02-01"),
        ]
    };
    let bad = writer
        .submit(
            &site,
            &form,
            &format!("/finding/{id}/edit"),
            &fields("", "89"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("This field may not be blank."),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Bind parameters"));
    assert_eq!(reload(&db, id).await.title, "Bravo-issue");
    let bad = writer
        .submit(
            &site,
            &form,
            &format!("/finding/{id}/edit"),
            &fields("Renamed", "x"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("field-error"), "{}", bad.body);
    let saved = writer
        .submit(
            &site,
            &form,
            &format!("/finding/{id}/edit"),
            &fields("SQL injection", "564"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::FOUND, "{}", saved.body);
    let f = reload(&db, id).await;
    assert_eq!(f.title, "SQL injection");
    assert_eq!(f.cwe, 564);
    assert_eq!(f.line, Some(42));
    assert_eq!(f.mitigation.as_deref(), Some("Bind parameters"));
    assert_eq!(f.severity.to_string(), "Medium");
    let mut conn = db.conn().await.expect("connection");
    let mut tags = tags::get(&mut conn, Tagged::Finding, id)
        .await
        .expect("tags");
    tags.sort();
    assert_eq!(tags, ["backend", "sql"]);
});

db_test!(delete_asks_first_then_deletes, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut admin = signed_in(&site, "boss", true).await;
    let id = p.a[2].id;
    let confirm = admin.get(&site, &format!("/finding/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Charlie-issue"));
    let gone = admin
        .submit(&site, &confirm, &format!("/finding/{id}/delete"), &[])
        .await;
    assert_eq!(gone.status, StatusCode::FOUND);
    let list = admin.get(&site, gone.location()).await;
    assert!(list.body.contains("The finding was deleted."));
    assert!(!list.body.contains("Charlie-issue"));
    let mut conn = db.conn().await.expect("connection");
    assert!(repo::findings::find(&mut conn, id)
        .await
        .expect("lookup")
        .is_none());
    drop(conn);
    let page = admin.get(&site, &format!("/finding/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
});
