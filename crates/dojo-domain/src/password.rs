//! DefectDojo's password policy (System_Settings switches, rbac.md §10).

use std::collections::HashSet;
use std::sync::OnceLock;

/// The policy switches, with DefectDojo's defaults from `Default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub minimum_length: usize,
    pub maximum_length: usize,
    pub number_required: bool,
    pub special_required: bool,
    pub lowercase_required: bool,
    pub uppercase_required: bool,
    pub non_common_required: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_length: 9,
            maximum_length: 48,
            number_required: true,
            special_required: true,
            lowercase_required: true,
            uppercase_required: true,
            non_common_required: true,
        }
    }
}

/// The characters DefectDojo counts as "special".
pub const SPECIAL_CHARACTERS: &str = "()[]{}|~!@#$%^&*_-+=;:'\",`<>./?";

impl PasswordPolicy {
    /// Every rule the password breaks, each as a message for the user; empty when it passes.
    pub fn violations(&self, password: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let length = password.chars().count();
        if length < self.minimum_length {
            problems.push(format!(
                "Password must be at least {} characters long.",
                self.minimum_length
            ));
        }
        if length > self.maximum_length {
            problems.push(format!(
                "Password must be less than {} characters long.",
                self.maximum_length
            ));
        }
        if self.number_required && !password.chars().any(|c| c.is_ascii_digit()) {
            problems.push("Password must contain at least 1 digit, 0-9.".to_owned());
        }
        if self.uppercase_required && !password.chars().any(|c| c.is_ascii_uppercase()) {
            problems.push("Password must contain at least 1 uppercase letter, A-Z.".to_owned());
        }
        if self.lowercase_required && !password.chars().any(|c| c.is_ascii_lowercase()) {
            problems.push("Password must contain at least 1 lowercase letter, a-z.".to_owned());
        }
        if self.special_required && !password.chars().any(|c| SPECIAL_CHARACTERS.contains(c)) {
            problems.push(format!(
                "The password must contain at least 1 special character, {SPECIAL_CHARACTERS}."
            ));
        }
        if self.non_common_required && is_common_password(password) {
            problems.push("This password is too common.".to_owned());
        }
        problems
    }

    pub fn check(&self, password: &str) -> Result<(), Vec<String>> {
        let problems = self.violations(password);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Whether the password (case-insensitively) is on the list of 20,000 common passwords
/// that Django's `CommonPasswordValidator` uses, which DefectDojo relies on.
pub fn is_common_password(password: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    });
    list.contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_password_passes() {
        assert_eq!(PasswordPolicy::default().check("Correct-Horse-42"), Ok(()));
    }

    #[test]
    fn each_rule_reports_its_problem() {
        let policy = PasswordPolicy::default();
        let problems = policy.violations("short");
        assert!(problems.iter().any(|p| p.contains("at least 9")));
        assert!(problems.iter().any(|p| p.contains("digit")));
        assert!(problems.iter().any(|p| p.contains("uppercase")));
        assert!(problems.iter().any(|p| p.contains("special")));
        assert!(!problems.iter().any(|p| p.contains("lowercase")));
        let long = "Aa1!".repeat(13);
        assert!(policy
            .violations(&long)
            .iter()
            .any(|p| p.contains("less than 48")));
    }

    #[test]
    fn common_passwords_are_refused_case_insensitively() {
        assert!(is_common_password("Password"));
        assert!(is_common_password("qwerty"));
        assert!(!is_common_password("Correct-Horse-42"));
        let relaxed = PasswordPolicy {
            minimum_length: 1,
            number_required: false,
            special_required: false,
            uppercase_required: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            relaxed.violations("password"),
            vec!["This password is too common.".to_owned()]
        );
    }

    #[test]
    fn switches_turn_rules_off() {
        let off = PasswordPolicy {
            minimum_length: 1,
            maximum_length: 100,
            number_required: false,
            special_required: false,
            lowercase_required: false,
            uppercase_required: false,
            non_common_required: false,
        };
        assert_eq!(off.check("123456"), Ok(()));
    }
}
