//! `dojo import` and `dojo reimport`: the API's import engine, run against the
//! configured database without a server.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use clap::Args;
use dojo_domain::Severity;
use dojo_importer::{Actor, ImportError, ImportOutcome, ImportRequest, Report, SeverityCounts};
use dojo_storage::repo;
use indicatif::{ProgressBar, ProgressStyle};

use super::DbArgs;

/// Reports above this size get a progress display on a terminal.
const PROGRESS_ABOVE_BYTES: u64 = 1_000_000;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// DefectDojo's scan type name, e.g. "ZAP Scan" (`dojo parse --list` shows them).
    #[arg(long)]
    scan_type: String,
    /// The report file.
    file: PathBuf,
    /// Product type name (created if missing, unless --no-auto-create).
    #[arg(long)]
    product_type: Option<String>,
    /// Product name.
    #[arg(long)]
    product: Option<String>,
    /// Engagement name (the newest of that name in the product).
    #[arg(long)]
    engagement: Option<String>,
    /// Engagement id, instead of the names (import only).
    #[arg(long)]
    engagement_id: Option<i64>,
    /// Test id to reimport into (reimport only; default: the latest test of this scan type).
    #[arg(long)]
    test: Option<i64>,
    /// Title of the test.
    #[arg(long)]
    test_title: Option<String>,
    /// Fail instead of creating a missing product type, product or engagement.
    #[arg(long)]
    no_auto_create: bool,
    /// End date of a created engagement (YYYY-MM-DD).
    #[arg(long)]
    engagement_end_date: Option<NaiveDate>,
    /// De-duplicate only within the created engagement.
    #[arg(long)]
    deduplication_on_engagement: bool,
    /// Drop findings below this severity (Info, Low, Medium, High, Critical).
    #[arg(long, default_value = "Info")]
    minimum_severity: String,
    /// Force every finding active (true) or inactive (false).
    #[arg(long)]
    active: Option<bool>,
    /// Force every finding verified (true) or unverified (false).
    #[arg(long)]
    verified: Option<bool>,
    /// Date of the scan (YYYY-MM-DD); overrides each finding's date.
    #[arg(long)]
    scan_date: Option<NaiveDate>,
    /// Close findings the report no longer has (default: off for import, on for reimport).
    #[arg(long)]
    close_old_findings: Option<bool>,
    /// Look for findings to close in the whole product, not just the engagement.
    #[arg(long)]
    close_old_findings_product_scope: bool,
    /// Keep findings closed even if the report has them again (reimport).
    #[arg(long)]
    do_not_reactivate: bool,
    /// Tags for the test (repeat the flag or separate with commas).
    #[arg(long, value_delimiter = ',')]
    tags: Vec<String>,
    #[arg(long)]
    apply_tags_to_findings: bool,
    #[arg(long)]
    apply_tags_to_endpoints: bool,
    /// Service name stamped on the findings (scopes de-duplication and closing).
    #[arg(long)]
    service: Option<String>,
    #[arg(long)]
    environment: Option<String>,
    #[arg(long)]
    version: Option<String>,
    #[arg(long)]
    build_id: Option<String>,
    #[arg(long)]
    branch_tag: Option<String>,
    #[arg(long)]
    commit_hash: Option<String>,
    /// Source code management URI of a created engagement.
    #[arg(long)]
    source_code_management_uri: Option<String>,
    /// The user the import is recorded as.
    #[arg(long, default_value = "admin")]
    user: String,
    /// Print the statistics as DefectDojo's JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl ImportArgs {
    fn request(&self, reimport: bool) -> anyhow::Result<ImportRequest> {
        let bytes = std::fs::read(&self.file)
            .with_context(|| format!("cannot read {}", self.file.display()))?;
        let file_name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let minimum_severity = Severity::normalise(&self.minimum_severity).map_err(|_| {
            anyhow!(
                "--minimum-severity \"{}\" is none of Info, Low, Medium, High, Critical",
                self.minimum_severity
            )
        })?;
        if reimport && self.engagement_id.is_some() {
            bail!(
                "--engagement-id is for import; reimport finds the test with --test or the names"
            );
        }
        if !reimport && self.test.is_some() {
            bail!("--test is for reimport");
        }
        let mut request = ImportRequest::new(&self.scan_type);
        request.report = Some(Report {
            file_name,
            bytes: bytes.into(),
        });
        request.engagement_id = self.engagement_id;
        request.test_id = self.test;
        request.product_type_name = self.product_type.clone();
        request.product_name = self.product.clone();
        request.engagement_name = self.engagement.clone();
        request.test_title = self.test_title.clone();
        request.auto_create_context = !self.no_auto_create;
        request.engagement_end_date = self.engagement_end_date;
        request.deduplication_on_engagement = self.deduplication_on_engagement;
        request.source_code_management_uri = self.source_code_management_uri.clone();
        request.scan_date = self.scan_date;
        request.minimum_severity = minimum_severity;
        request.active = self.active;
        request.verified = self.verified;
        request.close_old_findings = self.close_old_findings.unwrap_or(reimport);
        request.close_old_findings_product_scope = self.close_old_findings_product_scope;
        request.do_not_reactivate = self.do_not_reactivate;
        request.tags = self
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        request.apply_tags_to_findings = self.apply_tags_to_findings;
        request.apply_tags_to_endpoints = self.apply_tags_to_endpoints;
        request.service = self.service.clone();
        request.environment = self.environment.clone();
        request.version = self.version.clone();
        request.build_id = self.build_id.clone();
        request.branch_tag = self.branch_tag.clone();
        request.commit_hash = self.commit_hash.clone();
        Ok(request)
    }
}

fn describe(err: ImportError) -> anyhow::Error {
    match err {
        ImportError::Field { field, message } => anyhow!("{field}: {message}"),
        ImportError::Target(message) | ImportError::Report(message) => anyhow!(message),
        ImportError::Forbidden(message) => anyhow!("not allowed: {message}"),
        ImportError::Storage(e) => anyhow!("database: {e}"),
    }
}

pub async fn run(args: ImportArgs, reimport: bool) -> anyhow::Result<ExitCode> {
    let request = args.request(reimport)?;
    let db = args.db.open().await?;
    let user = {
        let mut conn = db.conn().await?;
        repo::users::find_by_username(&mut conn, &args.user)
            .await?
            .ok_or_else(|| anyhow!("no user named \"{}\" (see dojo user list)", args.user))?
    };
    let actor = Actor {
        user_id: user.id,
        is_superuser: user.is_superuser,
    };
    let size = request.report.as_ref().map_or(0, |r| r.bytes.len() as u64);
    let progress = (size > PROGRESS_ABOVE_BYTES && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar.set_message(format!("reading {} MB", size / 1_000_000));
        bar
    });
    let observer = progress
        .clone()
        .map(|bar| move |phase: &'static str| bar.set_message(format!("{phase} done")));
    let observer_ref = observer.as_ref().map(|o| o as &dojo_importer::Observer);
    let scan_type = request.scan_type.clone();
    let started = Instant::now();
    // Notifications as the API records them; a running `dojo serve` delivers them.
    let hooks = dojo_importer::Hooks {
        observer: observer_ref,
        before_commit: Some(&dojo_server::notifications::scans::import_hook),
    };
    let result = if reimport {
        dojo_importer::reimport_scan_hooked(&db, &actor, request, hooks).await
    } else {
        dojo_importer::import_scan_hooked(&db, &actor, request, hooks).await
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    db.close().await;
    let outcome = result.map_err(describe)?;
    // Excess duplicates the import deleted take their uploaded files along.
    dojo_server::files::FileStore::new(args.db.files_dir())
        .remove(&outcome.deleted_files)
        .await;
    if args.json {
        let body = serde_json::json!({
            "test_id": outcome.test_id,
            "engagement_id": outcome.engagement_id,
            "product_id": outcome.product_id,
            "product_type_id": outcome.product_type_id,
            "statistics": outcome.statistics,
        });
        println!("{body}");
    } else {
        print_summary(&scan_type, &outcome, started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(scan_type: &str, outcome: &ImportOutcome, elapsed: Duration) {
    println!(
        "{} into test {} (engagement {}, product {}) in {:.2} s: {} created, {} closed, {} reactivated, {} untouched, {} duplicates",
        scan_type,
        outcome.test_id,
        outcome.engagement_id,
        outcome.product_id,
        elapsed.as_secs_f64(),
        outcome.created,
        outcome.closed,
        outcome.reactivated,
        outcome.untouched,
        outcome.duplicates,
    );
    println!(
        "{:<9} {:>7} {:>7} {:>9} {:>7} {:>9}",
        "severity", "total", "active", "duplicate", "false_p", "mitigated"
    );
    print_counts(&outcome.statistics.after);
}

fn print_counts(counts: &SeverityCounts) {
    for (name, c) in [
        ("critical", counts.critical),
        ("high", counts.high),
        ("medium", counts.medium),
        ("low", counts.low),
        ("info", counts.info),
        ("total", counts.total),
    ] {
        println!(
            "{name:<9} {:>7} {:>7} {:>9} {:>7} {:>9}",
            c.total, c.active, c.duplicate, c.false_p, c.is_mitigated
        );
    }
}
