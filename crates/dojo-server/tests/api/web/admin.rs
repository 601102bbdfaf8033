//! Configuration and people pages: SLA configurations, finding templates,
//! users, groups, memberships, the profile with its password and API token,
//! and alerts.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use dojo_domain::entities::{Alert, Group, GroupMember, ProductTypeMember};
use dojo_domain::Role;
use dojo_storage::repo::{alerts, group_members, groups, product_type_members, users};
use dojo_storage::{bulk, db_test, Db};

use crate::import::{generic, generic_form, App};
use crate::web::{member_of_product, person, signed_in, site, Answer, Browser, Site, PASSWORD};

async fn scalar(db: &Db, sql: &str, params: &[bulk::Param]) -> i64 {
    let mut conn = db.conn().await.expect("connection");
    let rows: Vec<(i64,)> = bulk::fetch_all(&mut conn, sql, params)
        .await
        .expect("query");
    rows.first().map_or(0, |r| r.0)
}

async fn text(db: &Db, sql: &str, params: &[bulk::Param]) -> Option<String> {
    let mut conn = db.conn().await.expect("connection");
    let rows: Vec<(Option<String>,)> = bulk::fetch_all(&mut conn, sql, params)
        .await
        .expect("query");
    rows.into_iter().next().and_then(|r| r.0)
}

/// Opens `page` and posts `fields` to `action` with the page's CSRF token.
async fn post_from(
    browser: &mut Browser,
    site: &Site,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let shown = browser.get(site, page).await;
    assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.body);
    browser.submit(site, &shown, action, fields).await
}

fn redirected(answer: &Answer, to: &str) {
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location(), to);
}

db_test!(configuration_and_people_pages_refuse_other_users, |db| {
    let site = site(&db);
    let target = person(&db, "target", false).await;
    let mut browser = signed_in(&site, "plain", false).await;
    let home = browser.get(&site, "/profile").await;
    assert_eq!(home.status, StatusCode::OK);
    for path in [
        "/user".to_owned(),
        "/user/add".to_owned(),
        format!("/user/{}", target.id),
        format!("/user/{}/edit", target.id),
        format!("/user/{}/delete", target.id),
        "/sla_config".to_owned(),
        "/sla_config/add".to_owned(),
        "/sla_config/1/edit".to_owned(),
        "/template".to_owned(),
        "/template/add".to_owned(),
        "/group/add".to_owned(),
    ] {
        let answer = browser.get(&site, &path).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "GET {path}");
    }
    for (path, fields) in [
        (
            "/user/add".to_owned(),
            vec![
                ("username", "sneaky"),
                ("email", "s@example.com"),
                ("password", PASSWORD),
            ],
        ),
        (
            format!("/user/{}/edit", target.id),
            vec![
                ("username", "target"),
                ("email", "t@example.com"),
                ("is_superuser", "on"),
            ],
        ),
        (format!("/user/{}/delete", target.id), vec![]),
        (
            "/sla_config/add".to_owned(),
            vec![("name", "Mine"), ("critical", "1")],
        ),
        (
            "/sla_config/1/edit".to_owned(),
            vec![("name", "Default"), ("critical", "1")],
        ),
        ("/sla_config/1/delete".to_owned(), vec![]),
        ("/template/add".to_owned(), vec![("title", "Mine")]),
        ("/group/add".to_owned(), vec![("name", "Mine")]),
    ] {
        let answer = browser.submit(&site, &home, &path, &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    let mut conn = db.conn().await.expect("connection");
    let still = users::get(&mut conn, target.id)
        .await
        .expect("target stays");
    assert!(!still.is_superuser);
    drop(conn);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM dojo_user WHERE username = 'sneaky'",
            &[]
        )
        .await,
        0
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM dojo_group", &[]).await, 0);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM finding_template", &[]).await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT critical FROM sla_configuration WHERE id = 1",
            &[]
        )
        .await,
        7
    );

    // A group the user is not in is hidden (404), as the API hides it; the
    // list shows only the user's own groups.
    let mut conn = db.conn().await.expect("connection");
    let hidden = groups::insert(
        &mut conn,
        &Group {
            name: "Hidden".into(),
            ..Group::default()
        },
    )
    .await
    .expect("group");
    drop(conn);
    for path in [
        format!("/group/{}", hidden.id),
        format!("/group/{}/edit", hidden.id),
        format!("/group/{}/add_member", hidden.id),
    ] {
        let answer = browser.get(&site, &path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let list = browser.get(&site, "/group").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Hidden"), "{}", list.body);
});

db_test!(a_form_without_its_csrf_token_is_refused, |db| {
    let site = site(&db);
    let mut browser = signed_in(&site, "boss", true).await;
    for (path, fields) in [
        ("/profile", vec![("first_name", "Mallory")]),
        ("/template/add", vec![("title", "Forged")]),
        ("/delete_alerts", vec![]),
        ("/api/key-v2", vec![]),
    ] {
        let answer = browser.post_form(&site, path, &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "POST {path}");
        assert!(
            answer.body.contains("CSRF verification failed"),
            "{}",
            answer.body
        );
    }
    let mut conn = db.conn().await.expect("connection");
    let boss = users::find_by_username(&mut conn, "boss")
        .await
        .expect("lookup")
        .expect("boss");
    assert_eq!(boss.first_name, "");
    drop(conn);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM finding_template", &[]).await,
        0
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM api_token", &[]).await, 0);
});

db_test!(
    saving_an_sla_configuration_recomputes_expiration_dates,
    |db| {
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let import = app
            .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
            .await;
        let test = import["test_id"].as_i64().expect("test");
        let finding = app.findings(test).await.remove(0);
        let start = finding.date;
        let days = |n: u64| start.checked_add_days(chrono::Days::new(n));
        assert_eq!(finding.sla_expiration_date, days(30));

        let site = site(&db);
        let mut browser = signed_in(&site, "boss", true).await;
        let list = browser.get(&site, "/sla_config").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("/sla_config/1/edit"), "{}", list.body);
        assert!(
            list.body.contains("<td class=\"num\">1</td>"),
            "one product: {}",
            list.body
        );

        let form = browser.get(&site, "/sla_config/1/edit").await;
        assert_eq!(form.status, StatusCode::OK);
        let name = text(&db, "SELECT name FROM sla_configuration WHERE id = 1", &[])
            .await
            .expect("name");
        assert!(
            form.body.contains(&format!("value=\"{name}\"")),
            "{}",
            form.body
        );
        let fields = [
            ("name", name.as_str()),
            ("critical", "7"),
            ("high", "5"),
            ("medium", "90"),
            ("low", "120"),
            ("enforce_critical", "on"),
            ("enforce_high", "on"),
            ("enforce_medium", "on"),
            ("enforce_low", "on"),
        ];
        let bad = browser
            .submit(
                &site,
                &form,
                "/sla_config/1/edit",
                &[
                    ("name", name.as_str()),
                    ("high", "0"),
                    ("critical", "7"),
                    ("medium", "90"),
                    ("low", "120"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.body.contains("SLA Days must be at least 1"),
            "{}",
            bad.body
        );
        let saved = browser
            .submit(&site, &form, "/sla_config/1/edit", &fields)
            .await;
        redirected(&saved, "/sla_config");
        let finding = app.findings(test).await.remove(0);
        assert_eq!(finding.sla_expiration_date, days(5));
        assert_eq!(
            scalar(&db, "SELECT high FROM sla_configuration WHERE id = 1", &[]).await,
            5
        );

        // The default configuration and one in use are kept, with the API's
        // messages; an unused one goes.
        let refused = browser
            .submit(&site, &form, "/sla_config/1/delete", &[])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused
                .body
                .contains("Unable to delete default SLA Configuration"),
            "{}",
            refused.body
        );
        let added = post_from(
            &mut browser,
            &site,
            "/sla_config/add",
            "/sla_config/add",
            &[
                ("name", "Spare"),
                ("critical", "1"),
                ("high", "2"),
                ("medium", "3"),
                ("low", "4"),
            ],
        )
        .await;
        redirected(&added, "/sla_config");
        let spare = scalar(
            &db,
            "SELECT id FROM sla_configuration WHERE name = 'Spare'",
            &[],
        )
        .await;
        assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM sla_configuration WHERE name = 'Spare' AND enforce_high = FALSE", &[]).await,
        1,
        "unticked boxes are saved as off"
    );
        let mut conn = db.conn().await.expect("connection");
        bulk::execute(
            &mut conn,
            "UPDATE product SET sla_configuration_id = $1 WHERE id = $2",
            &[spare.into(), engagement.product_id.into()],
        )
        .await
        .expect("move product");
        drop(conn);
        let in_use = browser
            .submit(&site, &form, &format!("/sla_config/{spare}/delete"), &[])
            .await;
        assert_eq!(in_use.status, StatusCode::BAD_REQUEST);
        assert!(
            in_use.body.contains("Product.sla_configuration"),
            "{}",
            in_use.body
        );
        let mut conn = db.conn().await.expect("connection");
        bulk::execute(
            &mut conn,
            "UPDATE product SET sla_configuration_id = 1 WHERE id = $1",
            &[engagement.product_id.into()],
        )
        .await
        .expect("move back");
        drop(conn);
        let gone = browser
            .submit(&site, &form, &format!("/sla_config/{spare}/delete"), &[])
            .await;
        redirected(&gone, "/sla_config");
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM sla_configuration WHERE name = 'Spare'",
                &[]
            )
            .await,
            0
        );
    }
);

db_test!(
    finding_templates_are_added_searched_edited_and_deleted,
    |db| {
        let site = site(&db);
        let mut browser = signed_in(&site, "boss", true).await;
        let missing = post_from(
            &mut browser,
            &site,
            "/template/add",
            "/template/add",
            &[("title", ""), ("cwe", "79")],
        )
        .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert!(
            missing.body.contains("title: This field may not be blank."),
            "{}",
            missing.body
        );
        assert!(
            missing.body.contains("value=\"79\""),
            "the form keeps what was typed"
        );
        let bad_score = post_from(
            &mut browser,
            &site,
            "/template/add",
            "/template/add",
            &[("title", "XSS"), ("cvssv3_score", "11")],
        )
        .await;
        assert_eq!(bad_score.status, StatusCode::BAD_REQUEST);
        assert!(
            bad_score.body.contains("cvssv3 score:"),
            "{}",
            bad_score.body
        );
        for (title, severity) in [("Reflected XSS", "High"), ("SQL injection", "Critical")] {
            let added = post_from(
                &mut browser,
                &site,
                "/template/add",
                "/template/add",
                &[
                    ("title", title),
                    ("severity", severity),
                    ("cwe", "79"),
                    ("description", "About it"),
                ],
            )
            .await;
            redirected(&added, "/template");
        }
        let list = browser.get(&site, "/template?title=xss").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Reflected XSS"), "{}", list.body);
        assert!(!list.body.contains("SQL injection"), "{}", list.body);
        assert!(list.body.contains("1–1 of 1"), "{}", list.body);

        let id = scalar(
            &db,
            "SELECT id FROM finding_template WHERE title = 'Reflected XSS'",
            &[],
        )
        .await;
        let edit = format!("/template/{id}/edit");
        let form = browser.get(&site, &edit).await;
        assert!(form.body.contains("About it"), "{}", form.body);
        let saved = browser
            .submit(
                &site,
                &form,
                &edit,
                &[
                    ("title", "Stored XSS"),
                    ("severity", "Medium"),
                    ("cwe", ""),
                    ("description", ""),
                ],
            )
            .await;
        redirected(&saved, "/template");
        assert_eq!(
            text(
                &db,
                "SELECT title FROM finding_template WHERE id = $1",
                &[id.into()]
            )
            .await
            .as_deref(),
            Some("Stored XSS")
        );
        assert_eq!(
            text(
                &db,
                "SELECT severity FROM finding_template WHERE id = $1",
                &[id.into()]
            )
            .await
            .as_deref(),
            Some("Medium")
        );
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM finding_template WHERE id = $1 AND cwe IS NULL AND description IS NULL", &[id.into()]).await, 1);

        let deleted = browser
            .submit(&site, &form, &format!("/template/{id}/delete"), &[])
            .await;
        redirected(&deleted, "/template");
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM finding_template", &[]).await,
            1
        );
        let gone = browser.get(&site, &edit).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
);

db_test!(superusers_add_edit_and_delete_users, |db| {
    let site = site(&db);
    let mut browser = signed_in(&site, "boss", true).await;
    let weak = post_from(
        &mut browser,
        &site,
        "/user/add",
        "/user/add",
        &[
            ("username", "alice"),
            ("email", "alice@example.com"),
            ("password", "short"),
            ("is_active", "on"),
        ],
    )
    .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(weak.body.contains("password:"), "{}", weak.body);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM dojo_user WHERE username = 'alice'",
            &[]
        )
        .await,
        0
    );

    let reader = Role::Reader.id().to_string();
    let added = post_from(
        &mut browser,
        &site,
        "/user/add",
        "/user/add",
        &[
            ("username", "alice"),
            ("first_name", "Alice"),
            ("last_name", "Liddell"),
            ("email", "alice@example.com"),
            ("password", PASSWORD),
            ("is_active", "on"),
            ("global_role", &reader),
        ],
    )
    .await;
    let alice = scalar(
        &db,
        "SELECT id FROM dojo_user WHERE username = 'alice'",
        &[],
    )
    .await;
    redirected(&added, &format!("/user/{alice}"));
    assert_eq!(
        scalar(
            &db,
            "SELECT role_id FROM global_role WHERE user_id = $1",
            &[alice.into()]
        )
        .await,
        Role::Reader.id()
    );
    let taken = post_from(
        &mut browser,
        &site,
        "/user/add",
        "/user/add",
        &[
            ("username", "alice"),
            ("email", "a2@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(
        taken
            .body
            .contains("A user with that username already exists."),
        "{}",
        taken.body
    );

    let page = browser.get(&site, &format!("/user/{alice}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in ["Alice Liddell", "alice@example.com", "Reader"] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let list = browser.get(&site, "/user?q=LIDD").await;
    assert!(list.body.contains(">alice<"), "{}", list.body);
    assert!(list.body.contains("1–1 of 1"), "only alice: {}", list.body);

    // Editing: inactive, no global role; alice can no longer sign in.
    let edit = format!("/user/{alice}/edit");
    let saved = post_from(
        &mut browser,
        &site,
        &edit,
        &edit,
        &[
            ("username", "alice"),
            ("email", "alice@example.org"),
            ("global_role", ""),
        ],
    )
    .await;
    redirected(&saved, &format!("/user/{alice}"));
    let mut conn = db.conn().await.expect("connection");
    let row = users::get(&mut conn, alice).await.expect("alice");
    assert!(!row.is_active);
    assert_eq!(row.email, "alice@example.org");
    drop(conn);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM global_role WHERE user_id = $1",
            &[alice.into()]
        )
        .await,
        0
    );

    // Nobody deletes themselves; others go after a confirmation.
    let boss = scalar(&db, "SELECT id FROM dojo_user WHERE username = 'boss'", &[]).await;
    let own = browser.get(&site, &format!("/user/{boss}/delete")).await;
    assert!(
        own.body.contains("Users may not delete themselves"),
        "{}",
        own.body
    );
    let refused = browser
        .submit(&site, &own, &format!("/user/{boss}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("Users may not delete themselves"));
    let confirm = browser.get(&site, &format!("/user/{alice}/delete")).await;
    assert!(
        confirm.body.contains("This cannot be undone"),
        "{}",
        confirm.body
    );
    let deleted = browser
        .submit(&site, &confirm, &format!("/user/{alice}/delete"), &[])
        .await;
    redirected(&deleted, "/user");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM dojo_user WHERE id = $1",
            &[alice.into()]
        )
        .await,
        0
    );
    assert_eq!(
        browser.get(&site, &format!("/user/{alice}")).await.status,
        StatusCode::NOT_FOUND
    );
});

db_test!(memberships_follow_the_maintainer_and_owner_rules, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let product = engagement.product_id;
    let product_type = scalar(
        &db,
        "SELECT prod_type_id FROM product WHERE id = $1",
        &[product.into()],
    )
    .await;
    let site = site(&db);
    let maintainer = person(&db, "maint", false).await;
    let owner = person(&db, "own", false).await;
    let carol = person(&db, "carol", false).await;
    person(&db, "outsider", false).await;
    let mut conn = db.conn().await.expect("connection");
    for (user, role) in [(maintainer.id, Role::Maintainer), (owner.id, Role::Owner)] {
        product_type_members::insert(
            &mut conn,
            &ProductTypeMember {
                id: 0,
                product_type_id: product_type,
                user_id: user,
                role_id: role.id(),
            },
        )
        .await
        .expect("membership");
    }
    drop(conn);
    let sign_in = |name: &'static str| {
        let site = &site;
        async move {
            let mut browser = Browser::default();
            let answer = browser.sign_in(site, name, PASSWORD, "/").await;
            assert_eq!(answer.status, StatusCode::FOUND);
            browser
        }
    };

    // Someone without a role on the product does not see it: 404.
    let mut outsider = sign_in("outsider").await;
    let hidden = outsider
        .get(&site, &format!("/product/{product}/add_member"))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let hidden = outsider
        .get(&site, &format!("/product/type/{product_type}/add_member"))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // A Maintainer adds Writers but may not make Owners.
    let mut maint = sign_in("maint").await;
    let add = format!("/product/{product}/add_member");
    let owner_role = Role::Owner.id().to_string();
    let writer_role = Role::Writer.id().to_string();
    let as_owner = post_from(
        &mut maint,
        &site,
        &add,
        &add,
        &[("user", "carol"), ("role", &owner_role)],
    )
    .await;
    assert_eq!(as_owner.status, StatusCode::FORBIDDEN, "{}", as_owner.body);
    assert!(
        as_owner
            .body
            .contains("not permitted to add a member as Owner"),
        "{}",
        as_owner.body
    );
    let unknown = post_from(
        &mut maint,
        &site,
        &add,
        &add,
        &[("user", "nobody"), ("role", &writer_role)],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("There is no user named"),
        "{}",
        unknown.body
    );
    let added = post_from(
        &mut maint,
        &site,
        &add,
        &add,
        &[("user", "carol"), ("role", &writer_role)],
    )
    .await;
    redirected(&added, &format!("/product/{product}"));
    let row = scalar(
        &db,
        "SELECT id FROM product_member WHERE product_id = $1 AND user_id = $2",
        &[product.into(), carol.id.into()],
    )
    .await;
    assert!(row > 0);
    let twice = post_from(
        &mut maint,
        &site,
        &add,
        &add,
        &[("user", "carol"), ("role", &writer_role)],
    )
    .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    assert!(
        twice.body.contains("Product_Member already exists"),
        "{}",
        twice.body
    );

    let edit = format!("/product_member/{row}/edit");
    let promote = post_from(&mut maint, &site, &edit, &edit, &[("role", &owner_role)]).await;
    assert_eq!(promote.status, StatusCode::FORBIDDEN);
    let role_sql = "SELECT role_id FROM product_member WHERE id = $1";
    assert_eq!(
        scalar(&db, role_sql, &[row.into()]).await,
        Role::Writer.id()
    );

    // An Owner may.
    let mut own = sign_in("own").await;
    let promoted = post_from(&mut own, &site, &edit, &edit, &[("role", &owner_role)]).await;
    redirected(&promoted, &format!("/product/{product}"));
    assert_eq!(scalar(&db, role_sql, &[row.into()]).await, Role::Owner.id());

    // A Reader of the product sees the rows but may not manage them: 403.
    let mut carol_browser = sign_in("carol").await;
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "UPDATE product_member SET role_id = $1 WHERE id = $2",
        &[Role::Reader.id().into(), row.into()],
    )
    .await
    .expect("demote");
    drop(conn);
    let refused = carol_browser.get(&site, &add).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = carol_browser.get(&site, &edit).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut reader = member_of_product(&site, "rita", product, Role::Reader).await;
    let refused = reader
        .get(&site, &format!("/product/{product}/add_group"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let profile = reader.get(&site, "/profile").await;
    let refused = reader
        .submit(
            &site,
            &profile,
            &add,
            &[("user", "nobody"), ("role", &writer_role)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // Removing: the Maintainer removes carol.
    let form = maint
        .get(&site, &format!("/product/type/{product_type}/add_member"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let removed = maint
        .submit(&site, &form, &format!("/product_member/{row}/delete"), &[])
        .await;
    redirected(&removed, &format!("/product/{product}"));
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM product_member WHERE id = $1",
            &[row.into()]
        )
        .await,
        0
    );

    // The last Owner of a product type stays.
    let owner_row = scalar(
        &db,
        "SELECT id FROM product_type_member WHERE user_id = $1",
        &[owner.id.into()],
    )
    .await;
    let own_page = own
        .get(&site, &format!("/product_type_member/{owner_row}/edit"))
        .await;
    assert_eq!(own_page.status, StatusCode::OK);
    let kept = own
        .submit(
            &site,
            &own_page,
            &format!("/product_type_member/{owner_row}/delete"),
            &[],
        )
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST);
    assert!(
        kept.body.contains("There must be at least one owner"),
        "{}",
        kept.body
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM product_type_member WHERE id = $1",
            &[owner_row.into()]
        )
        .await,
        1
    );

    // Groups on a product type.
    let mut conn = db.conn().await.expect("connection");
    groups::insert(
        &mut conn,
        &Group {
            name: "Ops".into(),
            ..Group::default()
        },
    )
    .await
    .expect("group");
    drop(conn);
    let add_group = format!("/product/type/{product_type}/add_group");
    let added = post_from(
        &mut own,
        &site,
        &add_group,
        &add_group,
        &[("group", "Ops"), ("role", &writer_role)],
    )
    .await;
    redirected(&added, &format!("/product/type/{product_type}"));
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM product_type_group WHERE product_type_id = $1",
            &[product_type.into()]
        )
        .await,
        1
    );
});

db_test!(groups_are_managed_by_their_owners_and_maintainers, |db| {
    let site = site(&db);
    let mut boss = signed_in(&site, "boss", true).await;
    let created = post_from(
        &mut boss,
        &site,
        "/group/add",
        "/group/add",
        &[("name", "Red team"), ("description", "Offence")],
    )
    .await;
    let group = scalar(
        &db,
        "SELECT id FROM dojo_group WHERE name = 'Red team'",
        &[],
    )
    .await;
    redirected(&created, &format!("/group/{group}"));
    let duplicate = post_from(
        &mut boss,
        &site,
        "/group/add",
        "/group/add",
        &[("name", "Red team")],
    )
    .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert!(
        duplicate
            .body
            .contains("dojo_ group with this name already exists."),
        "{}",
        duplicate.body
    );

    let member = person(&db, "mallory", false).await;
    let add = format!("/group/{group}/add_member");
    let reader = Role::Reader.id().to_string();
    let added = post_from(
        &mut boss,
        &site,
        &add,
        &add,
        &[("user", "mallory"), ("role", &reader)],
    )
    .await;
    redirected(&added, &format!("/group/{group}"));
    let page = boss.get(&site, &format!("/group/{group}")).await;
    assert!(page.body.contains("mallory"), "{}", page.body);
    assert!(page.body.contains("Members (1)"), "{}", page.body);

    // A Reader of the group sees it but may not change it.
    let mut browser = Browser::default();
    browser.sign_in(&site, "mallory", PASSWORD, "/").await;
    let seen = browser.get(&site, &format!("/group/{group}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("/edit\">Edit</a>"), "{}", seen.body);
    for path in [
        format!("/group/{group}/edit"),
        format!("/group/{group}/delete"),
        add.clone(),
    ] {
        assert_eq!(
            browser.get(&site, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let renamed = browser
        .submit(
            &site,
            &seen,
            &format!("/group/{group}/edit"),
            &[("name", "Mine")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::FORBIDDEN);

    // Its Maintainer edits it but may not delete it.
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "UPDATE dojo_group_member SET role_id = $1 WHERE user_id = $2",
        &[Role::Maintainer.id().into(), member.id.into()],
    )
    .await
    .expect("promote");
    drop(conn);
    let edit = format!("/group/{group}/edit");
    let saved = post_from(
        &mut browser,
        &site,
        &edit,
        &edit,
        &[("name", "Blue team"), ("description", "")],
    )
    .await;
    redirected(&saved, &format!("/group/{group}"));
    assert_eq!(
        text(
            &db,
            "SELECT name FROM dojo_group WHERE id = $1",
            &[group.into()]
        )
        .await
        .as_deref(),
        Some("Blue team")
    );
    assert_eq!(
        browser
            .get(&site, &format!("/group/{group}/delete"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The Owner deletes it.
    let olivia_id = person(&db, "olivia", false).await.id;
    let mut conn = db.conn().await.expect("connection");
    group_members::insert(
        &mut conn,
        &GroupMember {
            id: 0,
            group_id: group,
            user_id: olivia_id,
            role_id: Role::Owner.id(),
        },
    )
    .await
    .expect("owner");
    drop(conn);
    let mut olivia = Browser::default();
    olivia.sign_in(&site, "olivia", PASSWORD, "/").await;
    // The group's Owner changes roles; its last Owner stays.
    let mallory_row = scalar(
        &db,
        "SELECT id FROM dojo_group_member WHERE user_id = $1",
        &[member.id.into()],
    )
    .await;
    let edit_member = format!("/group/member/{mallory_row}/edit_group_member");
    let writer = Role::Writer.id().to_string();
    let changed = post_from(
        &mut olivia,
        &site,
        &edit_member,
        &edit_member,
        &[("role", &writer)],
    )
    .await;
    redirected(&changed, &format!("/group/{group}"));
    assert_eq!(
        scalar(
            &db,
            "SELECT role_id FROM dojo_group_member WHERE id = $1",
            &[mallory_row.into()]
        )
        .await,
        Role::Writer.id()
    );
    let olivia_row = scalar(
        &db,
        "SELECT id FROM dojo_group_member WHERE user_id = $1",
        &[olivia_id.into()],
    )
    .await;
    let page = olivia.get(&site, &format!("/group/{group}")).await;
    let kept = olivia
        .submit(
            &site,
            &page,
            &format!("/group/member/{olivia_row}/delete_group_member"),
            &[],
        )
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST);
    assert!(
        kept.body.contains("There must be at least one owner"),
        "{}",
        kept.body
    );
    let removed = olivia
        .submit(
            &site,
            &page,
            &format!("/group/member/{mallory_row}/delete_group_member"),
            &[],
        )
        .await;
    redirected(&removed, &format!("/group/{group}"));
    let confirm = olivia.get(&site, &format!("/group/{group}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let deleted = olivia
        .submit(&site, &confirm, &format!("/group/{group}/delete"), &[])
        .await;
    redirected(&deleted, "/group");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM dojo_group", &[]).await, 0);
});

/// An API call with a token.
async fn with_token(site: &Site, key: &str) -> StatusCode {
    let mut browser = Browser::default();
    let request =
        Request::get("/api/v2/user_profile/").header("authorization", format!("Token {key}"));
    browser.send(site, request, Body::empty()).await.status
}

db_test!(the_profile_changes_names_password_and_api_token, |db| {
    let site = site(&db);
    let mut browser = signed_in(&site, "dana", false).await;
    let profile = browser.get(&site, "/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(
        profile.body.contains("You have no API token yet."),
        "{}",
        profile.body
    );
    // Without an address, the names can still be changed.
    let named = browser
        .submit(
            &site,
            &profile,
            "/profile",
            &[("first_name", "D."), ("email", "")],
        )
        .await;
    redirected(&named, "/profile?saved=1");
    let bad = browser
        .submit(
            &site,
            &profile,
            "/profile",
            &[("first_name", "Dana"), ("email", "not-an-address")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("Enter a valid email address."),
        "{}",
        bad.body
    );
    let saved = browser
        .submit(
            &site,
            &profile,
            "/profile",
            &[
                ("first_name", "Dana"),
                ("last_name", "Scully"),
                ("email", "dana@example.com"),
            ],
        )
        .await;
    redirected(&saved, "/profile?saved=1");
    let mut conn = db.conn().await.expect("connection");
    let dana = users::find_by_username(&mut conn, "dana")
        .await
        .expect("lookup")
        .expect("dana");
    assert_eq!(
        (
            dana.first_name.as_str(),
            dana.last_name.as_str(),
            dana.email.as_str()
        ),
        ("Dana", "Scully", "dana@example.com")
    );
    assert!(!dana.is_superuser);
    drop(conn);

    // The password: the current one is required, the policy applies.
    let form = browser.get(&site, "/change_password").await;
    let new = "Another-Horse-77";
    let wrong = browser
        .submit(
            &site,
            &form,
            "/change_password",
            &[
                ("current_password", "guess"),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .body
            .contains("Your current password was entered incorrectly."),
        "{}",
        wrong.body
    );
    let weak = browser
        .submit(
            &site,
            &form,
            "/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "abc"),
                ("confirm_password", "abc"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let changed = browser
        .submit(
            &site,
            &form,
            "/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    redirected(&changed, "/change_password?changed=1");
    // Still signed in here, with the new session.
    assert_eq!(browser.get(&site, "/profile").await.status, StatusCode::OK);
    let mut elsewhere = Browser::default();
    assert_eq!(
        elsewhere.sign_in(&site, "dana", PASSWORD, "/").await.status,
        StatusCode::OK,
        "the old password no longer works"
    );
    assert_eq!(
        elsewhere.sign_in(&site, "dana", new, "/").await.status,
        StatusCode::FOUND
    );

    // The API token: the old key stops working, the new one works.
    let old = dojo_server::accounts::token_for(&db, &crate::support::state(&db).secret, dana.id)
        .await
        .expect("token");
    assert_eq!(with_token(&site, &old).await, StatusCode::OK);
    let profile = browser.get(&site, "/profile").await;
    assert!(
        profile.body.contains("You have an API token"),
        "{}",
        profile.body
    );
    let made = browser.submit(&site, &profile, "/api/key-v2", &[]).await;
    assert_eq!(made.status, StatusCode::OK);
    let marker = "<pre class=\"text\" id=\"api-key\">";
    let start = made.body.find(marker).expect("the new key") + marker.len();
    let key = made.body[start..start + 40].to_owned();
    assert_ne!(key, old);
    assert_eq!(with_token(&site, &old).await, StatusCode::FORBIDDEN);
    assert_eq!(with_token(&site, &key).await, StatusCode::OK);
    let again = browser.get(&site, "/api/key-v2").await;
    assert!(!again.body.contains(&key), "the key is shown once");
});

db_test!(alerts_are_the_viewers_own, |db| {
    let site = site(&db);
    let mut browser = signed_in(&site, "erin", false).await;
    let erin = scalar(&db, "SELECT id FROM dojo_user WHERE username = 'erin'", &[]).await;
    let frank = person(&db, "frank", false).await;
    let alert = |user_id: i64, title: &str| Alert {
        id: 0,
        title: title.into(),
        description: Some(format!("About {title}")),
        url: Some("/finding/1".into()),
        source: "Test".into(),
        icon: "bell".into(),
        user_id: Some(user_id),
        created: Utc::now(),
    };
    let mut conn = db.conn().await.expect("connection");
    alerts::insert_batch(
        &mut conn,
        &[
            alert(erin, "First"),
            alert(erin, "Second"),
            alert(frank.id, "Frank's"),
        ],
        Utc::now(),
    )
    .await
    .expect("alerts");
    drop(conn);
    let page = browser.get(&site, "/alerts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("First") && page.body.contains("Second"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Frank"), "{}", page.body);
    assert!(page.body.contains("1–2 of 2"), "{}", page.body);

    let franks = scalar(
        &db,
        "SELECT id FROM alerts WHERE user_id = $1",
        &[frank.id.into()],
    )
    .await;
    let first = scalar(&db, "SELECT id FROM alerts WHERE title = 'First'", &[]).await;
    let (franks, first) = (franks.to_string(), first.to_string());
    // Frank's alert is not erin's to remove: only her ticked one goes.
    let deleted = browser
        .submit(
            &site,
            &page,
            "/alerts",
            &[("alert_select", &franks), ("alert_select", &first)],
        )
        .await;
    redirected(&deleted, "/alerts");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM alerts WHERE user_id = $1",
            &[erin.into()]
        )
        .await,
        1
    );
    let all = browser.submit(&site, &page, "/delete_alerts", &[]).await;
    redirected(&all, "/alerts");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM alerts WHERE user_id = $1",
            &[erin.into()]
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM alerts WHERE user_id = $1",
            &[frank.id.into()]
        )
        .await,
        1
    );
    let empty = browser.get(&site, "/alerts").await;
    assert!(empty.body.contains("Nothing to show"), "{}", empty.body);
});

db_test!(users_and_groups_get_roles_from_their_own_pages, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let product = engagement.product_id;
    let site = site(&db);
    let mut boss = signed_in(&site, "boss", true).await;
    let zoe = person(&db, "zoe", false).await;
    let writer = Role::Writer.id().to_string();
    let add = format!("/user/{}/add_product_member", zoe.id);
    let unknown = post_from(
        &mut boss,
        &site,
        &add,
        &add,
        &[("product", "Nope"), ("role", &writer)],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("There is no product named"),
        "{}",
        unknown.body
    );
    let added = post_from(
        &mut boss,
        &site,
        &add,
        &add,
        &[("product", "Shop"), ("role", &writer)],
    )
    .await;
    redirected(&added, &format!("/user/{}", zoe.id));
    assert_eq!(
        scalar(
            &db,
            "SELECT role_id FROM product_member WHERE product_id = $1 AND user_id = $2",
            &[product.into(), zoe.id.into()],
        )
        .await,
        Role::Writer.id()
    );
    let page = boss.get(&site, &format!("/user/{}", zoe.id)).await;
    assert!(
        page.body
            .contains(&format!("<a href=\"/product/{product}\">Shop</a>: Writer")),
        "{}",
        page.body
    );

    // Others may not open a user's forms.
    let mut zoe_browser = Browser::default();
    zoe_browser.sign_in(&site, "zoe", PASSWORD, "/").await;
    assert_eq!(
        zoe_browser.get(&site, &add).await.status,
        StatusCode::FORBIDDEN
    );

    // A group's Maintainer gives it a role only on products they manage:
    // a product they do not see is "not there".
    let mut conn = db.conn().await.expect("connection");
    let group = groups::insert(
        &mut conn,
        &Group {
            name: "Ops".into(),
            ..Group::default()
        },
    )
    .await
    .expect("group");
    group_members::insert(
        &mut conn,
        &GroupMember {
            id: 0,
            group_id: group.id,
            user_id: zoe.id,
            role_id: Role::Maintainer.id(),
        },
    )
    .await
    .expect("member");
    drop(conn);
    let add_group = format!("/group/{}/add_product_group", group.id);
    let refused = post_from(
        &mut zoe_browser,
        &site,
        &add_group,
        &add_group,
        &[("product", "Shop"), ("role", &writer)],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a Writer of Shop may not manage its members"
    );
    let added = post_from(
        &mut boss,
        &site,
        &add_group,
        &add_group,
        &[("product", "Shop"), ("role", &writer)],
    )
    .await;
    redirected(&added, &format!("/group/{}", group.id));
    let page = boss.get(&site, &format!("/group/{}", group.id)).await;
    assert!(
        page.body
            .contains(&format!("<a href=\"/product/{product}\">Shop</a>: Writer")),
        "{}",
        page.body
    );
});
