//! pip-audit JSON: the old top-level list and the newer
//! `{"dependencies": [...]}` object.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let deps: &[Value] = match &data {
        Value::Array(a) => a,
        Value::Object(_) => data.arr_at("dependencies"),
        _ => {
            return Err(ParseError::invalid(
                "pip-audit report must be a JSON list or object",
            ))
        }
    };
    let mut out = Vec::new();
    for dep in deps {
        let name = dep.str_at("name").unwrap_or_default();
        let version = dep.str_at("version").unwrap_or_default();
        for v in dep.arr_at("vulns") {
            let id = v.str_at("id").unwrap_or_default();
            // pip-audit has no severity; DefectDojo files them as Medium.
            let mut f = Finding::new_static(format!("{id} in {name}:{version}"), "Medium");
            f.description = v.str_at("description").unwrap_or_default();
            f.cwe = Some(1395);
            let fixes: Vec<String> = v
                .arr_at("fix_versions")
                .iter()
                .filter_map(scalar_string)
                .collect();
            f.mitigation = match fixes.as_slice() {
                [] => None,
                [one] => Some(format!("Upgrade to version: {one}")),
                many => Some(format!("Upgrade to version:\n- {}", many.join("\n- "))),
            };
            f.component_name = Some(name.clone());
            f.component_version = Some(version.clone());
            f.vuln_id_from_tool = Some(id.clone());
            f.add_vulnerability_id(id);
            for alias in v.arr_at("aliases").iter().filter_map(scalar_string) {
                f.add_vulnerability_id(alias);
            }
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
