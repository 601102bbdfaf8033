//! Generic Findings Import: DefectDojo's own CSV and JSON formats.

mod csv;
mod json;

use crate::error::ParseError;
use crate::finding::{ParseOutput, ParsedTest};
use crate::registry::Input;
use crate::stream::Sink;

const ID: &str = "Generic Findings Import";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    crate::stream::collect(input, parse_in_slices)
}

/// JSON reports are read a finding at a time; CSV ones whole.
pub fn parse_in_slices(input: &Input<'_>, sink: &mut Sink<'_>) -> Result<ParseOutput, ParseError> {
    if input.extension() == "json" {
        return Ok(ParseOutput {
            tests: vec![json::test_in_slices(input.bytes, sink)?],
        });
    }
    let findings = csv::csv_findings(input.bytes)?;
    sink(0, findings)?;
    Ok(ParseOutput {
        tests: vec![ParsedTest {
            name: Some(ID.into()),
            test_type: Some(ID.into()),
            ..ParsedTest::default()
        }],
    })
}
