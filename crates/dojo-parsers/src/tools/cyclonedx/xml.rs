use std::collections::HashMap;

use super::{apply_analysis, apply_cvss3, fix_severity};
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::parse_date;
use crate::xml::{self as dom, Element};

type Component = (Option<String>, Option<String>);

fn text(el: &Element, path: &str) -> Option<String> {
    el.path(path)
        .map(|e| e.text.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn cwes(v: &Element) -> Vec<u32> {
    v.child("cwes")
        .map(|c| {
            c.children_named("cwe")
                .filter_map(|x| x.text.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = dom::parse(bytes)?;
    if root.name != "bom" {
        return Err(ParseError::invalid(
            "not a CycloneDX BOM (no bom root element)",
        ));
    }
    let date = text(&root, "metadata/timestamp").and_then(|d| parse_date(&d));
    let mut refs: HashMap<String, Component> = HashMap::new();
    let mut out = Vec::new();
    if let Some(components) = root.child("components") {
        for c in components.children_named("component") {
            let comp = (c.child_text_opt("name"), c.child_text_opt("version"));
            if let Some(r) = c.attr("bom-ref") {
                refs.insert(r.to_string(), comp.clone());
            }
            // Vulnerability extension 1.0: vulnerabilities inside the component.
            if let Some(vs) = c.child("vulnerabilities") {
                for v in vs.children_named("vulnerability") {
                    out.push(legacy(v, &refs, Some(&comp), date));
                }
            }
        }
    }
    if let Some(vs) = root.child("vulnerabilities") {
        for v in vs.children_named("vulnerability") {
            if v.attr("ref").is_some() {
                out.push(legacy(v, &refs, None, date));
            } else {
                out.extend(spec14(v, &refs, date));
            }
        }
    }
    Ok(out)
}

fn legacy(
    v: &Element,
    refs: &HashMap<String, Component>,
    component: Option<&Component>,
    date: Option<chrono::NaiveDate>,
) -> Finding {
    let r = v.attr("ref").unwrap_or_default();
    let id = text(v, "id");
    let severity = text(v, "ratings/rating/severity");
    let description = text(v, "description").unwrap_or_else(|| {
        format!(
            "**Ref:** {r}\n**Id:** {}\n**Severity:** {}",
            id.clone().unwrap_or_else(|| "None".into()),
            severity.clone().unwrap_or_else(|| "None".into())
        )
    });
    let (name, version) = component
        .cloned()
        .or_else(|| refs.get(r).cloned())
        .unwrap_or_default();
    let mut f = Finding::new_dynamic(
        format!(
            "{}:{} | {}",
            name.clone().unwrap_or_else(|| "None".into()),
            version.clone().unwrap_or_else(|| "None".into()),
            id.clone().unwrap_or_else(|| "None".into())
        ),
        fix_severity(severity.as_deref()),
    );
    f.description = description;
    f.references = Some(
        v.child("advisories")
            .map(|a| {
                a.children_named("advisory")
                    .map(|x| format!("{}\n", x.text.trim()))
                    .collect()
            })
            .unwrap_or_default(),
    );
    f.component_name = name;
    f.component_version = version;
    f.vuln_id_from_tool = id.clone();
    f.nb_occurences = Some(1);
    f.date = date;
    let mitigation: String = v
        .child("recommendations")
        .map(|a| {
            a.children_named("recommendation")
                .map(|x| format!("{}\n", x.text.trim()))
                .collect()
        })
        .unwrap_or_default();
    if !mitigation.is_empty() {
        f.mitigation = Some(mitigation);
    }
    if let Some(ratings) = v.child("ratings") {
        for rating in ratings.children_named("rating") {
            if rating.child_text("method") == Some("CVSSv3") {
                apply_cvss3(
                    &mut f,
                    rating.child_text("vector"),
                    rating.child_text("severity"),
                );
            }
        }
    }
    f.cwe = cwes(v).first().copied();
    f.vulnerability_ids = id.into_iter().collect();
    f
}

fn spec14(
    v: &Element,
    refs: &HashMap<String, Component>,
    date: Option<chrono::NaiveDate>,
) -> Vec<Finding> {
    let id = text(v, "id");
    let mut description = text(v, "description");
    if let Some(detail) = text(v, "detail") {
        description = Some(format!("{}\n{detail}", description.unwrap_or_default()));
    }
    let severity = fix_severity(text(v, "ratings/rating/severity").as_deref());
    let mut references = String::new();
    if let Some(advs) = v.child("advisories") {
        for adv in advs.children_named("advisory") {
            if let Some(t) = text(adv, "title") {
                references.push_str(&format!("**Title:** {t}\n"));
            }
            if let Some(u) = text(adv, "url") {
                references.push_str(&format!("**URL:** {u}\n"));
            }
            references.push('\n');
        }
    }
    let mut ids: Vec<String> = id.iter().cloned().collect();
    if let Some(rs) = v.child("references") {
        ids.extend(rs.children_named("reference").filter_map(|r| text(r, "id")));
    }
    let analysis: Vec<&Element> = v.children_named("analysis").collect();
    let mut out = Vec::new();
    let Some(affects) = v.child("affects") else {
        return out;
    };
    for target in affects.children_named("target") {
        let (name, version) = text(target, "ref")
            .and_then(|r| refs.get(&r).cloned())
            .unwrap_or_default();
        let mut f = Finding::new_static(
            format!(
                "{}:{} | {}",
                name.clone().unwrap_or_else(|| "None".into()),
                version.clone().unwrap_or_else(|| "None".into()),
                id.clone().unwrap_or_else(|| "None".into())
            ),
            severity.clone(),
        );
        f.description = description.clone().unwrap_or_default();
        f.mitigation = text(v, "recommendation");
        f.references = Some(references.clone());
        f.component_name = name;
        f.component_version = version;
        f.vuln_id_from_tool = id.clone();
        f.nb_occurences = Some(1);
        f.vulnerability_ids = ids.clone();
        f.date = date;
        if let Some(ratings) = v.child("ratings") {
            for rating in ratings.children_named("rating") {
                if matches!(
                    rating.child_text("method"),
                    Some("CVSSv3") | Some("CVSSv31")
                ) {
                    apply_cvss3(
                        &mut f,
                        rating.child_text("vector"),
                        rating.child_text("severity"),
                    );
                }
            }
        }
        f.cwe = cwes(v).first().copied();
        if let [a] = analysis.as_slice() {
            apply_analysis(&mut f, a.child_text("state"), a.child_text("detail"));
        }
        out.push(f);
    }
    out
}
