//! Yelp detect-secrets baseline files (`detect-secrets scan`).

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let date = data.str_at("generated_at").and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    let Some(results) = data.get("results").and_then(|r| r.as_object()) else {
        return Ok(ParseOutput::single(out));
    };
    for (file, items) in results {
        for item in items.as_array().map(Vec::as_slice).unwrap_or_default() {
            let kind = item.str_at("type").unwrap_or_default();
            let line = item.i64_at("line_number");
            let mut f = Finding::new_dynamic(kind.clone(), "High");
            f.description = format!(
                "Detected potential secret with the following related data:\n**Filename:** {file}\n**Line:** {}\n**Type:** {kind}\n",
                line.map(|l| l.to_string()).unwrap_or_default()
            );
            f.cwe = Some(798);
            f.file_path = item.str_at("filename").or_else(|| Some(file.clone()));
            f.line = line;
            f.date = date;
            f.nb_occurences = Some(1);
            f.verified = item.bool_at("is_verified").unwrap_or(false);
            // An audited baseline marks reviewed non-secrets with is_secret=false.
            if item.bool_at("is_secret") == Some(false) {
                f.false_p = true;
                f.active = false;
            }
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
