//! SARIF 2.1.0: one test per run, named after the run's tool driver.

mod log;

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use log::{Location, Log, Message, Rule, RunHead, SarifResult};

use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput, ParsedTest};
use crate::lax::{Obj, Scalar};
use crate::registry::Input;
use crate::stream::{Sink, Slices};
use crate::util::{json_text, parse_date};
use serde::Deserialize;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    crate::stream::collect(input, parse_in_slices)
}

/// Results are handed over as they are read (see [`log`] for the two passes).
pub fn parse_in_slices(input: &Input<'_>, sink: &mut Sink<'_>) -> Result<ParseOutput, ParseError> {
    let text = json_text(input.bytes);
    // serde refuses a repeated key in a struct, where the tree keeps the last
    // one: such a log is read from its tree, in both passes.
    let fast = serde_json::from_str::<Obj<Log>>(&text);
    let tree: Option<Value> = match &fast {
        Ok(_) => None,
        Err(_) => Some(serde_json::from_str(&text)?),
    };
    let log: Obj<Log> = match (fast, &tree) {
        (Ok(log), _) => log,
        (Err(_), Some(tree)) => Obj::<Log>::deserialize(tree)?,
        (Err(e), None) => return Err(e.into()),
    };
    let mut tests = Vec::new();
    let mut runs = Vec::new();
    for run in log.runs.iter() {
        let driver = &run.tool.driver;
        let name = driver.name.text();
        tests.push(ParsedTest {
            name: name.clone(),
            test_type: name,
            version: driver.version.text(),
            description: None,
            findings: Vec::new(),
        });
        runs.push(RunRules::new(run));
    }
    let mut slices = Slices::new(sink);
    let mut each = |run: usize, result: &SarifResult<'_>| match runs.get(run) {
        Some(rules) => result_findings(rules, result, run, &mut slices),
        None => Ok(()),
    };
    match &tree {
        Some(tree) => log::each_result(tree, &mut each)?,
        None => log::each_result(&mut serde_json::Deserializer::from_str(&text), &mut each)?,
    }
    slices.flush()?;
    Ok(ParseOutput { tests })
}

/// What a rule contributes to each of its results, worked out once per rule
/// rather than once per result.
struct RuleInfo<'r, 'a> {
    rule: &'r Rule<'a>,
    name: Option<String>,
    /// `Some` when the rule has a `shortDescription` (its message may still be `None`).
    short: Option<Option<String>>,
    full: Option<Option<String>>,
    title_fallback: Option<String>,
    default_level: Option<String>,
    references: Option<String>,
    cwe: Option<u32>,
    security_severity: Option<SecuritySeverity>,
    tags: Vec<String>,
}

enum SecuritySeverity {
    Score(f64),
    Word(String),
}

impl<'r, 'a> RuleInfo<'r, 'a> {
    fn new(rule: &'r Rule<'a>) -> Self {
        let short = rule.short_description.get().map(|m| message(m, Some(rule)));
        let full = rule.full_description.get().map(|m| message(m, Some(rule)));
        let title_fallback = match (&short, &full) {
            (Some(s), _) => s.clone(),
            (None, Some(f)) => f.clone(),
            (None, None) => rule.name.text().or_else(|| rule.id.text()),
        };
        let sev = &rule.properties.security_severity;
        let security_severity = match sev.f64() {
            Some(score) => Some(SecuritySeverity::Score(score)),
            None => sev.as_str().map(|w| SecuritySeverity::Word(w.to_string())),
        };
        RuleInfo {
            rule,
            name: rule.name.text(),
            short,
            full,
            title_fallback,
            default_level: rule.default_configuration.level.text(),
            references: rule.help_uri.text().or_else(|| {
                rule.help
                    .get()
                    .and_then(|h| message(h, Some(rule)))
                    .filter(|h| h.starts_with("http"))
            }),
            cwe: rule_cwes(rule).last().copied(),
            security_severity,
            tags: rule
                .properties
                .tags
                .iter()
                .filter_map(Scalar::text)
                .collect(),
        }
    }
}

/// What a run gives each of its results: its rules by id and its date.
struct RunRules<'r, 'a> {
    infos: Vec<RuleInfo<'r, 'a>>,
    by_id: HashMap<String, usize>,
    date: Option<chrono::NaiveDate>,
}

impl<'r, 'a> RunRules<'r, 'a> {
    fn new(run: &'r RunHead<'a>) -> Self {
        let rules = &run.tool.driver.rules;
        let infos: Vec<RuleInfo> = rules.iter().map(|r| RuleInfo::new(r)).collect();
        // A later rule with the same id replaces an earlier one.
        let mut by_id = HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            if let Some(id) = rule.id.text() {
                by_id.insert(id, index);
            }
        }
        // DefectDojo dates findings with the end of the last invocation.
        let date = run
            .invocations
            .last()
            .and_then(|i| i.end_time_utc.text())
            .and_then(|d| parse_date(&d));
        RunRules { infos, by_id, date }
    }

    fn rule(&self, id: &str) -> Option<&RuleInfo<'r, 'a>> {
        self.by_id.get(id).and_then(|i| self.infos.get(*i))
    }
}

fn result_findings(
    run: &RunRules<'_, '_>,
    result: &SarifResult<'_>,
    test: usize,
    out: &mut Slices<'_, '_>,
) -> Result<(), ParseError> {
    let kind = result.kind.text().unwrap_or_else(|| "fail".into());
    if kind != "fail" {
        return Ok(());
    }
    let rule = result.rule_id.text().and_then(|id| run.rule(&id));
    // DefectDojo makes one finding per location of a result.
    let locations = &result.locations;
    if locations.len() <= 1 {
        let mut f = item(result, rule, locations.first().map(|l| &**l))?;
        f.date = run.date;
        out.push(test, f)?;
    } else {
        for loc in locations.iter() {
            let mut f = item(result, rule, Some(loc))?;
            f.date = run.date;
            out.push(test, f)?;
        }
    }
    Ok(())
}

/// Resolves a multiformat message: plain text, or a rule message template
/// with `{n}` placeholders filled from `arguments`.
fn message(data: &Message<'_>, rule: Option<&Rule<'_>>) -> Option<String> {
    if let (Some(rule), Some(id)) = (rule, data.id.text()) {
        let mut text = rule.message_strings.get(&id).and_then(|m| m.text.text())?;
        for (i, a) in data.arguments.iter().enumerate().take(6) {
            let ph = format!("{{{i}}}");
            if !text.contains(&ph) {
                break;
            }
            text = text.replace(&ph, a.as_str().unwrap_or_default());
        }
        return Some(text);
    }
    data.text.as_str().map(str::to_string)
}

fn title(msg: Option<&String>, rule: Option<&RuleInfo>) -> Result<String, ParseError> {
    let t = msg
        .or_else(|| rule.and_then(|r| r.title_fallback.as_ref()))
        .ok_or_else(|| ParseError::invalid("SARIF result without any title text"))?;
    Ok(crate::util::shorten(t, 150))
}

fn snippet(location: Option<&Location<'_>>) -> Option<String> {
    let pl = &location?.physical_location;
    pl.region
        .snippet
        .text
        .text()
        .or_else(|| pl.context_region.snippet.text.text())
}

fn description(
    msg: Option<&Option<String>>,
    rule: Option<&RuleInfo>,
    location: Option<&Location<'_>>,
) -> String {
    let snippet = snippet(location);
    let mut d = String::with_capacity(
        64 + msg.and_then(Option::as_ref).map_or(0, String::len)
            + snippet.as_ref().map_or(0, String::len)
            + rule.map_or(0, |r| {
                r.name.as_ref().map_or(0, String::len)
                    + r.short
                        .as_ref()
                        .and_then(Option::as_ref)
                        .map_or(0, String::len)
                    + r.full
                        .as_ref()
                        .and_then(Option::as_ref)
                        .map_or(0, String::len)
            }),
    );
    let mut line = |parts: &[&str]| {
        for p in parts {
            d.push_str(p);
        }
        d.push('\n');
    };
    let mut msg_text = "";
    if let Some(m) = msg {
        msg_text = m.as_deref().unwrap_or_default();
        line(&["**Result message:** ", msg_text]);
    }
    if let Some(s) = &snippet {
        line(&["**Snippet:**\n```\n", s, "\n```"]);
    }
    if let Some(rule) = rule {
        if let Some(n) = &rule.name {
            line(&["**Rule name:** ", n]);
        }
        let short = rule
            .short
            .as_ref()
            .and_then(Option::as_deref)
            .unwrap_or_default();
        if !short.is_empty() && short != msg_text {
            line(&["**Rule short description:** ", short]);
        }
        if let Some(Some(full)) = &rule.full {
            if full != msg_text && full != short {
                line(&["**Rule full description:** ", full]);
            }
        }
    }
    if d.ends_with('\n') {
        d.pop();
    }
    d
}

fn severity(result: &SarifResult<'_>, rule: Option<&RuleInfo>) -> &'static str {
    let level = result
        .level
        .text()
        .or_else(|| rule.and_then(|r| r.default_level.clone()));
    match level.as_deref() {
        Some("note") => "Info",
        Some("error") => "High",
        _ => "Medium",
    }
}

fn cwe_in(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let i = lower.find("cwe-")?;
    let digits: String = lower
        .get(i + 4..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn rule_cwes(rule: &Rule<'_>) -> Vec<u32> {
    if rule.relationships.is_array() {
        return rule
            .relationships
            .iter()
            .filter_map(|r| r.target.id.text())
            .filter_map(|v| cwe_in(&v))
            .collect();
    }
    rule.properties
        .tags
        .iter()
        .filter_map(Scalar::as_str)
        .filter_map(cwe_in)
        .collect()
}

fn cve_in(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper
        .get(from..)
        .and_then(|s| s.find("CVE-"))
        .map(|i| i + from)
    {
        let rest = upper.get(i + 4..).unwrap_or_default();
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(year.len()..).unwrap_or_default();
        if !year.is_empty() {
            if let Some(num) = after.strip_prefix('-') {
                let n: String = num.chars().take_while(char::is_ascii_digit).collect();
                if !n.is_empty() {
                    return Some(format!("CVE-{year}-{n}"));
                }
            }
        }
        from = i + 4;
    }
    None
}

/// `fingerprints` (or sorted `partialFingerprints`) become the tool's unique
/// id; for versioned keys (`name/v2`) the highest version wins.
fn fingerprint_hashes(values: &BTreeMap<String, Value>) -> Vec<(String, String)> {
    let mut best: Vec<(String, i64, String)> = Vec::new();
    for (key, v) in values {
        // Black Duck nests the hash as {"value": ...}.
        let v = v.get("value").unwrap_or(v);
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (method, version) = match key.rsplit_once('/') {
            Some((head, ver)) => {
                let method = head.rsplit('/').next().unwrap_or(head).to_string();
                (method, ver.trim_start_matches('v').parse().unwrap_or(0))
            }
            None => (key.clone(), 0),
        };
        match best.iter_mut().find(|(m, _, _)| *m == method) {
            Some(entry) if entry.1 < version => *entry = (method, version, value),
            Some(_) => {}
            None => best.push((method, version, value)),
        }
    }
    best.into_iter().map(|(m, _, v)| (m, v)).collect()
}

fn item(
    result: &SarifResult<'_>,
    rule: Option<&RuleInfo>,
    location: Option<&Location<'_>>,
) -> Result<Finding, ParseError> {
    let msg = result
        .message
        .get()
        .map(|m| message(m, rule.map(|r| r.rule)));
    let mut f = Finding::new_static(
        title(msg.as_ref().and_then(Option::as_ref), rule)?,
        severity(result, rule),
    );
    f.description = description(msg.as_ref(), rule, location);
    if let Some(loc) = location {
        let pl = &loc.physical_location;
        f.file_path = pl.artifact_location.uri.text();
        f.line = pl.region.start_line.i64();
    }
    if let Some(rule) = rule {
        f.references = rule.references.clone();
        if let Some(c) = rule.cwe {
            f.cwe = Some(c);
        }
        match &rule.security_severity {
            Some(SecuritySeverity::Score(score)) => {
                f.cvssv3_score = Some(*score);
                f.severity = severity_from_cvss(*score).into();
            }
            // Some tools (GitLab's semgrep) put a severity word here.
            Some(SecuritySeverity::Word(word)) => {
                f.severity = crate::finding::severity_or(word, &f.severity);
            }
            None => {}
        }
        f.tags = rule.tags.clone();
    }
    if let Some(id) = result.rule_id.text() {
        if let Some(cve) = cve_in(&id) {
            f.vulnerability_ids.push(cve);
        }
        f.vuln_id_from_tool = Some(id);
    }
    // An external or in-source suppression that was not rejected marks the
    // result as a known false positive.
    let suppressed = result
        .suppressions
        .iter()
        .any(|sup| matches!(sup.state.text().as_deref(), None | Some("accepted")));
    if suppressed {
        f.active = false;
        f.false_p = true;
    }
    if let Some(c) = result.properties.cwe.text().and_then(|c| cwe_in(&c)) {
        f.cwe = Some(c);
    }
    if !result.fixes.is_empty() {
        let texts: Vec<String> = result
            .fixes
            .iter()
            .map(|fx| fx.description.text.text().unwrap_or_default())
            .collect();
        f.mitigation = Some(texts.join("\n"));
    }
    if !result.fingerprints.is_empty() {
        f.unique_id_from_tool = fingerprint_hashes(&result.fingerprints)
            .into_iter()
            .next()
            .map(|(_, v)| v);
    } else if !result.partial_fingerprints.is_empty() {
        let mut hashes = fingerprint_hashes(&result.partial_fingerprints);
        hashes.sort();
        let joined: Vec<String> = hashes.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        f.unique_id_from_tool = Some(joined.join("|"));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use crate::registry::{parse, parse_in_slices};

    /// A run whose tool (rules) and invocations come after its results, as
    /// Semgrep writes them, with a result that uses its rule's text.
    const TOOL_LAST: &str = r#"{"runs": [
        {"results": [
            {"ruleId": "R1", "message": {"text": "first"}},
            {"ruleId": "R1", "message": {"id": "m"}},
            {"ruleId": "R1", "kind": "pass", "message": {"text": "passed"}}
        ],
         "invocations": [{"endTimeUtc": "2024-05-06T07:08:09Z"}],
         "tool": {"driver": {"name": "Tool", "rules": [
            {"id": "R1", "messageStrings": {"m": {"text": "from the rule"}},
             "shortDescription": {"text": "short"}}
         ]}}},
        {"tool": {"driver": {"name": "Other"}}, "results": [{"message": {"text": "second run"}}]}
    ]}"#;

    #[test]
    fn results_before_their_rules_and_date_are_read_with_them() {
        let out = parse("SARIF", "r.sarif", TOOL_LAST.as_bytes()).unwrap();
        let titles: Vec<Vec<&str>> = out
            .tests
            .iter()
            .map(|t| t.findings.iter().map(|f| f.title.as_str()).collect())
            .collect();
        assert_eq!(
            titles,
            vec![vec!["first", "from the rule"], vec!["second run"]]
        );
        let first = out.tests.first().and_then(|t| t.findings.first()).unwrap();
        assert_eq!(
            first.date.map(|d| d.to_string()).as_deref(),
            Some("2024-05-06")
        );
        assert_eq!(
            out.tests.get(1).and_then(|t| t.name.as_deref()),
            Some("Other")
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_the_tree_does() {
        let log = r#"{"runs": [{"tool": {"driver": {"name": "T"}},
            "results": [{"message": {"text": "dropped"}}],
            "results": [{"message": {"text": "a", "text": "kept"}}]}]}"#;
        let out = parse("SARIF", "r.sarif", log.as_bytes()).unwrap();
        let titles: Vec<&str> = out.tests[0]
            .findings
            .iter()
            .map(|f| f.title.as_str())
            .collect();
        assert_eq!(titles, vec!["kept"]);
    }

    #[test]
    fn findings_are_handed_over_in_slices_tagged_with_their_run() {
        let mut slices: Vec<(usize, usize)> = Vec::new();
        let out = parse_in_slices("SARIF", "r.sarif", TOOL_LAST.as_bytes(), &mut |run, f| {
            slices.push((run, f.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(slices, vec![(0, 2), (1, 1)]);
        assert!(out.tests.iter().all(|t| t.findings.is_empty()));
    }

    #[test]
    fn a_syntax_error_after_the_results_is_an_error_before_any_slice() {
        let broken = TOOL_LAST.replace("\"Other\"", "\"Other");
        let mut slices = 0;
        let result = parse_in_slices("SARIF", "r.sarif", broken.as_bytes(), &mut |_, _| {
            slices += 1;
            Ok(())
        });
        assert!(result.is_err());
        assert_eq!(slices, 0);
    }
}
