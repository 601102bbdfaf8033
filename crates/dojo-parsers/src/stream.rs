//! Handing findings over while a report is still being read.
//!
//! A 100,000-finding report and its findings do not have to be in memory at
//! once: parsers that support it pass findings to a [`Sink`] in slices, so the
//! importer can write one slice while the next is parsed. Everything else a
//! parser reports (test names, types, versions) comes back when it is done.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;

/// Receives each slice of findings with the index of the test (in the
/// parser's [`crate::ParseOutput`]) they belong to. An error stops the parser.
pub type Sink<'s> = dyn FnMut(usize, Vec<Finding>) -> Result<(), ParseError> + 's;

/// How many findings a streaming parser gathers before handing them over:
/// large enough that per-slice costs vanish, small enough to stay a few MB.
pub const SLICE_LEN: usize = 2_000;

/// A parser that hands its findings to a [`Sink`] and returns the tests
/// without them.
pub(crate) type SliceParser = fn(&Input<'_>, &mut Sink<'_>) -> Result<ParseOutput, ParseError>;

/// Runs a [`SliceParser`] and puts the findings back into their tests: the
/// whole-report form of the same parser.
pub(crate) fn collect(input: &Input<'_>, parser: SliceParser) -> Result<ParseOutput, ParseError> {
    let mut slices: Vec<(usize, Vec<Finding>)> = Vec::new();
    let mut out = parser(input, &mut |test, findings| {
        slices.push((test, findings));
        Ok(())
    })?;
    for (test, findings) in slices {
        let test = out.tests.get_mut(test).ok_or_else(|| {
            ParseError::invalid(format!(
                "findings reported for test {test}, which the parser did not return"
            ))
        })?;
        test.findings.extend(findings);
    }
    Ok(out)
}

/// Gathers findings into slices for a [`Sink`].
pub(crate) struct Slices<'a, 's> {
    sink: &'a mut Sink<'s>,
    test: usize,
    buffer: Vec<Finding>,
}

impl<'a, 's> Slices<'a, 's> {
    pub(crate) fn new(sink: &'a mut Sink<'s>) -> Self {
        Slices {
            sink,
            test: 0,
            buffer: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, test: usize, finding: Finding) -> Result<(), ParseError> {
        if test != self.test {
            self.flush()?;
            self.test = test;
        }
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(SLICE_LEN);
        }
        self.buffer.push(finding);
        if self.buffer.len() >= SLICE_LEN {
            self.flush()?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> Result<(), ParseError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        (self.sink)(self.test, std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(title: &str) -> Finding {
        Finding {
            title: title.into(),
            ..Finding::default()
        }
    }

    #[test]
    fn slices_are_cut_at_the_length_and_at_each_new_test() {
        let mut got: Vec<(usize, usize)> = Vec::new();
        let mut sink = |test: usize, findings: Vec<Finding>| {
            got.push((test, findings.len()));
            Ok(())
        };
        let mut slices = Slices::new(&mut sink);
        for i in 0..SLICE_LEN + 3 {
            slices.push(0, finding(&i.to_string())).unwrap();
        }
        slices.push(1, finding("other test")).unwrap();
        slices.flush().unwrap();
        slices.flush().unwrap();
        assert_eq!(got, vec![(0, SLICE_LEN), (0, 3), (1, 1)]);
    }

    #[test]
    fn a_sink_error_reaches_the_parser() {
        let mut sink = |_: usize, _: Vec<Finding>| Err(ParseError::invalid("stop"));
        let mut slices = Slices::new(&mut sink);
        slices.push(0, finding("a")).unwrap();
        assert!(slices.flush().is_err());
    }
}
