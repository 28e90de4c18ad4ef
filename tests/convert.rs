//! Conversion between source and metadata format, checked against the
//! Salesforce CLI's own golden files (fixtures/sdr-conversion) and by round trips.

use proptest::prelude::*;
use sfsync::convert::{
    self, destructive_manifest, mdapi_to_source, source_to_mdapi, Files, Manifest,
};
use sfsync::metadata::{Component, Registry};
use std::path::Path;

fn fixture(rel: &str) -> std::path::PathBuf {
    crate::common::fixtures_dir()
        .join("sdr-conversion")
        .join(rel)
}

/// Reads every file below `dir` into a map keyed by `prefix` + the relative path.
fn read_tree(dir: &Path, prefix: &str) -> Files {
    fn walk(dir: &Path, rel: &str, out: &mut Files) {
        for entry in std::fs::read_dir(dir).expect("read fixture dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if entry.file_type().expect("type").is_dir() {
                walk(&entry.path(), &child, out);
            } else {
                out.insert(child, std::fs::read(entry.path()).expect("read"));
            }
        }
    }
    let mut files = Files::new();
    walk(dir, "", &mut files);
    files
        .into_iter()
        .map(|(k, v)| (format!("{prefix}{k}"), v))
        .collect()
}

#[track_caller]
fn assert_same_files(actual: &Files, expected: &Files) {
    let actual_paths: Vec<&String> = actual.keys().collect();
    let expected_paths: Vec<&String> = expected.keys().collect();
    assert_eq!(actual_paths, expected_paths, "file lists differ");
    for (path, bytes) in expected {
        assert!(
            actual[path] == *bytes,
            "{path} differs\n--- actual\n{}\n--- expected\n{}",
            String::from_utf8_lossy(&actual[path]),
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Source -> metadata must give SDR's verify-md-files output (files and package.xml).
fn check_source_to_mdapi(case: &str, version: &str) {
    let source = read_tree(
        &fixture(&format!(
            "{case}/__snapshots__/verify-source-files.expected"
        )),
        "",
    );
    let package = source_to_mdapi(Registry::get(), &source, version).expect("converts");
    let mut expected = read_tree(
        &fixture(&format!("{case}/__snapshots__/verify-md-files.expected")),
        "",
    );
    let expected_manifest = expected
        .remove("package.xml")
        .expect("expected package.xml");
    assert_same_files(&package.files, &expected);
    assert_eq!(
        package.manifest.to_xml(),
        String::from_utf8_lossy(&expected_manifest)
    );
    assert!(package.skipped.is_empty());
}

/// Metadata -> source must give SDR's verify-source-files output.
fn check_mdapi_to_source(case: &str) {
    let mdapi = read_tree(&fixture(&format!("{case}/originalMdapi")), "");
    let source = mdapi_to_source(Registry::get(), &mdapi, "force-app", &[]).expect("converts");
    let expected = read_tree(
        &fixture(&format!(
            "{case}/__snapshots__/verify-source-files.expected"
        )),
        "",
    );
    assert_same_files(&source, &expected);
}

#[test]
fn custom_objects_recompose_as_sdr_does() {
    check_source_to_mdapi("customObjects-and-children", "59.0");
}

#[test]
fn custom_objects_decompose_as_sdr_does() {
    check_mdapi_to_source("customObjects-and-children");
}

#[test]
fn custom_labels_convert_both_ways_as_sdr_does() {
    check_source_to_mdapi("customLabels-simple", "59.0");
    check_mdapi_to_source("customLabels-simple");
}

#[test]
fn workflows_and_email_templates_convert_both_ways_as_sdr_does() {
    check_source_to_mdapi("workflow", "52.0");
    check_mdapi_to_source("workflow");
}

/// A project touching every conversion strategy.
fn varied_project() -> Files {
    let d = "force-app/main/default";
    let ns = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let mut files = Files::new();
    let mut add = |path: String, content: String| {
        files.insert(path, content.into_bytes());
    };
    add(
        format!("{d}/classes/Invoice.cls"),
        "public class Invoice {}\n".into(),
    );
    add(format!("{d}/classes/Invoice.cls-meta.xml"), format!("{decl}<ApexClass {ns}>\n    <apiVersion>63.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"));
    add(
        format!("{d}/classes/nested/Deep.cls"),
        "class Deep {}\n".into(),
    );
    add(
        format!("{d}/classes/nested/Deep.cls-meta.xml"),
        format!("{decl}<ApexClass {ns}>\n    <apiVersion>63.0</apiVersion>\n</ApexClass>\n"),
    );
    add(
        format!("{d}/triggers/AccountTrigger.trigger"),
        "trigger AccountTrigger on Account (before insert) {}\n".into(),
    );
    add(
        format!("{d}/triggers/AccountTrigger.trigger-meta.xml"),
        format!("{decl}<ApexTrigger {ns}>\n    <apiVersion>63.0</apiVersion>\n</ApexTrigger>\n"),
    );
    add(
        format!("{d}/lwc/card/card.js"),
        "export default class Card {}\n".into(),
    );
    add(
        format!("{d}/lwc/card/card.html"),
        "<template></template>\n".into(),
    );
    add(format!("{d}/lwc/card/card.js-meta.xml"), format!("{decl}<LightningComponentBundle {ns}>\n    <isExposed>false</isExposed>\n</LightningComponentBundle>\n"));
    add(format!("{d}/objects/Invoice__c/Invoice__c.object-meta.xml"), format!("{decl}<CustomObject {ns}>\n    <label>Invoice</label>\n    <description>Two\nlines</description>\n    <sharingModel>ReadWrite</sharingModel>\n</CustomObject>\n"));
    add(format!("{d}/objects/Invoice__c/fields/Amount__c.field-meta.xml"), format!("{decl}<CustomField {ns}>\n    <fullName>Amount__c</fullName>\n    <label>Amount &amp; tax</label>\n    <type>Currency</type>\n</CustomField>\n"));
    add(format!("{d}/objects/Invoice__c/fields/Status__c.field-meta.xml"), format!("{decl}<CustomField {ns}>\n    <fullName>Status__c</fullName>\n    <valueSet>\n        <valueSetDefinition>\n            <value>\n                <fullName>Open</fullName>\n                <default>true</default>\n            </value>\n        </valueSetDefinition>\n    </valueSet>\n</CustomField>\n"));
    add(format!("{d}/objects/Invoice__c/recordTypes/Standard.recordType-meta.xml"), format!("{decl}<RecordType {ns}>\n    <fullName>Standard</fullName>\n    <active>true</active>\n</RecordType>\n"));
    add(format!("{d}/objects/Invoice__c/listViews/All.listView-meta.xml"), format!("{decl}<ListView {ns}>\n    <fullName>All</fullName>\n    <filterScope>Everything</filterScope>\n</ListView>\n"));
    add(format!("{d}/objects/Invoice__c/validationRules/Positive.validationRule-meta.xml"), format!("{decl}<ValidationRule {ns}>\n    <fullName>Positive</fullName>\n    <errorConditionFormula>Amount__c &lt; 0</errorConditionFormula>\n</ValidationRule>\n"));
    add(format!("{d}/staticresources/jq.resource-meta.xml"), format!("{decl}<StaticResource {ns}>\n    <cacheControl>Public</cacheControl>\n    <contentType>text/javascript</contentType>\n</StaticResource>\n"));
    add(format!("{d}/staticresources/jq.js"), "var jq = 1;\n".into());
    add(format!("{d}/staticresources/site.resource-meta.xml"), format!("{decl}<StaticResource {ns}>\n    <cacheControl>Private</cacheControl>\n    <contentType>application/zip</contentType>\n</StaticResource>\n"));
    add(
        format!("{d}/staticresources/site/css/site.css"),
        "body { margin: 0 }\n".into(),
    );
    add(
        format!("{d}/staticresources/site/img/logo.svg"),
        "<svg/>\n".into(),
    );
    add(
        format!("{d}/documents/Shared.documentFolder-meta.xml"),
        format!("{decl}<DocumentFolder {ns}>\n    <name>Shared</name>\n</DocumentFolder>\n"),
    );
    add(format!("{d}/documents/Shared/logo.png"), "PNG bytes".into());
    add(
        format!("{d}/documents/Shared/logo.document-meta.xml"),
        format!("{decl}<Document {ns}>\n    <name>logo</name>\n</Document>\n"),
    );
    add(
        format!("{d}/reports/Sales.reportFolder-meta.xml"),
        format!("{decl}<ReportFolder {ns}>\n    <name>Sales</name>\n</ReportFolder>\n"),
    );
    add(
        format!("{d}/reports/Sales/Pipeline.report-meta.xml"),
        format!("{decl}<Report {ns}>\n    <name>Pipeline</name>\n</Report>\n"),
    );
    add(
        format!("{d}/email/Notices/Overdue.email"),
        "Dear customer\n".into(),
    );
    add(
        format!("{d}/email/Notices/Overdue.email-meta.xml"),
        format!("{decl}<EmailTemplate {ns}>\n    <name>Overdue</name>\n</EmailTemplate>\n"),
    );
    add(format!("{d}/labels/CustomLabels.labels-meta.xml"), format!("{decl}<CustomLabels {ns}>\n    <labels>\n        <fullName>Greeting</fullName>\n        <value>Hello</value>\n    </labels>\n</CustomLabels>\n"));
    add(
        format!("{d}/profiles/Admin.profile-meta.xml"),
        format!("{decl}<Profile {ns}>\n    <custom>false</custom>\n</Profile>\n"),
    );
    add(
        format!("{d}/layouts/Invoice__c-Invoice Layout.layout-meta.xml"),
        format!("{decl}<Layout {ns}>\n</Layout>\n"),
    );
    add(
        format!("{d}/customMetadata/Setting.Default.md-meta.xml"),
        format!("{decl}<CustomMetadata {ns}>\n    <label>Default</label>\n</CustomMetadata>\n"),
    );
    add(format!("{d}/workflows/Invoice__c.workflow-meta.xml"), format!("{decl}<Workflow {ns}>\n    <rules>\n        <fullName>Notify</fullName>\n        <active>true</active>\n    </rules>\n</Workflow>\n"));
    add(format!("{d}/objectTranslations/Invoice__c-fr/Invoice__c-fr.objectTranslation-meta.xml"), format!("{decl}<CustomObjectTranslation {ns}>\n    <caseValues>\n        <plural>false</plural>\n        <value>Facture</value>\n    </caseValues>\n</CustomObjectTranslation>\n"));
    add(format!("{d}/objectTranslations/Invoice__c-fr/Amount__c.fieldTranslation-meta.xml"), format!("{decl}<CustomFieldTranslation {ns}>\n    <label>Montant</label>\n    <name>Amount__c</name>\n</CustomFieldTranslation>\n"));
    files
}

#[test]
fn source_to_metadata_to_source_gives_the_same_files_byte_for_byte() {
    let source = varied_project();
    let package = source_to_mdapi(Registry::get(), &source, "63.0").expect("to mdapi");
    let existing: Vec<String> = source.keys().cloned().collect();
    let back = mdapi_to_source(Registry::get(), &package.files, "force-app", &existing)
        .expect("to source");
    assert_same_files(&back, &source);
    // Without knowing the project, only the nested class moves (to the default layout).
    let fresh =
        mdapi_to_source(Registry::get(), &package.files, "force-app", &[]).expect("to source");
    let moved: Vec<&String> = fresh.keys().filter(|k| !source.contains_key(*k)).collect();
    assert_eq!(
        moved,
        [
            "force-app/main/default/classes/Deep.cls",
            "force-app/main/default/classes/Deep.cls-meta.xml"
        ]
    );
}

#[test]
fn metadata_format_has_the_expected_shape() {
    let package = source_to_mdapi(Registry::get(), &varied_project(), "63.0").expect("to mdapi");
    let paths: Vec<&str> = package.files.keys().map(String::as_str).collect();
    for expected in [
        "classes/Deep.cls",
        "classes/Invoice.cls-meta.xml",
        "documents/Shared-meta.xml",
        "documents/Shared/logo.png",
        "documents/Shared/logo.png-meta.xml",
        "email/Notices/Overdue.email",
        "labels/CustomLabels.labels",
        "layouts/Invoice__c-Invoice Layout.layout",
        "lwc/card/card.js",
        "objectTranslations/Invoice__c-fr.objectTranslation",
        "objects/Invoice__c.object",
        "profiles/Admin.profile",
        "reports/Sales-meta.xml",
        "reports/Sales/Pipeline.report",
        "staticresources/jq.resource",
        "staticresources/site.resource",
        "workflows/Invoice__c.workflow",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:#?}"
        );
    }
    let object = String::from_utf8_lossy(&package.files["objects/Invoice__c.object"]).into_owned();
    let order: Vec<usize> = [
        "<label>Invoice",
        "<fields>",
        "Amount__c</fullName>",
        "Status__c</fullName>",
        "<listViews>",
        "<recordTypes>",
        "<validationRules>",
    ]
    .iter()
    .map(|needle| {
        object
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {object}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "parent first, then children by tag: {object}"
    );
    assert!(
        object.contains("        <valueSet>\n            <valueSetDefinition>"),
        "{object}"
    );
    assert!(object.contains("<description>Two\nlines</description>"));
    assert!(package.files["staticresources/site.resource"].starts_with(b"PK"));
    let manifest = &package.manifest;
    assert_eq!(
        manifest.types["CustomLabel"].iter().collect::<Vec<_>>(),
        ["Greeting"]
    );
    assert_eq!(
        manifest.types["WorkflowRule"].iter().collect::<Vec<_>>(),
        ["Invoice__c.Notify"]
    );
    assert_eq!(
        manifest.types["Report"].iter().collect::<Vec<_>>(),
        ["Sales", "Sales/Pipeline"]
    );
    assert_eq!(manifest.types["CustomField"].len(), 2);
    assert!(!manifest.types.contains_key("CustomFieldTranslation"));
    assert_eq!(
        Manifest::parse(manifest.to_xml().as_bytes()).expect("parses"),
        *manifest
    );
}

#[test]
fn retrieved_components_land_where_the_project_keeps_them() {
    let existing = vec![
        "pkg-b/objects/Account/Account.object-meta.xml".to_string(),
        "force-app/main/default/classes/Old.cls".to_string(),
        "pkg-b/main/classes/util/Helper.cls".to_string(),
        "pkg-b/main/classes/util/Helper.cls-meta.xml".to_string(),
    ];
    let mut mdapi = Files::new();
    mdapi.insert("package.xml".into(), b"<Package/>".to_vec());
    mdapi.insert(
        "objects/Account.object".into(),
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fields>\n        <fullName>Tier__c</fullName>\n    </fields>\n</CustomObject>\n".to_vec(),
    );
    mdapi.insert("classes/Helper.cls".into(), b"class Helper {}".to_vec());
    mdapi.insert("classes/New.cls".into(), b"class New {}".to_vec());
    let source =
        mdapi_to_source(Registry::get(), &mdapi, "force-app", &existing).expect("converts");
    let paths: Vec<&str> = source.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "force-app/main/default/classes/New.cls",
            "pkg-b/main/classes/util/Helper.cls",
            "pkg-b/objects/Account/Account.object-meta.xml",
            "pkg-b/objects/Account/fields/Tier__c.field-meta.xml",
        ]
    );
}

#[test]
fn unknown_files_are_reported_not_converted() {
    let mut source = varied_project();
    source.insert(
        "force-app/main/default/notes/readme.txt".into(),
        b"hi".to_vec(),
    );
    let package = source_to_mdapi(Registry::get(), &source, "63.0").expect("to mdapi");
    assert_eq!(package.skipped, ["force-app/main/default/notes/readme.txt"]);
}

#[test]
fn malformed_xml_is_an_error_naming_the_file() {
    let mut source = Files::new();
    source.insert(
        "force-app/main/default/objects/A__c/A__c.object-meta.xml".into(),
        b"<CustomObject><label>x</CustomObject>".to_vec(),
    );
    let err = source_to_mdapi(Registry::get(), &source, "63.0").expect_err("malformed");
    assert!(matches!(err, convert::Error::MalformedXml { .. }));
    assert!(err.to_string().contains("A__c.object-meta.xml"), "{err}");
}

#[test]
fn destructive_changes_list_deleted_components() {
    let deleted = [
        Component::parse("ApexClass:Old").expect("c"),
        Component::parse("CustomField:Account.Gone__c").expect("c"),
    ];
    let xml = destructive_manifest(&deleted, "63.0").to_xml();
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>Old</members>\n        <name>ApexClass</name>\n    </types>\n    <types>\n        <members>Account.Gone__c</members>\n        <name>CustomField</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
    );
}

#[test]
fn the_sample_project_round_trips_through_metadata_format() {
    let root = crate::common::fixtures_dir().join("sample-project");
    let project_json = std::fs::read(root.join("sfdx-project.json")).expect("project file");
    let forceignore = std::fs::read(root.join(".forceignore")).ok();
    let project = sfsync::metadata::Project::load(&root, &project_json, forceignore.as_deref())
        .expect("sample project loads");
    let all = read_tree(&root, "");
    let source: Files = all
        .into_iter()
        .filter(|(path, _)| project.is_source(path))
        .collect();
    assert!(source.len() > 40, "{} source files", source.len());
    let version = project.source_api_version().expect("sourceApiVersion");
    let package = source_to_mdapi(Registry::get(), &source, version).expect("to mdapi");
    assert!(package.skipped.is_empty(), "{:?}", package.skipped);
    let manifest = &package.manifest;
    assert_eq!(manifest.version, "63.0");
    assert!(manifest.types["SharingCriteriaRule"].contains("Invoice__c.Large_Invoices_Finance"));
    assert!(manifest.types["CustomObject"].contains("Invoice__c"));
    let existing: Vec<String> = source.keys().cloned().collect();
    let back = mdapi_to_source(Registry::get(), &package.files, "force-app", &existing)
        .expect("to source");
    assert_same_files(&back, &source);
}

/// Builds a source-format object with `fields` (name -> label) and the object's own label.
fn object_source(label: &str, fields: &std::collections::BTreeMap<String, String>) -> Files {
    let esc = |t: &str| quick_xml::escape::escape(t).into_owned();
    let d = "force-app/main/default/objects/Gen__c";
    let ns = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let mut files = Files::new();
    files.insert(
        format!("{d}/Gen__c.object-meta.xml"),
        format!(
            "{decl}<CustomObject {ns}>\n    <label>{}</label>\n</CustomObject>\n",
            esc(label)
        )
        .into_bytes(),
    );
    for (name, field_label) in fields {
        files.insert(
            format!("{d}/fields/{name}__c.field-meta.xml"),
            format!(
                "{decl}<CustomField {ns}>\n    <fullName>{name}__c</fullName>\n    <inlineHelpText>\n        <text>{}</text>\n    </inlineHelpText>\n</CustomField>\n",
                esc(field_label)
            )
            .into_bytes(),
        );
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn decomposed_objects_round_trip_whatever_the_names_and_text(
        label in "[ -~\n]{0,24}",
        fields in prop::collection::btree_map("[A-Za-z][A-Za-z0-9_]{0,10}", "[ -~\n]{0,24}", 0..8),
    ) {
        let source = object_source(&label, &fields);
        let package = source_to_mdapi(Registry::get(), &source, "63.0").expect("to mdapi");
        prop_assert_eq!(package.files.len(), 1);
        let existing: Vec<String> = source.keys().cloned().collect();
        let back = mdapi_to_source(Registry::get(), &package.files, "force-app", &existing).expect("to source");
        prop_assert_eq!(back, source);
    }
}
