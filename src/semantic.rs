//! The vocabulary shared by the semantic diff engines.
//!
//! The Apex and XML engines each understand their own files, but everything
//! above them (the `diff` command, snapshot messages, promotion plans, the
//! pre-push hook) only needs to know *which unit changed and how*. This module
//! is that common currency: a [`Change`] names one unit (a method, a permission
//! entry, a label) and says what happened to it, already worded for a person in
//! [`Change::summary`] and structured for scripts in the other fields.

use serde::Serialize;
use std::fmt;

/// What happened to one unit of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The unit exists only on the new side.
    Added,
    /// The unit exists only on the old side.
    Removed,
    /// The unit exists on both sides with different meaning.
    Modified,
    /// The order of an ordered list changed (for example picklist values): order
    /// is meaning there, so this is a real difference.
    Reordered,
    /// Only comments differ; reported so that reviewers see it, ignorable with
    /// `--ignore-comments`.
    CommentOnly,
}

impl ChangeKind {
    /// Returns true when the change alters what the org would run or store.
    pub fn is_semantic(self) -> bool {
        !matches!(self, ChangeKind::CommentOnly)
    }
}

/// One semantic difference between two versions of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The unit that changed, as its engine names it: `method calculate(Decimal, Integer)`,
    /// `fieldPermissions[Account.Industry].editable`, `labels[Invoice_Paid]`.
    #[serde(rename = "member")]
    pub unit: String,
    #[serde(rename = "change")]
    pub kind: ChangeKind,
    /// The old value of a leaf, when the unit is a single value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value of a leaf, when the unit is a single value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The full human sentence: `method calculate(Decimal, Integer) body changed`,
    /// `fieldPermissions[Account.Industry].editable: true -> false`.
    pub summary: String,
}

impl Change {
    /// Builds a change whose summary is `<unit> added`.
    pub fn added(unit: impl Into<String>) -> Self {
        let unit = unit.into();
        let summary = format!("{unit} added");
        Change {
            unit,
            kind: ChangeKind::Added,
            old: None,
            new: None,
            summary,
        }
    }

    /// Builds a change whose summary is `<unit> removed`.
    pub fn removed(unit: impl Into<String>) -> Self {
        let unit = unit.into();
        let summary = format!("{unit} removed");
        Change {
            unit,
            kind: ChangeKind::Removed,
            old: None,
            new: None,
            summary,
        }
    }

    /// Builds a leaf change whose summary is `<unit>: <old> -> <new>`.
    pub fn value(unit: impl Into<String>, old: impl Into<String>, new: impl Into<String>) -> Self {
        let (unit, old, new) = (unit.into(), old.into(), new.into());
        let summary = format!("{unit}: {old} -> {new}");
        Change {
            unit,
            kind: ChangeKind::Modified,
            old: Some(old),
            new: Some(new),
            summary,
        }
    }

    /// Builds a change with a summary written by the engine, for wording the
    /// constructors above do not cover (`class header changed (implements
    /// Schedulable added)`, `valueSet values reordered: Gold, Silver, Bronze`).
    pub fn worded(unit: impl Into<String>, kind: ChangeKind, summary: impl Into<String>) -> Self {
        Change {
            unit: unit.into(),
            kind,
            old: None,
            new: None,
            summary: summary.into(),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_as_sentences() {
        assert_eq!(
            Change::value(
                "fieldPermissions[Account.Industry].editable",
                "true",
                "false"
            )
            .to_string(),
            "fieldPermissions[Account.Industry].editable: true -> false"
        );
        assert_eq!(
            Change::added("labels[Invoice_Paid]").to_string(),
            "labels[Invoice_Paid] added"
        );
        assert_eq!(
            Change::removed("inner class Builder").to_string(),
            "inner class Builder removed"
        );
    }

    #[test]
    fn json_uses_member_and_change_keys() {
        let json = serde_json::to_value(Change::added("field MAX_RETRIES")).unwrap();
        assert_eq!(json["member"], "field MAX_RETRIES");
        assert_eq!(json["change"], "added");
        assert!(json.get("old").is_none());
    }
}
