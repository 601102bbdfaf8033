//! The parts of a SARIF 2.1.0 log that DefectDojo reads; serde skips the
//! rest. Every field is lenient (see [`crate::lax`]).

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use crate::lax::{Obj, Present, Scalar, Seq};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Log<'a> {
    #[serde(borrow)]
    pub(super) runs: Seq<Obj<Run<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Run<'a> {
    #[serde(borrow)]
    pub(super) tool: Obj<Tool<'a>>,
    #[serde(borrow)]
    pub(super) invocations: Seq<Obj<Invocation<'a>>>,
    #[serde(borrow)]
    pub(super) results: Seq<Obj<SarifResult<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Tool<'a> {
    #[serde(borrow)]
    pub(super) driver: Obj<Driver<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Driver<'a> {
    #[serde(borrow)]
    pub(super) name: Scalar<'a>,
    #[serde(borrow)]
    pub(super) version: Scalar<'a>,
    #[serde(borrow)]
    pub(super) rules: Seq<Obj<Rule<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Invocation<'a> {
    #[serde(borrow)]
    pub(super) end_time_utc: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Rule<'a> {
    #[serde(borrow)]
    pub(super) id: Scalar<'a>,
    #[serde(borrow)]
    pub(super) name: Scalar<'a>,
    #[serde(borrow)]
    pub(super) short_description: Present<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(super) full_description: Present<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(super) help: Present<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(super) help_uri: Scalar<'a>,
    pub(super) message_strings: Obj<HashMap<String, Obj<Text<'a>>>>,
    #[serde(borrow)]
    pub(super) default_configuration: Obj<Level<'a>>,
    #[serde(borrow)]
    pub(super) relationships: Seq<Obj<Relationship<'a>>>,
    #[serde(borrow)]
    pub(super) properties: Obj<RuleProperties<'a>>,
}

/// A multiformat message: text, or a rule message id with arguments.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Message<'a> {
    #[serde(borrow)]
    pub(super) id: Scalar<'a>,
    #[serde(borrow)]
    pub(super) text: Scalar<'a>,
    #[serde(borrow)]
    pub(super) arguments: Seq<Scalar<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Text<'a> {
    #[serde(borrow)]
    pub(super) text: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Level<'a> {
    #[serde(borrow)]
    pub(super) level: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Relationship<'a> {
    #[serde(borrow)]
    pub(super) target: Obj<Target<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Target<'a> {
    #[serde(borrow)]
    pub(super) id: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RuleProperties<'a> {
    #[serde(borrow)]
    pub(super) tags: Seq<Scalar<'a>>,
    #[serde(borrow, rename = "security-severity")]
    pub(super) security_severity: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SarifResult<'a> {
    #[serde(borrow)]
    pub(super) kind: Scalar<'a>,
    #[serde(borrow)]
    pub(super) rule_id: Scalar<'a>,
    #[serde(borrow)]
    pub(super) level: Scalar<'a>,
    #[serde(borrow)]
    pub(super) message: Present<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(super) locations: Seq<Obj<Location<'a>>>,
    #[serde(borrow)]
    pub(super) suppressions: Seq<Obj<Suppression<'a>>>,
    #[serde(borrow)]
    pub(super) properties: Obj<ResultProperties<'a>>,
    #[serde(borrow)]
    pub(super) fixes: Seq<Obj<Fix<'a>>>,
    pub(super) fingerprints: Obj<BTreeMap<String, Value>>,
    pub(super) partial_fingerprints: Obj<BTreeMap<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Location<'a> {
    #[serde(borrow)]
    pub(super) physical_location: Obj<PhysicalLocation<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct PhysicalLocation<'a> {
    #[serde(borrow)]
    pub(super) artifact_location: Obj<ArtifactLocation<'a>>,
    #[serde(borrow)]
    pub(super) region: Obj<Region<'a>>,
    #[serde(borrow)]
    pub(super) context_region: Obj<Region<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ArtifactLocation<'a> {
    #[serde(borrow)]
    pub(super) uri: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Region<'a> {
    #[serde(borrow)]
    pub(super) start_line: Scalar<'a>,
    #[serde(borrow)]
    pub(super) snippet: Obj<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Suppression<'a> {
    #[serde(borrow)]
    pub(super) state: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ResultProperties<'a> {
    #[serde(borrow)]
    pub(super) cwe: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Fix<'a> {
    #[serde(borrow)]
    pub(super) description: Obj<Text<'a>>,
}
