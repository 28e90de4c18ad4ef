//! `package.xml` and `destructiveChanges.xml`: which components a deploy or
//! retrieve is about, written exactly as the Salesforce CLI writes them.

use super::Error;
use crate::metadata::{Component, MetadataType, Registry};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::{BTreeMap, BTreeSet};

/// A package manifest: member names per type name, and the API version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// Type name (`CustomField`) -> member names (`Account.Industry`), both sorted.
    pub types: BTreeMap<String, BTreeSet<String>>,
    /// `<version>`, e.g. `63.0`.
    pub version: String,
}

impl Manifest {
    /// Returns an empty manifest for `version` (an empty package.xml goes with
    /// every destructive deploy).
    pub fn new(version: impl Into<String>) -> Manifest {
        Manifest {
            types: BTreeMap::new(),
            version: version.into(),
        }
    }

    /// Adds a component; folders are listed under the type they hold
    /// (`ReportFolder:F` is the `Report` member `F`). `Unknown` components and
    /// unaddressable types are left out.
    pub fn add(&mut self, component: &Component) {
        let MetadataType::Known(def) = component.kind else {
            return;
        };
        if !def.is_addressable {
            return;
        }
        let listed = Registry::get().manifest_type(def);
        self.types
            .entry(listed.name.clone())
            .or_default()
            .insert(component.full_name.clone());
    }

    /// Adds a member by type name, as written (`*` included).
    pub fn add_member(&mut self, type_name: impl Into<String>, member: impl Into<String>) {
        self.types
            .entry(type_name.into())
            .or_default()
            .insert(member.into());
    }

    /// Returns true when no type is listed.
    pub fn is_empty(&self) -> bool {
        self.types.values().all(BTreeSet::is_empty)
    }

    /// Returns the number of members across all types.
    pub fn len(&self) -> usize {
        self.types.values().map(BTreeSet::len).sum()
    }

    /// Returns the members as components; a type name the registry does not
    /// know gives an `Unknown` component named `Type:member`. `*` stays a member name.
    pub fn components(&self) -> Vec<Component> {
        let mut out = Vec::new();
        for (type_name, members) in &self.types {
            for member in members {
                match MetadataType::from_name(type_name) {
                    Some(kind) => out.push(Component::new(kind, member.clone())),
                    None => out.push(Component::new(
                        MetadataType::Unknown,
                        format!("{type_name}:{member}"),
                    )),
                }
            }
        }
        out
    }

    /// Renders the manifest as SDR does: types sorted by name, members sorted,
    /// 4-space indent, `<version>` last.
    pub fn to_xml(&self) -> String {
        let mut out = String::from(super::xmlfile::DECLARATION);
        out.push_str("<Package xmlns=\"");
        out.push_str(crate::metadata::METADATA_NS);
        out.push_str("\">\n");
        for (name, members) in &self.types {
            if members.is_empty() {
                continue;
            }
            out.push_str("    <types>\n");
            for member in members {
                out.push_str("        <members>");
                out.push_str(&quick_xml::escape::escape(member.as_str()));
                out.push_str("</members>\n");
            }
            out.push_str("        <name>");
            out.push_str(&quick_xml::escape::escape(name.as_str()));
            out.push_str("</name>\n    </types>\n");
        }
        out.push_str("    <version>");
        out.push_str(&quick_xml::escape::escape(self.version.as_str()));
        out.push_str("</version>\n</Package>\n");
        out
    }

    /// Parses a package.xml (or destructiveChanges.xml); extra elements
    /// (`fullName`, `description`) are ignored.
    pub fn parse(xml: &[u8]) -> Result<Manifest, Error> {
        let bad = |message: String| Error::BadManifest { message };
        let mut reader = Reader::from_reader(xml);
        reader.config_mut().trim_text(true);
        let mut manifest = Manifest::default();
        let mut path: Vec<String> = Vec::new();
        let mut members: Vec<String> = Vec::new();
        let mut name: Option<String> = None;
        let mut text = String::new();
        let mut saw_package = false;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| bad(format!("{e} (at byte {})", reader.error_position())))?;
            match event {
                Event::Start(start) => {
                    let tag = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    if path.is_empty() {
                        if tag != "Package" {
                            return Err(bad(format!("the root element is <{tag}>, not <Package>")));
                        }
                        saw_package = true;
                    }
                    path.push(tag);
                    text.clear();
                }
                Event::Empty(empty) => {
                    let tag = String::from_utf8_lossy(empty.local_name().as_ref()).into_owned();
                    if path.is_empty() {
                        if tag != "Package" {
                            return Err(bad(format!("the root element is <{tag}>, not <Package>")));
                        }
                        saw_package = true;
                    }
                }
                Event::Text(t) => {
                    let decoded = t.decode().map_err(|e| bad(e.to_string()))?;
                    text.push_str(&decoded);
                }
                Event::GeneralRef(r) => {
                    let raw = String::from_utf8_lossy(r.as_ref()).into_owned();
                    let entity = format!("&{raw};");
                    let resolved = quick_xml::escape::unescape(&entity)
                        .map_err(|e| bad(format!("unknown entity {entity}: {e}")))?;
                    text.push_str(&resolved);
                }
                Event::CData(c) => text.push_str(&String::from_utf8_lossy(c.as_ref())),
                Event::End(_) => {
                    let tag = path.pop().unwrap_or_default();
                    match (path.len(), tag.as_str()) {
                        (2, "members") => members.push(text.trim().to_string()),
                        (2, "name") => name = Some(text.trim().to_string()),
                        (1, "types") => {
                            let type_name = name.take().ok_or_else(|| {
                                bad("a <types> element has no <name>".to_string())
                            })?;
                            let entry = manifest.types.entry(type_name).or_default();
                            entry.extend(members.drain(..));
                        }
                        (1, "version") => manifest.version = text.trim().to_string(),
                        _ => {}
                    }
                    text.clear();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if let Some(open) = path.last() {
            return Err(bad(format!("<{open}> is never closed")));
        }
        if !saw_package {
            return Err(bad("no <Package> element".to_string()));
        }
        Ok(manifest)
    }
}

/// Returns the manifest of a destructive deploy removing `components`
/// (`destructiveChanges.xml`; deploy it beside an empty `Manifest::new(version)`).
pub fn destructive_manifest(components: &[Component], version: &str) -> Manifest {
    let mut manifest = Manifest::new(version);
    for component in components {
        manifest.add(component);
    }
    manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDR_PACKAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>Broker__c.Broker_Compact</members>
        <name>CompactLayout</name>
    </types>
    <types>
        <members>Broker__c.Picture_IMG__c</members>
        <members>Broker__c.Picture__c</members>
        <name>CustomField</name>
    </types>
    <version>59.0</version>
</Package>
"#;

    #[test]
    fn writes_what_sdr_writes() {
        let mut manifest = Manifest::new("59.0");
        for c in [
            "CustomField:Broker__c.Picture__c",
            "CompactLayout:Broker__c.Broker_Compact",
            "CustomField:Broker__c.Picture_IMG__c",
        ] {
            manifest.add(&Component::parse(c).expect("component"));
        }
        assert_eq!(manifest.to_xml(), SDR_PACKAGE);
    }

    #[test]
    fn parses_back_what_it_writes_and_tolerates_extras() {
        let parsed = Manifest::parse(SDR_PACKAGE.as_bytes()).expect("parses");
        assert_eq!(parsed.version, "59.0");
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed.to_xml(), SDR_PACKAGE);
        let extra = br#"<?xml version="1.0"?><Package xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>pkg</fullName><types><members>*</members><members>A&amp;B</members><name>Workflow</name></types><version>60.0</version></Package>"#;
        let parsed = Manifest::parse(extra).expect("parses");
        assert_eq!(
            parsed.types["Workflow"].iter().collect::<Vec<_>>(),
            ["*", "A&B"]
        );
        assert!(parsed.to_xml().contains("<members>A&amp;B</members>"));
    }

    #[test]
    fn folders_are_listed_under_their_content_type_and_unknowns_skipped() {
        let components = [
            Component::parse("ReportFolder:Sales").expect("c"),
            Component::parse("Report:Sales/Q1").expect("c"),
            Component::new(MetadataType::Unknown, "force-app/x.txt"),
        ];
        let manifest = destructive_manifest(&components, "63.0");
        assert_eq!(manifest.types.len(), 1);
        assert_eq!(manifest.types["Report"].len(), 2);
        let listed: Vec<String> = manifest
            .components()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(listed, ["Report:Sales", "Report:Sales/Q1"]);
    }

    #[test]
    fn rejects_what_is_not_a_package() {
        assert!(Manifest::parse(b"<Other/>").is_err());
        assert!(
            Manifest::parse(b"<Package><types><members>x</members></types></Package>").is_err()
        );
        assert!(Manifest::parse(b"<Package><types>").is_err());
        assert!(Manifest::parse(b"").is_err());
    }
}
