//! mobsfscan JSON (`mobsfscan --json`): a `results` object of rule id →
//! metadata and matched files, the same layout njsscan uses.

use serde_json::Value;

use super::njsscan::ordered_top;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let top = ordered_top(input.bytes)?.unwrap_or_default();
    let Some(results) = top.get("results") else {
        // MobSF's own app-analysis reports (no `results`) are the
        // "MobSF Scan" type, not this one.
        return Err(ParseError::invalid(
            "not a mobsfscan report: no \"results\" object",
        ));
    };
    let mut out: Folded<String, Finding> = Folded::new();
    for (rule_id, item) in &results.0 {
        let empty = Value::Null;
        let metadata = item.get("metadata").unwrap_or(&empty);
        let cwe = metadata.str_at("cwe").as_deref().and_then(leading_cwe);
        let masvs = metadata.str_at("masvs").unwrap_or_default();
        let owasp_mobile = metadata.str_at("owasp-mobile").unwrap_or_default();
        let description = format!(
            "**Description:** `{}`\n**OWASP MASVS:** `{masvs}`\n**OWASP Mobile:** `{owasp_mobile}`",
            metadata
                .str_at("description")
                .unwrap_or_else(|| "None".into())
        );
        let severity = match metadata.str_at("severity").as_deref() {
            Some("ERROR") => "High",
            Some("WARNING") => "Medium",
            Some("INFO") => "Low",
            _ => "Info",
        };
        let files = item.arr_at("files");
        // A rule without matched files is an app-wide observation: one
        // finding with no location.
        let locations: Vec<(String, Option<i64>, String)> = if files.is_empty() {
            vec![(String::new(), None, String::new())]
        } else {
            files
                .iter()
                .map(|m| {
                    (
                        m.str_at("file_path").unwrap_or_default(),
                        m.arr_at("match_lines").first().and_then(Value::as_i64),
                        m.get("match_string")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        };
        for (file_path, line, snippet) in locations {
            let key = format!(
                "{rule_id}{}{masvs}{owasp_mobile}{file_path}",
                cwe.map_or_else(|| "None".into(), |c| c.to_string())
            );
            if let Some(f) = out.get_mut(&key) {
                f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
                continue;
            }
            let mut f = Finding::new_dynamic(rule_id.clone(), severity);
            f.nb_occurences = Some(1);
            f.cwe = cwe;
            f.references = metadata.str_at("reference");
            f.description = if file_path.is_empty() {
                description.clone()
            } else {
                f.line = line;
                f.file_path = Some(file_path);
                format!("{description}\n**Snippet:** `{snippet}`")
            };
            out.insert(key, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// "CWE-295 Improper ..." or "cwe-295": the number right at the start.
fn leading_cwe(s: &str) -> Option<u32> {
    let rest = s.strip_prefix("CWE-").or_else(|| s.strip_prefix("cwe-"))?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
