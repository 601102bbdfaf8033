//! KICS (Keeping Infrastructure as Code Secure) JSON reports: one finding
//! per query match; identical matches (same query, file, line and values)
//! are folded.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<_, Finding> = Folded::new();
    for query in data.arr_at("queries") {
        let name = query.str_at("query_name").unwrap_or_default();
        let category = query.str_at("category").unwrap_or_default();
        let severity = match query
            .str_at("severity")
            .unwrap_or_default()
            .to_ascii_uppercase()
            .as_str()
        {
            "CRITICAL" => "Critical",
            "HIGH" => "High",
            "MEDIUM" => "Medium",
            "LOW" => "Low",
            _ => "Info",
        };
        let title = if category.is_empty() {
            name.clone()
        } else {
            format!("{category}: {name}")
        };
        for file in query.arr_at("files") {
            let mut f = Finding::new_dynamic(title.clone(), severity);
            let file_name = file.str_at("file_name").unwrap_or_default();
            let line = file.i64_at("line");
            f.description = format!(
                "{}\n**Issue type:** {}\n**Expected value:** {}\n**Actual value:** {}\n",
                query.str_at("description").unwrap_or_default(),
                file.str_at("issue_type").unwrap_or_default(),
                file.str_at("expected_value").unwrap_or_default(),
                file.str_at("actual_value").unwrap_or_default()
            );
            f.component_name = query.str_at("platform");
            f.references = query.str_at("query_url");
            f.file_path = Some(file_name);
            f.line = line;
            f.nb_occurences = Some(1);
            let key = (
                f.title.clone(),
                f.file_path.clone(),
                f.line,
                f.description.clone(),
            );
            match out.get_mut(&key) {
                Some(o) => o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1),
                None => out.insert(key, f),
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
