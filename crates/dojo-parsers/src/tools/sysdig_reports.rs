//! Sysdig vulnerability reports: the Vulnerability Engine CSV export and the
//! Sysdig UI JSON report (`data` list).

use std::collections::HashMap;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};
use crate::xml::decode_text;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let findings = match input.extension().as_str() {
        "csv" => csv_findings(input.bytes)?,
        "json" => json_findings(input.bytes)?,
        _ => Vec::new(),
    };
    Ok(ParseOutput::single(findings))
}

fn json_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let data = parse_json(bytes)?;
    // 2025 report exports: rows under panels[].data with snake_case keys.
    if data.get("panels").is_some() {
        let mut out = Vec::new();
        for panel in data.arr_at("panels") {
            for item in panel.arr_at("data") {
                let s = |k: &str| item.get(k).and_then(scalar_string).unwrap_or_default();
                let id = s("vuln_id");
                let mut f = Finding::new_dynamic(
                    format!("{id}_{}", s("vuln_fixed_in_version")),
                    severity(&s("vuln_severity")),
                );
                f.static_finding = true;
                f.description = [
                    "container_image",
                    "kubernetes_cluster_name",
                    "kubernetes_namespace_name",
                    "scan_package_path",
                    "vuln_cvss_score",
                    "vuln_cvss_vector",
                ]
                .iter()
                .map(|k| format!("{k}: {}\n", s(k)))
                .collect();
                f.component_name = Some(s("scan_package_name"));
                f.component_version = Some(s("scan_package_version"));
                if !id.is_empty() {
                    f.vulnerability_ids = vec![id];
                }
                out.push(f);
            }
        }
        return Ok(out);
    }
    if data.get("data").is_none() {
        return Err(ParseError::invalid(if data.get("result").is_some() {
            "this looks like a Sysdig CLI report, not a vulnerability report"
        } else {
            "Sysdig JSON report has no \"data\" element"
        }));
    }
    let mut out = Vec::new();
    for item in data.arr_at("data") {
        let s = |k: &str| item.get(k).and_then(scalar_string).unwrap_or_default();
        let name = s("vulnName");
        let mut f =
            Finding::new_dynamic(format!("{name}_{}", s("vulnFixVersion")), s("vulnSeverity"));
        f.static_finding = true;
        f.description = [
            "imageId",
            "imagePullString",
            "osName",
            "k8sClusterName",
            "k8sNamespaceName",
            "vulnCvssScore",
            "vulnCvssVector",
            "packageName",
            "packageType",
            "packagePath",
            "packageVersion",
        ]
        .iter()
        .map(|k| format!("{k}: {}\n", s(k)))
        .collect();
        f.mitigation = Some(format!(
            "vulnFixAvailable: {}\nvulnFixVersion: {}\nsuggestedFix: {}\n",
            s("vulnFixAvailable"),
            s("vulnFixVersion"),
            s("packageSuggestedFix")
        ));
        f.references = Some(s("vulnLink"));
        f.component_name = Some(s("packageName"));
        f.component_version = Some(s("packageVersion"));
        if !name.is_empty() {
            f.vulnerability_ids = vec![name];
        }
        out.push(f);
    }
    Ok(out)
}

fn severity(raw: &str) -> String {
    match raw.to_uppercase().as_str() {
        "CRITICAL" => "Critical",
        "HIGH" => "High",
        "MEDIUM" => "Medium",
        "LOW" => "Low",
        _ => "Info",
    }
    .into()
}

fn csv_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    // The 2025 export renamed several columns; map them onto the classic names.
    let headers: Vec<String> = rdr
        .headers()?
        .iter()
        .map(|h| {
            let h = h.to_lowercase();
            match h.as_str() {
                "vulnerability name" => "vulnerability id".to_string(),
                "vulnerability severity" => "severity".to_string(),
                "image name" => "image".to_string(),
                "package in use" => "in use".to_string(),
                other => match other.strip_prefix("kubernetes ") {
                    Some(rest) => format!("k8s {rest}"),
                    None => other.to_string(),
                },
            }
        })
        .collect();
    let mut rows: Vec<HashMap<String, String>> = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        if rec.len() > headers.len() {
            return Err(ParseError::Csv(format!(
                "number of fields in row ({}) does not match number of headers ({})",
                headers.len() + 1,
                headers.len()
            )));
        }
        if !rec.get(0).unwrap_or_default().starts_with("CVE") {
            return Err(ParseError::Csv(format!(
                "expected 'CVE' at the start of a row but got: {}",
                rec.get(0).unwrap_or_default()
            )));
        }
        rows.push(
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    if headers.iter().any(|h| h == "cve id") {
        return Err(ParseError::invalid(
            "this looks like a Sysdig CLI report (CVE ID column)",
        ));
    }
    if !headers.iter().any(|h| h == "vulnerability id") {
        return Err(ParseError::invalid("expected a Vulnerability ID column"));
    }
    let mut out = Vec::new();
    for row in rows {
        let g = |k: &str| row.get(k).cloned().unwrap_or_default();
        let id = g("vulnerability id");
        let cluster = g("k8s cluster name");
        let title = if cluster.is_empty() {
            format!("{id} - {}", g("package name"))
        } else {
            format!(
                "{cluster} - {} - {} - {id}",
                g("k8s namespace name"),
                g("package name")
            )
        };
        // Rows without a numeric CVSS version are skipped, as DefectDojo does.
        let Ok(cvss_version) = g("cvss version").trim().parse::<f64>() else {
            continue;
        };
        let mut f = Finding::new_static(title, severity(&g("severity")));
        if !cluster.is_empty() {
            f.static_finding = false;
            f.dynamic_finding = true;
        }
        f.vuln_id_from_tool = Some(id.clone());
        f.vulnerability_ids = vec![id.clone()];
        f.component_name = Some(g("package name"));
        f.component_version = Some(g("package version"));
        f.description = format!(
            "**Vulnerability ID:** {id}\n**Severity:** {}\n**Package Name:** {}\n**Package Version:** {}\n**Image Name:** {}",
            g("severity"),
            g("package name"),
            g("package version"),
            g("image")
        );
        if !g("package path").is_empty() {
            f.file_path = Some(g("package path"));
        }
        if !g("package suggested fix").is_empty() {
            f.mitigation = Some(format!(
                "Package suggested fix version: {}",
                g("package suggested fix")
            ));
        }
        if (3.0..4.0).contains(&cvss_version) {
            f.cvssv3_score = g("cvss score").trim().parse().ok();
        }
        f.risk_accepted = g("risk accepted") == "TRUE";
        if !g("vuln link").is_empty() {
            f.references = Some(g("vuln link"));
            f.url = Some(g("vuln link"));
        }
        out.push(f);
    }
    Ok(out)
}
