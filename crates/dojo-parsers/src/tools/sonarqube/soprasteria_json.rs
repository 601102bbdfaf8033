use serde_json::Value;
use std::collections::HashMap;

use super::convert_severity;
use crate::finding::Finding;
use crate::util::{scalar_string, strip_html, JsonExt};

/// The rule's HTML description as text, without the "See" section.
fn rule_description(html: &str) -> String {
    let head = html.split("<h2>See").next().unwrap_or(html);
    strip_html(&head.replace("<h2>", "**").replace("</h2>", "**"))
        .trim()
        .to_string()
}

fn first_cwe(text: &str) -> u32 {
    let upper = text.to_ascii_uppercase();
    upper
        .find("CWE-")
        .and_then(|i| upper.get(i + 4..))
        .map(|t| {
            t.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// One issue row, whatever the report format.
pub(super) struct Issue {
    pub title: String,
    pub message: String,
    pub file_path: String,
    pub line: Option<String>,
    pub key: String,
    pub severity: &'static str,
}

/// Rule text, references and CWE from a rule's HTML description.
pub(super) fn rule_info(rule_id: &str, html: Option<&str>) -> (String, String, u32) {
    match html {
        Some(html) => {
            let mut refs = rule_id.to_string();
            for t in crate::html::link_texts(html) {
                refs.push('\n');
                refs.push_str(&t);
            }
            let cwe = first_cwe(&refs);
            (rule_description(html), refs, cwe)
        }
        None => ("No description provided".to_string(), String::new(), 0),
    }
}

pub(super) fn findings(data: &Value, detailed: bool) -> Vec<Finding> {
    let rules = data.get("rules");
    let mut agg = Aggregator::default();
    for issue in data.arr_at("issues") {
        let rule_id = issue.str_at("rule").unwrap_or_default();
        let html = rules
            .and_then(|r| r.get(&rule_id))
            .and_then(|r| r.str_at("htmlDesc"));
        let info = rule_info(&rule_id, html.as_deref());
        let i = Issue {
            title: issue.str_at("description").unwrap_or_default(),
            message: issue.str_at("message").unwrap_or_default(),
            file_path: issue.str_at("component").unwrap_or_default(),
            line: issue.get("line").and_then(scalar_string),
            key: issue.str_at("key").unwrap_or_default(),
            severity: convert_severity(&issue.str_at("severity").unwrap_or_default()),
        };
        agg.add(i, info, detailed);
    }
    agg.out
}

/// Builds findings: per issue in detailed mode, else folded per CWE, rule
/// text and file.
#[derive(Default)]
pub(super) struct Aggregator {
    pub out: Vec<Finding>,
    /// Index in `out` of each folding key.
    keys: HashMap<String, usize>,
}

impl Aggregator {
    pub fn add(&mut self, i: Issue, info: (String, String, u32), detailed: bool) {
        let (description, references, cwe) = info;
        let mut f = Finding::new_static(i.title.clone(), i.severity);
        f.cwe = Some(cwe).filter(|c| *c > 0);
        f.file_path = Some(i.file_path.clone());
        f.mitigation = Some(i.message.clone());
        f.references = Some(references);
        f.impact = Some("No impact provided".into());
        if detailed {
            f.description = description.clone();
            f.line = i.line.as_deref().and_then(|l| l.trim().parse().ok());
            f.unique_id_from_tool = Some(i.key.clone());
            let k = format!("{cwe}{}{description}{}{}", i.title, i.file_path, i.key);
            match self.keys.get(&k) {
                Some(&n) => {
                    if let Some(slot) = self.out.get_mut(n) {
                        *slot = f;
                    }
                }
                None => {
                    self.keys.insert(k, self.out.len());
                    self.out.push(f);
                }
            }
            return;
        }
        let occurrence = format!("Line: {}", i.line.unwrap_or_else(|| "None".into()));
        let k = format!("{cwe}{}{description}{}", i.title, i.file_path);
        match self.keys.get(&k).copied() {
            Some(n) => {
                if let Some(o) = self.out.get_mut(n) {
                    o.description.push_str(&format!("\n{occurrence}"));
                    let m = o.mitigation.take().unwrap_or_default();
                    o.mitigation = Some(format!("{m}\n______\n{}", i.message));
                    o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
                }
            }
            None => {
                f.description = format!("{description}\n\n-----\nOccurences:\n{occurrence}");
                f.nb_occurences = Some(1);
                self.keys.insert(k, self.out.len());
                self.out.push(f);
            }
        }
    }
}
