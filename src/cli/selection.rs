//! The selection flags every command that acts on components takes:
//! `--component TYPE:NAME` (repeatable, `*` wildcards), `--manifest package.xml`
//! and `-- <paths>`, defined once so that they read the same everywhere.

use super::{CommandError, ExitKind};
use sfsync::selection::Selection;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectionArgs {
    /// Only components matching TYPE:NAME, `*` wildcards allowed (can be repeated)
    #[arg(long = "component", value_name = "TYPE:NAME")]
    pub components: Vec<String>,
    /// Only the components listed in this package.xml
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Only these files or folders (repository-relative)
    #[arg(last = true, value_name = "PATH")]
    pub paths: Vec<String>,
}

impl SelectionArgs {
    /// Builds the selection, reading the manifest file when one is given.
    pub fn selection(&self) -> Result<Selection, CommandError> {
        let manifest_text = match &self.manifest {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                CommandError::input(
                    format!("cannot read {}: {e}", path.display()),
                    "pass an existing package.xml",
                )
            })?),
            None => None,
        };
        let manifest_name = self
            .manifest
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned());
        let manifest = manifest_name.as_deref().zip(manifest_text.as_deref());
        Selection::new(&self.components, &self.paths, manifest)
            .map_err(|e| CommandError::new(ExitKind::Input, e))
    }
}

/// Returns true when `selection` selects the project file at `path`.
pub fn selects_path(selection: &Selection, path: &str) -> bool {
    let (component, _) = sfsync::metadata::component::resolve_source_path(path);
    selection.selects(&component, path)
}
