//! Migrations: a fresh database has every migration and DefectDojo's seeds, migrating
//! again changes nothing, and the SQLite and PostgreSQL trees describe the same schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dojo_domain::entities::{DevelopmentEnvironment, SystemSettings};
use dojo_domain::sla::{DEFAULT_DAYS, DEFAULT_NAME, NO_SLA_NAME};
use dojo_domain::Role;
use dojo_storage::repo::{development_environments, sla_configurations};
use dojo_storage::{db_test, settings, Db};

use crate::support::*;

fn migrations_dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect)
}

/// The migration file names of one tree, sorted.
fn migration_files(dialect: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(migrations_dir(dialect))
        .expect("read the migrations folder")
        .map(|entry| {
            entry
                .expect("folder entry")
                .file_name()
                .into_string()
                .expect("UTF-8 file name")
        })
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// The version sqlx gives a file: the number before the first `_`.
fn version_of(file: &str) -> i64 {
    file.split('_')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{file} starts with a version number"))
}

async fn roles(db: &Db) -> Vec<(i64, String, bool)> {
    let sql = "SELECT id, name, is_owner FROM role ORDER BY id";
    match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
    }
    .expect("read roles")
}

async fn check_seeds(db: &Db) {
    let expected: Vec<(i64, String, bool)> = Role::ALL
        .iter()
        .map(|r| (r.id(), r.name().to_owned(), r.is_owner()))
        .collect();
    assert_eq!(roles(db).await, expected);
    assert_eq!(
        roles(db)
            .await
            .iter()
            .map(|r| r.1.as_str())
            .collect::<Vec<_>>(),
        ["API_Importer", "Writer", "Maintainer", "Owner", "Reader"]
    );

    let mut conn = db.conn().await.expect("connection");
    let configs = sla_configurations::list(&mut conn)
        .await
        .expect("SLA configurations");
    assert_eq!(configs.len(), 2, "{configs:?}");
    let default = &configs[0];
    assert_eq!(default.id, 1);
    assert_eq!(default.name, DEFAULT_NAME);
    assert_eq!(default.name, "Default");
    assert_eq!(
        [default.critical, default.high, default.medium, default.low],
        DEFAULT_DAYS
    );
    assert_eq!(
        [default.critical, default.high, default.medium, default.low],
        [7, 30, 90, 120]
    );
    assert!(
        default.enforce_critical
            && default.enforce_high
            && default.enforce_medium
            && default.enforce_low
    );
    assert!(!default.restart_sla_on_reactivation && !default.async_updating);
    let none = &configs[1];
    assert_eq!(none.name, NO_SLA_NAME);
    assert_eq!(none.name, "No SLA Enforced");
    assert!(
        !none.enforce_critical && !none.enforce_high && !none.enforce_medium && !none.enforce_low
    );
    assert_eq!(
        [none.critical, none.high, none.medium, none.low],
        [7, 30, 90, 120]
    );

    assert_eq!(
        settings::load(&mut conn).await.expect("settings"),
        SystemSettings::default()
    );
    assert_eq!(settings::count(&mut conn).await.expect("count"), 1);

    let environments: Vec<String> = development_environments::list(&mut conn)
        .await
        .expect("environments")
        .into_iter()
        .map(|e: DevelopmentEnvironment| e.name)
        .collect();
    assert!(
        environments.iter().any(|e| e == "Development"),
        "{environments:?}"
    );
    assert_eq!(
        environments,
        [
            "Development",
            "Default",
            "Lab",
            "Pre-prod",
            "Production",
            "Staging",
            "Test"
        ]
    );
}

db_test!(a_fresh_database_has_every_migration, |db| {
    let applied = db.applied_migrations().await.expect("applied migrations");
    let files: Vec<i64> = migration_files(match db.backend() {
        dojo_storage::Backend::Sqlite => "sqlite",
        dojo_storage::Backend::Postgres => "postgres",
    })
    .iter()
    .map(|f| version_of(f))
    .collect();
    assert!(!files.is_empty());
    assert_eq!(applied, files);
    let failed = count_of(
        &db,
        "SELECT COUNT(*) FROM _sqlx_migrations WHERE NOT success",
    )
    .await;
    assert_eq!(failed, 0);
});

db_test!(a_fresh_database_has_defectdojo_seeds, |db| {
    check_seeds(&db).await;
    // Nothing else is seeded.
    for table in [
        "dojo_user",
        "product_type",
        "product",
        "finding",
        "test_type",
        "tag",
        "notifications",
    ] {
        let rows = count_of(&db, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(rows, 0, "{table} starts empty");
    }
});

db_test!(migrating_again_changes_nothing, |db| {
    let before = db.applied_migrations().await.expect("applied migrations");
    user(&db, "kept").await;
    db.migrate().await.expect("migrate a second time");
    db.migrate().await.expect("and a third");
    assert_eq!(
        db.applied_migrations().await.expect("applied migrations"),
        before
    );
    check_seeds(&db).await;
    assert_eq!(
        count_of(&db, "SELECT COUNT(*) FROM dojo_user").await,
        1,
        "data kept"
    );
});

// ----- the two trees describe one schema ----------------------------------------------

/// One CREATE TABLE: its columns, in order, each with its definition.
#[derive(Debug, PartialEq)]
struct Table {
    columns: Vec<(String, String)>,
    constraints: Vec<String>,
}

/// Drops `--` comments (outside string literals) from every line.
fn strip_comments(sql: &str) -> String {
    sql.lines()
        .map(|line| {
            let mut quoted = false;
            let mut cut = line.len();
            let bytes = line.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'\'' => quoted = !quoted,
                    b'-' if !quoted && bytes.get(i + 1) == Some(&b'-') => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            &line[..cut]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits on `sep` outside parentheses and string literals.
fn split_top_level(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut current = String::new();
    for ch in text.chars() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if c == sep && !quoted && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The schema of one migration file: tables by name (in file order) and the other
/// statements (indexes, seeds) in order.
fn parse_schema(sql: &str) -> (Vec<(String, Table)>, Vec<String>) {
    let mut tables = Vec::new();
    let mut others = Vec::new();
    for statement in split_top_level(&strip_comments(sql), ';') {
        let Some(rest) = statement.strip_prefix("CREATE TABLE ") else {
            others.push(statement);
            continue;
        };
        let open = rest.find('(').expect("a column list");
        let name = rest[..open].trim().to_owned();
        let close = rest.rfind(')').expect("the end of the column list");
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        for item in split_top_level(&rest[open + 1..close], ',') {
            let first = item.split_whitespace().next().unwrap_or_default();
            if ["CHECK", "UNIQUE", "PRIMARY", "FOREIGN", "CONSTRAINT"].contains(&first) {
                constraints.push(item);
            } else {
                let definition = item[first.len()..].trim().to_owned();
                columns.push((first.to_owned(), definition));
            }
        }
        assert!(!columns.is_empty(), "table {name} has columns");
        tables.push((
            name,
            Table {
                columns,
                constraints,
            },
        ));
    }
    (tables, others)
}

/// Rewrites an SQLite column definition with PostgreSQL's spelling of the same type.
fn as_postgres(definition: &str) -> String {
    definition
        .replace(
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )
        .replace("DATETIME", "TIMESTAMPTZ")
        .replace("REAL", "DOUBLE PRECISION")
}

/// Columns that hold JSON: TEXT on SQLite, JSONB on PostgreSQL.
const JSON_COLUMNS: &[(&str, &str)] = &[
    ("user_contact_info", "user_state_details"),
    ("test_import", "import_settings"),
    ("jira_project", "custom_fields"),
    ("jira_project", "close_transition_fields"),
    ("jira_project", "reopen_transition_fields"),
];

#[test]
fn both_trees_have_the_same_migration_files() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    let versions: Vec<i64> = sqlite.iter().map(|f| version_of(f)).collect();
    let mut sorted = versions.clone();
    sorted.dedup();
    assert_eq!(versions, sorted, "one file per version");
}

#[test]
fn both_trees_describe_the_same_tables_and_columns() {
    for file in migration_files("sqlite") {
        let read = |dialect: &str| {
            std::fs::read_to_string(migrations_dir(dialect).join(&file))
                .unwrap_or_else(|e| panic!("read {dialect}/{file}: {e}"))
        };
        let (sqlite_tables, sqlite_others) = parse_schema(&read("sqlite"));
        let (postgres_tables, postgres_others) = parse_schema(&read("postgres"));

        let names =
            |tables: &[(String, Table)]| tables.iter().map(|t| t.0.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&sqlite_tables),
            names(&postgres_tables),
            "{file}: same tables in the same order"
        );
        if file.starts_with("0001") {
            assert!(
                sqlite_tables.len() > 60,
                "{file}: the initial schema is parsed whole"
            );
        }

        let postgres: BTreeMap<&str, &Table> = postgres_tables
            .iter()
            .map(|(n, t)| (n.as_str(), t))
            .collect();
        for (name, sqlite) in &sqlite_tables {
            let pg = postgres[name.as_str()];
            let columns = |t: &Table| t.columns.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
            assert_eq!(columns(sqlite), columns(pg), "{file}: columns of {name}");
            for ((column, lite), (_, pg_definition)) in sqlite.columns.iter().zip(&pg.columns) {
                let expected = if JSON_COLUMNS.contains(&(name.as_str(), column.as_str())) {
                    as_postgres(lite).replacen("TEXT", "JSONB", 1)
                } else {
                    as_postgres(lite)
                };
                assert_eq!(
                    &expected, pg_definition,
                    "{file}: definition of {name}.{column}"
                );
            }
            assert_eq!(
                sqlite.constraints, pg.constraints,
                "{file}: constraints of {name}"
            );
        }
        if POSTGRES_ONLY.contains(&file.as_str()) {
            assert!(sqlite_tables.is_empty(), "{file} changes no table");
            continue;
        }
        if OWN_TRIGGERS.contains(&file.as_str()) {
            // Triggers are written in each dialect's language (SQLite's
            // trigger bodies, PL/pgSQL): the tables and indexes must agree,
            // the trigger code is checked by the tests that run it.
            let indexes = |statements: &[String]| -> Vec<String> {
                statements
                    .iter()
                    .filter(|s| s.starts_with("CREATE INDEX"))
                    .cloned()
                    .collect()
            };
            assert_eq!(
                indexes(&sqlite_others),
                indexes(&postgres_others),
                "{file}: indexes"
            );
            continue;
        }
        assert_eq!(sqlite_others, postgres_others, "{file}: indexes and seeds");
    }
}

/// Migrations that change how PostgreSQL enforces the schema, not what the
/// schema is: SQLite's file of the same version does nothing.
const POSTGRES_ONLY: &[&str] = &["0003_statement_foreign_keys.sql"];

/// Migrations that keep derived tables with triggers, one per dialect.
const OWN_TRIGGERS: &[&str] = &["0008_metrics_rollup.sql"];

#[test]
fn every_repository_table_is_in_the_schema() {
    use dojo_storage::repo::*;
    let sql = std::fs::read_to_string(migrations_dir("sqlite").join("0001_initial.sql"))
        .expect("read the initial migration");
    let (tables, _) = parse_schema(&sql);
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    for table in [
        alerts::TABLE,
        burp_raw_request_responses::TABLE,
        check_lists::TABLE,
        cicd_infrastructures::TABLE,
        contacts::TABLE,
        development_environments::TABLE,
        dojo_meta::TABLE,
        endpoint_params::TABLE,
        endpoint_statuses::TABLE,
        endpoints::TABLE,
        engagement_presets::TABLE,
        engagements::TABLE,
        file_access_tokens::TABLE,
        file_uploads::TABLE,
        finding_groups::TABLE,
        finding_templates::TABLE,
        findings::TABLE,
        global_roles::TABLE,
        group_members::TABLE,
        groups::TABLE,
        jira_instances::TABLE,
        jira_issues::TABLE,
        jira_projects::TABLE,
        language_types::TABLE,
        languages::TABLE,
        note_histories::TABLE,
        note_types::TABLE,
        notes::TABLE,
        notification_webhooks::TABLE,
        notifications::TABLE,
        product_api_scan_configurations::TABLE,
        product_groups::TABLE,
        product_members::TABLE,
        product_type_groups::TABLE,
        product_type_members::TABLE,
        product_types::TABLE,
        products::TABLE,
        regulations::TABLE,
        risk_acceptances::TABLE,
        sla_configurations::TABLE,
        technologies::TABLE,
        test_import_finding_actions::TABLE,
        test_imports::TABLE,
        test_types::TABLE,
        tests::TABLE,
        tool_configurations::TABLE,
        tool_types::TABLE,
        user_contact_infos::TABLE,
        users::TABLE,
        vulnerabilities::TABLE,
        settings::TABLE,
        benchmark_categories::TABLE,
        benchmark_product_summaries::TABLE,
        benchmark_products::TABLE,
        benchmark_requirements::TABLE,
        benchmark_types::TABLE,
        cwes::TABLE,
        network_locations::TABLE,
        objects_reviews::TABLE,
        report_types::TABLE,
        tool_product_histories::TABLE,
        tool_product_settings::TABLE,
        tracked_files::TABLE,
    ] {
        assert!(
            names.contains(&table),
            "{table} is created by the migrations"
        );
    }
}
