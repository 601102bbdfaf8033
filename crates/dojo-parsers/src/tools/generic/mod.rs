//! Generic Findings Import: DefectDojo's own CSV and JSON formats.

mod csv;
mod json;

use crate::error::ParseError;
use crate::finding::{ParseOutput, ParsedTest};
use crate::registry::Input;

const ID: &str = "Generic Findings Import";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    if input.extension() == "json" {
        return Ok(ParseOutput {
            tests: vec![json::test(input.bytes)?],
        });
    }
    Ok(ParseOutput {
        tests: vec![ParsedTest {
            name: Some(ID.into()),
            test_type: Some(ID.into()),
            findings: csv::csv_findings(input.bytes)?,
            ..ParsedTest::default()
        }],
    })
}
