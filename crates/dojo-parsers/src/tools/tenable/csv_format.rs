use super::{cves, numeric_severity};
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::{cell, read_csv};
use crate::xml::decode_text;
use std::collections::HashMap;

type Row = Vec<(String, String)>;

/// The first of several alternative column names that the row has.
fn col<'a>(row: &'a Row, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| cell(row, n))
}

fn severity(raw: &str) -> String {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<i64>() {
        return numeric_severity(n).into();
    }
    let mut c = raw.chars();
    let word: String = match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => return "Info".into(),
    };
    if ["Critical", "High", "Medium", "Low", "Info"].contains(&word.as_str()) {
        word
    } else {
        "Info".into()
    }
}

/// Product and version of the first `cpe:/` URI in the cell.
fn cpe_component(text: &str) -> (Option<String>, Option<String>) {
    let Some(i) = text.find("cpe:/") else {
        return (None, None);
    };
    let cpe: String = text
        .get(i..)
        .unwrap_or_default()
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let parts: Vec<&str> = cpe.trim_start_matches("cpe:/").split(':').collect();
    let get = |i: usize| {
        parts
            .get(i)
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
    };
    // A CPE cut from a comma-separated list keeps its trailing comma. When
    // the comma lands in the product or version, DefectDojo's CPE library
    // rejects the URI binding and reads it shifted: the vendor lands in the
    // name and the product in the version.
    if cpe.ends_with(',') && parts.len() <= 4 {
        (get(1), get(2))
    } else {
        (get(2), get(3))
    }
}

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let text = decode_text(bytes);
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(';') { b';' } else { b',' };
    let rows = read_csv(text.as_bytes(), delimiter)?;
    let mut out: Vec<Finding> = Vec::new();
    // Index in `out` of each aggregate's key.
    let mut keys: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let Some(title) =
            col(row, &["Name", "Plugin Name", "asset.name"]).filter(|t| !t.is_empty())
        else {
            continue;
        };
        let mut raw_sev = col(row, &["Risk", "severity"]).unwrap_or_default();
        if raw_sev.is_empty() {
            raw_sev = cell(row, "Severity").unwrap_or("Info");
        }
        let sev = severity(raw_sev);
        let synopsis = col(row, &["Synopsis", "definition.synopsis"]).unwrap_or("N/A");
        let host_key = col(row, &["Host", "asset.host_name"]).unwrap_or("No host");
        let port_key = col(row, &["Port", "asset.port"]).unwrap_or("No port");
        // Rows of one plugin on one host and port are a single finding.
        let key = format!("{sev}|{title}|{host_key}|{port_key}|{synopsis}");
        let idx = match keys.get(&key).copied() {
            Some(i) => i,
            None => {
                let mut f = Finding::new_dynamic(title, sev.clone());
                f.description = synopsis.to_string();
                f.mitigation = Some(
                    col(row, &["Solution", "definition.solution"])
                        .unwrap_or("N/A")
                        .to_string(),
                );
                f.impact = Some(
                    col(row, &["Description", "definition.description"])
                        .unwrap_or("N/A")
                        .to_string(),
                );
                f.references = Some(
                    col(row, &["See Also", "definition.see_also"])
                        .unwrap_or("N/A")
                        .to_string(),
                );
                if let Some(v) = cell(row, "CVSS V3 Vector").filter(|v| !v.is_empty()) {
                    f.cvssv3 = Some(if v.starts_with("CVSS:") {
                        v.to_string()
                    } else {
                        format!("CVSS:3.0/{v}")
                    });
                }
                f.cvssv3_score = col(row, &["CVSSv3", "definition.cvss3.base_score"])
                    .and_then(|s| s.trim().parse().ok());
                let (n, v) =
                    cpe_component(col(row, &["CPE", "definition.cpe"]).unwrap_or_default());
                f.component_name = n;
                f.component_version = v;
                keys.insert(key, out.len());
                out.push(f);
                out.len() - 1
            }
        };
        let Some(f) = out.get_mut(idx) else { continue };
        if let Some(po) = col(row, &["Plugin Output", "output"]).filter(|s| !s.is_empty()) {
            f.description.push_str(&format!("\n\n{po}"));
        }
        f.vulnerability_ids.extend(cves(
            col(row, &["CVE", "definition.cve"]).unwrap_or_default(),
        ));
        let mut host = col(row, &["Host", "asset.host_name"]).unwrap_or_default();
        if host.is_empty() {
            host = cell(row, "DNS Name").unwrap_or_default();
        }
        if host.is_empty() {
            host = cell(row, "IP Address").unwrap_or("localhost");
        }
        let protocol = col(row, &["Protocol", "protocol"])
            .filter(|p| !p.is_empty())
            .map(str::to_lowercase);
        let port = col(row, &["Port", "asset.port"])
            .filter(|p| !p.is_empty() && *p != "0")
            .and_then(|p| p.trim().parse().ok());
        f.endpoints.push(if host.contains("://") {
            Endpoint::from_uri(host)
        } else {
            Endpoint {
                protocol,
                host: Some(host.to_string()),
                port,
                ..Endpoint::default()
            }
        });
    }
    Ok(out)
}
