//! The Salesforce metadata model: which files of a project make up which component.
//!
//! Three layers, each usable alone:
//! - [`registry`]: the Salesforce CLI's metadata type table (`Registry::get()`),
//!   embedded and parsed once; every type-specific fact comes from it.
//! - [`component`]: `Component { kind, full_name }` and the mapping from a
//!   source-format path to its component and role (`resolve_source_path`), and
//!   back: `resolve_source_paths` groups files into components.
//! - [`project`]: `sfdx-project.json` and `.forceignore`, which decide which
//!   files of a repository are project source (`Project::components`).
//!
//! Nothing here touches git or the network: callers hand in paths and bytes,
//! so the working tree, a git tree and an org's retrieve all go through the
//! same code.

pub mod component;
pub mod project;
pub mod registry;

pub use component::{
    find_component, resolve_source_path, resolve_source_paths, Component, FileRole, MetadataType,
    SourceComponent, SourceFile,
};
pub use project::{PackageDir, Project, FORCEIGNORE_FILE, PROJECT_FILE};
pub use registry::{Adapter, Registry, Transformer, TypeDef, METADATA_NS};

use std::path::PathBuf;

/// Why a project could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("no sfdx-project.json in {} or any parent directory", dir.display())]
    #[diagnostic(
        code(sfsync::metadata::no_project),
        help("run git-sfsync in the root of a Salesforce DX project, or create sfdx-project.json there (`sf project generate`, or a file with {{\"packageDirectories\": [{{\"path\": \"force-app\", \"default\": true}}]}})")
    )]
    NoProject { dir: PathBuf },

    #[error("{} is not valid JSON: {source}", path.display())]
    #[diagnostic(
        code(sfsync::metadata::bad_project_file),
        help(
            "fix the JSON syntax; packageDirectories must be a list of {{\"path\": ...}} objects"
        )
    )]
    BadProjectFile {
        path: PathBuf,
        source: serde_json::Error,
    },

    #[error("{} lists no packageDirectories", path.display())]
    #[diagnostic(
        code(sfsync::metadata::no_package_directories),
        help("add at least one entry, e.g. \"packageDirectories\": [{{\"path\": \"force-app\", \"default\": true}}]")
    )]
    NoPackageDirectories { path: PathBuf },

    #[error("{} cannot be used: {message}", path.display())]
    #[diagnostic(
        code(sfsync::metadata::bad_forceignore),
        help("fix the pattern; .forceignore uses gitignore syntax")
    )]
    BadForceignore { path: PathBuf, message: String },

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(sfsync::metadata::io))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}
