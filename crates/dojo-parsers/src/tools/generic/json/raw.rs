//! The generic JSON report as read: findings as [`RawFinding`]s (scalars
//! borrowed from the input, list fields as small trees), with what
//! DefectDojo's checks need to know (which keys are present, which are not
//! Finding fields, which values are not objects or lists).

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

use crate::lax::{drain_map, drain_seq, scalars_give, Scalar};

/// Declares the scalar fields a finding may carry: an index type, the
/// lookup from JSON key to index, and the number of fields.
macro_rules! scalar_fields {
    ($($name:ident),* $(,)?) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy)]
        pub(super) enum F { $($name),* }

        pub(super) const SCALARS: usize = [$(stringify!($name)),*].len();

        pub(super) fn scalar_field(key: &str) -> Option<F> {
            match key {
                $(stringify!($name) => Some(F::$name),)*
                _ => None,
            }
        }
    };
}

scalar_fields!(
    title,
    severity,
    description,
    mitigation,
    impact,
    references,
    steps_to_reproduce,
    severity_justification,
    date,
    cwe,
    cve,
    cvssv3,
    cvssv3_score,
    cvssv4,
    cvssv4_score,
    epss_score,
    epss_percentile,
    file_path,
    line,
    sast_source_object,
    sast_sink_object,
    sast_source_line,
    sast_source_file_path,
    component_name,
    component_version,
    unique_id_from_tool,
    vuln_id_from_tool,
    nb_occurences,
    param,
    payload,
    service,
    fix_available,
    fix_version,
    scanner_confidence,
    planned_remediation_version,
    planned_remediation_date,
    effort_for_fixing,
    publish_date,
    mitigated,
    active,
    verified,
    false_p,
    out_of_scope,
    risk_accepted,
    under_review,
    is_mitigated,
    static_finding,
    dynamic_finding,
    known_exploited,
);

/// Keys DefectDojo accepts but this parser does not read.
fn ignored_field(key: &str) -> bool {
    matches!(
        key,
        "thread_id" | "numerical_severity" | "kev_date" | "ransomware_used" | "files"
    )
}

/// One finding as written: its scalar fields, the list-valued fields as
/// small trees, and the keys that are not Finding fields.
#[derive(Debug)]
pub(super) struct RawFinding<'a> {
    scalars: [Scalar<'a>; SCALARS],
    present: [bool; SCALARS],
    pub(super) tags: Option<Value>,
    pub(super) endpoints: Option<Value>,
    pub(super) vulnerability_ids: Option<Value>,
    pub(super) cwes: Option<Value>,
    pub(super) unknown: Vec<String>,
}

impl<'a> RawFinding<'a> {
    fn new() -> Self {
        RawFinding {
            scalars: std::array::from_fn(|_| Scalar::Absent),
            present: [false; SCALARS],
            tags: None,
            endpoints: None,
            vulnerability_ids: None,
            cwes: None,
            unknown: Vec::new(),
        }
    }

    pub(super) fn get(&self, f: F) -> &Scalar<'a> {
        self.scalars.get(f as usize).unwrap_or(&Scalar::Absent)
    }

    pub(super) fn text(&self, f: F) -> Option<String> {
        self.get(f).text()
    }

    pub(super) fn has(&self, key: &str) -> bool {
        scalar_field(key).is_some_and(|f| self.present.get(f as usize) == Some(&true))
    }
}

/// A `findings` entry: DefectDojo rejects entries that are not objects.
#[derive(Debug)]
pub(super) enum Entry<'a> {
    Finding(Box<RawFinding<'a>>),
    NotObject,
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a finding")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut raw = RawFinding::new();
        // A repeated key keeps its last value, as a JSON object does.
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            let key = key.as_str().unwrap_or_default();
            if let Some(f) = scalar_field(key) {
                let value = map.next_value()?;
                if let Some(slot) = raw.scalars.get_mut(f as usize) {
                    *slot = value;
                }
                if let Some(p) = raw.present.get_mut(f as usize) {
                    *p = true;
                }
                continue;
            }
            let list = match key {
                "tags" => &mut raw.tags,
                "endpoints" => &mut raw.endpoints,
                "vulnerability_ids" => &mut raw.vulnerability_ids,
                "cwes" => &mut raw.cwes,
                _ => {
                    if !ignored_field(key) {
                        raw.unknown.push(key.to_string());
                    }
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *list = Some(map.next_value()?);
        }
        Ok(Entry::Finding(Box::new(raw)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Entry::NotObject)
    }

    scalars_give!(Entry::NotObject);

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Entry<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

/// Receives each `findings` entry as soon as it is read. An error stops the
/// reading and becomes the deserializer's error.
pub(super) trait EntrySink<'de> {
    fn entry(&mut self, entry: Entry<'de>) -> Result<(), String>;
}

/// What the `findings` key held: absent or null is no findings, anything but
/// a list is an error. The entries of a list went to the [`EntrySink`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum Findings {
    #[default]
    None,
    List,
    NotList,
}

struct FindingsSeed<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: EntrySink<'de>> de::DeserializeSeed<'de> for FindingsSeed<'_, S> {
    type Value = Findings;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Findings, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: EntrySink<'de>> Visitor<'de> for FindingsSeed<'_, S> {
    type Value = Findings;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while let Some(entry) = seq.next_element()? {
            self.sink.entry(entry).map_err(de::Error::custom)?;
        }
        Ok(Findings::List)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Findings::NotList)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Findings::NotList)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Findings::NotList)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Findings::NotList)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Findings::NotList)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Findings::NotList)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Findings::None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Findings::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// The report's own keys. A repeated key keeps its last value, as a JSON
/// object does.
#[derive(Debug, Default)]
pub(super) struct Doc<'a> {
    pub(super) name: Scalar<'a>,
    pub(super) kind: Scalar<'a>,
    pub(super) version: Scalar<'a>,
    pub(super) description: Scalar<'a>,
    pub(super) findings: Findings,
}

/// The document; DefectDojo requires an object.
#[derive(Debug)]
pub(super) enum Top<'a> {
    Object(Doc<'a>),
    Other,
}

/// Reads the document, handing every `findings` entry to `sink` as it goes.
pub(super) struct TopSeed<'s, S> {
    pub(super) sink: &'s mut S,
}

impl<'de, S: EntrySink<'de>> de::DeserializeSeed<'de> for TopSeed<'_, S> {
    type Value = Top<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: EntrySink<'de>> Visitor<'de> for TopSeed<'_, S> {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a generic findings report")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut doc = Doc::default();
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            let slot = match key.as_str().unwrap_or_default() {
                "name" => &mut doc.name,
                "type" => &mut doc.kind,
                "version" => &mut doc.version,
                "description" => &mut doc.description,
                "findings" => {
                    // Entries already handed over cannot be taken back, so a
                    // second list is refused rather than replacing the first.
                    if doc.findings == Findings::List {
                        return Err(de::Error::custom(
                            "the report has more than one \"findings\" list",
                        ));
                    }
                    doc.findings = map.next_value_seed(FindingsSeed {
                        sink: &mut *self.sink,
                    })?;
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value()?;
        }
        Ok(Top::Object(doc))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Top::Other)
    }

    scalars_give!(Top::Other);
}
