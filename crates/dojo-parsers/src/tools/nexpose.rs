//! Rapid7 Nexpose "XML Export 2.0" reports.
//!
//! Findings are folded by severity and title across hosts and services,
//! plus one "Host Up" finding per host and one "Open port" finding per
//! service, as DefectDojo does.

use std::collections::HashMap;

use crate::endpoint::{default_port, Endpoint};
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::Folded;
use crate::xml;

use crate::html2text::html2text;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    // The shared reader vets the document (no entity declarations, bounded
    // depth); Nexpose's rich text also needs the text after each element,
    // which only the local tree keeps.
    xml::parse(input.bytes)?;
    let root = tree(input.bytes)?;
    let mut defs = definitions(&root);
    let hosts = hosts(&root, &mut defs);

    let mut out: Folded<String, Finding> = Folded::new();
    let mut creators = HashMap::new();
    for host in &hosts {
        for v in &host.vulns {
            if let Some(f) = finding_for(&mut out, &mut creators, v, &defs) {
                f.endpoints.push(Endpoint::host(host.address.clone()));
                f.tags = v.tags(&defs);
            }
        }
        for svc in &host.services {
            // Known URL schemes name the endpoint; otherwise tcp/udp does.
            let protocol = if is_scheme(&svc.name) {
                svc.name.clone()
            } else {
                svc.protocol.clone()
            };
            for v in &svc.vulns {
                let Some(f) = finding_for(&mut out, &mut creators, v, &defs) else {
                    continue;
                };
                f.endpoints.push(Endpoint {
                    protocol: Some(protocol.clone()).filter(|p| !p.is_empty()),
                    host: Some(host.address.clone()).filter(|h| !h.is_empty()),
                    port: svc.port,
                    // TCP and UDP DNS are different exposures.
                    fragment: (svc.name == "dns").then(|| svc.protocol.to_lowercase()),
                    ..Endpoint::default()
                });
                f.tags = v.tags(&defs);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// Schemes Python's `hyperlink` knows a default port for.
fn is_scheme(name: &str) -> bool {
    default_port(name).is_some() || matches!(name, "file" | "msrps" | "rtsps" | "steam" | "xmpp")
}

/// A vulnerability definition from `VulnerabilityDefinitions`.
struct Definition {
    title: String,
    severity: &'static str,
    vector: Option<String>,
    description: String,
    solution: String,
    /// Reference key → text, in first-seen order.
    refs: Vec<(String, String)>,
    tags: Vec<String>,
    /// Output of every test of this vulnerability in the whole report:
    /// DefectDojo accumulates it on the shared definition before building
    /// any finding, so every finding shows all of it.
    plugin_output: Option<String>,
}

/// What a host or service reports: a definition id, or a synthetic finding.
enum Vuln {
    Defined(String),
    Synthetic {
        name: String,
        desc: String,
        tags: Vec<String>,
    },
}

impl Vuln {
    fn tags(&self, defs: &HashMap<String, Definition>) -> Vec<String> {
        match self {
            Vuln::Defined(id) => defs.get(id).map(|d| d.tags.clone()).unwrap_or_default(),
            Vuln::Synthetic { tags, .. } => tags.clone(),
        }
    }
}

struct Service {
    protocol: String,
    port: Option<u16>,
    name: String,
    vulns: Vec<Vuln>,
}

struct Host {
    address: String,
    vulns: Vec<Vuln>,
    services: Vec<Service>,
}

fn severity(level: i64) -> &'static str {
    match level {
        l if l >= 9 => "Critical",
        l if l >= 7 => "High",
        l if l >= 4 => "Medium",
        l if l > 0 => "Low",
        _ => "Info",
    }
}

fn definitions(root: &Node) -> HashMap<String, Definition> {
    let mut out = HashMap::new();
    let mut url_index = 0;
    for defs in root.children_named("VulnerabilityDefinitions") {
        for v in defs.children_named("vulnerability") {
            let id = v.attr("id").unwrap_or_default().to_lowercase();
            let level = v
                .attr("severity")
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
            let mut d = Definition {
                title: v.attr("title").unwrap_or("None").to_string(),
                severity: severity(level),
                vector: v
                    .attr("cvssVector")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                description: String::new(),
                solution: String::new(),
                refs: Vec::new(),
                tags: Vec::new(),
                plugin_output: None,
            };
            let mut put_ref =
                |key: String, value: String| match d.refs.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => d.refs.push((key, value)),
                };
            for item in &v.children {
                match item.name.as_str() {
                    "description" => {
                        for h in &item.children {
                            d.description.push_str(&html_type(h));
                        }
                    }
                    "exploits" => {
                        for e in &item.children {
                            let title = e.attr("title").unwrap_or("None");
                            let link = e.attr("link").unwrap_or("None");
                            put_ref(
                                title.to_string(),
                                format!("{} {}", title.trim(), link.trim()),
                            );
                        }
                    }
                    "references" => {
                        for r in &item.children {
                            let source = r.attr("source").unwrap_or_default();
                            let text = r.text.trim().to_string();
                            if source.contains("URL") {
                                put_ref(format!("{source}{url_index}"), text);
                                url_index += 1;
                            } else {
                                put_ref(source.to_string(), text);
                            }
                        }
                    }
                    "solution" => {
                        for h in &item.children {
                            d.solution.push_str(&html_type(h));
                        }
                    }
                    "tags" => {
                        d.tags
                            .extend(item.children.iter().map(|t| t.text.to_lowercase()));
                    }
                    _ => {}
                }
            }
            out.insert(id, d);
        }
    }
    out
}

/// Nexpose's rich-text elements rendered as the HTML DefectDojo builds from
/// them (later converted to Markdown). Text between child elements is not
/// kept, as in DefectDojo.
fn html_type(node: &Node) -> String {
    let mut ret = String::new();
    let text = node.text.trim();
    match node.name.to_lowercase().as_str() {
        tag @ ("containerblockelement" | "paragraph") => {
            let (open, close) = if tag == "paragraph" {
                ("<p>", "</p>")
            } else {
                ("<div>", "</div>")
            };
            if node.children.is_empty() {
                if !node.text.is_empty() {
                    ret.push_str(open);
                    ret.push_str(text);
                }
                ret.push_str(node.tail.trim());
                ret.push_str(close);
            } else {
                for c in &node.children {
                    ret.push_str(&html_type(c));
                }
            }
        }
        "listitem" => {
            if node.children.is_empty() {
                if !node.text.is_empty() {
                    ret.push_str(&format!("<li>{text}</li>"));
                }
            } else {
                for c in &node.children {
                    ret.push_str(&html_type(c));
                }
            }
        }
        "orderedlist" => {
            for (i, item) in node.children.iter().enumerate() {
                ret.push_str(&format!("<ol>{i} {}</ol>", html_type(item)));
            }
        }
        "unorderedlist" => {
            for item in &node.children {
                let li = html_type(item);
                if !ret.contains(&li) {
                    ret.push_str("* ");
                    ret.push_str(&li);
                }
            }
        }
        "urllink" => {
            if !node.text.is_empty() {
                ret.push_str(text);
                ret.push(' ');
            }
            // Each attribute value that differs from the previous one.
            for pair in node.attrs.windows(2) {
                if let [(_, prev), (_, value)] = pair {
                    if value != prev {
                        ret.push_str(value);
                        ret.push(' ');
                    }
                }
            }
        }
        _ => {}
    }
    ret
}

const VULNERABLE: &[&str] = &[
    "vulnerable-exploited",
    "vulnerable-version",
    "vulnerable-potential",
];

/// The vulnerable tests under `node/tests`, appending their output to the
/// shared definitions.
fn tests(node: &Node, defs: &mut HashMap<String, Definition>) -> Vec<Vuln> {
    let mut out = Vec::new();
    for t in node
        .children_named("tests")
        .flat_map(|ts| ts.children_named("test"))
    {
        let Some(id) = t.attr("id") else {
            continue;
        };
        if !VULNERABLE.contains(&t.attr("status").unwrap_or_default()) {
            continue;
        }
        // DefectDojo looks the raw id up among lower-cased keys.
        let Some(def) = defs.get_mut(id) else {
            continue;
        };
        for child in &t.children {
            let html = html_type(child);
            match &mut def.plugin_output {
                Some(p) => {
                    p.push_str("\n\n");
                    p.push_str(&html);
                }
                None => def.plugin_output = Some(html),
            }
        }
        out.push(Vuln::Defined(id.to_string()));
    }
    out
}

fn hosts(root: &Node, defs: &mut HashMap<String, Definition>) -> Vec<Host> {
    let mut out = Vec::new();
    for node in root
        .children_named("nodes")
        .flat_map(|n| n.children_named("node"))
    {
        let mut vulns = tests(node, defs);
        vulns.push(Vuln::Synthetic {
            name: "Host Up".into(),
            desc: "Host is up because it replied on ICMP request or some TCP/UDP port is up".into(),
            tags: Vec::new(),
        });
        let mut services = Vec::new();
        for ep in node
            .children_named("endpoints")
            .flat_map(|e| e.children_named("endpoint"))
        {
            let protocol = ep.attr("protocol").unwrap_or_default().to_string();
            let port_text = ep.attr("port").unwrap_or_default();
            let port = port_text.trim().parse::<u16>().ok();
            let mut service: Option<Service> = None;
            for s in ep
                .children_named("services")
                .flat_map(|s| s.children_named("service"))
            {
                let raw_name = s.attr("name").unwrap_or_default();
                let mut vulns = tests(s, defs);
                let tags = if raw_name == "<unknown>" || raw_name.is_empty() {
                    Vec::new()
                } else {
                    vec![slug(&raw_name.to_lowercase())]
                };
                let port_shown = port.map_or_else(|| port_text.to_string(), |p| p.to_string());
                vulns.push(Vuln::Synthetic {
                    name: format!("Open port {}/{port_shown}", protocol.to_uppercase()),
                    desc: format!(
                        "{protocol}/{port_shown} port is open with \"{raw_name}\" service"
                    ),
                    tags,
                });
                // With several services the last one describes the port.
                service = Some(Service {
                    protocol: protocol.clone(),
                    port,
                    name: raw_name.to_lowercase(),
                    vulns,
                });
            }
            services.extend(service);
        }
        out.push(Host {
            address: node.attr("address").unwrap_or_default().to_string(),
            vulns,
            services,
        });
    }
    out
}

/// Runs of anything but ASCII letters and digits become one dash.
fn slug(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn reference_line(key: &str, value: &str) -> String {
    if key.starts_with("BID") {
        format!(" * [{value}](https://www.securityfocus.com/bid/{value})")
    } else if key.starts_with("CA") {
        format!(" * [{value}](https://www.cert.org/advisories/{value}.html)")
    } else if key.starts_with("CERT-VN") {
        format!(" * [{value}](https://www.kb.cert.org/vuls/id/{value}.html)")
    } else if key.starts_with("CVE") {
        format!(" * [{value}](https://cve.mitre.org/cgi-bin/cvename.cgi?name={value})")
    } else if key.starts_with("DEBIAN") {
        format!(" * [{value}](https://security-tracker.debian.org/tracker/{value})")
    } else if key.starts_with("XF") {
        format!(" * [{value}](https://exchange.xforce.ibmcloud.com/vulnerabilities/{value})")
    } else if key.starts_with("URL") {
        format!(" * URL: {value}")
    } else {
        format!(" * {key}: {value}")
    }
}

/// The finding folded under `v`'s severity and title, created on first use.
/// `creators` remembers which definition made each finding: output from
/// another definition with the same title is appended when new.
fn finding_for<'a>(
    out: &'a mut Folded<String, Finding>,
    creators: &mut HashMap<String, String>,
    v: &Vuln,
    defs: &HashMap<String, Definition>,
) -> Option<&'a mut Finding> {
    let (title, severity, id) = match v {
        Vuln::Defined(id) => {
            let d = defs.get(id)?;
            (d.title.clone(), d.severity, id.as_str())
        }
        Vuln::Synthetic { name, .. } => (name.clone(), "Info", ""),
    };
    let key = format!("{severity}{title}");
    if let Some(creator) = creators.get(&key) {
        if creator != id {
            let output = match v {
                Vuln::Defined(_) => defs.get(id).and_then(|d| d.plugin_output.clone()),
                Vuln::Synthetic { .. } => None,
            };
            let text = html2text(output.as_deref().unwrap_or_default());
            if let Some(f) = out.get_mut(&key) {
                if !f.description.contains(&text) {
                    f.description.push_str("\n\n");
                    f.description.push_str(&text);
                }
            }
        }
        return out.get_mut(&key);
    }
    let mut f = Finding::new_dynamic(title, severity);
    match v {
        Vuln::Defined(id) => {
            let d = defs.get(id)?;
            f.description = format!(
                "{}\n\n{}",
                html2text(d.description.trim()),
                html2text(d.plugin_output.as_deref().unwrap_or_default().trim())
            );
            f.mitigation = (!d.solution.is_empty()).then(|| html2text(&d.solution));
            f.impact = d.vector.clone();
            f.references = Some(
                d.refs
                    .iter()
                    .map(|(k, v)| format!("{}\n", reference_line(k, v)))
                    .collect(),
            );
            if let Some((_, cve)) = d.refs.iter().find(|(k, _)| k == "CVE") {
                f.add_vulnerability_id(cve.clone());
            }
        }
        Vuln::Synthetic { desc, .. } => {
            f.description = format!("{}\n\n{}", html2text(desc.trim()), html2text(""));
            f.references = Some(String::new());
        }
    }
    creators.insert(key.clone(), id.to_string());
    out.insert(key.clone(), f);
    out.get_mut(&key)
}

/// An element as Python's ElementTree sees it: `text` is what precedes the
/// first child, `tail` what follows the element inside its parent.
#[derive(Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    tail: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Appends character data where ElementTree would put it.
    fn push_text(&mut self, t: &str) {
        match self.children.last_mut() {
            Some(last) => last.tail.push_str(t),
            None => self.text.push_str(t),
        }
    }
}

fn xml_err(e: impl std::fmt::Display) -> ParseError {
    ParseError::Xml(
        e.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn local_name(raw: &[u8]) -> String {
    let name = raw
        .iter()
        .rposition(|b| *b == b':')
        .and_then(|i| raw.get(i + 1..))
        .unwrap_or(raw);
    String::from_utf8_lossy(name).into_owned()
}

fn node(start: &quick_xml::events::BytesStart<'_>) -> Result<Node, ParseError> {
    let mut n = Node {
        name: local_name(start.name().as_ref()),
        ..Node::default()
    };
    for a in start.attributes().with_checks(false) {
        let a = a.map_err(xml_err)?;
        let v = a.unescape_value().map_err(xml_err)?;
        n.attrs.push((local_name(a.key.as_ref()), v.into_owned()));
    }
    Ok(n)
}

/// Builds the tree of a document `xml::parse` has already accepted.
fn tree(bytes: &[u8]) -> Result<Node, ParseError> {
    use quick_xml::events::Event;
    let text = xml::decode_text(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Node> = Vec::new();
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::Start(s) => stack.push(node(&s)?),
            Event::Empty(s) => {
                let n = node(&s)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::End(_) => {
                let n = stack
                    .pop()
                    .ok_or_else(|| ParseError::Xml("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::Text(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.push_text(&t.unescape().map_err(xml_err)?);
                }
            }
            Event::CData(c) => {
                if let Some(cur) = stack.last_mut() {
                    cur.push_text(&String::from_utf8_lossy(c.as_ref()));
                }
            }
            Event::Eof => return Err(ParseError::Xml("no root element".into())),
            _ => {}
        }
    }
}
