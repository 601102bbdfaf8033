//! Microsoft Defender for Endpoint vulnerability exports from the REST API:
//! a JSON `value` list, or a zip with `vulnerabilities/` and `machines/`
//! JSON files that enrich each finding with its machine.

use serde_json::Value;
use std::collections::HashMap;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let mut out = Vec::new();
    match input.extension().as_str() {
        "json" => {
            let data = parse_json(input.bytes)?;
            for v in data.arr_at("value") {
                out.push(finding(v, None));
            }
        }
        "zip" => {
            let members = crate::archive::read_members(input.bytes)?;
            let mut vulns = Vec::new();
            let mut machines: HashMap<String, Value> = HashMap::new();
            for (name, bytes) in &members {
                if name.starts_with("vulnerabilities/") {
                    vulns.extend(parse_json(bytes)?.arr_at("value").iter().cloned());
                } else if name.starts_with("machines/") {
                    for m in parse_json(bytes)?.arr_at("value") {
                        if let Some(id) = m.str_at("id") {
                            machines.insert(id, m.clone());
                        }
                    }
                }
            }
            for v in &vulns {
                let machine = v.str_at("machineId").and_then(|id| machines.get(&id));
                out.push(finding(v, machine));
            }
        }
        _ => {}
    }
    Ok(ParseOutput::single(out))
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(scalar_string)
        .unwrap_or_else(|| "None".into())
}

fn finding(v: &Value, machine: Option<&Value>) -> Finding {
    let severity = v
        .str_at("severity")
        .filter(|s| ["Informational", "Low", "Medium", "High", "Critical"].contains(&s.as_str()))
        .unwrap_or_else(|| "Informational".into());
    let cve = v.str_at("cveId");
    let mut title = cve.clone().unwrap_or_else(|| "None".into());
    let mut description = String::new();
    for k in [
        "cveId",
        "machineId",
        "fixingKbId",
        "productName",
        "productVendor",
        "productVersion",
    ] {
        description.push_str(&format!("{k}: {}\n", text(v, k)));
    }
    if let Some(m) = machine {
        for k in [
            "id",
            "osPlatform",
            "osVersion",
            "osProcessor",
            "version",
            "agentVersion",
            "osBuild",
            "healthStatus",
            "riskScore",
            "exposureLevel",
        ] {
            description.push_str(&format!("machine Info: {k}: {}\n", text(m, k)));
        }
        // A missing value still shows up in the title as "None".
        for k in ["computerDnsName", "osPlatform"] {
            let x = text(m, k);
            if x != "null" {
                title = format!("{title}_{x}");
            }
        }
    }
    let mut f = Finding::new_dynamic(format!("{title}_{}", text(v, "machineId")), severity);
    f.description = description;
    f.mitigation = v.str_at("fixingKbId");
    f.vulnerability_ids = cve.into_iter().collect();
    if let Some(m) = machine {
        if let Some(dns) = m.str_at("computerDnsName") {
            // Device names are not host names; characters a host cannot
            // contain become underscores.
            let host: String = dns
                .replace(' ', "")
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || "-._".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            f.endpoints.push(Endpoint::host(host));
        }
        for k in ["lastIpAddress", "lastExternalIpAddress"] {
            if let Some(ip) = m.str_at(k) {
                f.endpoints.push(Endpoint::host(ip));
            }
        }
    }
    f
}
