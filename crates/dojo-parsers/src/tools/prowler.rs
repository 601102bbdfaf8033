//! Prowler (v4+) results for AWS, Azure, GCP and Kubernetes: the
//! semicolon-separated CSV and the OCSF JSON outputs. Passed checks are not
//! findings.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, parse_json, read_csv, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let name = input.file_name.to_ascii_lowercase();
    let findings = if name.ends_with(".json") {
        parse_ocsf(input.bytes)?
    } else if name.ends_with(".csv") {
        parse_csv(input.bytes)?
    } else {
        return Err(ParseError::invalid(
            "Prowler report must be a .json (OCSF) or .csv file",
        ));
    };
    // Prowler repeats a check verbatim for some resources.
    let mut seen = HashSet::new();
    Ok(ParseOutput::single(
        findings
            .into_iter()
            .filter(|f| seen.insert((f.title.clone(), f.description.clone(), f.severity.clone())))
            .collect(),
    ))
}

fn severity(s: &str) -> &'static str {
    match s.to_ascii_lowercase().as_str() {
        "critical" => "Critical",
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        _ => "Info",
    }
}

fn labelled(parts: &[(&str, String)]) -> String {
    parts
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("**{k}** : {v}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn parse_csv(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let mut rows = read_csv(bytes, b';')?;
    if rows.iter().all(|r| r.len() <= 3) {
        rows = read_csv(bytes, b',')?;
    }
    let mut out = Vec::new();
    for row in rows {
        let get = |k: &str| cell(&row, k).unwrap_or_default().to_string();
        if get("STATUS").eq_ignore_ascii_case("PASS") {
            continue;
        }
        let title = match get("CHECK_TITLE") {
            t if t.is_empty() => get("CHECK_ID"),
            t => t,
        };
        let mut f = Finding::new_dynamic(title, severity(&get("SEVERITY")));
        f.description = labelled(&[
            ("Cloud Type", get("PROVIDER").to_uppercase()),
            ("Description", get("DESCRIPTION")),
            ("Service Name", get("SERVICE_NAME")),
            ("Status Detail", get("STATUS_EXTENDED")),
            ("Finding Created Time", get("TIMESTAMP")),
        ]);
        f.mitigation = Some(labelled(&[
            (
                "Remediation Recommendation",
                get("REMEDIATION_RECOMMENDATION_TEXT"),
            ),
            (
                "Remediation Recommendation URL",
                get("REMEDIATION_RECOMMENDATION_URL"),
            ),
            (
                "Remediation Code Native IaC",
                get("REMEDIATION_CODE_NATIVEIAC"),
            ),
            (
                "Remediation Code Terraform",
                get("REMEDIATION_CODE_TERRAFORM"),
            ),
            ("Remediation Code CLI", get("REMEDIATION_CODE_CLI")),
            ("Remediation Code Other", get("REMEDIATION_CODE_OTHER")),
        ]))
        .filter(|m| !m.is_empty());
        f.impact = Some(get("RISK")).filter(|s| !s.is_empty());
        let compliance = get("COMPLIANCE");
        if !compliance.is_empty() {
            f.references = Some(compliance.split(" | ").collect::<Vec<_>>().join("\n"));
        }
        let provider = get("PROVIDER");
        if !provider.is_empty() {
            f.tags.push(provider);
        }
        out.push(f);
    }
    Ok(out)
}

fn parse_ocsf(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let data = parse_json(bytes)?;
    let items = match &data {
        Value::Array(a) => a.as_slice(),
        Value::Null => &[],
        _ => {
            return Err(ParseError::invalid(
                "Prowler OCSF report is not a JSON list",
            ))
        }
    };
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.is_object()) {
        if item
            .str_at("status_code")
            .is_some_and(|s| s.eq_ignore_ascii_case("PASS"))
        {
            continue;
        }
        let sev = item
            .str_at("severity")
            .or_else(|| item.str_at("finding_info.severity"))
            .unwrap_or_default();
        let mut f = Finding::new_dynamic(
            item.str_at("message")
                .or_else(|| item.str_at("finding_info.title"))
                .unwrap_or_default(),
            severity(&sev),
        );
        let provider = item.str_at("cloud.provider").unwrap_or_default();
        f.description = labelled(&[
            ("Cloud Type", provider.to_uppercase()),
            (
                "Finding Description",
                item.str_at("finding_info.desc").unwrap_or_default(),
            ),
            (
                "Product Name",
                item.str_at("metadata.product.name").unwrap_or_default(),
            ),
            (
                "Status Detail",
                item.str_at("status_detail").unwrap_or_default(),
            ),
            (
                "Finding Created Time",
                item.str_at("finding_info.created_time_dt")
                    .unwrap_or_default(),
            ),
        ]);
        let refs: Vec<String> = item
            .arr_at("remediation.references")
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        f.mitigation = Some(labelled(&[
            (
                "Remediation Description",
                item.str_at("remediation.desc").unwrap_or_default(),
            ),
            ("Remediation References", refs.join("\n")),
        ]))
        .filter(|m| !m.is_empty());
        f.impact = item.str_at("risk_details");
        let mut references = vec![format!(
            "**Related URL** : {}",
            item.str_at("unmapped.related_url").unwrap_or_default()
        )];
        if let Some(Value::Object(c)) = item.get_path("unmapped.compliance") {
            for (k, v) in c {
                let vals: Vec<String> = match v {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    other => other.as_str().map(str::to_string).into_iter().collect(),
                };
                references.push(format!("**{k}** : {}", vals.join(", ")));
            }
        }
        f.references = Some(references.join("\n\n"));
        if !provider.is_empty() {
            f.tags.push(provider);
        }
        out.push(f);
    }
    Ok(out)
}
