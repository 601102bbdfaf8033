//! Tenable / Nessus: CSV exports (Nessus, Tenable.io, WAS) and `.nessus`
//! XML (NessusClientData_v2).

mod csv_format;
mod xml_format;

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry::Input;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let ext = input.extension();
    let findings = if ext == "xml" || ext == "nessus" {
        xml_format::findings(input.bytes)?
    } else {
        csv_format::findings(input.bytes)?
    };
    Ok(ParseOutput::single(findings))
}

fn numeric_severity(n: i64) -> &'static str {
    match n {
        4 => "Critical",
        3 => "High",
        2 => "Medium",
        1 => "Low",
        _ => "Info",
    }
}

/// All `CVE-YYYY-N` identifiers in a text, upper-cased.
fn cves(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let mut out = Vec::new();
    let mut rest = upper.as_str();
    while let Some(i) = rest.find("CVE-") {
        let tail = rest.get(i + 4..).unwrap_or_default();
        let year: String = tail.chars().take_while(char::is_ascii_digit).collect();
        let after = tail.get(year.len()..).unwrap_or_default();
        let num: String = after
            .strip_prefix('-')
            .map(|a| a.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        if !year.is_empty() && !num.is_empty() {
            out.push(format!("CVE-{year}-{num}"));
        }
        rest = tail;
    }
    out
}
