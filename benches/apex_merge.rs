//! Merges a generated 20,000-line Apex class with edits on both sides, and
//! times `git merge-file` on the same three files in the same run (issue 4's
//! target: at most 3x git merge-file's time).

use criterion::{criterion_group, criterion_main, Criterion};
use sfsync::merge::text::MergeOptions;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TARGET_LINES: usize = 20_000;

/// Renders one method; `variant` changes one body line, `extra` adds one.
fn method(out: &mut String, i: usize, variant: u32, extra: bool) {
    out.push_str(&format!(
        "\n    /**\n     * Computes step {i} of the billing run.\n     */\n    public Decimal step{i}(Decimal amount, Integer quantity) {{\n        Decimal result = amount * quantity;\n        if (result > {i}) {{\n            result = result - {variant};\n        }}\n        List<Account> accounts = [SELECT Id, Name FROM Account WHERE Rating__c = {i} LIMIT 10];\n        System.debug('step {i} ' + accounts.size());\n"
    ));
    if extra {
        out.push_str("        result = result.setScale(2);\n");
    }
    out.push_str("        return result;\n    }\n");
}

/// Returns base, ours and theirs: ours edits every `ours_every`th method and
/// appends methods at the end; theirs edits every `theirs_every`th method
/// (some on other lines of the same methods) and adds methods in the middle.
fn generate(ours_every: usize, theirs_every: usize) -> (String, String, String) {
    let methods = TARGET_LINES / 13;
    let render = |edit: &dyn Fn(usize) -> (u32, bool), added: &dyn Fn(usize) -> Option<String>| {
        let mut out = String::from(
            "public with sharing class BillingRun implements Database.Batchable<SObject> {\n    public static final Integer MAX_RETRIES = 3;\n",
        );
        for i in 0..methods {
            let (variant, extra) = edit(i);
            method(&mut out, i, variant, extra);
            if let Some(text) = added(i) {
                out.push_str(&text);
            }
        }
        out.push_str("}\n");
        out
    };
    let base = render(&|_| (0, false), &|_| None);
    let ours = render(
        &|i| (if i % ours_every == 0 { 1 } else { 0 }, false),
        &|i| {
            (i == methods - 1).then(|| {
                "\n    public void finish(Database.BatchableContext context) {\n        System.debug('done');\n    }\n".to_string()
            })
        },
    );
    let theirs = render(&|i| (0, i % theirs_every == 0), &|i| {
        (i == methods / 2).then(|| {
                "\n    public Iterable<SObject> start(Database.BatchableContext context) {\n        return [SELECT Id FROM Account];\n    }\n".to_string()
            })
    });
    (base, ours, theirs)
}

fn git_merge_file(dir: &Path) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["merge-file", "-p", "ours.cls", "base.cls", "theirs.cls"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.code().is_some(), "git merge-file crashed");
}

fn mean(runs: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed() / runs
}

/// Prints the worst case beside the benchmark: every method edited on both
/// sides, so no untouched run can be set aside and all three sides are parsed
/// in full.
fn dense_edits_figure() {
    let (base, ours, theirs) = generate(1, 1);
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in [("base", &base), ("ours", &ours), ("theirs", &theirs)] {
        std::fs::write(dir.path().join(format!("{name}.cls")), text).expect("write input");
    }
    let options = MergeOptions::default();
    let apex = mean(5, || {
        black_box(
            sfsync::apex::merge(
                base.as_bytes(),
                ours.as_bytes(),
                theirs.as_bytes(),
                &options,
            )
            .expect("merges"),
        );
    });
    let git = mean(5, || git_merge_file(dir.path()));
    println!(
        "apex_merge (every method edited on both sides): sfsync::apex::merge {:.2} ms, git merge-file {:.2} ms, ratio {:.2}x",
        apex.as_secs_f64() * 1e3,
        git.as_secs_f64() * 1e3,
        apex.as_secs_f64() / git.as_secs_f64()
    );
}

fn bench(c: &mut Criterion) {
    let (base, ours, theirs) = generate(50, 70);
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in [("base", &base), ("ours", &ours), ("theirs", &theirs)] {
        std::fs::write(dir.path().join(format!("{name}.cls")), text).expect("write input");
    }
    let options = MergeOptions::default();
    let merged = sfsync::apex::merge(
        base.as_bytes(),
        ours.as_bytes(),
        theirs.as_bytes(),
        &options,
    )
    .expect("the generated class merges semantically");
    assert_eq!(merged.conflicts, 0, "the generated edits do not overlap");

    // A plain side-by-side figure, printed whatever criterion's filters say.
    let apex = mean(10, || {
        black_box(
            sfsync::apex::merge(
                base.as_bytes(),
                ours.as_bytes(),
                theirs.as_bytes(),
                &options,
            )
            .expect("merges"),
        );
    });
    let git = mean(10, || git_merge_file(dir.path()));
    println!(
        "apex_merge: {} lines: sfsync::apex::merge {:.2} ms, git merge-file {:.2} ms, ratio {:.2}x",
        base.lines().count(),
        apex.as_secs_f64() * 1e3,
        git.as_secs_f64() * 1e3,
        apex.as_secs_f64() / git.as_secs_f64()
    );

    dense_edits_figure();

    let mut group = c.benchmark_group("apex_merge_20k_lines");
    group.sample_size(20);
    group.bench_function("sfsync_apex_merge", |b| {
        b.iter(|| {
            sfsync::apex::merge(
                black_box(base.as_bytes()),
                black_box(ours.as_bytes()),
                black_box(theirs.as_bytes()),
                &options,
            )
            .expect("merges")
        })
    });
    group.bench_function("git_merge_file", |b| b.iter(|| git_merge_file(dir.path())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
