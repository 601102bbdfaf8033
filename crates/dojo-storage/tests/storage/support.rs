//! Builders for the hierarchy, so each test writes only what it checks.

use chrono::NaiveDate;
use dojo_domain::entities::{Engagement, Finding, Product, ProductType, Test, TestType, User};
use dojo_domain::Severity;
use dojo_storage::repo::{engagements, findings, product_types, products, test_types, tests, users};
use dojo_storage::Db;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub async fn user(db: &Db, username: &str) -> User {
    let mut conn = db.conn().await.expect("connection");
    users::insert(
        &mut conn,
        &User {
            username: username.into(),
            ..User::default()
        },
    )
    .await
    .expect("insert user")
}

pub async fn product_type(db: &Db, name: &str) -> ProductType {
    let mut conn = db.conn().await.expect("connection");
    product_types::insert(
        &mut conn,
        &ProductType {
            name: name.into(),
            ..ProductType::default()
        },
    )
    .await
    .expect("insert product type")
}

pub async fn product(db: &Db, prod_type_id: i64, name: &str) -> Product {
    let mut conn = db.conn().await.expect("connection");
    products::insert(
        &mut conn,
        &Product {
            name: name.into(),
            description: format!("{name} description"),
            prod_type_id,
            ..Product::default()
        },
    )
    .await
    .expect("insert product")
}

pub async fn engagement(db: &Db, product_id: i64, name: &str) -> Engagement {
    let mut conn = db.conn().await.expect("connection");
    engagements::insert(
        &mut conn,
        &Engagement {
            name: Some(name.into()),
            product_id,
            target_start: day(2026, 1, 1),
            target_end: day(2026, 1, 31),
            ..Engagement::default()
        },
    )
    .await
    .expect("insert engagement")
}

pub async fn test_type(db: &Db, name: &str) -> TestType {
    let mut conn = db.conn().await.expect("connection");
    test_types::insert(
        &mut conn,
        &TestType {
            name: name.into(),
            ..TestType::default()
        },
    )
    .await
    .expect("insert test type")
}

pub async fn test(db: &Db, engagement_id: i64, test_type_id: i64) -> Test {
    let mut conn = db.conn().await.expect("connection");
    tests::insert(
        &mut conn,
        &Test {
            engagement_id,
            test_type_id,
            ..Test::default()
        },
    )
    .await
    .expect("insert test")
}

pub async fn finding(db: &Db, test_id: i64, reporter_id: i64, title: &str) -> Finding {
    let mut conn = db.conn().await.expect("connection");
    findings::create(
        &mut conn,
        &Finding {
            test_id,
            reporter_id,
            title: title.into(),
            description: "described".into(),
            severity: Severity::High,
            date: day(2026, 2, 1),
            ..Finding::default()
        },
    )
    .await
    .expect("insert finding")
}

/// A whole branch: product type, product, engagement, test and its user.
pub struct Branch {
    pub user: User,
    pub product_type: ProductType,
    pub product: Product,
    pub engagement: Engagement,
    pub test_type: TestType,
    pub test: Test,
}

pub async fn branch(db: &Db, prefix: &str) -> Branch {
    let user = user(db, &format!("{prefix}-user")).await;
    let product_type = product_type(db, &format!("{prefix} type")).await;
    let product = product(db, product_type.id, &format!("{prefix} product")).await;
    let engagement = engagement(db, product.id, &format!("{prefix} engagement")).await;
    let test_type = test_type(db, &format!("{prefix} Scan")).await;
    let test = test(db, engagement.id, test_type.id).await;
    Branch {
        user,
        product_type,
        product,
        engagement,
        test_type,
        test,
    }
}
