//! Veracode: the Detailed XML report (static, dynamic and SCA flaws) and
//! the REST Findings API's JSON (`{"findings": [...]}` or the raw
//! `{"_embedded": {"findings": [...]}}` response).

mod json;
mod xml;

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry::Input;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let findings = match input.extension().as_str() {
        "json" => json::findings(input.bytes)?,
        "xml" => xml::findings(input.bytes)?,
        // Without a telling extension, the first character decides.
        _ => match crate::xml::decode_text(input.bytes)
            .trim_start()
            .chars()
            .next()
        {
            Some('{') => json::findings(input.bytes)?,
            _ => xml::findings(input.bytes)?,
        },
    };
    Ok(ParseOutput::single(findings))
}
