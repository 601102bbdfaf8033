//! Builders for the hierarchy, so each test writes only what it checks.

use chrono::NaiveDate;
use dojo_domain::entities::{Engagement, Finding, Product, ProductType, Test, TestType, User};
use dojo_domain::Severity;
use dojo_storage::repo::{
    engagements, findings, product_types, products, test_types, tests, users,
};
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

/// An instant with microseconds (the precision both databases keep).
pub fn at(
    y: i32,
    m: u32,
    d: u32,
    h: u32,
    min: u32,
    s: u32,
    micros: u32,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("valid instant")
        + chrono::Duration::microseconds(i64::from(micros))
}

/// Runs raw SQL (no binds) straight on the pool, for rows the repositories refuse to write.
pub async fn execute(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("raw SQL {sql}: {e}"));
}

/// The text of one column read with raw SQL binding `id` as `$1`; `None` for NULL.
pub async fn text_of(db: &Db, sql: &str, id: i64) -> Option<String> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .bind(id)
                .fetch_one(pool)
                .await
        }
        Db::Postgres(pool) => {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .bind(id)
                .fetch_one(pool)
                .await
        }
    }
    .unwrap_or_else(|e| panic!("raw SQL {sql}: {e}"))
}

/// One integer read with raw SQL (no binds).
pub async fn count_of(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
    }
    .unwrap_or_else(|e| panic!("raw SQL {sql}: {e}"))
}

pub async fn note(db: &Db, author_id: i64, entry: &str) -> dojo_domain::entities::Note {
    let mut conn = db.conn().await.expect("connection");
    dojo_storage::repo::notes::insert(
        &mut conn,
        &dojo_domain::entities::Note {
            id: 0,
            note_type_id: None,
            entry: entry.into(),
            date: chrono::Utc::now(),
            author_id,
            private: false,
            edited: false,
            editor_id: None,
            edit_time: None,
        },
    )
    .await
    .expect("insert note")
}

pub async fn file_upload(db: &Db, title: &str, path: &str) -> dojo_domain::entities::FileUpload {
    let mut conn = db.conn().await.expect("connection");
    dojo_storage::repo::file_uploads::insert(
        &mut conn,
        &dojo_domain::entities::FileUpload {
            id: 0,
            title: title.into(),
            file: path.into(),
        },
    )
    .await
    .expect("insert file upload")
}

pub async fn endpoint(db: &Db, product_id: i64, host: &str) -> dojo_domain::entities::Endpoint {
    let mut conn = db.conn().await.expect("connection");
    dojo_storage::repo::endpoints::insert(
        &mut conn,
        &dojo_domain::entities::Endpoint {
            protocol: Some("https".into()),
            host: Some(host.into()),
            product_id: Some(product_id),
            ..Default::default()
        },
    )
    .await
    .expect("insert endpoint")
}

/// Asserts that every serialised field of `value` differs from `baseline`, except `skip`
/// (ids, timestamps the database sets): a round trip then checks each column.
pub fn assert_every_field_differs<T: serde::Serialize>(value: &T, baseline: &T, skip: &[&str]) {
    let value = serde_json::to_value(value).expect("serialise value");
    let baseline = serde_json::to_value(baseline).expect("serialise baseline");
    let (Some(value), Some(baseline)) = (value.as_object(), baseline.as_object()) else {
        panic!("entities serialise as objects");
    };
    for (field, v) in value {
        if field == "id" || skip.contains(&field.as_str()) {
            continue;
        }
        assert_ne!(
            Some(v),
            baseline.get(field),
            "field {field} still holds its default"
        );
    }
}

pub async fn group(db: &Db, name: &str) -> dojo_domain::entities::Group {
    let mut conn = db.conn().await.expect("connection");
    dojo_storage::repo::groups::insert(
        &mut conn,
        &dojo_domain::entities::Group {
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .expect("insert group")
}
