//! Git's line merge, in-process.
//!
//! Used twice: as the fallback when a file cannot be merged semantically (it must
//! then behave exactly like `git merge-file`, which is why we use gitoxide's
//! builtin text driver, tested against git's own output), and by the engines to
//! merge the inside of one unit (one method body, one XML leaf) when both sides
//! changed it.

use gix_merge::blob::builtin_driver::text::{Conflict, ConflictStyle as GixStyle, Labels};
use gix_merge::blob::Resolution;

/// How conflicts are drawn, from git's `merge.conflictStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictStyle {
    /// Ours and theirs only (git's default, `merge`).
    #[default]
    Merge,
    /// Ours, base and theirs (`diff3`).
    Diff3,
    /// Like diff3 with common lines moved out of the conflict (`zdiff3`).
    ZealousDiff3,
}

impl ConflictStyle {
    /// Reads a `merge.conflictStyle` value; unknown values fall back to `merge` as git does.
    pub fn from_git_config(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "diff3" => ConflictStyle::Diff3,
            "zdiff3" => ConflictStyle::ZealousDiff3,
            _ => ConflictStyle::Merge,
        }
    }

    /// Returns true when conflicts show the base section.
    pub fn shows_base(self) -> bool {
        !matches!(self, ConflictStyle::Merge)
    }
}

/// Everything that decides how a merge result is written, shared by every engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOptions {
    pub style: ConflictStyle,
    /// Length of conflict markers (git passes it as `%L`; default 7).
    pub marker_size: usize,
    /// Label after `<<<<<<<`.
    pub ours_label: String,
    /// Label after `|||||||`.
    pub base_label: String,
    /// Label after `>>>>>>>`.
    pub theirs_label: String,
}

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            style: ConflictStyle::Merge,
            marker_size: 7,
            ours_label: "ours".into(),
            base_label: "base".into(),
            theirs_label: "theirs".into(),
        }
    }
}

impl MergeOptions {
    /// Returns the labels a conflict inside `unit` of the file at `path` carries,
    /// e.g. `ours:force-app/.../Admin.profile-meta.xml fieldPermissions[Account.Industry]`.
    pub fn labels_for_unit(&self, unit: &str) -> MergeOptions {
        let with = |label: &str| {
            if unit.is_empty() {
                label.to_string()
            } else {
                format!("{label} {unit}")
            }
        };
        MergeOptions {
            style: self.style,
            marker_size: self.marker_size,
            ours_label: with(&self.ours_label),
            base_label: with(&self.base_label),
            theirs_label: with(&self.theirs_label),
        }
    }

    /// Returns the marker line prefix for `c` (`<`, `|`, `=`, `>`).
    pub fn marker(&self, c: char) -> String {
        std::iter::repeat_n(c, self.marker_size).collect()
    }
}

/// The result of a merge: the merged bytes and how many conflicts they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub content: Vec<u8>,
    /// Number of conflict regions written into `content`; 0 means clean.
    pub conflicts: usize,
}

impl Merged {
    pub fn is_clean(&self) -> bool {
        self.conflicts == 0
    }
}

/// Merges three texts line by line exactly as `git merge-file` does.
pub fn merge(base: &[u8], ours: &[u8], theirs: &[u8], options: &MergeOptions) -> Merged {
    let mut input = imara_diff::InternedInput::default();
    let mut out = Vec::with_capacity(ours.len().max(theirs.len()));
    let style = match options.style {
        ConflictStyle::Merge => GixStyle::Merge,
        ConflictStyle::Diff3 => GixStyle::Diff3,
        ConflictStyle::ZealousDiff3 => GixStyle::ZealousDiff3,
    };
    let marker_size = u8::try_from(options.marker_size.clamp(1, 255))
        .ok()
        .and_then(std::num::NonZeroU8::new)
        .expect("clamped to 1..=255");
    let labels = Labels {
        ancestor: Some(options.base_label.as_str().into()),
        current: Some(options.ours_label.as_str().into()),
        other: Some(options.theirs_label.as_str().into()),
    };
    let resolution = gix_merge::blob::builtin_driver::text(
        &mut out,
        &mut input,
        labels,
        ours,
        base,
        theirs,
        gix_merge::blob::builtin_driver::text::Options {
            conflict: Conflict::Keep { style, marker_size },
            ..Default::default()
        },
    );
    let conflicts = match resolution {
        Resolution::Conflict => count_conflicts(&out, options.marker_size).max(1),
        Resolution::Complete | Resolution::CompleteWithAutoResolvedConflict => 0,
    };
    Merged {
        content: out,
        conflicts,
    }
}

/// Counts conflict regions (opening markers of exactly `marker_size` `<`) in `text`.
pub fn count_conflicts(text: &[u8], marker_size: usize) -> usize {
    text.split(|&b| b == b'\n')
        .filter(|line| is_marker_line(line, b'<', marker_size))
        .count()
}

/// Returns true when `text` already holds conflict markers of the given size,
/// which means a semantic engine must not try to understand it.
pub fn has_conflict_markers(text: &[u8], marker_size: usize) -> bool {
    let mut opening = false;
    for line in text.split(|&b| b == b'\n') {
        if is_marker_line(line, b'<', marker_size) {
            opening = true;
        } else if opening && is_marker_line(line, b'>', marker_size) {
            return true;
        }
    }
    false
}

fn is_marker_line(line: &[u8], c: u8, size: usize) -> bool {
    line.len() >= size
        && line[..size].iter().all(|&b| b == c)
        && matches!(line.get(size), None | Some(b' ') | Some(b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_merge_takes_both_sides() {
        let merged = merge(
            b"a\nb\nc\n",
            b"A\nb\nc\n",
            b"a\nb\nC\n",
            &MergeOptions::default(),
        );
        assert_eq!(merged.content, b"A\nb\nC\n");
        assert!(merged.is_clean());
    }

    #[test]
    fn conflict_is_marked_with_labels_and_counted() {
        let options = MergeOptions {
            style: ConflictStyle::Diff3,
            ..MergeOptions::default()
        };
        let merged = merge(b"x\n", b"ours\n", b"theirs\n", &options);
        assert_eq!(merged.conflicts, 1);
        let text = String::from_utf8(merged.content).unwrap();
        assert_eq!(
            text,
            "<<<<<<< ours\nours\n||||||| base\nx\n=======\ntheirs\n>>>>>>> theirs\n"
        );
        assert!(has_conflict_markers(text.as_bytes(), 7));
    }

    #[test]
    fn marker_detection_needs_exact_size() {
        assert!(!has_conflict_markers(b"<<<<<<<< long\n>>>>>>>> x\n", 7));
        assert!(!has_conflict_markers(b"a <<<<<<< b\n", 7));
    }
}
