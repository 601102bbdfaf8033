//! How pages write values: dates, instants, and absent values.

use chrono::{DateTime, NaiveDate, Utc};

/// A day as `2026-11-24`, or "—" when there is none.
pub fn day(value: Option<NaiveDate>) -> String {
    value.map_or_else(|| "—".to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

/// An instant in UTC to the minute, as `2026-11-24 19:58 UTC`.
pub fn instant(value: DateTime<Utc>) -> String {
    value.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional instant, "—" when there is none.
pub fn maybe_instant(value: Option<DateTime<Utc>>) -> String {
    value.map_or_else(|| "—".to_owned(), instant)
}

/// Optional text, "—" when there is none or it is blank.
pub fn text(value: Option<&str>) -> String {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => text.to_owned(),
        _ => "—".to_owned(),
    }
}

/// A share as a percentage with one decimal, "—" when there is nothing to share.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_values_show_a_dash() {
        assert_eq!(day(None), "—");
        assert_eq!(text(Some("  ")), "—");
        assert_eq!(percent(None), "—");
        assert_eq!(percent(Some(0.125)), "12.5 %");
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 1, 2)), "2026-01-02");
    }
}
