//! AWS Security Hub findings export (`{"Findings": [...]}`), whose entries
//! come from Security Hub's own checks, Inspector or GuardDuty.

use std::collections::HashMap;

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, title_case, JsonExt};

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Compliance,
    Inspector,
    GuardDuty,
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid(
            "AWS Security Hub export is not a JSON object",
        ));
    }
    let items = data
        .get("Findings")
        .or_else(|| data.get("findings"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items {
        let source = match item
            .str_at("ProductFields.aws/securityhub/ProductName")
            .or_else(|| {
                item.get("ProductFields")
                    .and_then(|p| p.get("aws/securityhub/ProductName"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .as_deref()
        {
            Some("Inspector") => Source::Inspector,
            Some("GuardDuty") => Source::GuardDuty,
            _ => Source::Compliance,
        };
        let f = finding(item, source);
        // A repeated finding id replaces the earlier entry in place.
        let key = item.str_at("Id").unwrap_or_default();
        match seen.get(&key).and_then(|&i| out.get_mut(i)) {
            Some(prev) => *prev = f,
            None => {
                seen.insert(key, out.len());
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn finding(item: &Value, source: Source) -> Finding {
    let id = item.str_at("Id").unwrap_or_default();
    let severity = title_case(
        &item
            .str_at("Severity.Label")
            .unwrap_or_else(|| "INFORMATIONAL".into())
            .to_lowercase(),
    );
    let severity = if severity == "Informational" {
        "Info".to_string()
    } else {
        severity
    };
    let mut f = Finding::new_static(item.str_at("Title").unwrap_or_default(), severity);
    f.unique_id_from_tool = Some(id.clone());
    let description = item.str_at("Description").unwrap_or_default();
    let mut mitigation = String::new();
    let mut references = Vec::new();
    match source {
        Source::Compliance => {
            f.description = format!("This is a Security Hub Finding \n{description}");
            mitigation = item
                .str_at("Remediation.Recommendation.Text")
                .unwrap_or_default();
            let passed = item
                .str_at("Compliance.Status")
                .is_none_or(|s| s == "PASSED");
            f.is_mitigated = passed;
            f.active = !passed;
        }
        Source::Inspector => {
            f.description = format!("This is an Inspector Finding\n{description}");
            for v in item.arr_at("Vulnerabilities") {
                let cve = v.str_at("Id");
                if let Some(c) = &cve {
                    f.add_vulnerability_id(c.clone());
                }
                for alias in v.arr_at("RelatedVulnerabilities") {
                    if let Some(a) = alias.as_str().filter(|a| Some(*a) != cve.as_deref()) {
                        f.add_vulnerability_id(a);
                    }
                }
                for p in v.arr_at("VulnerablePackages") {
                    mitigation.push_str(&format!(
                        "- Update {}-{}\n",
                        p.str_at("Name").unwrap_or_default(),
                        p.str_at("Version").unwrap_or_default()
                    ));
                    if let Some(r) = p.str_at("Remediation") {
                        mitigation.push_str(&format!("\t- {r}\n"));
                    }
                }
                references.extend(v.str_at("Vendor.Url"));
                f.epss_score = v.f64_at("EpssScore").or(f.epss_score);
            }
            let status = item
                .get("ProductFields")
                .and_then(|p| p.get("aws/inspector/FindingStatus"))
                .and_then(Value::as_str)
                .unwrap_or("ACTIVE");
            f.active = status == "ACTIVE";
            f.is_mitigated = !f.active;
        }
        Source::GuardDuty => {
            let mut d = format!("This is a GuardDuty Finding\n{description}\n");
            d.push_str(&format!("**AWS Finding ARN:** {id}\n"));
            if let Some(u) = item.str_at("SourceUrl") {
                d.push_str(&format!("**SourceURL:** [{u}]({u})\n"));
            }
            for (label, key) in [
                ("AwsAccountId", "AwsAccountId"),
                ("Region", "Region"),
                ("Generator ID", "GeneratorId"),
            ] {
                d.push_str(&format!(
                    "**{label}:** {}\n",
                    item.str_at(key).unwrap_or_default()
                ));
            }
            f.description = d;
            for t in item.arr_at("FindingProviderFields.Types") {
                if let Some(t) = t.as_str() {
                    mitigation.push_str(t);
                    mitigation.push('\n');
                }
            }
            mitigation.push_str("[https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-active.html](https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-active.html)");
            f.is_mitigated = item.str_at("RecordState").as_deref() != Some("ACTIVE");
        }
    }
    let mut impact = Vec::new();
    let mut suffix = String::new();
    for r in item.arr_at("Resources") {
        let kind = r.str_at("Type");
        let rid = r.str_at("Id").unwrap_or_default();
        let wants_endpoint = match source {
            Source::Inspector => true,
            Source::GuardDuty => matches!(
                kind.as_deref(),
                Some("AwsEcrContainerImage" | "AwsEc2Instance")
            ),
            Source::Compliance => false,
        };
        if wants_endpoint {
            // Resource ARNs are not host names; DefectDojo flattens them
            // into one host-like token.
            let host: String = format!("{} {rid}", kind.clone().unwrap_or_else(|| "None".into()))
                .chars()
                .map(|c| if matches!(c, ' ' | ':' | '/') { '_' } else { c })
                .collect();
            f.endpoints.push(Endpoint::host(host));
        }
        if kind.as_deref() == Some("AwsEcrContainerImage") {
            if let Some(d) = r.get("Details").and_then(|d| d.get("AwsEcrContainerImage")) {
                impact.push(format!("Image ARN: {rid}"));
                for (label, key) in [
                    ("Registry", "RegistryId"),
                    ("Repository", "RepositoryName"),
                    ("Image digest", "ImageDigest"),
                ] {
                    impact.push(format!(
                        "{label}: {}",
                        d.str_at(key).unwrap_or_else(|| "None".into())
                    ));
                }
            }
            suffix = format!(
                " - Image: {}",
                rid.split_once('/').map(|(_, b)| b).unwrap_or_default()
            );
        } else {
            let short = rid.rsplit(':').next().unwrap_or_default();
            impact.push(format!("Resource: {short}"));
            suffix = format!(" - Resource: {short}");
        }
        f.component_name = kind;
    }
    f.title.push_str(&suffix);
    references.extend(item.str_at("Remediation.Recommendation.Url"));
    f.references = Some(references.join("\n"));
    f.mitigation = Some(mitigation);
    f.impact = Some(impact.join("\n"));
    f
}
