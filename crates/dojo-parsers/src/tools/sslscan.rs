//! sslscan XML output: a `<document>` of `<ssltest host port>` elements;
//! vulnerable heartbleed probes and weak ciphers become findings.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::Folded;
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    if !root.name.contains("document") {
        return Err(ParseError::invalid(
            "not an sslscan XML report (no <document> root)",
        ));
    }
    // Identical title and description collapse into one finding, keeping the
    // first host's endpoint.
    let mut out: Folded<String, Finding> = Folded::new();
    for test in &root.children {
        for target in &test.children {
            let (host, port) = host_port(test)?;
            let Some((title, description)) = issue(target) else {
                continue;
            };
            let key = format!("{description}{title}");
            if out.contains(&key) {
                continue;
            }
            let mut f = Finding::new_dynamic(title, "Info");
            f.description = description;
            if !host.is_empty() {
                f.endpoints.push(if host.contains("://") {
                    Endpoint::from_uri(host)
                } else {
                    Endpoint {
                        port: Some(port),
                        ..Endpoint::host(host)
                    }
                });
            }
            out.insert(key, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn host_port(test: &Element) -> Result<(&str, u16), ParseError> {
    let host = test
        .attr("host")
        .ok_or_else(|| ParseError::MissingField(format!("{}/@host", test.name)))?;
    let port = test
        .attr("port")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| ParseError::invalid(format!("{}: missing or bad port", test.name)))?;
    Ok((host, port))
}

fn issue(target: &Element) -> Option<(String, String)> {
    let attr = |k: &str| target.attr(k).unwrap_or_default();
    match target.name.as_str() {
        "heartbleed" if attr("vulnerable") == "1" => Some((
            format!("heartbleed | {}", attr("sslversion")),
            format!(
                "**heartbleed** :\n\n**sslversion** : {}\n",
                attr("sslversion")
            ),
        )),
        "cipher" if !matches!(attr("strength"), "acceptable" | "strong") => Some((
            format!("cipher | {}", attr("sslversion")),
            format!(
                "**Cipher** : {}\n\n**Status** : {}\n\n**strength** : {}\n\n**sslversion** : {}\n",
                attr("cipher"),
                attr("status"),
                attr("strength"),
                attr("sslversion")
            ),
        )),
        _ => None,
    }
}
