//! Repository-wide semantic diff: two org branches of a 30,000-component
//! project differing in 1% of the components, `git sfsync diff --stat` against
//! `git diff --stat` on the same refs in the same run.

use criterion::{criterion_group, criterion_main, Criterion};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const CLASSES: usize = 15_000;
const FIELDS: usize = 15_000;

fn class(i: usize, edited: bool) -> String {
    let body = if edited {
        "return amount * rate + 1;"
    } else {
        "return amount * rate;"
    };
    format!(
        "public with sharing class Service{i} {{\n    public static final Integer LIMIT_{i} = {i};\n\n    public Decimal total(Decimal amount, Decimal rate) {{\n        {body}\n    }}\n\n    public String name() {{\n        return 'Service{i}';\n    }}\n}}\n"
    )
}

const CLASS_META: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>63.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n";

fn field(i: usize, edited: bool) -> String {
    let label = if edited {
        format!("Amount {i} (net)")
    } else {
        format!("Amount {i}")
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Amount_{i}__c</fullName>\n    <label>{label}</label>\n    <precision>18</precision>\n    <required>false</required>\n    <scale>2</scale>\n    <type>Currency</type>\n</CustomField>\n"
    )
}

fn project(edited: &dyn Fn(usize) -> bool) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert(
        "sfdx-project.json".to_string(),
        br#"{"packageDirectories":[{"path":"force-app","default":true}]}"#.to_vec(),
    );
    for i in 0..CLASSES {
        files.insert(
            format!("force-app/main/default/classes/Service{i}.cls"),
            class(i, edited(i)).into_bytes(),
        );
        files.insert(
            format!("force-app/main/default/classes/Service{i}.cls-meta.xml"),
            CLASS_META.as_bytes().to_vec(),
        );
    }
    for i in 0..FIELDS {
        let object = format!("Object{}__c", i / 100);
        files.insert(
            format!("force-app/main/default/objects/{object}/fields/Amount_{i}__c.field-meta.xml"),
            field(i, edited(CLASSES + i)).into_bytes(),
        );
    }
    files
}

fn build_repo() -> (tempfile::TempDir, git2::Repository) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = git2::Repository::init(dir.path()).expect("init");
    let sig = git2::Signature::now("Bench", "bench@example.com").expect("signature");
    for (branch, edited) in [
        ("orgs/a", (|_| false) as fn(usize) -> bool),
        ("orgs/b", |i| i % 100 == 7),
    ] {
        let tree = sfsync::git::commit::write_tree(&repo, &project(&edited)).expect("tree");
        sfsync::git::commit::commit_on_branch(&repo, branch, tree, "snapshot", &sig, &sig, None)
            .expect("commit");
    }
    (dir, repo)
}

fn release_binary() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/git-sfsync");
    path.exists().then_some(path)
}

fn bench(c: &mut Criterion) {
    let (dir, repo) = build_repo();
    let mut group = c.benchmark_group("diff_30k_components_1pct");
    group.sample_size(10);
    group.bench_function("git diff --stat", |b| {
        b.iter(|| {
            let out = Command::new("git")
                .args(["diff", "--stat", "orgs/a", "orgs/b"])
                .current_dir(dir.path())
                .output()
                .expect("git");
            assert!(out.status.success());
        })
    });
    group.bench_function("sfsync semantic diff (library)", |b| {
        b.iter(|| {
            let a = repo
                .revparse_single("orgs/a")
                .unwrap()
                .peel_to_tree()
                .unwrap();
            let bt = repo
                .revparse_single("orgs/b")
                .unwrap()
                .peel_to_tree()
                .unwrap();
            let files =
                sfsync::diff::changed_between_trees(&repo, Some(&a), Some(&bt), &|_| true).unwrap();
            let components = sfsync::diff::diff_files(files, sfsync::diff::Options::default());
            assert_eq!(components.len(), 300);
        })
    });
    if let Some(binary) = release_binary() {
        group.bench_function("git sfsync diff --stat (release binary)", |b| {
            b.iter(|| {
                let out = Command::new(&binary)
                    .args(["diff", "orgs/a", "orgs/b", "--stat"])
                    .current_dir(dir.path())
                    .output()
                    .expect("git-sfsync");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
