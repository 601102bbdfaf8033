//! Nmap XML (`-oX`): an informational finding per open port, plus one per
//! vulnerability the `vulners` NSE script reports for it.

use chrono::DateTime;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::Folded;
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    if root.name != "nmaprun" {
        return Err(ParseError::invalid(
            "not an Nmap XML report (no nmaprun root)",
        ));
    }
    let date = root
        .attr("start")
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|ts| DateTime::from_timestamp(ts, 0))
        .map(|d| d.date_naive());
    let mut out = Folded::new();
    for host in root.children_named("host") {
        let ip = host
            .children_named("address")
            .find(|a| matches!(a.attr("addrtype"), Some("ipv4") | Some("ipv6")))
            .or_else(|| host.child("address"))
            .and_then(|a| a.attr("addr"))
            .unwrap_or_default()
            .to_string();
        let ptr = host
            .child("hostnames")
            .and_then(|h| {
                h.children_named("hostname")
                    .find(|n| n.attr("type") == Some("PTR"))
            })
            .and_then(|n| n.attr("name"))
            .map(str::to_string);
        let host_name = ptr.clone().unwrap_or_else(|| ip.clone());
        let host_desc = host_description(host, &ip);
        let Some(ports) = host.child("ports") else {
            continue;
        };
        for port in ports.children_named("port") {
            if port.child("state").and_then(|s| s.attr("state")) != Some("open") {
                continue;
            }
            let protocol = port.attr("protocol").unwrap_or("tcp").to_string();
            let portid = port.attr("portid").unwrap_or_default().to_string();
            let endpoint = Endpoint {
                protocol: Some(protocol.clone()),
                host: Some(host_name.clone()),
                port: portid.parse().ok(),
                ..Endpoint::default()
            };
            let service = port.child("service");
            for mut f in vulners(port, service) {
                f.date = date;
                f.endpoints.push(endpoint.clone());
                merge(&mut out, f);
            }
            let mut f = Finding::new_dynamic(format!("Open port: {portid}/{protocol}"), "Info");
            f.description = format!("{host_desc}\n**Port/Protocol:** {portid}/{protocol}\n");
            if let Some(s) = service {
                for (label, attr) in [
                    ("Service", "name"),
                    ("Product", "product"),
                    ("Version", "version"),
                ] {
                    if let Some(v) = s.attr(attr) {
                        f.description.push_str(&format!("**{label}:** {v}\n"));
                    }
                }
            }
            // DefectDojo labels the port finding with the last NSE script run on it.
            f.vuln_id_from_tool = port
                .children_named("script")
                .filter_map(|sc| sc.attr("id"))
                .last()
                .map(str::to_string);
            f.date = date;
            f.endpoints.push(endpoint);
            merge(&mut out, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// Findings with the same title (the same port, or the same vulnerability)
/// on several hosts become one finding with several endpoints.
fn merge(out: &mut Folded<String, Finding>, mut f: Finding) {
    match out.get_mut(&f.title) {
        Some(o) => {
            o.endpoints.append(&mut f.endpoints);
            o.description.push_str("\n\n");
            o.description.push_str(&f.description);
        }
        None => out.insert(f.title.clone(), f),
    }
}

fn host_description(host: &Element, ip: &str) -> String {
    let mut d = format!("### Host\n\n**IP Address:** {ip}\n");
    if let Some(names) = host.child("hostnames") {
        for n in names.children_named("hostname") {
            if let (Some(t), Some(name)) = (n.attr("type"), n.attr("name")) {
                d.push_str(&format!("**{t}:** {name}\n"));
            }
        }
    }
    d
}

/// Product and version from the service CPE (`cpe:/a:vendor:product:version`).
fn component(service: Option<&Element>) -> (Option<String>, Option<String>) {
    let Some(cpe) = service.and_then(|s| s.child_text("cpe")) else {
        return (None, None);
    };
    let parts: Vec<&str> = cpe.trim_start_matches("cpe:/").split(':').collect();
    (
        parts.get(2).map(|s| s.to_string()),
        parts.get(3).map(|s| s.to_string()),
    )
}

fn vulners(port: &Element, service: Option<&Element>) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(script) = port
        .children_named("script")
        .find(|s| s.attr("id") == Some("vulners"))
    else {
        return out;
    };
    let (cname, cversion) = component(service);
    for cpe_table in script.children_named("table") {
        for entry in cpe_table.children_named("table") {
            let elem = |k: &str| {
                entry
                    .children_named("elem")
                    .find(|e| e.attr("key") == Some(k))
                    .map(|e| e.text.trim().to_string())
            };
            let Some(id) = elem("id") else { continue };
            let cvss: f64 = elem("cvss").and_then(|c| c.parse().ok()).unwrap_or(0.0);
            let mut f = Finding::new_dynamic(id.clone(), severity_from_cvss(cvss));
            f.description = format!(
                "### Vulnerability\n\n**ID**: `{id}`\n**CPE**: {}\n**cvss**: `{}`\n**type**: `{}`\n",
                cpe_table.attr("key").unwrap_or_default(),
                elem("cvss").unwrap_or_default(),
                elem("type").unwrap_or_default()
            );
            if elem("type").as_deref() == Some("cve") {
                f.add_vulnerability_id(id.clone());
            }
            f.vuln_id_from_tool = Some(id);
            f.component_name = cname.clone();
            f.component_version = cversion.clone();
            out.push(f);
        }
    }
    out
}
