use serde_json::Value;

use crate::finding::Finding;
use crate::util::{scalar_string, JsonExt};

/// SonarQube's API timestamps ("2023-10-16T15:05:35+0000"). A malformed one
/// leaves the date unset, so the importer uses today as DefectDojo does.
fn api_date(v: Option<String>) -> Option<chrono::NaiveDate> {
    let s = v?;
    chrono::DateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%z")
        .ok()
        .map(|d| d.date_naive())
}

fn severity(raw: &str) -> String {
    match raw {
        "BLOCKER" => "High".into(),
        "MAJOR" => "Medium".into(),
        "MINOR" => "Low".into(),
        other => {
            let lower = other.to_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => "Info".into(),
            }
        }
    }
}

/// "… Label: value | …" fields inside a vulnerability message.
fn field<'a>(message: &'a str, label: &str) -> Option<&'a str> {
    let start = message.find(label)? + label.len();
    let rest = message.get(start..)?;
    Some(rest.split(" | ").next().unwrap_or(rest).trim())
}

fn description(issue: &Value) -> String {
    let mut d = String::new();
    for k in [
        "key",
        "rule",
        "ruleKey",
        "component",
        "project",
        "status",
        "message",
        "type",
        "scope",
    ] {
        if let Some(v) = issue.get(k).and_then(scalar_string) {
            d.push_str(&format!("**{k}:** {v}\n"));
        }
    }
    d
}

pub(super) fn findings(data: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    for issue in data.arr_at("issues") {
        let key = issue.str_at("key").unwrap_or_default();
        let rule = issue.str_at("rule").unwrap_or_default();
        let mut f = Finding::new_static(
            format!("{rule}_{key}"),
            severity(&issue.str_at("severity").unwrap_or_default()),
        );
        f.description = description(issue);
        f.date = api_date(issue.str_at("creationDate"));
        let component = issue.str_at("component");
        match issue.str_at("type").as_deref() {
            Some("BUG") => {
                f.line = issue.i64_at("line");
                f.tags = vec!["bug".into()];
            }
            Some("VULNERABILITY") => {
                let message = issue.str_at("message").unwrap_or_default();
                f.file_path = component;
                f.cwe = field(&message, "Category: CWE-")
                    .map(|c| {
                        c.chars()
                            .take_while(char::is_ascii_digit)
                            .collect::<String>()
                    })
                    .and_then(|c| c.parse().ok());
                f.cvssv3_score = field(&message, "CVSS Score: ")
                    .and_then(|s| s.get(..3).and_then(|x| x.parse().ok()));
                if let Some(comp) =
                    field(&message, "Filename: ").filter(|_| message.contains(" | "))
                {
                    let mut parts = comp.splitn(3, ':');
                    f.component_name = parts.next().map(str::to_string);
                    f.component_version = parts.next().map(str::to_string);
                }
                for label in ["Reference: ", "References: "] {
                    let mut rest = message.as_str();
                    while let Some(i) = rest.find(label) {
                        let tail = rest.get(i + label.len()..).unwrap_or_default();
                        let id: String = tail
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect();
                        // CVE numbers have four to seven digits.
                        let cve_ok = id.strip_prefix("CVE-").is_some_and(|rest| {
                            rest.split_once('-')
                                .is_some_and(|(y, n)| y.len() == 4 && (4..=7).contains(&n.len()))
                        });
                        if cve_ok || id.starts_with("GHSA-") {
                            f.add_vulnerability_id(id);
                        }
                        rest = tail;
                    }
                }
                f.tags = vec!["vulnerability".into()];
            }
            Some("CODE_SMELL") => {
                f.file_path = component;
                f.line = issue.i64_at("line");
                f.tags = vec!["code_smell".into()];
            }
            _ => continue,
        }
        out.push(f);
    }
    for hotspot in data.arr_at("hotspots") {
        let key = hotspot.str_at("key").unwrap_or_default();
        let rule = hotspot.str_at("ruleKey").unwrap_or_default();
        let mut f = Finding::new_static(
            format!("{rule}_{key}"),
            severity(
                &hotspot
                    .str_at("vulnerabilityProbability")
                    .unwrap_or_default(),
            ),
        );
        f.description = description(hotspot);
        f.date = api_date(hotspot.str_at("creationDate"));
        f.file_path = hotspot.str_at("component");
        f.line = hotspot.i64_at("line");
        f.tags = vec!["hotspot".into()];
        out.push(f);
    }
    out
}
