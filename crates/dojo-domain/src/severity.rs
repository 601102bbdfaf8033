//! Finding severity and its numerical form (S0–S4).

use crate::enums::string_enum;
use crate::UnknownVariant;

string_enum!(
    /// The five severities, spelled exactly as DefectDojo stores them.
    Severity, "severity", default = Info {
    Critical => "Critical", High => "High", Medium => "Medium", Low => "Low", Info => "Info",
});

impl Severity {
    /// DefectDojo's `numerical_severity`: Critical `S0` … Info `S4`.
    pub fn numerical(self) -> &'static str {
        match self {
            Severity::Critical => "S0",
            Severity::High => "S1",
            Severity::Medium => "S2",
            Severity::Low => "S3",
            Severity::Info => "S4",
        }
    }

    /// Rank where a larger number is more severe; used for minimum-severity filters.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }

    /// The importer's normalisation: anything starting with "info" or equal to "none"
    /// (any case) is Info; the other four are matched case-insensitively.
    pub fn normalise(raw: &str) -> Result<Severity, UnknownVariant> {
        let lower = raw.trim().to_lowercase();
        match lower.as_str() {
            "critical" => Ok(Severity::Critical),
            "high" => Ok(Severity::High),
            "medium" => Ok(Severity::Medium),
            "low" => Ok(Severity::Low),
            l if l.starts_with("info") || l == "none" => Ok(Severity::Info),
            _ => Err(UnknownVariant {
                kind: "severity",
                value: raw.to_owned(),
            }),
        }
    }
}

/// `numerical_severity` for any stored severity string; unknown ones sort last as `S5`.
pub fn numerical_severity(severity: &str) -> &'static str {
    severity
        .parse::<Severity>()
        .map(Severity::numerical)
        .unwrap_or("S5")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerical_matches_defectdojo() {
        assert_eq!(numerical_severity("Critical"), "S0");
        assert_eq!(numerical_severity("Info"), "S4");
        assert_eq!(numerical_severity("critical"), "S5");
    }

    #[test]
    fn normalise_folds_informational_and_none() {
        assert_eq!(Severity::normalise("Informational"), Ok(Severity::Info));
        assert_eq!(Severity::normalise("NONE"), Ok(Severity::Info));
        assert_eq!(Severity::normalise("hIgh"), Ok(Severity::High));
        assert!(Severity::normalise("Urgent").is_err());
    }

    #[test]
    fn rank_orders_by_severity() {
        assert!(Severity::Critical.rank() > Severity::High.rank());
        assert!(Severity::Low.rank() > Severity::Info.rank());
    }
}
