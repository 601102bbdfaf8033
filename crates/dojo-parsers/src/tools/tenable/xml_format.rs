use super::numeric_severity;
use crate::endpoint::{default_port, Endpoint};
use crate::error::ParseError;
use crate::finding::Finding;
use crate::xml::{self, Element};

fn text(el: &Element, name: &str) -> Option<String> {
    el.child(name)
        .map(|c| c.text.clone())
        .filter(|s| !s.is_empty())
}

fn cvss_severity(score: f64) -> &'static str {
    // Nessus bands CVSS v3 scores with Medium starting at 5.0.
    if score >= 9.0 {
        "Critical"
    } else if score >= 7.0 {
        "High"
    } else if score >= 5.0 {
        "Medium"
    } else if score > 0.0 {
        "Low"
    } else {
        "Info"
    }
}

fn clean_protocol(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '+')
        .collect()
}

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    if !root.name.contains("NessusClientData_v2") {
        return Err(ParseError::invalid(
            "unsupported Nessus report: expected the NessusClientData_v2 schema",
        ));
    }
    let mut out: Vec<Finding> = Vec::new();
    for report in root.descendants("Report") {
        for host in report.descendants("ReportHost") {
            let ip = host.attr("name").unwrap_or_default().to_string();
            let fqdn = host
                .descendants("tag")
                .into_iter()
                .find(|t| t.attr("name") == Some("host-fqdn"))
                .map(|t| t.text.clone())
                .filter(|t| !t.is_empty());
            for item in host.descendants("ReportItem") {
                item_finding(item, &ip, fqdn.as_deref(), &mut out);
            }
        }
    }
    Ok(out)
}

fn item_finding(item: &Element, ip: &str, fqdn: Option<&str>, out: &mut Vec<Finding>) {
    let title = item.attr("pluginName").unwrap_or_default().to_string();
    let port: Option<u16> = item
        .attr("port")
        .and_then(|p| p.parse::<f64>().ok())
        .filter(|p| *p > 0.0)
        .map(|p| p as u16);
    let mut protocol = clean_protocol(item.attr("svc_name").unwrap_or_default());
    if protocol == "www" {
        protocol = "http".into();
    }
    if !protocol.is_empty()
        && default_port(&protocol).is_none()
        && !matches!(
            protocol.as_str(),
            "file"
                | "mailto"
                | "news"
                | "xmpp"
                | "steam"
                | "msrps"
                | "urn"
                | "data"
                | "sip"
                | "sips"
                | "tel"
        )
    {
        protocol = clean_protocol(item.attr("protocol").unwrap_or(&protocol));
    }
    let mut description = String::new();
    if let Some(s) = text(item, "synopsis") {
        description = format!("{s}\n\n");
    }
    let plugin_output = text(item, "plugin_output").map(|po| {
        let at = port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("Plugin Output: {ip}{at}\n```\n{po}\n```\n\n")
    });
    if let Some(po) = &plugin_output {
        description.push_str(po);
    }
    let mut severity = numeric_severity(
        item.attr("severity")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    );
    let mut impact = text(item, "description")
        .map(|d| format!("{d}\n\n"))
        .unwrap_or_default();
    for (label, name) in [
        ("CVSS Score", "cvss"),
        ("CVSSv3 Score", "cvssv3"),
        ("CVSS Vector", "cvss_vector"),
        ("CVSSv3 Vector", "cvss3_vector"),
        ("CVSS Base Score", "cvss_base_score"),
        ("CVSS Temporal Score", "cvss_temporal_score"),
    ] {
        if let Some(v) = text(item, name) {
            impact.push_str(&format!("{label}: {v}\n"));
        }
    }
    let mut references = String::new();
    for r in item.descendants("see_also") {
        for part in r.text.split_whitespace() {
            references.push_str(part);
            references.push('\n');
        }
    }
    for x in item.descendants("xref") {
        if !x.text.is_empty() {
            references.push_str(&x.text);
            references.push('\n');
        }
    }
    if let Some(score) = text(item, "cvss3_base_score").and_then(|s| s.trim().parse::<f64>().ok()) {
        severity = cvss_severity(score);
    }
    let idx = match out
        .iter()
        .position(|f| f.severity == severity && f.title == title)
    {
        Some(i) => {
            if let (Some(f), Some(po)) = (out.get_mut(i), &plugin_output) {
                f.description.push_str(&format!("\n\n{po}"));
            }
            i
        }
        None => {
            let mut f = Finding::new_dynamic(title, severity);
            f.description = description;
            f.mitigation = Some(text(item, "solution").unwrap_or_else(|| "N/A".into()));
            f.impact = Some(impact);
            f.references = Some(references);
            f.cwe = text(item, "cwe").and_then(|c| crate::util::parse_cwe(&c));
            f.cvssv3 = text(item, "cvss3_vector").map(|v| {
                if v.starts_with("CVSS:3") {
                    v
                } else {
                    format!("CVSS:3.0/{v}")
                }
            });
            f.cvssv3_score = text(item, "cvssv3").and_then(|s| s.trim().parse().ok());
            out.push(f);
            out.len() - 1
        }
    };
    let Some(f) = out.get_mut(idx) else { return };
    if let Some(cve) = text(item, "cve") {
        f.vulnerability_ids.push(cve);
    }
    let endpoint = match fqdn {
        Some(u) if u.contains("://") => Endpoint::from_uri(u),
        _ if protocol == "general" => Endpoint::host(fqdn.unwrap_or(ip)),
        _ => Endpoint {
            protocol: Some(protocol).filter(|p| !p.is_empty()),
            host: Some(fqdn.unwrap_or(ip).to_string()),
            port,
            ..Endpoint::default()
        },
    };
    f.endpoints.push(endpoint);
}
