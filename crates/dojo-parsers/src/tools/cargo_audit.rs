//! `cargo audit --json` reports: one finding per RustSec advisory match.

use crate::cvss::base_score_v3;
use crate::cvss4::score_v4;
use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    for item in data.arr_at("vulnerabilities.list") {
        let Some(adv) = item.get("advisory") else {
            continue;
        };
        let pkg = item.str_at("package.name").unwrap_or_default();
        let version = item.str_at("package.version").unwrap_or_default();
        let id = adv.str_at("id").unwrap_or_default();
        let vector = adv.str_at("cvss");
        let v3_score = vector
            .as_deref()
            .filter(|v| v.starts_with("CVSS:3"))
            .and_then(base_score_v3);
        let v4_score = vector
            .as_deref()
            .filter(|v| v.starts_with("CVSS:4"))
            .and_then(score_v4);
        // RustSec advisories without a CVSS vector are treated as High.
        let severity = v3_score
            .or(v4_score)
            .map(severity_from_cvss)
            .unwrap_or("High");
        let mut f = Finding::new_dynamic(
            format!(
                "[{pkg} {version}] {}",
                adv.str_at("title").unwrap_or_default()
            ),
            severity,
        );
        f.description = format!(
            "**Package:** {pkg} {version}\n**Advisory:** {id}\n**Date:** {}\n\n{}",
            adv.str_at("date").unwrap_or_default(),
            adv.str_at("description").unwrap_or_default()
        );
        if let Some(v) = &vector {
            if v.starts_with("CVSS:3") {
                f.cvssv3 = Some(v.clone());
                f.cvssv3_score = v3_score;
            } else if v.starts_with("CVSS:4") {
                f.cvssv4 = Some(v.clone());
                f.cvssv4_score = v4_score;
            }
        }
        f.component_name = Some(pkg.clone());
        f.component_version = Some(version);
        f.vuln_id_from_tool = Some(id.clone());
        f.add_vulnerability_id(id);
        for alias in adv.arr_at("aliases").iter().filter_map(scalar_string) {
            f.add_vulnerability_id(alias);
        }
        f.tags = adv
            .arr_at("keywords")
            .iter()
            .filter_map(scalar_string)
            .collect();
        let patched: Vec<String> = item
            .arr_at("versions.patched")
            .iter()
            .filter_map(scalar_string)
            .collect();
        if !patched.is_empty() {
            f.mitigation = Some(format!("**Update {pkg} to** {}", patched.join(", ")));
        }
        let mut refs: Vec<String> = adv.str_at("url").into_iter().collect();
        refs.extend(adv.arr_at("references").iter().filter_map(scalar_string));
        if !refs.is_empty() {
            f.references = Some(refs.join("\n"));
        }
        f.nb_occurences = Some(1);
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
