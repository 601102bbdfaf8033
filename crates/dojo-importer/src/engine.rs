//! Import and reimport (workflows §a, §b): one transaction each, with every
//! write done in bulk.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, NaiveTime, Utc};
use dojo_domain::entities::{SlaConfiguration, Test, TestType};
use dojo_domain::{ImportAction, Severity, TestImportType};
use dojo_parsers::{DedupAlgorithm, ParseOutput, ScanTypeInfo};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, settings, Conn, Db};

use crate::context::{self, Context};
use crate::dedup::{self, DedupRow};
use crate::error::{ImportError, ImportResult};
use crate::incoming::Incoming;
use crate::request::{Actor, ImportOutcome, ImportRequest, Report, Statistics};
use crate::stats;
use crate::write::{self, Prepared, Stamp};

/// Told the name of each phase of an import as it finishes (e.g. to drive a
/// progress display).
pub type Observer = dyn Fn(&'static str) + Send + Sync;

/// Work the caller adds to a run's transaction once everything is written,
/// just before it commits (the server records its notifications there, so
/// they exist exactly when the import does).
pub type BeforeCommit = dyn for<'c> Fn(
        &'c mut Conn,
        &'c ImportOutcome,
    ) -> Pin<Box<dyn Future<Output = ImportResult<()>> + Send + 'c>>
    + Send
    + Sync;

/// What a caller may attach to an import or reimport.
#[derive(Clone, Copy, Default)]
pub struct Hooks<'h> {
    pub observer: Option<&'h Observer>,
    pub before_commit: Option<&'h BeforeCommit>,
}

impl<'h> Hooks<'h> {
    /// Only an observer.
    pub fn observing(observer: Option<&'h Observer>) -> Self {
        Hooks {
            observer,
            before_commit: None,
        }
    }
}

/// Time spent per phase of one import, logged at debug level when it ends.
pub(crate) struct Phases<'o> {
    last: std::time::Instant,
    marks: Vec<(&'static str, u128)>,
    observer: Option<&'o Observer>,
}

impl<'o> Phases<'o> {
    pub(crate) fn start(observer: Option<&'o Observer>) -> Self {
        Phases {
            last: std::time::Instant::now(),
            marks: Vec::new(),
            observer,
        }
    }

    pub(crate) fn mark(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        let spent = (now - self.last).as_micros();
        // Phases that run once per slice of findings add up under one name.
        match self.marks.iter_mut().find(|(name, _)| *name == phase) {
            Some((_, total)) => *total += spent,
            None => self.marks.push((phase, spent)),
        }
        self.last = now;
        if let Some(observer) = self.observer {
            observer(phase);
        }
    }

    pub(crate) fn log(&self, test_id: i64) {
        let summary: Vec<String> = self
            .marks
            .iter()
            .map(|(phase, us)| format!("{phase}={:.1}ms", *us as f64 / 1000.0))
            .collect();
        tracing::debug!(test_id, phases = %summary.join(" "), "import phases");
    }
}

/// The scan type of a request, or the 400 DefectDojo gives for an unknown one.
pub fn scan_type(name: &str) -> ImportResult<&'static ScanTypeInfo> {
    match dojo_parsers::scan_type(name) {
        Some(info) => Ok(info),
        None if dojo_parsers::scan_type_info(name).is_some() => Err(ImportError::field(
            "scan_type",
            format!("\"{name}\" is a DefectDojo scan type that Dojo cannot read yet."),
        )),
        None => Err(ImportError::field(
            "scan_type",
            format!("\"{name}\" is not a valid choice."),
        )),
    }
}

/// Every supported scan type reads a file; DefectDojo refuses an import or
/// reimport without one in the same words.
pub fn require_report(info: &ScanTypeInfo, request: &ImportRequest) -> ImportResult<()> {
    if request.report.is_none() {
        return Err(ImportError::field(
            "non_field_errors",
            format!("Uploading a Report File is required for {}", info.name),
        ));
    }
    Ok(())
}

/// A report being parsed off the async runtime (see [`start_parse`]).
pub(crate) type Parsing =
    Option<tokio::task::JoinHandle<Result<ParseOutput, dojo_parsers::ParseError>>>;

/// Starts parsing the report, whole, on a blocking thread, so the caller can
/// read the database meanwhile. The report is consumed: its bytes are freed
/// as soon as the parser is done.
pub(crate) fn start_parse(info: &'static ScanTypeInfo, report: Option<Report>) -> Parsing {
    let report = report?;
    let name = info.name;
    Some(tokio::task::spawn_blocking(move || {
        dojo_parsers::parse(name, &report.file_name, &report.bytes)
    }))
}

/// Waits for [`start_parse`]; a malformed report is a 400.
pub(crate) async fn finish_parse(parsing: Parsing) -> ImportResult<ParseOutput> {
    let Some(parsing) = parsing else {
        return Ok(ParseOutput::default());
    };
    parsing
        .await
        .map_err(|e| ImportError::Report(format!("the parser stopped: {e}")))?
        .map_err(|e| ImportError::Report(e.to_string()))
}

/// Findings of a report, severity-normalised and filtered by the minimum severity.
pub(crate) fn report_findings(
    findings: Vec<dojo_parsers::Finding>,
    minimum: Severity,
) -> ImportResult<Vec<(dojo_parsers::Finding, Severity)>> {
    let mut out = Vec::with_capacity(findings.len());
    for finding in findings {
        let severity = Severity::normalise(&finding.severity).map_err(|_| {
            ImportError::Report(format!(
                "Finding \"{}\" has the severity \"{}\", which is none of Info, Low, Medium, High, Critical",
                finding.title, finding.severity
            ))
        })?;
        if write::meets_minimum(severity, minimum) {
            out.push((finding, severity));
        }
    }
    Ok(out)
}

/// The Test_Type of a report (workflows a.3 step 2): get-or-create by name.
async fn test_type(
    conn: &mut Conn,
    info: &ScanTypeInfo,
    parsed: &ParseOutput,
) -> ImportResult<TestType> {
    let mut name = info.name.to_owned();
    if info.multi_test {
        if let Some(reported) = parsed
            .tests
            .first()
            .and_then(|t| t.test_type.as_deref().or(t.name.as_deref()))
            .filter(|t| !t.is_empty() && *t != info.name)
        {
            name = if reported.ends_with(&format!(" ({})", info.name))
                || format!("{reported} Scan") == info.name
            {
                if format!("{reported} Scan") == info.name {
                    info.name.to_owned()
                } else {
                    reported.to_owned()
                }
            } else {
                format!("{reported} Scan ({})", info.name)
            };
        }
    }
    bulk::insert_rows(
        conn,
        "test_type",
        &[
            "name",
            "static_tool",
            "dynamic_tool",
            "active",
            "dynamically_generated",
        ],
        &[vec![
            name.clone().into(),
            false.into(),
            false.into(),
            true.into(),
            true.into(),
        ]],
        "ON CONFLICT (name) DO NOTHING",
    )
    .await?;
    let found: Vec<TestType> = bulk::fetch_all(
        conn,
        "SELECT * FROM test_type WHERE name = $1",
        &[name.into()],
    )
    .await?;
    found
        .into_iter()
        .next()
        .ok_or_else(|| ImportError::Report("the test type could not be created".into()))
}

/// The report's test type, once the report has been read: `started` unless
/// the report names another.
async fn test_type_of(
    conn: &mut Conn,
    info: &ScanTypeInfo,
    parsed: &ParseOutput,
    started: &TestType,
) -> ImportResult<TestType> {
    if !info.multi_test || parsed.tests.is_empty() {
        return Ok(started.clone());
    }
    test_type(conn, info, parsed).await
}

/// Moves a test and its findings' found-by rows from one test type to another.
async fn move_to_test_type(conn: &mut Conn, test_id: i64, from: i64, to: i64) -> ImportResult<()> {
    bulk::execute(
        conn,
        "UPDATE finding_found_by SET test_type_id = $1 WHERE test_type_id = $2 \
         AND finding_id IN (SELECT id FROM finding WHERE test_id = $3)",
        &[to.into(), from.into(), test_id.into()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn environment_id(conn: &mut Conn, request: &ImportRequest) -> ImportResult<i64> {
    let name = request
        .environment
        .as_deref()
        .filter(|e| !e.is_empty())
        .unwrap_or("Development");
    let found: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT id FROM development_environment WHERE name = $1",
        &[name.into()],
    )
    .await?;
    if let Some((id,)) = found.into_iter().next() {
        return Ok(id);
    }
    if !request.auto_create_context && name != "Development" {
        return Err(ImportError::Report(format!(
            "Environment named {name} does not exist."
        )));
    }
    Ok(repo::development_environments::insert(
        conn,
        &dojo_domain::entities::DevelopmentEnvironment {
            id: 0,
            name: name.to_owned(),
        },
    )
    .await?
    .id)
}

pub(crate) async fn sla_of(
    conn: &mut Conn,
    sla_configuration_id: i64,
) -> ImportResult<SlaConfiguration> {
    Ok(repo::sla_configurations::get(conn, sla_configuration_id).await?)
}

/// `import_settings` of the Test_Import (domain §16).
fn import_settings(request: &ImportRequest) -> serde_json::Value {
    serde_json::json!({
        "active": request.active,
        "verified": request.verified,
        "minimum_severity": request.minimum_severity.as_str(),
        "close_old_findings": request.close_old_findings,
        "close_old_findings_product_scope": request.close_old_findings_product_scope,
        "push_to_jira": request.push_to_jira,
        "tags": request.tags,
        "scan_date": request.scan_date.map(|d| d.to_string()),
        "service": request.service,
        "do_not_reactivate": request.do_not_reactivate,
        "apply_tags_to_findings": request.apply_tags_to_findings,
        "apply_tags_to_endpoints": request.apply_tags_to_endpoints,
        "group_by": request.group_by,
        "create_finding_groups_for_all_findings": request.create_finding_groups_for_all_findings,
        "endpoint_to_add": request.endpoint_to_add,
    })
}

pub(crate) async fn record_import(
    conn: &mut Conn,
    test_id: i64,
    kind: TestImportType,
    request: &ImportRequest,
    actions: &[(i64, ImportAction)],
    now: DateTime<Utc>,
) -> ImportResult<i64> {
    let record = repo::test_imports::insert(
        conn,
        &dojo_domain::entities::TestImport {
            id: 0,
            test_id,
            import_settings: Some(sqlx::types::Json(import_settings(request))),
            import_type: kind,
            version: request.version.clone(),
            build_id: request.build_id.clone(),
            commit_hash: request.commit_hash.clone(),
            branch_tag: request.branch_tag.clone(),
            created: now,
            modified: now,
        },
    )
    .await?;
    let rows: Vec<Vec<Param>> = actions
        .iter()
        .map(|(finding, action)| {
            vec![
                record.id.into(),
                (*finding).into(),
                action.as_str().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert_rows(
        conn,
        "test_import_finding_action",
        &[
            "test_import_id",
            "finding_id",
            "action",
            "created",
            "modified",
        ],
        &rows,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    Ok(record.id)
}

#[derive(Debug, Default)]
pub(crate) struct PostProcessed {
    pub duplicates: usize,
    pub deleted_files: Vec<String>,
}

/// Runs de-duplication (or false-positive history) on newly written findings.
pub(crate) async fn post_process(
    conn: &mut Conn,
    product_id: i64,
    info: &ScanTypeInfo,
    test_type_id: i64,
    batch: &[DedupRow],
    batch_endpoints: &HashMap<i64, Vec<dedup::EndpointParts>>,
    first_new_id: i64,
) -> ImportResult<PostProcessed> {
    let system = settings::load(conn).await?;
    let mut done = PostProcessed::default();
    if batch.is_empty() {
        return Ok(done);
    }
    if system.enable_deduplication {
        let marked = dedup::deduplicate(
            conn,
            product_id,
            batch,
            batch_endpoints,
            info.dedup_algorithm,
            test_type_id,
            first_new_id,
        )
        .await?;
        if system.delete_duplicates {
            if let Some(max) = system.max_dupes.filter(|m| *m >= 0) {
                let mut originals: Vec<i64> = marked.iter().map(|m| m.original).collect();
                originals.sort_unstable();
                originals.dedup();
                done.deleted_files = trim_duplicates(conn, &originals, max).await?;
            }
        }
        done.duplicates = marked.len();
    } else if system.false_positive_history {
        let retroactive = system.retroactive_false_positive_history;
        dedup::false_positive_history(conn, product_id, batch, info.dedup_algorithm, retroactive)
            .await?;
    }
    Ok(done)
}

/// The de-duplication view of findings this run wrote, from memory.
pub(crate) fn dedup_rows(
    prepared: &[Prepared],
    context: &Context,
    test_type_id: i64,
) -> (Vec<DedupRow>, HashMap<i64, Vec<dedup::EndpointParts>>) {
    let rows = prepared
        .iter()
        .map(|p| DedupRow {
            id: p.row.id,
            hash_code: p.row.hash_code.clone(),
            unique_id_from_tool: p.row.unique_id_from_tool.clone(),
            title: p.row.title.clone(),
            severity: p.row.severity.as_str().to_owned(),
            cwe: p.row.cwe,
            file_path: p.row.file_path.clone(),
            line: p.row.line,
            static_finding: p.row.static_finding,
            duplicate: p.row.duplicate,
            active: p.row.active,
            is_mitigated: p.row.is_mitigated,
            has_mitigated: p.row.mitigated.is_some(),
            false_p: p.row.false_p,
            out_of_scope: p.row.out_of_scope,
            test_type_id,
            engagement_id: context.engagement.id,
            dedup_on_engagement: context.engagement.deduplication_on_engagement,
        })
        .collect();
    let endpoints = prepared
        .iter()
        .filter(|p| !p.endpoints.is_empty())
        .map(|p| (p.row.id, p.endpoints.iter().map(Into::into).collect()))
        .collect();
    (rows, endpoints)
}

/// Deletes the oldest duplicates of each original beyond `max` (workflows c.7).
async fn trim_duplicates(
    conn: &mut Conn,
    originals: &[i64],
    max: i64,
) -> ImportResult<Vec<String>> {
    let rows: Vec<(i64, i64)> = bulk::fetch_in(conn, &[], originals, |list| {
        format!(
            "SELECT id, duplicate_finding_id FROM finding WHERE duplicate_finding_id IN ({list}) \
             ORDER BY duplicate_finding_id, date DESC, id DESC"
        )
    })
    .await?;
    let mut seen: HashMap<i64, i64> = HashMap::new();
    let mut excess: Vec<i64> = Vec::new();
    for (id, original) in rows {
        let count = seen.entry(original).or_insert(0);
        *count += 1;
        if *count > max {
            excess.push(id);
        }
    }
    let mut files = Vec::new();
    for id in excess.into_iter().take(200) {
        files.extend(
            dojo_storage::cascade::delete_finding_in(conn, id)
                .await?
                .files,
        );
    }
    Ok(files)
}

/// Closes findings that are no longer reported (workflows a.3 step 5, b.2 step 9):
/// mitigated at `when` unless already, by the actor, risk acceptance removed,
/// endpoint statuses mitigated, and a note added.
pub(crate) async fn close_findings(
    conn: &mut Conn,
    ids: &[i64],
    actor: &Actor,
    when: DateTime<Utc>,
    now: DateTime<Utc>,
    note: &str,
) -> ImportResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let current: Vec<(i64, Option<DateTime<Utc>>)> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT id, mitigated FROM finding WHERE id IN ({list})")
    })
    .await?;
    let updates: Vec<(i64, Vec<Param>)> = current
        .iter()
        .map(|(id, mitigated)| {
            (
                *id,
                vec![
                    false.into(),
                    true.into(),
                    Param::from(Some(mitigated.unwrap_or(when))),
                    Param::Int(Some(actor.user_id)),
                    false.into(),
                    Param::from(Some(now)),
                    Param::from(Some(now)),
                ],
            )
        })
        .collect();
    bulk::update_rows(
        conn,
        "finding",
        &[
            "active",
            "is_mitigated",
            "mitigated",
            "mitigated_by_id",
            "risk_accepted",
            "last_status_update",
            "updated",
        ],
        &updates,
    )
    .await?;
    let fixed = [Param::from(now), Param::Int(Some(actor.user_id))];
    bulk::execute_in(conn, &fixed, ids, |list| {
        format!(
            "UPDATE endpoint_status SET mitigated = TRUE, mitigated_time = $1, mitigated_by_id = $2, \
             last_modified = $1 WHERE mitigated = FALSE AND false_positive = FALSE \
             AND out_of_scope = FALSE AND risk_accepted = FALSE AND finding_id IN ({list})"
        )
    })
    .await?;
    bulk::execute_in(conn, &[], ids, |list| {
        format!("DELETE FROM risk_acceptance_findings WHERE finding_id IN ({list})")
    })
    .await?;
    let notes: Vec<(i64, String)> = ids.iter().map(|id| (*id, note.to_owned())).collect();
    write::add_notes(conn, &notes, actor.user_id, now).await?;
    Ok(())
}

pub(crate) fn scan_instant(request: &ImportRequest, now: DateTime<Utc>) -> DateTime<Utc> {
    request
        .scan_date
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(now)
}

/// Stamps the test (and a CI/CD engagement) with the scan's end and build metadata.
pub(crate) async fn touch_test(
    conn: &mut Conn,
    test: &mut Test,
    context: &mut Context,
    request: &ImportRequest,
    now: DateTime<Utc>,
) -> ImportResult<()> {
    let scan_time = scan_instant(request, now);
    if scan_time > test.target_end {
        test.target_end = scan_time;
    }
    for (field, value) in [
        (&mut test.version, &request.version),
        (&mut test.build_id, &request.build_id),
        (&mut test.branch_tag, &request.branch_tag),
        (&mut test.commit_hash, &request.commit_hash),
    ] {
        // DefectDojo skips whitespace-only values but stores an absent one as "".
        let value = value.clone().unwrap_or_default();
        if value.is_empty() || !value.trim().is_empty() {
            *field = Some(value);
        }
    }
    test.percent_complete = Some(100);
    *test = repo::tests::save(conn, test).await?;
    if context.engagement.engagement_type == dojo_domain::EngagementType::CiCd {
        let day = scan_time.date_naive();
        if day > context.engagement.target_end {
            context.engagement.target_end = day;
            context.engagement = repo::engagements::save(conn, &context.engagement).await?;
        }
    }
    Ok(())
}

/// The checks every import and reimport makes before touching the database:
/// a known scan type, no future scan date, a report.
pub(crate) fn start_run<'o>(
    request: &ImportRequest,
    observer: Option<&'o Observer>,
) -> ImportResult<(&'static ScanTypeInfo, Phases<'o>)> {
    let info = scan_type(&request.scan_type)?;
    context::check_scan_date(request.scan_date)?;
    require_report(info, request)?;
    Ok((info, Phases::start(observer)))
}

/// `POST /api/v2/import-scan/` and `dojo import`.
pub async fn import_scan(
    db: &Db,
    actor: &Actor,
    request: ImportRequest,
) -> ImportResult<ImportOutcome> {
    import_scan_observed(db, actor, request, None).await
}

/// [`import_scan`], telling `observer` as each phase finishes.
pub async fn import_scan_observed(
    db: &Db,
    actor: &Actor,
    request: ImportRequest,
    observer: Option<&Observer>,
) -> ImportResult<ImportOutcome> {
    import_scan_hooked(db, actor, request, Hooks::observing(observer)).await
}

/// [`import_scan`] with the caller's [`Hooks`].
pub async fn import_scan_hooked(
    db: &Db,
    actor: &Actor,
    mut request: ImportRequest,
    hooks: Hooks<'_>,
) -> ImportResult<ImportOutcome> {
    let (info, mut phases) = start_run(&request, hooks.observer)?;
    let report = request.report.take();
    let request = &request;
    let mut tx = db.begin().await?;
    // Who may import where is settled before the report is read, so a user
    // without access learns nothing from (and costs nothing with) a report.
    let context = context::resolve(&mut tx, actor, request).await?;
    phases.mark("resolve");
    let incoming = Incoming::parse(info, report);
    let outcome = import_in(
        &mut tx,
        actor,
        request,
        info,
        incoming,
        Some(context),
        &mut phases,
    )
    .await?;
    if let Some(before_commit) = hooks.before_commit {
        before_commit(&mut tx, &outcome).await?;
    }
    tx.commit().await?;
    phases.mark("commit");
    phases.log(outcome.test_id);
    Ok(outcome)
}

pub(crate) async fn import_in(
    conn: &mut Conn,
    actor: &Actor,
    request: &ImportRequest,
    info: &'static ScanTypeInfo,
    mut incoming: Incoming,
    context: Option<Context>,
    phases: &mut Phases<'_>,
) -> ImportResult<ImportOutcome> {
    let now = Utc::now();
    let mut context = match context {
        Some(c) => c,
        None => context::resolve(conn, actor, request).await?,
    };
    context::lock(conn, &format!("product-id:{}", context.product.id)).await?;
    let environment_id = environment_id(conn, request).await?;
    // The report's own test type and description may come after its
    // findings, so the test starts with the scan type's and takes the
    // report's once it has been read.
    let mut test_type = test_type(conn, info, &ParseOutput::default()).await?;
    let scan_time = scan_instant(request, now);
    let mut test = repo::tests::insert(
        conn,
        &Test {
            engagement_id: context.engagement.id,
            lead_id: request.lead_id,
            test_type_id: test_type.id,
            scan_type: Some(info.name.to_owned()),
            title: request.test_title.clone().filter(|t| !t.is_empty()),
            target_start: scan_time,
            target_end: scan_time,
            percent_complete: Some(50),
            environment_id: Some(environment_id),
            api_scan_configuration_id: request.api_scan_configuration,
            ..Test::default()
        },
    )
    .await?;
    write::add_tags(conn, "test_tags", "test_id", &[test.id], &request.tags, now).await?;

    let sla = sla_of(conn, context.product.sla_configuration_id).await?;
    let stamp = Stamp::new(
        info,
        request,
        test.id,
        context.product.id,
        actor.user_id,
        now,
        &sla,
    );
    phases.mark("context");
    // Each slice is turned into rows and written as it arrives, and only
    // what de-duplication and closing need is kept.
    let mut ids: Vec<i64> = Vec::new();
    let mut batch: Vec<DedupRow> = Vec::new();
    let mut batch_endpoints = HashMap::new();
    let mut reported = ReportedKeys::default();
    let mut pending: Vec<(dojo_parsers::Finding, Severity)> = Vec::new();
    loop {
        let slice = incoming.next_slice().await;
        phases.mark("parse");
        let done = slice.is_none();
        if let Some(slice) = slice {
            pending.extend(report_findings(slice, request.minimum_severity)?);
        }
        // A slice is written once 5,000 findings wait, and the rest at the end.
        if pending.len() >= WRITE_CHUNK || (done && !pending.is_empty()) {
            let chunk_ids = bulk::allocate_ids(conn, repo::findings::TABLE, pending.len()).await?;
            let prepared: Vec<Prepared> = std::mem::take(&mut pending)
                .into_iter()
                .zip(&chunk_ids)
                .map(|((finding, severity), id)| {
                    let mut p = write::prepare(&stamp, finding, severity);
                    p.row.id = *id;
                    p
                })
                .collect();
            write::insert_findings(
                conn,
                &prepared,
                test_type.id,
                context.product.id,
                request.endpoint_to_add,
                now,
                phases,
            )
            .await?;
            let (rows, endpoints) = dedup_rows(&prepared, &context, test_type.id);
            batch.extend(rows);
            batch_endpoints.extend(endpoints);
            reported.add(&prepared);
            ids.extend(chunk_ids);
        }
        if done {
            break;
        }
    }
    let parsed = incoming.finish().await?;
    phases.mark("parse");
    let reported_type = test_type_of(conn, info, &parsed, &test_type).await?;
    if reported_type.id != test_type.id {
        move_to_test_type(conn, test.id, test_type.id, reported_type.id).await?;
        for row in &mut batch {
            row.test_type_id = reported_type.id;
        }
        test.test_type_id = reported_type.id;
        test_type = reported_type;
    }
    if let Some(first) = parsed.tests.first() {
        test.description = first.description.clone();
        test.version = first.version.clone();
    }
    if request.apply_tags_to_endpoints && !request.tags.is_empty() {
        let endpoint_ids: Vec<(i64,)> = bulk::fetch_all(
            conn,
            "SELECT DISTINCT s.endpoint_id FROM endpoint_status s JOIN finding f ON f.id = s.finding_id WHERE f.test_id = $1",
            &[test.id.into()],
        )
        .await?;
        let endpoint_ids: Vec<i64> = endpoint_ids.into_iter().map(|(id,)| id).collect();
        write::add_tags(
            conn,
            "endpoint_tags",
            "endpoint_id",
            &endpoint_ids,
            &request.tags,
            now,
        )
        .await?;
    }
    let post = post_process(
        conn,
        context.product.id,
        info,
        test_type.id,
        &batch,
        &batch_endpoints,
        ids.first().copied().unwrap_or(i64::MAX),
    )
    .await?;
    drop(batch);
    drop(batch_endpoints);
    crate::groups::group_new_findings(conn, request, actor, test.id, &ids, now).await?;
    phases.mark("deduplicate");

    let mut actions: Vec<(i64, ImportAction)> =
        ids.iter().map(|id| (*id, ImportAction::Created)).collect();
    let mut closed = 0;
    if request.close_old_findings {
        let to_close = old_findings(conn, request, info, &context, &test, &reported).await?;
        let note = format!(
            "This finding has been automatically closed as it is not present anymore in recent scans (test {}).",
            test.id
        );
        close_findings(conn, &to_close, actor, scan_time, now, &note).await?;
        closed = to_close.len();
        actions.extend(to_close.into_iter().map(|id| (id, ImportAction::Closed)));
    }
    touch_test(conn, &mut test, &mut context, request, now).await?;
    let test_import_id = record_import(
        conn,
        test.id,
        TestImportType::Import,
        request,
        &actions,
        now,
    )
    .await?;
    let after = stats::of_test(conn, test.id).await?;
    phases.mark("close, history, statistics");
    Ok(ImportOutcome {
        test_id: test.id,
        new_test: true,
        created_parents: context.created,
        engagement_id: context.engagement.id,
        product_id: context.product.id,
        product_type_id: context.product_type.id,
        test_import_id,
        statistics: Statistics {
            before: None,
            delta: None,
            after,
        },
        created: ids.len(),
        closed,
        reactivated: 0,
        untouched: 0,
        duplicates: post.duplicates,
        deleted_files: post.deleted_files,
    })
}

/// How many findings are gathered from the parser's slices before they are
/// turned into rows and written.
const WRITE_CHUNK: usize = 5_000;

/// The hash codes and tool ids of the open findings a report holds: what
/// closing old findings compares with.
#[derive(Default)]
struct ReportedKeys {
    hashes: HashSet<String>,
    uids: HashSet<String>,
}

impl ReportedKeys {
    fn add(&mut self, prepared: &[Prepared]) {
        for p in prepared.iter().filter(|p| !p.row.is_mitigated) {
            if let Some(h) = &p.row.hash_code {
                self.hashes.insert(h.clone());
            }
            if let Some(u) = &p.row.unique_id_from_tool {
                self.uids.insert(u.clone());
            }
        }
    }
}

/// Findings of the same tool in the engagement (or product) that this report no
/// longer contains (workflows a.3 step 5).
async fn old_findings(
    conn: &mut Conn,
    request: &ImportRequest,
    info: &ScanTypeInfo,
    context: &Context,
    test: &Test,
    reported: &ReportedKeys,
) -> ImportResult<Vec<i64>> {
    let scope = if request.close_old_findings_product_scope {
        "f.product_id = $1"
    } else {
        "t.engagement_id = $1"
    };
    let scope_id = if request.close_old_findings_product_scope {
        context.product.id
    } else {
        context.engagement.id
    };
    let service_rule = if request.service().is_some() {
        "f.service = $4"
    } else {
        "(f.service IS NULL OR f.service = '')"
    };
    let mut params: Vec<Param> = vec![scope_id.into(), test.test_type_id.into(), test.id.into()];
    if let Some(service) = request.service() {
        params.push(service.into());
    }
    let candidates: Vec<(i64, Option<String>, Option<String>)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT f.id, f.hash_code, f.unique_id_from_tool FROM finding f JOIN test t ON t.id = f.test_id \
             WHERE {scope} AND t.test_type_id = $2 AND f.test_id <> $3 \
             AND (f.active = TRUE OR f.risk_accepted = TRUE) AND {service_rule} ORDER BY f.id"
        ),
        &params,
    )
    .await?;
    let (hashes, uids) = (&reported.hashes, &reported.uids);
    Ok(candidates
        .into_iter()
        .filter(|(_, hash, uid)| {
            let by_hash = hash.as_ref().is_some_and(|h| hashes.contains(h));
            let by_uid = uid.as_ref().is_some_and(|u| uids.contains(u));
            let still_reported = match info.dedup_algorithm {
                DedupAlgorithm::HashCode | DedupAlgorithm::Legacy => by_hash,
                DedupAlgorithm::UniqueIdFromTool => by_uid,
                DedupAlgorithm::UniqueIdFromToolOrHashCode => by_hash || by_uid,
            };
            !still_reported
        })
        .map(|(id, _, _)| id)
        .collect())
}

pub use crate::reimport::{reimport_scan, reimport_scan_hooked, reimport_scan_observed};

pub(crate) mod shared {
    //! Pieces the reimport reuses.
    pub(crate) use super::{
        close_findings, dedup_rows, environment_id, import_in, post_process, record_import,
        report_findings, scan_instant, sla_of, start_run, touch_test,
    };
}
