//! Fortify `.fpr` archives: `audit.fvdl` lists the vulnerabilities with
//! their rule metadata, descriptions and code snippets; the optional
//! `audit.xml` holds the auditors' triage (suppressions, comments).

use std::collections::HashMap;

use crate::archive::read_members;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::xml::{self, Element};

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let members = read_members(bytes)?;
    let fvdl = members
        .iter()
        .find(|(name, _)| name.ends_with("audit.fvdl"))
        .ok_or_else(|| ParseError::invalid("no audit.fvdl in the Fortify .fpr archive"))?;
    let root = xml::parse(&fvdl.1)?;
    let audit = match members.iter().find(|(name, _)| name.ends_with("audit.xml")) {
        Some((_, data)) => Audit::read(&xml::parse(data)?),
        None => Audit::default(),
    };
    let related = Related::read(&root);
    let Some(vulnerabilities) = root.child("Vulnerabilities") else {
        return Ok(Vec::new());
    };
    Ok(vulnerabilities
        .children
        .iter()
        .map(|v| finding(&Vulnerability::read(v), &related, &audit))
        .collect())
}

/// The text of the first child called `name`: `None` when absent, the text
/// as written (possibly empty) otherwise, like ElementTree's `findtext`.
fn findtext(el: &Element, name: &str) -> Option<String> {
    el.child(name).map(|c| c.text.clone())
}

/// Python's rendering of an optional value in an f-string.
fn shown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("None")
}

#[derive(Default)]
struct Snippet {
    file: Option<String>,
    start_line: Option<String>,
    text: Option<String>,
}

#[derive(Default)]
struct Description {
    abstract_text: Option<String>,
    explanation: Option<String>,
    recommendations: Option<String>,
    tips: Option<String>,
}

#[derive(Default)]
struct Rule {
    impact: Option<String>,
    accuracy: Option<String>,
    probability: Option<String>,
    cwe: Option<u32>,
}

/// Descriptions by class id, snippets by id and rules by id: what the
/// vulnerabilities refer to.
#[derive(Default)]
struct Related {
    descriptions: HashMap<String, Description>,
    snippets: HashMap<String, Snippet>,
    rules: HashMap<String, Rule>,
}

impl Related {
    fn read(root: &Element) -> Self {
        let mut r = Related::default();
        for d in root.children_named("Description") {
            if let Some(id) = d.attr("classID").filter(|id| !id.is_empty()) {
                r.descriptions.insert(
                    id.to_string(),
                    Description {
                        abstract_text: findtext(d, "Abstract"),
                        explanation: findtext(d, "Explanation"),
                        recommendations: findtext(d, "Recommendations"),
                        tips: findtext(d, "Tips"),
                    },
                );
            }
        }
        for s in root
            .children_named("Snippets")
            .take(1)
            .flat_map(|s| s.children.iter())
        {
            if let Some(id) = s.attr("id").filter(|id| !id.is_empty()) {
                r.snippets.insert(
                    id.to_string(),
                    Snippet {
                        file: findtext(s, "File"),
                        start_line: findtext(s, "StartLine"),
                        text: findtext(s, "Text"),
                    },
                );
            }
        }
        let rules = root
            .path("EngineData/RuleInfo")
            .map(|ri| ri.children.iter().collect::<Vec<_>>())
            .unwrap_or_default();
        for rule in rules {
            let Some(id) = rule.attr("id").filter(|id| !id.is_empty()) else {
                continue;
            };
            let group = |name: &str| {
                rule.child("MetaInfo").and_then(|m| {
                    m.children_named("Group")
                        .find(|g| g.attr("name") == Some(name))
                        .map(|g| g.text.clone())
                })
            };
            r.rules.insert(
                id.to_string(),
                Rule {
                    impact: group("Impact"),
                    accuracy: group("Accuracy"),
                    probability: group("Probability"),
                    cwe: group("altcategoryCWE").as_deref().and_then(first_cwe),
                },
            );
        }
        r
    }
}

/// "CWE ID 259,CWE ID 798": the first id; "None" has none.
fn first_cwe(s: &str) -> Option<u32> {
    let rest = s.split_once("CWE ID ")?.1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The auditors' triage from `audit.xml`, by instance id.
#[derive(Default)]
struct Audit {
    suppressed: HashMap<String, bool>,
    comments: HashMap<String, String>,
}

impl Audit {
    fn read(root: &Element) -> Self {
        let mut a = Audit::default();
        for issue in root
            .children_named("IssueList")
            .flat_map(|l| l.children_named("Issue"))
        {
            let Some(id) = issue.attr("instanceId") else {
                continue;
            };
            let suppressed = issue
                .attr("suppressed")
                .is_some_and(|s| s.eq_ignore_ascii_case("true"));
            a.suppressed.insert(id.to_string(), suppressed);
            let comments: String = issue
                .children_named("ThreadedComments")
                .flat_map(|t| t.children_named("Comment"))
                .map(|c| {
                    format!(
                        "{} - ({}): {}\n",
                        c.child_text("Timestamp").unwrap_or("None"),
                        c.child_text("Username").unwrap_or("None"),
                        c.child_text("Content").unwrap_or("None")
                    )
                })
                .collect();
            if !comments.is_empty() {
                a.comments
                    .insert(id.to_string(), format!("Threaded Comments:\n{comments}"));
            }
        }
        a
    }
}

#[derive(Default)]
struct Vulnerability {
    vulnerability_type: Option<String>,
    class_id: Option<String>,
    kingdom: Option<String>,
    analyzer_name: Option<String>,
    default_severity: Option<String>,
    instance_id: Option<String>,
    instance_severity: Option<String>,
    confidence: Option<String>,
    path: Option<String>,
    line: Option<String>,
    line_end: Option<String>,
    col_start: Option<String>,
    col_end: Option<String>,
    snippet_id: Option<String>,
}

impl Vulnerability {
    fn read(v: &Element) -> Self {
        let mut out = Vulnerability::default();
        if let Some(c) = v.child("ClassInfo") {
            out.vulnerability_type = findtext(c, "Type");
            out.class_id = findtext(c, "ClassID");
            out.kingdom = findtext(c, "Kingdom");
            out.analyzer_name = findtext(c, "AnalyzerName");
            out.default_severity = findtext(c, "DefaultSeverity");
        }
        if let Some(i) = v.child("InstanceInfo") {
            out.instance_id = findtext(i, "InstanceID");
            out.instance_severity = findtext(i, "InstanceSeverity");
            out.confidence = findtext(i, "Confidence");
        }
        if let Some(loc) = v.child("AnalysisInfo").and_then(source_location) {
            let attr = |k: &str| loc.attr(k).map(str::to_string);
            out.path = attr("path");
            out.line = attr("line");
            out.line_end = attr("lineEnd");
            out.col_start = attr("colStart");
            out.col_end = attr("colEnd");
            out.snippet_id = attr("snippet");
        }
        out
    }
}

/// The primary trace's first entry node that has a source location.
fn source_location(analysis: &Element) -> Option<&Element> {
    let primary = analysis.path("Unified/Trace/Primary")?;
    primary
        .children_named("Entry")
        .filter_map(|e| e.child("Node"))
        .find_map(|n| n.child("SourceLocation"))
}

fn finding(v: &Vulnerability, related: &Related, audit: &Audit) -> Finding {
    let snippet = v
        .snippet_id
        .as_ref()
        .and_then(|id| related.snippets.get(id));
    let class = v.class_id.clone().unwrap_or_default();
    let description = related.descriptions.get(&class);
    let rule = related.rules.get(&class);

    // The snippet's first line is where Fortify shows the finding.
    let line = snippet
        .and_then(|s| s.start_line.clone())
        .filter(|l| !l.is_empty())
        .or_else(|| v.line.clone());
    let file_name = v
        .path
        .as_deref()
        .map_or("None", |p| p.rsplit('/').next().unwrap_or(p));
    let title = format!(
        "{} - {file_name}: {} ({})",
        shown(&v.vulnerability_type),
        shown(&line),
        shown(&v.class_id)
    );
    let mut f = Finding::new_static(title, severity(v, rule));
    f.dynamic_finding = true;
    f.description = describe(v, snippet, description);
    f.mitigation = Some(mitigation(description));
    f.cwe = rule.and_then(|r| r.cwe);
    f.file_path = v.path.clone();
    f.line = line.as_deref().and_then(|l| l.trim().parse().ok());
    f.unique_id_from_tool = v.instance_id.clone();
    let id = v.instance_id.clone().unwrap_or_default();
    // Only issues the auditors suppressed are false positives; DefectDojo
    // 3.2 also flagged every other audited issue (its bug, fixed upstream
    // after the release), which would close valid findings on reimport.
    if audit.suppressed.get(&id).copied().unwrap_or(false) {
        f.false_p = true;
        f.active = false;
    }
    f.impact = audit.comments.get(&id).cloned();
    f
}

/// Fortify's priority: impact against likelihood, both on a 0–5 scale with
/// 2.5 as the line between high and low (Fortify's documented formula,
/// likelihood = accuracy × confidence × probability / 25).
fn severity(v: &Vulnerability, rule: Option<&Rule>) -> &'static str {
    let num = |s: &Option<String>| s.as_deref().and_then(|s| s.trim().parse::<f64>().ok());
    let Some(rule) = rule.filter(|r| r.impact.as_deref().is_some_and(|i| !i.is_empty())) else {
        return "Info";
    };
    let (Some(impact), Some(confidence), Some(accuracy), Some(probability)) = (
        num(&rule.impact),
        num(&v.confidence),
        num(&rule.accuracy),
        num(&rule.probability),
    ) else {
        return "Info";
    };
    let likelihood = round1(accuracy * confidence * probability / 25.0);
    match (impact >= 2.5, likelihood >= 2.5) {
        (true, true) => "Critical",
        (true, false) => "High",
        (false, true) => "Medium",
        (false, false) => "Low",
    }
}

/// Rounds to one decimal as Python's `round(x, 1)` does: correctly, with
/// exact halves to even.
fn round1(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap_or(x)
}

fn describe(v: &Vulnerability, snippet: Option<&Snippet>, d: Option<&Description>) -> String {
    let none = None;
    let field = |get: fn(&Description) -> &Option<String>| d.map_or(&none, get);
    let mut desc = format!(
        "##Catagory: {}\n###Abstract:\n{}\n",
        shown(&v.vulnerability_type),
        shown(field(|d| &d.abstract_text))
    );
    desc.push_str(&format!(
        "**SourceLocationPath:** {}\n**SourceLocationLine:** {}\n**SourceLocationLineEnd:** {}\n**SourceLocationColStart:** {}\n**SourceLocationColEnd:** {}\n",
        shown(&v.path),
        shown(&v.line),
        shown(&v.line_end),
        shown(&v.col_start),
        shown(&v.col_end)
    ));
    if let Some(s) = snippet {
        desc.push_str(
            "##Source:\nThis snippet provides more context on the execution path that leads to this finding. \n",
        );
        desc.push_str(&format!(
            "###Snippet:\n**File: {}: {}**\n```\n{}\n```\n",
            shown(&s.file),
            shown(&s.start_line),
            shown(&s.text)
        ));
    }
    desc.push_str(&format!(
        "##Explanation:\n {}",
        shown(field(|d| &d.explanation))
    ));
    let id = shown(&v.instance_id);
    desc.push_str(&format!(
        "##Details: {id}\n**InstanceID:** {id}\n**InstanceSeverity:** {}\n**Confidence:** {}\n**ClassID:** {}\n**Kingdom:** {}\n**AnalyzerName:** {}\n**DefaultSeverity:** {}\n",
        shown(&v.instance_severity),
        shown(&v.confidence),
        shown(&v.class_id),
        shown(&v.kingdom),
        shown(&v.analyzer_name),
        shown(&v.default_severity)
    ));
    desc
}

fn mitigation(d: Option<&Description>) -> String {
    let mut out = String::new();
    let Some(d) = d else {
        return out;
    };
    if let Some(rec) = d.recommendations.as_deref().filter(|r| !r.is_empty()) {
        out.push_str(&format!("###Recommendation:\n {rec}\n"));
    }
    if let Some(tips) = d.tips.as_deref().filter(|t| !t.is_empty()) {
        out.push_str(&format!("###Tips:\n {tips}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_and_rounding() {
        assert_eq!(first_cwe("CWE ID 259,CWE ID 798"), Some(259));
        assert_eq!(first_cwe("None"), None);
        assert_eq!(round1(0.25), 0.2);
        assert_eq!(round1(2.45), 2.5);
    }
}
