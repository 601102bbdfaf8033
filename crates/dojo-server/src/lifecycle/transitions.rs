//! The status transitions of one finding (workflows §d), shared by the API
//! actions and the web pages. Each checks the caller's permission on the
//! finding's product, changes the row through the status hooks, records who
//! and when, and refuses what DefectDojo refuses with a message that names it.
//! The caller owns the transaction.

use std::ops::{Deref, DerefMut};

use chrono::{DateTime, NaiveDate, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::Finding;
use dojo_domain::ids::Id;
use dojo_storage::authz::Access;
use dojo_storage::bulk;
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, Conn};

use crate::api::object_notes::attach_finding_note;
use crate::api::shapes::notes::NewNote;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::notifications::{self, Event};

/// Whether a save runs de-duplication and false-positive history afterwards,
/// as an ordinary save does; risk and reopen changes skip it (workflows c.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedupe {
    Run,
    Skip,
}

/// A finding a transition saved, with the stored files of excess duplicates
/// its de-duplication deleted: the caller removes those once the transaction
/// has committed (`FileStore::remove`). Reads as the finding itself.
#[derive(Debug, Clone)]
pub struct Saved {
    pub finding: Finding,
    pub deleted_files: Vec<String>,
}

impl Saved {
    fn without_files(finding: Finding) -> Self {
        Saved {
            finding,
            deleted_files: Vec::new(),
        }
    }
}

impl Deref for Saved {
    type Target = Finding;

    fn deref(&self) -> &Finding {
        &self.finding
    }
}

impl DerefMut for Saved {
    fn deref_mut(&mut self) -> &mut Finding {
        &mut self.finding
    }
}

/// 403 unless the caller holds `permission` on the finding's product.
pub async fn require(
    conn: &mut Conn,
    caller: &Caller,
    finding: &Finding,
    permission: Permission,
) -> Result<(), ApiError> {
    if caller
        .access
        .may_on_product(conn, finding.product_id, permission)
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::denied())
    }
}

/// Saves a finding whose status changed: the status hooks against the stored
/// row, then (with `Dedupe::Run`) de-duplication or false-positive history.
/// Answers the stored row.
pub async fn save(
    conn: &mut Conn,
    caller: &Caller,
    before: &Finding,
    mut row: Finding,
    now: DateTime<Utc>,
    dedupe: Dedupe,
) -> Result<Saved, ApiError> {
    row.updated = now;
    row.apply_status_hooks(Some(before), caller.user.id, now);
    let saved = repo::findings::save(conn, &row).await?;
    let deleted_files = if dedupe == Dedupe::Run {
        dojo_importer::saved::after_save(conn, &saved).await?
    } else {
        Vec::new()
    };
    Ok(Saved {
        finding: repo::findings::get(conn, saved.id).await?,
        deleted_files,
    })
}

/// What a close sets besides the mitigation itself (the close form's flags).
#[derive(Debug, Clone, Default)]
pub struct Close {
    pub is_mitigated: bool,
    pub false_p: bool,
    pub out_of_scope: bool,
    pub duplicate: bool,
    pub note: Option<NewNote>,
    /// The web form refuses a close that leaves a mandatory note type unused on
    /// the finding; DefectDojo's API action does not check it.
    pub require_mandatory_notes: bool,
}

impl Close {
    /// The web form's close: mitigated, with an optional note, mandatory note
    /// types enforced.
    pub fn mitigate(note: Option<NewNote>) -> Self {
        Close {
            is_mitigated: true,
            note,
            require_mandatory_notes: true,
            ..Close::default()
        }
    }
}

/// Close / mitigate: mitigated now by the caller, inactive, out of review,
/// its endpoint statuses mitigated, out of every risk acceptance, with an
/// optional note.
pub async fn close(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    close: &Close,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if let Some(note) = &close.note {
        attach_finding_note(conn, caller, current.id, note).await?;
    }
    if close.require_mandatory_notes {
        let missing = missing_mandatory_note_types(conn, current.id).await?;
        if !missing.is_empty() {
            return Err(ApiError::field(
                "note_type",
                format!(
                    "Closing this finding needs a note of each mandatory note type: {}.",
                    missing.join(", ")
                ),
            ));
        }
    }
    let mut row = current.clone();
    row.is_mitigated = close.is_mitigated;
    row.mitigated = Some(now);
    row.mitigated_by_id = Some(caller.user.id);
    row.active = false;
    row.false_p = close.false_p;
    row.out_of_scope = close.out_of_scope;
    row.duplicate = close.duplicate;
    end_review(conn, &mut row).await?;
    row.last_reviewed = Some(now);
    row.last_reviewed_by_id = Some(caller.user.id);
    bulk::execute(
        conn,
        "UPDATE endpoint_status SET mitigated = $1, mitigated_time = $2, mitigated_by_id = $3, \
         last_modified = $2 WHERE finding_id = $4",
        &[
            true.into(),
            now.into(),
            caller.user.id.into(),
            row.id.into(),
        ],
    )
    .await?;
    super::leave_risk_acceptances(conn, row.id).await?;
    let saved = save(conn, caller, current, row, now, Dedupe::Run).await?;
    let title = format!("Closing of {}", saved.title);
    let description = format!(
        "The finding \"{}\" was closed by {}",
        saved.title,
        caller.user.display_name()
    );
    announce(conn, "finding_closed", &saved, title, description, None).await?;
    Ok(saved)
}

/// Records a notification about the finding (delivered outside the request);
/// `to` names its recipients, else whoever may see the product and asked.
async fn announce(
    conn: &mut Conn,
    name: &'static str,
    finding: &Finding,
    title: String,
    description: String,
    to: Option<Vec<Id>>,
) -> Result<(), ApiError> {
    let mut event = Event::about_finding(conn, name, finding, title)
        .await?
        .with_description(description);
    if let Some(users) = to {
        event = event.to_users(users);
    }
    notifications::notify(conn, &event).await?;
    Ok(())
}

/// The active mandatory note types with no note on the finding yet, by name.
pub async fn missing_mandatory_note_types(
    conn: &mut Conn,
    finding_id: Id,
) -> Result<Vec<String>, ApiError> {
    let rows: Vec<(String,)> = bulk::fetch_all(
        conn,
        "SELECT nt.name FROM note_type nt WHERE nt.is_active = TRUE AND nt.is_mandatory = TRUE \
         AND NOT EXISTS (SELECT 1 FROM finding_notes fn JOIN notes n ON n.id = fn.notes_id \
         WHERE fn.finding_id = $1 AND n.note_type_id = nt.id) ORDER BY nt.name",
        &[finding_id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

/// Verify: verified and reviewed now by the caller, with an optional note.
pub async fn verify(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    note: Option<&NewNote>,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if let Some(note) = note {
        attach_finding_note(conn, caller, current.id, note).await?;
    }
    let mut row = current.clone();
    row.verified = true;
    row.last_reviewed = Some(now);
    row.last_reviewed_by_id = Some(caller.user.id);
    save(conn, caller, current, row, now, Dedupe::Run).await
}

/// Reopen: active again, the mitigation, review and risk acceptance cleared,
/// its endpoint statuses active; saved without de-duplication. A duplicate
/// cannot be reopened (it would be an active duplicate): reset it first.
pub async fn reopen(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if current.duplicate {
        return Err(ApiError::field(
            "duplicate",
            "Duplicate findings cannot be verified or active",
        ));
    }
    let mut row = current.clone();
    row.active = true;
    row.is_mitigated = false;
    row.mitigated = None;
    row.mitigated_by_id = None;
    row.risk_accepted = false;
    end_review(conn, &mut row).await?;
    bulk::execute(
        conn,
        "UPDATE endpoint_status SET mitigated = FALSE, mitigated_time = NULL, \
         mitigated_by_id = NULL, false_positive = FALSE, out_of_scope = FALSE, \
         risk_accepted = FALSE, last_modified = $1 WHERE finding_id = $2",
        &[now.into(), row.id.into()],
    )
    .await?;
    super::leave_risk_acceptances(conn, row.id).await?;
    let saved = save(conn, caller, current, row, now, Dedupe::Skip).await?;
    let title = format!("Reopening of {}", saved.title);
    let description = format!(
        "The finding \"{}\" was reopened by {}",
        saved.title,
        caller.user.display_name()
    );
    announce(conn, "finding_reopened", &saved, title, description, None).await?;
    Ok(saved)
}

/// Marks the finding false positive (inactive, unverified, mitigated now by
/// the caller, its endpoint statuses false positive). False-positive history
/// then runs: with its retroactive variant every active equal finding of the
/// product becomes a false positive too.
pub async fn mark_false_positive(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if current.false_p {
        return Err(ApiError::field(
            "false_p",
            "The finding is already a false positive.",
        ));
    }
    let mut row = current.clone();
    row.false_p = true;
    set_endpoint_flag(conn, row.id, "false_positive", true, now).await?;
    save(conn, caller, current, row, now, Dedupe::Run).await
}

/// Un-marks a false positive: active and open again, unverified. Under
/// retroactive false-positive history its equal false positives follow.
pub async fn unmark_false_positive(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if !current.false_p {
        return Err(ApiError::field(
            "false_p",
            "The finding is not a false positive.",
        ));
    }
    let mut row = current.clone();
    row.false_p = false;
    row.active = true;
    set_endpoint_flag(conn, row.id, "false_positive", false, now).await?;
    // The equal false positives are cleared first, so that the history check
    // of the save that follows finds none left to copy back.
    let saved = save(conn, caller, current, row, now, Dedupe::Skip).await?;
    dojo_importer::saved::after_false_positive_cleared(conn, &saved).await?;
    let deleted_files = dojo_importer::saved::after_save(conn, &saved).await?;
    Ok(Saved {
        finding: repo::findings::get(conn, saved.id).await?,
        deleted_files,
    })
}

/// Marks the finding out of scope (inactive, unverified, mitigated), or takes
/// it back in scope (active again).
pub async fn set_out_of_scope(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    out_of_scope: bool,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if current.out_of_scope == out_of_scope {
        let state = if out_of_scope { "already" } else { "not" };
        return Err(ApiError::field(
            "out_of_scope",
            format!("The finding is {state} out of scope."),
        ));
    }
    let mut row = current.clone();
    row.out_of_scope = out_of_scope;
    if !out_of_scope {
        row.active = true;
    }
    set_endpoint_flag(conn, row.id, "out_of_scope", out_of_scope, now).await?;
    save(conn, caller, current, row, now, Dedupe::Run).await
}

/// Request review: needs only the right to see the finding. The finding goes
/// back under review (active, unverified, not mitigated), the chosen reviewers
/// (users who may edit findings of the product) are recorded with the
/// requester, and a private note "Review Request: …" is left.
pub async fn request_review(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    reviewers: &[Id],
    entry: &str,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingView).await?;
    if reviewers.is_empty() {
        return Err(ApiError::field("reviewers", "This field is required."));
    }
    if entry.trim().is_empty() {
        return Err(ApiError::field("entry", "This field is required."));
    }
    for reviewer in reviewers {
        if !may_review(conn, *reviewer, current.product_id).await? {
            return Err(ApiError::field(
                "reviewers",
                format!("Select a valid choice. {reviewer} is not one of the available choices."),
            ));
        }
    }
    let note = NewNote {
        entry: format!("Review Request: {entry}"),
        private: true,
        note_type: None,
    };
    attach_finding_note(conn, caller, current.id, &note).await?;
    let mut row = current.clone();
    row.active = true;
    row.verified = false;
    row.is_mitigated = false;
    row.under_review = true;
    row.review_requested_by_id = Some(caller.user.id);
    links::set(conn, Link::FindingReviewers, row.id, reviewers).await?;
    let saved = save(conn, caller, current, row, now, Dedupe::Run).await?;
    let description = format!(
        "{} has requested a review of the finding \"{}\" for accuracy:\n\n{entry}",
        caller.user.display_name(),
        saved.title
    );
    let title = "Finding review requested".to_owned();
    let to = Some(reviewers.to_vec());
    announce(conn, "review_requested", &saved, title, description, to).await?;
    Ok(saved)
}

/// Whether a user may be asked to review a finding of the product: an active
/// user allowed to edit its findings.
async fn may_review(conn: &mut Conn, user_id: Id, product_id: Id) -> Result<bool, ApiError> {
    let Some(user) = repo::users::find(conn, user_id).await? else {
        return Ok(false);
    };
    if !user.is_active {
        return Ok(false);
    }
    let access = Access::of(conn, &user).await?;
    Ok(access
        .may_on_product(conn, product_id, Permission::FindingEdit)
        .await?)
}

/// The status a reviewer gives a finding when clearing its review.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewOutcome {
    pub active: bool,
    pub verified: bool,
    pub false_p: bool,
    pub out_of_scope: bool,
    pub duplicate: bool,
    pub is_mitigated: bool,
}

/// Clear review: only the requester or one of the reviewers (with edit
/// rights) may; leaves a note "Review Cleared: …", takes the chosen status
/// (mitigated now by the caller when mitigated) and ends the review.
pub async fn clear_review(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    outcome: ReviewOutcome,
    entry: &str,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    let reviewers = links::rights(conn, Link::FindingReviewers, current.id).await?;
    let requester = current.review_requested_by_id == Some(caller.user.id);
    if !requester && !reviewers.contains(&caller.user.id) {
        return Err(ApiError::Forbidden(
            "Only the user who requested the review or one of its reviewers may clear it.".into(),
        ));
    }
    if entry.trim().is_empty() {
        return Err(ApiError::field("entry", "This field is required."));
    }
    let note = NewNote {
        entry: format!("Review Cleared: {entry}"),
        private: false,
        note_type: None,
    };
    attach_finding_note(conn, caller, current.id, &note).await?;
    let mut row = current.clone();
    row.active = outcome.active;
    row.verified = outcome.verified;
    row.false_p = outcome.false_p;
    row.out_of_scope = outcome.out_of_scope;
    row.duplicate = outcome.duplicate;
    row.is_mitigated = outcome.is_mitigated;
    if outcome.is_mitigated {
        row.mitigated = Some(now);
        row.mitigated_by_id = Some(caller.user.id);
    }
    row.under_review = false;
    links::set(conn, Link::FindingReviewers, row.id, &[]).await?;
    save(conn, caller, current, row, now, Dedupe::Run).await
}

/// Simple risk acceptance (where the product allows it): inactive and risk
/// accepted, its endpoint statuses too, with DefectDojo's note.
pub async fn accept_risk(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    let product = repo::products::get(conn, current.product_id).await?;
    if !product.enable_simple_risk_acceptance {
        return Err(ApiError::Forbidden(
            "Simple risk acceptance is disabled for this product.".into(),
        ));
    }
    if current.risk_accepted {
        return Err(ApiError::field(
            "risk_accepted",
            "The finding is already risk accepted.",
        ));
    }
    let mut row = current.clone();
    let what = super::simple_risk_change(conn, &mut row, true).await?;
    finish_risk_change(conn, caller, current, row, true, what, now).await
}

/// Takes the risk acceptance away (simple or full): out of every risk
/// acceptance, active again unless mitigated, false positive or out of scope.
pub async fn unaccept_risk(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    if !current.risk_accepted {
        return Err(ApiError::field(
            "risk_accepted",
            "The finding is not risk accepted.",
        ));
    }
    let mut row = current.clone();
    let what = super::simple_risk_change(conn, &mut row, false).await?;
    finish_risk_change(conn, caller, current, row, false, what, now).await
}

async fn finish_risk_change(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    row: Finding,
    accept: bool,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    let saved = save(conn, caller, current, row, now, Dedupe::Skip).await?;
    super::set_endpoint_risk(conn, &[saved.id], accept, now).await?;
    super::add_finding_note(conn, &caller.user, saved.id, what, now).await?;
    Ok(saved)
}

/// Touch: reviewed now by the caller, nothing else changes.
pub async fn touch(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    let mut row = current.clone();
    row.last_reviewed = Some(now);
    row.last_reviewed_by_id = Some(caller.user.id);
    row.updated = now;
    Ok(Saved::without_files(
        repo::findings::save(conn, &row).await?,
    ))
}

/// Sets (or clears) the planned remediation date.
pub async fn set_planned_remediation_date(
    conn: &mut Conn,
    caller: &Caller,
    current: &Finding,
    date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require(conn, caller, current, Permission::FindingEdit).await?;
    let mut row = current.clone();
    row.planned_remediation_date = date;
    row.updated = now;
    Ok(Saved::without_files(
        repo::findings::save(conn, &row).await?,
    ))
}

/// Ends a review: not under review, no requester, no reviewers.
async fn end_review(conn: &mut Conn, row: &mut Finding) -> Result<(), ApiError> {
    row.under_review = false;
    row.review_requested_by_id = None;
    links::set(conn, Link::FindingReviewers, row.id, &[]).await?;
    Ok(())
}

/// Sets one status flag on every endpoint status of a finding.
async fn set_endpoint_flag(
    conn: &mut Conn,
    finding_id: Id,
    column: &'static str,
    value: bool,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    bulk::execute(
        conn,
        &format!(
            "UPDATE endpoint_status SET {column} = $1, last_modified = $2 WHERE finding_id = $3"
        ),
        &[value.into(), now.into(), finding_id.into()],
    )
    .await?;
    Ok(())
}
