//! Finding templates on the wire (api.md §3.5): the model's fields with
//! `references` for `refs`, the vulnerability ids and endpoint URLs as lists
//! (stored one per line), and tags.

use dojo_domain::entities::FindingTemplate;
use dojo_domain::Severity;
use serde_json::{json, Value};

use super::datetime_value;
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null, UNBOUNDED};
use crate::api::RequestFields;

/// What the JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateExtra {
    pub tags: Vec<String>,
}

/// The tags a body set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateInput {
    pub tags: Option<Vec<String>>,
}

/// The lines of a text list, without blanks.
pub fn lines(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `cve` first, then the stored list, each once.
pub fn vulnerability_ids(row: &FindingTemplate) -> Vec<String> {
    let mut ids: Vec<String> = row.cve.iter().cloned().collect();
    for id in lines(row.vulnerability_ids_text.as_deref()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

pub fn json(row: &FindingTemplate, extra: &TemplateExtra) -> Value {
    json!({
        "id": row.id,
        "tags": extra.tags,
        "vulnerability_ids": vulnerability_ids(row),
        "endpoints": lines(row.endpoints_text.as_deref()),
        "title": row.title,
        "cwe": row.cwe,
        "cvssv3": row.cvssv3,
        "cvssv3_score": row.cvssv3_score,
        "cvssv4": row.cvssv4,
        "cvssv4_score": row.cvssv4_score,
        "severity": row.severity.map(Severity::as_str),
        "description": row.description,
        "mitigation": row.mitigation,
        "impact": row.impact,
        "references": row.refs,
        "last_used": row.last_used.as_ref().map(datetime_value),
        "numerical_severity": row.numerical_severity,
        "fix_available": row.fix_available,
        "fix_version": row.fix_version,
        "planned_remediation_version": row.planned_remediation_version,
        "effort_for_fixing": row.effort_for_fixing,
        "steps_to_reproduce": row.steps_to_reproduce,
        "severity_justification": row.severity_justification,
        "component_name": row.component_name,
        "component_version": row.component_version,
        "notes": row.notes,
    })
}

/// A list of strings, or text with one item per line; `None` when absent.
fn string_list(f: &mut Fields<'_>, body: &RequestFields, name: &str) -> Option<Vec<String>> {
    let values = body.values.get(name).filter(|v| !v.is_empty())?;
    let mut out = Vec::new();
    for value in values {
        match value {
            Value::Null => {}
            Value::String(text) => out.extend(lines(Some(text))),
            Value::Array(items) => {
                for item in items {
                    match item.as_str() {
                        Some(text) if !text.trim().is_empty() => out.push(text.trim().to_owned()),
                        Some(_) => {}
                        None => {
                            f.error(name, "Not a valid string.");
                            return None;
                        }
                    }
                }
            }
            _ => {
                f.error(name, "Not a valid string.");
                return None;
            }
        }
    }
    Some(out)
}

pub fn read(
    body: &RequestFields,
    mode: Mode,
    current: Option<&FindingTemplate>,
) -> Result<(FindingTemplate, TemplateInput), FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(title) = f.required_text("title", 1000) {
        row.title = title;
    }
    if let Some(cwe) = f.integer("cwe", None, Null::Allowed) {
        row.cwe = cwe;
    }
    for (field, max, slot) in [
        ("cvssv3", 117, &mut row.cvssv3),
        ("cvssv4", 255, &mut row.cvssv4),
        ("description", UNBOUNDED, &mut row.description),
        ("mitigation", UNBOUNDED, &mut row.mitigation),
        ("impact", UNBOUNDED, &mut row.impact),
        ("references", UNBOUNDED, &mut row.refs),
        ("fix_version", 100, &mut row.fix_version),
        (
            "planned_remediation_version",
            99,
            &mut row.planned_remediation_version,
        ),
        ("effort_for_fixing", 99, &mut row.effort_for_fixing),
        ("steps_to_reproduce", UNBOUNDED, &mut row.steps_to_reproduce),
        (
            "severity_justification",
            UNBOUNDED,
            &mut row.severity_justification,
        ),
        ("component_name", 500, &mut row.component_name),
        ("component_version", 100, &mut row.component_version),
        ("notes", UNBOUNDED, &mut row.notes),
    ] {
        if let Some(value) = f.text(field, max, Blank::Allowed) {
            *slot = value;
        }
    }
    for (field, slot) in [
        ("cvssv3_score", &mut row.cvssv3_score),
        ("cvssv4_score", &mut row.cvssv4_score),
    ] {
        if let Some(score) = f.float(field, Some(0.0), Some(10.0), Null::Allowed) {
            *slot = score;
        }
    }
    let severities: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    if let Some(severity) = f.choice("severity", &severities, Blank::Allowed) {
        row.severity = severity.and_then(|s| s.parse().ok());
    }
    row.numerical_severity = row.severity.map(|s| s.numerical().to_owned());
    if f.supplied("fix_available") {
        row.fix_available = match body.values.get("fix_available").and_then(|v| v.last()) {
            Some(Value::Null) => None,
            _ => f.boolean("fix_available"),
        };
    }
    if let Some(ids) = string_list(&mut f, body, "vulnerability_ids") {
        let mut ids = ids.into_iter();
        row.cve = ids.next();
        let rest: Vec<String> = ids.collect();
        row.vulnerability_ids_text = (!rest.is_empty()).then(|| rest.join("\n"));
    }
    if let Some(urls) = string_list(&mut f, body, "endpoints") {
        row.endpoints_text = (!urls.is_empty()).then(|| urls.join("\n"));
    }
    let input = TemplateInput {
        tags: f.tags("tags"),
    };
    f.finish()?;
    Ok((row, input))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn lists_are_stored_one_per_line() {
        let (row, input) = read(
            &body(json!({"title": "XSS", "severity": "High", "cwe": 79,
                          "vulnerability_ids": ["CVE-1", "GHSA-2"],
                          "endpoints": "https://a.example.com\nhttps://b.example.com",
                          "references": "r", "tags": ["web"]})),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.cve.as_deref(), Some("CVE-1"));
        assert_eq!(row.numerical_severity.as_deref(), Some("S1"));
        assert_eq!(input.tags, Some(vec!["web".into()]));
        let v = json(&row, &TemplateExtra::default());
        assert_eq!(v["vulnerability_ids"], json!(["CVE-1", "GHSA-2"]));
        assert_eq!(
            v["endpoints"],
            json!(["https://a.example.com", "https://b.example.com"])
        );
        assert_eq!(v["references"], "r");
        assert_eq!(v["fix_available"], Value::Null);
    }

    #[test]
    fn title_is_required_and_severity_checked() {
        let errors = read(&body(json!({"severity": "Severe"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["title"], vec!["This field is required."]);
        assert_eq!(
            errors["severity"],
            vec!["\"Severe\" is not a valid choice."]
        );
    }
}
