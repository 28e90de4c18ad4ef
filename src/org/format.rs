//! The seam between the org code and format conversion: source-format files
//! (repository-relative, under a package directory) to metadata-format files
//! (zip-relative) and back, plus which component a file belongs to.
//!
//! The emulator and the client only call these functions, so that the whole
//! org module converts the same way as `crate::convert`.

use super::layout::{registry, Adapter, ComponentKey};
use super::soap::{Package, PackageTypeMembers};
use super::Error;
use std::collections::{BTreeMap, BTreeSet};

/// Relative path (`/` separators) -> file content.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Where new components go inside a package directory (`<pkg>/main/default`).
pub const DEFAULT_SUBDIR: &str = "main/default";

/// Returns the component of a source path (any package directory prefix) and
/// the length of that prefix in bytes.
pub(crate) fn locate(path: &str) -> Option<(usize, ComponentKey)> {
    let mut offset = 0;
    let mut rest = path;
    loop {
        if let Some(key) = registry().source_component(rest) {
            return Some((offset, key));
        }
        let (_, tail) = rest.split_once('/')?;
        offset = path.len() - tail.len();
        rest = tail;
    }
}

/// Returns the component a source-format file belongs to.
pub fn component_of(path: &str) -> Option<ComponentKey> {
    locate(path).map(|(_, key)| key)
}

/// Converts source files into metadata-format files and the manifest naming
/// their components.
pub fn to_mdapi(source: &Files, api_version: &str) -> Result<(Files, Package), Error> {
    let mut files = Files::new();
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, content) in source {
        let Some((offset, key)) = locate(path) else {
            return Err(Error::Input {
                message: format!("{path}: not a metadata component file"),
            });
        };
        let rel = &path[offset..];
        let mdapi = registry().source_to_mdapi_path(rel).ok_or_else(|| Error::Input {
            message: format!(
                "{path}: {} components need the source/metadata converter, which is not wired in yet",
                key.type_
            ),
        })?;
        files.insert(mdapi, content.clone());
        members.entry(key.type_).or_default().insert(key.full_name);
    }
    Ok((files, package_of(members, api_version)))
}

/// Builds a manifest from type -> members.
pub fn package_of(members: BTreeMap<String, BTreeSet<String>>, api_version: &str) -> Package {
    Package {
        types: members
            .into_iter()
            .map(|(name, members)| PackageTypeMembers {
                members: members.into_iter().collect(),
                name,
            })
            .collect(),
        version: api_version.to_string(),
    }
}

/// Converts metadata-format files into source files. A component already
/// present among `existing` (source paths) is written where it is; a new one
/// goes under `<target_package_dir>/main/default/`.
pub fn to_source(
    mdapi: &Files,
    target_package_dir: &str,
    existing: &[String],
) -> Result<Files, Error> {
    let mut roots: BTreeMap<ComponentKey, String> = BTreeMap::new();
    for path in existing {
        if let Some((offset, key)) = locate(path) {
            roots
                .entry(key)
                .or_insert_with(|| path[..offset].to_string());
        }
    }
    let default_root = if target_package_dir.is_empty() {
        format!("{DEFAULT_SUBDIR}/")
    } else {
        format!(
            "{}/{DEFAULT_SUBDIR}/",
            target_package_dir.trim_end_matches('/')
        )
    };
    let mut out = Files::new();
    for (path, content) in mdapi {
        if path == "package.xml" || path.starts_with("destructiveChanges") {
            continue;
        }
        let (key, rel) = registry()
            .mdapi_to_source_path(path)
            .ok_or_else(|| Error::Input {
                message: format!("{path}: cannot place this metadata-format file in source format"),
            })?;
        let root = roots
            .get(&key)
            .cloned()
            .unwrap_or_else(|| default_root.clone());
        out.insert(format!("{root}{rel}"), content.clone());
    }
    Ok(out)
}

/// Returns the component a metadata-format file (zip-relative) belongs to.
pub fn mdapi_component(path: &str) -> Option<ComponentKey> {
    if let Some((key, _)) = registry().mdapi_to_source_path(path) {
        return Some(key);
    }
    // A recomposed decomposed file: `objects/Account.object`.
    let (dir, file) = path.split_once('/')?;
    let t = registry()
        .types()
        .iter()
        .find(|t| t.directory_name == dir && t.adapter == Adapter::Decomposed)?;
    let name = file.strip_suffix(&format!(".{}", t.suffix.as_deref()?))?;
    Some(ComponentKey::new(&t.name, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_simple_components_under_package_dirs() {
        let mut source = Files::new();
        source.insert(
            "force-app/main/default/classes/A.cls".into(),
            b"class".to_vec(),
        );
        source.insert(
            "force-app/main/default/classes/A.cls-meta.xml".into(),
            b"<m/>".to_vec(),
        );
        source.insert(
            "other/layouts/X-Y.layout-meta.xml".into(),
            b"<Layout/>".to_vec(),
        );
        let (mdapi, package) = to_mdapi(&source, "65.0").unwrap();
        assert!(mdapi.contains_key("layouts/X-Y.layout"));
        assert_eq!(package.types.len(), 2);
        let existing: Vec<String> = source.keys().cloned().collect();
        let back = to_source(&mdapi, "force-app", &existing).unwrap();
        assert_eq!(back, source);
        let fresh = to_source(&mdapi, "force-app", &[]).unwrap();
        assert!(fresh.contains_key("force-app/main/default/layouts/X-Y.layout-meta.xml"));
        assert_eq!(
            mdapi_component("objects/Account.object"),
            Some(ComponentKey::new("CustomObject", "Account"))
        );
    }
}
