//! Generic Findings Import: DefectDojo's own CSV and JSON formats.

use serde_json::{Map, Value};

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput, ParsedTest};
use crate::registry::Input;
use crate::util::{cell, cell_opt, parse_bool, parse_cwe, parse_date, parse_datetime, read_csv};

const ID: &str = "Generic Findings Import";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    if input.extension() == "json" {
        let data = crate::util::parse_json(input.bytes)?;
        return Ok(ParseOutput {
            tests: vec![json_test(&data)?],
        });
    }
    Ok(ParseOutput {
        tests: vec![ParsedTest {
            name: Some(ID.into()),
            test_type: Some(ID.into()),
            findings: csv_findings(input.bytes)?,
            ..ParsedTest::default()
        }],
    })
}

const REQUIRED: &[&str] = &["description", "severity", "title"];
const ALLOWED: &[&str] = &[
    "date",
    "cwe",
    "cve",
    "epss_score",
    "epss_percentile",
    "cvssv3",
    "cvssv3_score",
    "cvssv4",
    "cvssv4_score",
    "mitigation",
    "impact",
    "steps_to_reproduce",
    "severity_justification",
    "references",
    "active",
    "verified",
    "false_p",
    "out_of_scope",
    "risk_accepted",
    "under_review",
    "is_mitigated",
    "thread_id",
    "mitigated",
    "numerical_severity",
    "param",
    "payload",
    "line",
    "file_path",
    "component_name",
    "component_version",
    "static_finding",
    "dynamic_finding",
    "scanner_confidence",
    "unique_id_from_tool",
    "vuln_id_from_tool",
    "sast_source_object",
    "sast_sink_object",
    "sast_source_line",
    "sast_source_file_path",
    "nb_occurences",
    "publish_date",
    "service",
    "planned_remediation_date",
    "planned_remediation_version",
    "effort_for_fixing",
    "tags",
    "kev_date",
    "known_exploited",
    "ransomware_used",
    "fix_available",
    "fix_version",
    "endpoints",
    "files",
    "vulnerability_ids",
    "cwes",
];

fn json_test(data: &Value) -> Result<ParsedTest, ParseError> {
    let obj = data
        .as_object()
        .ok_or_else(|| ParseError::invalid("generic JSON must be an object"))?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let mut test = ParsedTest {
        name: text("name").or_else(|| Some(ID.into())),
        test_type: text("type").or_else(|| Some(ID.into())),
        version: text("version"),
        description: text("description"),
        findings: Vec::new(),
    };
    let items = match obj.get("findings") {
        Some(Value::Array(a)) => a.as_slice(),
        None | Some(Value::Null) => &[],
        Some(_) => return Err(ParseError::invalid("\"findings\" must be a list")),
    };
    for item in items {
        let item = item
            .as_object()
            .ok_or_else(|| ParseError::invalid("each finding must be an object"))?;
        test.findings.push(json_finding(item)?);
    }
    Ok(test)
}

fn check_keys(item: &Map<String, Value>) -> Result<(), ParseError> {
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|k| !item.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ParseError::MissingField(format!(
            "required fields are missing: {}",
            missing.join(", ")
        )));
    }
    let mut extra: Vec<&str> = item
        .keys()
        .map(String::as_str)
        .filter(|k| !REQUIRED.contains(k) && !ALLOWED.contains(k))
        .collect();
    extra.sort_unstable();
    if !extra.is_empty() {
        return Err(ParseError::invalid(format!(
            "fields not allowed in a generic finding: {}",
            extra.join(", ")
        )));
    }
    Ok(())
}

/// Text of a scalar; numbers become their decimal text.
fn s(v: Option<&Value>) -> Option<String> {
    v.and_then(crate::util::scalar_string)
}

/// Numeric fields may arrive quoted or as placeholders like "N/A"; DefectDojo
/// keeps what parses and drops the rest.
fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn float(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool(s),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

fn cwe_of(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => parse_cwe(s),
        _ => None,
    }
}

fn endpoint_of(v: &Value) -> Option<Endpoint> {
    match v {
        Value::String(s) if s.contains("://") => Some(Endpoint::from_uri(s)),
        Value::String(s) => Some(Endpoint::from_uri(&format!("//{s}"))),
        Value::Object(o) => Some(Endpoint {
            protocol: s(o.get("protocol")),
            userinfo: s(o.get("userinfo")),
            host: s(o.get("host")),
            port: int(o.get("port")).and_then(|p| u16::try_from(p).ok()),
            path: s(o.get("path")),
            query: s(o.get("query")),
            fragment: s(o.get("fragment")),
        }),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(crate::util::scalar_string).collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn json_finding(item: &Map<String, Value>) -> Result<Finding, ParseError> {
    check_keys(item)?;
    let g = |k: &str| item.get(k);
    let mut f = Finding {
        title: s(g("title")).unwrap_or_default(),
        severity: s(g("severity")).unwrap_or_default(),
        description: s(g("description")).unwrap_or_default(),
        mitigation: s(g("mitigation")),
        impact: s(g("impact")),
        references: s(g("references")),
        steps_to_reproduce: s(g("steps_to_reproduce")),
        severity_justification: s(g("severity_justification")),
        cve: s(g("cve")),
        cvssv3: s(g("cvssv3")),
        cvssv3_score: float(g("cvssv3_score")),
        cvssv4: s(g("cvssv4")),
        cvssv4_score: float(g("cvssv4_score")),
        epss_score: float(g("epss_score")),
        epss_percentile: float(g("epss_percentile")),
        file_path: s(g("file_path")),
        line: int(g("line")),
        sast_source_object: s(g("sast_source_object")),
        sast_sink_object: s(g("sast_sink_object")),
        sast_source_line: int(g("sast_source_line")),
        sast_source_file_path: s(g("sast_source_file_path")),
        component_name: s(g("component_name")),
        component_version: s(g("component_version")),
        unique_id_from_tool: s(g("unique_id_from_tool")),
        vuln_id_from_tool: s(g("vuln_id_from_tool")),
        nb_occurences: int(g("nb_occurences")),
        param: s(g("param")),
        payload: s(g("payload")),
        service: s(g("service")),
        fix_available: boolean(g("fix_available")),
        fix_version: s(g("fix_version")),
        scanner_confidence: int(g("scanner_confidence")),
        planned_remediation_version: s(g("planned_remediation_version")),
        effort_for_fixing: s(g("effort_for_fixing")),
        tags: strings(g("tags")),
        ..Finding::default()
    };
    let flag = |k: &str, default: bool| boolean(g(k)).unwrap_or(default);
    f.active = flag("active", true);
    f.verified = flag("verified", false);
    f.false_p = flag("false_p", false);
    f.out_of_scope = flag("out_of_scope", false);
    f.risk_accepted = flag("risk_accepted", false);
    f.under_review = flag("under_review", false);
    f.is_mitigated = flag("is_mitigated", false);
    f.static_finding = flag("static_finding", false);
    f.dynamic_finding = flag("dynamic_finding", true);
    f.known_exploited = flag("known_exploited", false);
    f.cwe = g("cwe").and_then(cwe_of);
    if let Some(d) = s(g("date")) {
        f.date = Some(parse_date(&d).ok_or_else(|| ParseError::invalid(format!("bad date: {d}")))?);
    }
    f.mitigated = s(g("mitigated")).and_then(|d| parse_datetime(&d));
    f.publish_date = s(g("publish_date")).and_then(|d| parse_date(&d));
    f.planned_remediation_date = s(g("planned_remediation_date")).and_then(|d| parse_date(&d));
    f.endpoints = match g("endpoints") {
        Some(Value::Array(a)) => a.iter().filter_map(endpoint_of).collect(),
        _ => Vec::new(),
    };
    if let Some(cve) = f.cve.clone() {
        f.vulnerability_ids.push(cve);
    }
    f.vulnerability_ids.extend(strings(g("vulnerability_ids")));
    if let Some(Value::Array(cwes)) = g("cwes") {
        let cwes: Vec<u32> = cwes.iter().filter_map(cwe_of).collect();
        if f.cwe.is_none() {
            f.cwe = cwes.first().copied();
        }
        f.cwes = cwes;
    }
    Ok(f)
}

fn is_true(v: &str) -> bool {
    v.to_ascii_lowercase().starts_with('t')
}

fn csv_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let rows = read_csv(bytes, b',')?;
    let mut out: Vec<Finding> = Vec::new();
    for row in rows {
        let req = |k: &str| {
            cell(&row, k).ok_or_else(|| ParseError::MissingField(format!("CSV column {k}")))
        };
        let severity = req("Severity")?;
        let date = req("Date")?;
        let mut f = Finding {
            title: req("Title")?.to_string(),
            description: req("Description")?.to_string(),
            severity: if ["Info", "Low", "Medium", "High", "Critical"].contains(&severity) {
                severity.to_string()
            } else {
                "Info".into()
            },
            date: Some(
                parse_date(date).ok_or_else(|| ParseError::invalid(format!("bad date: {date}")))?,
            ),
            duplicate: cell(&row, "Duplicate").is_some_and(is_true),
            nb_occurences: Some(1),
            ..Finding::default()
        };
        if let Some(v) = cell(&row, "Active") {
            f.active = is_true(v);
        }
        if let Some(v) = cell(&row, "IsMitigated") {
            f.is_mitigated = is_true(v);
        }
        f.mitigated = cell(&row, "MitigatedDate").and_then(parse_datetime);
        f.mitigation = cell(&row, "Mitigation").map(str::to_string);
        f.impact = cell(&row, "Impact").map(str::to_string);
        f.references = cell(&row, "References").map(str::to_string);
        if let Some(v) = cell(&row, "Verified") {
            f.verified = is_true(v);
        }
        if let Some(v) = cell(&row, "FalsePositive") {
            f.false_p = is_true(v);
        }
        if let Some(v) = cell(&row, "CVE") {
            f.vulnerability_ids.push(v.to_string());
        }
        if let Some(v) = cell_opt(&row, "Vulnerability Id") {
            f.vulnerability_ids.push(v);
        }
        if let Some(v) = cell(&row, "CweId") {
            f.cwe = parse_cwe(v);
        }
        if let Some(v) = cell_opt(&row, "CweIds") {
            let cwes: Vec<u32> = v
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter_map(parse_cwe)
                .collect();
            if f.cwe.is_none() {
                f.cwe = cwes.first().copied();
            }
            f.cwes = cwes;
        }
        f.epss_score = cell(&row, "epss_score").and_then(|v| v.trim().parse().ok());
        f.epss_percentile = cell(&row, "epss_percentile").and_then(|v| v.trim().parse().ok());
        f.cvssv3 = cell_opt(&row, "CVSSV3").filter(|v| v.starts_with("CVSS:3"));
        f.cvssv4 = cell_opt(&row, "CVSSV4").filter(|v| v.starts_with("CVSS:4"));
        f.cvssv4_score = cell(&row, "CVSSV4_score").and_then(|v| v.trim().parse().ok());
        if let Some(v) = cell(&row, "known_exploited") {
            f.known_exploited = !v.is_empty();
        }
        if let Some(v) = cell(&row, "fix_available") {
            f.fix_available = Some(!v.is_empty());
        }
        f.fix_version = cell(&row, "fix_version").map(str::to_string);
        if let Some(url) = cell_opt(&row, "Url") {
            let url = if url.contains("://") {
                url
            } else {
                format!("//{url}")
            };
            f.endpoints.push(Endpoint::from_uri(&url));
        }
        // Rows with the same severity, title and description are one finding
        // seen several times.
        match out.iter_mut().find(|o| {
            o.severity == f.severity && o.title == f.title && o.description == f.description
        }) {
            Some(o) => {
                o.endpoints.append(&mut f.endpoints);
                o.vulnerability_ids.append(&mut f.vulnerability_ids);
                o.cwes.append(&mut f.cwes);
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => out.push(f),
        }
    }
    Ok(out)
}
