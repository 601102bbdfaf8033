//! The findings of a report as they come out of the parser.
//!
//! The parser runs on a blocking thread and hands over slices of findings
//! through a channel that holds one slice, so an import writes one slice while
//! the next is parsed, and a 100k-finding report is never in memory as
//! findings all at once. When the import fails, dropping the stream stops the
//! parser at its next slice.

use dojo_parsers::{Finding, ParseError, ParseOutput, ScanTypeInfo};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{ImportError, ImportResult};
use crate::request::Report;

pub(crate) struct Incoming {
    source: Source,
}

enum Source {
    Parser {
        slices: mpsc::Receiver<Vec<Finding>>,
        parser: JoinHandle<Result<ParseOutput, ParseError>>,
    },
    Parsed {
        findings: Option<Vec<Finding>>,
        tests: ParseOutput,
    },
}

impl Incoming {
    /// Starts parsing `report` (none: a report without findings).
    pub(crate) fn parse(info: &'static ScanTypeInfo, report: Option<Report>) -> Self {
        let Some(report) = report else {
            return Incoming::parsed(ParseOutput::default());
        };
        let (sender, slices) = mpsc::channel(1);
        let name = info.name;
        let parser = tokio::task::spawn_blocking(move || {
            dojo_parsers::parse_in_slices(name, &report.file_name, &report.bytes, &mut |_, s| {
                // The receiver is gone only when the import has failed.
                sender
                    .blocking_send(s)
                    .map_err(|_| ParseError::InvalidFormat("the import stopped".into()))
            })
        });
        Incoming {
            source: Source::Parser { slices, parser },
        }
    }

    /// A report parsed already.
    pub(crate) fn parsed(mut tests: ParseOutput) -> Self {
        let findings: Vec<Finding> = tests
            .tests
            .iter_mut()
            .flat_map(|t| std::mem::take(&mut t.findings))
            .collect();
        Incoming {
            source: Source::Parsed {
                findings: Some(findings),
                tests,
            },
        }
    }

    /// The next slice of findings; `None` once the parser is done (whether
    /// it succeeded is told by [`Incoming::finish`]).
    pub(crate) async fn next_slice(&mut self) -> Option<Vec<Finding>> {
        match &mut self.source {
            Source::Parser { slices, .. } => slices.recv().await,
            Source::Parsed { findings, .. } => findings.take().filter(|f| !f.is_empty()),
        }
    }

    /// Waits for the parser and returns the report's tests, without their
    /// findings; a malformed report is an error here even after slices of it
    /// were handed over.
    pub(crate) async fn finish(self) -> ImportResult<ParseOutput> {
        match self.source {
            Source::Parsed { tests, .. } => Ok(tests),
            Source::Parser { mut slices, parser } => {
                // Unread slices would keep the parser waiting to send.
                slices.close();
                while slices.recv().await.is_some() {}
                parser
                    .await
                    .map_err(|e| ImportError::Report(format!("the parser stopped: {e}")))?
                    .map_err(|e| ImportError::Report(e.to_string()))
            }
        }
    }
}
