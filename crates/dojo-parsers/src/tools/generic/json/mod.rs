//! DefectDojo's generic JSON format: a test (`name`, `type`, `version`,
//! `description`) with a list of findings whose keys are Finding fields.
//!
//! Reports reach hundreds of megabytes, so each finding is read into a
//! [`RawFinding`] (long texts borrowed from the input), turned into a
//! [`Finding`] and handed over before the next is read: only a slice of
//! findings is ever held besides the report. After a bad finding the rest of
//! the document is still read, so a syntax error anywhere wins over a
//! finding's key error, as when the whole tree was parsed first.

mod raw;

use serde::de::DeserializeSeed;
use serde_json::Value;

use super::ID;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParsedTest};
use crate::lax::Scalar;
use crate::stream::{Sink, Slices};
use crate::util::{json_text, parse_cwe, parse_date, parse_datetime};
use raw::{Entry, EntrySink, Findings, RawFinding, Top, TopSeed, F};

/// Keys a finding must have.
const REQUIRED: &[&str] = &["description", "severity", "title"];

/// Turns entries into findings for the sink, remembering the first bad one.
struct Converter<'a, 's> {
    slices: Slices<'a, 's>,
    bad_entry: Option<ParseError>,
    sink_error: Option<ParseError>,
}

impl<'de> EntrySink<'de> for Converter<'_, '_> {
    fn entry(&mut self, entry: Entry<'de>) -> Result<(), String> {
        if self.bad_entry.is_some() {
            return Ok(());
        }
        let converted = match entry {
            Entry::Finding(raw) => finding(&raw),
            Entry::NotObject => Err(ParseError::invalid("each finding must be an object")),
        };
        match converted {
            Ok(f) => self.slices.push(0, f).map_err(|e| {
                let message = e.to_string();
                self.sink_error = Some(e);
                message
            }),
            Err(e) => {
                self.bad_entry = Some(e);
                Ok(())
            }
        }
    }
}

/// Reads the report, handing its findings to `sink` as test 0, and returns
/// the test without findings.
pub(super) fn test_in_slices(bytes: &[u8], sink: &mut Sink<'_>) -> Result<ParsedTest, ParseError> {
    let text = json_text(bytes);
    let mut converter = Converter {
        slices: Slices::new(sink),
        bad_entry: None,
        sink_error: None,
    };
    let mut reader = serde_json::Deserializer::from_str(&text);
    let top = TopSeed {
        sink: &mut converter,
    }
    .deserialize(&mut reader)
    .and_then(|top| reader.end().map(|()| top));
    let doc = match top {
        Err(e) => return Err(converter.sink_error.unwrap_or_else(|| e.into())),
        Ok(Top::Other) => return Err(ParseError::invalid("generic JSON must be an object")),
        Ok(Top::Object(doc)) => doc,
    };
    if doc.findings == Findings::NotList {
        return Err(ParseError::invalid("\"findings\" must be a list"));
    }
    if let Some(e) = converter.bad_entry {
        return Err(e);
    }
    converter.slices.flush()?;
    let text = |s: &Scalar<'_>| s.as_str().map(str::to_string);
    Ok(ParsedTest {
        name: text(&doc.name).or_else(|| Some(ID.into())),
        test_type: text(&doc.kind).or_else(|| Some(ID.into())),
        version: text(&doc.version),
        description: text(&doc.description),
        findings: Vec::new(),
    })
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
        let mut findings = Vec::new();
        let mut test = test_in_slices(text.as_bytes(), &mut |_, slice| {
            findings.extend(slice);
            Ok(())
        })?;
        test.findings = findings;
        Ok(test)
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

    #[test]
    fn findings_are_handed_over_while_the_report_is_read() {
        let report = crate::synthetic::generic_report(0..crate::stream::SLICE_LEN * 2 + 5);
        let mut slices = Vec::new();
        let t = test_in_slices(&report, &mut |test, findings| {
            slices.push((test, findings.len()));
            Ok(())
        })
        .unwrap();
        let len = crate::stream::SLICE_LEN;
        assert_eq!(slices, vec![(0, len), (0, len), (0, 5)]);
        assert!(t.findings.is_empty());
    }

    #[test]
    fn a_sink_error_stops_the_reading_and_is_returned() {
        let report = crate::synthetic::generic_report(0..crate::stream::SLICE_LEN * 3);
        let mut calls = 0;
        let result = test_in_slices(&report, &mut |_, _| {
            calls += 1;
            Err(ParseError::invalid("the import stopped"))
        });
        assert_eq!(calls, 1);
        assert_eq!(result, Err(ParseError::invalid("the import stopped")));
    }

    #[test]
    fn a_second_findings_list_is_refused() {
        let twice = r#"{"findings": [], "findings": []}"#;
        assert!(parse(twice).is_err_and(|e| e.to_string().contains("more than one")));
    }
}
