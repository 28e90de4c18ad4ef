//! Snapshot of a generated 20,000-component org from the emulator: list every
//! component, then retrieve them all by name (split at the API's 10,000-member
//! limit) and convert to source format, over real HTTP on loopback. Reports
//! components per second (criterion throughput) and the process's peak RSS.
//! Conversion alone is measured by `benches/convert.rs`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sfsync::org::{MetadataOrg, Org, OrgUrl, Package, PackageTypeMembers};
use std::collections::BTreeMap;
use std::path::Path;

#[path = "support/project.rs"]
mod project;

const COMPONENTS: usize = project::COMPONENTS;

/// Writes the generated project into the emulated org's directory.
fn generate(dir: &Path) {
    for (rel, content) in project::generate() {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(path, content).expect("write file");
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
