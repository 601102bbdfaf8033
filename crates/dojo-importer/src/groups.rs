//! Finding groups at import and reimport (workflows a.5, b.2 step 8): the
//! findings a run created are grouped by one of their fields, in a fixed number
//! of statements however many findings and groups there are.
//!
//! DefectDojo decides per group name, in the order the names first appear:
//! * with `create_finding_groups_for_all_findings`, or when the name has two or
//!   more new findings, the group (test, creator, name) is fetched or created;
//!   a group it creates also takes in the older findings of the test that map
//!   to the same name;
//! * otherwise the finding only joins a group of that name the test already
//!   has (whoever created it), or a new one when an older finding of the test
//!   maps to the same name (both then go into it).
//!
//! Older findings are only taken in when they are in no group yet. DefectDojo
//! adds them regardless, which puts a finding grouped earlier under another
//! name (or in another user's group) into a second group; a finding belongs to
//! at most one group everywhere else, so Dojo keeps it that way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{settings, Conn};

use crate::error::{ImportError, ImportResult};
use crate::request::{Actor, ImportRequest};

/// `Finding_Group.name` is a `CharField(max_length=255)`.
const NAME_LIMIT: usize = 255;

/// What a finding is grouped by (domain §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupBy {
    ComponentName,
    ComponentNameVersion,
    FilePath,
    Title,
    VulnIdFromTool,
}

impl GroupBy {
    pub(crate) fn parse(option: &str) -> Option<GroupBy> {
        Some(match option {
            "component_name" => GroupBy::ComponentName,
            "component_name+component_version" => GroupBy::ComponentNameVersion,
            "file_path" => GroupBy::FilePath,
            "finding_title" => GroupBy::Title,
            "vuln_id_from_tool" => GroupBy::VulnIdFromTool,
            _ => return None,
        })
    }
}

/// The fields of a finding that group names are made of.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub(crate) struct Groupable {
    pub id: i64,
    pub component_name: Option<String>,
    pub component_version: Option<String>,
    pub file_path: Option<String>,
    pub title: String,
    pub vuln_id_from_tool: Option<String>,
}

const GROUPABLE_COLUMNS: &str =
    "f.id, f.component_name, f.component_version, f.file_path, f.title, f.vuln_id_from_tool";

/// A value as Python's truth test sees it: `None` and `""` are both absent.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// DefectDojo's `get_group_by_group_name`: `"Findings in: <X>"`, or `None` when
/// the finding yields no X (it then stays ungrouped). Cut to the column's 255
/// characters.
pub(crate) fn group_name(by: GroupBy, finding: &Groupable) -> Option<String> {
    let x = match by {
        GroupBy::ComponentName => present(&finding.component_name)?.to_owned(),
        GroupBy::ComponentNameVersion => {
            let name = present(&finding.component_name);
            let version = present(&finding.component_version);
            if name.is_none() && version.is_none() {
                return None;
            }
            format!("{}:{}", name.unwrap_or("None"), version.unwrap_or("None"))
        }
        GroupBy::FilePath => format!("Filepath {}", present(&finding.file_path)?),
        GroupBy::Title => Some(finding.title.as_str())
            .filter(|t| !t.is_empty())?
            .to_owned(),
        GroupBy::VulnIdFromTool => {
            format!("Vulnerability ID {}", present(&finding.vuln_id_from_tool)?)
        }
    };
    let name = format!("Findings in: {x}");
    Some(match name.char_indices().nth(NAME_LIMIT) {
        Some((cut, _)) => name[..cut].to_owned(),
        None => name,
    })
}

/// A group of the test as it was before this run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ExistingGroup {
    pub id: i64,
    pub name: String,
    pub creator_id: i64,
}

/// What happens to the new findings of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Into this existing group.
    Join(i64),
    /// Into a new group, with the older ungrouped findings of the name.
    Create,
    /// Into a new group only if older ungrouped findings have the name (they
    /// join it too); otherwise ungrouped.
    CreateIfOlder,
}

/// Decides for each name with its new findings (workflows a.5).
pub(crate) fn decide(
    names: &[(String, Vec<i64>)],
    existing: &[ExistingGroup],
    creator_id: i64,
    for_all_findings: bool,
) -> Vec<Decision> {
    // Lowest id first: `existing` is ordered by id.
    let mut mine: HashMap<&str, i64> = HashMap::new();
    let mut anyone: HashMap<&str, i64> = HashMap::new();
    for group in existing {
        if group.creator_id == creator_id {
            mine.entry(&group.name).or_insert(group.id);
        }
        anyone.entry(&group.name).or_insert(group.id);
    }
    names
        .iter()
        .map(|(name, findings)| {
            if for_all_findings || findings.len() > 1 {
                mine.get(name.as_str())
                    .map_or(Decision::Create, |id| Decision::Join(*id))
            } else {
                anyone
                    .get(name.as_str())
                    .map_or(Decision::CreateIfOlder, |id| Decision::Join(*id))
            }
        })
        .collect()
}

/// Groups the findings this run created (`new_ids`, ascending, all of
/// `test_id`) when the request asks for it and the system setting
/// `enable_finding_groups` is on. Findings that existed before the run are
/// never moved, only taken into groups the run creates.
pub(crate) async fn group_new_findings(
    conn: &mut Conn,
    request: &ImportRequest,
    actor: &Actor,
    test_id: i64,
    new_ids: &[i64],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    let Some(option) = request.group_by.as_deref() else {
        return Ok(());
    };
    let by = GroupBy::parse(option).ok_or_else(|| {
        ImportError::field("group_by", format!("\"{option}\" is not a valid choice."))
    })?;
    let (Some(first), Some(last)) = (new_ids.first(), new_ids.last()) else {
        return Ok(());
    };
    if !settings::load(conn).await?.enable_finding_groups {
        return Ok(());
    }
    // The run's findings, in the order they were created (a few may be gone:
    // excess duplicates are deleted before grouping).
    let created: Vec<Groupable> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT {GROUPABLE_COLUMNS} FROM finding f \
             WHERE f.test_id = $1 AND f.id BETWEEN $2 AND $3 ORDER BY f.id"
        ),
        &[test_id.into(), (*first).into(), (*last).into()],
    )
    .await?;
    let names = by_name(by, &created);
    if names.is_empty() {
        return Ok(());
    }
    let existing: Vec<ExistingGroup> = bulk::fetch_all(
        conn,
        "SELECT id, name, creator_id FROM finding_group WHERE test_id = $1 ORDER BY id",
        &[test_id.into()],
    )
    .await?;
    let decisions = decide(
        &names,
        &existing,
        actor.user_id,
        request.create_finding_groups_for_all_findings,
    );
    let older = if decisions.iter().any(|d| !matches!(d, Decision::Join(_))) {
        older_ungrouped(conn, by, test_id, *first).await?
    } else {
        HashMap::new()
    };

    // Memberships point at an existing group, or at the n-th group created below.
    let mut new_groups: Vec<&str> = Vec::new();
    let mut members: Vec<(Result<i64, usize>, i64)> = Vec::new();
    for ((name, findings), decision) in names.iter().zip(&decisions) {
        let older = older.get(name.as_str()).map_or(&[][..], Vec::as_slice);
        let (group, absorbed) = match decision {
            Decision::Join(id) => (Ok(*id), &[][..]),
            Decision::CreateIfOlder if older.is_empty() => continue,
            Decision::Create | Decision::CreateIfOlder => {
                new_groups.push(name);
                (Err(new_groups.len() - 1), older)
            }
        };
        members.extend(absorbed.iter().chain(findings).map(|f| (group, *f)));
    }

    let group_ids = bulk::allocate_ids(conn, "finding_group", new_groups.len()).await?;
    let rows: Vec<Vec<Param>> = new_groups
        .iter()
        .zip(&group_ids)
        .map(|(name, id)| {
            vec![
                (*id).into(),
                (*name).into(),
                test_id.into(),
                actor.user_id.into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert_rows(
        conn,
        "finding_group",
        &["id", "name", "test_id", "creator_id", "created", "modified"],
        &rows,
        "",
    )
    .await?;
    let links: Vec<Vec<Param>> = members
        .into_iter()
        .filter_map(|(group, finding)| {
            let group = match group {
                Ok(id) => id,
                Err(n) => *group_ids.get(n)?,
            };
            Some(vec![group.into(), finding.into()])
        })
        .collect();
    bulk::insert_rows(
        conn,
        "finding_group_findings",
        &["finding_group_id", "finding_id"],
        &links,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    Ok(())
}

/// The findings of each group name, names in the order they first appear.
pub(crate) fn by_name(by: GroupBy, findings: &[Groupable]) -> Vec<(String, Vec<i64>)> {
    let mut names: Vec<(String, Vec<i64>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for finding in findings {
        let Some(name) = group_name(by, finding) else {
            continue;
        };
        match index.get(&name) {
            Some(i) => names[*i].1.push(finding.id),
            None => {
                index.insert(name.clone(), names.len());
                names.push((name, vec![finding.id]));
            }
        }
    }
    names
}

/// The test's findings from before the run that are in no group, by group name.
async fn older_ungrouped(
    conn: &mut Conn,
    by: GroupBy,
    test_id: i64,
    first_new_id: i64,
) -> ImportResult<HashMap<String, Vec<i64>>> {
    let older: Vec<Groupable> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT {GROUPABLE_COLUMNS} FROM finding f WHERE f.test_id = $1 AND f.id < $2 \
             AND NOT EXISTS (SELECT 1 FROM finding_group_findings m WHERE m.finding_id = f.id) \
             ORDER BY f.id"
        ),
        &[test_id.into(), first_new_id.into()],
    )
    .await?;
    Ok(by_name(by, &older).into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: i64) -> Groupable {
        Groupable {
            id,
            title: "Xss".into(),
            ..Groupable::default()
        }
    }

    fn with(mut f: Groupable, set: impl FnOnce(&mut Groupable)) -> Groupable {
        set(&mut f);
        f
    }

    #[test]
    fn names_follow_defect_dojo() {
        let full = with(finding(1), |f| {
            f.component_name = Some("lib".into());
            f.component_version = Some("1.0".into());
            f.file_path = Some("src/a.rs".into());
            f.vuln_id_from_tool = Some("R-1".into());
        });
        let name = |by| group_name(by, &full);
        assert_eq!(
            name(GroupBy::ComponentName).as_deref(),
            Some("Findings in: lib")
        );
        assert_eq!(
            name(GroupBy::ComponentNameVersion).as_deref(),
            Some("Findings in: lib:1.0")
        );
        assert_eq!(
            name(GroupBy::FilePath).as_deref(),
            Some("Findings in: Filepath src/a.rs")
        );
        assert_eq!(name(GroupBy::Title).as_deref(), Some("Findings in: Xss"));
        assert_eq!(
            name(GroupBy::VulnIdFromTool).as_deref(),
            Some("Findings in: Vulnerability ID R-1")
        );
    }

    #[test]
    fn a_missing_side_of_name_and_version_is_none() {
        let only_version = with(finding(1), |f| f.component_version = Some("2".into()));
        assert_eq!(
            group_name(GroupBy::ComponentNameVersion, &only_version).as_deref(),
            Some("Findings in: None:2")
        );
        let empty_name = with(finding(1), |f| {
            f.component_name = Some(String::new());
            f.component_version = Some("2".into());
        });
        assert_eq!(
            group_name(GroupBy::ComponentNameVersion, &empty_name).as_deref(),
            Some("Findings in: None:2")
        );
        let only_name = with(finding(1), |f| f.component_name = Some("lib".into()));
        assert_eq!(
            group_name(GroupBy::ComponentNameVersion, &only_name).as_deref(),
            Some("Findings in: lib:None")
        );
    }

    #[test]
    fn empty_or_missing_values_leave_a_finding_ungrouped() {
        let blank = with(finding(1), |f| {
            f.component_name = Some(String::new());
            f.component_version = Some(String::new());
            f.file_path = Some(String::new());
            f.vuln_id_from_tool = Some(String::new());
            f.title = String::new();
        });
        for by in [
            GroupBy::ComponentName,
            GroupBy::ComponentNameVersion,
            GroupBy::FilePath,
            GroupBy::Title,
            GroupBy::VulnIdFromTool,
        ] {
            assert_eq!(group_name(by, &blank), None, "{by:?}");
            assert_eq!(group_name(by, &finding(2)).is_some(), by == GroupBy::Title);
        }
        // Python's truth test: whitespace is a value.
        let space = with(finding(1), |f| f.component_name = Some(" ".into()));
        assert_eq!(
            group_name(GroupBy::ComponentName, &space).as_deref(),
            Some("Findings in:  ")
        );
    }

    #[test]
    fn names_are_cut_to_255_characters() {
        let long = with(finding(1), |f| f.title = "é".repeat(300));
        let name = group_name(GroupBy::Title, &long).expect("a name");
        assert_eq!(name.chars().count(), 255);
        assert!(name.starts_with("Findings in: éé"));
    }

    #[test]
    fn names_keep_their_first_appearance_order() {
        let findings: Vec<Groupable> = [(1, "b"), (2, "a"), (3, "b"), (4, "")]
            .into_iter()
            .map(|(id, c)| with(finding(id), |f| f.component_name = Some(c.into())))
            .collect();
        assert_eq!(
            by_name(GroupBy::ComponentName, &findings),
            vec![
                ("Findings in: b".to_owned(), vec![1, 3]),
                ("Findings in: a".to_owned(), vec![2]),
            ]
        );
    }

    #[test]
    fn decisions() {
        let names = vec![
            ("one".to_owned(), vec![1]),
            ("two".to_owned(), vec![2, 3]),
            ("mine".to_owned(), vec![4]),
            ("theirs".to_owned(), vec![5, 6]),
            ("theirs alone".to_owned(), vec![7]),
        ];
        let existing = vec![
            ExistingGroup {
                id: 10,
                name: "mine".into(),
                creator_id: 1,
            },
            ExistingGroup {
                id: 11,
                name: "theirs".into(),
                creator_id: 2,
            },
            ExistingGroup {
                id: 12,
                name: "theirs alone".into(),
                creator_id: 2,
            },
        ];
        assert_eq!(
            decide(&names, &existing, 1, true),
            vec![
                Decision::Create,
                Decision::Create,
                Decision::Join(10),
                Decision::Create,
                Decision::Create,
            ]
        );
        assert_eq!(
            decide(&names, &existing, 1, false),
            vec![
                Decision::CreateIfOlder,
                Decision::Create,
                Decision::Join(10),
                Decision::Create,
                Decision::Join(12),
            ]
        );
    }
}
