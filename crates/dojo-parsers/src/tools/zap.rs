//! OWASP ZAP XML reports (`OWASPZAPReport`): one finding per alert item of
//! each site, with an endpoint per instance URI.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::strip_html;
use crate::xml;

fn severity(riskcode: &str) -> &'static str {
    match riskcode.trim() {
        "1" => "Low",
        "2" => "Medium",
        "3" => "High",
        "4" => "Critical",
        _ => "Info",
    }
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    if root.name != "OWASPZAPReport" {
        return Err(ParseError::invalid("not an OWASP ZAP XML report"));
    }
    let mut out = Vec::new();
    for site in root.children_named("site") {
        for item in site.descendants("alertitem") {
            let title = item
                .child_text_opt("alert")
                .or_else(|| item.child_text_opt("name"))
                .unwrap_or_default();
            let mut f = Finding::new_dynamic(
                title,
                severity(item.child_text("riskcode").unwrap_or_default()),
            );
            f.description = strip_html(item.child_text("desc").unwrap_or_default());
            f.mitigation = item.child_text_opt("solution").map(|s| strip_html(&s));
            f.references = item.child_text_opt("reference").map(|s| strip_html(&s));
            f.cwe = item.child_text("cweid").and_then(|c| c.parse().ok());
            f.vuln_id_from_tool = item.child_text_opt("pluginid");
            f.scanner_confidence = item.child_text("confidence").and_then(|c| c.parse().ok());
            if let Some(instances) = item.child("instances") {
                for inst in instances.children_named("instance") {
                    if let Some(uri) = inst.child_text_opt("uri") {
                        // DefectDojo keeps only scheme, host, port and path:
                        // query strings carry attack payloads, not locations.
                        let mut ep = Endpoint::from_uri(&uri);
                        ep.query = None;
                        ep.fragment = None;
                        f.endpoints.push(ep);
                    }
                }
            }
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
