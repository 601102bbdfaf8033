//! Anchore Grype `-o json` reports. The plain scan type folds matches of
//! one vulnerability in one package together; "detailed" keeps one finding
//! per file path with a stable unique id.

use serde::Deserialize;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::lax::{from_text, Obj, Scalar, Seq};
use crate::registry::Input;
use crate::util::{json_text, Folded};

// The fields DefectDojo reads from a Grype report; serde skips the rest.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    matches: Seq<Obj<Match<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Match<'a> {
    #[serde(borrow)]
    vulnerability: Obj<Vulnerability<'a>>,
    #[serde(borrow)]
    artifact: Obj<Artifact<'a>>,
    #[serde(borrow)]
    related_vulnerabilities: Seq<Obj<Related<'a>>>,
    #[serde(borrow)]
    match_details: Seq<Obj<MatchDetail<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Vulnerability<'a> {
    #[serde(borrow)]
    id: Scalar<'a>,
    #[serde(borrow)]
    severity: Scalar<'a>,
    #[serde(borrow)]
    namespace: Scalar<'a>,
    #[serde(borrow)]
    description: Scalar<'a>,
    #[serde(borrow)]
    data_source: Scalar<'a>,
    #[serde(borrow)]
    cvss: Seq<Obj<Cvss<'a>>>,
    #[serde(borrow)]
    fix: Obj<Fix<'a>>,
    #[serde(borrow)]
    epss: Seq<Obj<Epss<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Related<'a> {
    #[serde(borrow)]
    id: Scalar<'a>,
    #[serde(borrow)]
    cvss: Seq<Obj<Cvss<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Cvss<'a> {
    #[serde(borrow)]
    vector: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fix<'a> {
    #[serde(borrow)]
    versions: Seq<Scalar<'a>>,
    #[serde(borrow)]
    state: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Epss<'a> {
    #[serde(borrow)]
    epss: Scalar<'a>,
    #[serde(borrow)]
    percentile: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Artifact<'a> {
    #[serde(borrow)]
    name: Scalar<'a>,
    #[serde(borrow)]
    version: Scalar<'a>,
    #[serde(borrow, rename = "type")]
    kind: Scalar<'a>,
    #[serde(borrow)]
    purl: Scalar<'a>,
    #[serde(borrow)]
    locations: Seq<Obj<Location<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Location<'a> {
    #[serde(borrow)]
    path: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MatchDetail<'a> {
    #[serde(borrow)]
    matcher: Scalar<'a>,
}

fn severity(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "negligible" | "unknown" | "" => "Info".into(),
        "critical" => "Critical".into(),
        "high" => "High".into(),
        "medium" => "Medium".into(),
        "low" => "Low".into(),
        other => crate::finding::severity_or(other, "Info"),
    }
}

fn cvss3_vector(entries: &[Obj<Cvss<'_>>]) -> Option<String> {
    entries
        .iter()
        .filter_map(|c| c.vector.text())
        .find(|v| v.starts_with("CVSS:3"))
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let text = json_text(input.bytes);
    let mut tree = None;
    let report: Obj<Report> = from_text(&text, &mut tree)?;
    let detailed = input.detailed();
    // The plain scan type folds matches by title, keeping first-seen order.
    let mut out: Folded<String, Finding> = Folded::new();
    let mut detailed_out: Vec<Finding> = Vec::new();
    for m in report.matches.iter() {
        let vuln = &m.vulnerability;
        let art = &m.artifact;
        let id = vuln.id.text().unwrap_or_default();
        let name = art.name.text().unwrap_or_default();
        let version = art.version.text().unwrap_or_default();
        let path = art.locations.first().and_then(|l| l.path.text());
        let title = format!("{id} in {name}:{version}");
        if !detailed {
            if let Some(o) = out.get_mut(&title) {
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
                continue;
            }
        }
        let mut f = Finding::new_static(
            title.clone(),
            severity(&vuln.severity.text().unwrap_or_default()),
        );
        let related = &m.related_vulnerabilities;
        f.description = description(m);
        f.component_name = Some(name.clone());
        f.component_version = Some(version.clone());
        f.file_path = path.clone();
        f.vuln_id_from_tool = Some(id.clone());
        // DefectDojo keeps the related ids even when they repeat the main one.
        f.vulnerability_ids.push(id.clone());
        for r in related.iter() {
            if let Some(rid) = r.id.text() {
                f.vulnerability_ids.push(rid);
            }
        }
        f.cvssv3 =
            cvss3_vector(&vuln.cvss).or_else(|| related.iter().find_map(|r| cvss3_vector(&r.cvss)));
        let fixes: Vec<String> = vuln.fix.versions.iter().filter_map(Scalar::text).collect();
        f.fix_available = Some(vuln.fix.state.text().as_deref() == Some("fixed"));
        f.fix_version = fixes.last().cloned();
        f.mitigation = match fixes.as_slice() {
            [] => None,
            [one] => Some(format!("Upgrade to version: {one}")),
            many => Some(format!("Upgrade to version:\n- {}", many.join("\n- "))),
        };
        if let Some(ds) = vuln.data_source.text() {
            f.references = Some(format!("**Vulnerability Datasource:** {ds}"));
        }
        if let Some(t) = art.kind.text() {
            f.tags.push(t);
        }
        if let Some(epss) = vuln.epss.first() {
            f.epss_score = epss.epss.f64();
            f.epss_percentile = epss.percentile.f64();
        }
        f.nb_occurences = Some(1);
        if detailed {
            f.unique_id_from_tool = Some(format!(
                "{id}|{name}|{version}|{}",
                path.unwrap_or_default()
            ));
            detailed_out.push(f);
        } else {
            out.insert(title, f);
        }
    }
    let findings = if detailed {
        detailed_out
    } else {
        out.into_values()
    };
    Ok(ParseOutput::single(findings))
}

fn description(m: &Match<'_>) -> String {
    let mut d = Vec::new();
    if let Some(ns) = m.vulnerability.namespace.text() {
        d.push(format!("**Vulnerability Namespace:** {ns}"));
    }
    if let Some(desc) = m.vulnerability.description.text() {
        d.push(format!("**Vulnerability Description:** {desc}"));
    }
    if let Some(matcher) = m.match_details.first().and_then(|x| x.matcher.text()) {
        d.push(format!("**Matcher:** {matcher}"));
    }
    if let Some(purl) = m.artifact.purl.text() {
        d.push(format!("**Package URL:** {purl}"));
    }
    d.join("\n")
}
