//! The merge driver's core: which engine merges a file, and what happens when it
//! cannot.
//!
//! Git calls `git sfsync merge-driver %O %A %B %P` once per file in every merge,
//! rebase and cherry-pick. This module decides, from the path alone, whether the
//! Apex engine, the XML engine or git's line merge handles the file, and keeps
//! the fallback promise: a file the engines cannot understand is merged exactly
//! as `git merge-file` would merge it, never dropped or left half written.

pub mod text;

use std::path::Path;

pub use text::{ConflictStyle, MergeOptions, Merged};

/// Environment variable that turns the semantic merge off (`SFSYNC_MERGE=0`):
/// every file is then merged exactly as `git merge-file` would.
pub const ENV_SEMANTIC_MERGE: &str = "SFSYNC_MERGE";

/// Which engine merges a file, decided from its real path (`%P`), since the
/// other arguments git passes are temporary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Apex classes and triggers, merged member by member.
    Apex,
    /// XML metadata, merged element by element with the key table.
    Xml,
    /// Anything else: git's line merge.
    Text,
}

impl Engine {
    /// Picks the engine for a path inside the repository.
    pub fn for_path(path: &Path) -> Engine {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".cls") || name.ends_with(".trigger") {
            Engine::Apex
        } else if is_xml_metadata(name) {
            Engine::Xml
        } else {
            Engine::Text
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Apex => "apex",
            Engine::Xml => "xml",
            Engine::Text => "text",
        }
    }
}

/// Returns true for source-format sidecars (`*-meta.xml`) and metadata-format
/// XML files (`.object`, `.labels`, `.profile`, `package.xml`, ...).
pub fn is_xml_metadata(file_name: &str) -> bool {
    const METADATA_FORMAT_SUFFIXES: &[&str] = &[
        ".xml",
        ".object",
        ".labels",
        ".profile",
        ".permissionset",
        ".layout",
        ".flow",
        ".workflow",
        ".sharingRules",
        ".globalValueSet",
        ".standardValueSet",
        ".translation",
        ".objectTranslation",
        ".field",
        ".app",
        ".tab",
        ".flexipage",
        ".md",
        ".quickAction",
    ];
    METADATA_FORMAT_SUFFIXES
        .iter()
        .any(|suffix| file_name.ends_with(suffix))
}

/// The driver's answer for one file.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub merged: Merged,
    /// The engine that produced `merged`.
    pub engine: Engine,
    /// Why the semantic engine was not used, when it was not (printed as a
    /// one-line warning by the driver).
    pub fallback_reason: Option<String>,
}

/// Merges one file: semantically where an engine understands it, otherwise
/// exactly as `git merge-file` would.
pub fn merge_file(
    path: &Path,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    options: &MergeOptions,
    semantic: bool,
) -> Outcome {
    let engine = if semantic {
        Engine::for_path(path)
    } else {
        Engine::Text
    };
    // A file only one side changed is exactly the other side: no engine can do
    // better, and this is the hot path in large merges.
    if ours == base || theirs == base || ours == theirs {
        let content = if ours == base { theirs } else { ours };
        return Outcome {
            merged: Merged {
                content: content.to_vec(),
                conflicts: 0,
            },
            engine,
            fallback_reason: None,
        };
    }
    let semantic_result: Option<Result<Merged, String>> = match engine {
        Engine::Xml => {
            Some(crate::xml::merge(base, ours, theirs, options).map_err(|e| e.to_string()))
        }
        Engine::Apex | Engine::Text => None,
    };
    match semantic_result {
        Some(Ok(merged)) => Outcome {
            merged,
            engine,
            fallback_reason: None,
        },
        Some(Err(reason)) => Outcome {
            merged: text::merge(base, ours, theirs, options),
            engine: Engine::Text,
            fallback_reason: Some(reason),
        },
        None => Outcome {
            merged: text::merge(base, ours, theirs, options),
            engine,
            fallback_reason: None,
        },
    }
}
