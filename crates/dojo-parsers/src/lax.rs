//! Lenient typed JSON for the large report formats.
//!
//! Most parsers read a `serde_json::Value` tree through [`crate::util::JsonExt`].
//! For the formats whose reports run to megabytes, building that tree (and
//! freeing it) costs more than the parsing itself, so those parsers declare
//! the few fields they read as structs of the types below and let serde skip
//! the rest without allocating. The types keep `JsonExt`'s leniency: a field
//! of an unexpected JSON type reads as absent instead of failing the report.
//!
//! - [`Scalar`]: what `str_at`/`f64_at`/`i64_at`/`bool_at` read; strings are
//!   borrowed from the input unless they contain escapes.
//! - [`Obj<T>`]: an object read as `T`; anything else is `T::default()`.
//! - [`Seq<T>`]: an array of `T`; anything else is empty.
//! - [`Present<T>`]: for the few fields whose mere presence counts.
//!
//! [`from_text`] falls back to the tree when the fast path refuses a document
//! (serde rejects a repeated key in a struct; the tree keeps the last one), so
//! the result is always what the tree-based reading would give.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use crate::error::ParseError;

/// Deserializes `text` as `T`; if the typed reading fails on valid JSON,
/// reads the tree into `tree` and deserializes from it instead.
pub fn from_text<'a, T: Deserialize<'a>>(
    text: &'a str,
    tree: &'a mut Option<Value>,
) -> Result<T, ParseError> {
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let value: &'a Value = tree.insert(serde_json::from_str(text)?);
    Ok(T::deserialize(value)?)
}

/// The `Visitor` methods for JSON scalars and null, all giving `$value`:
/// for types that only care whether a value is an object or an array.
macro_rules! scalars_give {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}
pub(crate) use scalars_give;

/// Drains whatever the visitor was handed so parsing can continue.
pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A JSON scalar; null, arrays and objects are [`Scalar::Absent`].
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(Number),
    Bool(bool),
    #[default]
    Absent,
}

impl Scalar<'_> {
    /// As [`crate::util::scalar_string`]: blank strings are `None`, numbers
    /// their JSON text, booleans Python's `True`/`False`.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Str(s) if !crate::util::is_blank(s) => Some(s.to_string()),
            Scalar::Num(n) => Some(n.to_string()),
            Scalar::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            _ => None,
        }
    }

    /// The string itself, blank or not (`Value::as_str`).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// As `JsonExt::f64_at`: numbers, or strings that parse as one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Scalar::Num(n) => n.as_f64(),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// As `JsonExt::i64_at`.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Scalar::Num(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// As `JsonExt::bool_at`.
    pub fn bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Str(s) => crate::util::parse_bool(s),
            Scalar::Num(n) => n.as_i64().map(|i| i != 0),
            Scalar::Absent => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Scalar::Absent)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Num(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // As serde_json's own Value: a non-finite float is null.
        Ok(Number::from_f64(v).map_or(Scalar::Absent, Scalar::Num))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Scalar::Absent)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Scalar::Absent)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// A JSON object read as `T`; any other JSON value reads as `T::default()`,
/// as every field lookup on a non-object `Value` gives nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obj<T>(pub T);

impl<T> Deref for Obj<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Obj(T::default()))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    scalars_give!(Obj(T::default()));
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

/// A JSON array of `T`; any other JSON value reads as empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Seq<T> {
    items: Vec<T>,
    array: bool,
}

impl<T> Seq<T> {
    /// Whether the field was a JSON array (possibly empty).
    pub fn is_array(&self) -> bool {
        self.array
    }
}

impl<T> Default for Seq<T> {
    fn default() -> Self {
        Seq {
            items: Vec::new(),
            array: false,
        }
    }
}

impl<T> Deref for Seq<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

struct SeqVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SeqVisitor<T> {
    type Value = Seq<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(Seq {
            items: out,
            array: true,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Seq::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    scalars_give!(Seq::default());
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Seq<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SeqVisitor(std::marker::PhantomData))
    }
}

/// An array whose items are read as `T` and dropped at once: a first pass
/// over a large list that checks it reads without holding it. Any other JSON
/// value is accepted, as by [`Seq`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checked<T>(std::marker::PhantomData<T>);

impl<T> Default for Checked<T> {
    fn default() -> Self {
        Checked(std::marker::PhantomData)
    }
}

struct CheckedVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for CheckedVisitor<T> {
    type Value = Checked<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<T>()?.is_some() {}
        Ok(Checked::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Checked::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    scalars_give!(Checked::default());
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor(std::marker::PhantomData))
    }
}

/// A field that may be absent; when present, any JSON value (even null)
/// reads as `Some(T)`, unlike `Option<T>`, which reads null as `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Present<T>(pub Option<T>);

impl<T> Default for Present<T> {
    fn default() -> Self {
        Present(None)
    }
}

impl<T> Present<T> {
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|t| Present(Some(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::{scalar_string, JsonExt};

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Doc<'a> {
        #[serde(borrow)]
        name: Scalar<'a>,
        #[serde(borrow)]
        inner: Obj<Inner<'a>>,
        #[serde(borrow)]
        list: Seq<Obj<Inner<'a>>>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Inner<'a> {
        #[serde(borrow)]
        v: Scalar<'a>,
    }

    fn read(text: &str) -> (Option<String>, Option<String>, Vec<Option<String>>) {
        let mut tree = None;
        let d: Obj<Doc> = from_text(text, &mut tree).unwrap();
        (
            d.name.text(),
            d.inner.v.text(),
            d.list.iter().map(|i| i.v.text()).collect(),
        )
    }

    #[test]
    fn scalars_read_like_the_tree() {
        for text in [
            r#"{"name": "a\"b", "inner": {"v": 1.50}, "list": [{"v": true}, 3, {"v": " "}]}"#,
            r#"{"name": [1], "inner": [], "list": {"v": 1}}"#,
            r#"{"name": 12345678901234567890123, "inner": "x", "list": [null, {"v": -4}]}"#,
            r#"[1, 2]"#,
            r#"{"name": "first", "name": "second", "inner": {"v": 1, "v": 2}}"#,
        ] {
            let tree: Value = serde_json::from_str(text).unwrap();
            let want = (
                tree.get("name").and_then(scalar_string),
                tree.str_at("inner.v"),
                tree.arr_at("list").iter().map(|i| i.str_at("v")).collect(),
            );
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn invalid_json_is_an_error() {
        let mut tree = None;
        assert!(from_text::<Obj<Doc>>("{\"name\": ", &mut tree).is_err());
    }
}
