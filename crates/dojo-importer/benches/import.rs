#![allow(
    clippy::unwrap_used,
    reason = "benchmark harness: a failed setup should stop the run loudly"
)]

//! Import benchmark (issue 4). For each database, report format and size it runs,
//! on a fresh database with de-duplication on:
//!
//! 1. first import into an empty product;
//! 2. the same report imported again into another engagement of the product
//!    (every finding becomes a duplicate);
//! 3. reimport of the identical report into the first test;
//! 4. reimport with 10 % of the findings gone and 10 % new;
//! 5. parse only.
//!
//! Each (database, format, size) runs in a child process of its own, which reads
//! the report of each step from a file the parent generated, as a server holds
//! an upload. The peak RSS (VmHWM) is reset before each step, so it is the
//! step's own plus what the process still holds from earlier steps (the first
//! import has nothing before it). SQL statements are counted from sqlx's query
//! log. `--phases` logs the time of each phase (`BENCH_LOG` sets another
//! tracing filter, e.g. `sqlx::query=debug` for every statement).
//!
//! `cargo bench -p dojo-importer --bench import [-- --sizes 1000,10000,100000
//! --formats generic,sarif --databases sqlite,postgres --reports DIR]`;
//! PostgreSQL runs when `DOJO_TEST_DATABASE_URL` is set. One case alone:
//! `<bench executable> --case sqlite sarif 100000 DIR/sarif-100000-full
//! DIR/sarif-100000-shifted [--first-only]`.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dojo_domain::entities::User;
use dojo_importer::{synthetic, Actor, ImportRequest, Report};
use dojo_storage::testing::TestDb;
use dojo_storage::{repo, settings};
use tracing::field::Visit;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Counts every statement sqlx logs.
struct StatementCounter;

impl<S: tracing::Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            struct Ignore;
            impl Visit for Ignore {
                fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
            }
            event.record(&mut Ignore);
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn file_name(format: &str) -> &'static str {
    match format {
        "sarif" => "report.sarif",
        _ => "report.json",
    }
}

fn generate(format: &str, indices: std::ops::Range<usize>) -> Vec<u8> {
    match format {
        "sarif" => synthetic::sarif_report(indices),
        _ => synthetic::generic_report(indices),
    }
}

/// Reads a report the parent process wrote, so that generating it does not
/// count towards this process's peak memory.
fn report(format: &str, path: &str) -> Report {
    Report {
        file_name: file_name(format).into(),
        bytes: std::fs::read(path).unwrap().into(),
    }
}

fn scan_type(format: &str) -> &'static str {
    match format {
        "sarif" => "SARIF",
        _ => "Generic Findings Import",
    }
}

fn request(format: &str, engagement: &str, report: Report) -> ImportRequest {
    let mut request = ImportRequest::new(scan_type(format));
    request.product_type_name = Some("Benchmarks".into());
    request.product_name = Some("Bench".into());
    request.engagement_name = Some(engagement.into());
    request.auto_create_context = true;
    request.report = Some(report);
    request
}

struct Step {
    name: &'static str,
    seconds: f64,
    findings: usize,
    statements: u64,
    peak_rss_mb: f64,
}

/// Resets the kernel's peak-RSS mark of this process (Linux `clear_refs` 5), so
/// each step reports its own peak.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn timed<F, T>(name: &'static str, findings: usize, f: F) -> (Step, T)
where
    F: std::future::Future<Output = T>,
{
    let before = STATEMENTS.load(Ordering::Relaxed);
    reset_peak_rss();
    let start = Instant::now();
    let out = f.await;
    let seconds = start.elapsed().as_secs_f64();
    let statements = STATEMENTS.load(Ordering::Relaxed) - before;
    (
        Step {
            name,
            seconds,
            findings,
            statements,
            peak_rss_mb: peak_rss_mb(),
        },
        out,
    )
}

/// One (database, format, size) in this process; prints one line per step.
async fn run_case(database: &str, format: &str, size: usize, full: &str, shifted: &str) {
    let test_db = match database {
        "postgres" => TestDb::postgres().await.expect("DOJO_TEST_DATABASE_URL"),
        _ => TestDb::sqlite().await,
    };
    let db = test_db.db.clone();
    let actor = {
        let mut conn = db.conn().await.unwrap();
        let user = repo::users::insert(
            &mut conn,
            &User {
                username: "bench".into(),
                is_superuser: true,
                ..User::default()
            },
        )
        .await
        .unwrap();
        let mut system = settings::load(&mut conn).await.unwrap();
        system.enable_deduplication = true;
        settings::save(&mut conn, &system).await.unwrap();
        Actor {
            user_id: user.id,
            is_superuser: true,
        }
    };
    let tenth = size / 10;
    let mut steps = Vec::new();
    // Each step reads its report as a server holds an upload: in memory for the
    // step, gone after it, so the report is part of the step's peak RSS. The
    // first import runs first: its peak is then not raised by memory the
    // allocator kept from an earlier step.
    let first_request = request(format, "first", report(format, full));
    let (step, first) = timed("first import", size, async {
        dojo_importer::import_scan(&db, &actor, first_request)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(first.created, size);
    steps.push(step);
    // `--first-only` (in a `--case` run) stops here, e.g. to profile the
    // first import's memory under heaptrack.
    let first_only = std::env::args().any(|a| a == "--first-only");

    if first_only {
        print_rows(database, format, size, steps);
        test_db.cleanup().await;
        return;
    }
    let again_request = request(format, "second", report(format, full));
    let (step, again) = timed("import again (all duplicates)", size, async {
        dojo_importer::import_scan(&db, &actor, again_request)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(again.duplicates, size, "every finding is a duplicate");
    steps.push(step);

    let mut same = request(format, "first", report(format, full));
    same.test_id = Some(first.test_id);
    same.close_old_findings = true;
    let (step, outcome) = timed("reimport identical", size, async {
        dojo_importer::reimport_scan(&db, &actor, same)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(outcome.untouched, size);
    steps.push(step);

    let mut changed = request(format, "first", report(format, shifted));
    changed.test_id = Some(first.test_id);
    changed.close_old_findings = true;
    let (step, outcome) = timed("reimport 10 % new, 10 % gone", size, async {
        dojo_importer::reimport_scan(&db, &actor, changed)
            .await
            .unwrap()
    })
    .await;
    assert_eq!((outcome.created, outcome.closed), (tenth, tenth));
    steps.push(step);

    let parse_input = report(format, full);
    let (step, _) = timed("parse only", size, async {
        dojo_parsers::parse(
            scan_type(format),
            &parse_input.file_name,
            &parse_input.bytes,
        )
        .unwrap()
    })
    .await;
    drop(parse_input);
    steps.push(step);

    print_rows(database, format, size, steps);
    test_db.cleanup().await;
}

fn print_rows(database: &str, format: &str, size: usize, steps: Vec<Step>) {
    for step in steps {
        println!(
            "ROW|{database}|{format}|{size}|{}|{:.3}|{:.0}|{}|{:.0}",
            step.name,
            step.seconds,
            step.findings as f64 / step.seconds,
            step.statements,
            step.peak_rss_mb,
        );
    }
}

fn arg_list(args: &[String], flag: &str, default: &str) -> Vec<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map_or(default, String::as_str)
        .split(',')
        .map(str::to_owned)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        let database = args[i + 1].clone();
        let format = args[i + 2].clone();
        let size: usize = args[i + 3].parse().unwrap();
        let (full, shifted) = (args[i + 4].clone(), args[i + 5].clone());
        let subscriber = tracing_subscriber::registry().with(
            StatementCounter.with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("sqlx::query", tracing::Level::TRACE),
            ),
        );
        if args.iter().any(|a| a == "--phases") {
            tracing_subscriber::fmt()
                .with_env_filter(
                    std::env::var("BENCH_LOG").unwrap_or_else(|_| "dojo_importer=debug".into()),
                )
                .with_writer(std::io::stderr)
                .init();
        } else if !args.iter().any(|a| a == "--no-count") {
            tracing::subscriber::set_global_default(subscriber).unwrap();
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run_case(&database, &format, size, &full, &shifted));
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` would too: run only under bench.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let sizes = arg_list(&args, "--sizes", "1000,10000,100000");
    let formats = arg_list(&args, "--formats", "generic,sarif");
    let mut databases = arg_list(&args, "--databases", "sqlite,postgres");
    if std::env::var_os("DOJO_TEST_DATABASE_URL").is_none() {
        databases.retain(|d| d != "postgres");
    }
    println!("| database | report | findings | step | seconds | findings/s | SQL statements | peak RSS (MB) |");
    println!("|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().unwrap();
    // `--reports DIR` keeps the generated reports there (reused when present),
    // so that one case can be rerun by hand, e.g. under heaptrack.
    let temporary = tempfile::tempdir().unwrap();
    let kept = arg_list(&args, "--reports", "");
    let reports = match kept.first().filter(|d| !d.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => temporary.path().to_path_buf(),
    };
    std::fs::create_dir_all(&reports).unwrap();
    for database in &databases {
        for format in &formats {
            for size in &sizes {
                let n: usize = size.parse().unwrap();
                let full = reports.join(format!("{format}-{size}-full"));
                let shifted = reports.join(format!("{format}-{size}-shifted"));
                if !full.exists() {
                    std::fs::write(&full, generate(format, 0..n)).unwrap();
                    std::fs::write(&shifted, generate(format, n / 10..n + n / 10)).unwrap();
                }
                let output = Command::new(&exe)
                    // glibc otherwise keeps what one step freed (its dynamic mmap
                    // threshold grows to 32 MB), and that would count towards
                    // the next step's peak RSS.
                    .env(
                        "GLIBC_TUNABLES",
                        "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072",
                    )
                    .args(["--case", database, format, size])
                    .arg(&full)
                    .arg(&shifted)
                    .output()
                    .unwrap();
                if !output.status.success() {
                    eprintln!(
                        "{database} {format} {size} failed:\n{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    continue;
                }
                for line in String::from_utf8_lossy(&output.stdout).lines() {
                    if let Some(row) = line.strip_prefix("ROW|") {
                        println!("| {} |", row.replace('|', " | "));
                    }
                }
            }
        }
    }
}
