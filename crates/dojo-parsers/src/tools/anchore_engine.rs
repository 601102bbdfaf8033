//! Anchore Engine / anchore-cli vulnerability reports: the classic
//! `vulnerabilities` list and the newer `metadata` + `securityEvaluation`.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let findings = if data
        .get("metadata")
        .is_some_and(|m| !m.is_null() && m != &Value::Object(Default::default()))
    {
        with_metadata(&data)
    } else {
        classic(&data)
    };
    Ok(ParseOutput::single(findings))
}

fn severity(raw: &str) -> String {
    if raw.eq_ignore_ascii_case("negligible") || raw.eq_ignore_ascii_case("unknown") {
        "Info".into()
    } else {
        raw.to_string()
    }
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(scalar_string)
        .unwrap_or_else(|| "None".into())
}

fn with_metadata(data: &Value) -> Vec<Finding> {
    let meta = data.get("metadata").unwrap_or(&Value::Null);
    let digest = meta
        .str_at("imageDigest")
        .or_else(|| meta.str_at("image_digest"))
        .unwrap_or_else(|| "None".into());
    let mut details = format!("**Image hash**: {digest} \n\n");
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.arr_at("securityEvaluation") {
        let vid = item
            .str_at("vulnerabilityId")
            .unwrap_or_else(|| "Unknown".into());
        let package = item.str_at("package").unwrap_or_else(|| "Unknown".into());
        let ptype = item
            .str_at("packageType")
            .unwrap_or_else(|| "Unknown".into());
        details.push_str(&format!(
            "**Package**: {package}\n\n**Package path**: {}\n\n**Package type**: {ptype}\n\n",
            item.str_at("path").unwrap_or_else(|| "Unknown".into())
        ));
        let key = ["cves", "package", "packageType", "path", "severity"]
            .iter()
            .map(|k| s(item, k))
            .collect::<Vec<_>>()
            .join("|");
        if out.contains(&key) {
            continue;
        }
        let mut f = Finding::new_static(
            format!("{vid}-{package}({ptype})"),
            severity(&item.str_at("severity").unwrap_or_else(|| "Unknown".into())),
        );
        f.description = details.clone();
        let fix = item.str_at("fixAvailable").filter(|x| x != "None");
        f.fix_available = Some(fix.is_some());
        f.mitigation = Some(match &fix {
            Some(fx) => format!(
                "Upgrade to: {}\n\nURL: {}",
                fx.split(',').collect::<Vec<_>>().join(" or "),
                s(item, "link")
            ),
            None => "No fix available.".into(),
        });
        f.cvssv3_score = item.f64_at("nvdCvssBaseScore");
        f.references = item.str_at("link");
        f.url = item.str_at("link");
        f.file_path = item.str_at("path");
        f.component_name = item.str_at("package");
        f.cve = item.str_at("cves");
        f.vuln_id_from_tool = Some(vid.clone());
        f.vulnerability_ids = vec![vid];
        out.insert(key, f);
    }
    out.into_values()
}

/// Anchore uses -1 for "no score"; anything outside 0–10 is dropped.
fn valid_score(v: Option<f64>) -> Option<f64> {
    v.filter(|s| (0.0..=10.0).contains(s))
}

fn classic(data: &Value) -> Vec<Finding> {
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.arr_at("vulnerabilities") {
        let digest = item
            .str_at("image_digest")
            .or_else(|| item.str_at("imageDigest"))
            .unwrap_or_else(|| "None".into());
        let key = format!(
            "{digest}|{}|{}|{}|{}|{}|{}",
            s(item, "feed"),
            s(item, "feed_group"),
            s(item, "package_name"),
            s(item, "package_version"),
            s(item, "package_path"),
            s(item, "vuln")
        );
        if out.contains(&key) {
            continue;
        }
        let vuln = s(item, "vuln");
        let mut f = Finding::new_static(
            format!(
                "{vuln} - {}({})",
                s(item, "package"),
                s(item, "package_type")
            ),
            severity(&s(item, "severity")),
        );
        f.description = format!(
            "**Image hash**: {digest}\n\n**Package**: {}\n\n**Package path**: {}\n\n**Package type**: {}\n\n**Feed**: {}/{}\n\n**CPE**: {}\n\n**Description**: {}\n\n",
            s(item, "package"),
            s(item, "package_path"),
            s(item, "package_type"),
            s(item, "feed"),
            s(item, "feed_group"),
            s(item, "package_cpe"),
            item.str_at("description").unwrap_or_else(|| "<None>".into())
        );
        f.mitigation = Some(format!(
            "Upgrade to {} {}\nURL: {}\n",
            s(item, "package_name"),
            s(item, "fix"),
            s(item, "url")
        ));
        f.fix_available = Some(s(item, "fix") != "None");
        let feed = s(item, "feed");
        let score = if feed == "nvdv2" || feed == "vulnerabilities" {
            item.arr_at("nvd_data")
                .first()
                .and_then(|n| n.f64_at("cvss_v3.base_score"))
        } else {
            let vendor = item.arr_at("vendor_data");
            vendor
                .iter()
                .take(2)
                .filter_map(|v| v.f64_at("cvss_v3.base_score"))
                .find(|sc| *sc != -1.0)
        };
        f.cvssv3_score = valid_score(score);
        f.references = item.str_at("url");
        f.url = item.str_at("url");
        f.file_path = Some(s(item, "package_path"));
        f.component_name = item.str_at("package_name");
        f.component_version = item.str_at("package_version");
        f.vuln_id_from_tool = item.str_at("vuln");
        f.vulnerability_ids = item.str_at("vuln").into_iter().collect();
        out.insert(key, f);
    }
    out.into_values()
}
