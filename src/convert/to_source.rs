//! Metadata API format -> source format.

use super::xmlfile::{self, document, inner_lines, reindent};
use super::{staticresource, Error, Files};
use crate::metadata::{
    resolve_source_paths, Adapter, Component, MetadataType, Registry, Transformer, TypeDef,
};
use std::collections::BTreeMap;

/// What one metadata-format file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MdRole {
    /// The type's own file (`Foo.cls`, `Account.object`, `X.resource`, `logo.png`).
    Main,
    /// A `-meta.xml` sidecar (`Foo.cls-meta.xml`, `logo.png-meta.xml`).
    Meta,
    /// A folder's `F-meta.xml`.
    Folder,
    /// A file inside a bundle directory.
    BundleFile,
}

struct MdFile {
    def: &'static TypeDef,
    name: String,
    role: MdRole,
}

/// A static resource's type, meta XML and `.resource` (path, bytes), gathered from the zip.
type ResourceParts<'a> = (
    &'static TypeDef,
    Option<&'a [u8]>,
    Option<(&'a str, &'a [u8])>,
);

/// A converted file before it is placed in a package directory.
struct Output {
    component: Component,
    /// Path from the type directory on (`classes/Foo.cls`).
    rel: String,
    bytes: Vec<u8>,
}

/// Converts metadata-format files into source files with repo-relative paths.
///
/// `package.xml` and `destructiveChanges*.xml` are skipped; a file no type
/// claims is kept as is under the default directory. A component (or the
/// parent of a child) already among `existing` is written where it is;
/// anything new goes to `<target_package_dir>/main/default/`.
pub fn mdapi_to_source(
    registry: &'static Registry,
    mdapi: &Files,
    target_package_dir: &str,
    existing: &[String],
) -> Result<Files, Error> {
    let existing_components: BTreeMap<Component, Vec<String>> = resolve_source_paths(existing)
        .into_iter()
        .map(|sc| (sc.component, sc.files.into_iter().map(|f| f.path).collect()))
        .collect();
    let prefix = archive_prefix(mdapi);
    let mut outputs: Vec<Output> = Vec::new();
    let mut resources: BTreeMap<String, ResourceParts> = BTreeMap::new();
    for (path, bytes) in mdapi {
        let Some(path) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        if path == "package.xml" || (path.starts_with("destructiveChanges") && !path.contains('/'))
        {
            continue;
        }
        let Some(file) = resolve_mdapi_path(registry, path) else {
            outputs.push(Output {
                component: Component::new(MetadataType::Unknown, path),
                rel: path.to_string(),
                bytes: bytes.clone(),
            });
            continue;
        };
        let def = file.def;
        let component = Component::new(MetadataType::Known(def), file.name.clone());
        let dir = &def.directory_name;
        let suffix = def.suffix.as_deref().unwrap_or_default();
        match (file.role, def.adapter(), def.transformer()) {
            (_, _, Transformer::StaticResource) => {
                let entry = resources
                    .entry(file.name.clone())
                    .or_insert((def, None, None));
                match file.role {
                    MdRole::Meta => entry.1 = Some(bytes),
                    _ => entry.2 = Some((path, bytes)),
                }
            }
            (MdRole::Main, Adapter::Decomposed, _) => {
                let parent_exists = existing_components.contains_key(&component);
                outputs.extend(decompose(def, &file.name, path, bytes, parent_exists)?);
            }
            (MdRole::Folder, _, _) => outputs.push(Output {
                rel: format!("{dir}/{}.{suffix}-meta.xml", file.name),
                component,
                bytes: bytes.clone(),
            }),
            (MdRole::Meta, Adapter::MixedContent, _) if def.in_folder => outputs.push(Output {
                rel: format!("{dir}/{}.{suffix}-meta.xml", file.name),
                component,
                bytes: bytes.clone(),
            }),
            (MdRole::Main, Adapter::Default, _) if def.suffix.is_some() => outputs.push(Output {
                rel: format!("{path}-meta.xml"),
                component,
                bytes: bytes.clone(),
            }),
            _ => outputs.push(Output {
                rel: path.to_string(),
                component,
                bytes: bytes.clone(),
            }),
        }
    }
    for (name, (def, meta, content)) in resources {
        outputs.extend(static_resource(
            def,
            &name,
            meta,
            content,
            &existing_components,
        )?);
    }
    let default_root = format!("{}/main/default", target_package_dir.trim_end_matches('/'));
    let mut files = Files::new();
    for output in outputs {
        let path = place(&output, &existing_components, &default_root);
        files.insert(path, output.bytes);
    }
    Ok(files)
}

/// Returns the folder a retrieve zip wraps everything in (`unpackaged/`), or "".
fn archive_prefix(mdapi: &Files) -> String {
    if mdapi.contains_key("package.xml") {
        return String::new();
    }
    mdapi
        .keys()
        .find_map(|p| {
            let (first, rest) = p.split_once('/')?;
            (rest == "package.xml").then(|| format!("{first}/"))
        })
        .unwrap_or_default()
}

/// Resolves a metadata-format path (`classes/Foo.cls`) to its type, name and role.
fn resolve_mdapi_path(registry: &'static Registry, path: &str) -> Option<MdFile> {
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() < 2 {
        return None;
    }
    let dir = segments[0];
    let file = *segments.last()?;
    let candidates: Vec<&'static TypeDef> = registry.types_in_directory(dir).collect();
    if candidates.is_empty() {
        return None;
    }
    let found = |def: &'static TypeDef, name: String, role| Some(MdFile { def, name, role });
    // Directory-per-component types: bundles, experience bundles.
    if let Some(def) = candidates.iter().find(|d| {
        d.adapter() == Adapter::Bundle
            || (d.adapter() == Adapter::MixedContent && d.suffix.is_none())
    }) {
        if segments.len() >= 3 {
            return found(def, segments[1].to_string(), MdRole::BundleFile);
        }
    }
    if let Some(def) = candidates
        .iter()
        .find(|d| d.transformer() == Transformer::StaticResource)
    {
        if segments.len() == 2 {
            if let Some(name) = file.strip_suffix(".resource-meta.xml") {
                return found(def, name.to_string(), MdRole::Meta);
            }
            if let Some(name) = file.strip_suffix(".resource") {
                return found(def, name.to_string(), MdRole::Main);
            }
        }
        return None;
    }
    let under_dir = segments[1..].join("/");
    if let Some(def) = candidates
        .iter()
        .find(|d| d.in_folder && d.adapter() == Adapter::MixedContent)
    {
        // Document: `documents/F/logo.png` and `documents/F/logo.png-meta.xml`.
        if segments.len() >= 3 {
            let (content, role) = match under_dir.strip_suffix("-meta.xml") {
                Some(content) => (content, MdRole::Meta),
                None => (under_dir.as_str(), MdRole::Main),
            };
            let name = match content.rsplit_once('.') {
                Some((stem, _)) if !stem.ends_with('/') => stem,
                _ => content,
            };
            return found(def, name.to_string(), role);
        }
    }
    let folder = candidates.iter().find(|d| d.folder_content_type.is_some());
    let (stripped, is_meta) = match under_dir.strip_suffix("-meta.xml") {
        Some(s) => (s, true),
        None => (under_dir.as_str(), false),
    };
    let last = stripped.rsplit('/').next().unwrap_or(stripped);
    if let Some((_, suffix)) = last.rsplit_once('.') {
        if let Some(def) = candidates.iter().find(|d| {
            d.folder_content_type.is_none()
                && (d.suffix.as_deref() == Some(suffix)
                    || d.legacy_suffix.as_deref() == Some(suffix))
        }) {
            let name = &stripped[..stripped.len() - suffix.len() - 1];
            let role = if is_meta { MdRole::Meta } else { MdRole::Main };
            return found(def, name.to_string(), role);
        }
    }
    if let (true, Some(def)) = (is_meta, folder) {
        return found(def, stripped.to_string(), MdRole::Folder);
    }
    None
}

/// Splits a decomposed metadata file into the parent file and one file per child.
fn decompose(
    def: &'static TypeDef,
    name: &str,
    path: &str,
    bytes: &[u8],
    parent_exists: bool,
) -> Result<Vec<Output>, Error> {
    let registry = Registry::get();
    let parsed = xmlfile::parse(path, bytes)?;
    let by_tag: BTreeMap<&str, &'static TypeDef> = registry
        .children_of(def)
        .map(|c| (c.xml_element(), registry.type_at(c.index())))
        .collect();
    let top_level = def.strategies.decomposition.as_deref() == Some("topLevel");
    let dir = &def.directory_name;
    let mut outputs = Vec::new();
    let mut cut: Vec<std::ops::Range<usize>> = Vec::new();
    for element in &parsed.elements {
        let Some(child) = by_tag.get(element.name.as_str()) else {
            continue;
        };
        let Some(key) = element
            .key(child.unique_id())
            .or_else(|| element.key("fullName"))
            .or_else(|| element.key("name"))
        else {
            continue;
        };
        let child_suffix = child.suffix.as_deref().unwrap_or(&child.directory_name);
        let rel = if top_level {
            format!("{dir}/{name}/{key}.{child_suffix}-meta.xml")
        } else {
            format!(
                "{dir}/{name}/{}/{key}.{child_suffix}-meta.xml",
                child.directory_name
            )
        };
        let body = reindent(&inner_lines(bytes, element.inner.clone()), -1);
        let component = if child.is_addressable {
            Component::new(MetadataType::Known(child), format!("{name}.{key}"))
        } else {
            Component::new(MetadataType::Known(def), name)
        };
        outputs.push(Output {
            component,
            rel,
            bytes: document(&child.name, &body).into_bytes(),
        });
        cut.push(element.lines.clone());
    }
    let own_elements = parsed.elements.len() - cut.len();
    if own_elements > 0 || cut.is_empty() || parent_exists {
        let mut parent = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for range in &cut {
            parent.extend_from_slice(&bytes[at..range.start]);
            at = range.end;
        }
        parent.extend_from_slice(&bytes[at..]);
        let suffix = def.suffix.as_deref().unwrap_or_default();
        outputs.push(Output {
            component: Component::new(MetadataType::Known(def), name),
            rel: format!("{dir}/{name}/{name}.{suffix}-meta.xml"),
            bytes: parent,
        });
    }
    Ok(outputs)
}

/// `X.resource` + meta -> `X.resource-meta.xml` + `X.<ext>` or an expanded `X/`.
fn static_resource(
    def: &'static TypeDef,
    name: &str,
    meta: Option<&[u8]>,
    content: Option<(&str, &[u8])>,
    existing: &BTreeMap<Component, Vec<String>>,
) -> Result<Vec<Output>, Error> {
    let dir = &def.directory_name;
    let component = Component::new(MetadataType::Known(def), name);
    let mut outputs = Vec::new();
    let meta_path = format!("{dir}/{name}.resource-meta.xml");
    let content_type = match meta {
        Some(meta) => staticresource::content_type(&meta_path, meta)?,
        None => None,
    };
    if let Some(meta) = meta {
        outputs.push(Output {
            component: component.clone(),
            rel: meta_path,
            bytes: meta.to_vec(),
        });
    }
    let Some((path, bytes)) = content else {
        return Ok(outputs);
    };
    // A resource the project keeps as one file (`X.zip`, `X.js`) stays one file,
    // as SDR does when it merges into an existing component.
    let existing_ext = existing.get(&component).and_then(|files| {
        files.iter().find_map(|f| {
            let (parent, file) = f.rsplit_once('/').unwrap_or(("", f));
            if parent.rsplit('/').next() != Some(dir.as_str()) {
                return None;
            }
            let ext = file.strip_prefix(name)?.strip_prefix('.')?;
            (!ext.ends_with("-meta.xml")).then(|| ext.to_string())
        })
    });
    if existing_ext.is_none() && staticresource::is_archive(content_type.as_deref(), bytes) {
        for (inside, content) in staticresource::unzip(path, bytes)? {
            outputs.push(Output {
                component: component.clone(),
                rel: format!("{dir}/{name}/{inside}"),
                bytes: content,
            });
        }
        return Ok(outputs);
    }
    let ext = existing_ext
        .unwrap_or_else(|| staticresource::extension_for(content_type.as_deref()).to_string());
    outputs.push(Output {
        component,
        rel: format!("{dir}/{name}.{ext}"),
        bytes: bytes.to_vec(),
    });
    Ok(outputs)
}

/// Decides where a converted file goes: the file it replaces, beside its
/// component's existing files, under its parent's package directory, or the default.
fn place(
    output: &Output,
    existing: &BTreeMap<Component, Vec<String>>,
    default_root: &str,
) -> String {
    let rel = output.rel.as_str();
    let own = existing.get(&output.component);
    if let Some(files) = own {
        if let Some(same) = files
            .iter()
            .find(|f| f.ends_with(&format!("/{rel}")) || f.as_str() == rel)
        {
            return same.clone();
        }
        let file_name = rel.rsplit('/').next().unwrap_or(rel);
        if output
            .component
            .kind
            .def()
            .is_some_and(|d| d.adapter() != Adapter::Bundle)
        {
            if let Some(dir) = files.iter().find_map(|f| {
                let (dir, name) = f.rsplit_once('/')?;
                (name == file_name).then_some(dir)
            }) {
                return format!("{dir}/{file_name}");
            }
        }
    }
    let anchors = own.into_iter().flatten().chain(
        output
            .component
            .parent()
            .and_then(|p| existing.get(&p))
            .into_iter()
            .flatten(),
    );
    let type_dir = rel.split('/').next().unwrap_or(rel);
    for anchor in anchors {
        if let Some(prefix) = prefix_before(anchor, type_dir) {
            return format!("{prefix}{rel}");
        }
    }
    format!("{default_root}/{rel}")
}

/// Returns the part of `path` before its `<dir>/` segment (`force-app/main/default/`).
fn prefix_before<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    let needle = format!("{dir}/");
    if path.starts_with(&needle) {
        return Some("");
    }
    let at = path.find(&format!("/{needle}"))?;
    Some(&path[..=at])
}

/// Returns the set of types a set of metadata files holds (used in tests).
#[cfg(test)]
fn types_of(mdapi: &Files) -> std::collections::BTreeSet<String> {
    mdapi
        .keys()
        .filter_map(|p| resolve_mdapi_path(Registry::get(), p))
        .map(|f| f.def.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_paths_resolve_to_types_and_roles() {
        let registry = Registry::get();
        let check = |path: &str, name: &str, full: &str, role: MdRole| {
            let f = resolve_mdapi_path(registry, path).unwrap_or_else(|| panic!("{path} resolves"));
            assert_eq!(
                (f.def.name.as_str(), f.name.as_str(), f.role),
                (name, full, role),
                "{path}"
            );
        };
        check("classes/Foo.cls", "ApexClass", "Foo", MdRole::Main);
        check("classes/Foo.cls-meta.xml", "ApexClass", "Foo", MdRole::Meta);
        check(
            "objects/Account.object",
            "CustomObject",
            "Account",
            MdRole::Main,
        );
        check(
            "layouts/Account-Account Layout.layout",
            "Layout",
            "Account-Account Layout",
            MdRole::Main,
        );
        check(
            "reports/Sales-meta.xml",
            "ReportFolder",
            "Sales",
            MdRole::Folder,
        );
        check(
            "reports/Sales/Q1.report",
            "Report",
            "Sales/Q1",
            MdRole::Main,
        );
        check(
            "email/T/Hello.email-meta.xml",
            "EmailTemplate",
            "T/Hello",
            MdRole::Meta,
        );
        check("documents/F/logo.png", "Document", "F/logo", MdRole::Main);
        check(
            "documents/F/logo.png-meta.xml",
            "Document",
            "F/logo",
            MdRole::Meta,
        );
        check(
            "documents/F-meta.xml",
            "DocumentFolder",
            "F",
            MdRole::Folder,
        );
        check(
            "lwc/card/card.js",
            "LightningComponentBundle",
            "card",
            MdRole::BundleFile,
        );
        check(
            "staticresources/jq.resource",
            "StaticResource",
            "jq",
            MdRole::Main,
        );
        check(
            "customMetadata/Cfg.Default.md",
            "CustomMetadata",
            "Cfg.Default",
            MdRole::Main,
        );
        assert!(resolve_mdapi_path(registry, "nowhere/x.txt").is_none());
        let mut files = Files::new();
        files.insert("classes/A.cls".into(), Vec::new());
        files.insert("labels/CustomLabels.labels".into(), Vec::new());
        assert_eq!(types_of(&files).len(), 2);
    }
}
