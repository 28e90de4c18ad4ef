//! The XML metadata engine: element tree, key table, semantic diff and 3-way merge.
//!
//! Salesforce rewrites, reorders and grows its XML files on every retrieve, so a
//! line merge conflicts on them constantly and sometimes merges them cleanly
//! into something wrong (a duplicated permission, a lost edit). This engine
//! reads a file into an ordered element tree that borrows the input
//! ([`tree`]), looks up what each repeated element means in one declarative
//! table ([`table`]: keyed set, ordered list, plain value), and merges or
//! compares list by list and leaf by leaf ([`merge`](fn@merge), [`diff`](fn@diff)).
//!
//! What it never does: reformat what nobody changed (untouched regions are
//! copied byte for byte), collapse duplicate keys (a list whose keys are not
//! unique is merged by position), or return a clean result it has not re-read
//! (the safety net re-parses it and checks that no key was lost). When it
//! cannot merge semantically it returns [`Error`], and the merge driver falls
//! back to git's line merge.

mod diff;
mod hash;
mod list;
mod merge;
mod seq;
pub mod table;
pub mod tree;

use crate::merge::text::{has_conflict_markers, MergeOptions, Merged};
use crate::semantic::Change;

/// Why a file could not be merged or compared semantically.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Malformed(Box<MalformedXml>),
    #[error("{side} is not valid UTF-8 (first bad byte at offset {offset})")]
    #[diagnostic(
        code(sfsync::xml::encoding),
        help("Salesforce metadata is UTF-8; re-save the file as UTF-8")
    )]
    NotUtf8 { side: &'static str, offset: usize },
    #[error("{side} declares encoding {encoding}; only UTF-8 is understood")]
    #[diagnostic(
        code(sfsync::xml::encoding),
        help("Salesforce metadata is UTF-8; re-save the file as UTF-8")
    )]
    Encoding {
        side: &'static str,
        encoding: String,
    },
    #[error("{side} is larger than 4 GiB")]
    #[diagnostic(code(sfsync::xml::too_large))]
    TooLarge { side: &'static str },
    #[error("{side} already contains conflict markers")]
    #[diagnostic(
        code(sfsync::xml::conflict_markers),
        help("resolve the earlier conflict in this file first")
    )]
    ConflictMarkers { side: &'static str },
    #[error("{side} has root element <{found}> where ours has <{expected}>")]
    #[diagnostic(
        code(sfsync::xml::root_mismatch),
        help("the versions are different metadata types; resolve the file by hand")
    )]
    RootMismatch {
        side: &'static str,
        expected: String,
        found: String,
    },
    #[error("cannot merge semantically: {reason}")]
    #[diagnostic(code(sfsync::xml::unmergeable))]
    Unmergeable { reason: String },
    #[error("the semantic merge failed its safety check: {reason}")]
    #[diagnostic(
        code(sfsync::xml::safety_net),
        help("this is a bug in git-sfsync's XML merge; please report it with the three versions")
    )]
    SafetyNet { reason: String },
}

/// Where and why a version is not well-formed XML.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{side} is not well-formed XML at line {line}, column {column}: {message}")]
#[diagnostic(
    code(sfsync::xml::malformed),
    help("fix the XML in this version; until then the file is merged line by line")
)]
pub struct MalformedXml {
    pub side: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[source_code]
    pub src: miette::NamedSource<String>,
    #[label("here")]
    pub span: miette::SourceSpan,
}

impl Error {
    fn malformed(side: &'static str, src: &str, at: usize, message: String) -> Error {
        let at = at.min(src.len());
        let before = &src.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Error::Malformed(Box::new(MalformedXml {
            side,
            line,
            column,
            message,
            src: miette::NamedSource::new(side, src.to_string()),
            span: (at, 0).into(),
        }))
    }
}

/// Merges three versions of one XML metadata file.
///
/// Returns `Err` when the file cannot be merged semantically (not well-formed,
/// not UTF-8, already holding conflict markers, or the result failed the safety
/// net); the caller then merges it line by line.
pub fn merge(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    options: &MergeOptions,
) -> Result<Merged, Error> {
    for (side, bytes) in [("base", base), ("ours", ours), ("theirs", theirs)] {
        if has_conflict_markers(bytes, options.marker_size) {
            return Err(Error::ConflictMarkers { side });
        }
    }
    let clean = |content: &[u8]| Merged {
        content: content.to_vec(),
        conflicts: 0,
    };
    if ours == theirs || base == theirs {
        return Ok(clean(ours));
    }
    if base == ours {
        return Ok(clean(theirs));
    }
    merge_parsed(base, ours, theirs, options)
}

/// Merges like [`merge`](fn@merge) but always parses and walks the three
/// versions, even where one side is unchanged; the property tests use it to
/// check the engine itself rather than the shortcuts in front of it.
#[doc(hidden)]
pub fn merge_parsed(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    options: &MergeOptions,
) -> Result<Merged, Error> {
    let base = tree::Tree::parse(base, "base")?;
    let ours = tree::Tree::parse(ours, "ours")?;
    let theirs = tree::Tree::parse(theirs, "theirs")?;
    let (content, conflicts) = merge::merge_trees(&base, &ours, &theirs, options)?;
    Ok(Merged {
        content: content.into_bytes(),
        conflicts,
    })
}

/// Lists the semantic changes from `old` to `new`, named by path
/// (`fieldPermissions[Account.Industry].editable: true -> false`).
pub fn diff(old: &[u8], new: &[u8]) -> Result<Vec<Change>, Error> {
    let old = tree::Tree::parse(old, "old")?;
    let new = tree::Tree::parse(new, "new")?;
    Ok(diff::diff_trees(&old, &new))
}
