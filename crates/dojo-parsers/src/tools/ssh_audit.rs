//! ssh-audit JSON output (`ssh-audit -j`): known CVEs of the server
//! software, and key-exchange, host-key and MAC algorithms it flags.

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{json_text, py_repr, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    // DefectDojo treats a file that is not JSON as an empty report.
    let Ok(data) = serde_json::from_str::<Value>(&json_text(input.bytes)) else {
        return Ok(ParseOutput::default());
    };
    if data.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(ParseOutput::single(Vec::new()));
    }
    let banner = data
        .get_path("banner.raw")
        .map(py_str)
        .ok_or_else(|| ParseError::MissingField("banner.raw".into()))?;
    let target = data
        .str_at("target")
        .ok_or_else(|| ParseError::MissingField("target".into()))?;
    let mut parts = target.split(':');
    let host = parts.next().unwrap_or_default().to_string();
    let port = parts
        .next()
        .ok_or_else(|| ParseError::invalid(format!("target {target:?} has no port")))?;
    let endpoint = Endpoint {
        host: Some(host).filter(|h| !h.is_empty()),
        port: port.trim().parse().ok(),
        ..Endpoint::default()
    };

    let mut out = Vec::new();
    for cve in data.arr_at("cves") {
        let name = cve.get("name").map(py_str).unwrap_or_default();
        let score = cve.f64_at("cvssv2").unwrap_or(0.0);
        let mut f = Finding::new_dynamic(format!("{banner}_{name}"), cvss_severity(score));
        f.description = format!(
            "**CVE**: {name}\n**Description**: {}\n**Banner**: {banner}",
            cve.get("description").map(py_str).unwrap_or_default()
        );
        f.add_vulnerability_id(name);
        f.endpoints.push(endpoint.clone());
        out.push(f);
    }
    for (section, with_keysize) in [("kex", false), ("key", true), ("mac", false)] {
        for alg in data.arr_at(section) {
            if let Some(f) = algorithm(alg, &banner, with_keysize) {
                let mut f = f;
                f.endpoints.push(endpoint.clone());
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

/// Text as Python's `str()` shows a JSON value (lists in repr form).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// NVD's CVSS bands as DefectDojo applies them to the v2 score.
fn cvss_severity(score: f64) -> &'static str {
    if score == 0.0 {
        "Info"
    } else if score < 4.0 {
        "Low"
    } else if score < 7.0 {
        "Medium"
    } else if score < 9.0 {
        "High"
    } else {
        "Critical"
    }
}

/// A flagged algorithm: failures are High, warnings alone Medium.
fn algorithm(alg: &Value, banner: &str, with_keysize: bool) -> Option<Finding> {
    let notes = alg.get("notes")?.as_object()?;
    let fail = notes.get("fail");
    let warn = notes.get("warn");
    if fail.is_none() && warn.is_none() {
        return None;
    }
    let name = alg.get("algorithm").map(py_str).unwrap_or_default();
    let mut lines = vec![format!("**Algorithm**: {name}")];
    if let Some(f) = fail {
        lines.push(format!("**Description Failure**: {}", py_str(f)));
    }
    if let Some(w) = warn {
        lines.push(format!("**Description Warning**: {}", py_str(w)));
    }
    if with_keysize {
        if let Some(k) = alg.get("keysize") {
            lines.push(format!("**KeySize**: {}", py_str(k)));
        }
    }
    if let Some(info) = notes.get("info").filter(|i| truthy(i)) {
        lines.push(format!("**Info**: {}", py_str(info)));
    }
    let severity = if fail.is_some() { "High" } else { "Medium" };
    let mut f = Finding::new_dynamic(format!("{banner}_{name}"), severity);
    f.description = lines.join("\n");
    Some(f)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
