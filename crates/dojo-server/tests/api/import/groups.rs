//! Finding groups made at import and reimport (`group_by`,
//! `create_finding_groups_for_all_findings`), and how the API shows them.

use axum::http::StatusCode;
use dojo_storage::db_test;
use serde_json::{json, Value};

use super::*;

/// `(title, component_name, component_version, file_path, vuln_id_from_tool)`.
type Spec = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const XSS: Spec = (
    "Xss",
    Some("lib"),
    Some("1.0"),
    Some("src/a.js"),
    Some("R1"),
);
const SQLI: Spec = (
    "Sqli",
    Some("lib"),
    Some("2.0"),
    Some("src/a.js"),
    Some("R2"),
);
const BANNER: Spec = ("Banner", None, Some("3.0"), None, None);
const CSRF: Spec = ("Csrf", Some(""), Some(""), Some(""), Some(""));
const SOLO: Spec = ("Solo", Some("solo"), None, None, None);

fn report(findings: &[Spec]) -> Vec<u8> {
    generic_with(
        findings
            .iter()
            .map(|(title, name, version, path, vuln)| {
                let mut extra = serde_json::Map::new();
                for (key, value) in [
                    ("component_name", name),
                    ("component_version", version),
                    ("file_path", path),
                    ("vuln_id_from_tool", vuln),
                ] {
                    if let Some(v) = value {
                        extra.insert(key.to_owned(), json!(v));
                    }
                }
                (*title, "Medium", Value::Object(extra))
            })
            .collect(),
    )
}

fn grouped(form: Form, group_by: &str, for_all: bool) -> Form {
    form.text("group_by", group_by).text(
        "create_finding_groups_for_all_findings",
        if for_all { "true" } else { "false" },
    )
}

/// A reimport of `findings` into the test.
fn reimport_form(test_id: i64, findings: &[Spec]) -> Form {
    Form::new()
        .text("scan_type", GENERIC)
        .text("test", &test_id.to_string())
        .file("file", "report.json", &report(findings))
}

/// Imports `findings` into a new engagement, returning the test id.
async fn import(app: &App, findings: &[Spec], group: Option<(&str, bool)>) -> i64 {
    let engagement = app.engagement("Shop", "CI", false).await;
    let mut form = generic_form(engagement.id, &report(findings));
    if let Some((by, for_all)) = group {
        form = grouped(form, by, for_all);
    }
    id(&app.import(form).await["test_id"])
}

/// The groups of a test in creation order, each with its findings' titles.
async fn groups_of(app: &App, test_id: i64) -> Vec<(String, Vec<String>)> {
    let mut conn = app.db.conn().await.expect("connection");
    let rows: Vec<(i64, String, i64, Option<String>)> = bulk::fetch_all(
        &mut conn,
        "SELECT g.id, g.name, g.creator_id, f.title FROM finding_group g \
         LEFT JOIN finding_group_findings m ON m.finding_group_id = g.id \
         LEFT JOIN finding f ON f.id = m.finding_id WHERE g.test_id = $1 ORDER BY g.id, f.title",
        &[test_id.into()],
    )
    .await
    .expect("groups");
    let mut out: Vec<(i64, String, Vec<String>)> = Vec::new();
    for (group, name, creator, title) in rows {
        assert_eq!(creator, app.user.id, "the importing user creates groups");
        if out.last().is_none_or(|(g, _, _)| *g != group) {
            out.push((group, name, Vec::new()));
        }
        if let (Some(last), Some(title)) = (out.last_mut(), title) {
            last.2.push(title);
        }
    }
    out.into_iter().map(|(_, n, t)| (n, t)).collect()
}

fn expect(groups: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    groups
        .iter()
        .map(|(name, titles)| {
            (
                (*name).to_owned(),
                titles.iter().map(|t| (*t).to_owned()).collect(),
            )
        })
        .collect()
}

async fn set_finding_groups(app: &App, on: bool) {
    let mut conn = app.db.conn().await.expect("connection");
    let mut system = settings::load(&mut conn).await.expect("settings");
    system.enable_finding_groups = on;
    settings::save(&mut conn, &system)
        .await
        .expect("save settings");
}

const ALL: &[Spec] = &[XSS, SQLI, BANNER, CSRF];

/// Group names, each with the titles of its findings.
type Groups = &'static [(&'static str, &'static [&'static str])];

/// Each `group_by` option and the groups it makes of [`ALL`].
const GROUPINGS: &[(&str, Groups)] = &[
    ("component_name", &[("Findings in: lib", &["Sqli", "Xss"])]),
    (
        "component_name+component_version",
        &[
            ("Findings in: lib:1.0", &["Xss"]),
            ("Findings in: lib:2.0", &["Sqli"]),
            ("Findings in: None:3.0", &["Banner"]),
        ],
    ),
    (
        "file_path",
        &[("Findings in: Filepath src/a.js", &["Sqli", "Xss"])],
    ),
    (
        "finding_title",
        &[
            ("Findings in: Xss", &["Xss"]),
            ("Findings in: Sqli", &["Sqli"]),
            ("Findings in: Banner", &["Banner"]),
            ("Findings in: Csrf", &["Csrf"]),
        ],
    ),
    (
        "vuln_id_from_tool",
        &[
            ("Findings in: Vulnerability ID R1", &["Xss"]),
            ("Findings in: Vulnerability ID R2", &["Sqli"]),
        ],
    ),
];

db_test!(each_group_by_option_names_its_groups, |db| {
    let app = App::new(&db).await;
    for (option, groups) in GROUPINGS {
        let test_id = import(&app, ALL, Some((option, true))).await;
        assert_eq!(groups_of(&app, test_id).await, expect(groups), "{option}");
    }
});

db_test!(long_names_are_cut_to_255_characters, |db| {
    let app = App::new(&db).await;
    let long: &'static str = "a".repeat(300).leak();
    let spec: Spec = ("Long", Some(long), None, None, None);
    let test_id = import(&app, &[spec], Some(("component_name", true))).await;
    let groups = groups_of(&app, test_id).await;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].0, format!("Findings in: {}", &long[..242]));
    assert_eq!(groups[0].0.chars().count(), 255);
});

db_test!(
    without_groups_for_all_findings_a_single_finding_stays_ungrouped,
    |db| {
        let app = App::new(&db).await;
        let test_id = import(&app, &[XSS, SQLI, SOLO], Some(("component_name", false))).await;
        assert_eq!(
            groups_of(&app, test_id).await,
            expect(&[("Findings in: lib", &["Sqli", "Xss"])])
        );
        // With it, the single finding gets its own group.
        let test_id = import(&app, &[XSS, SQLI, SOLO], Some(("component_name", true))).await;
        assert_eq!(
            groups_of(&app, test_id).await,
            expect(&[
                ("Findings in: lib", &["Sqli", "Xss"]),
                ("Findings in: solo", &["Solo"]),
            ])
        );
    }
);

db_test!(groups_are_off_when_the_system_setting_is, |db| {
    let app = App::new(&db).await;
    set_finding_groups(&app, false).await;
    let test_id = import(&app, ALL, Some(("component_name", true))).await;
    assert_eq!(groups_of(&app, test_id).await, expect(&[]));
    let body = app
        .reimport(grouped(
            reimport_form(test_id, &[XSS, SQLI, SOLO]),
            "component_name",
            true,
        ))
        .await;
    assert_eq!(body["statistics"]["delta"]["created"]["total"]["total"], 1);
    assert_eq!(app.count("finding_group").await, 0);
    assert_eq!(app.count("finding_group_findings").await, 0);
});

db_test!(no_group_by_no_groups, |db| {
    let app = App::new(&db).await;
    let test_id = import(&app, ALL, None).await;
    app.reimport(reimport_form(test_id, &[XSS, SQLI, SOLO]))
        .await;
    assert_eq!(app.count("finding_group").await, 0);
});

db_test!(
    a_new_group_takes_in_older_ungrouped_findings_of_its_name,
    |db| {
        let app = App::new(&db).await;
        // Imported ungrouped; a reimport brings a third finding of "lib".
        let test_id = import(&app, &[XSS, SQLI, BANNER], None).await;
        let third: Spec = ("Third", Some("lib"), None, None, None);
        let body = app
            .reimport(grouped(
                reimport_form(test_id, &[XSS, SQLI, BANNER, third]),
                "component_name",
                true,
            ))
            .await;
        assert_eq!(body["statistics"]["delta"]["created"]["total"]["total"], 1);
        assert_eq!(
            groups_of(&app, test_id).await,
            expect(&[("Findings in: lib", &["Sqli", "Third", "Xss"])])
        );
    }
);

db_test!(
    a_single_new_finding_groups_with_an_older_one_of_its_name,
    |db| {
        let app = App::new(&db).await;
        // A single "solo" finding gets no group of its own...
        let test_id = import(&app, &[XSS, SQLI, SOLO], Some(("component_name", false))).await;
        assert_eq!(
            groups_of(&app, test_id).await,
            expect(&[("Findings in: lib", &["Sqli", "Xss"])])
        );
        // ...until another "solo" comes; a third "lib" joins the existing group.
        let solo2: Spec = ("Solo Two", Some("solo"), None, None, None);
        let lib3: Spec = ("Lib Three", Some("lib"), None, None, None);
        let lonely: Spec = ("Lonely", Some("lonely"), None, None, None);
        app.reimport(grouped(
            reimport_form(test_id, &[XSS, SQLI, SOLO, solo2, lib3, lonely]),
            "component_name",
            false,
        ))
        .await;
        assert_eq!(
            groups_of(&app, test_id).await,
            expect(&[
                ("Findings in: lib", &["Lib Three", "Sqli", "Xss"]),
                ("Findings in: solo", &["Solo", "Solo Two"]),
            ])
        );
    }
);

db_test!(reimport_groups_only_new_findings, |db| {
    let app = App::new(&db).await;
    let test_id = import(&app, &[XSS, SQLI, SOLO], Some(("component_name", true))).await;
    let before = groups_of(&app, test_id).await;
    assert_eq!(
        before,
        expect(&[
            ("Findings in: lib", &["Sqli", "Xss"]),
            ("Findings in: solo", &["Solo"]),
        ])
    );
    // Nothing new: the matched findings are not grouped by the new option.
    app.reimport(grouped(
        reimport_form(test_id, &[XSS, SQLI, SOLO]),
        "finding_title",
        true,
    ))
    .await;
    assert_eq!(groups_of(&app, test_id).await, before);
    // A new finding with Xss's file path gets a group of its own; Xss, already
    // grouped, is not moved into it.
    let near: Spec = ("Near", None, None, Some("src/a.js"), None);
    app.reimport(grouped(
        reimport_form(test_id, &[XSS, SQLI, SOLO, near]),
        "file_path",
        true,
    ))
    .await;
    assert_eq!(
        groups_of(&app, test_id).await,
        expect(&[
            ("Findings in: lib", &["Sqli", "Xss"]),
            ("Findings in: solo", &["Solo"]),
            ("Findings in: Filepath src/a.js", &["Near"]),
        ])
    );
    assert_eq!(app.count("finding_group_findings").await, 4);
});

db_test!(tests_and_findings_show_their_groups, |db| {
    let app = App::new(&db).await;
    let test_id = import(&app, &[XSS, SQLI, BANNER], Some(("component_name", true))).await;
    let group_id: i64 = {
        let mut conn = app.db.conn().await.expect("connection");
        let rows: Vec<(i64,)> = bulk::fetch_all(
            &mut conn,
            "SELECT id FROM finding_group WHERE test_id = $1",
            &[test_id.into()],
        )
        .await
        .expect("group");
        rows[0].0
    };
    let group = json!([{
        "id": group_id,
        "name": "Findings in: lib",
        "test": test_id,
        "jira_issue": null,
    }]);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/tests/{test_id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["finding_groups"], group);

    for finding in app.findings(test_id).await {
        let (status, body) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/findings/{}/", finding.id),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let expected = if finding.title == "Banner" {
            json!([])
        } else {
            group.clone()
        };
        assert_eq!(body["finding_groups"], expected, "{}", finding.title);
    }
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/?test={test_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<usize> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|f| f["finding_groups"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(listed.iter().sum::<usize>(), 2, "{listed:?}");
});
