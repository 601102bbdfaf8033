//! Burp Suite XML issue exports. Issues of the same Burp type are one
//! finding, with an endpoint for every occurrence's host.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, strip_html};
use crate::xml::{self, Element};

fn severity(raw: &str) -> String {
    match raw.trim().to_ascii_lowercase().as_str() {
        "high" => "High".into(),
        "medium" => "Medium".into(),
        "low" => "Low".into(),
        "critical" => "Critical".into(),
        _ => "Info".into(),
    }
}

/// Burp's location looks like "/path [name parameter]".
fn param(location: &str) -> Option<String> {
    let start = location.rfind('[')?;
    let inner = location.get(start + 1..)?.strip_suffix(']')?;
    Some(inner.to_string()).filter(|s| !s.is_empty())
}

fn first_cwe(classifications: &str) -> Option<u32> {
    let i = classifications.find("CWE-")?;
    parse_cwe(classifications.get(i..)?)
}

fn new_finding(issue: &Element, ty: &str) -> Finding {
    let name = issue.child_text("name").unwrap_or_default();
    let mut f = Finding::new_dynamic(
        name,
        severity(issue.child_text("severity").unwrap_or_default()),
    );
    let mut desc = strip_html(issue.child_text("issueBackground").unwrap_or_default());
    if let Some(detail) = issue.child_text_opt("issueDetail") {
        desc.push_str("\n\n");
        desc.push_str(&strip_html(&detail));
    }
    f.description = desc.trim().to_string();
    f.mitigation = issue
        .child_text_opt("remediationBackground")
        .map(|s| strip_html(&s));
    f.references = issue.child_text_opt("references").map(|s| strip_html(&s));
    f.cwe = issue
        .child_text("vulnerabilityClassifications")
        .and_then(first_cwe);
    f.vuln_id_from_tool = Some(ty.to_string());
    f.unique_id_from_tool = issue.child_text_opt("serialNumber");
    f.scanner_confidence = match issue.child_text("confidence").unwrap_or_default() {
        "Certain" => Some(1),
        "Firm" => Some(4),
        "Tentative" => Some(7),
        _ => None,
    };
    f
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    let mut out: Vec<Finding> = Vec::new();
    for issue in root.children_named("issue") {
        let ty = issue.child_text("type").unwrap_or_default().to_string();
        let idx = match out
            .iter()
            .position(|f| f.vuln_id_from_tool.as_deref() == Some(ty.as_str()))
        {
            Some(i) => i,
            None => {
                out.push(new_finding(issue, &ty));
                out.len() - 1
            }
        };
        let Some(f) = out.get_mut(idx) else { continue };
        if let Some(host) = issue.child_text_opt("host") {
            let host = if host.contains("://") {
                host
            } else {
                format!("//{host}")
            };
            f.endpoints.push(Endpoint::from_uri(&host));
        }
        if let Some(p) = issue.child_text("location").and_then(param) {
            f.param = Some(match f.param.take() {
                Some(prev) if !prev.split(", ").any(|x| x == p) => format!("{prev}, {p}"),
                Some(prev) => prev,
                None => p,
            });
        }
    }
    Ok(ParseOutput::single(out))
}
