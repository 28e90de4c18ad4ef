//! The seam between the org code and format conversion: source-format files
//! (repository-relative, under a package directory) to metadata-format files
//! (zip-relative) and back, plus which component a file belongs to.
//!
//! The emulator and the client only call these functions, so that the whole
//! org module converts the same way as `crate::convert`.

use super::layout::{registry, ComponentKey};
use super::soap::{Package, PackageTypeMembers};
use super::Error;
use crate::convert;
use crate::metadata::{resolve_source_path, Component, MetadataType, Registry};
use std::collections::{BTreeMap, BTreeSet};

/// Relative path (`/` separators) -> file content.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Where new components go inside a package directory (`<pkg>/main/default`).
pub const DEFAULT_SUBDIR: &str = "main/default";

fn key_of(component: &Component) -> Option<ComponentKey> {
    match component.kind {
        MetadataType::Known(def) => Some(ComponentKey::new(&def.name, &component.full_name)),
        MetadataType::Unknown => None,
    }
}

/// Returns the component a source-format file belongs to (a decomposed
/// child's file belongs to the child: `CustomField:Account.Industry`).
pub fn component_of(path: &str) -> Option<ComponentKey> {
    key_of(&resolve_source_path(path).0)
}

/// Returns the parent of a child component (`CustomField:A.F` -> `CustomObject:A`).
pub fn parent_of(key: &ComponentKey) -> Option<ComponentKey> {
    let kind = MetadataType::from_name(&key.type_)?;
    key_of(&Component::new(kind, key.full_name.clone()).parent()?)
}

fn convert_error(error: crate::convert::Error) -> Error {
    Error::Input {
        message: error.to_string(),
    }
}

/// Converts source files into metadata-format files and the manifest naming
/// their components. Files of no known type are left out.
pub fn to_mdapi(source: &Files, api_version: &str) -> Result<(Files, Package), Error> {
    let package =
        convert::source_to_mdapi(Registry::get(), source, api_version).map_err(convert_error)?;
    let manifest = Package {
        types: package
            .manifest
            .types
            .into_iter()
            .map(|(name, members)| PackageTypeMembers {
                members: members.into_iter().collect(),
                name,
            })
            .collect(),
        version: package.manifest.version,
    };
    Ok((package.files, manifest))
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
    convert::mdapi_to_source(Registry::get(), mdapi, target_package_dir, existing)
        .map_err(convert_error)
}

/// Returns the component a metadata-format file (zip-relative) most likely
/// belongs to, to attribute a problem found before conversion.
pub fn mdapi_component(path: &str) -> Option<ComponentKey> {
    if let Some((key, _)) = registry().mdapi_to_source_path(path) {
        return Some(key);
    }
    let (dir, rest) = path.split_once('/')?;
    let file = rest.rsplit('/').next()?;
    let stem = file.strip_suffix("-meta.xml").unwrap_or(file);
    let stem = stem.split('.').next().filter(|s| !s.is_empty())?;
    let t = registry()
        .types()
        .iter()
        .find(|t| t.directory_name == dir && !t.in_folder && t.folder_content_type.is_none())
        .or_else(|| registry().types().iter().find(|t| t.directory_name == dir))?;
    Some(ComponentKey::new(&t.name, stem))
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
