//! Acunetix: the classic XML export (`ScanGroup/Scan/ReportItems`) and the
//! Acunetix 360 JSON export (`Vulnerabilities`).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::endpoint::{split_host_port, Endpoint};
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, percent_decode, strip_html, JsonExt};
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let head = input
        .bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xef && **b != 0xbb && **b != 0xbf);
    if head == Some(&b'{') {
        parse_json_report(input.bytes)
    } else {
        parse_xml_report(input.bytes)
    }
}

/// Acunetix writes dates day first ("28/04/2020, 05:36:46").
fn day_first_date(s: &str) -> Option<NaiveDate> {
    let day = s.trim().split([',', ' ']).next()?;
    NaiveDate::parse_from_str(day, "%d/%m/%Y").ok()
}

fn xml_severity(s: &str) -> &'static str {
    match s {
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        "informational" => "Info",
        _ => "Critical",
    }
}

/// StartURL may be a full URL or a bare `host[:port]`.
fn start_endpoint(start_url: &str) -> Endpoint {
    if start_url.contains("://") {
        let mut ep = Endpoint::from_uri(start_url);
        ep.path = None;
        ep.query = None;
        ep.fragment = None;
        ep
    } else {
        let hostport = start_url.trim_start_matches('/');
        let hostport = hostport.split('/').next().unwrap_or_default();
        let (host, port) = split_host_port(hostport);
        let mut ep = Endpoint::host(host.to_lowercase());
        ep.port = port;
        ep
    }
}

fn parse_xml_report(bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(bytes)?;
    if root.name != "ScanGroup" {
        return Err(ParseError::invalid(format!(
            "Acunetix XML root is <{}>, expected <ScanGroup>",
            root.name
        )));
    }
    let mut out: Vec<Finding> = Vec::new();
    // Items repeating title, impact and recommendation are one finding seen
    // at several places.
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for scan in root.children_named("Scan") {
        let start = start_endpoint(scan.child_text("StartURL").unwrap_or_default());
        let date = scan.child_text("StartTime").and_then(day_first_date);
        let items = scan.path("ReportItems");
        for item in items
            .into_iter()
            .flat_map(|i| i.children_named("ReportItem"))
        {
            let mut f = Finding::new_static(
                item.child_text("Name").unwrap_or_default(),
                xml_severity(item.child_text("Severity").unwrap_or_default()),
            );
            f.description = strip_html(item.child_text("Description").unwrap_or_default());
            f.false_p = item.child_text_opt("IsFalsePositive").is_some();
            f.nb_occurences = Some(1);
            f.impact = item.child_text_opt("Impact");
            f.mitigation = item.child_text_opt("Recommendation");
            f.date = date;
            f.cwe = item
                .path("CWEList/CWE")
                .map(|c| c.text.trim())
                .and_then(parse_cwe);
            let refs: Vec<String> = item
                .path("References")
                .into_iter()
                .flat_map(|r| r.children_named("Reference"))
                .map(|r| {
                    let url = r.child_text("URL").unwrap_or_default();
                    let db = r
                        .child_text_opt("Database")
                        .unwrap_or_else(|| url.to_string());
                    format!(" * [{db}]({url})")
                })
                .collect();
            if !refs.is_empty() {
                f.references = Some(refs.join("\n"));
            }
            f.cvssv3 = item
                .path("CVSS3/Descriptor")
                .map(|c| c.text.trim().to_string());
            let details = item.child_text_opt("Details");
            if let Some(d) = &details {
                f.description.push_str("\n\n**Details:**\n");
                f.description.push_str(&strip_html(d));
            }
            if let Some(td) = item.child_text_opt("TechnicalDetails") {
                f.description.push_str("\n\n**TechnicalDetails:**\n\n");
                f.description.push_str(&td);
            }
            // Recorded requests mean Acunetix exercised a live target.
            let requests: Vec<&Element> = item
                .path("TechnicalDetails")
                .into_iter()
                .flat_map(|t| t.children_named("Request"))
                .collect();
            if !requests.is_empty() {
                f.dynamic_finding = true;
                f.static_finding = false;
            }
            f.req_resp = requests
                .iter()
                .map(|r| (r.text.clone(), String::new()))
                .collect();
            let mut ep = start.clone();
            ep.path = item.child_text_opt("Affects");
            f.endpoints = vec![ep];
            let key = (
                f.title.clone(),
                f.impact.clone().unwrap_or_else(|| "None".into()),
                f.mitigation.clone().unwrap_or_else(|| "None".into()),
            );
            if let Some(prev) = seen.get(&key).and_then(|&i| out.get_mut(i)) {
                if let Some(d) = &details {
                    prev.description.push_str("\n-----\n\n**Details:**\n");
                    prev.description.push_str(&strip_html(d));
                }
                prev.endpoints.append(&mut f.endpoints);
                prev.req_resp.append(&mut f.req_resp);
                prev.nb_occurences = Some(prev.nb_occurences.unwrap_or(1) + 1);
            } else {
                seen.insert(key, out.len());
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn parse_json_report(bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let data = parse_json(bytes)?;
    let Some(vulns) = data.get("Vulnerabilities").and_then(Value::as_array) else {
        return Err(ParseError::invalid(
            "Acunetix 360 report has no \"Vulnerabilities\" list",
        ));
    };
    let scan_date = data.str_at("Generated").and_then(|d| day_first_date(&d));
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in vulns {
        let title = item.str_at("Name").unwrap_or_default();
        let severity = match item.str_at("Severity").as_deref() {
            Some(s @ ("Info" | "Low" | "Medium" | "High" | "Critical")) => s.to_string(),
            _ => "Info".to_string(),
        };
        let mut f = Finding::new_dynamic(title.clone(), severity);
        // DefectDojo marks these static while keeping the dynamic default.
        f.static_finding = true;
        f.description = strip_html(&item.str_at("Description").unwrap_or_default());
        f.mitigation = item.str_at("RemedialProcedure").map(|s| strip_html(&s));
        f.impact = item.str_at("Impact").map(|s| strip_html(&s));
        let mut refs = item
            .str_at("RemedyReferences")
            .map(|s| strip_html(&s))
            .unwrap_or_default();
        if let Some(id) = item.str_at("LookupId") {
            refs = format!("https://online.acunetix360.com/issues/detail/{id}\n{refs}");
        }
        f.references = Some(refs);
        f.cwe = item
            .str_at("Classification.Cwe")
            .and_then(|c| c.split(',').next().and_then(|c| c.trim().parse().ok()));
        f.cvssv3 = item.str_at("Classification.Cvss.Vector");
        if let Some(state) = item.str_at("State") {
            let states: Vec<&str> = state.split(',').map(str::trim).collect();
            if states.contains(&"AcceptedRisk") {
                f.risk_accepted = true;
                f.active = false;
            } else if states.contains(&"FalsePositive") {
                f.false_p = true;
                f.active = false;
            }
        }
        let req = item
            .str_at("HttpRequest.Content")
            .unwrap_or_else(|| "Request Not Found".into());
        let resp = item
            .str_at("HttpResponse.Content")
            .unwrap_or_else(|| "Response Not Found".into());
        f.req_resp = vec![(req, resp)];
        if let Some(url) = item.str_at("Url") {
            // DefectDojo keeps the query decoded and re-escapes it when
            // rendering, so "%3d" comes back as "=".
            let mut ep = Endpoint::from_uri(&url);
            ep.query = ep.query.map(|q| percent_decode(&q));
            f.endpoints = vec![ep];
        }
        f.date = item
            .str_at("FirstSeenDate")
            .and_then(|d| day_first_date(&d))
            .or(scan_date);
        if let Some(prev) = seen.get(&title).and_then(|&i| out.get_mut(i)) {
            prev.req_resp.append(&mut f.req_resp);
            prev.endpoints.append(&mut f.endpoints);
        } else {
            seen.insert(title, out.len());
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
