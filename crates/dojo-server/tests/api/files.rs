//! `{findings,engagements,tests}/{id}/files/`, `files/download/{file_id}/`,
//! `access_file/…` and risk acceptance proofs: what is uploaded is listed and
//! comes back byte for byte as a download, never inline; refused uploads and
//! deleted objects leave nothing on disk.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use dojo_domain::Role;
use dojo_server::files::{Category, FileStore};
use dojo_storage::links::{self, Link};
use dojo_storage::{bulk, db_test};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::import::*;
use crate::support::{state, Form};

/// An app whose uploads go to `dir`, limited to `max_bytes`.
fn with_store(app: App, dir: &Path, max_bytes: u64) -> App {
    let files = FileStore::new(dir).with_max_bytes(max_bytes);
    App {
        app: dojo_server::router(state(&app.db).with_files(files)),
        ..app
    }
}

fn upload(title: Option<&str>, file_name: &str, bytes: &[u8]) -> Form {
    let form = Form::new();
    let form = match title {
        Some(title) => form.text("title", title),
        None => form,
    };
    form.file("file", file_name, bytes)
}

/// Every file under `dir`.
fn stored(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("folder") {
                pending.push(entry.expect("entry").path());
            }
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A GET as `token`: status, headers and the raw body.
async fn raw(app: &App, token: &str, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header("Authorization", format!("Token {token}"))
        .header("Host", "dojo.test")
        .body(Body::empty())
        .expect("request");
    let response = app.app.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, bytes)
}

fn assert_download(headers: &HeaderMap, name: &str) {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{name}\"")),
        "{disposition}"
    );
}

struct Fixture {
    app: App,
    engagement: i64,
    product: i64,
    test: i64,
    findings: Vec<i64>,
}

async fn fixture(db: &dojo_storage::Db, dir: &Path, max_bytes: u64) -> Fixture {
    let app = with_store(App::new(db).await, dir, max_bytes);
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High"), ("Sqli", "Low")]);
    let body = app.import(generic_form(engagement.id, &report)).await;
    let test = body["test_id"].as_i64().expect("test id");
    let findings = app.findings(test).await.iter().map(|f| f.id).collect();
    Fixture {
        app,
        engagement: engagement.id,
        product: engagement.product_id,
        test,
        findings,
    }
}

db_test!(
    files_are_uploaded_listed_and_downloaded_as_attachments,
    |db| {
        let dir = tempfile::tempdir().expect("folder");
        let fx = fixture(&db, dir.path(), 1024 * 1024).await;
        let app = &fx.app;
        let finding = fx.findings[0];
        for (collection, id, key, model) in [
            ("findings", finding, "finding_id", "Finding"),
            ("tests", fx.test, "test_id", "Test"),
            ("engagements", fx.engagement, "engagement_id", "Engagement"),
        ] {
            // HTML is in DefectDojo's default list: it must come back as a
            // download, never as a page.
            let bytes = format!("<html><script>alert('{collection}')</script></html>\n\0\u{1}");
            let title = format!("Evidence of {collection}");
            let path = format!("/api/v2/{collection}/{id}/files/");
            let (status, created) = app
                .send(
                    &path,
                    upload(Some(&title), "../../page.HTML", bytes.as_bytes()),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{collection}: {created}");
            let file_id = created["id"].as_i64().expect("file id");
            // The site's URL is the request's (the form sends no Host).
            let access = format!("/access_file/{file_id}/{id}/{model}");
            assert_eq!(
                created,
                json!({"id": file_id, "title": title, "file": format!("http://localhost{access}")})
            );
            let url = format!("http://dojo.test{access}");

            let (status, listed) = send(app, &app.token, "GET", &path, None).await;
            assert_eq!(status, StatusCode::OK, "{listed}");
            assert_eq!(
                listed,
                json!({key: id, "files": [{"id": file_id, "title": title, "file": url}]})
            );

            let name = format!("{title}.html");
            let download = format!("/api/v2/{collection}/{id}/files/download/{file_id}/");
            for url in [download, format!("/access_file/{file_id}/{id}/{model}")] {
                let (status, headers, body) = raw(app, &app.token, &url).await;
                assert_eq!(status, StatusCode::OK, "{url}");
                assert_eq!(body, bytes.as_bytes(), "{url}");
                assert_download(&headers, &name);
            }

            // The object's own answer lists the file.
            let (status, object) = send(
                app,
                &app.token,
                "GET",
                &format!("/api/v2/{collection}/{id}/"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{object}");
            let expected = if collection == "findings" {
                json!([file_id])
            } else {
                json!([{"id": file_id, "title": title, "file": format!("/access_file/{file_id}/{id}/{model}")}])
            };
            assert_eq!(object["files"], expected, "{collection}");
        }
        // On disk: random names with the extension, never the client's name.
        let files = stored(dir.path());
        assert_eq!(files.len(), 3, "{files:?}");
        for file in &files {
            let relative = file.strip_prefix(dir.path()).expect("inside the store");
            let name = relative.to_string_lossy();
            assert!(name.starts_with("uploaded_files/"), "{name}");
            assert!(name.ends_with(".html") && !name.contains("page"), "{name}");
        }
    }
);

db_test!(refused_uploads_leave_nothing_behind, |db| {
    let dir = tempfile::tempdir().expect("folder");
    let fx = fixture(&db, dir.path(), 16).await;
    let app = &fx.app;
    let finding = fx.findings[0];
    let path = format!("/api/v2/findings/{finding}/files/");

    let (status, body) = app
        .send(&path, upload(Some("Tool"), "tool.exe", b"MZ"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["non_field_errors"][0].as_str().unwrap_or_default();
    assert!(
        message
            .starts_with("Unsupported extension. Supported extensions are as follows: .txt, .pdf"),
        "{body}"
    );

    let (status, body) = app
        .send(&path, upload(Some("Big"), "big.txt", &[b'x'; 17]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body,
        json!({"file": ["The file is too large. Maximum supported size is 16 bytes"]})
    );

    let (status, body) = app.send(&path, upload(None, "a.txt", b"a")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body, json!({"title": ["This field is required."]}));
    let (status, body) = app.send(&path, Form::new().text("title", "No file")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body, json!({"file": ["No file was submitted."]}));
    let (status, body) = app.send(&path, upload(Some("Empty"), "e.txt", b"")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body, json!({"file": ["The submitted file is empty."]}));

    // Multipart only.
    let (status, body) = send(app, &app.token, "POST", &path, Some(json!({"title": "x"}))).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");

    // One upload succeeds; the same title again is refused after its bytes
    // were received, and they are removed.
    let (status, first) = app
        .send(&path, upload(Some("Notes"), "a.txt", b"first"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let other = format!("/api/v2/findings/{}/files/", fx.findings[1]);
    let (status, body) = app
        .send(&other, upload(Some("Notes"), "b.txt", b"second"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body,
        json!({"title": ["file upload with this title already exists."]})
    );
    assert_eq!(
        stored(dir.path()).len(),
        1,
        "only the accepted upload is on disk"
    );

    // A file of another finding is not this one's.
    let file_id = first["id"].as_i64().expect("id");
    let (status, body) = send(
        app,
        &app.token,
        "GET",
        &format!(
            "/api/v2/findings/{}/files/download/{file_id}/",
            fx.findings[1]
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "File ID not associated with Finding"})
    );
    let (status, _, _) = raw(
        app,
        &app.token,
        &format!("/access_file/{file_id}/{}/Finding", fx.findings[1]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = raw(
        app,
        &app.token,
        &format!("/access_file/{file_id}/{finding}/Product"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A Reader sees and downloads but may not upload; a stranger sees nothing.
    let reader = member(app, "reader", fx.product, Role::Reader).await;
    let (status, body) = app
        .send_as(&reader, &path, upload(Some("R"), "r.txt", b"r"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let download = format!("/api/v2/findings/{finding}/files/download/{file_id}/");
    let (status, _, bytes) = raw(app, &reader, &download).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &b"first"[..]));
    let (_, stranger) = user_with_token(&db, "stranger", false).await;
    let (status, _) = app
        .send_as(&stranger, &path, upload(Some("S"), "s.txt", b"s"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for url in [
        path.clone(),
        download,
        format!("/access_file/{file_id}/{finding}/Finding"),
    ] {
        let (status, _, bytes) = raw(app, &stranger, &url).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        assert!(!bytes.windows(5).any(|w| w == b"first"), "{url}");
    }
    assert_eq!(stored(dir.path()).len(), 1);
});

db_test!(deleting_objects_removes_their_files_from_disk, |db| {
    let dir = tempfile::tempdir().expect("folder");
    let fx = fixture(&db, dir.path(), 1024).await;
    let app = &fx.app;
    let mut on_disk = Vec::new();
    for (n, path) in [
        format!("/api/v2/findings/{}/files/", fx.findings[0]),
        format!("/api/v2/findings/{}/files/", fx.findings[1]),
        format!("/api/v2/tests/{}/files/", fx.test),
        format!("/api/v2/engagements/{}/files/", fx.engagement),
    ]
    .into_iter()
    .enumerate()
    {
        let before = stored(dir.path());
        let (status, body) = app
            .send(&path, upload(Some(&format!("File {n}")), "f.txt", b"bytes"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let new: Vec<PathBuf> = stored(dir.path())
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        assert_eq!(new.len(), 1);
        on_disk.push(new[0].clone());
    }
    let (status, _) = send(
        app,
        &app.token,
        "DELETE",
        &format!("/api/v2/findings/{}/", fx.findings[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!on_disk[0].exists(), "the deleted finding's file is gone");
    assert!(on_disk[1..].iter().all(|p| p.exists()));
    assert_eq!(app.count("file_upload").await, 3);

    let (status, _) = send(
        app,
        &app.token,
        "DELETE",
        &format!("/api/v2/engagements/{}/", fx.engagement),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        on_disk.iter().all(|p| !p.exists()),
        "{:?}",
        stored(dir.path())
    );
    assert_eq!(app.count("file_upload").await, 0);
});

db_test!(risk_acceptance_proofs_are_downloaded_and_removed, |db| {
    let dir = tempfile::tempdir().expect("folder");
    let fx = fixture(&db, dir.path(), 1024).await;
    let app = &fx.app;
    let store = FileStore::new(dir.path()).with_max_bytes(1024);
    let ra = {
        let mut conn = db.conn().await.expect("connection");
        let rows: Vec<(i64,)> = bulk::fetch_all(
            &mut conn,
            "INSERT INTO risk_acceptance (name, owner_id, created, updated) \
             VALUES ('Accepted', $1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00') RETURNING id",
            &[app.user.id.into()],
        )
        .await
        .expect("risk acceptance");
        links::add(
            &mut conn,
            Link::EngagementRiskAcceptance,
            fx.engagement,
            rows[0].0,
        )
        .await
        .expect("link");
        rows[0].0
    };
    let item = format!("/api/v2/risk_acceptance/{ra}/");
    let proof = format!("{item}download_proof/");
    let (status, body) = send(app, &app.token, "GET", &proof, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "Proof has not provided to this risk acceptance..."})
    );
    let (_, body) = send(app, &app.token, "GET", &item, None).await;
    assert_eq!(body["path"], "No proof has been supplied");

    // Not allowed, not attached, nothing left.
    let refused = store
        .stage_bytes(Category::RiskProof, "proof.exe", b"MZ")
        .await;
    assert!(refused.is_err());
    assert!(stored(dir.path()).is_empty());

    let pdf = b"%PDF-1.4 signed by the CISO";
    let staged = store
        .stage_bytes(Category::RiskProof, "signed.pdf", pdf)
        .await
        .expect("staged");
    let first = staged.path().to_path_buf();
    let relative = staged.stored_name().to_owned();
    let today = chrono::Utc::now().format("risk/%Y/%m/%d/").to_string();
    assert!(
        relative.starts_with(&today) && relative.ends_with(".pdf"),
        "{relative}"
    );
    dojo_server::lifecycle::risk_acceptance::attach_proof(&db, &store, ra, staged)
        .await
        .expect("attached");
    let (_, body) = send(app, &app.token, "GET", &item, None).await;
    assert_eq!(body["path"], proof.as_str());
    let (status, headers, bytes) = raw(app, &app.token, &proof).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf);
    let name = relative.rsplit('/').next().expect("name");
    assert_download(&headers, name);

    // A Reader may not act on risk acceptances: 404, no bytes.
    let reader = member(app, "ra-reader", fx.product, Role::Reader).await;
    let (status, _, bytes) = raw(app, &reader, &proof).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!bytes.starts_with(b"%PDF"));

    // A new proof replaces the old file.
    let staged = store
        .stage_bytes(Category::RiskProof, "again.pdf", b"%PDF second")
        .await
        .expect("staged");
    let second = staged.path().to_path_buf();
    dojo_server::lifecycle::risk_acceptance::attach_proof(&db, &store, ra, staged)
        .await
        .expect("attached");
    assert!(!first.exists() && second.exists());
    let (_, _, bytes) = raw(app, &app.token, &proof).await;
    assert_eq!(bytes, b"%PDF second");

    let (status, body) = send(app, &app.token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!second.exists());
    assert!(stored(dir.path()).is_empty());
});
