//! Where a component's files live, in source format and in metadata API format.
//!
//! The table is the Salesforce CLI's registry, reduced to what placing files
//! needs (`emulator/data/types.json`). This module answers the questions the
//! emulator and the client ask about single files: which component a file
//! belongs to and what its path is in the other format. Types whose source
//! files must be recomposed into one metadata file (decomposed CustomObject)
//! are the converter's business (`crate::convert`); here they are only indexed.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// How a type's files are grouped into a component (the registry's `adapter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Adapter {
    /// One `Name.suffix-meta.xml` file (`Name.suffix` in metadata format).
    Default,
    /// `Name.suffix` content plus `Name.suffix-meta.xml`, identical in both formats.
    MatchingContentFile,
    /// A directory per component (`lwc/<name>/...`), identical in both formats.
    Bundle,
    /// A parent directory with the parent's XML and one file per child.
    Decomposed,
    /// Meta XML plus content of any extension (StaticResource, Document).
    MixedContent,
    DigitalExperience,
    UiBundles,
}

/// A child type of a decomposed or nested type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildInfo {
    pub name: String,
    pub directory_name: String,
    pub suffix: String,
    pub xml_element_name: String,
}

/// What the registry knows about one metadata type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeInfo {
    pub name: String,
    pub directory_name: String,
    pub adapter: Adapter,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub in_folder: bool,
    #[serde(default)]
    pub folder_type: Option<String>,
    #[serde(default)]
    pub folder_content_type: Option<String>,
    #[serde(default)]
    pub children: Vec<ChildInfo>,
}

#[derive(Deserialize)]
struct Table {
    types: Vec<TypeInfo>,
    suffixes: HashMap<String, String>,
}

/// A component's identity: its type and full name (`Account.Industry`, `Folder/Report`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ComponentKey {
    #[serde(rename = "type")]
    pub type_: String,
    pub full_name: String,
}

impl ComponentKey {
    pub fn new(type_: impl Into<String>, full_name: impl Into<String>) -> ComponentKey {
        ComponentKey {
            type_: type_.into(),
            full_name: full_name.into(),
        }
    }
}

impl std::fmt::Display for ComponentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.type_, self.full_name)
    }
}

/// The type table with its indexes.
pub struct Registry {
    types: Vec<TypeInfo>,
    by_name: HashMap<String, usize>,
    by_directory: HashMap<String, Vec<usize>>,
    by_suffix: HashMap<String, usize>,
    parent_of: HashMap<String, usize>,
}

/// Returns the registry built into the binary.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let table: Table = serde_json::from_str(include_str!("emulator/data/types.json"))
            .expect("the bundled type table is valid JSON (checked by a unit test)");
        Registry::new(table)
    })
}

impl Registry {
    fn new(table: Table) -> Registry {
        let mut by_name = HashMap::new();
        let mut by_directory: HashMap<String, Vec<usize>> = HashMap::new();
        let mut parent_of = HashMap::new();
        for (i, t) in table.types.iter().enumerate() {
            by_name.insert(t.name.clone(), i);
            if !t.directory_name.is_empty() {
                by_directory
                    .entry(t.directory_name.clone())
                    .or_default()
                    .push(i);
            }
            for c in &t.children {
                parent_of.insert(c.name.clone(), i);
            }
        }
        let by_suffix = table
            .suffixes
            .iter()
            .filter_map(|(suffix, name)| Some((suffix.clone(), *by_name.get(name)?)))
            .collect();
        Registry {
            types: table.types,
            by_name,
            by_directory,
            by_suffix,
            parent_of,
        }
    }

    /// Returns every type in the table.
    pub fn types(&self) -> &[TypeInfo] {
        &self.types
    }

    /// Returns the type with this API name.
    pub fn get(&self, name: &str) -> Option<&TypeInfo> {
        self.by_name.get(name).map(|&i| &self.types[i])
    }

    /// Returns the parent type of a child type (`CustomField` -> `CustomObject`).
    pub fn parent_of(&self, child: &str) -> Option<&TypeInfo> {
        self.parent_of.get(child).map(|&i| &self.types[i])
    }

    fn in_directory(&self, dir: &str) -> impl Iterator<Item = &TypeInfo> {
        self.by_directory
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.types[i])
    }

    /// Returns the component a source-format file belongs to; `rel` is relative
    /// to a package directory root (`classes/Foo.cls`). Files of a decomposed
    /// type belong to the parent component.
    pub fn source_component(&self, rel: &str) -> Option<ComponentKey> {
        let segs: Vec<&str> = rel.split('/').collect();
        if segs.len() < 2 || segs.iter().any(|s| s.is_empty()) {
            return None;
        }
        let dir = segs[0];
        let file = segs[segs.len() - 1];
        let base = file.strip_suffix("-meta.xml").unwrap_or(file);
        let candidates: Vec<&TypeInfo> = self.in_directory(dir).collect();
        if let Some(t) = candidates
            .iter()
            .find(|t| matches!(t.adapter, Adapter::Bundle | Adapter::Decomposed))
        {
            if t.adapter == Adapter::Decomposed && segs.len() == 2 {
                // A recomposed (metadata format) file in a source tree: not ours.
                return None;
            }
            return (segs.len() >= 3).then(|| ComponentKey::new(&t.name, segs[1]));
        }
        if let Some(content) = candidates.iter().find(|t| t.in_folder) {
            return self.in_folder_component(content, &segs, base, file);
        }
        let (name, suffix) = base.rsplit_once('.')?;
        let t = candidates
            .iter()
            .find(|t| t.suffix.as_deref() == Some(suffix))
            .copied()
            .or_else(|| {
                self.by_suffix
                    .get(suffix)
                    .map(|&i| &self.types[i])
                    .filter(|t| t.directory_name == dir)
            })?;
        if file == base && t.adapter == Adapter::Default {
            // A default type's only file is its `-meta.xml`.
            return None;
        }
        if segs.len() != 2 {
            return None;
        }
        Some(ComponentKey::new(&t.name, name))
    }

    fn in_folder_component(
        &self,
        content: &TypeInfo,
        segs: &[&str],
        base: &str,
        file: &str,
    ) -> Option<ComponentKey> {
        let folder_type = content.folder_type.as_deref().and_then(|f| self.get(f));
        if segs.len() == 2 {
            let folder = folder_type?;
            let suffix = folder.suffix.as_deref()?;
            let name = base.strip_suffix(&format!(".{suffix}"))?;
            return (file != base).then(|| ComponentKey::new(&folder.name, name));
        }
        let suffix = content.suffix.as_deref()?;
        let name = base.strip_suffix(&format!(".{suffix}"))?;
        let folders = segs[1..segs.len() - 1].join("/");
        Some(ComponentKey::new(
            &content.name,
            format!("{folders}/{name}"),
        ))
    }

    /// Returns the metadata-format path of a source file, or `None` when the
    /// file needs recomposition (decomposed types) or is not a component file.
    pub fn source_to_mdapi_path(&self, rel: &str) -> Option<String> {
        let key = self.source_component(rel)?;
        let t = self.get(&key.type_)?;
        match t.adapter {
            Adapter::Bundle | Adapter::MatchingContentFile => Some(rel.to_string()),
            Adapter::Default if t.folder_content_type.is_some() => {
                // `reports/F.reportFolder-meta.xml` -> `reports/F-meta.xml`.
                Some(format!("{}/{}-meta.xml", t.directory_name, key.full_name))
            }
            Adapter::Default => rel.strip_suffix("-meta.xml").map(str::to_string),
            _ => None,
        }
    }

    /// Returns the component and source path of a metadata-format file (zip
    /// path without the package prefix), or `None` when it needs decomposition.
    pub fn mdapi_to_source_path(&self, rel: &str) -> Option<(ComponentKey, String)> {
        let segs: Vec<&str> = rel.split('/').collect();
        if segs.len() < 2 {
            return None;
        }
        let dir = segs[0];
        let file = segs[segs.len() - 1];
        let candidates: Vec<&TypeInfo> = self.in_directory(dir).collect();
        if candidates.iter().any(|t| t.adapter == Adapter::Bundle) {
            let key = self.source_component(rel)?;
            return Some((key, rel.to_string()));
        }
        if let Some(content) = candidates.iter().find(|t| t.in_folder) {
            if segs.len() == 2 {
                let folder = content.folder_type.as_deref().and_then(|f| self.get(f))?;
                let name = file.strip_suffix("-meta.xml")?;
                let suffix = folder.suffix.as_deref()?;
                return Some((
                    ComponentKey::new(&folder.name, name),
                    format!("{dir}/{name}.{suffix}-meta.xml"),
                ));
            }
        }
        let source = if file.ends_with("-meta.xml") {
            rel.to_string()
        } else {
            let with_meta = format!("{rel}-meta.xml");
            match self.source_component(&with_meta) {
                Some(key) if self.get(&key.type_)?.adapter == Adapter::Default => {
                    return Some((key, with_meta));
                }
                _ => rel.to_string(),
            }
        };
        let key = self.source_component(&source)?;
        let t = self.get(&key.type_)?;
        matches!(t.adapter, Adapter::MatchingContentFile).then_some((key, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_names_are_distinct() {
        let r = registry();
        assert!(r.types().len() > 500);
        let mut names: Vec<&str> = r.types().iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), r.types().len());
        assert_eq!(r.parent_of("CustomField").unwrap().name, "CustomObject");
    }

    #[test]
    fn maps_source_files_to_components_and_mdapi_paths() {
        let r = registry();
        let cases = [
            (
                "classes/Foo.cls",
                "ApexClass",
                "Foo",
                Some("classes/Foo.cls"),
            ),
            (
                "classes/Foo.cls-meta.xml",
                "ApexClass",
                "Foo",
                Some("classes/Foo.cls-meta.xml"),
            ),
            (
                "layouts/Account-Account Layout.layout-meta.xml",
                "Layout",
                "Account-Account Layout",
                Some("layouts/Account-Account Layout.layout"),
            ),
            (
                "lwc/hello/hello.js",
                "LightningComponentBundle",
                "hello",
                Some("lwc/hello/hello.js"),
            ),
            (
                "objects/Broker__c/fields/Email__c.field-meta.xml",
                "CustomObject",
                "Broker__c",
                None,
            ),
            (
                "reports/Sales/Pipeline.report-meta.xml",
                "Report",
                "Sales/Pipeline",
                Some("reports/Sales/Pipeline.report"),
            ),
            (
                "reports/Sales.reportFolder-meta.xml",
                "ReportFolder",
                "Sales",
                Some("reports/Sales-meta.xml"),
            ),
            (
                "email/unfiled$public/Hi.email",
                "EmailTemplate",
                "unfiled$public/Hi",
                Some("email/unfiled$public/Hi.email"),
            ),
            (
                "labels/CustomLabels.labels-meta.xml",
                "CustomLabels",
                "CustomLabels",
                Some("labels/CustomLabels.labels"),
            ),
        ];
        for (path, type_, name, mdapi) in cases {
            assert_eq!(
                r.source_component(path),
                Some(ComponentKey::new(type_, name)),
                "{path}"
            );
            assert_eq!(r.source_to_mdapi_path(path).as_deref(), mdapi, "{path}");
            if let Some(mdapi) = mdapi {
                let (key, back) = r.mdapi_to_source_path(mdapi).unwrap();
                assert_eq!(
                    (key.type_.as_str(), back.as_str()),
                    (type_, path),
                    "{mdapi}"
                );
            }
        }
        assert_eq!(r.source_component("classes/Foo.txt"), None);
        assert_eq!(r.source_component("README.md"), None);
        assert_eq!(r.source_component("layouts/X.layout"), None);
    }
}
