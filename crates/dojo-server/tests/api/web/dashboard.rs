//! The dashboard and the metrics pages: what they count, and that they count
//! only what the viewer may see.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;

use crate::import::{generic, generic_form, App};
use crate::web::{member_of_product, signed_in, site, tile};

/// Two products: "Shop" with 2 Critical, 1 High and 1 Low, "Vault" with 3 High,
/// all verified (DefectDojo's default settings count only verified findings as open).
async fn two_products(app: &App) -> (i64, i64) {
    let shop = app.engagement("Shop", "CI", false).await;
    app.import(
        generic_form(
            shop.id,
            &generic(&[
                ("SQL injection", "Critical"),
                ("RCE", "Critical"),
                ("XSS", "High"),
                ("Banner", "Low"),
            ]),
        )
        .text("verified", "true"),
    )
    .await;
    let vault = app.engagement("Vault", "CI", false).await;
    app.import(
        generic_form(
            vault.id,
            &generic(&[("A", "High"), ("B", "High"), ("C", "High")]),
        )
        .text("verified", "true"),
    )
    .await;
    (shop.product_id, vault.product_id)
}

db_test!(the_dashboard_counts_everything_a_superuser_sees, |db| {
    let app = App::new(&db).await;
    let (shop, vault) = two_products(&app).await;
    let site = site(&db);
    let mut root = signed_in(&site, "root", true).await;

    let home = root.get(&site, "/").await;
    assert_eq!(home.status, StatusCode::FOUND);
    assert_eq!(home.location(), "/dashboard");

    let page = root.get(&site, "/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(tile(&page.body, "Open findings"), Some(7), "{}", page.body);
    assert_eq!(tile(&page.body, "Open Critical"), Some(2));
    assert_eq!(tile(&page.body, "Open High"), Some(4));
    // Riskiest first: Shop has Criticals, Vault only Highs.
    let shop_at = page
        .body
        .find(&format!("href=\"/product/{shop}\">Shop</a>"));
    let vault_at = page
        .body
        .find(&format!("href=\"/product/{vault}\">Vault</a>"));
    assert!(shop_at.expect("Shop listed") < vault_at.expect("Vault listed"));
    // Both imports are listed with what they created.
    assert_eq!(page.body.matches("Import of <a href=\"/test/").count(), 2);
    assert!(page.body.contains("<svg class=\"chart\""));
});

db_test!(the_dashboard_of_a_member_shows_only_their_product, |db| {
    let app = App::new(&db).await;
    let (shop, vault) = two_products(&app).await;
    let site = site(&db);
    let mut reader = member_of_product(&site, "reader", shop, Role::Reader).await;

    let page = reader.get(&site, "/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(tile(&page.body, "Open findings"), Some(4), "{}", page.body);
    assert_eq!(tile(&page.body, "Open High"), Some(1));
    assert!(!page.body.contains("Vault"), "{}", page.body);
    assert!(!page.body.contains(&format!("/product/{vault}")));
    assert_eq!(page.body.matches("Import of <a href=\"/test/").count(), 1);
});

db_test!(
    metrics_pages_follow_the_scope_and_hide_what_may_not_be_seen,
    |db| {
        let app = App::new(&db).await;
        let (shop, vault) = two_products(&app).await;
        let site = site(&db);
        let mut reader = member_of_product(&site, "reader", shop, Role::Reader).await;

        let mine = reader.get(&site, &format!("/product/{shop}/metrics")).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert_eq!(tile(&mine.body, "Open findings"), Some(4));
        assert!(mine.body.contains("Metrics of Shop"));
        // The severity numbers lead to the product's open findings of that severity.
        assert!(mine.body.contains(&format!(
        "href=\"/finding?active=true&#38;duplicate=false&#38;test__engagement__product={shop}&#38;severity=Critical\">2</a>"
    )), "{}", mine.body);

        let theirs = reader
            .get(&site, &format!("/product/{vault}/metrics"))
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let not_a_number = reader.get(&site, "/product/abc/metrics").await;
        assert_eq!(not_a_number.status, StatusCode::NOT_FOUND);

        let all = reader.get(&site, "/metrics?period=week").await;
        assert_eq!(all.status, StatusCode::OK);
        assert_eq!(tile(&all.body, "Open findings"), Some(4));
        assert!(all.body.contains("<option value=\"week\" selected>"));

        let mut root = signed_in(&site, "root", true).await;
        let vault_type: i64 = {
            let mut conn = db.conn().await.expect("connection");
            dojo_storage::repo::products::get(&mut conn, vault)
                .await
                .expect("product")
                .prod_type_id
        };
        let by_type = root
            .get(&site, &format!("/metrics/product/type/{vault_type}"))
            .await;
        assert_eq!(by_type.status, StatusCode::OK);
        assert_eq!(tile(&by_type.body, "Open findings"), Some(3));
        let hidden = reader
            .get(&site, &format!("/metrics/product/type/{vault_type}"))
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    }
);

db_test!(a_bad_metrics_range_is_named_and_replaced, |db| {
    let site = site(&db);
    let mut root = signed_in(&site, "root", true).await;
    let page = root
        .get(&site, "/metrics?start=2026-13-01&end=2026-01-31")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("The start is not a valid date"),
        "{}",
        page.body
    );
    let reversed = root
        .get(&site, "/metrics?start=2026-05-01&end=2026-01-31")
        .await;
    assert!(reversed.body.contains("The start is after the end"));
    assert!(
        reversed.body.contains("value=\"2025-02-01\""),
        "{}",
        reversed.body
    );
});

db_test!(pages_send_strangers_to_sign_in, |db| {
    let site = site(&db);
    for path in ["/dashboard", "/metrics", "/product/1/metrics"] {
        let answer = crate::web::Browser::default().get(&site, path).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{path}");
        assert!(answer.location().starts_with("/login?next="), "{path}");
    }
});

db_test!(the_sign_out_button_of_every_page_works, |db| {
    let site = site(&db);
    let mut root = signed_in(&site, "root", true).await;
    let page = root.get(&site, "/metrics").await;
    let out = root.submit(&site, &page, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::FOUND);
    assert_eq!(out.location(), "/login");
    assert_eq!(root.get(&site, "/metrics").await.status, StatusCode::FOUND);
});
