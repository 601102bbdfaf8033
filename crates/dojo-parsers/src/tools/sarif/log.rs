//! The parts of a SARIF 2.1.0 log that DefectDojo reads; serde skips the
//! rest. Every field is lenient (see [`crate::lax`]).
//!
//! A log is read twice. The first pass checks the whole document and keeps
//! each run's head (its tool, rules and invocations), which results need
//! and which may come after them. The second hands over the results one at
//! a time, so a log of 100,000 results is never held as results.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::error::ParseError;
use crate::lax::{drain_map, drain_seq, scalars_give, Checked, Obj, Present, Scalar, Seq};

/// The first pass: every run's head; results are read and dropped.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Log<'a> {
    #[serde(borrow)]
    pub(super) runs: Seq<Obj<RunHead<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RunHead<'a> {
    #[serde(borrow)]
    pub(super) tool: Obj<Tool<'a>>,
    #[serde(borrow)]
    pub(super) invocations: Seq<Obj<Invocation<'a>>>,
    #[serde(borrow)]
    results: Checked<Obj<SarifResult<'a>>>,
}

/// What the second pass does with each result: told the index of its run.
pub(super) type EachResult<'e, 'de> =
    dyn FnMut(usize, &SarifResult<'de>) -> Result<(), ParseError> + 'e;

/// The second pass: hands every result of every run to `each`, in order.
/// `log` must have passed the first pass, so only `each` can fail.
pub(super) fn each_result<'de, D: Deserializer<'de>>(
    log: D,
    each: &mut EachResult<'_, 'de>,
) -> Result<(), ParseError> {
    let mut walk = Walk { each, error: None };
    let outcome = log.deserialize_any(Depth::Log(&mut walk));
    match (walk.error, outcome) {
        (Some(e), _) => Err(e),
        (None, Err(e)) => Err(ParseError::invalid(format!("SARIF log: {e}"))),
        (None, Ok(())) => Ok(()),
    }
}

struct Walk<'w, 'e, 'de> {
    each: &'w mut EachResult<'e, 'de>,
    error: Option<ParseError>,
}

/// Where the second pass is in the document.
enum Depth<'a, 'w, 'e, 'de> {
    Log(&'a mut Walk<'w, 'e, 'de>),
    Runs(&'a mut Walk<'w, 'e, 'de>),
    Run(&'a mut Walk<'w, 'e, 'de>, usize),
    Results(&'a mut Walk<'w, 'e, 'de>, usize),
}

impl<'de> DeserializeSeed<'de> for Depth<'_, '_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth<'_, '_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (walk, run, wanted) = match self {
            Depth::Log(walk) => (walk, None, "runs"),
            Depth::Run(walk, run) => (walk, Some(run), "results"),
            Depth::Runs(_) | Depth::Results(..) => return drain_map(map),
        };
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            if key.as_str() != Some(wanted) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match run {
                None => map.next_value_seed(Depth::Runs(&mut *walk))?,
                Some(run) => map.next_value_seed(Depth::Results(&mut *walk, run))?,
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self {
            Depth::Runs(walk) => {
                let mut run = 0;
                while seq
                    .next_element_seed(Depth::Run(&mut *walk, run))?
                    .is_some()
                {
                    run += 1;
                }
                Ok(())
            }
            Depth::Results(walk, run) => {
                while let Some(result) = seq.next_element::<Obj<SarifResult<'de>>>()? {
                    if let Err(e) = (walk.each)(run, &result) {
                        walk.error = Some(e);
                        return Err(de::Error::custom("stopped"));
                    }
                }
                Ok(())
            }
            Depth::Log(_) | Depth::Run(..) => drain_seq(seq),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    scalars_give!(());
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
