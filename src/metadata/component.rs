//! Components and the mapping from source-format files to them.
//!
//! Resolution works on repository-relative paths alone (no file system), so
//! it serves the working tree, a git tree and an org's retrieved files alike.

use super::registry::{Adapter, Registry, Transformer, TypeDef};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// A metadata type: a registry entry, or `Unknown` for files no type claims.
#[derive(Clone, Copy)]
pub enum MetadataType {
    Known(&'static TypeDef),
    /// A file that matches no registry type: kept, diffed and merged as text.
    Unknown,
}

impl MetadataType {
    /// Finds a type by its Metadata API name (`ApexClass`); `Unknown` is accepted too.
    pub fn from_name(name: &str) -> Option<MetadataType> {
        if name == "Unknown" {
            return Some(MetadataType::Unknown);
        }
        Registry::get().type_by_name(name).map(MetadataType::Known)
    }

    /// Returns the Metadata API name (`ApexClass`), or `Unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            MetadataType::Known(def) => &def.name,
            MetadataType::Unknown => "Unknown",
        }
    }

    /// Returns the registry entry, or `None` for `Unknown`.
    pub fn def(&self) -> Option<&'static TypeDef> {
        match self {
            MetadataType::Known(def) => Some(def),
            MetadataType::Unknown => None,
        }
    }
}

impl PartialEq for MetadataType {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (MetadataType::Known(a), MetadataType::Known(b)) => a.index() == b.index(),
            (MetadataType::Unknown, MetadataType::Unknown) => true,
            _ => false,
        }
    }
}
impl Eq for MetadataType {}

impl std::hash::Hash for MetadataType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            MetadataType::Known(def) => def.index().hash(state),
            MetadataType::Unknown => usize::MAX.hash(state),
        }
    }
}

impl Ord for MetadataType {
    /// Orders by API name, with `Unknown` last.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (MetadataType::Known(a), MetadataType::Known(b)) => {
                a.name.cmp(&b.name).then(a.index().cmp(&b.index()))
            }
            (MetadataType::Known(_), MetadataType::Unknown) => Ordering::Less,
            (MetadataType::Unknown, MetadataType::Known(_)) => Ordering::Greater,
            (MetadataType::Unknown, MetadataType::Unknown) => Ordering::Equal,
        }
    }
}
impl PartialOrd for MetadataType {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for MetadataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for MetadataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for MetadataType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One metadata component: a type and the full name package.xml gives it.
///
/// Children are named `Parent.Child` (`Account.Industry__c`), in-folder
/// components `Folder/Name`; an `Unknown` component is named by its path.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Component {
    pub kind: MetadataType,
    pub full_name: String,
}

impl Component {
    pub fn new(kind: MetadataType, full_name: impl Into<String>) -> Component {
        Component {
            kind,
            full_name: full_name.into(),
        }
    }

    /// Parses `Type:Name` (`ApexClass:Foo`).
    pub fn parse(text: &str) -> Option<Component> {
        let (kind, name) = text.split_once(':')?;
        if name.is_empty() {
            return None;
        }
        Some(Component::new(MetadataType::from_name(kind)?, name))
    }

    /// Returns true when `pattern` (`Type:Name`, `*` matching any run of
    /// characters in either part, as in `--component ApexClass:Invoice*`) names this component.
    pub fn matches_pattern(&self, pattern: &str) -> bool {
        let Some((kind, name)) = pattern.split_once(':') else {
            return false;
        };
        glob_match(kind, self.kind.name()) && glob_match(name, &self.full_name)
    }

    /// Returns the parent component of a child (`CustomField:A.F` -> `CustomObject:A`).
    pub fn parent(&self) -> Option<Component> {
        let def = self.kind.def()?;
        let parent = Registry::get().parent_of(def)?;
        let parent_name = if parent.ignore_parsed_full_name {
            parent.name.clone()
        } else {
            self.full_name.split_once('.')?.0.to_string()
        };
        Some(Component::new(MetadataType::Known(parent), parent_name))
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.full_name)
    }
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What one file is to its component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FileRole {
    /// The component's metadata XML (`Foo.cls-meta.xml`, `Account.object-meta.xml`).
    Metadata,
    /// A content file: Apex body, bundle member, static resource content.
    Content,
    /// An unaddressable child's file inside a decomposed parent (CustomFieldTranslation).
    Child,
    /// A file no type claims.
    Unknown,
}

/// One file of a component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SourceFile {
    pub path: String,
    pub role: FileRole,
}

/// A component with the files that make it up in source format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceComponent {
    pub component: Component,
    /// Files sorted by path.
    pub files: Vec<SourceFile>,
}

impl SourceComponent {
    /// Returns the path of the component's metadata XML file, if it has one.
    pub fn metadata_file(&self) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.role == FileRole::Metadata)
            .map(|f| f.path.as_str())
    }
}

const META: &str = "-meta.xml";

fn known(def: &'static TypeDef) -> MetadataType {
    MetadataType::Known(def)
}

/// Resolves one source-format path (repo-relative, `/`-separated) to its component and role.
///
/// Never fails: a path no type claims is an `Unknown` component named by the path.
pub fn resolve_source_path(path: &str) -> (Component, FileRole) {
    resolve_known(path).unwrap_or_else(|| {
        (
            Component::new(MetadataType::Unknown, path),
            FileRole::Unknown,
        )
    })
}

fn resolve_known(path: &str) -> Option<(Component, FileRole)> {
    let registry = Registry::get();
    let segments: Vec<&str> = path.split('/').collect();
    let file = *segments.last()?;
    let dirs = &segments[..segments.len() - 1];
    if let Some((i, def)) = dirs
        .iter()
        .enumerate()
        .find_map(|(i, d)| registry.type_by_strict_directory(d).map(|t| (i, t)))
    {
        if let Some(found) = resolve_in_strict_directory(def, &segments[i..]) {
            return Some(found);
        }
    }
    resolve_by_suffix(dirs, file)
}

/// Resolves a path whose `rest[0]` is the strict directory of `def`.
fn resolve_in_strict_directory(
    def: &'static TypeDef,
    rest: &[&str],
) -> Option<(Component, FileRole)> {
    let registry = Registry::get();
    let file = *rest.last()?;
    // A folder or other same-directory type (`documents/F.documentFolder-meta.xml`).
    if let Some(stripped) = file.strip_suffix(META) {
        if let Some((_, suffix)) = stripped.rsplit_once('.') {
            if let Some(other) = registry.type_by_suffix(suffix) {
                if other.index() != def.index()
                    && other.directory_name == def.directory_name
                    && other.parent.is_none()
                {
                    return resolve_by_suffix(&rest[..rest.len() - 1], file);
                }
            }
        }
    }
    match def.adapter() {
        Adapter::Decomposed => resolve_decomposed(def, rest),
        Adapter::Bundle => {
            if rest.len() < 3 {
                return None;
            }
            let role = if file.ends_with(META) && rest.len() == 3 {
                FileRole::Metadata
            } else {
                FileRole::Content
            };
            Some((Component::new(known(def), rest[1]), role))
        }
        Adapter::MixedContent if def.in_folder => {
            // Document: `documents/F/logo.png` + `documents/F/logo.document-meta.xml`.
            if rest.len() < 3 {
                return None;
            }
            let folder = rest[1..rest.len() - 1].join("/");
            let (stem, role) = match def.suffix.as_deref().and_then(|s| meta_stem(file, s)) {
                Some(stem) => (stem, FileRole::Metadata),
                None => (
                    file.rsplit_once('.').map_or(file, |(s, _)| s),
                    FileRole::Content,
                ),
            };
            Some((Component::new(known(def), format!("{folder}/{stem}")), role))
        }
        Adapter::MixedContent => {
            if rest.len() < 2 {
                return None;
            }
            if rest.len() == 2 {
                if let Some(stem) = def.suffix.as_deref().and_then(|s| meta_stem(file, s)) {
                    return Some((Component::new(known(def), stem), FileRole::Metadata));
                }
            }
            // Content: `X.js` or anything under `X/`; API names hold no dots.
            let name = rest[1].split('.').next().unwrap_or(rest[1]);
            if name.is_empty() {
                return None;
            }
            Some((Component::new(known(def), name), FileRole::Content))
        }
        _ => {
            // A strict type with a plain layout (`sites/X.site-meta.xml`).
            let suffix = def.suffix.as_deref()?;
            let stem = meta_stem(file, suffix)?;
            Some((Component::new(known(def), stem), FileRole::Metadata))
        }
    }
}

/// Resolves a file inside a decomposed type's directory: `objects/A/A.object-meta.xml`,
/// `objects/A/fields/F.field-meta.xml`.
fn resolve_decomposed(def: &'static TypeDef, rest: &[&str]) -> Option<(Component, FileRole)> {
    if rest.len() < 3 {
        return None;
    }
    let parent_name = rest[1];
    let file = *rest.last()?;
    if rest.len() == 3 {
        if let Some(stem) = def.suffix.as_deref().and_then(|s| meta_stem(file, s)) {
            if stem == parent_name {
                return Some((Component::new(known(def), parent_name), FileRole::Metadata));
            }
        }
    }
    let stripped = file.strip_suffix(META)?;
    let (stem, suffix) = stripped.rsplit_once('.')?;
    let child_index = *def.child_suffixes.get(suffix)?;
    let child = Registry::get().type_at(child_index);
    if child.is_addressable {
        Some((
            Component::new(known(child), format!("{parent_name}.{stem}")),
            FileRole::Metadata,
        ))
    } else {
        Some((Component::new(known(def), parent_name), FileRole::Child))
    }
}

/// Resolves a file of a non-strict type by its suffix.
fn resolve_by_suffix(dirs: &[&str], file: &str) -> Option<(Component, FileRole)> {
    let registry = Registry::get();
    let (stripped, is_meta) = match file.strip_suffix(META) {
        Some(stripped) => (stripped, true),
        None => (file, false),
    };
    let (stem, suffix) = stripped.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    let def = registry.type_by_suffix(suffix).or_else(|| {
        registry
            .types()
            .find(|t| t.parent.is_none() && t.legacy_suffix.as_deref() == Some(suffix))
    })?;
    if def.parent.is_some() || def.strict_directory_name {
        return None;
    }
    if !is_meta && def.adapter() != Adapter::MatchingContentFile {
        return None;
    }
    let name = if def.ignore_parsed_full_name {
        def.name.clone()
    } else if def.in_folder || def.folder_content_type.is_some() {
        match dirs.iter().rposition(|d| *d == def.directory_name) {
            Some(i) => {
                let mut parts: Vec<&str> = dirs[i + 1..].to_vec();
                parts.push(stem);
                parts.join("/")
            }
            None => stem.to_string(),
        }
    } else {
        stem.to_string()
    };
    let role = if is_meta {
        FileRole::Metadata
    } else {
        FileRole::Content
    };
    Some((Component::new(known(def), name), role))
}

/// Returns `Name` for `Name.<suffix>-meta.xml`.
fn meta_stem<'a>(file: &'a str, suffix: &str) -> Option<&'a str> {
    let stem = file
        .strip_suffix(META)?
        .strip_suffix(suffix)?
        .strip_suffix('.')?;
    (!stem.is_empty()).then_some(stem)
}

/// Groups source-format paths into components with their files, sorted by
/// type name, then full name; files sorted by path.
pub fn resolve_source_paths<I, S>(paths: I) -> Vec<SourceComponent>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut groups: BTreeMap<Component, Vec<SourceFile>> = BTreeMap::new();
    for path in paths {
        let path = path.as_ref();
        let (component, role) = resolve_source_path(path);
        groups.entry(component).or_default().push(SourceFile {
            path: path.to_string(),
            role,
        });
    }
    groups
        .into_iter()
        .map(|(component, mut files)| {
            files.sort();
            files.dedup();
            SourceComponent { component, files }
        })
        .collect()
}

/// Finds a component among components sorted as [`resolve_source_paths`] returns them.
pub fn find_component<'a>(
    components: &'a [SourceComponent],
    component: &Component,
) -> Option<&'a SourceComponent> {
    components
        .binary_search_by(|c| c.component.cmp(component))
        .ok()
        .map(|i| &components[i])
}

/// Returns true when a type's children live inside the parent's one file
/// but are addressable on their own (Workflow rules, custom labels).
pub fn has_addressable_children_inside(def: &TypeDef) -> bool {
    !def.is_decomposed()
        && (def.transformer() == Transformer::NonDecomposed || !def.children.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(path: &str) -> (String, FileRole) {
        let (component, role) = resolve_source_path(path);
        (component.to_string(), role)
    }

    const D: &str = "force-app/main/default";

    #[track_caller]
    fn check(rel: &str, expected: &str, role: FileRole) {
        let path = format!("{D}/{rel}");
        assert_eq!(resolve(&path), (expected.to_string(), role), "{path}");
    }

    #[test]
    fn apex_and_visualforce_pair_content_with_meta() {
        check("classes/Foo.cls", "ApexClass:Foo", FileRole::Content);
        check(
            "classes/Foo.cls-meta.xml",
            "ApexClass:Foo",
            FileRole::Metadata,
        );
        check(
            "classes/sub/dir/Bar.cls",
            "ApexClass:Bar",
            FileRole::Content,
        );
        check("triggers/T.trigger", "ApexTrigger:T", FileRole::Content);
        check(
            "triggers/T.trigger-meta.xml",
            "ApexTrigger:T",
            FileRole::Metadata,
        );
        check("pages/P.page", "ApexPage:P", FileRole::Content);
        check(
            "components/C.component-meta.xml",
            "ApexComponent:C",
            FileRole::Metadata,
        );
    }

    #[test]
    fn bundles_group_every_file_of_their_directory() {
        check(
            "lwc/myCard/myCard.js",
            "LightningComponentBundle:myCard",
            FileRole::Content,
        );
        check(
            "lwc/myCard/myCard.js-meta.xml",
            "LightningComponentBundle:myCard",
            FileRole::Metadata,
        );
        check(
            "lwc/myCard/__tests__/myCard.test.js",
            "LightningComponentBundle:myCard",
            FileRole::Content,
        );
        check(
            "aura/Box/Box.cmp",
            "AuraDefinitionBundle:Box",
            FileRole::Content,
        );
        check(
            "aura/Box/Box.cmp-meta.xml",
            "AuraDefinitionBundle:Box",
            FileRole::Metadata,
        );
    }

    #[test]
    fn static_resources_as_file_or_expanded_directory() {
        check(
            "staticresources/jq.resource-meta.xml",
            "StaticResource:jq",
            FileRole::Metadata,
        );
        check(
            "staticresources/jq.js",
            "StaticResource:jq",
            FileRole::Content,
        );
        check(
            "staticresources/site/css/a.css",
            "StaticResource:site",
            FileRole::Content,
        );
    }

    #[test]
    fn custom_object_and_its_decomposed_children() {
        check(
            "objects/Account/Account.object-meta.xml",
            "CustomObject:Account",
            FileRole::Metadata,
        );
        for (rel, expected) in [
            (
                "fields/Industry__c.field-meta.xml",
                "CustomField:Account.Industry__c",
            ),
            (
                "recordTypes/Biz.recordType-meta.xml",
                "RecordType:Account.Biz",
            ),
            ("listViews/All.listView-meta.xml", "ListView:Account.All"),
            (
                "validationRules/V.validationRule-meta.xml",
                "ValidationRule:Account.V",
            ),
            (
                "compactLayouts/C.compactLayout-meta.xml",
                "CompactLayout:Account.C",
            ),
            ("webLinks/W.webLink-meta.xml", "WebLink:Account.W"),
            ("fieldSets/F.fieldSet-meta.xml", "FieldSet:Account.F"),
            (
                "businessProcesses/B.businessProcess-meta.xml",
                "BusinessProcess:Account.B",
            ),
            (
                "sharingReasons/S__c.sharingReason-meta.xml",
                "SharingReason:Account.S__c",
            ),
            ("indexes/I.index-meta.xml", "Index:Account.I"),
        ] {
            check(
                &format!("objects/Account/{rel}"),
                expected,
                FileRole::Metadata,
            );
        }
    }

    #[test]
    fn single_file_types_resolve_by_suffix() {
        for (rel, expected) in [
            ("profiles/Admin.profile-meta.xml", "Profile:Admin"),
            (
                "permissionsets/Sales.permissionset-meta.xml",
                "PermissionSet:Sales",
            ),
            (
                "permissionsetgroups/G.permissionsetgroup-meta.xml",
                "PermissionSetGroup:G",
            ),
            (
                "labels/CustomLabels.labels-meta.xml",
                "CustomLabels:CustomLabels",
            ),
            ("labels/More.labels-meta.xml", "CustomLabels:CustomLabels"),
            (
                "layouts/Account-Account Layout.layout-meta.xml",
                "Layout:Account-Account Layout",
            ),
            ("flows/F.flow-meta.xml", "Flow:F"),
            ("flexipages/Home.flexipage-meta.xml", "FlexiPage:Home"),
            ("tabs/T__c.tab-meta.xml", "CustomTab:T__c"),
            ("applications/App.app-meta.xml", "CustomApplication:App"),
            (
                "customMetadata/Cfg.Default.md-meta.xml",
                "CustomMetadata:Cfg.Default",
            ),
            ("workflows/Account.workflow-meta.xml", "Workflow:Account"),
            (
                "sharingRules/Account.sharingRules-meta.xml",
                "SharingRules:Account",
            ),
            (
                "globalValueSets/G.globalValueSet-meta.xml",
                "GlobalValueSet:G",
            ),
            (
                "standardValueSets/Industry.standardValueSet-meta.xml",
                "StandardValueSet:Industry",
            ),
            (
                "customPermissions/P.customPermission-meta.xml",
                "CustomPermission:P",
            ),
            (
                "namedCredentials/N.namedCredential-meta.xml",
                "NamedCredential:N",
            ),
            (
                "remoteSiteSettings/R.remoteSite-meta.xml",
                "RemoteSiteSetting:R",
            ),
            (
                "quickActions/Account.Call.quickAction-meta.xml",
                "QuickAction:Account.Call",
            ),
            ("translations/fr.translation-meta.xml", "Translations:fr"),
        ] {
            check(rel, expected, FileRole::Metadata);
        }
    }

    #[test]
    fn in_folder_types_and_their_folders() {
        check(
            "reports/Sales.reportFolder-meta.xml",
            "ReportFolder:Sales",
            FileRole::Metadata,
        );
        check(
            "reports/Sales/Q1.report-meta.xml",
            "Report:Sales/Q1",
            FileRole::Metadata,
        );
        check(
            "dashboards/D/Main.dashboard-meta.xml",
            "Dashboard:D/Main",
            FileRole::Metadata,
        );
        check(
            "email/T/Hello.email",
            "EmailTemplate:T/Hello",
            FileRole::Content,
        );
        check(
            "email/T/Hello.email-meta.xml",
            "EmailTemplate:T/Hello",
            FileRole::Metadata,
        );
        check(
            "email/T.emailFolder-meta.xml",
            "EmailFolder:T",
            FileRole::Metadata,
        );
        check(
            "documents/F.documentFolder-meta.xml",
            "DocumentFolder:F",
            FileRole::Metadata,
        );
        check("documents/F/logo.png", "Document:F/logo", FileRole::Content);
        check(
            "documents/F/logo.document-meta.xml",
            "Document:F/logo",
            FileRole::Metadata,
        );
    }

    #[test]
    fn object_translations_keep_field_translations_in_the_parent() {
        check(
            "objectTranslations/Account-fr/Account-fr.objectTranslation-meta.xml",
            "CustomObjectTranslation:Account-fr",
            FileRole::Metadata,
        );
        check(
            "objectTranslations/Account-fr/Industry.fieldTranslation-meta.xml",
            "CustomObjectTranslation:Account-fr",
            FileRole::Child,
        );
    }

    #[test]
    fn unmatched_files_are_unknown_components_named_by_path() {
        for rel in [
            "classes/README.md",
            "lwc/jsconfig.json",
            "notes.txt",
            "objects/Account/x.txt",
        ] {
            let path = format!("{D}/{rel}");
            let (component, role) = resolve_source_path(&path);
            assert_eq!(component.kind, MetadataType::Unknown, "{path}");
            assert_eq!(component.full_name, path);
            assert_eq!(role, FileRole::Unknown);
        }
    }

    #[test]
    fn grouping_lists_components_sorted_with_their_files() {
        let components = resolve_source_paths([
            format!("{D}/classes/B.cls"),
            format!("{D}/classes/A.cls-meta.xml"),
            format!("{D}/classes/A.cls"),
            format!("{D}/classes/B.cls-meta.xml"),
            format!("{D}/objects/Account/fields/X__c.field-meta.xml"),
        ]);
        let listed: Vec<(String, usize)> = components
            .iter()
            .map(|c| (c.component.to_string(), c.files.len()))
            .collect();
        assert_eq!(
            listed,
            [
                ("ApexClass:A".to_string(), 2),
                ("ApexClass:B".to_string(), 2),
                ("CustomField:Account.X__c".to_string(), 1),
            ]
        );
        assert_eq!(components[0].files[0].path, format!("{D}/classes/A.cls"));
        let b = Component::parse("ApexClass:B").expect("component");
        let found = find_component(&components, &b).expect("B is listed");
        assert_eq!(found.files.len(), 2);
        let missing = Component::parse("ApexClass:C").expect("component");
        assert!(find_component(&components, &missing).is_none());
        assert_eq!(
            components[0].metadata_file(),
            Some(format!("{D}/classes/A.cls-meta.xml").as_str())
        );
    }

    #[test]
    fn components_parse_display_and_know_their_parent() {
        let field = Component::parse("CustomField:Account.Industry").expect("parses");
        assert_eq!(field.to_string(), "CustomField:Account.Industry");
        assert_eq!(
            field.parent().map(|p| p.to_string()).as_deref(),
            Some("CustomObject:Account")
        );
        let label = Component::parse("CustomLabel:Greeting").expect("parses");
        assert_eq!(
            label.parent().map(|p| p.to_string()).as_deref(),
            Some("CustomLabels:CustomLabels")
        );
        let rule = Component::parse("WorkflowRule:Account.R").expect("parses");
        assert_eq!(
            rule.parent().map(|p| p.to_string()).as_deref(),
            Some("Workflow:Account")
        );
        assert!(Component::parse("NoSuchType:X").is_none());
        let class = Component::parse("ApexClass:InvoiceService").expect("parses");
        for (pattern, expected) in [
            ("ApexClass:InvoiceService", true),
            ("ApexClass:Invoice*", true),
            ("ApexClass:*Service", true),
            ("ApexClass:*", true),
            ("*:Invoice*", true),
            ("Apex*:In*ce*e", true),
            ("ApexClass:Invoice", false),
            ("ApexClass:*Test", false),
            ("ApexTrigger:*", false),
            ("InvoiceService", false),
            ("ApexClass:Invoice*Service*x", false),
        ] {
            assert_eq!(class.matches_pattern(pattern), expected, "{pattern}");
        }
        assert!(Component::parse("ApexClass:").is_none());
    }
}
