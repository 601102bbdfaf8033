//! Charts drawn on the server as inline SVG: no script, nothing to download,
//! readable without JavaScript and allowed by the pages' content security
//! policy (presentation attributes only, no inline styles). Every chart has a
//! text alternative; pages show the numbers in a table beside it as well.

use std::fmt::{self, Write};

use dojo_domain::Severity;
use dojo_storage::metrics::SeverityCounts;

/// The severities from worst to least, as charts and tables list them.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// A drawn chart; templates insert it with `|safe` (every text in it is escaped
/// here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Svg(String);

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Svg {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The colour of a severity, the same as the stylesheet's badges.
pub fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#9b1c1c",
        Severity::High => "#d9480f",
        Severity::Medium => "#e0a100",
        Severity::Low => "#2f6fbd",
        Severity::Info => "#6b7689",
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open_svg(out: &mut String, width: u32, height: u32, label: &str) {
    let label = escape(label);
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{label}"><title>{label}</title>"#
    );
}

/// A step that makes 4–5 gridlines of round numbers up to at least `max`.
fn nice_step(max: i64) -> i64 {
    let max = max.max(1);
    let rough = (max + 3) / 4;
    let magnitude = 10_i64.pow(rough.ilog10());
    for factor in [1, 2, 5, 10] {
        if factor * magnitude >= rough {
            return factor * magnitude;
        }
    }
    10 * magnitude
}

/// Horizontal bars, one per severity, with the count at the end of each.
pub fn severity_bars(counts: &SeverityCounts, label: &str) -> Svg {
    let (width, row, left, right) = (360_u32, 26_u32, 70_u32, 50_u32);
    let height = row * 5 + 8;
    let max = SEVERITIES
        .iter()
        .map(|s| counts.get(*s))
        .max()
        .unwrap_or(0)
        .max(1);
    let span = f64::from(width - left - right);
    let mut out = String::new();
    open_svg(&mut out, width, height, label);
    for (i, severity) in SEVERITIES.iter().enumerate() {
        let y = 4 + row * u32::try_from(i).unwrap_or(0);
        let count = counts.get(*severity);
        #[allow(clippy::cast_precision_loss)]
        let length = span * count as f64 / max as f64;
        let _ = write!(
            out,
            r##"<text x="{tx}" y="{ty}" text-anchor="end" font-size="12" fill="#1d2330">{name}</text><rect x="{left}" y="{ry}" width="{length:.1}" height="{h}" rx="2" fill="{colour}"/><text x="{cx:.1}" y="{ty}" font-size="12" fill="#1d2330">{count}</text>"##,
            tx = left - 6,
            ty = y + 16,
            name = severity.as_str(),
            ry = y + 3,
            h = row - 8,
            colour = severity_colour(*severity),
            cx = f64::from(left) + length + 6.0,
        );
    }
    out.push_str("</svg>");
    Svg(out)
}

/// Columns per period, stacked by severity (worst at the bottom).
pub fn stacked_columns(labels: &[String], values: &[SeverityCounts], label: &str) -> Svg {
    let (width, height, left, bottom, top) = (640_u32, 240_u32, 44_u32, 36_u32, 10_u32);
    let plot_height = f64::from(height - bottom - top);
    let max = values.iter().map(SeverityCounts::total).max().unwrap_or(0);
    let step = nice_step(max);
    let ceiling = ((max + step - 1) / step).max(1) * step;
    let mut out = String::new();
    open_svg(&mut out, width, height, label);
    axes(&mut out, width, height, left, bottom, top, ceiling, step);
    let count = u32::try_from(values.len().max(1)).unwrap_or(1);
    let slot = f64::from(width - left - 8) / f64::from(count);
    let bar = (slot * 0.7).max(1.0);
    for (i, counts) in values.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x = f64::from(left) + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = f64::from(height - bottom);
        for severity in SEVERITIES {
            let n = counts.get(severity);
            if n == 0 {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let h = plot_height * n as f64 / ceiling as f64;
            y -= h;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {n} {}</title></rect>"#,
                severity_colour(severity),
                escape(labels.get(i).map_or("", String::as_str)),
                severity.as_str(),
            );
        }
    }
    x_labels(&mut out, labels, left, width, height, bottom);
    out.push_str("</svg>");
    Svg(out)
}

/// One named line of a [`lines`] chart.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub colour: &'static str,
    pub values: Vec<i64>,
}

/// Lines over periods (found against closed, say), with a legend.
pub fn lines(labels: &[String], series: &[Line], label: &str) -> Svg {
    let (width, height, left, bottom, top) = (640_u32, 240_u32, 44_u32, 36_u32, 26_u32);
    let plot_height = f64::from(height - bottom - top);
    let max = series
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .max()
        .unwrap_or(0);
    let step = nice_step(max);
    let ceiling = ((max + step - 1) / step).max(1) * step;
    let mut out = String::new();
    open_svg(&mut out, width, height, label);
    axes(&mut out, width, height, left, bottom, top, ceiling, step);
    let count = labels.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let slot = f64::from(width - left - 8) / count as f64;
    for (n, line) in series.iter().enumerate() {
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                #[allow(clippy::cast_precision_loss)]
                let x = f64::from(left) + slot * (i as f64 + 0.5);
                #[allow(clippy::cast_precision_loss)]
                let y = f64::from(height - bottom) - plot_height * *v as f64 / ceiling as f64;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
            points.join(" "),
            line.colour
        );
        for point in &points {
            let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                r#"<circle cx="{x}" cy="{y}" r="3" fill="{}"/>"#,
                line.colour
            );
        }
        let lx = left + 8 + 130 * u32::try_from(n).unwrap_or(0);
        let _ = write!(
            out,
            r##"<rect x="{lx}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="16" font-size="12" fill="#1d2330">{}</text>"##,
            line.colour,
            lx + 16,
            escape(&line.name)
        );
    }
    x_labels(&mut out, labels, left, width, height, bottom);
    out.push_str("</svg>");
    Svg(out)
}

#[allow(clippy::too_many_arguments)]
fn axes(
    out: &mut String,
    width: u32,
    height: u32,
    left: u32,
    bottom: u32,
    top: u32,
    ceiling: i64,
    step: i64,
) {
    let plot_height = f64::from(height - bottom - top);
    let mut value = 0;
    while value <= ceiling {
        #[allow(clippy::cast_precision_loss)]
        let y = f64::from(height - bottom) - plot_height * value as f64 / ceiling as f64;
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#d5dae4" stroke-width="1"/><text x="{tx}" y="{ty:.1}" text-anchor="end" font-size="11" fill="#5a6478">{value}</text>"##,
            x2 = width - 8,
            tx = left - 6,
            ty = y + 4.0,
        );
        value += step;
    }
}

fn x_labels(out: &mut String, labels: &[String], left: u32, width: u32, height: u32, bottom: u32) {
    let count = labels.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let slot = f64::from(width - left - 8) / count as f64;
    // At most about twelve labels fit; show every n-th.
    let every = count.div_ceil(12);
    for (i, text) in labels.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        #[allow(clippy::cast_precision_loss)]
        let x = f64::from(left) + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r##"<text x="{x:.1}" y="{}" text-anchor="middle" font-size="11" fill="#5a6478">{}</text>"##,
            height - bottom + 16,
            escape(text)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(critical: i64, high: i64, low: i64) -> SeverityCounts {
        SeverityCounts {
            critical,
            high,
            low,
            ..SeverityCounts::default()
        }
    }

    #[test]
    fn bars_are_proportional_and_labelled() {
        let svg = severity_bars(&counts(10, 5, 0), "Open <findings>");
        let s = svg.as_str();
        assert!(s.contains(r#"aria-label="Open &lt;findings&gt;""#), "{s}");
        // The longest bar spans the plot (360 - 70 - 50), half the count is half as long.
        assert!(
            s.contains(r##"width="240.0" height="18" rx="2" fill="#9b1c1c"##),
            "{s}"
        );
        assert!(
            s.contains(r##"width="120.0" height="18" rx="2" fill="#d9480f"##),
            "{s}"
        );
        assert!(s.contains(">Critical</text>") && s.contains(">10</text>"));
    }

    #[test]
    fn columns_stack_and_labels_are_escaped() {
        let svg = stacked_columns(
            &["<w1>".into(), "w2".into()],
            &[counts(1, 2, 0), counts(0, 0, 3)],
            "Found",
        );
        let s = svg.as_str();
        assert_eq!(s.matches("<rect").count(), 3, "{s}");
        assert!(s.contains("&lt;w1&gt;: 2 High"));
        assert!(!s.contains("<w1>"));
    }

    #[test]
    fn lines_have_a_point_per_period_and_a_legend() {
        let svg = lines(
            &["a".into(), "b".into(), "c".into()],
            &[Line {
                name: "Closed".into(),
                colour: "#000",
                values: vec![0, 4, 8],
            }],
            "Trend",
        );
        assert_eq!(svg.as_str().matches("<circle").count(), 3);
        assert!(svg.as_str().contains(">Closed</text>"));
    }

    #[test]
    fn gridlines_use_round_steps() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(38), 10);
        assert_eq!(nice_step(950), 500);
        assert!(nice_step(1_000_000) * 5 >= 1_000_000);
    }
}
