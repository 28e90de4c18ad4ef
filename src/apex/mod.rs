//! The Apex engine: structure, semantic diff and 3-way merge of `.cls` and `.trigger` files.
//!
//! Line merges conflict when two developers add methods at the same place, and
//! line diffs report code that only moved. This engine parses each version with
//! tree-sitter (`tree-sitter-sfapex`) into its top-level declaration and the
//! ordered members of every body, each with a stable, case-insensitive identity
//! (a method by name and parameter types, a field by its names, an inner class
//! by name, an initializer by its ordinal). The merge then works member by
//! member and the diff names changes by member.
//!
//! The model is a set of byte ranges over the original text ([`model`]), so the
//! merge only ever copies bytes some side wrote: untouched regions come out
//! byte for byte, and inside a member both sides changed, git's own line merge
//! ([`crate::merge::text`]) decides. Whatever the engine cannot understand
//! (parse errors, conflict markers, invalid UTF-8, duplicate members) is an
//! [`Error`], and the driver merges that file line by line instead.

mod diff;
mod merge;
mod model;
mod reduce;

pub use diff::{diff, DiffOptions};
pub use merge::merge;

/// Why a file cannot be merged or compared by structure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// One side is not UTF-8, so it cannot be Apex.
    #[error("{side} is not valid UTF-8 (first bad byte at offset {offset})")]
    #[diagnostic(
        code(sfsync::apex::not_utf8),
        help("Apex sources are UTF-8: re-save the file as UTF-8, or merge it line by line")
    )]
    NotUtf8 { side: &'static str, offset: usize },

    /// One side does not parse cleanly.
    #[error("{side} does not parse as Apex at line {line}, column {column}: {message}")]
    #[diagnostic(
        code(sfsync::apex::parse),
        help("fix the syntax error (the org would reject it too); until then the file is merged line by line")
    )]
    Parse {
        side: &'static str,
        line: usize,
        column: usize,
        message: String,
        #[source_code]
        source_code: std::sync::Arc<miette::NamedSource<String>>,
        #[label("here")]
        span: miette::SourceSpan,
    },

    /// One side already holds conflict markers from an earlier merge.
    #[error("{side} already contains conflict markers")]
    #[diagnostic(
        code(sfsync::apex::conflict_markers),
        help("resolve the earlier conflict first (`git diff --name-only --diff-filter=U` lists them)")
    )]
    ConflictMarkers { side: &'static str },

    /// The file parses but its shape is outside what the engine models
    /// (no declaration, two top-level declarations, a member declared twice).
    #[error("{side}: {message}")]
    #[diagnostic(
        code(sfsync::apex::structure),
        help("the file is merged line by line; `SFSYNC_MERGE=0` turns the semantic merge off entirely")
    )]
    Structure { side: &'static str, message: String },

    /// The two or three versions declare different top-level types (a class
    /// renamed, a class turned into an interface).
    #[error(
        "the top-level declarations differ: {base} in base, {ours} in ours, {theirs} in theirs"
    )]
    #[diagnostic(
        code(sfsync::apex::renamed),
        help("a renamed or re-declared type is merged line by line; check the result by hand")
    )]
    TopLevelMismatch {
        base: String,
        ours: String,
        theirs: String,
    },

    /// The merged text failed the safety net (it does not parse, or a member
    /// one side kept is missing); the line merge is safer.
    #[error("the semantic merge result was rejected by the safety net: {reason}")]
    #[diagnostic(
        code(sfsync::apex::unsafe_result),
        help(
            "the file is merged line by line instead; please report this with the three versions"
        )
    )]
    Unsafe { reason: String },
}
