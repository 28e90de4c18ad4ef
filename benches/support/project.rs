//! The generated 20,000-component project the conversion and retrieve
//! benchmarks share, so that both measure the same shape of org.

use std::collections::BTreeMap;

/// Number of components [`generate`] makes.
pub const COMPONENTS: usize = 20_000;

const D: &str = "force-app/main/default";
const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Returns a source-format project of exactly 20,000 components: 500 objects with 19
/// fields each (10,000), 7,000 classes, 2,000 layouts and 1,000 LWC bundles.
pub fn generate() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut put = |path: String, content: String| {
        files.insert(path, content.into_bytes());
    };
    for o in 0..500 {
        let object = format!("Object{o:03}__c");
        put(
            format!("{D}/objects/{object}/{object}.object-meta.xml"),
            format!("{DECL}<CustomObject {NS}>\n    <label>Object {o}</label>\n    <pluralLabel>Objects {o}</pluralLabel>\n    <sharingModel>ReadWrite</sharingModel>\n</CustomObject>\n"),
        );
        for f in 0..19 {
            put(
                format!("{D}/objects/{object}/fields/Field{f:02}__c.field-meta.xml"),
                format!("{DECL}<CustomField {NS}>\n    <fullName>Field{f:02}__c</fullName>\n    <label>Field {f}</label>\n    <length>255</length>\n    <type>Text</type>\n</CustomField>\n"),
            );
        }
    }
    for c in 0..7000 {
        put(
            format!("{D}/classes/Class{c:04}.cls"),
            format!("public with sharing class Class{c:04} {{\n    public Integer value() {{ return {c}; }}\n}}\n"),
        );
        put(
            format!("{D}/classes/Class{c:04}.cls-meta.xml"),
            format!("{DECL}<ApexClass {NS}>\n    <apiVersion>63.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"),
        );
    }
    for l in 0..2000 {
        put(
            format!("{D}/layouts/Object{:03}__c-Layout {l}.layout-meta.xml", l % 500),
            format!("{DECL}<Layout {NS}>\n    <layoutSections>\n        <label>Info</label>\n    </layoutSections>\n</Layout>\n"),
        );
    }
    for b in 0..1000 {
        let name = format!("card{b:04}");
        put(
            format!("{D}/lwc/{name}/{name}.js"),
            "export default class Card {}\n".into(),
        );
        put(
            format!("{D}/lwc/{name}/{name}.html"),
            "<template></template>\n".into(),
        );
        put(
            format!("{D}/lwc/{name}/{name}.js-meta.xml"),
            format!("{DECL}<LightningComponentBundle {NS}>\n    <isExposed>false</isExposed>\n</LightningComponentBundle>\n"),
        );
    }
    files
}
