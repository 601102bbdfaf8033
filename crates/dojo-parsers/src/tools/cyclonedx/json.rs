use serde_json::Value;
use std::collections::HashMap;

use super::{apply_analysis, apply_cvss3, fix_severity};
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::{parse_date, parse_json, scalar_string, JsonExt};

/// bom-ref → (name, version), including nested components.
fn flatten<'a>(components: &'a [Value], out: &mut HashMap<String, &'a Value>) {
    for c in components {
        flatten(c.arr_at("components"), out);
        if let Some(r) = c.str_at("bom-ref") {
            out.insert(r, c);
        }
    }
}

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let data = parse_json(bytes)?;
    let date = data
        .str_at("metadata.timestamp")
        .and_then(|d| parse_date(&d));
    let mut components = HashMap::new();
    flatten(data.arr_at("components"), &mut components);
    let mut out = Vec::new();
    for v in data.arr_at("vulnerabilities") {
        let id = v.str_at("id");
        let mut description = v.str_at("description");
        if let Some(detail) = v.str_at("detail") {
            description = Some(format!("{}\n{detail}", description.unwrap_or_default()));
        }
        let ratings = v.arr_at("ratings");
        let severity = if ratings.is_empty() {
            "Medium".into()
        } else {
            fix_severity(
                ratings
                    .first()
                    .and_then(|r| r.str_at("severity"))
                    .as_deref(),
            )
        };
        let mut references = String::new();
        for adv in v.arr_at("advisories") {
            if let Some(t) = adv.str_at("title") {
                references.push_str(&format!("**Title:** {t}\n"));
            }
            if let Some(u) = adv.str_at("url") {
                references.push_str(&format!("**URL:** {u}\n"));
            }
            references.push('\n');
        }
        let mut ids: Vec<String> = id.iter().cloned().collect();
        ids.extend(v.arr_at("references").iter().filter_map(|r| r.str_at("id")));
        for affect in v.arr_at("affects") {
            let comp = affect
                .str_at("ref")
                .and_then(|r| components.get(&r).copied());
            let name = comp.and_then(|c| c.str_at("name"));
            let version = comp.and_then(|c| c.str_at("version"));
            let mut f = Finding::new_static(
                format!(
                    "{}:{} | {}",
                    name.clone().unwrap_or_else(|| "None".into()),
                    version.clone().unwrap_or_else(|| "None".into()),
                    id.clone().unwrap_or_else(|| "None".into())
                ),
                severity.clone(),
            );
            f.description = description
                .clone()
                .unwrap_or_else(|| "Description was not provided.".into());
            f.mitigation = Some(v.str_at("recommendation").unwrap_or_default());
            f.references = Some(references.clone());
            f.component_name = name;
            f.component_version = version;
            f.vuln_id_from_tool = id.clone();
            f.date = date;
            for r in ratings {
                if matches!(
                    r.str_at("method").as_deref(),
                    Some("CVSSv3") | Some("CVSSv31")
                ) {
                    apply_cvss3(
                        &mut f,
                        r.str_at("vector").as_deref(),
                        r.str_at("severity").as_deref(),
                    );
                }
            }
            f.vulnerability_ids = ids.clone();
            f.cwe = v
                .arr_at("cwes")
                .first()
                .and_then(|c| scalar_string(c)?.parse().ok());
            apply_analysis(
                &mut f,
                v.str_at("analysis.state").as_deref(),
                v.str_at("analysis.detail").as_deref(),
            );
            out.push(f);
        }
    }
    Ok(out)
}
