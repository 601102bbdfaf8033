//! Trivy JSON: legacy list reports, schema 2 (`Results`) with
//! vulnerabilities, misconfigurations, secrets and licenses, and the
//! Kubernetes cluster report (`ClusterName` + resources).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, JsonExt};

fn severity(raw: &str) -> &'static str {
    match raw.to_ascii_uppercase().as_str() {
        "CRITICAL" => "Critical",
        "HIGH" => "High",
        "MEDIUM" => "Medium",
        "LOW" => "Low",
        _ => "Info",
    }
}

/// Kubernetes resource the result belongs to, if any.
struct Resource {
    service: String,
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    match &data {
        Value::Array(results) => {
            for r in results {
                results_of(r, None, true, &mut out);
            }
        }
        Value::Null => {}
        Value::Object(o) if o.contains_key("ClusterName") => {
            for key in ["Vulnerabilities", "Misconfigurations", "Resources"] {
                for res in data.arr_at(key) {
                    let ns = res.str_at("Namespace").unwrap_or_default();
                    let kind = res.str_at("Kind").unwrap_or_default();
                    let name = res.str_at("Name").unwrap_or_default();
                    let resource = Resource {
                        service: format!("{ns} / {kind} / {name}"),
                    };
                    for r in res.arr_at("Results") {
                        results_of(r, Some(&resource), false, &mut out);
                    }
                }
            }
        }
        Value::Object(_) => {
            for r in data.arr_at("Results") {
                results_of(r, None, false, &mut out);
            }
        }
        _ => {
            return Err(ParseError::invalid(
                "Trivy report must be a JSON object or list",
            ))
        }
    }
    Ok(ParseOutput::single(out))
}

fn results_of(r: &Value, resource: Option<&Resource>, legacy: bool, out: &mut Vec<Finding>) {
    let target = r.str_at("Target").unwrap_or_default();
    let class = r.str_at("Class");
    let rtype = r.str_at("Type");
    let tags: Vec<String> = rtype.iter().chain(class.iter()).cloned().collect();
    for v in r.arr_at("Vulnerabilities") {
        let mut f = vulnerability(v, &target, rtype.as_deref().unwrap_or_default());
        if !legacy {
            f.file_path = v.str_at("PkgPath").or_else(|| Some(target.clone()));
        }
        f.tags = tags.clone();
        f.service = resource.map(|x| x.service.clone());
        out.push(f);
    }
    for m in r.arr_at("Misconfigurations") {
        if m.str_at("Status").as_deref() == Some("PASS") {
            continue;
        }
        let mut f = misconfiguration(m, &target);
        f.service = resource.map(|x| x.service.clone());
        f.tags = tags.clone();
        out.push(f);
    }
    for s in r.arr_at("Secrets") {
        let title = format!(
            "Secret detected in {target} - {}",
            s.str_at("Title").unwrap_or_default()
        );
        let mut f = Finding::new_static(title, severity(&s.str_at("Severity").unwrap_or_default()));
        f.description = format!(
            "{}\n**Category:** {}\n**Match:** {}\n",
            s.str_at("Title").unwrap_or_default(),
            s.str_at("Category").unwrap_or_default(),
            s.str_at("Match").unwrap_or_default()
        );
        f.file_path = Some(target.clone());
        f.line = s.i64_at("StartLine");
        f.tags = class.iter().cloned().collect();
        f.service = resource.map(|x| x.service.clone());
        out.push(f);
    }
    for l in r.arr_at("Licenses") {
        let name = l.str_at("Name").unwrap_or_default();
        let mut f = Finding::new_static(
            format!("License detected in {target} - {name}"),
            severity(&l.str_at("Severity").unwrap_or_default()),
        );
        f.description = format!(
            "**Package:** {}\n**License:** {name}\n**Category:** {}\n**Link:** {}\n",
            l.str_at("PkgName").unwrap_or_default(),
            l.str_at("Category").unwrap_or_default(),
            l.str_at("Link").unwrap_or_default()
        );
        f.file_path = l.str_at("FilePath");
        f.tags = class.iter().cloned().collect();
        f.service = resource.map(|x| x.service.clone());
        out.push(f);
    }
}

fn vulnerability(v: &Value, target: &str, rtype: &str) -> Finding {
    let id = v.str_at("VulnerabilityID").unwrap_or_default();
    let pkg = v.str_at("PkgName").unwrap_or_default();
    let version = v.str_at("InstalledVersion").unwrap_or_default();
    let fixed = v.str_at("FixedVersion");
    let mut f = Finding::new_static(
        format!("{id} {pkg} {version}"),
        severity(&v.str_at("Severity").unwrap_or_default()),
    );
    let title = v.str_at("Title").unwrap_or_default();
    f.description = format!(
        "{title}\n**Target:** {target}\n**Type:** {rtype}\n**Fixed version:** {}\n\n{}",
        fixed.clone().unwrap_or_default(),
        v.str_at("Description").unwrap_or_default()
    );
    f.mitigation = fixed.clone();
    f.fix_version = fixed.clone();
    f.fix_available = Some(fixed.is_some());
    f.component_name = Some(pkg);
    f.component_version = Some(version);
    f.add_vulnerability_id(id);
    let refs: Vec<String> = v
        .arr_at("References")
        .iter()
        .filter_map(crate::util::scalar_string)
        .collect();
    if !refs.is_empty() {
        f.references = Some(refs.join("\n"));
    }
    let cwes: Vec<u32> = v
        .arr_at("CweIDs")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(parse_cwe)
        .collect();
    f.cwe = cwes.first().copied();
    f.cwes = cwes;
    // The score comes from the source Trivy took the severity from, else NVD.
    let source = v.str_at("SeveritySource").unwrap_or_default();
    let cvss = v.get("CVSS").and_then(|c| {
        c.get(&source).or_else(|| c.get("nvd")).or_else(|| {
            c.as_object()
                .and_then(|o| o.values().find(|x| x.get("V3Score").is_some()))
        })
    });
    if let Some(c) = cvss {
        f.cvssv3 = c.str_at("V3Vector");
        f.cvssv3_score = c.f64_at("V3Score");
        f.cvssv4 = c.str_at("V40Vector");
        f.cvssv4_score = c.f64_at("V40Score");
    }
    f.publish_date = v
        .str_at("PublishedDate")
        .and_then(|d| crate::util::parse_date(&d));
    // Trivy's VEX-style status: "not_affected" is a resolved non-issue; a
    // status from the vendor otherwise confirms the finding.
    match v.str_at("Status").as_deref() {
        Some("not_affected") => {
            f.active = false;
            f.verified = true;
            f.is_mitigated = true;
        }
        Some("unknown") | Some("under_investigation") | None => {}
        Some(_) => f.verified = true,
    }
    f
}

fn misconfiguration(m: &Value, target: &str) -> Finding {
    let id = m.str_at("ID").unwrap_or_default();
    let mut f = Finding::new_static(
        format!("{id} - {}", m.str_at("Title").unwrap_or_default()),
        severity(&m.str_at("Severity").unwrap_or_default()),
    );
    f.description = format!(
        "**Target:** {target}\n**Type:** {}\n\n{}\n{}",
        m.str_at("Type").unwrap_or_default(),
        m.str_at("Description").unwrap_or_default(),
        m.str_at("Message").unwrap_or_default()
    );
    f.mitigation = m.str_at("Resolution");
    let refs: Vec<String> = m
        .arr_at("References")
        .iter()
        .filter_map(crate::util::scalar_string)
        .collect();
    if !refs.is_empty() {
        f.references = Some(refs.join("\n"));
    }
    f.file_path = Some(target.to_string());
    f.add_vulnerability_id(m.str_at("AVDID").unwrap_or(id));
    f
}
