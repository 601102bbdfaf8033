//! Finding where an import goes (api.md §4.1 target resolution, workflows a.2),
//! creating the product type, product and engagement when asked to, and checking
//! that the user may import there.

use chrono::{Days, NaiveDate, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, Product, ProductType, Test};
use dojo_domain::{EngagementStatus, EngagementType};
use dojo_storage::authz::Access;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Backend, Conn};

use crate::error::{ImportError, ImportResult};
use crate::request::{Actor, Created, ImportRequest};

/// The resolved place of an import.
pub struct Context {
    pub product_type: ProductType,
    pub product: Product,
    pub engagement: Engagement,
    /// What resolving the context created.
    pub created: Created,
}

async fn one<T>(conn: &mut Conn, sql: &str, params: &[Param]) -> ImportResult<Option<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    Ok(bulk::fetch_all::<T>(conn, sql, params)
        .await?
        .into_iter()
        .next())
}

pub(crate) async fn product_type_by_name(
    conn: &mut Conn,
    name: &str,
) -> ImportResult<Option<ProductType>> {
    one(
        conn,
        "SELECT * FROM product_type WHERE name = $1",
        &[name.into()],
    )
    .await
}

async fn product_by_name(conn: &mut Conn, name: &str) -> ImportResult<Option<Product>> {
    one(
        conn,
        "SELECT * FROM product WHERE name = $1",
        &[name.into()],
    )
    .await
}

/// The newest engagement of the product with that name.
async fn engagement_by_name(
    conn: &mut Conn,
    product_id: i64,
    name: &str,
) -> ImportResult<Option<Engagement>> {
    one(
        conn,
        "SELECT * FROM engagement WHERE product_id = $1 AND name = $2 ORDER BY created DESC, id DESC LIMIT 1",
        &[product_id.into(), name.into()],
    )
    .await
}

/// The actor's standing, for role checks.
async fn access(conn: &mut Conn, actor: &Actor) -> ImportResult<Access> {
    Ok(Access::for_user(conn, actor.user_id, actor.is_superuser).await?)
}

async fn check_import(conn: &mut Conn, actor: &Actor, product: &Product) -> ImportResult<()> {
    if actor.is_superuser {
        return Ok(());
    }
    let access = access(conn, actor).await?;
    if access
        .may_on_product(conn, product.id, Permission::ImportScanResult)
        .await?
    {
        Ok(())
    } else {
        Err(ImportError::Forbidden(format!(
            "No permission to import scans into product \"{}\"",
            product.name
        )))
    }
}

/// Serialises the creation of context and the de-duplication of one product:
/// on PostgreSQL a transaction-scoped advisory lock; SQLite's write lock
/// (`BEGIN IMMEDIATE`) already serialises every writer.
pub(crate) async fn lock(conn: &mut Conn, key: &str) -> ImportResult<()> {
    if conn.backend() == Backend::Postgres {
        bulk::execute(
            conn,
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
            &[format!("dojo-import:{key}").into()],
        )
        .await?;
    }
    Ok(())
}

/// Resolves (or creates) the product type, product and engagement of an import.
pub async fn resolve(
    conn: &mut Conn,
    actor: &Actor,
    request: &ImportRequest,
) -> ImportResult<Context> {
    let product_name = request.product_name.as_deref().filter(|s| !s.is_empty());
    let engagement_name = request.engagement_name.as_deref().filter(|s| !s.is_empty());
    let type_name = request
        .product_type_name
        .as_deref()
        .filter(|s| !s.is_empty());

    if let Some(engagement_id) = request.engagement_id {
        let engagement = repo::engagements::find(conn, engagement_id)
            .await?
            .ok_or_else(|| {
                ImportError::Target(format!("Engagement \"{engagement_id}\" does not exist"))
            })?;
        let product = repo::products::get(conn, engagement.product_id).await?;
        let inconsistent = product_name.is_some_and(|p| p != product.name)
            || engagement_name.is_some_and(|e| Some(e) != engagement.name.as_deref());
        if inconsistent {
            return Err(ImportError::Target(format!(
                "The provided identifiers are inconsistent — the engagement \"{}\" belongs to product \"{}\"",
                engagement.name.as_deref().unwrap_or_default(),
                product.name
            )));
        }
        check_import(conn, actor, &product).await?;
        let product_type = repo::product_types::get(conn, product.prod_type_id).await?;
        return Ok(Context {
            product_type,
            product,
            engagement,
            created: Created::default(),
        });
    }

    let Some(product_name) = product_name else {
        return Err(ImportError::Target("product_name parameter missing".into()));
    };
    let Some(engagement_name) = engagement_name else {
        return Err(ImportError::Target(
            "engagement_name parameter missing".into(),
        ));
    };
    // Concurrent imports that create the same product must not create it twice.
    lock(conn, &format!("product:{product_name}")).await?;

    let mut created = Created::default();
    let mut product = product_by_name(conn, product_name).await?;
    if let (Some(p), Some(type_name)) = (&product, type_name) {
        let actual = repo::product_types::get(conn, p.prod_type_id).await?;
        if actual.name != type_name {
            return Err(ImportError::Target(format!(
                "The fetched product has a conflict with the supplied product type name: \
                 existing product type name - {} vs supplied product type name - {type_name}",
                actual.name
            )));
        }
    }
    if product.is_none() && !request.auto_create_context {
        let message = match type_name {
            Some(t) if product_type_by_name(conn, t).await?.is_none() => {
                format!("Product Type \"{t}\" does not exist")
            }
            Some(t) => format!("Product \"{product_name}\" does not exist in Product_Type \"{t}\""),
            None => format!("Product \"{product_name}\" does not exist"),
        };
        return Err(ImportError::Target(message));
    }
    if product.is_none() {
        let Some(type_name) = type_name else {
            return Err(ImportError::Target(format!(
                "Product \"{product_name}\" does not exist and no product_type_name provided to create the new product in"
            )));
        };
        let product_type = match product_type_by_name(conn, type_name).await? {
            Some(t) => t,
            None => {
                if !access(conn, actor).await?.may_add_product_type() {
                    return Err(ImportError::Forbidden(format!(
                        "No permission to create product_type \"{type_name}\""
                    )));
                }
                created.product_type = true;
                repo::product_types::insert(
                    conn,
                    &ProductType {
                        name: type_name.to_owned(),
                        ..ProductType::default()
                    },
                )
                .await?
            }
        };
        if !access(conn, actor)
            .await?
            .may_on_product_type(conn, product_type.id, Permission::ProductTypeAddProduct)
            .await?
        {
            return Err(ImportError::Forbidden(format!(
                "No permission to create products in product_type \"{type_name}\""
            )));
        }
        created.product = true;
        product = Some(
            repo::products::insert(
                conn,
                &Product {
                    name: product_name.to_owned(),
                    description: product_name.to_owned(),
                    prod_type_id: product_type.id,
                    ..Product::default()
                },
            )
            .await?,
        );
    }
    let Some(product) = product else {
        return Err(ImportError::Target(
            "Need engagement_id or product_name + engagement_name to perform import".into(),
        ));
    };
    let engagement = match engagement_by_name(conn, product.id, engagement_name).await? {
        Some(e) => {
            check_import(conn, actor, &product).await?;
            e
        }
        None if request.auto_create_context => {
            if !access(conn, actor)
                .await?
                .may_on_product(conn, product.id, Permission::EngagementAdd)
                .await?
            {
                return Err(ImportError::Forbidden(format!(
                    "No permission to create engagements in product \"{}\"",
                    product.name
                )));
            }
            created.engagement = true;
            create_engagement(conn, actor, request, &product, engagement_name).await?
        }
        None => {
            return Err(ImportError::Target(format!(
                "Engagement \"{engagement_name}\" does not exist in Product \"{product_name}\""
            )))
        }
    };
    let product_type = repo::product_types::get(conn, product.prod_type_id).await?;
    Ok(Context {
        product_type,
        product,
        engagement,
        created,
    })
}

async fn create_engagement(
    conn: &mut Conn,
    actor: &Actor,
    request: &ImportRequest,
    product: &Product,
    name: &str,
) -> ImportResult<Engagement> {
    let today = Utc::now().date_naive();
    let end = request
        .engagement_end_date
        .filter(|end| *end >= today)
        .unwrap_or_else(|| today.checked_add_days(Days::new(365)).unwrap_or(today));
    Ok(repo::engagements::insert(
        conn,
        &Engagement {
            name: Some(name.to_owned()),
            product_id: product.id,
            engagement_type: EngagementType::CiCd,
            status: EngagementStatus::InProgress,
            target_start: today,
            target_end: end,
            lead_id: Some(actor.user_id),
            deduplication_on_engagement: request.deduplication_on_engagement,
            source_code_management_uri: request.source_code_management_uri.clone(),
            ..Engagement::default()
        },
    )
    .await?)
}

/// The test a reimport goes into: `test` if given, else the latest test of the
/// engagement with this scan type (and title). `None` when there is none yet.
pub async fn resolve_test(
    conn: &mut Conn,
    actor: &Actor,
    request: &ImportRequest,
) -> ImportResult<(Option<Test>, Option<Context>)> {
    if let Some(test_id) = request.test_id {
        let test = repo::tests::find(conn, test_id)
            .await?
            .ok_or_else(|| ImportError::Target(format!("Test \"{test_id}\" does not exist")))?;
        let engagement = repo::engagements::get(conn, test.engagement_id).await?;
        let product = repo::products::get(conn, engagement.product_id).await?;
        let inconsistent = request
            .product_name
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p != product.name)
            || request
                .engagement_name
                .as_deref()
                .is_some_and(|e| !e.is_empty() && Some(e) != engagement.name.as_deref());
        if inconsistent {
            return Err(ImportError::Target(format!(
                "The provided identifiers are inconsistent — the test \"{test_id}\" belongs to engagement \"{}\" of product \"{}\"",
                engagement.name.as_deref().unwrap_or_default(),
                product.name
            )));
        }
        check_import(conn, actor, &product).await?;
        let product_type = repo::product_types::get(conn, product.prod_type_id).await?;
        return Ok((
            Some(test),
            Some(Context {
                product_type,
                product,
                engagement,
                created: Created::default(),
            }),
        ));
    }
    // By names: the engagement must exist unless context may be created.
    let context = match resolve(
        conn,
        actor,
        &ImportRequest {
            auto_create_context: false,
            engagement_id: None,
            ..request.clone()
        },
    )
    .await
    {
        Ok(context) => context,
        Err(ImportError::Target(_)) if request.auto_create_context => {
            return Ok((None, None));
        }
        Err(e) => return Err(e),
    };
    let mut sql = String::from("SELECT * FROM test WHERE engagement_id = $1 AND scan_type = $2");
    let mut params: Vec<Param> = vec![
        context.engagement.id.into(),
        request.scan_type.clone().into(),
    ];
    if let Some(title) = request.test_title.as_deref().filter(|t| !t.is_empty()) {
        sql.push_str(" AND title = $3");
        params.push(title.into());
    }
    sql.push_str(" ORDER BY created DESC, id DESC LIMIT 1");
    let test: Option<Test> = one(conn, &sql, &params).await?;
    match test {
        Some(test) => Ok((Some(test), Some(context))),
        None if request.auto_create_context => Ok((None, Some(context))),
        None => Err(ImportError::Target(match request.test_title.as_deref() {
            Some(title) if !title.is_empty() => format!(
                "Test \"{title}\" with scan_type \"{}\" does not exist in Engagement \"{}\"",
                request.scan_type,
                context.engagement.name.as_deref().unwrap_or_default()
            ),
            _ => format!(
                "Test with scan_type \"{}\" does not exist in Engagement \"{}\"",
                request.scan_type,
                context.engagement.name.as_deref().unwrap_or_default()
            ),
        })),
    }
}

/// `scan_date` may not lie in the future.
pub fn check_scan_date(date: Option<NaiveDate>) -> ImportResult<()> {
    if date.is_some_and(|d| d > Utc::now().date_naive()) {
        return Err(ImportError::field(
            "scan_date",
            "The scan_date cannot be in the future!",
        ));
    }
    Ok(())
}
