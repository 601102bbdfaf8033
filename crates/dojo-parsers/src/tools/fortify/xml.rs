//! Fortify XML: ReportGenerator's `<ReportDefinition>` (issues listed under
//! report sections, category texts in their grouping sections) and
//! WebInspect 24.2's `<Scan>` export.

use std::collections::{HashMap, HashSet};

use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::Folded;
use crate::xml::{self, Element};

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    match root.name.as_str() {
        "Scan" => Ok(webinspect(&root)),
        "ReportDefinition" => report_definition(&root),
        other => Err(ParseError::invalid(format!(
            "not a Fortify XML report: root element <{other}>"
        ))),
    }
}

/// Text of the first child called `name` as written (not trimmed), or
/// "None" when the child or its text is missing, as Python prints it.
fn text_or_none(el: &Element, name: &str) -> String {
    el.child(name)
        .map(|c| c.text.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or("None")
        .to_string()
}

fn webinspect(root: &Element) -> Vec<Finding> {
    let mut out = Vec::new();
    for issues in root.children_named("Issues") {
        for issue in issues.descendants("Issue") {
            let severity = match issue
                .child_text("Severity")
                .and_then(|s| s.parse::<i64>().ok())
            {
                Some(1) => "Low",
                Some(2) => "Medium",
                Some(3) => "High",
                Some(4) => "Critical",
                _ => "Info",
            };
            let mut f = Finding::new_static(text_or_none(issue, "Name"), severity);
            f.dynamic_finding = true;
            f.description = [
                "CheckTypeID",
                "URL",
                "EngineType",
                "Scheme",
                "VulnerabilityID",
                "VulnerableSession",
            ]
            .iter()
            .map(|k| format!("**{k}:** {}\n", text_or_none(issue, k)))
            .collect();
            // DefectDojo cannot build an endpoint from these issues (the
            // port is text), so none is attached here either.
            if let Some(resp) = issue.child("RawResponse").filter(|r| !r.text.is_empty()) {
                f.req_resp.push((String::new(), resp.text.clone()));
            }
            out.push(f);
        }
    }
    out
}

/// One issue's details from a ReportDefinition listing.
struct Issue<'a> {
    iid: String,
    category: String,
    abstract_text: String,
    friority: String,
    file_name: String,
    file_path: String,
    line_start: String,
    snippet: String,
    source: Option<&'a Element>,
}

/// A report section's issues, and its category texts (abstract,
/// explanation, recommendations, tips) by category name.
#[derive(Default)]
struct Listing<'a> {
    meta: HashMap<String, HashMap<String, String>>,
    issues: Vec<&'a Element>,
}

fn report_definition(root: &Element) -> Result<Vec<Finding>, ParseError> {
    // Both the outline and the per-category count list issues; whichever
    // lists more is the full set (the other may be cut to one per group).
    let mut outline = Listing::default();
    let mut by_category = Listing::default();
    for section in root.children_named("ReportSection") {
        let Listing { meta, issues } = match section.child_text("Title") {
            Some("Results Outline") => &mut outline,
            Some("Issue Count by Category") => &mut by_category,
            _ => continue,
        };
        for group in section.descendants("GroupingSection") {
            let title = group
                .child_text("groupTitle")
                .unwrap_or_default()
                .to_string();
            let Some(summary) = group
                .child("MajorAttributeSummary")
                .filter(|s| !s.children.is_empty())
            else {
                continue;
            };
            let info = summary
                .children_named("MetaInfo")
                .map(|m| {
                    (
                        m.child("Name").map(|n| n.text.clone()).unwrap_or_default(),
                        m.child("Value").map(|v| v.text.clone()).unwrap_or_default(),
                    )
                })
                .collect();
            meta.insert(title, info);
        }
        issues.extend(section.descendants("Issue"));
    }
    let Listing { meta, issues } = if outline.issues.len() > by_category.issues.len() {
        outline
    } else {
        by_category
    };

    // Issues are keyed by their id; a later listing of the same id replaces
    // the details but keeps the first position.
    let mut by_id: Folded<String, Issue<'_>> = Folded::new();
    for el in issues {
        let iid = el
            .attr("iid")
            .ok_or_else(|| ParseError::MissingField("Issue/@iid".into()))?;
        let primary = el
            .child("Primary")
            .ok_or_else(|| ParseError::MissingField(format!("Issue {iid}: Primary")))?;
        by_id.insert(
            iid.to_string(),
            Issue {
                iid: iid.to_string(),
                category: text_or_none(el, "Category"),
                abstract_text: text_or_none(el, "Abstract"),
                friority: text_or_none(el, "Friority"),
                file_name: text_or_none(primary, "FileName"),
                file_path: text_or_none(primary, "FilePath"),
                line_start: text_or_none(primary, "LineStart"),
                snippet: match primary.child("Snippet") {
                    Some(_) => text_or_none(primary, "Snippet"),
                    None => "n/a".into(),
                },
                source: el.child("Source").filter(|s| !s.children.is_empty()),
            },
        );
    }

    let empty = HashMap::new();
    let mut seen_titles = HashSet::new();
    let mut out = Vec::new();
    for issue in by_id.into_values() {
        let iid = issue.iid.clone();
        let title = format!(
            "{} - {}: {}",
            issue.category, issue.file_name, issue.line_start
        );
        if !seen_titles.insert(title.clone()) {
            continue;
        }
        let line = issue.line_start.trim().parse::<i64>().map_err(|_| {
            ParseError::invalid(format!(
                "Issue {iid}: LineStart {:?} is not a number",
                issue.line_start
            ))
        })?;
        let info = meta.get(&issue.category).unwrap_or(&empty);
        let mut f =
            Finding::new_static(title, crate::finding::severity_or(&issue.friority, "Info"));
        f.dynamic_finding = true;
        f.file_path = Some(issue.file_path.clone());
        f.line = Some(line);
        f.description = description(&issue, info);
        f.mitigation = Some(mitigation(info));
        f.unique_id_from_tool = Some(iid);
        out.push(f);
    }
    Ok(out)
}

fn description(issue: &Issue<'_>, info: &HashMap<String, String>) -> String {
    let mut desc = format!(
        "##Catagory: {}\n###Abstract:\n{}\n###Snippet:\n**File: {}: {}**\n```\n{}\n```\n",
        issue.category, issue.abstract_text, issue.file_name, issue.line_start, issue.snippet
    );
    if let Some(src) = issue.source {
        desc.push_str(&format!(
            "##Source:\nThis snippet provides more context on the execution path that leads to this finding. \n####Snippet:\n**File: {}: {}**\n```\n{}\n```\n",
            text_or_none(src, "FileName"),
            text_or_none(src, "LineStart"),
            text_or_none(src, "Snippet")
        ));
    }
    if let Some(expl) = info.get("Explanation").filter(|e| !e.is_empty()) {
        desc.push_str(&format!("##Explanation:\n {expl}"));
    }
    desc
}

fn mitigation(info: &HashMap<String, String>) -> String {
    let mut out = String::new();
    if let Some(rec) = info.get("Recommendations").filter(|r| !r.is_empty()) {
        out.push_str(&format!("###Recommendation:\n {rec}\n"));
    }
    if let Some(tips) = info.get("Tips").filter(|t| !t.is_empty()) {
        out.push_str(&format!("###Tips:\n {tips}"));
    }
    out
}
