//! trivy-operator custom resources exported as JSON: VulnerabilityReport,
//! ConfigAuditReport (checks), ExposedSecretReport and ClusterComplianceReport
//! (detailed or summary), alone, in a list, or grouped by resource kind.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    document(&data, &mut out);
    Ok(ParseOutput::single(out))
}

fn document(d: &Value, out: &mut Vec<Finding>) {
    match d {
        Value::Array(items) => items.iter().for_each(|i| document(i, out)),
        Value::Object(o) if o.contains_key("report") || o.contains_key("status") => {
            resource(d, out)
        }
        // `kubectl get ... -o json` grouped by resource kind.
        Value::Object(o) => o
            .values()
            .filter(|v| v.is_array())
            .for_each(|v| document(v, out)),
        _ => {}
    }
}

fn severity(raw: Option<String>) -> &'static str {
    match raw.unwrap_or_default().as_str() {
        "CRITICAL" => "Critical",
        "HIGH" => "High",
        "MEDIUM" => "Medium",
        "LOW" => "Low",
        _ => "Info",
    }
}

/// "KSV014" → "AVD-KSV-0014", the id Trivy's database uses.
fn uniform_id(id: &str) -> String {
    if id.starts_with("AVD-") {
        return id.to_string();
    }
    let prefix: String = id.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = id.get(prefix.len()..).unwrap_or_default();
    if prefix.is_empty() || digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return id.to_string();
    }
    format!("AVD-{prefix}-{digits:0>4}")
}

fn resource(d: &Value, out: &mut Vec<Finding>) {
    if let Some(status) = d.get("status") {
        if let Some(detail) = status.get("detailReport") {
            compliance(detail, out);
        } else if let Some(summary) = status.get("summaryReport") {
            cluster_compliance(d.arr_at("spec.compliance.controls"), summary, out);
        }
        return;
    }
    let labels = d.get_path("metadata.labels").unwrap_or(&Value::Null);
    let label = |k: &str| labels.str_at(k).unwrap_or_default();
    let ns = label("trivy-operator.resource.namespace");
    let kind = label("trivy-operator.resource.kind");
    let name = label("trivy-operator.resource.name");
    let container = label("trivy-operator.container.name");
    let mut service = format!("{ns}/{kind}/{name}");
    if !container.is_empty() {
        service = format!("{service}/{container}");
    }
    let Some(report) = d.get("report") else {
        return;
    };
    for v in report.arr_at("vulnerabilities") {
        let id = v.str_at("vulnerabilityID").unwrap_or_else(|| "0".into());
        let pkg = v.str_at("resource").unwrap_or_default();
        let version = v.str_at("installedVersion").unwrap_or_default();
        let fixed = v.str_at("fixedVersion");
        let mut f = Finding::new_static(
            format!("{id} {pkg} {version}"),
            severity(v.str_at("severity")),
        );
        f.description = format!(
            "{}\n**Fixed version:** {}\n",
            v.str_at("title").unwrap_or_default(),
            fixed.clone().unwrap_or_default()
        );
        f.references = v.str_at("primaryLink");
        f.mitigation = fixed;
        f.component_name = Some(pkg);
        f.component_version = Some(version);
        f.cvssv3_score = v.f64_at("score");
        f.service = Some(service.clone());
        let class = v.str_at("class");
        f.tags = v
            .str_at("packageType")
            .into_iter()
            .chain(class.clone())
            .collect();
        if matches!(class.as_deref(), Some("os-pkgs" | "lang-pkgs")) {
            f.file_path = v.str_at("packagePath").or_else(|| v.str_at("target"));
        }
        f.vulnerability_ids = vec![id];
        out.push(f);
    }
    for c in report.arr_at("checks") {
        let id = c.str_at("checkID").unwrap_or_else(|| "0".into());
        let mut f = Finding::new_static(
            format!("{id} - {}", c.str_at("title").unwrap_or_default()),
            severity(c.str_at("severity")),
        );
        f.references = Some(format!(
            "https://avd.aquasec.com/misconfig/kubernetes/{}",
            id.to_lowercase()
        ));
        f.description = format!(
            "{}\n**container.name:** {container}\n**resource.kind:** {kind}\n**resource.name:** {name}\n**resource.namespace:** {ns}",
            c.str_at("description").unwrap_or_default()
        );
        f.mitigation = c.str_at("remediation");
        f.service = Some(service.clone());
        if !ns.is_empty() {
            f.tags = vec![ns.clone()];
        }
        if id != "0" {
            f.vulnerability_ids = vec![uniform_id(&id)];
        }
        out.push(f);
    }
    for s in report.arr_at("secrets") {
        let target = s.str_at("target").unwrap_or_default();
        let title = s.str_at("title").unwrap_or_default();
        let mut f = Finding::new_static(
            format!("Secret detected in {target} - {title}"),
            severity(s.str_at("severity")),
        );
        f.description = format!(
            "{title}\n**Category:** {}\n**Match:** {}\n",
            s.str_at("category").unwrap_or_default(),
            s.str_at("match").unwrap_or_default()
        );
        f.references = s.str_at("ruleID");
        f.file_path = Some(target);
        f.service = Some(service.clone());
        out.push(f);
    }
}

fn compliance(detail: &Value, out: &mut Vec<Finding>) {
    for result in detail.arr_at("results") {
        for check in result.arr_at("checks") {
            if check.bool_at("success") != Some(false) {
                continue;
            }
            let id = check.str_at("checkID").unwrap_or_default();
            let target = check.str_at("target").unwrap_or_default();
            let sev = check
                .str_at("severity")
                .or_else(|| result.str_at("severity"));
            let mut f = Finding::new_dynamic(
                format!("{} {id} {target}", result.str_at("id").unwrap_or_default()),
                severity(sev),
            );
            let messages: Vec<String> = check
                .arr_at("messages")
                .iter()
                .filter_map(scalar_string)
                .collect();
            f.description = format!(
                "**detailReport description:** {}\n**result description:** {}\n**result id:** {}\n**result name:** {}\n**checkcategory:** {}\n**checkcheckID:** {id}\n**checkdescription:** {}\n**checkmessages:** {}\n**checktarget:** {target}\n**checktitle:** {}\n",
                detail.str_at("description").unwrap_or_default(),
                result.str_at("description").unwrap_or_default(),
                result.str_at("id").unwrap_or_default(),
                result.str_at("name").unwrap_or_default(),
                check.str_at("category").unwrap_or_default(),
                check.str_at("description").unwrap_or_default(),
                messages.join("\n"),
                check.str_at("title").unwrap_or_default()
            );
            f.mitigation = check.str_at("remediation");
            if !id.is_empty() {
                f.vulnerability_ids = vec![uniform_id(&id)];
            }
            out.push(f);
        }
    }
}

fn cluster_compliance(controls: &[Value], summary: &Value, out: &mut Vec<Finding>) {
    for result in summary.arr_at("controlCheck") {
        let fails = result.i64_at("totalFail").unwrap_or(0);
        if fails <= 0 {
            continue;
        }
        let id = result.str_at("id").unwrap_or_default();
        let mut description = String::new();
        let mut ids = Vec::new();
        for control in controls
            .iter()
            .filter(|c| c.str_at("id").as_deref() == Some(id.as_str()))
        {
            ids.extend(
                control
                    .arr_at("checks")
                    .iter()
                    .filter_map(|c| c.str_at("id")),
            );
            description.push_str(&format!(
                "**description:** {}\n",
                control.str_at("description").unwrap_or_default()
            ));
        }
        description.push_str(&format!(
            "**id:** {id}\n**name:** {}\n**totalfail:** {fails}\n",
            result.str_at("name").unwrap_or_default()
        ));
        let mut f = Finding::new_dynamic(
            format!("TrivyClusterCompliance {id} totalFail: {fails}"),
            severity(result.str_at("severity")),
        );
        f.description = description;
        f.vulnerability_ids = ids;
        out.push(f);
    }
}
