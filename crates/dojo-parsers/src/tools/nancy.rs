//! Sonatype Nancy (`nancy sleuth -o json`) for Go dependencies.

use crate::cvss::base_score_v3;
use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if data.get("vulnerable").is_none() {
        return Err(ParseError::invalid(
            "Nancy report has no \"vulnerable\" list",
        ));
    }
    let mut out = Vec::new();
    for vuln in data.arr_at("vulnerable") {
        let coords = vuln.str_at("Coordinates").unwrap_or_default();
        let pkg = coords.split_once(':').map(|(_, p)| p).unwrap_or(&coords);
        let (name, version) = pkg.split_once('@').unwrap_or((pkg, ""));
        let mut references: Vec<String> = vuln.str_at("Reference").into_iter().collect();
        for v in vuln.arr_at("Vulnerabilities") {
            references.extend(v.str_at("Reference"));
            let title = v.str_at("Title").unwrap_or_default();
            // Nancy has no severity; the CVSS vector decides it.
            let vector = v.str_at("CvssVector").filter(|s| !s.is_empty());
            let score = v
                .f64_at("CvssScore")
                .or_else(|| vector.as_deref().and_then(base_score_v3));
            let mut f = Finding::new_static(
                title.clone(),
                score.map(severity_from_cvss).unwrap_or("Info"),
            );
            f.description = v.str_at("Description").unwrap_or_default();
            f.component_name = Some(name.to_string());
            f.component_version = Some(version.to_string());
            f.vuln_id_from_tool = v.str_at("Id").or_else(|| v.str_at("ID"));
            f.references = Some(references.join("\n"));
            // Kept even when blank, as DefectDojo does; the importer drops
            // blank ids before hashing.
            f.vulnerability_ids = v
                .get("Cve")
                .and_then(|c| c.as_str())
                .map(str::to_string)
                .into_iter()
                .collect();
            match vector {
                Some(v) if v.starts_with("CVSS:4") => f.cvssv4 = Some(v),
                v => f.cvssv3 = v,
            }
            if title.starts_with("CWE-") {
                f.cwe = parse_cwe(title.split(':').next().unwrap_or_default());
            }
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
