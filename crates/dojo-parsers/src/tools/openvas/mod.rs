//! Greenbone OpenVAS reports, CSV or XML, under both of DefectDojo's scan
//! types: "OpenVAS Parser" and "OpenVAS Parser v2".

mod csv_format;
mod v2;
mod xml_format;

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry::Input;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let v2 = input.scan_type.name == "OpenVAS Parser v2";
    let findings = match input.extension().as_str() {
        "xml" if v2 => v2::xml_findings(input.bytes)?,
        "csv" if v2 => v2::csv_findings(input.bytes)?,
        "xml" => xml_format::findings(input.bytes)?,
        "csv" => csv_format::findings(input.bytes)?,
        other => {
            return Err(ParseError::invalid(format!(
                "unsupported OpenVAS file type .{other}: expected .csv or .xml"
            )))
        }
    };
    Ok(ParseOutput::single(findings))
}

fn valid_severity(s: &str) -> String {
    if ["Info", "Low", "Medium", "High", "Critical"].contains(&s) {
        s.to_string()
    } else {
        "Info".into()
    }
}
