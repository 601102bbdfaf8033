//! DefectDojo's generic JSON format: a test (`name`, `type`, `version`,
//! `description`) with a list of findings whose keys are Finding fields.
//!
//! Reports reach hundreds of megabytes, so findings are read straight into
//! [`RawFinding`] (long texts borrowed from the input) rather than through a
//! `serde_json::Value` tree. The whole document is read before any finding is
//! checked, so a syntax error anywhere still wins over a finding's key error,
//! as when the tree was parsed first.

mod raw;

use serde_json::Value;

use super::ID;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParsedTest};
use crate::lax::{from_text, Scalar};
use crate::util::{json_text, parse_cwe, parse_date, parse_datetime};
use raw::{Entry, Findings, RawFinding, Top, F};

/// Keys a finding must have.
const REQUIRED: &[&str] = &["description", "severity", "title"];

pub(super) fn test(bytes: &[u8]) -> Result<ParsedTest, ParseError> {
    let text = json_text(bytes);
    let mut tree = None;
    let Top::Object(doc) = from_text(&text, &mut tree)? else {
        return Err(ParseError::invalid("generic JSON must be an object"));
    };
    let text = |s: &Scalar<'_>| s.as_str().map(str::to_string);
    let mut test = ParsedTest {
        name: text(&doc.name).or_else(|| Some(ID.into())),
        test_type: text(&doc.kind).or_else(|| Some(ID.into())),
        version: text(&doc.version),
        description: text(&doc.description),
        findings: Vec::new(),
    };
    let entries = match doc.findings {
        Findings::None => Vec::new(),
        Findings::List(entries) => entries,
        Findings::NotList => return Err(ParseError::invalid("\"findings\" must be a list")),
    };
    for entry in entries {
        let Entry::Finding(raw) = entry else {
            return Err(ParseError::invalid("each finding must be an object"));
        };
        test.findings.push(finding(&raw)?);
    }
    Ok(test)
}

fn check_keys(raw: &RawFinding<'_>) -> Result<(), ParseError> {
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|k| !raw.has(k)).collect();
    if !missing.is_empty() {
        return Err(ParseError::MissingField(format!(
            "required fields are missing: {}",
            missing.join(", ")
        )));
    }
    if !raw.unknown.is_empty() {
        let mut extra: Vec<&str> = raw.unknown.iter().map(String::as_str).collect();
        extra.sort_unstable();
        extra.dedup();
        return Err(ParseError::invalid(format!(
            "fields not allowed in a generic finding: {}",
            extra.join(", ")
        )));
    }
    Ok(())
}

fn cwe_of(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => parse_cwe(s),
        _ => None,
    }
}

fn scalar_cwe(v: &Scalar<'_>) -> Option<u32> {
    match v {
        Scalar::Num(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Scalar::Str(s) => parse_cwe(s),
        _ => None,
    }
}

fn endpoint_of(v: &Value) -> Option<Endpoint> {
    let s = |v: Option<&Value>| v.and_then(crate::util::scalar_string);
    match v {
        Value::String(s) if s.contains("://") => Some(Endpoint::from_uri(s)),
        Value::String(s) => Some(Endpoint::from_uri(&format!("//{s}"))),
        Value::Object(o) => Some(Endpoint {
            protocol: s(o.get("protocol")),
            userinfo: s(o.get("userinfo")),
            host: s(o.get("host")),
            port: o
                .get("port")
                .and_then(|p| match p {
                    Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .and_then(|p| u16::try_from(p).ok()),
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

fn finding(raw: &RawFinding<'_>) -> Result<Finding, ParseError> {
    check_keys(raw)?;
    let s = |f| raw.text(f);
    let float = |f| raw.get(f).f64();
    let int = |f| raw.get(f).i64();
    let mut f = Finding {
        title: s(F::title).unwrap_or_default(),
        severity: s(F::severity).unwrap_or_default(),
        description: s(F::description).unwrap_or_default(),
        mitigation: s(F::mitigation),
        impact: s(F::impact),
        references: s(F::references),
        steps_to_reproduce: s(F::steps_to_reproduce),
        severity_justification: s(F::severity_justification),
        cve: s(F::cve),
        cvssv3: s(F::cvssv3),
        cvssv3_score: float(F::cvssv3_score),
        cvssv4: s(F::cvssv4),
        cvssv4_score: float(F::cvssv4_score),
        epss_score: float(F::epss_score),
        epss_percentile: float(F::epss_percentile),
        file_path: s(F::file_path),
        line: int(F::line),
        sast_source_object: s(F::sast_source_object),
        sast_sink_object: s(F::sast_sink_object),
        sast_source_line: int(F::sast_source_line),
        sast_source_file_path: s(F::sast_source_file_path),
        component_name: s(F::component_name),
        component_version: s(F::component_version),
        unique_id_from_tool: s(F::unique_id_from_tool),
        vuln_id_from_tool: s(F::vuln_id_from_tool),
        nb_occurences: int(F::nb_occurences),
        param: s(F::param),
        payload: s(F::payload),
        service: s(F::service),
        fix_available: raw.get(F::fix_available).bool(),
        fix_version: s(F::fix_version),
        scanner_confidence: int(F::scanner_confidence),
        planned_remediation_version: s(F::planned_remediation_version),
        effort_for_fixing: s(F::effort_for_fixing),
        tags: strings(raw.tags.as_ref()),
        ..Finding::default()
    };
    let flag = |k, default: bool| raw.get(k).bool().unwrap_or(default);
    f.active = flag(F::active, true);
    f.verified = flag(F::verified, false);
    f.false_p = flag(F::false_p, false);
    f.out_of_scope = flag(F::out_of_scope, false);
    f.risk_accepted = flag(F::risk_accepted, false);
    f.under_review = flag(F::under_review, false);
    f.is_mitigated = flag(F::is_mitigated, false);
    f.static_finding = flag(F::static_finding, false);
    f.dynamic_finding = flag(F::dynamic_finding, true);
    f.known_exploited = flag(F::known_exploited, false);
    f.cwe = scalar_cwe(raw.get(F::cwe));
    if let Some(d) = s(F::date) {
        f.date = Some(parse_date(&d).ok_or_else(|| ParseError::invalid(format!("bad date: {d}")))?);
    }
    f.mitigated = s(F::mitigated).and_then(|d| parse_datetime(&d));
    f.publish_date = s(F::publish_date).and_then(|d| parse_date(&d));
    f.planned_remediation_date = s(F::planned_remediation_date).and_then(|d| parse_date(&d));
    f.endpoints = match &raw.endpoints {
        Some(Value::Array(a)) => a.iter().filter_map(endpoint_of).collect(),
        _ => Vec::new(),
    };
    if let Some(cve) = f.cve.clone() {
        f.vulnerability_ids.push(cve);
    }
    f.vulnerability_ids
        .extend(strings(raw.vulnerability_ids.as_ref()));
    if let Some(Value::Array(cwes)) = &raw.cwes {
        let cwes: Vec<u32> = cwes.iter().filter_map(cwe_of).collect();
        if f.cwe.is_none() {
            f.cwe = cwes.first().copied();
        }
        f.cwes = cwes;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedTest, ParseError> {
        test(text.as_bytes())
    }

    #[test]
    fn key_errors_and_repeated_keys() {
        let missing = parse(r#"{"findings": [{"title": "t", "severity": "High"}]}"#);
        assert!(matches!(missing, Err(ParseError::MissingField(_))));
        let extra = parse(
            r#"{"findings": [{"title": "t", "severity": "High", "description": "d", "zz": 1, "aa": 2, "zz": 3}]}"#,
        );
        assert!(extra.is_err_and(|e| e.to_string().contains("aa, zz")));
        let t = parse(
            r#"{"name": "n", "name": "m", "findings": [{"title": "a", "title": "b", "severity": "Low", "description": "d", "files": []}]}"#,
        )
        .unwrap();
        assert_eq!(t.name.as_deref(), Some("m"));
        assert_eq!(t.findings.first().map(|f| f.title.as_str()), Some("b"));
    }

    #[test]
    fn shape_errors() {
        assert!(parse("[]").is_err());
        assert!(parse(r#"{"findings": {}}"#).is_err());
        assert!(parse(r#"{"findings": [1]}"#).is_err());
        assert!(parse(r#"{"findings": null}"#).is_ok_and(|t| t.findings.is_empty()));
        // A syntax error later in the file wins over an earlier bad finding.
        assert!(matches!(
            parse(r#"{"findings": [{"title": "t"}, {"title": }]}"#),
            Err(ParseError::Json(_))
        ));
    }
}
