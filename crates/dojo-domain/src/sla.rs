//! SLA rules that need no database: DefectDojo's default days per severity and the
//! expiration date of a finding.

use chrono::{Days, NaiveDate};

use crate::entities::SlaConfiguration;
use crate::Severity;

/// DefectDojo's default SLA days: critical, high, medium, low.
pub const DEFAULT_DAYS: [i64; 4] = [7, 30, 90, 120];
/// Name of the configuration with id 1, which every new product uses.
pub const DEFAULT_NAME: &str = "Default";
/// Name of the seeded configuration that enforces nothing.
pub const NO_SLA_NAME: &str = "No SLA Enforced";

impl SlaConfiguration {
    /// Days allowed for a severity, or `None` when that severity is not enforced (Info never is).
    pub fn days_for(&self, severity: Severity) -> Option<i64> {
        match severity {
            Severity::Critical => self.enforce_critical.then_some(self.critical),
            Severity::High => self.enforce_high.then_some(self.high),
            Severity::Medium => self.enforce_medium.then_some(self.medium),
            Severity::Low => self.enforce_low.then_some(self.low),
            Severity::Info => None,
        }
    }

    /// The date by which a finding of `severity` started on `start` must be fixed.
    pub fn expiration_date(&self, severity: Severity, start: NaiveDate) -> Option<NaiveDate> {
        let days = u64::try_from(self.days_for(severity)?).ok()?;
        start.checked_add_days(Days::new(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_config() -> SlaConfiguration {
        SlaConfiguration {
            id: 1,
            name: DEFAULT_NAME.into(),
            description: None,
            critical: 7,
            high: 30,
            medium: 90,
            low: 120,
            enforce_critical: true,
            enforce_high: true,
            enforce_medium: true,
            enforce_low: false,
            restart_sla_on_reactivation: false,
            async_updating: false,
        }
    }

    #[test]
    fn expiration_adds_days_of_the_severity() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 30).unwrap_or_default();
        let config = default_config();
        assert_eq!(
            config.expiration_date(Severity::Critical, start),
            NaiveDate::from_ymd_opt(2026, 2, 6)
        );
        assert_eq!(config.expiration_date(Severity::Low, start), None);
        assert_eq!(config.expiration_date(Severity::Info, start), None);
    }
}
