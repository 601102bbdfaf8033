//! Wapiti web scanner XML reports: one finding per vulnerability entry,
//! folded when description, title and severity repeat.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::Folded;
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    if !root.name.contains("report") {
        return Err(ParseError::invalid(
            "not a Wapiti XML report (root element is not <report>)",
        ));
    }
    let target = root
        .children_named("report_infos")
        .flat_map(|r| r.children_named("info"))
        .find(|i| i.attr("name") == Some("target"))
        .map(|i| i.text.clone())
        .unwrap_or_default();

    let mut out: Folded<String, Finding> = Folded::new();
    for vuln in root
        .children_named("vulnerabilities")
        .flat_map(|v| v.children_named("vulnerability"))
    {
        let category = vuln.attr("name").unwrap_or_default();
        let description = text(vuln, "description");
        let mitigation = vuln.child("solution").map(|s| s.text.clone());
        let mut cwes: Vec<u32> = Vec::new();
        let mut references = Vec::new();
        for r in vuln
            .children_named("references")
            .flat_map(|r| r.children_named("reference"))
        {
            let title = text(r, "title");
            if title.starts_with("CWE") {
                if let Some(cwe) = first_cwe(&title).filter(|c| !cwes.contains(c)) {
                    cwes.push(cwe);
                }
            }
            references.push(format!("* [{title}]({})", text(r, "url")));
        }
        let references = references.join("\n");

        for entry in vuln
            .children_named("entries")
            .flat_map(|e| e.children_named("entry"))
        {
            let title = format!("{category}: {}", text(entry, "info"));
            let severity = match entry.child("level").map(|l| l.text.as_str()) {
                Some("4") => "Critical",
                Some("3") => "High",
                Some("2") => "Medium",
                Some("1") => "Low",
                _ => "Info",
            };
            let endpoint = Endpoint::from_uri(&target);
            let req = (text(entry, "http_request"), String::new());
            let key = format!("{description}{title}{severity}");
            if let Some(f) = out.get_mut(&key) {
                f.endpoints.push(endpoint);
                f.req_resp.push(req);
                f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
                continue;
            }
            let mut f = Finding::new_dynamic(title, severity);
            f.description = description.clone();
            f.mitigation = mitigation.clone();
            f.references = Some(references.clone());
            f.nb_occurences = Some(1);
            f.cwe = cwes.first().copied();
            f.cwes = cwes.iter().skip(1).copied().collect();
            f.endpoints.push(endpoint);
            f.req_resp.push(req);
            out.insert(key, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn text(el: &Element, child: &str) -> String {
    el.child(child).map(|c| c.text.clone()).unwrap_or_default()
}

/// The number of the first `CWE-<n>` in a reference title (any case).
fn first_cwe(title: &str) -> Option<u32> {
    let lower = title.to_ascii_lowercase();
    lower.match_indices("cwe-").find_map(|(i, _)| {
        let digits: String = lower
            .get(i + 4..)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}
