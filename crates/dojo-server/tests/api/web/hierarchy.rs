//! The product hierarchy pages: product types, products, engagements and
//! tests, seen and changed through the browser, with the API's rights.

use axum::http::StatusCode;
use dojo_domain::entities::{Engagement, Product, ProductType, ProductTypeMember, Test};
use dojo_domain::{EngagementStatus, Role};
use dojo_storage::db_test;
use dojo_storage::repo::{engagements, product_types, products, tests};
use dojo_storage::{bulk, Db};

use crate::import::{generic, generic_form, App, GENERIC, REIMPORT};
use crate::support::Form;
use crate::web::{member_of_product, person, signed_in, site, Browser, Site, PASSWORD};

/// Two products, each with an engagement and a test of three imported
/// findings (Critical, High, Low): "Shop" and "Bank".
struct Portfolio {
    app: App,
    shop: Product,
    shop_engagement: Engagement,
    shop_test: i64,
    bank: Product,
    bank_engagement: Engagement,
    bank_test: i64,
}

const FINDINGS: &[(&str, &str)] = &[
    ("Injection", "Critical"),
    ("Cross-site scripting", "High"),
    ("Verbose banner", "Low"),
];

async fn portfolio(db: &Db) -> Portfolio {
    let app = App::new(db).await;
    let shop_engagement = app.engagement("Shop", "Shop pentest", false).await;
    let bank_engagement = app.engagement("Bank", "Bank audit", false).await;
    let shop = app
        .import(generic_form(shop_engagement.id, &generic(FINDINGS)))
        .await;
    let bank = app
        .import(generic_form(bank_engagement.id, &generic(FINDINGS)))
        .await;
    let mut conn = db.conn().await.expect("connection");
    let shop_product = products::get(&mut conn, shop_engagement.product_id)
        .await
        .expect("shop");
    let bank_product = products::get(&mut conn, bank_engagement.product_id)
        .await
        .expect("bank");
    Portfolio {
        shop: shop_product,
        bank: bank_product,
        shop_test: shop["test_id"].as_i64().expect("test id"),
        bank_test: bank["test_id"].as_i64().expect("test id"),
        shop_engagement,
        bank_engagement,
        app,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    let mut conn = db.conn().await.expect("connection");
    let rows: Vec<(i64,)> = bulk::fetch_all(&mut conn, sql, &[]).await.expect("count");
    rows.first().map_or(0, |r| r.0)
}

async fn engagement(site: &Site, id: i64) -> Engagement {
    let mut conn = site.db.conn().await.expect("connection");
    engagements::get(&mut conn, id).await.expect("engagement")
}

/// The id at the end of a redirect to `/<prefix>/{id}`.
fn id_in(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.parse().ok())
        .unwrap_or_else(|| panic!("{location} is not {prefix}<id>"))
}

db_test!(lists_show_only_what_the_viewer_may_see, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut reader = member_of_product(&site, "rita", p.shop.id, Role::Reader).await;

    let list = reader.get(&site, "/product").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains(">Shop</a>"), "{}", list.body);
    assert!(!list.body.contains(">Bank</a>"), "{}", list.body);
    // The open findings by severity link to the filtered findings list.
    assert!(list.body.contains(&format!(
        "/finding?test__engagement__product={}&#38;severity=Critical&#38;active=true\">1</a>",
        p.shop.id
    )));

    let types = reader.get(&site, "/product/type").await;
    assert_eq!(types.status, StatusCode::OK);
    // A product membership does not show the product type in the list.
    assert!(!types.body.contains("Bank type"), "{}", types.body);

    let engagements = reader.get(&site, "/engagement").await;
    assert_eq!(engagements.status, StatusCode::OK);
    assert!(engagements.body.contains("Shop pentest"));
    assert!(!engagements.body.contains("Bank audit"));

    for path in [
        format!("/product/{}", p.bank.id),
        format!("/product/{}/edit", p.bank.id),
        format!("/product/type/{}", p.bank.prod_type_id),
        format!("/engagement/{}", p.bank_engagement.id),
        format!("/test/{}", p.bank_test),
        format!("/test/{}/delete", p.bank_test),
    ] {
        let page = reader.get(&site, &path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        format!("/product/{}", p.shop.id),
        format!("/engagement/{}", p.shop_engagement.id),
        format!("/test/{}", p.shop_test),
    ] {
        let page = reader.get(&site, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }

    // A superuser sees both, filtered by name.
    let mut admin = signed_in(&site, "root", true).await;
    let all = admin.get(&site, "/product").await;
    assert!(all.body.contains(">Shop</a>") && all.body.contains(">Bank</a>"));
    let filtered = admin.get(&site, "/product?name=ban").await;
    assert!(!filtered.body.contains(">Shop</a>") && filtered.body.contains(">Bank</a>"));
    let types = admin.get(&site, "/product/type?o=-critical").await;
    assert!(types.body.contains("Shop type") && types.body.contains("Bank type"));
    let closed = admin.get(&site, "/engagement?active=false").await;
    assert!(!closed.body.contains("Shop pentest"), "{}", closed.body);
});

db_test!(
    a_reader_sees_no_edit_buttons_and_may_not_change_anything,
    |db| {
        let p = portfolio(&db).await;
        let site = site(&db);
        let mut reader = member_of_product(&site, "rita", p.shop.id, Role::Reader).await;

        let product = reader.get(&site, &format!("/product/{}", p.shop.id)).await;
        assert_eq!(product.status, StatusCode::OK);
        assert!(product.body.contains("Shop pentest"));
        for link in ["/edit\"", "/delete\"", "/new_engagement\"", "/add_member\""] {
            assert!(!product.body.contains(link), "{link}");
        }
        let engagement_page = reader
            .get(&site, &format!("/engagement/{}", p.shop_engagement.id))
            .await;
        assert!(!engagement_page.body.contains("/close\""));
        assert!(!engagement_page.body.contains("/import_scan_results\""));
        let test_page = reader.get(&site, &format!("/test/{}", p.shop_test)).await;
        assert!(!test_page.body.contains("/re_import_scan_results\""));

        for path in [
            format!("/product/{}/edit", p.shop.id),
            format!("/product/{}/delete", p.shop.id),
            format!("/engagement/{}/edit", p.shop_engagement.id),
            format!("/engagement/{}/delete", p.shop_engagement.id),
            format!("/test/{}/delete", p.shop_test),
            format!("/product/{}/new_engagement", p.shop.id),
            format!("/engagement/{}/add_tests", p.shop_engagement.id),
        ] {
            let page = reader.get(&site, &path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "GET {path}");
        }
        for (path, fields) in [
            (
                format!("/product/{}/edit", p.shop.id),
                vec![("description", "changed")],
            ),
            (format!("/product/{}/delete", p.shop.id), vec![]),
            (
                format!("/engagement/{}/close", p.shop_engagement.id),
                vec![],
            ),
            (
                format!("/engagement/{}/delete", p.shop_engagement.id),
                vec![],
            ),
            (format!("/test/{}/delete", p.shop_test), vec![]),
            ("/product/type/add".to_owned(), vec![("name", "Mine")]),
        ] {
            let answer = reader.submit(&site, &product, &path, &fields).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "POST {path}");
        }
        let unchanged = engagement(&site, p.shop_engagement.id).await;
        assert!(unchanged.active);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM test").await, 2);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM product WHERE description = 'changed'"
            )
            .await,
            0
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM product_type").await, 2);
    }
);

db_test!(
    forms_create_edit_close_reopen_and_delete_the_hierarchy,
    |db| {
        let site = site(&db);
        let mut admin = signed_in(&site, "root", true).await;

        // Product type.
        let form = admin.get(&site, "/product/type/add").await;
        assert_eq!(form.status, StatusCode::OK);
        let created = admin
            .submit(
                &site,
                &form,
                "/product/type/add",
                &[
                    ("name", "Web"),
                    ("description", "Web apps"),
                    ("key_product", "on"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::FOUND, "{}", created.body);
        let type_id = id_in(created.location(), "/product/type/");
        let mut conn = db.conn().await.expect("connection");
        let saved: ProductType = product_types::get(&mut conn, type_id).await.expect("type");
        assert!(saved.key_product && !saved.critical_product);
        drop(conn);
        let page = admin
            .get(&site, &format!("/product/type/{type_id}/edit"))
            .await;
        assert!(page.body.contains("value=\"Web\""));
        let edited = admin
            .submit(
                &site,
                &page,
                &format!("/product/type/{type_id}/edit"),
                &[("name", "Web"), ("description", "Browsers")],
            )
            .await;
        assert_eq!(edited.status, StatusCode::FOUND, "{}", edited.body);
        let mut conn = db.conn().await.expect("connection");
        let saved = product_types::get(&mut conn, type_id).await.expect("type");
        assert_eq!(saved.description.as_deref(), Some("Browsers"));
        // An unticked box is saved as false.
        assert!(!saved.key_product);
        drop(conn);

        // A duplicate name comes back as the form with the API's message.
        let again = admin
            .submit(&site, &page, "/product/type/add", &[("name", "Web")])
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("role=\"alert\""), "{}", again.body);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM product_type WHERE name = 'Web'").await,
            1
        );

        // Product.
        let form = admin
            .get(&site, &format!("/product/add?prod_type={type_id}"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains(&format!(
            "<option value=\"{type_id}\" selected>Web</option>"
        )));
        let created = admin
            .submit(
                &site,
                &form,
                "/product/add",
                &[
                    ("name", "Portal"),
                    ("description", "Customer portal"),
                    ("prod_type", &type_id.to_string()),
                    ("platform", "web"),
                    ("tags", "pci,public"),
                    ("internet_accessible", "on"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::FOUND, "{}", created.body);
        let product_id = id_in(created.location(), "/product/");
        let view = admin.get(&site, &format!("/product/{product_id}")).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.body);
        assert!(view.body.contains("Customer portal") && view.body.contains(">pci</span>"));
        let page = admin
            .get(&site, &format!("/product/{product_id}/edit"))
            .await;
        assert!(page.body.contains("value=\"pci,public\""), "{}", page.body);
        let edited = admin
            .submit(
                &site,
                &page,
                &format!("/product/{product_id}/edit"),
                &[
                    ("name", "Portal"),
                    ("description", "New portal"),
                    ("prod_type", &type_id.to_string()),
                    ("user_records", "1200"),
                    ("tags", "pci"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::FOUND, "{}", edited.body);
        let mut conn = db.conn().await.expect("connection");
        let product = products::get(&mut conn, product_id).await.expect("product");
        assert_eq!(product.description, "New portal");
        assert_eq!(product.user_records, Some(1200));
        assert!(!product.internet_accessible);
        drop(conn);
        let tagged = admin.get(&site, "/product?tag=pci").await;
        assert!(tagged.body.contains(">Portal</a>"), "{}", tagged.body);
        let untagged = admin.get(&site, "/product?tag=public").await;
        assert!(!untagged.body.contains(">Portal</a>"));

        // Engagement, closed and reopened.
        person(&db, "outsider", false).await;
        let form = admin
            .get(&site, &format!("/product/{product_id}/new_engagement"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        // Leads are people who may open the product.
        assert!(form.body.contains(">root</option>"));
        assert!(!form.body.contains(">outsider</option>"), "{}", form.body);
        let created = admin
            .submit(
                &site,
                &form,
                &format!("/product/{product_id}/new_engagement"),
                &[
                    ("name", "Q3 review"),
                    ("target_start", "2026-05-01"),
                    ("target_end", "2026-05-08"),
                    ("status", "In Progress"),
                    ("engagement_type", "Interactive"),
                    ("lead", ""),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::FOUND, "{}", created.body);
        let engagement_id = id_in(created.location(), "/engagement/");
        let saved = engagement(&site, engagement_id).await;
        assert_eq!(saved.product_id, product_id);
        assert_eq!(saved.name.as_deref(), Some("Q3 review"));
        let view = admin
            .get(&site, &format!("/engagement/{engagement_id}"))
            .await;
        assert!(view
            .body
            .contains(&format!("/engagement/{engagement_id}/close")));
        let closed = admin
            .submit(
                &site,
                &view,
                &format!("/engagement/{engagement_id}/close"),
                &[],
            )
            .await;
        assert_eq!(closed.status, StatusCode::FOUND);
        let saved = engagement(&site, engagement_id).await;
        assert!(!saved.active);
        assert_eq!(saved.status, EngagementStatus::Completed);
        let view = admin
            .get(&site, &format!("/engagement/{engagement_id}"))
            .await;
        assert!(view
            .body
            .contains(&format!("/engagement/{engagement_id}/reopen")));
        let reopened = admin
            .submit(
                &site,
                &view,
                &format!("/engagement/{engagement_id}/reopen"),
                &[],
            )
            .await;
        assert_eq!(reopened.status, StatusCode::FOUND);
        let saved = engagement(&site, engagement_id).await;
        assert!(saved.active);
        assert_eq!(saved.status, EngagementStatus::InProgress);
        let page = admin
            .get(&site, &format!("/engagement/{engagement_id}/edit"))
            .await;
        let edited = admin
            .submit(
                &site,
                &page,
                &format!("/engagement/{engagement_id}/edit"),
                &[
                    ("name", "Q3 review"),
                    ("version", "2.1"),
                    ("target_start", "2026-05-01"),
                    ("target_end", "2026-05-20"),
                    ("status", "In Progress"),
                    ("engagement_type", "CI/CD"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::FOUND, "{}", edited.body);
        let saved = engagement(&site, engagement_id).await;
        assert_eq!(saved.version.as_deref(), Some("2.1"));
        assert_eq!(saved.target_end.to_string(), "2026-05-20");

        // Test.
        let mut conn = db.conn().await.expect("connection");
        bulk::execute(
            &mut conn,
            "INSERT INTO test_type (name) VALUES ('Hierarchy manual test')",
            &[],
        )
        .await
        .expect("test type");
        drop(conn);
        let test_type = count(
            &db,
            "SELECT id FROM test_type WHERE name = 'Hierarchy manual test'",
        )
        .await;
        let form = admin
            .get(&site, &format!("/engagement/{engagement_id}/add_tests"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let created = admin
            .submit(
                &site,
                &form,
                &format!("/engagement/{engagement_id}/add_tests"),
                &[
                    ("title", "Manual test"),
                    ("test_type", &test_type.to_string()),
                    ("target_start", "2026-05-01T09:00"),
                    ("target_end", "2026-05-02T17:30"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::FOUND, "{}", created.body);
        let test_id = id_in(created.location(), "/test/");
        let page = admin.get(&site, &format!("/test/{test_id}/edit")).await;
        assert!(
            page.body.contains("value=\"2026-05-02T17:30\""),
            "{}",
            page.body
        );
        let edited = admin
            .submit(
                &site,
                &page,
                &format!("/test/{test_id}/edit"),
                &[
                    ("title", "Manual retest"),
                    ("test_type", &test_type.to_string()),
                    ("target_start", "2026-05-01T09:00"),
                    ("target_end", "2026-05-03T10:00"),
                    ("branch_tag", "main"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::FOUND, "{}", edited.body);
        let mut conn = db.conn().await.expect("connection");
        let test: Test = tests::get(&mut conn, test_id).await.expect("test");
        assert_eq!(test.title.as_deref(), Some("Manual retest"));
        assert_eq!(test.branch_tag.as_deref(), Some("main"));
        drop(conn);

        // Deleting the test, then the product type with what is left under it.
        let confirm = admin.get(&site, &format!("/test/{test_id}/delete")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        let deleted = admin
            .submit(&site, &confirm, &format!("/test/{test_id}/delete"), &[])
            .await;
        assert_eq!(deleted.status, StatusCode::FOUND);
        assert_eq!(deleted.location(), format!("/engagement/{engagement_id}"));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM test").await, 0);
        let confirm = admin
            .get(&site, &format!("/product/type/{type_id}/delete"))
            .await;
        assert_eq!(confirm.status, StatusCode::OK);
        for (model, n) in [("Product Type", 1), ("Product", 1), ("Engagement", 1)] {
            assert!(
                confirm.body.contains(&format!(
                    "<tr><td>{model}</td><td class=\"num\">{n}</td></tr>"
                )),
                "{model}: {}",
                confirm.body
            );
        }
        let deleted = admin
            .submit(
                &site,
                &confirm,
                &format!("/product/type/{type_id}/delete"),
                &[],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::FOUND);
        assert_eq!(deleted.location(), "/product/type");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM product_type").await, 0);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM engagement").await, 0);
    }
);

db_test!(delete_confirmation_counts_the_cascade, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut owner = member_of_product(&site, "olga", p.shop.id, Role::Owner).await;
    let confirm = owner
        .get(&site, &format!("/product/{}/delete", p.shop.id))
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    for (model, n) in [
        ("Product", 1),
        ("Engagement", 1),
        ("Test", 1),
        ("Finding", 3),
    ] {
        assert!(
            confirm.body.contains(&format!(
                "<tr><td>{model}</td><td class=\"num\">{n}</td></tr>"
            )),
            "{model}: {}",
            confirm.body
        );
    }
    let deleted = owner
        .submit(
            &site,
            &confirm,
            &format!("/product/{}/delete", p.shop.id),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::FOUND);
    assert_eq!(deleted.location(), "/product");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM product").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM finding").await, 3);
});

db_test!(the_test_page_shows_findings_and_import_history, |db| {
    let p = portfolio(&db).await;
    // Reimport: the banner is gone, one new finding; two stay untouched.
    let report = generic(&[
        ("Injection", "Critical"),
        ("Cross-site scripting", "High"),
        ("Open redirect", "Medium"),
    ]);
    let form = Form::new()
        .text("scan_type", GENERIC)
        .text("test", &p.shop_test.to_string())
        .text("version", "1.4.2")
        .text("branch_tag", "release")
        .file("file", "report.json", &report);
    let (status, body) = p.app.send(REIMPORT, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let site = site(&db);
    let mut reader = member_of_product(&site, "rita", p.shop.id, Role::Reader).await;
    let page = reader.get(&site, &format!("/test/{}", p.shop_test)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1–4 of 4"), "{}", page.body);
    assert!(page.body.contains("Open redirect"));
    assert!(page.body.contains("Mitigated"));
    let history = &page.body[page.body.find("id=\"imports\"").expect("import history")..];
    let reimport = history.find("<td>reimport</td>").expect("the reimport row");
    let import = history.find("<td>import</td>").expect("the import row");
    // Newest first: the reimport, then the import.
    assert!(reimport < import);
    assert!(history.contains(
        "<td>reimport</td><td>1.4.2</td><td>—</td><td>—</td><td>release</td>\n          \
         <td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">2</td>"
    ), "{history}");
    assert!(history.contains(
        "<td class=\"num\">3</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td>"
    ), "{history}");

    // 25 findings a page.
    let many: Vec<(String, &str)> = (0..30).map(|n| (format!("Issue {n:02}"), "Info")).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    let imported = p
        .app
        .import(generic_form(p.shop_engagement.id, &generic(&many)))
        .await;
    let big = imported["test_id"].as_i64().expect("test id");
    let first = reader.get(&site, &format!("/test/{big}")).await;
    assert!(first.body.contains("1–25 of 30"), "{}", first.body);
    let second = reader.get(&site, &format!("/test/{big}?page=2")).await;
    assert!(second.body.contains("26–30 of 30"));
    assert_eq!(second.body.matches("href=\"/finding/").count(), 5);
});

db_test!(forms_without_a_csrf_token_are_refused, |db| {
    let p = portfolio(&db).await;
    let site = site(&db);
    let mut admin = signed_in(&site, "root", true).await;
    let answer = admin
        .post_form(&site, "/product/type/add", &[("name", "Sneaky")])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = admin
        .post_form(
            &site,
            &format!("/engagement/{}/close", p.shop_engagement.id),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = admin
        .post_form(&site, &format!("/product/{}/delete", p.shop.id), &[])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM product_type WHERE name = 'Sneaky'"
        )
        .await,
        0
    );
    assert!(engagement(&site, p.shop_engagement.id).await.active);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM product").await, 2);
    // Signed out, a page sends the browser to sign in.
    let mut stranger = Browser::default();
    let answer = stranger.get(&site, "/product").await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert!(answer.location().starts_with("/login"));
});

db_test!(
    the_viewer_saves_their_own_notifications_for_a_product,
    |db| {
        let p = portfolio(&db).await;
        let site = site(&db);
        let mut reader = member_of_product(&site, "rita", p.shop.id, Role::Reader).await;
        let page = reader.get(&site, &format!("/product/{}", p.shop.id)).await;
        assert!(page.body.contains("name=\"scan_added\" value=\"mail\""));
        assert!(
            !page.body.contains(" checked>"),
            "nothing ticked before saving"
        );
        let path = format!("/product/{}/notifications", p.shop.id);
        let saved = reader
            .submit(
                &site,
                &page,
                &path,
                &[
                    ("engagement_added", "alert"),
                    ("engagement_added", "mail"),
                    ("scan_added", "alert"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::FOUND, "{}", saved.body);
        let mut conn = db.conn().await.expect("connection");
        let rows: Vec<(String, String, String)> = bulk::fetch_all(
            &mut conn,
            "SELECT engagement_added, scan_added, test_added FROM notifications \
         WHERE product_id = $1",
            &[p.shop.id.into()],
        )
        .await
        .expect("settings");
        drop(conn);
        assert_eq!(rows.len(), 1);
        let (engagement_added, scan_added, test_added) = &rows[0];
        let mut channels: Vec<&str> = engagement_added.split(',').collect();
        channels.sort_unstable();
        assert_eq!(channels, ["alert", "mail"]);
        assert_eq!(scan_added, "alert");
        assert_eq!(test_added, "");
        let page = reader.get(&site, &format!("/product/{}", p.shop.id)).await;
        assert!(page.body.contains(
            "name=\"scan_added\" value=\"alert\" aria-label=\"Scan added: alert\" checked>"
        ));
        // Saving again updates the same row.
        let again = reader.submit(&site, &page, &path, &[]).await;
        assert_eq!(again.status, StatusCode::FOUND);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM notifications WHERE product_id IS NOT NULL"
            )
            .await,
            1
        );
        // Another product's settings are out of reach.
        let other = reader
            .submit(
                &site,
                &page,
                &format!("/product/{}/notifications", p.bank.id),
                &[],
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    a_product_type_page_lists_products_and_members_with_the_roles_rights,
    |db| {
        let p = portfolio(&db).await;
        let site = site(&db);
        let user = person(&db, "mia", false).await;
        let mut conn = db.conn().await.expect("connection");
        dojo_storage::repo::product_type_members::insert(
            &mut conn,
            &ProductTypeMember {
                id: 0,
                product_type_id: p.shop.prod_type_id,
                user_id: user.id,
                role_id: Role::Maintainer.id(),
            },
        )
        .await
        .expect("membership");
        drop(conn);
        let mut mia = Browser::default();
        let answer = mia.sign_in(&site, "mia", PASSWORD, "/").await;
        assert_eq!(answer.status, StatusCode::FOUND);

        let list = mia.get(&site, "/product/type").await;
        assert!(list.body.contains("Shop type") && !list.body.contains("Bank type"));
        assert!(list.body.contains(&format!(
            "<a href=\"/product?prod_type={}\">1</a>",
            p.shop.prod_type_id
        )));
        let path = format!("/product/type/{}", p.shop.prod_type_id);
        let page = mia.get(&site, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("<td>mia</td><td>Maintainer</td>"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains(&format!("href=\"/product/{}\">Shop</a>", p.shop.id)));
        for link in ["/add_member\"", "/add_group\"", "/edit\""] {
            assert!(page.body.contains(link), "{link}");
        }
        // Deleting a product type takes Owner.
        assert!(!page.body.contains("/delete\""));
        let confirm = mia.get(&site, &format!("{path}/delete")).await;
        assert_eq!(confirm.status, StatusCode::FORBIDDEN);
        let refused = mia
            .submit(&site, &page, &format!("{path}/delete"), &[])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM product_type").await, 2);
        let edited = mia
            .submit(
                &site,
                &page,
                &format!("{path}/edit"),
                &[
                    ("name", "Shop type"),
                    ("description", "Retail"),
                    ("critical_product", "on"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::FOUND, "{}", edited.body);
        let mut conn = db.conn().await.expect("connection");
        let saved = product_types::get(&mut conn, p.shop.prod_type_id)
            .await
            .expect("type");
        assert!(saved.critical_product);
        assert_eq!(saved.description.as_deref(), Some("Retail"));
        // A Maintainer of the type may not add product types.
        let add = mia.get(&site, "/product/type/add").await;
        assert_eq!(add.status, StatusCode::FORBIDDEN);
    }
);

db_test!(a_product_page_shows_open_findings_and_the_sla, |db| {
    let p = portfolio(&db).await;
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "UPDATE finding SET sla_expiration_date = '2020-01-01' \
         WHERE product_id = $1 AND severity = 'Critical'",
        &[p.shop.id.into()],
    )
    .await
    .expect("overdue finding");
    bulk::execute(
        &mut conn,
        "UPDATE product SET product_manager_id = $1 WHERE id = $2",
        &[p.app.user.id.into(), p.shop.id.into()],
    )
    .await
    .expect("manager");
    bulk::execute(
        &mut conn,
        "INSERT INTO app_analysis (product_id, name, user_id, version, created) \
         VALUES ($1, 'nginx', $2, '1.25', $3)",
        &[
            p.shop.id.into(),
            p.app.user.id.into(),
            chrono::Utc::now().into(),
        ],
    )
    .await
    .expect("technology");
    bulk::execute(
        &mut conn,
        "INSERT INTO regulation (name, acronym, category, jurisdiction) \
         VALUES ('Payment Card Industry', 'PCI', 'finance', 'global')",
        &[],
    )
    .await
    .expect("regulation");
    bulk::execute(
        &mut conn,
        "INSERT INTO product_regulation (product_id, regulation_id) \
         SELECT $1, id FROM regulation WHERE acronym = 'PCI'",
        &[p.shop.id.into()],
    )
    .await
    .expect("product regulation");
    drop(conn);
    let site = site(&db);
    let mut reader = member_of_product(&site, "rita", p.shop.id, Role::Reader).await;
    let page = reader.get(&site, &format!("/product/{}", p.shop.id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Open findings (3)"), "{}", page.body);
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains(&format!(
        "<a href=\"/finding?test__engagement__product={}&#38;severity=High&#38;active=true\">1</a>",
        p.shop.id
    )));
    let sla = &page.body[page.body.find("id=\"sla\"").expect("the SLA table")..];
    let critical = &sla[sla.find("sev-Critical").expect("Critical row")..];
    let row = &critical[..critical.find("</tr>").expect("row end")];
    let breached = format!(
        "days</td><td class=\"num\"><a href=\"/finding?test__engagement__product={}&amp;severity=Critical&amp;duplicate=false&amp;sla=breached\">1</a></td>",
        p.shop.id
    );
    assert!(row.ends_with(&breached), "{row}");
    let high = &sla[sla.find("sev-High").expect("High row")..];
    let row = &high[..high.find("</tr>").expect("row end")];
    assert!(row.ends_with("days</td><td class=\"num\">0</td>"), "{row}");
    assert!(
        page.body.contains("<dt>Product manager</dt><dd>admin</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td>rita</td><td>Reader</td>"));
    assert!(page.body.contains("<li>nginx 1.25</li>"), "{}", page.body);
    assert!(page.body.contains("<li>Payment Card Industry (PCI)</li>"));
});
