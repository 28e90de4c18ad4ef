//! Deployment and promotion outcomes, recorded as git notes so that they travel
//! with `git push` (`refs/notes/sfsync`) and every clone draws the same Branch
//! State Diagram.
//!
//! A note hangs on the source commit of the deployment or promotion and holds
//! one JSON record per line, oldest first: a commit can be deployed to several
//! orgs, and to the same org more than once.

use git2::{Oid, Repository, Signature};
use serde::{Deserialize, Serialize};

/// The notes ref holding git-sfsync's records.
pub const NOTES_REF: &str = "refs/notes/sfsync";

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("git: {0}")]
    #[diagnostic(code(sfsync::git::notes))]
    Git(#[from] git2::Error),
    #[error("cannot encode a deployment record: {0}")]
    #[diagnostic(code(sfsync::git::notes_encode))]
    Encode(#[from] serde_json::Error),
}

/// What kind of activity a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Deploy,
    Validation,
    Promotion,
    BackPromotion,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Stopped on conflicts (promotion), nothing written.
    Blocked,
}

/// One deployment or promotion into an org or branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub activity: Activity,
    pub outcome: Outcome,
    /// Target org alias or branch.
    pub target: String,
    /// What was promoted or deployed from (a revision or `org:<alias>`).
    pub source: String,
    /// RFC 3339 time the activity ended.
    pub at: String,
    /// `TYPE:Name` of each component involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Errors as the org or engine reported them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// `--force` was used to overwrite.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
    /// The commit recorded on the target branch, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_commit: Option<String>,
}

/// Returns the records on `commit`, oldest first. Lines that do not parse (a
/// newer version's record, a hand edit) are skipped rather than failing.
pub fn read(repo: &Repository, commit: Oid) -> Vec<Record> {
    let Ok(note) = repo.find_note(Some(NOTES_REF), commit) else {
        return Vec::new();
    };
    note.message()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Appends `record` to the note on `commit`.
pub fn append(
    repo: &Repository,
    commit: Oid,
    record: &Record,
    signature: &Signature<'_>,
) -> Result<(), Error> {
    let mut text = repo
        .find_note(Some(NOTES_REF), commit)
        .ok()
        .and_then(|n| n.message().ok().map(str::to_string))
        .unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&serde_json::to_string(record)?);
    text.push('\n');
    repo.note(signature, signature, Some(NOTES_REF), commit, &text, true)?;
    Ok(())
}

/// Returns every record in the notes ref with the commit it hangs on.
pub fn all(repo: &Repository) -> Result<Vec<(Oid, Record)>, Error> {
    let mut out = Vec::new();
    let notes = match repo.notes(Some(NOTES_REF)) {
        Ok(notes) => notes,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for pair in notes {
        let (_, commit) = pair?;
        out.extend(read(repo, commit).into_iter().map(|r| (commit, r)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_append_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig =
            Signature::new("Ada", "ada@example.com", &git2::Time::new(1_767_225_600, 0)).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let commit = repo
            .commit(None, &sig, &sig, "c", &repo.find_tree(tree).unwrap(), &[])
            .unwrap();
        assert!(read(&repo, commit).is_empty());
        let mut record = Record {
            activity: Activity::Deploy,
            outcome: Outcome::Failed,
            target: "uat".into(),
            source: "main".into(),
            at: "2026-01-01T00:00:00Z".into(),
            components: vec!["ApexClass:Foo".into()],
            errors: vec!["classes/Foo.cls:3:5 Unexpected token".into()],
            forced: false,
            result_commit: None,
        };
        append(&repo, commit, &record, &sig).unwrap();
        record.outcome = Outcome::Succeeded;
        record.errors.clear();
        append(&repo, commit, &record, &sig).unwrap();
        let records = read(&repo, commit);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].outcome, Outcome::Failed);
        assert_eq!(records[1], record);
        assert_eq!(all(&repo).unwrap().len(), 2);
    }
}
