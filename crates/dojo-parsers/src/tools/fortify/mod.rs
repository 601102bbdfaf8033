//! Fortify: the XML report from ReportGenerator (or a WebInspect 24.2+
//! scan export), and the `.fpr` project archive whose `audit.fvdl` holds
//! the analysis results.

mod fpr;
mod xml;

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry::Input;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    // An .fpr is a zip; anything else (or a mislabelled upload) is tried
    // as XML.
    let findings = if input.extension() == "fpr" || input.bytes.starts_with(b"PK\x03\x04") {
        fpr::findings(input.bytes)?
    } else {
        xml::findings(input.bytes)?
    };
    Ok(ParseOutput::single(findings))
}
