//! `user_mentioned`: "@username" in a new note notifies those users
//! (domain §13), through their personal settings merged with the system's.

use std::collections::BTreeSet;

use dojo_domain::entities::{Note, User};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{Conn, StorageResult};

use super::events::Event;
use super::notify;

/// The lower-cased names mentioned in `text`: `@` followed by word characters
/// and dots, as DefectDojo reads them (a trailing dot ends a sentence).
pub fn mentioned(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let after = &rest[at + 1..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(after.len());
        let name = after[..end].trim_end_matches('.');
        if !name.is_empty() {
            names.insert(name.to_lowercase());
        }
        rest = &after[end..];
    }
    names
}

/// Notifies the active users mentioned in `note`, written by `author` on the
/// object whose page is `url` and whose name is `section`.
pub async fn notify_mentions(
    conn: &mut Conn,
    author: &User,
    note: &Note,
    section: &str,
    url: &str,
) -> StorageResult<()> {
    let names: Vec<String> = mentioned(&note.entry).into_iter().collect();
    if names.is_empty() {
        return Ok(());
    }
    let fixed: Vec<Param> = Vec::new();
    let ids: Vec<(i64,)> = bulk::fetch_in(conn, &fixed, &names, |list| {
        format!("SELECT id FROM dojo_user WHERE is_active = TRUE AND LOWER(username) IN ({list}) ORDER BY id")
    })
    .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let event = Event::new(
        "user_mentioned",
        format!("{} jotted a note", author.username),
    )
    .with_description(format!(
        "{} mentioned you in a note on {section}: {}",
        author.username, note.entry
    ))
    .with_icon("commenting")
    .with_url(url, None)
    .to_users(ids.into_iter().map(|r| r.0).collect());
    notify(conn, &event).await?;
    Ok(())
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn reads_mentions() {
        let names: Vec<String> = mentioned("Hi @Alice and @bob.smith. cc @carol, mail a@b")
            .into_iter()
            .collect();
        assert_eq!(names, vec!["alice", "b", "bob.smith", "carol"]);
        assert!(mentioned("no one").is_empty());
    }
}
