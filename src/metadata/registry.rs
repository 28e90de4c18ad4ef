//! The metadata type registry: the Salesforce CLI's own table of metadata
//! types (`sdr-metadataRegistry.json` from source-deploy-retrieve), embedded
//! in the binary and parsed once on first use.
//!
//! Everything git-sfsync knows about a type's files (suffix, directory,
//! folders, decomposition, bundles) comes from this data, not from code: to
//! teach git-sfsync a new type, update the JSON file.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The registry JSON, copied verbatim from forcedotcom/source-deploy-retrieve (see data/NOTICE).
const REGISTRY_JSON: &str = include_str!("data/sdr-metadataRegistry.json");

/// The namespace every metadata XML root element carries.
pub const METADATA_NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// How the files of one component are laid out in source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Adapter {
    /// One `Name.suffix-meta.xml` file.
    Default,
    /// `Name.suffix` content plus `Name.suffix-meta.xml`.
    MatchingContentFile,
    /// A `-meta.xml` plus content of any extension, or a whole directory.
    MixedContent,
    /// A directory per component (`lwc/<name>/...`).
    Bundle,
    /// A parent directory with the parent XML and one file per child.
    Decomposed,
    /// Any adapter git-sfsync does not model specially (digitalExperience, uiBundles, ...).
    #[serde(other)]
    Other,
}

/// How the files are transformed between source and metadata format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transformer {
    /// Strip or add `-meta.xml`.
    Standard,
    /// Split children into files / recompose them into the parent.
    Decomposed,
    /// Children kept together in non-decomposed files merged on deploy (CustomLabels).
    NonDecomposed,
    /// Content file or expanded directory <-> `.resource`.
    StaticResource,
    /// Any transformer of a preset git-sfsync does not model specially.
    #[serde(other)]
    Other,
}

/// A type's conversion strategies, as the registry states them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Strategies {
    pub adapter: Option<Adapter>,
    pub transformer: Option<Transformer>,
    /// `folderPerType` (CustomObject) or `topLevel` (CustomObjectTranslation, Bot).
    pub decomposition: Option<String>,
    /// `startEmpty` for CustomLabels.
    pub recomposition: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawType {
    id: String,
    name: String,
    directory_name: String,
    suffix: Option<String>,
    #[serde(default)]
    in_folder: bool,
    folder_type: Option<String>,
    folder_content_type: Option<String>,
    #[serde(default)]
    strict_directory_name: bool,
    meta_file_suffix: Option<String>,
    #[serde(default)]
    ignore_parsed_full_name: bool,
    #[serde(default)]
    ignore_parent_name: bool,
    xml_element_name: Option<String>,
    unique_id_element: Option<String>,
    legacy_suffix: Option<String>,
    is_addressable: Option<bool>,
    #[serde(default)]
    unaddressable_without_parent: bool,
    #[serde(default)]
    supports_wildcard_and_name: bool,
    #[serde(default)]
    supports_partial_delete: bool,
    alias_for: Option<String>,
    children: Option<RawChildren>,
    strategies: Option<Strategies>,
}

#[derive(Debug, Deserialize)]
struct RawChildren {
    types: BTreeMap<String, RawType>,
    #[serde(default)]
    suffixes: BTreeMap<String, String>,
    #[serde(default)]
    directories: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRegistry {
    types: BTreeMap<String, RawType>,
    suffixes: BTreeMap<String, String>,
    strict_directory_names: BTreeMap<String, String>,
    child_types: BTreeMap<String, String>,
}

/// One metadata type of the registry, with its parent and children resolved.
#[derive(Debug)]
pub struct TypeDef {
    /// Lower-case registry id (`apexclass`).
    pub id: String,
    /// Metadata API name (`ApexClass`), as package.xml spells it.
    pub name: String,
    /// Folder of the type in both formats (`classes`).
    pub directory_name: String,
    /// File suffix without the dot (`cls`); absent for bundles and some mixed-content types.
    pub suffix: Option<String>,
    /// Components live in folders (`Report`: `reports/<Folder>/<Name>.report`).
    pub in_folder: bool,
    /// For an in-folder type, the id of its folder type (`reportfolder`).
    pub folder_type: Option<String>,
    /// For a folder type, the id of the type it holds (`report`).
    pub folder_content_type: Option<String>,
    /// Files must sit under `directory_name` (used when a suffix is ambiguous or absent).
    pub strict_directory_name: bool,
    /// A meta file suffix other than `-meta.xml` (`schema.json`).
    pub meta_file_suffix: Option<String>,
    /// The component's fullName is always the type name (CustomLabels).
    pub ignore_parsed_full_name: bool,
    /// A child's member name omits the parent (`CustomLabel` members are label names).
    pub ignore_parent_name: bool,
    /// Tag of a child inside its parent's XML (default: the child's directory name).
    pub xml_element_name: Option<String>,
    /// Element holding a child's key (default `fullName`).
    pub unique_id_element: Option<String>,
    /// An older suffix still recognised (`indexe`).
    pub legacy_suffix: Option<String>,
    /// False for types that never appear in package.xml (CustomFieldTranslation).
    pub is_addressable: bool,
    pub unaddressable_without_parent: bool,
    pub supports_wildcard_and_name: bool,
    pub supports_partial_delete: bool,
    /// The id of the type this one is an alias of.
    pub alias_for: Option<String>,
    pub strategies: Strategies,
    /// Index of the parent type, for child types (CustomField -> CustomObject).
    pub parent: Option<usize>,
    /// Indexes of the child types.
    pub children: Vec<usize>,
    /// Child suffix -> child index (`field` -> CustomField), for decomposed files.
    pub child_suffixes: BTreeMap<String, usize>,
    /// Child directory -> child index (`fields` -> CustomField).
    pub child_directories: BTreeMap<String, usize>,
    index: usize,
}

impl TypeDef {
    /// Returns the source-format adapter, `Default` when the registry names none.
    pub fn adapter(&self) -> Adapter {
        self.strategies.adapter.unwrap_or(Adapter::Default)
    }

    /// Returns the transformer, `Standard` when the registry names none.
    pub fn transformer(&self) -> Transformer {
        self.strategies.transformer.unwrap_or(Transformer::Standard)
    }

    /// Returns the tag this (child) type has inside its parent's XML.
    pub fn xml_element(&self) -> &str {
        self.xml_element_name
            .as_deref()
            .unwrap_or(&self.directory_name)
    }

    /// Returns the element that names one child inside its parent's XML.
    pub fn unique_id(&self) -> &str {
        self.unique_id_element.as_deref().unwrap_or("fullName")
    }

    /// Returns true when children are split into their own source files.
    pub fn is_decomposed(&self) -> bool {
        self.adapter() == Adapter::Decomposed
    }

    /// Returns this type's position in the registry (stable for one build).
    pub fn index(&self) -> usize {
        self.index
    }
}

/// The parsed registry with its lookup indexes.
#[derive(Debug)]
pub struct Registry {
    types: Vec<TypeDef>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    suffixes: HashMap<String, usize>,
    strict_directories: HashMap<String, usize>,
    directories: HashMap<String, Vec<usize>>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

impl Registry {
    /// Returns the embedded registry, parsing it on first use.
    pub fn get() -> &'static Registry {
        REGISTRY.get_or_init(|| {
            Registry::parse(REGISTRY_JSON)
                .expect("the embedded registry is valid: a unit test parses it")
        })
    }

    /// Parses registry JSON in source-deploy-retrieve's format.
    pub fn parse(json: &str) -> Result<Registry, serde_json::Error> {
        let raw: RawRegistry = serde_json::from_str(json)?;
        let mut registry = Registry {
            types: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            suffixes: HashMap::new(),
            strict_directories: HashMap::new(),
            directories: HashMap::new(),
        };
        for raw_type in raw.types.into_values() {
            registry.add(raw_type, None);
        }
        for (suffix, id) in &raw.suffixes {
            if let Some(&index) = registry.by_id.get(id) {
                registry.suffixes.insert(suffix.clone(), index);
            }
        }
        for (dir, id) in &raw.strict_directory_names {
            if let Some(&index) = registry.by_id.get(id) {
                registry.strict_directories.insert(dir.clone(), index);
            }
        }
        // childTypes repeats what the nested `children` already say; it is
        // kept as a cross-check in the tests rather than a second source.
        let _ = raw.child_types;
        Ok(registry)
    }

    fn add(&mut self, raw: RawType, parent: Option<usize>) -> usize {
        let index = self.types.len();
        let children = raw.children;
        self.types.push(TypeDef {
            id: raw.id.clone(),
            name: raw.name.clone(),
            directory_name: raw.directory_name,
            suffix: raw.suffix,
            in_folder: raw.in_folder,
            folder_type: raw.folder_type,
            folder_content_type: raw.folder_content_type,
            strict_directory_name: raw.strict_directory_name,
            meta_file_suffix: raw.meta_file_suffix,
            ignore_parsed_full_name: raw.ignore_parsed_full_name,
            ignore_parent_name: raw.ignore_parent_name,
            xml_element_name: raw.xml_element_name,
            unique_id_element: raw.unique_id_element,
            legacy_suffix: raw.legacy_suffix,
            is_addressable: raw.is_addressable.unwrap_or(true),
            unaddressable_without_parent: raw.unaddressable_without_parent,
            supports_wildcard_and_name: raw.supports_wildcard_and_name,
            supports_partial_delete: raw.supports_partial_delete,
            alias_for: raw.alias_for,
            strategies: raw.strategies.unwrap_or_default(),
            parent,
            children: Vec::new(),
            child_suffixes: BTreeMap::new(),
            child_directories: BTreeMap::new(),
            index,
        });
        // A child id can be shared by two parents' tables; the first wins the
        // id, both keep their own child entry.
        self.by_id.entry(raw.id).or_insert(index);
        if parent.is_none() {
            self.by_name.entry(raw.name).or_insert(index);
            let dir = self.types[index].directory_name.clone();
            self.directories.entry(dir).or_default().push(index);
        } else {
            self.by_name.entry(raw.name).or_insert(index);
        }
        if let Some(children) = children {
            let mut child_ids = HashMap::new();
            for (id, child) in children.types {
                let child_index = self.add(child, Some(index));
                child_ids.insert(id, child_index);
            }
            let mut indexes: Vec<usize> = child_ids.values().copied().collect();
            indexes.sort_unstable();
            let suffixes = children
                .suffixes
                .iter()
                .filter_map(|(s, id)| child_ids.get(id).map(|&i| (s.clone(), i)))
                .collect();
            let directories = children
                .directories
                .iter()
                .filter_map(|(d, id)| child_ids.get(id).map(|&i| (d.clone(), i)))
                .collect();
            let def = &mut self.types[index];
            def.children = indexes;
            def.child_suffixes = suffixes;
            def.child_directories = directories;
        }
        index
    }

    /// Returns every type, top-level and child.
    pub fn types(&self) -> impl Iterator<Item = &TypeDef> {
        self.types.iter()
    }

    /// Returns the type at `index` (from [`TypeDef::index`]).
    pub fn type_at(&self, index: usize) -> &TypeDef {
        &self.types[index]
    }

    /// Finds a type by its Metadata API name (`ApexClass`, `CustomField`).
    pub fn type_by_name(&self, name: &str) -> Option<&TypeDef> {
        self.by_name.get(name).map(|&i| &self.types[i])
    }

    /// Finds a type by its registry id (`apexclass`).
    pub fn type_by_id(&self, id: &str) -> Option<&TypeDef> {
        self.by_id.get(id).map(|&i| &self.types[i])
    }

    /// Finds the top-level type a file suffix (`cls`) belongs to.
    pub fn type_by_suffix(&self, suffix: &str) -> Option<&TypeDef> {
        self.suffixes.get(suffix).map(|&i| &self.types[i])
    }

    /// Finds the type whose files must sit under directory `dir` (`lwc`).
    pub fn type_by_strict_directory(&self, dir: &str) -> Option<&TypeDef> {
        self.strict_directories.get(dir).map(|&i| &self.types[i])
    }

    /// Returns the top-level types whose directory is `dir`.
    pub fn types_in_directory(&self, dir: &str) -> impl Iterator<Item = &TypeDef> {
        self.directories
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.types[i])
    }

    /// Returns the parent type of a child type.
    pub fn parent_of(&self, def: &TypeDef) -> Option<&TypeDef> {
        def.parent.map(|i| &self.types[i])
    }

    /// Returns the child types of a type.
    pub fn children_of<'a>(&'a self, def: &'a TypeDef) -> impl Iterator<Item = &'a TypeDef> {
        def.children.iter().map(|&i| &self.types[i])
    }

    /// Returns the type whose package.xml entries list a folder type's folders.
    ///
    /// Folders are listed under the type they hold: `ReportFolder` `F` is the
    /// `Report` member `F`.
    pub fn manifest_type<'a>(&'a self, def: &'a TypeDef) -> &'a TypeDef {
        def.folder_content_type
            .as_deref()
            .and_then(|id| self.type_by_id(id))
            .unwrap_or(def)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_parses_with_all_types() {
        let registry = Registry::parse(REGISTRY_JSON).expect("embedded registry parses");
        let raw: serde_json::Value = serde_json::from_str(REGISTRY_JSON).expect("json");
        let top = raw["types"].as_object().expect("types object").len();
        assert_eq!(registry.types().filter(|t| t.parent.is_none()).count(), top);
        assert!(top > 500, "the registry lists {top} types");
    }

    #[test]
    fn every_registry_suffix_resolves_back_to_its_type() {
        let registry = Registry::get();
        let raw: serde_json::Value = serde_json::from_str(REGISTRY_JSON).expect("json");
        for (suffix, id) in raw["suffixes"].as_object().expect("suffixes") {
            let id = id.as_str().expect("id string");
            let def = registry
                .type_by_suffix(suffix)
                .unwrap_or_else(|| panic!("suffix {suffix} does not resolve"));
            assert_eq!(def.id, id, "suffix {suffix}");
        }
    }

    #[test]
    fn every_top_level_type_with_a_unique_suffix_is_found_by_it() {
        let registry = Registry::get();
        for def in registry.types().filter(|t| t.parent.is_none()) {
            let Some(suffix) = &def.suffix else { continue };
            if let Some(found) = registry.type_by_suffix(suffix) {
                if found.id != def.id {
                    // A shared suffix (`settings`, `site`) must be told apart by a strict directory.
                    assert!(
                        def.strict_directory_name || found.strict_directory_name,
                        "{} and {} share suffix {suffix} without a strict directory",
                        def.name,
                        found.name
                    );
                }
            } else {
                assert!(
                    def.strict_directory_name || def.alias_for.is_some(),
                    "{} has suffix {suffix} but neither the suffix index nor a strict directory finds it",
                    def.name
                );
            }
        }
    }

    #[test]
    fn child_types_match_the_child_types_index() {
        let registry = Registry::get();
        let raw: serde_json::Value = serde_json::from_str(REGISTRY_JSON).expect("json");
        for (child, parent) in raw["childTypes"].as_object().expect("childTypes") {
            let parent = parent.as_str().expect("parent id");
            let parent_def = registry.type_by_id(parent).expect("parent type exists");
            assert!(
                registry.children_of(parent_def).any(|c| &c.id == child),
                "{child} is not a child of {parent}"
            );
        }
    }

    #[test]
    fn type_names_are_distinct_among_top_level_types() {
        let registry = Registry::get();
        let mut seen = std::collections::HashSet::new();
        for def in registry.types().filter(|t| t.parent.is_none()) {
            assert!(seen.insert(def.name.as_str()), "duplicate {}", def.name);
        }
    }

    #[test]
    fn strict_directories_point_at_types_living_there() {
        let registry = Registry::get();
        for (dir, &index) in &registry.strict_directories {
            let def = registry.type_at(index);
            assert_eq!(&def.directory_name, dir, "{}", def.name);
        }
    }

    #[test]
    fn the_types_git_sfsync_models_have_the_expected_strategies() {
        let registry = Registry::get();
        let get = |name: &str| registry.type_by_name(name).expect(name);
        assert_eq!(get("ApexClass").adapter(), Adapter::MatchingContentFile);
        assert_eq!(get("LightningComponentBundle").adapter(), Adapter::Bundle);
        assert_eq!(get("CustomObject").adapter(), Adapter::Decomposed);
        assert_eq!(
            get("StaticResource").transformer(),
            Transformer::StaticResource
        );
        assert_eq!(
            get("CustomLabels").transformer(),
            Transformer::NonDecomposed
        );
        assert_eq!(get("Profile").adapter(), Adapter::Default);
        let field = get("CustomField");
        assert_eq!(
            registry.parent_of(field).map(|p| p.name.as_str()),
            Some("CustomObject")
        );
        assert_eq!(field.xml_element(), "fields");
        assert_eq!(get("WorkflowAlert").xml_element(), "alerts");
        assert_eq!(registry.manifest_type(get("ReportFolder")).name, "Report");
        assert!(!get("CustomFieldTranslation").is_addressable);
    }
}
