//! Source format -> metadata API format.

use super::xmlfile::{self, document, locale_cmp, reindent};
use super::{staticresource, Error, Files, Manifest};
use crate::metadata::component::has_addressable_children_inside;
use crate::metadata::{
    resolve_source_paths, Adapter, Component, FileRole, MetadataType, Registry, SourceComponent,
    Transformer, TypeDef,
};
use std::collections::BTreeMap;

/// The result of converting source files: the zip's files and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdapiPackage {
    /// Zip-relative path (`objects/Account.object`) -> bytes; package.xml is not included.
    pub files: Files,
    /// What the files hold, for package.xml (`manifest.to_xml()`).
    pub manifest: Manifest,
    /// Source files that belong to no metadata type (`Unknown`): not deployable, not converted.
    pub skipped: Vec<String>,
}

/// A file's path and content, borrowed from the input map.
type PathBytes<'a> = (&'a str, &'a [u8]);

/// A decomposed component being put back together.
struct Recompose<'a> {
    def: &'static TypeDef,
    parent: Option<(&'a str, &'a [u8])>,
    /// (xml tag, child name, path, bytes)
    children: Vec<(String, String, &'a str, &'a [u8])>,
}

/// Converts source-format files (repo-relative paths) into metadata API format.
///
/// Decomposed objects are recomposed (the parent's own elements, then the
/// children grouped by tag, sorted as SDR sorts them), static resource
/// directories zipped, `-meta.xml` suffixes dropped where metadata format has
/// none. The manifest lists every component, plus the addressable children
/// inside non-decomposed files (custom labels, workflow rules), as SDR does.
pub fn source_to_mdapi(
    registry: &'static Registry,
    source: &Files,
    api_version: &str,
) -> Result<MdapiPackage, Error> {
    let components = resolve_source_paths(source.keys());
    let mut files = Files::new();
    let mut manifest = Manifest::new(api_version);
    let mut skipped = Vec::new();
    let mut recompose: BTreeMap<(usize, String), Recompose> = BTreeMap::new();
    let mut merged: BTreeMap<(usize, String), Vec<PathBytes>> = BTreeMap::new();
    let bytes_of = |path: &str| -> &[u8] { source.get(path).map_or(&[][..], Vec::as_slice) };

    for sc in &components {
        let MetadataType::Known(def) = sc.component.kind else {
            skipped.extend(sc.files.iter().map(|f| f.path.clone()));
            continue;
        };
        manifest.add(&sc.component);
        if let Some(parent) = registry.parent_of(def).filter(|p| p.is_decomposed()) {
            let Some((parent_name, child_name)) = sc.component.full_name.split_once('.') else {
                skipped.extend(sc.files.iter().map(|f| f.path.clone()));
                continue;
            };
            let entry = recompose_entry(&mut recompose, parent, parent_name);
            for f in &sc.files {
                entry.children.push((
                    def.xml_element().to_string(),
                    child_name.to_string(),
                    &f.path,
                    bytes_of(&f.path),
                ));
            }
            continue;
        }
        match (def.adapter(), def.transformer()) {
            (Adapter::Decomposed, _) => {
                let entry = recompose_entry(&mut recompose, def, &sc.component.full_name);
                for f in &sc.files {
                    match f.role {
                        FileRole::Metadata => entry.parent = Some((&f.path, bytes_of(&f.path))),
                        _ => {
                            if let Some((child, stem)) = unaddressable_child(def, &f.path) {
                                entry.children.push((
                                    child.xml_element().to_string(),
                                    stem,
                                    &f.path,
                                    bytes_of(&f.path),
                                ));
                            }
                        }
                    }
                }
            }
            (_, Transformer::NonDecomposed) => {
                let entry = merged
                    .entry((def.index(), sc.component.full_name.clone()))
                    .or_default();
                entry.extend(
                    sc.files
                        .iter()
                        .map(|f| (f.path.as_str(), bytes_of(&f.path))),
                );
            }
            (_, Transformer::StaticResource) => {
                static_resource(def, sc, source, &mut files)?;
            }
            (Adapter::MixedContent, _) if def.in_folder => {
                document_files(def, sc, source, &mut files)
            }
            (Adapter::Bundle | Adapter::MixedContent | Adapter::Other, _) => {
                for f in &sc.files {
                    if let Some(rel) = type_relative(&f.path, def) {
                        files.insert(rel.to_string(), bytes_of(&f.path).to_vec());
                    }
                }
            }
            _ => {
                for f in &sc.files {
                    let path = mdapi_path(def, &sc.component.full_name, f.role, &f.path);
                    files.insert(path, bytes_of(&f.path).to_vec());
                }
            }
        }
        if has_addressable_children_inside(def) {
            for f in sc.files.iter().filter(|f| f.role == FileRole::Metadata) {
                for child in addressable_children(&sc.component, bytes_of(&f.path))
                    .map_err(|e| rename_path(e, &f.path))?
                {
                    manifest.add(&child);
                }
            }
        }
    }

    for ((_, name), entry) in recompose {
        let def = entry.def;
        let suffix = def.suffix.as_deref().unwrap_or_default();
        let path = format!("{}/{}.{}", def.directory_name, name, suffix);
        files.insert(path, recompose_file(&entry)?.into_bytes());
    }
    for ((index, name), parts) in merged {
        let def = registry.type_at(index);
        let suffix = def.suffix.as_deref().unwrap_or_default();
        let path = format!("{}/{}.{}", def.directory_name, name, suffix);
        files.insert(path, merge_nondecomposed(def, &parts)?);
    }
    Ok(MdapiPackage {
        files,
        manifest,
        skipped,
    })
}

fn recompose_entry<'m, 'a>(
    map: &'m mut BTreeMap<(usize, String), Recompose<'a>>,
    def: &'static TypeDef,
    name: &str,
) -> &'m mut Recompose<'a> {
    map.entry((def.index(), name.to_string()))
        .or_insert_with(|| Recompose {
            def,
            parent: None,
            children: Vec::new(),
        })
}

/// Finds the unaddressable child type of a file inside a decomposed parent
/// (`Industry.fieldTranslation-meta.xml` -> CustomFieldTranslation, `Industry`).
fn unaddressable_child(def: &TypeDef, path: &str) -> Option<(&'static TypeDef, String)> {
    let file = path.rsplit('/').next()?;
    let (stem, suffix) = file.strip_suffix("-meta.xml")?.rsplit_once('.')?;
    let index = *def.child_suffixes.get(suffix)?;
    Some((Registry::get().type_at(index), stem.to_string()))
}

/// Rebuilds one metadata-format file from a decomposed parent and its children.
fn recompose_file(entry: &Recompose) -> Result<String, Error> {
    let synthesized;
    let (parent_path, parent_bytes) = match entry.parent {
        Some(parent) => parent,
        None => {
            synthesized = document(&entry.def.name, "");
            ("(generated parent)", synthesized.as_bytes())
        }
    };
    let mut parsed = xmlfile::parse(parent_path, parent_bytes)?;
    let reparsed;
    let mut bytes = parent_bytes;
    if parsed.content_start.is_none() {
        // `<CustomObject/>`: open it up so children have somewhere to go.
        reparsed = document(&parsed.root_name, "");
        bytes = reparsed.as_bytes();
        parsed = xmlfile::parse(parent_path, bytes)?;
    }
    let mut children: Vec<&(String, String, &str, &[u8])> = entry.children.iter().collect();
    children.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| locale_cmp(&a.1, &b.1)));
    let mut out = String::from_utf8_lossy(&bytes[..parsed.close_line]).into_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for (tag, _, path, child_bytes) in children {
        let child = xmlfile::parse(path, child_bytes)?;
        let inner = match child.content_start {
            Some(start) => {
                let text = String::from_utf8_lossy(&child_bytes[start..child.close_line]);
                let text = text.strip_prefix('\n').unwrap_or(&text).to_string();
                if text.is_empty() || text.ends_with('\n') {
                    text
                } else {
                    format!("{text}\n")
                }
            }
            None => String::new(),
        };
        out.push_str(&format!("    <{tag}>\n"));
        out.push_str(&reindent(&inner, 1));
        out.push_str(&format!("    </{tag}>\n"));
    }
    out.push_str(&String::from_utf8_lossy(&bytes[parsed.close_line..]));
    Ok(out)
}

/// Merges the files of a non-decomposed type (several `*.labels-meta.xml`)
/// into one: the first file, with the other files' entries appended.
fn merge_nondecomposed(def: &TypeDef, parts: &[(&str, &[u8])]) -> Result<Vec<u8>, Error> {
    let Some(((first_path, first), rest)) = parts.split_first() else {
        return Ok(document(&def.name, "").into_bytes());
    };
    if rest.is_empty() {
        return Ok(first.to_vec());
    }
    let parsed = xmlfile::parse(first_path, first)?;
    let mut out = first[..parsed.close_line].to_vec();
    for (path, bytes) in rest {
        let other = xmlfile::parse(path, bytes)?;
        for element in &other.elements {
            out.extend_from_slice(&bytes[element.lines.clone()]);
        }
    }
    out.extend_from_slice(&first[parsed.close_line..]);
    Ok(out)
}

/// Returns the children addressable inside a non-decomposed file, as package.xml
/// names them (`WorkflowAlert:Account.emailalert1`, `CustomLabel:Greeting`).
pub fn addressable_children(component: &Component, xml: &[u8]) -> Result<Vec<Component>, Error> {
    let Some(def) = component.kind.def() else {
        return Ok(Vec::new());
    };
    let registry = Registry::get();
    let by_tag: BTreeMap<&str, &'static TypeDef> = registry
        .children_of(def)
        .filter(|c| c.is_addressable)
        .map(|c| (c.xml_element(), registry.type_at(c.index())))
        .collect();
    if by_tag.is_empty() {
        return Ok(Vec::new());
    }
    let parsed = xmlfile::parse(&component.to_string(), xml)?;
    let mut out = Vec::new();
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
        let name = if child.ignore_parent_name {
            key.to_string()
        } else {
            format!("{}.{key}", component.full_name)
        };
        out.push(Component::new(MetadataType::Known(child), name));
    }
    Ok(out)
}

fn rename_path(err: Error, path: &str) -> Error {
    match err {
        Error::MalformedXml { message, .. } => Error::MalformedXml {
            path: path.to_string(),
            message,
        },
        other => other,
    }
}

/// Returns the part of a source path from the type's directory on (`lwc/card/card.js`).
pub(crate) fn type_relative<'p>(path: &'p str, def: &TypeDef) -> Option<&'p str> {
    let dir = def.directory_name.as_str();
    let mut offset = 0;
    let mut found = None;
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if i + 1 < segments.len() && *segment == dir {
            found = Some(offset);
            if def.strict_directory_name {
                break;
            }
        }
        offset += segment.len() + 1;
    }
    found.map(|start| &path[start..])
}

/// Returns the metadata-format path of a default or content-file type's file.
fn mdapi_path(def: &TypeDef, full_name: &str, role: FileRole, source_path: &str) -> String {
    let dir = &def.directory_name;
    let Some(suffix) = def.suffix.as_deref() else {
        return type_relative(source_path, def)
            .unwrap_or(source_path)
            .to_string();
    };
    if def.folder_content_type.is_some() {
        return format!("{dir}/{full_name}-meta.xml");
    }
    match (role, def.adapter()) {
        (FileRole::Metadata, Adapter::MatchingContentFile) => {
            format!("{dir}/{full_name}.{suffix}-meta.xml")
        }
        _ => format!("{dir}/{full_name}.{suffix}"),
    }
}

/// `staticresources/X.resource-meta.xml` + `X.js` or `X/**` -> `X.resource` + its meta.
fn static_resource(
    def: &TypeDef,
    sc: &SourceComponent,
    source: &Files,
    files: &mut Files,
) -> Result<(), Error> {
    let dir = &def.directory_name;
    let name = &sc.component.full_name;
    let resource_path = format!("{dir}/{name}.resource");
    let mut expanded: BTreeMap<String, &[u8]> = BTreeMap::new();
    for f in &sc.files {
        let bytes = source.get(&f.path).map_or(&[][..], Vec::as_slice);
        if f.role == FileRole::Metadata {
            files.insert(format!("{resource_path}-meta.xml"), bytes.to_vec());
            continue;
        }
        let Some(rel) = type_relative(&f.path, def) else {
            continue;
        };
        let within = rel.split_once('/').map_or(rel, |(_, r)| r);
        match within.split_once('/') {
            Some((_, inside)) => {
                expanded.insert(inside.to_string(), bytes);
            }
            None => {
                files.insert(resource_path.clone(), bytes.to_vec());
            }
        }
    }
    if !expanded.is_empty() {
        files.insert(
            resource_path.clone(),
            staticresource::zip(&resource_path, &expanded)?,
        );
    }
    Ok(())
}

/// `documents/F/logo.png` + `logo.document-meta.xml` -> `logo.png` + `logo.png-meta.xml`.
fn document_files(def: &TypeDef, sc: &SourceComponent, source: &Files, files: &mut Files) {
    let content_ext = sc
        .files
        .iter()
        .find(|f| f.role == FileRole::Content)
        .and_then(|f| f.path.rsplit('/').next())
        .and_then(|file| file.rsplit_once('.'))
        .map(|(_, ext)| ext.to_string());
    for f in &sc.files {
        let bytes = source.get(&f.path).map_or(&[][..], Vec::as_slice);
        let Some(rel) = type_relative(&f.path, def) else {
            continue;
        };
        if f.role == FileRole::Metadata {
            let base = format!("{}/{}", def.directory_name, sc.component.full_name);
            let path = match &content_ext {
                Some(ext) => format!("{base}.{ext}-meta.xml"),
                None => format!("{base}-meta.xml"),
            };
            files.insert(path, bytes.to_vec());
        } else {
            files.insert(rel.to_string(), bytes.to_vec());
        }
    }
}
