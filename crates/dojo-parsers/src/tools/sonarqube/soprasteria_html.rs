use std::collections::HashMap;

use super::convert_severity;
use super::soprasteria_json::{rule_info, Aggregator, Issue};
use crate::finding::Finding;
use crate::html::{first_inner, link_texts, text, top_level_tables};

/// The soprasteria HTML report: an issues table (Rule, Severity, Component,
/// Line, Description, Message, Key) and a "Known Security Rules" table whose
/// cells hold each rule's HTML description.
pub(super) fn findings(html: &str, detailed: bool) -> Vec<Finding> {
    let tables = top_level_tables(html);
    let has = |h: &[String], name: &str| h.iter().any(|c| c == name);
    let Some(issues) = tables
        .iter()
        .find(|t| has(&t.header, "Component") && has(&t.header, "Message"))
    else {
        return Vec::new();
    };
    let mut rules: HashMap<String, String> = HashMap::new();
    if let Some(rule_table) = tables
        .iter()
        .find(|t| t.header.len() == 2 && has(&t.header, "Rule") && has(&t.header, "Description"))
    {
        for row in &rule_table.rows {
            let (Some(name), Some(desc)) = (row.first(), row.get(1)) else {
                continue;
            };
            let key = link_texts(name)
                .into_iter()
                .next()
                .unwrap_or_else(|| text(name));
            let details = first_inner(desc, "details").unwrap_or(desc);
            rules.insert(key.trim().to_string(), details.to_string());
        }
    }
    let mut agg = Aggregator::default();
    for row in &issues.rows {
        let cell = |n: usize| row.get(n).map(|c| text(c)).unwrap_or_default();
        let rule_id = cell(0);
        let info = rule_info(&rule_id, rules.get(&rule_id).map(String::as_str));
        let issue = Issue {
            severity: convert_severity(&cell(1)),
            file_path: cell(2),
            line: Some(cell(3)).filter(|l| !l.is_empty()),
            title: cell(4),
            message: cell(5),
            key: cell(6),
        };
        agg.add(issue, info, detailed);
    }
    agg.out
}
