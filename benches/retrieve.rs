//! Snapshot of a generated 20,000-component org from the emulator: list every
//! component, then retrieve them all by name (split at the API's 10,000-member
//! limit) and convert to source format, over real HTTP on loopback. Reports
//! components per second (criterion throughput) and the process's peak RSS.
//! Conversion alone is measured by `benches/convert.rs`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sfsync::org::{MetadataOrg, Org, OrgUrl, Package, PackageTypeMembers};
use std::collections::BTreeMap;
use std::path::Path;

const D: &str = "force-app/main/default";
const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const COMPONENTS: usize = 20_000;

/// Writes an org of exactly 20,000 components: 500 objects with 19 fields
/// each (10,000), 7,000 classes, 2,000 layouts and 1,000 LWC bundles.
fn generate(dir: &Path) {
    let put = |rel: String, content: String| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(path, content).expect("write file");
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
            format!("{DECL}<Layout {NS}>\n    <layoutSections>\n        <label>Section {l}</label>\n    </layoutSections>\n</Layout>\n"),
        );
    }
    for b in 0..1000 {
        let name = format!("bundle{b:04}");
        put(
            format!("{D}/lwc/{name}/{name}.js"),
            format!("import {{ LightningElement }} from 'lwc';\nexport default class Bundle{b} extends LightningElement {{}}\n"),
        );
        put(
            format!("{D}/lwc/{name}/{name}.js-meta.xml"),
            format!("{DECL}<LightningComponentBundle {NS}>\n    <apiVersion>63.0</apiVersion>\n    <isExposed>false</isExposed>\n</LightningComponentBundle>\n"),
        );
    }
}

/// Lists everything and retrieves it by name: what a snapshot does.
async fn snapshot(org: &MetadataOrg) -> usize {
    let listed = org
        .list_types(&[
            "ApexClass",
            "CustomObject",
            "CustomField",
            "Layout",
            "LightningComponentBundle",
        ])
        .await
        .expect("list");
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &listed {
        members
            .entry(p.type_.clone())
            .or_default()
            .push(p.full_name.clone());
    }
    let package = Package {
        types: members
            .into_iter()
            .map(|(name, members)| PackageTypeMembers { members, name })
            .collect(),
        version: "63.0".into(),
    };
    let retrieved = org
        .retrieve(&package, "force-app", &[])
        .await
        .expect("retrieve");
    assert!(
        retrieved.messages.is_empty(),
        "{:?}",
        &retrieved.messages[..3.min(retrieved.messages.len())]
    );
    listed.len()
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    generate(tmp.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let org = runtime
        .block_on(MetadataOrg::connect(
            &OrgUrl::Local(tmp.path().to_path_buf()),
            None,
            None,
        ))
        .expect("connect to the emulator");
    assert_eq!(runtime.block_on(snapshot(&org)), COMPONENTS);

    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    group.throughput(Throughput::Elements(COMPONENTS as u64));
    group.bench_function("list_and_retrieve_20000_components", |b| {
        b.iter(|| runtime.block_on(snapshot(&org)))
    });
    group.finish();
    if let Some(kib) = peak_rss_kib() {
        eprintln!(
            "snapshot: peak RSS of the process (emulator + client + generated org): {} MiB",
            kib / 1024
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
