//! Zora (Kubernetes dashboard) combined CSV export of misconfigurations and
//! vulnerabilities.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, cell_opt, read_csv};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let mut out = Vec::new();
    for row in read_csv(input.bytes, b',')? {
        let c = |k: &str| cell(&row, k).unwrap_or_default().to_string();
        let severity = match c("severity").trim().to_lowercase().as_str() {
            "low" => "Low",
            "medium" | "med" => "Medium",
            "high" => "High",
            "critical" | "crit" => "Critical",
            _ => "Info",
        };
        let mut f = Finding::new_dynamic(c("title"), severity);
        f.description = format!(
            "**Source**: {}\n**Image**: {}\n**ID**: {}\n**Details**: {}\n",
            c("source"),
            c("image"),
            c("id"),
            c("description")
        );
        f.mitigation = Some(c("description"));
        f.unique_id_from_tool = Some(format!("{}-{}-{}", c("source"), c("image"), c("id")));
        f.is_mitigated = matches!(c("status").to_uppercase().as_str(), "PASS" | "OK" | "FIXED");
        f.fix_version = cell_opt(&row, "fixVersion");
        f.fix_available = Some(f.fix_version.is_some());
        f.vulnerability_ids = cell_opt(&row, "id").into_iter().collect();
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
