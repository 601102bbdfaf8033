//! Enumerations stored and exchanged as DefectDojo's own strings.

use crate::UnknownVariant;

/// Declares an enum whose variants map one-to-one to DefectDojo's stored strings,
/// with `as_str`, `FromStr`, `TryFrom<String>`, `Display` and string serde.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal $(, default = $default:ident)? { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        $(
            impl Default for $name {
                fn default() -> Self {
                    $name::$default
                }
            }
        )?

        impl std::str::FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownVariant { kind: $kind, value: s.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownVariant;
            fn try_from(s: String) -> Result<Self, Self::Error> { s.parse() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(BusinessCriticality, "business criticality" {
    VeryHigh => "very high", High => "high", Medium => "medium", Low => "low",
    VeryLow => "very low", None => "none",
});

string_enum!(Platform, "platform" {
    WebService => "web service", Desktop => "desktop", Iot => "iot", Mobile => "mobile", Web => "web",
});

string_enum!(Lifecycle, "lifecycle" {
    Construction => "construction", Production => "production", Retirement => "retirement",
});

string_enum!(Origin, "origin" {
    ThirdPartyLibrary => "third party library", Purchased => "purchased",
    Contractor => "contractor", Internal => "internal", OpenSource => "open source",
    Outsourced => "outsourced",
});

string_enum!(EngagementStatus, "engagement status", default = NotStarted {
    NotStarted => "Not Started", Blocked => "Blocked", Cancelled => "Cancelled",
    Completed => "Completed", InProgress => "In Progress", OnHold => "On Hold",
    Scheduled => "Scheduled", WaitingForResource => "Waiting for Resource",
});

string_enum!(EngagementType, "engagement type", default = Interactive {
    Interactive => "Interactive", CiCd => "CI/CD",
});

string_enum!(
    /// Risk treatments, used both for a risk acceptance's recommendation and decision.
    RiskTreatment, "risk treatment" {
    Accept => "A", Avoid => "V", Mitigate => "M", Fix => "F", Transfer => "T",
});

string_enum!(TestImportType, "import type", default = Unknown {
    Import => "import", Reimport => "reimport", Unknown => "unknown",
});

string_enum!(ImportAction, "import action", default = Created {
    Created => "N", Closed => "C", Reactivated => "R", Untouched => "U",
});

string_enum!(EndpointParamMethod, "method" { Get => "GET", Post => "POST" });

string_enum!(RegulationCategory, "regulation category", default = Other {
    Privacy => "privacy", Finance => "finance", Education => "education", Medical => "medical",
    Corporate => "corporate", Security => "security", Government => "government", Other => "other",
});

string_enum!(CicdInfrastructureType, "infrastructure type", default = ScmServer {
    ScmServer => "scm_server", BuildServer => "build_server", Orchestration => "orchestration",
});

string_enum!(ToolAuthenticationType, "authentication type" {
    Api => "API", Password => "Password", Ssh => "SSH",
});

string_enum!(DeduplicationExecutionMode, "deduplication execution mode" {
    Async => "async", AsyncWait => "async_wait", Sync => "sync",
});

string_enum!(NotificationChannel, "notification channel" {
    Slack => "slack", MsTeams => "msteams", Mail => "mail", Webhooks => "webhooks", Alert => "alert",
});

string_enum!(WebhookStatus, "webhook status", default = Active {
    Active => "active", ActiveTmp => "active_tmp", InactiveTmp => "inactive_tmp",
    InactivePermanent => "inactive_permanent",
});

string_enum!(JiraIssueType, "issue type" {
    Task => "Task", Story => "Story", Epic => "Epic", Spike => "Spike", Bug => "Bug",
    Security => "Security",
});

string_enum!(BenchmarkSource, "benchmark source" {
    Pci => "PCI", OwaspAsvs => "OWASP ASVS", OwaspMobileAsvs => "OWASP Mobile ASVS",
});

string_enum!(AsvsLevel, "level" { Level1 => "Level 1", Level2 => "Level 2", Level3 => "Level 3" });

string_enum!(GroupSocialProvider, "social provider" { AzureAd => "AzureAD", Remote => "Remote" });

string_enum!(LocationStatus, "location status" {
    Active => "Active", Mitigated => "Mitigated", FalsePositive => "FalsePositive",
    RiskAccepted => "RiskAccepted", OutOfScope => "OutOfScope",
});

string_enum!(FileAccessSize, "size", default = Medium {
    Small => "small", Medium => "medium", Large => "large", Thumbnail => "thumbnail",
    Original => "original",
});

string_enum!(
    /// Finding-group grouping options offered on import.
    FindingGroupBy, "group by" {
    ComponentName => "component_name",
    ComponentNameAndVersion => "component_name+component_version",
    FilePath => "file_path", FindingTitle => "finding_title",
    VulnIdFromTool => "vuln_id_from_tool",
});

/// The five roles of DefectDojo's role model, with their fixed database ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    ApiImporter,
    Writer,
    Maintainer,
    Owner,
    Reader,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::ApiImporter,
        Role::Writer,
        Role::Maintainer,
        Role::Owner,
        Role::Reader,
    ];

    /// The seeded ids (`dojo_role.id`), which clients send on the wire.
    pub fn id(self) -> i64 {
        match self {
            Role::ApiImporter => 1,
            Role::Writer => 2,
            Role::Maintainer => 3,
            Role::Owner => 4,
            Role::Reader => 5,
        }
    }

    pub fn from_id(id: i64) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::ApiImporter => "API_Importer",
            Role::Writer => "Writer",
            Role::Maintainer => "Maintainer",
            Role::Owner => "Owner",
            Role::Reader => "Reader",
        }
    }

    pub fn is_owner(self) -> bool {
        self == Role::Owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_strings_round_trip() {
        for s in EngagementStatus::ALL {
            assert_eq!(s.as_str().parse::<EngagementStatus>(), Ok(*s));
        }
        assert_eq!(EngagementType::CiCd.as_str(), "CI/CD");
        assert_eq!("web service".parse::<Platform>(), Ok(Platform::WebService));
        assert!("Web Service".parse::<Platform>().is_err());
    }

    #[test]
    fn enum_serde_uses_defectdojo_strings() {
        let json = serde_json::to_string(&RiskTreatment::Transfer).unwrap_or_default();
        assert_eq!(json, "\"T\"");
        let parsed: Result<Origin, _> = serde_json::from_str("\"open source\"");
        assert_eq!(parsed.ok(), Some(Origin::OpenSource));
        let bad: Result<Origin, _> = serde_json::from_str("\"closed\"");
        assert!(bad.is_err());
    }

    #[test]
    fn role_ids_are_defectdojo_seeds() {
        assert_eq!(Role::from_id(5), Some(Role::Reader));
        assert_eq!(Role::from_id(1).map(Role::name), Some("API_Importer"));
        assert_eq!(Role::from_id(6), None);
    }
}
