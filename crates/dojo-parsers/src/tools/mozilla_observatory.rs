//! Mozilla HTTP Observatory results (CLI `--format json` or API tests map).

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

fn severity(modifier: i64) -> &'static str {
    if (-10..0).contains(&modifier) {
        "Low"
    } else if (-25..=-11).contains(&modifier) {
        "Medium"
    } else if modifier <= -26 {
        "High"
    } else {
        "Info"
    }
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let nodes = data.get("tests").unwrap_or(&data);
    let mut out = Vec::new();
    if let Some(map) = nodes.as_object() {
        for (key, node) in map {
            let desc = node.str_at("score_description").unwrap_or_default();
            let mut f = Finding::new_dynamic(
                desc.clone(),
                severity(node.i64_at("score_modifier").unwrap_or(0)),
            );
            f.active = !node.bool_at("pass").unwrap_or(false);
            f.description = format!(
                "**Score Description** : `{desc}`\n**Result** : `{}`**expectation** : {}`",
                node.str_at("result").unwrap_or_default(),
                node.get("expectation")
                    .and_then(scalar_string)
                    .unwrap_or_else(|| "None".into())
            );
            f.vuln_id_from_tool = node.str_at("name").or_else(|| Some(key.clone()));
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
