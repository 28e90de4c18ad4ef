//! An org's activity, read back from Git: the commits on its org branch
//! (snapshots, deployments, promotions, told apart by their `Sfsync-Kind`
//! trailer) and the records in `refs/notes/sfsync` that target it (which also
//! holds failures, which never reach the branch).

use super::commit::trailers;
use super::notes::{self, Activity, Outcome};
use git2::{Oid, Repository};
use serde::Serialize;

/// Trailer naming the kind of a commit git-sfsync wrote.
pub const TRAILER_KIND: &str = "Sfsync-Kind";
/// Trailer naming the org a commit records.
pub const TRAILER_ORG: &str = "Sfsync-Org";

/// One line of `git sfsync log <alias>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// `snapshot`, `deploy`, `promotion`, `back_promotion`, `validation`, or `commit`
    /// for commits git-sfsync did not write.
    pub kind: String,
    /// `succeeded`, `failed` or `blocked`; commits on the branch are successes.
    pub outcome: String,
    /// Seconds since the epoch, for ordering.
    #[serde(skip)]
    pub time: i64,
    /// RFC 3339.
    pub at: String,
    pub commit: Option<String>,
    pub author: Option<String>,
    /// The commit subject (a semantic summary) or the record's source.
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Returns the activity of the org recorded on `branch`, newest first, at most `limit` entries.
pub fn org_log(
    repo: &Repository,
    alias: &str,
    branch: &str,
    limit: usize,
) -> Result<Vec<Entry>, git2::Error> {
    let mut entries = Vec::new();
    if let Ok(reference) = repo.find_reference(&format!("refs/heads/{branch}")) {
        let mut walk = repo.revwalk()?;
        walk.push(reference.peel_to_commit()?.id())?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        for oid in walk.take(limit) {
            let commit = repo.find_commit(oid?)?;
            let message = commit.message().unwrap_or_default().to_string();
            let kind = trailers(&message)
                .into_iter()
                .find(|(k, _)| k == TRAILER_KIND)
                .map_or_else(|| "commit".to_string(), |(_, v)| v);
            let time = commit.time().seconds();
            entries.push(Entry {
                kind,
                outcome: "succeeded".into(),
                time,
                at: rfc3339(time),
                commit: Some(oid_short(commit.id())),
                author: commit.author().name().ok().map(str::to_string),
                summary: message.lines().next().unwrap_or_default().to_string(),
                errors: Vec::new(),
            });
        }
    }
    // Records of activity that did not end in a commit on the branch (failures,
    // blocked promotions) would otherwise be invisible.
    for (source_commit, record) in notes::all(repo).map_err(|e| match e {
        notes::Error::Git(g) => g,
        notes::Error::Encode(e) => git2::Error::from_str(&e.to_string()),
    })? {
        if record.target != alias
            || record.outcome == Outcome::Succeeded && record.activity != Activity::Validation
        {
            continue;
        }
        let time = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", &record.at)
            .or_else(|_| record.at.parse::<jiff::Timestamp>())
            .map(|t| t.as_second())
            .unwrap_or_default();
        entries.push(Entry {
            kind: serde_json::to_value(record.activity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            outcome: serde_json::to_value(record.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            time,
            at: record.at.clone(),
            commit: Some(oid_short(source_commit)),
            author: None,
            summary: format!(
                "from {}{}",
                record.source,
                components_suffix(&record.components)
            ),
            errors: record.errors.clone(),
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.time));
    entries.truncate(limit);
    Ok(entries)
}

fn components_suffix(components: &[String]) -> String {
    match components.len() {
        0 => String::new(),
        1..=3 => format!(": {}", components.join(", ")),
        n => format!(": {}, ... ({n} components)", components[..3].join(", ")),
    }
}

fn oid_short(oid: Oid) -> String {
    oid.to_string()[..10].to_string()
}

/// Formats seconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
