//! Reading a request body field by field with Django REST Framework's rules and
//! messages, for create (POST), update (PUT) and partial update (PATCH).
//!
//! Usage: build a [`Fields`] over the body, call [`Fields::required`] for the
//! fields the resource requires *before* reading them, read each field with its
//! typed reader, and end with [`Fields::finish`]. Every reader returns `None`
//! when the field was not supplied (or was invalid, in which case the error is
//! recorded), so the caller only assigns what the client sent. Readers of
//! nullable fields return `Some(None)` for an explicit null.
//!
//! Form and multipart bodies follow api.md §1.3: an empty value for an optional
//! field means "not supplied", with two DRF exceptions that let form clients
//! clear a value: a blank-allowed text field takes `""`, and `tags=` clears the
//! tags.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use dojo_domain::ids::Id;
use serde_json::Value;

use super::RequestFields;

/// Error messages by field name, DRF's 400 body.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Which write the body is for: PUT and POST need every required field, PATCH none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
    Partial,
}

impl Mode {
    /// PATCH reads the fields given; any other write method, every field.
    pub fn of(method: &axum::http::Method) -> Mode {
        if method == axum::http::Method::PATCH {
            Mode::Partial
        } else {
            Mode::Update
        }
    }
}

/// Whether a text or choice field accepts `""` and null: `Allowed` is Django's
/// `blank=True, null=True` (DefectDojo's optional text fields pair them),
/// `NullOnly` is `null=True` alone (engagement `status`), `Forbidden` neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    Allowed,
    NullOnly,
    Forbidden,
}

impl Blank {
    fn null(self) -> Null {
        match self {
            Blank::Allowed | Blank::NullOnly => Null::Allowed,
            Blank::Forbidden => Null::Forbidden,
        }
    }
}

/// Whether a number, date or relation field accepts null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Null {
    Allowed,
    Forbidden,
}

/// How the body was sent; form bodies carry only strings and drop empty values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Json,
    Form,
}

impl Source {
    /// The body's source, as the request's content type said.
    pub fn of(body: &RequestFields) -> Source {
        if body.form {
            Source::Form
        } else {
            Source::Json
        }
    }
}

/// No length limit, for Django `TextField`s.
pub const UNBOUNDED: usize = usize::MAX;

/// Django's `IntegerField` range, which DRF enforces through the model validators.
const INT_MIN: i64 = i32::MIN as i64;
const INT_MAX: i64 = i32::MAX as i64;

/// DRF refuses longer strings for numbers outright.
const MAX_NUMBER_STRING: usize = 1000;

const NOT_NULL: &str = "This field may not be null.";
const BLANK: &str = "This field may not be blank.";
const REQUIRED: &str = "This field is required.";
const INVALID_INTEGER: &str = "A valid integer is required.";
const INVALID_NUMBER: &str = "A valid number is required.";
const INVALID_BOOLEAN: &str = "Must be a valid boolean.";
const DATE_FORMAT: &str = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
const DATETIME_FORMAT: &str = "Datetime has wrong format. Use one of these formats instead: \
     YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// DRF's `BooleanField` spellings (api.md §1.3).
const TRUE: &[&str] = &[
    "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
];
const FALSE: &[&str] = &[
    "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
];

/// One field's input after DRF's empty-value rules.
enum Input<'a> {
    Absent,
    Null,
    Value(&'a Value),
}

/// A request body being read, with the errors found so far.
pub struct Fields<'a> {
    body: &'a RequestFields,
    mode: Mode,
    source: Source,
    required: BTreeSet<String>,
    errors: FieldErrors,
}

impl<'a> Fields<'a> {
    /// A reader whose source is told from the body (see [`Source::of`]).
    pub fn new(body: &'a RequestFields, mode: Mode) -> Self {
        Self::with_source(body, mode, Source::of(body))
    }

    pub fn with_source(body: &'a RequestFields, mode: Mode, source: Source) -> Self {
        Self {
            body,
            mode,
            source,
            required: BTreeSet::new(),
            errors: FieldErrors::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn source(&self) -> Source {
        self.source
    }

    /// Whether the body names the field at all (even empty or null).
    pub fn supplied(&self, name: &str) -> bool {
        self.body.values.get(name).is_some_and(|v| !v.is_empty())
    }

    /// Marks a field required: on create and update a missing field gives
    /// "This field is required."; on partial update nothing is required. Call it
    /// before the field's reader, because a required form field's `""` is a value
    /// (and so "may not be blank") rather than "not supplied".
    pub fn required(&mut self, name: &str) -> bool {
        self.required.insert(name.to_owned());
        let supplied = self.supplied(name);
        if !supplied && self.mode != Mode::Partial {
            self.error(name, REQUIRED);
        }
        supplied
    }

    /// Records a message against a field.
    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Records an object-level message (DRF's `non_field_errors`).
    pub fn non_field_error(&mut self, message: impl Into<String>) {
        self.error("non_field_errors", message);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// The field's input. A repeated form field counts by its last value, as
    /// Django's `QueryDict` does; a form `""` is absent unless the field is
    /// required or `keep_empty` (blank-allowed text) says it is a value.
    fn input(&self, name: &str, keep_empty: bool) -> Input<'a> {
        let Some(value) = self.body.values.get(name).and_then(|v| v.last()) else {
            return Input::Absent;
        };
        match value {
            Value::Null => Input::Null,
            Value::String(s)
                if s.is_empty()
                    && self.source == Source::Form
                    && !keep_empty
                    && !self.required.contains(name) =>
            {
                Input::Absent
            }
            other => Input::Value(other),
        }
    }

    /// An explicit null: accepted as `Some(None)` or refused.
    fn null<T>(&mut self, name: &str, null: Null) -> Option<Option<T>> {
        match null {
            Null::Allowed => Some(None),
            Null::Forbidden => {
                self.error(name, NOT_NULL);
                None
            }
        }
    }

    /// DRF's `CharField`: numbers are taken as their text, surrounding whitespace
    /// is trimmed, whitespace alone is blank.
    pub fn text(&mut self, name: &str, max_len: usize, blank: Blank) -> Option<Option<String>> {
        let value = match self.input(name, blank == Blank::Allowed) {
            Input::Absent => return None,
            Input::Null => return self.null(name, blank.null()),
            Input::Value(v) => v,
        };
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.error(name, "Not a valid string.");
                return None;
            }
        };
        if text.is_empty() {
            if blank == Blank::Allowed {
                return Some(Some(text));
            }
            self.error(name, BLANK);
            return None;
        }
        if text.contains('\0') {
            self.error(name, "Null characters are not allowed.");
            return None;
        }
        if max_len != UNBOUNDED && text.chars().count() > max_len {
            self.error(
                name,
                format!("Ensure this field has no more than {max_len} characters."),
            );
            return None;
        }
        Some(Some(text))
    }

    /// Django's `URLField` through DRF: text that must be an absolute http(s) or
    /// ftp(s) URL whose host is an IP address, `localhost` or a name with a
    /// top-level domain ("Enter a valid URL.").
    pub fn url(&mut self, name: &str, max_len: usize, blank: Blank) -> Option<Option<String>> {
        let value = self.text(name, max_len, blank)?;
        match value {
            Some(text) if !text.is_empty() && !valid_url(&text) => {
                self.error(name, "Enter a valid URL.");
                None
            }
            other => Some(other),
        }
    }

    /// A required, non-blank text field.
    pub fn required_text(&mut self, name: &str, max_len: usize) -> Option<String> {
        self.required(name);
        self.text(name, max_len, Blank::Forbidden).flatten()
    }

    /// DRF's `BooleanField` (never null here: DefectDojo's flags are not nullable).
    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, Null::Forbidden).flatten(),
            Input::Value(v) => v,
        };
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            // Python compares 1 == True and 0.0 == False, so numbers match too.
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Some(true),
                Some(0.0) => Some(false),
                _ => None,
            },
            Value::String(s) if TRUE.contains(&s.as_str()) => Some(true),
            Value::String(s) if FALSE.contains(&s.as_str()) => Some(false),
            _ => None,
        };
        if parsed.is_none() {
            self.error(name, INVALID_BOOLEAN);
        }
        parsed
    }

    /// DRF's `IntegerField` over a Django `IntegerField` (32-bit range); `min`
    /// raises the lower bound (0 for `PositiveIntegerField`).
    pub fn integer(&mut self, name: &str, min: Option<i64>, null: Null) -> Option<Option<i64>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(v) => v,
        };
        let Some(n) = parse_integer(value) else {
            let message = match value {
                Value::String(s) if s.chars().count() > MAX_NUMBER_STRING => {
                    "String value too large."
                }
                _ => INVALID_INTEGER,
            };
            self.error(name, message);
            return None;
        };
        let min = min.unwrap_or(INT_MIN);
        if n > i128::from(INT_MAX) {
            self.error(
                name,
                format!("Ensure this value is less than or equal to {INT_MAX}."),
            );
            return None;
        }
        if n < i128::from(min) {
            self.error(
                name,
                format!("Ensure this value is greater than or equal to {min}."),
            );
            return None;
        }
        // In range of i32 by the checks above.
        i64::try_from(n).ok().map(Some)
    }

    /// DRF's `FloatField`, with optional model bounds.
    pub fn float(
        &mut self,
        name: &str,
        min: Option<f64>,
        max: Option<f64>,
        null: Null,
    ) -> Option<Option<f64>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(v) => v,
        };
        let parsed = match value {
            Value::Number(n) => n.as_f64(),
            // Python's float(True) is 1.0.
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::String(s) if s.chars().count() > MAX_NUMBER_STRING => {
                self.error(name, "String value too large.");
                return None;
            }
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(x) = parsed.filter(|x| x.is_finite()) else {
            self.error(name, INVALID_NUMBER);
            return None;
        };
        if let Some(max) = max.filter(|max| x > *max) {
            self.error(
                name,
                format!(
                    "Ensure this value is less than or equal to {}.",
                    python_float(max)
                ),
            );
            return None;
        }
        if let Some(min) = min.filter(|min| x < *min) {
            self.error(
                name,
                format!(
                    "Ensure this value is greater than or equal to {}.",
                    python_float(min)
                ),
            );
            return None;
        }
        Some(Some(x))
    }

    /// DRF's `DecimalField(max_digits, decimal_places)`, returned as the text
    /// DefectDojo echoes (`"1234.50"`); `non_negative` is the model's
    /// `MinValueValidator(Decimal("0.00"))` (product `revenue`).
    pub fn decimal_string(
        &mut self,
        name: &str,
        max_digits: usize,
        decimal_places: usize,
        non_negative: bool,
        null: Null,
    ) -> Option<Option<String>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(v) => v,
        };
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.error(name, INVALID_NUMBER);
                return None;
            }
        };
        if text.chars().count() > MAX_NUMBER_STRING {
            self.error(name, "String value too large.");
            return None;
        }
        match parse_decimal(&text, max_digits, decimal_places) {
            Err(message) => {
                self.error(name, message);
                None
            }
            Ok(d) if non_negative && d.negative => {
                let zero = format!("0.{}", "0".repeat(decimal_places));
                let zero = zero.trim_end_matches('.');
                self.error(
                    name,
                    format!("Ensure this value is greater than or equal to {zero}."),
                );
                None
            }
            Ok(d) => Some(Some(d.text)),
        }
    }

    /// DRF's `DateField`: `YYYY-MM-DD` (month and day may have one digit).
    pub fn date(&mut self, name: &str, null: Null) -> Option<Option<NaiveDate>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(v) => v,
        };
        match value.as_str().and_then(parse_date) {
            Some(date) => Some(Some(date)),
            None => {
                self.error(name, DATE_FORMAT);
                None
            }
        }
    }

    /// DRF's `DateTimeField`: ISO-8601 with or without an offset; a naive value
    /// is in the server's time zone (UTC) and a bare date is its midnight.
    pub fn datetime(&mut self, name: &str, null: Null) -> Option<Option<DateTime<Utc>>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(v) => v,
        };
        match value.as_str().and_then(parse_datetime) {
            Some(at) => Some(Some(at)),
            None => {
                self.error(name, DATETIME_FORMAT);
                None
            }
        }
    }

    /// DRF's `ChoiceField`. `""` (with `Blank::Allowed`) and null (unless
    /// `Blank::Forbidden`) clear the value (`Some(None)`).
    pub fn choice(&mut self, name: &str, choices: &[&str], blank: Blank) -> Option<Option<String>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, blank.null()),
            Input::Value(v) => v,
        };
        let text = python_str(value);
        if text.is_empty() && blank == Blank::Allowed {
            return Some(None);
        }
        if choices.contains(&text.as_str()) {
            Some(Some(text))
        } else {
            self.error(name, format!("\"{text}\" is not a valid choice."));
            None
        }
    }

    /// DRF's `MultipleChoiceField`: a JSON list of choices, or repeated form
    /// values; duplicates collapse, in first-seen order. A form that does not
    /// name the field reads as an empty list unless the update is partial (DRF
    /// reads HTML input with `getlist`).
    pub fn multiple_choice(&mut self, name: &str, choices: &[&str]) -> Option<Vec<String>> {
        let items: Vec<Value> = match (self.source, self.body.values.get(name)) {
            (Source::Form, None) if self.mode == Mode::Partial => return None,
            (Source::Form, None) => Vec::new(),
            (Source::Form, Some(values)) => values.clone(),
            (Source::Json, None) => return None,
            (Source::Json, Some(values)) => match values.last() {
                None => return None,
                Some(Value::Array(items)) => items.clone(),
                Some(Value::Null) => return self.null(name, Null::Forbidden).flatten(),
                Some(other) => {
                    let kind = python_type(other);
                    self.error(
                        name,
                        format!("Expected a list of items but got type \"{kind}\"."),
                    );
                    return None;
                }
            },
        };
        let mut out: Vec<String> = Vec::new();
        for item in &items {
            let text = python_str(item);
            if !choices.contains(&text.as_str()) {
                self.error(name, format!("\"{text}\" is not a valid choice."));
                return None;
            }
            if !out.contains(&text) {
                out.push(text);
            }
        }
        Some(out)
    }

    /// DRF's `PrimaryKeyRelatedField`, parsed only: whether the object exists is
    /// the caller's question. `""` counts as null, as DRF's relational fields do.
    pub fn pk(&mut self, name: &str, null: Null) -> Option<Option<Id>> {
        let value = match self.input(name, false) {
            Input::Absent => return None,
            Input::Null => return self.null(name, null),
            Input::Value(Value::String(s)) if s.is_empty() => return self.null(name, null),
            Input::Value(v) => v,
        };
        match parse_pk(value) {
            Ok(id) => Some(Some(id)),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    /// DRF's many `PrimaryKeyRelatedField`: a JSON list, or repeated form values
    /// (empty ones ignored; only empty ones = not supplied). Duplicates collapse.
    pub fn pk_list(&mut self, name: &str) -> Option<Vec<Id>> {
        let values = self.body.values.get(name).filter(|v| !v.is_empty())?;
        let items: Vec<&Value> = match self.source {
            Source::Form => {
                let items: Vec<&Value> = values.iter().filter(|v| v.as_str() != Some("")).collect();
                if items.is_empty() && !self.required.contains(name) {
                    return None;
                }
                items
            }
            Source::Json => match values.last() {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(Value::Null) | None => return self.null(name, Null::Forbidden).flatten(),
                Some(other) => {
                    let kind = python_type(other);
                    self.error(
                        name,
                        format!("Expected a list of items but got type \"{kind}\"."),
                    );
                    return None;
                }
            },
        };
        let mut ids: Vec<Id> = Vec::with_capacity(items.len());
        for item in items {
            let parsed = match item {
                // DRF hands list items straight to the lookup: null finds nothing.
                Value::Null => Err("Invalid pk \"None\" - object does not exist.".to_owned()),
                other => parse_pk(other),
            };
            match parsed {
                Ok(id) if !ids.contains(&id) => ids.push(id),
                Ok(_) => {}
                Err(message) => {
                    // DRF stops at the first bad item.
                    self.error(name, message);
                    return None;
                }
            }
        }
        Some(ids)
    }

    /// DefectDojo's `TagListSerializerField` (api.md §1.3): a list of strings, a
    /// JSON-array string, or repeated form values; each string split on commas
    /// (double-quoted parts kept whole), every part checked, then lower-cased and
    /// de-duplicated as tagulous stores them.
    pub fn tags(&mut self, name: &str) -> Option<Vec<String>> {
        let values = self.body.values.get(name).filter(|v| !v.is_empty())?;
        let parsed: Value;
        let items: Vec<&Value> = match self.source {
            Source::Form => values.iter().collect(),
            Source::Json => {
                let value = values.last()?;
                let list = match value {
                    Value::Null => return self.null(name, Null::Forbidden).flatten(),
                    Value::String(s) if s.is_empty() => return Some(Vec::new()),
                    Value::String(s) => match serde_json::from_str::<Value>(s) {
                        Ok(v) => {
                            parsed = v;
                            &parsed
                        }
                        Err(_) => {
                            self.error(
                                name,
                                "Invalid json list. A tag list submitted in string form \
                                 must be valid json.",
                            );
                            return None;
                        }
                    },
                    other => other,
                };
                match list {
                    Value::Array(items) => items.iter().collect(),
                    other => {
                        let kind = python_type(other);
                        self.error(
                            name,
                            format!("Expected a list of items but got type \"{kind}\"."),
                        );
                        return None;
                    }
                }
            }
        };
        // A lone empty string is an empty list (a form's `tags=` clears the tags).
        if items.len() == 1 && items.first().and_then(|v| v.as_str()) == Some("") {
            return Some(Vec::new());
        }
        let mut tags: Vec<String> = Vec::new();
        for item in items {
            let Some(text) = item.as_str() else {
                self.error(name, "All list items must be of string type.");
                return None;
            };
            if text.trim().is_empty() {
                self.error(name, BLANK);
                return None;
            }
            for part in split_tags(text) {
                if part.contains([' ', ',', '\'', '"']) {
                    // DefectDojo's tag_validator raises on the first bad part.
                    self.error(
                        name,
                        format!(
                            "Invalid tag: '{part}'. Tags should not contain spaces, commas, \
                             or quotes."
                        ),
                    );
                    return None;
                }
                let tag = part.to_lowercase();
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        Some(tags)
    }
}

/// Python's `int()` after DRF strips a trailing `.000`: surrounding whitespace
/// and a sign allowed. Wide enough that out-of-range values get the range message.
fn parse_integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Some(i128::from(i));
            }
            if let Some(u) = n.as_u64() {
                return Some(i128::from(u));
            }
            // 5.0 is str()-ed to "5.0" and accepted; 5.5 is not.
            let x = n.as_f64()?;
            if x.fract() == 0.0 && x.abs() < 1e30 {
                // Exact: the value is integral and well inside i128.
                Some(x as i128)
            } else {
                None
            }
        }
        Value::String(s) if s.chars().count() <= MAX_NUMBER_STRING => {
            let trimmed = s.trim_end();
            let text = match trimmed.rsplit_once('.') {
                Some((whole, zeros)) if zeros.bytes().all(|b| b == b'0') => whole,
                _ => s.as_str(),
            };
            let text = text.trim();
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Python ints are unbounded: saturate so the range check reports it.
            let digits = digits.trim_start_matches('0');
            let magnitude: i128 = if digits.len() > 30 {
                10i128.pow(30)
            } else if digits.is_empty() {
                0
            } else {
                digits.parse().ok()?
            };
            Some(if text.starts_with('-') {
                -magnitude
            } else {
                magnitude
            })
        }
        _ => None,
    }
}

/// An approximation of Django's `URLValidator`: scheme, host and no whitespace.
fn valid_url(text: &str) -> bool {
    if text.chars().any(char::is_whitespace) {
        return false;
    }
    let Ok(url) = url::Url::parse(text) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https" | "ftp" | "ftps") {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.');
            // Django wants a top-level domain of letters (or punycode) unless the
            // host is localhost.
            domain.eq_ignore_ascii_case("localhost")
                || domain.rsplit_once('.').is_some_and(|(head, tld)| {
                    !head.is_empty()
                        && ((tld.len() >= 2 && tld.chars().all(char::is_alphabetic))
                            || tld.starts_with("xn--"))
                })
        }
        None => false,
    }
}

/// A primary key: an integer, or text Django's `int()` accepts.
fn parse_pk(value: &Value) -> Result<Id, String> {
    let parsed = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                .map(|x| x as i64)
        }),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<i64>().ok()
            } else {
                None
            }
        }
        _ => None,
    };
    parsed.ok_or_else(|| {
        format!(
            "Incorrect type. Expected pk value, received {}.",
            python_type(value)
        )
    })
}

/// The name Python gives the type of a JSON value, as DRF's messages show it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `str()` of a JSON value, as DRF compares choices.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Null => "None".to_owned(),
        other => other.to_string(),
    }
}

/// Python's `repr()` of a float bound, as validators print it (`0.0`, `1.5`).
fn python_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// A validated decimal: its sign and its text with exactly the field's places.
struct Decimal {
    negative: bool,
    text: String,
}

/// Python's `Decimal()` syntax with DRF's precision checks and messages.
fn parse_decimal(text: &str, max_digits: usize, places: usize) -> Result<Decimal, String> {
    let invalid = || INVALID_NUMBER.to_owned();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(invalid());
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !all_digits(digits) {
                return Err(invalid());
            }
            // Beyond any precision a field allows; clamped to stay in range.
            e.parse::<i64>()
                .unwrap_or(if e.starts_with('-') {
                    -1_000_000
                } else {
                    1_000_000
                })
                .clamp(-1_000_000, 1_000_000)
        }
    };
    let fraction_len = i64::try_from(fraction.len()).map_err(|_| invalid())?;
    let exponent = exponent - fraction_len;
    // The coefficient as Python's Decimal keeps it: leading zeros dropped.
    let coefficient = format!("{whole}{fraction}");
    let coefficient = match coefficient.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    let len = i64::try_from(coefficient.len()).map_err(|_| invalid())?;
    let (total, whole_digits, decimals) = if exponent >= 0 {
        (len + exponent, len + exponent, 0)
    } else if len > -exponent {
        (len, len + exponent, -exponent)
    } else {
        (-exponent, 0, -exponent)
    };
    let (max_digits_i, places_i) = (max_digits as i64, places as i64);
    if total > max_digits_i {
        return Err(format!(
            "Ensure that there are no more than {max_digits} digits in total."
        ));
    }
    if decimals > places_i {
        return Err(format!(
            "Ensure that there are no more than {places} decimal places."
        ));
    }
    if whole_digits > max_digits_i - places_i {
        return Err(format!(
            "Ensure that there are no more than {} digits before the decimal point.",
            max_digits - places
        ));
    }
    // Scale the coefficient to exactly `places` decimals; bounded by max_digits.
    let shift = usize::try_from(exponent + places_i).map_err(|_| invalid())?;
    let mut scaled = format!("{coefficient}{}", "0".repeat(shift));
    if scaled.len() <= places {
        scaled = format!("{}{scaled}", "0".repeat(places + 1 - scaled.len()));
    }
    let (int_part, frac_part) = scaled.split_at(scaled.len() - places);
    let int_part = match int_part.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    let is_zero = coefficient == "0";
    let sign = if negative && !is_zero { "-" } else { "" };
    let text = if places == 0 {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac_part}")
    };
    Ok(Decimal {
        negative: negative && !is_zero,
        text,
    })
}

/// Django's `parse_date`: `YYYY-M-D` with one or two digit month and day.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some() || !digits(year, 4, 4) || !digits(month, 1, 2) || !digits(day, 1, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Django's `parse_datetime`: a date, then optionally `T` or a space, `hh[:mm[:ss[.f]]]`
/// and an offset (`Z`, `±hh`, `±hhmm`, `±hh:mm`). Naive values are UTC.
pub fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim_end();
    let split = value.find(['T', ' ']);
    let (date, rest) = match split {
        Some(at) => (&value[..at], Some(&value[at + 1..])),
        None => (value, None),
    };
    let date = parse_date(date)?;
    let Some(rest) = rest else {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    };
    // The offset starts at the first Z, + or - after the time.
    let (time, offset) = match rest.find(['Z', '+', '-']) {
        Some(at) => (rest[..at].trim_end(), Some(&rest[at..])),
        None => (rest, None),
    };
    let time = parse_time(time)?;
    let naive = NaiveDateTime::new(date, time);
    let offset_seconds = match offset {
        None => 0,
        Some(o) => parse_offset(o)?,
    };
    let utc = naive.checked_sub_signed(chrono::Duration::seconds(offset_seconds))?;
    Some(Utc.from_utc_datetime(&utc))
}

/// `hh[:mm[:ss[.ffffff]]]`; hours and minutes may have one digit, extra fraction
/// digits beyond microseconds are dropped (Django's regex allows twelve).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let mut parts = text.split(':');
    let number = |s: &str, max_len: usize| -> Option<u32> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let hour = number(parts.next()?, 2)?;
    let minute = match parts.next() {
        Some(m) => number(m, 2)?,
        None => 0,
    };
    let (second, micro) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (sec, frac) = match s.split_once(['.', ',']) {
                Some((sec, frac)) => (sec, Some(frac)),
                None => (s, None),
            };
            let micro = match frac {
                None => 0,
                Some(f)
                    if !f.is_empty() && f.len() <= 12 && f.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
                    six.parse().ok()?
                }
                Some(_) => return None,
            };
            (number(sec, 2)?, micro)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_micro_opt(hour, minute, second, micro)
}

/// `Z`, `±hh`, `±hhmm` or `±hh:mm` as seconds east of UTC.
fn parse_offset(text: &str) -> Option<i64> {
    if text == "Z" {
        return Some(0);
    }
    let (sign, rest) = match text.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i64>().ok()?,
            digits.get(2..)?.parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Splits one tags value like DefectDojo's regex `(?:"[^"]*"|[^",]+)`: quoted
/// runs are kept whole (quotes included), commas separate, an unmatched quote
/// is skipped.
fn split_tags(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(first) = rest.chars().next() {
        if first == '"' {
            let quoted = &rest[1..];
            match quoted.find('"') {
                Some(end) => {
                    out.push(rest[..end + 2].to_owned());
                    rest = &quoted[end + 1..];
                }
                None => rest = quoted,
            }
            continue;
        }
        if first == ',' {
            rest = &rest[1..];
            continue;
        }
        let end = rest.find([',', '"']).unwrap_or(rest.len());
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::api::body::{test_form_body as form_body, test_json_body as json_body};

    fn errors(fields: Fields<'_>) -> FieldErrors {
        fields.finish().err().unwrap_or_default()
    }

    #[test]
    fn source_follows_the_content_type() {
        assert_eq!(Source::of(&form_body(&[("a", "1")])), Source::Form);
        assert_eq!(Source::of(&json_body(json!({"a": 1}))), Source::Json);
        assert_eq!(Source::of(&RequestFields::default()), Source::Json);
        // A JSON body of strings alone is still JSON: "" stays a value.
        assert_eq!(Source::of(&json_body(json!({"a": "1"}))), Source::Json);
    }

    #[test]
    fn text_trims_limits_and_refuses_blank_and_null() {
        let body = json_body(json!({
            "name": "  x  ", "long": "abcdef", "blank": " ", "null": null,
            "num": 5, "list": ["a"], "ok_blank": "", "ok_null": null,
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.text("name", 10, Blank::Forbidden), Some(Some("x".into())));
        assert_eq!(f.text("long", 5, Blank::Forbidden), None);
        assert_eq!(f.text("blank", 5, Blank::Forbidden), None);
        assert_eq!(f.text("null", 5, Blank::Forbidden), None);
        assert_eq!(f.text("num", 5, Blank::Forbidden), Some(Some("5".into())));
        assert_eq!(f.text("list", 5, Blank::Forbidden), None);
        assert_eq!(
            f.text("ok_blank", 5, Blank::Allowed),
            Some(Some(String::new()))
        );
        assert_eq!(f.text("ok_null", 5, Blank::Allowed), Some(None));
        assert_eq!(f.text("missing", 5, Blank::Forbidden), None);
        let e = errors(f);
        assert_eq!(
            e["long"],
            vec!["Ensure this field has no more than 5 characters."]
        );
        assert_eq!(e["blank"], vec!["This field may not be blank."]);
        assert_eq!(e["null"], vec!["This field may not be null."]);
        assert_eq!(e["list"], vec!["Not a valid string."]);
        assert_eq!(e.len(), 4);
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let body = json_body(json!({"name": "ééé"}));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(
            f.text("name", 3, Blank::Forbidden),
            Some(Some("ééé".into()))
        );
        assert!(f.finish().is_ok());
    }

    #[test]
    fn form_empty_is_absent_for_optional_fields_and_blank_for_required() {
        let body = form_body(&[
            ("name", ""),
            ("version", ""),
            ("description", ""),
            ("lead", ""),
            ("active", ""),
        ]);
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.required_text("name", 10), None);
        assert_eq!(f.text("version", 10, Blank::Forbidden), None);
        // A blank-allowed text field takes "" as its value, as DRF does.
        assert_eq!(
            f.text("description", 10, Blank::Allowed),
            Some(Some(String::new()))
        );
        assert_eq!(f.pk("lead", Null::Allowed), None);
        assert_eq!(f.boolean("active"), None);
        let e = errors(f);
        assert_eq!(e["name"], vec!["This field may not be blank."]);
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn form_repeated_scalar_counts_by_last_value() {
        let body = form_body(&[("name", "a"), ("name", "b")]);
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.required_text("name", 10), Some("b".into()));
    }

    #[test]
    fn required_fields_depend_on_mode() {
        let body = json_body(json!({"other": 1}));
        for (mode, missing) in [
            (Mode::Create, true),
            (Mode::Update, true),
            (Mode::Partial, false),
        ] {
            let mut f = Fields::new(&body, mode);
            assert_eq!(f.required_text("name", 10), None);
            let e = errors(f);
            assert_eq!(e.contains_key("name"), missing, "{mode:?}");
            if missing {
                assert_eq!(e["name"], vec!["This field is required."]);
            }
        }
    }

    #[test]
    fn partial_still_refuses_blank_in_a_required_field() {
        let body = json_body(json!({"name": ""}));
        let mut f = Fields::new(&body, Mode::Partial);
        assert_eq!(f.required_text("name", 10), None);
        assert_eq!(errors(f)["name"], vec!["This field may not be blank."]);
    }

    #[test]
    fn urls_need_a_scheme_and_a_real_host() {
        let body = json_body(json!({
            "a": "https://example.com/x", "b": "http://localhost:8080", "c": "example.com",
            "d": "http://intranet/x", "e": "", "f": "mailto:a@b.c", "g": "http://10.0.0.1/",
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(
            f.url("a", 200, Blank::Allowed),
            Some(Some("https://example.com/x".into()))
        );
        assert!(matches!(f.url("b", 200, Blank::Allowed), Some(Some(_))));
        assert_eq!(f.url("c", 200, Blank::Allowed), None);
        assert_eq!(f.url("d", 200, Blank::Allowed), None);
        assert_eq!(f.url("e", 200, Blank::Allowed), Some(Some(String::new())));
        assert_eq!(f.url("f", 200, Blank::Allowed), None);
        assert!(matches!(f.url("g", 200, Blank::Allowed), Some(Some(_))));
        let e = errors(f);
        for key in ["c", "d", "f"] {
            assert_eq!(e[key], vec!["Enter a valid URL."], "{key}");
        }
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn booleans_take_drf_spellings() {
        let body = json_body(json!({
            "a": true, "b": "False", "c": "yes", "d": "off", "e": 1, "f": 0,
            "g": "maybe", "h": null, "i": 2,
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.boolean("a"), Some(true));
        assert_eq!(f.boolean("b"), Some(false));
        assert_eq!(f.boolean("c"), Some(true));
        assert_eq!(f.boolean("d"), Some(false));
        assert_eq!(f.boolean("e"), Some(true));
        assert_eq!(f.boolean("f"), Some(false));
        assert_eq!(f.boolean("g"), None);
        assert_eq!(f.boolean("h"), None);
        assert_eq!(f.boolean("i"), None);
        assert_eq!(f.boolean("missing"), None);
        let e = errors(f);
        assert_eq!(e["g"], vec!["Must be a valid boolean."]);
        assert_eq!(e["h"], vec!["This field may not be null."]);
        assert_eq!(e["i"], vec!["Must be a valid boolean."]);
        assert_eq!(e.len(), 3);

        let body = form_body(&[("a", "True"), ("b", "0"), ("c", "nope")]);
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.boolean("a"), Some(true));
        assert_eq!(f.boolean("b"), Some(false));
        assert_eq!(f.boolean("c"), None);
        assert_eq!(errors(f)["c"], vec!["Must be a valid boolean."]);
    }

    #[test]
    fn integers_accept_numbers_and_numeric_text() {
        let body = json_body(json!({
            "a": 7, "b": " 8 ", "c": "9.00", "d": 10.0, "e": 1.5, "f": "x",
            "g": -1, "h": 3000000000u64, "i": null, "j": true,
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.integer("a", None, Null::Forbidden), Some(Some(7)));
        assert_eq!(f.integer("b", None, Null::Forbidden), Some(Some(8)));
        assert_eq!(f.integer("c", None, Null::Forbidden), Some(Some(9)));
        assert_eq!(f.integer("d", None, Null::Forbidden), Some(Some(10)));
        assert_eq!(f.integer("e", None, Null::Forbidden), None);
        assert_eq!(f.integer("f", None, Null::Forbidden), None);
        assert_eq!(f.integer("g", Some(0), Null::Forbidden), None);
        assert_eq!(f.integer("h", None, Null::Forbidden), None);
        assert_eq!(f.integer("i", None, Null::Allowed), Some(None));
        assert_eq!(f.integer("j", None, Null::Forbidden), None);
        let e = errors(f);
        assert_eq!(e["e"], vec!["A valid integer is required."]);
        assert_eq!(e["f"], vec!["A valid integer is required."]);
        assert_eq!(
            e["g"],
            vec!["Ensure this value is greater than or equal to 0."]
        );
        assert_eq!(
            e["h"],
            vec!["Ensure this value is less than or equal to 2147483647."]
        );
        assert_eq!(e["j"], vec!["A valid integer is required."]);
        assert_eq!(e.len(), 5);

        let body = form_body(&[("a", "12"), ("b", "")]);
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.integer("a", Some(0), Null::Allowed), Some(Some(12)));
        assert_eq!(f.integer("b", Some(0), Null::Allowed), None);
        assert!(f.finish().is_ok());
    }

    #[test]
    fn floats_accept_numbers_and_text() {
        let body = json_body(json!({"a": 0.5, "b": "1e-2", "c": "abc", "d": 2.0, "e": "nan"}));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.float("a", None, None, Null::Forbidden), Some(Some(0.5)));
        assert_eq!(f.float("b", None, None, Null::Forbidden), Some(Some(0.01)));
        assert_eq!(f.float("c", None, None, Null::Forbidden), None);
        assert_eq!(f.float("d", Some(0.0), Some(1.0), Null::Forbidden), None);
        assert_eq!(f.float("e", None, None, Null::Forbidden), None);
        let e = errors(f);
        assert_eq!(e["c"], vec!["A valid number is required."]);
        assert_eq!(
            e["d"],
            vec!["Ensure this value is less than or equal to 1.0."]
        );
        assert_eq!(e["e"], vec!["A valid number is required."]);
    }

    #[test]
    fn decimals_follow_drf_precision_rules() {
        let body = json_body(json!({
            "a": "1234.5", "b": 99.99, "c": "1.234", "d": "-1", "e": "abc",
            "f": "1234567890123456", "g": "0", "h": null, "i": "1E+2",
        }));
        let mut f = Fields::new(&body, Mode::Create);
        let read =
            |f: &mut Fields<'_>, name: &str| f.decimal_string(name, 15, 2, true, Null::Allowed);
        assert_eq!(read(&mut f, "a"), Some(Some("1234.50".into())));
        assert_eq!(read(&mut f, "b"), Some(Some("99.99".into())));
        assert_eq!(read(&mut f, "c"), None);
        assert_eq!(read(&mut f, "d"), None);
        assert_eq!(read(&mut f, "e"), None);
        assert_eq!(read(&mut f, "f"), None);
        assert_eq!(read(&mut f, "g"), Some(Some("0.00".into())));
        assert_eq!(read(&mut f, "h"), Some(None));
        assert_eq!(read(&mut f, "i"), Some(Some("100.00".into())));
        let e = errors(f);
        assert_eq!(
            e["c"],
            vec!["Ensure that there are no more than 2 decimal places."]
        );
        assert_eq!(
            e["d"],
            vec!["Ensure this value is greater than or equal to 0.00."]
        );
        assert_eq!(e["e"], vec!["A valid number is required."]);
        assert_eq!(
            e["f"],
            vec!["Ensure that there are no more than 15 digits in total."]
        );
        assert_eq!(e.len(), 4);
        assert_eq!(
            parse_decimal("12345678901234.5", 15, 2).err(),
            Some("Ensure that there are no more than 13 digits before the decimal point.".into())
        );
    }

    #[test]
    fn dates_take_iso_form_only() {
        let body = json_body(json!({
            "a": "2024-05-01", "b": "2024-5-1", "c": "05/01/2024", "d": "2024-02-30",
            "e": 20240501, "f": null,
        }));
        let mut f = Fields::new(&body, Mode::Create);
        let d = NaiveDate::from_ymd_opt(2024, 5, 1);
        assert_eq!(f.date("a", Null::Forbidden), Some(d));
        assert_eq!(f.date("b", Null::Forbidden), Some(d));
        assert_eq!(f.date("c", Null::Forbidden), None);
        assert_eq!(f.date("d", Null::Forbidden), None);
        assert_eq!(f.date("e", Null::Forbidden), None);
        assert_eq!(f.date("f", Null::Allowed), Some(None));
        let e = errors(f);
        for key in ["c", "d", "e"] {
            assert_eq!(e[key], vec![DATE_FORMAT], "{key}");
        }
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn datetimes_take_offsets_naive_values_and_bare_dates() {
        let at = |s: &str| parse_datetime(s).map(|d| d.to_rfc3339());
        assert_eq!(at("2024-05-01"), Some("2024-05-01T00:00:00+00:00".into()));
        assert_eq!(
            at("2024-05-01T10:20:30"),
            Some("2024-05-01T10:20:30+00:00".into())
        );
        assert_eq!(
            at("2024-05-01 10:20"),
            Some("2024-05-01T10:20:00+00:00".into())
        );
        assert_eq!(
            at("2024-05-01T10:20:30.5Z"),
            Some("2024-05-01T10:20:30.500+00:00".into())
        );
        assert_eq!(
            at("2024-05-01T10:20:30+02:00"),
            Some("2024-05-01T08:20:30+00:00".into())
        );
        assert_eq!(
            at("2024-05-01T00:30:00-0130"),
            Some("2024-05-01T02:00:00+00:00".into())
        );
        assert_eq!(at("2024-05-01T25:00"), None);
        assert_eq!(at("yesterday"), None);
        assert_eq!(at("2024-05-01T10:00+2"), None);

        let body = form_body(&[("a", "2999-12-31T00:00:00"), ("b", "soon")]);
        let mut f = Fields::new(&body, Mode::Create);
        assert!(matches!(f.datetime("a", Null::Forbidden), Some(Some(_))));
        assert_eq!(f.datetime("b", Null::Forbidden), None);
        assert_eq!(errors(f)["b"], vec![DATETIME_FORMAT]);
    }

    #[test]
    fn choices_quote_the_bad_value() {
        const C: &[&str] = &["web", "mobile"];
        let body = json_body(json!({
            "a": "web", "b": "Web", "c": "", "d": null, "e": "", "f": null, "g": "",
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.choice("a", C, Blank::Forbidden), Some(Some("web".into())));
        assert_eq!(f.choice("b", C, Blank::Forbidden), None);
        assert_eq!(f.choice("c", C, Blank::Allowed), Some(None));
        assert_eq!(f.choice("d", C, Blank::Allowed), Some(None));
        assert_eq!(f.choice("e", C, Blank::Forbidden), None);
        assert_eq!(f.choice("f", C, Blank::NullOnly), Some(None));
        assert_eq!(f.choice("g", C, Blank::NullOnly), None);
        let e = errors(f);
        assert_eq!(e["g"], vec!["\"\" is not a valid choice."]);
        assert_eq!(e["b"], vec!["\"Web\" is not a valid choice."]);
        assert_eq!(e["e"], vec!["\"\" is not a valid choice."]);
    }

    #[test]
    fn pks_are_integers_or_integer_text() {
        let body = json_body(json!({
            "a": 3, "b": "4", "c": "x", "d": true, "e": null, "f": "", "g": [1],
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.pk("a", Null::Forbidden), Some(Some(3)));
        assert_eq!(f.pk("b", Null::Forbidden), Some(Some(4)));
        assert_eq!(f.pk("c", Null::Forbidden), None);
        assert_eq!(f.pk("d", Null::Forbidden), None);
        assert_eq!(f.pk("e", Null::Allowed), Some(None));
        assert_eq!(f.pk("f", Null::Forbidden), None);
        assert_eq!(f.pk("g", Null::Forbidden), None);
        let e = errors(f);
        assert_eq!(
            e["c"],
            vec!["Incorrect type. Expected pk value, received str."]
        );
        assert_eq!(
            e["d"],
            vec!["Incorrect type. Expected pk value, received bool."]
        );
        assert_eq!(e["f"], vec!["This field may not be null."]);
        assert_eq!(
            e["g"],
            vec!["Incorrect type. Expected pk value, received list."]
        );
    }

    #[test]
    fn pk_lists_from_json_and_form() {
        let body = json_body(json!({"a": [1, "2", 1], "b": "1", "c": [1, "x"], "d": []}));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.pk_list("a"), Some(vec![1, 2]));
        assert_eq!(f.pk_list("b"), None);
        assert_eq!(f.pk_list("c"), None);
        assert_eq!(f.pk_list("d"), Some(vec![]));
        assert_eq!(f.pk_list("missing"), None);
        let e = errors(f);
        assert_eq!(
            e["b"],
            vec!["Expected a list of items but got type \"str\"."]
        );
        assert_eq!(
            e["c"],
            vec!["Incorrect type. Expected pk value, received str."]
        );

        let body = form_body(&[("a", "5"), ("a", "6"), ("b", "")]);
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(f.pk_list("a"), Some(vec![5, 6]));
        assert_eq!(f.pk_list("b"), None);
        assert!(f.finish().is_ok());
    }

    #[test]
    fn tags_split_lowercase_and_validate() {
        let body = json_body(json!({
            "a": ["PCI", "web,API", "pci"], "b": "[\"X\"]", "c": "x,y", "d": "",
            "e": ["ok", "not ok"], "f": [1], "g": {"a": 1}, "h": ["\"q,r\""], "i": [""],
        }));
        let mut f = Fields::new(&body, Mode::Create);
        assert_eq!(
            f.tags("a"),
            Some(vec!["pci".into(), "web".into(), "api".into()])
        );
        assert_eq!(f.tags("b"), Some(vec!["x".into()]));
        assert_eq!(f.tags("c"), None);
        assert_eq!(f.tags("d"), Some(vec![]));
        assert_eq!(f.tags("e"), None);
        assert_eq!(f.tags("f"), None);
        assert_eq!(f.tags("g"), None);
        assert_eq!(f.tags("h"), None);
        assert_eq!(f.tags("i"), Some(vec![]));
        let e = errors(f);
        assert_eq!(
            e["c"],
            vec!["Invalid json list. A tag list submitted in string form must be valid json."]
        );
        assert_eq!(
            e["e"],
            vec!["Invalid tag: 'not ok'. Tags should not contain spaces, commas, or quotes."]
        );
        assert_eq!(e["f"], vec!["All list items must be of string type."]);
        assert_eq!(
            e["g"],
            vec!["Expected a list of items but got type \"dict\"."]
        );
        // The quoted part is kept whole, quotes included, and so refused.
        assert_eq!(
            e["h"],
            vec!["Invalid tag: '\"q,r\"'. Tags should not contain spaces, commas, or quotes."]
        );

        let body = form_body(&[("tags", "A,b"), ("tags", "C"), ("clear", "")]);
        let mut f = Fields::new(&body, Mode::Partial);
        assert_eq!(
            f.tags("tags"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(f.tags("clear"), Some(vec![]));
        assert!(f.finish().is_ok());
    }

    #[test]
    fn tag_splitting_matches_defectdojos_regex() {
        assert_eq!(split_tags("a,b"), vec!["a", "b"]);
        assert_eq!(split_tags("\"x,y\",z"), vec!["\"x,y\"", "z"]);
        assert_eq!(split_tags(",,a,"), vec!["a"]);
        assert_eq!(split_tags("a\"b"), vec!["a", "b"]);
    }

    #[test]
    fn unknown_fields_are_ignored_and_errors_collect() {
        let body = json_body(json!({"zzz": "anything", "a": "x", "b": "maybe"}));
        let mut f = Fields::new(&body, Mode::Create);
        f.integer("a", None, Null::Forbidden);
        f.boolean("b");
        f.non_field_error("whole request");
        let e = errors(f);
        assert_eq!(e.len(), 3);
        assert_eq!(e["non_field_errors"], vec!["whole request"]);
    }
}
