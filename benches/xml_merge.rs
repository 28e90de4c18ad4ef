//! Merges a generated 10 MB Admin profile (about 40,000 fieldPermissions plus
//! object, class and user permissions, about 1% of entries changed or added on
//! each side) with the XML engine, and times `git merge-file` on the same three
//! files in the same run. Prints both times, their ratio and the merge's peak
//! memory next to the input size (targets: at most 2x git, under 10x input).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use sfsync::merge::text::MergeOptions;

const FIELD_PERMISSIONS: usize = 40_000;
const OBJECTS: usize = 2_500;
const CLASSES: usize = 12_000;
const PAGES: usize = 6_000;
const TABS: usize = 2_500;
const USER_PERMISSIONS: usize = 450;

/// A small deterministic generator, so every run merges the same files.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Renders the profile; `side` 0 is base, 1 and 2 change or add ~1% of entries,
/// each in its own part of the file.
fn profile(side: u64) -> String {
    let mut rng = Lcg(42);
    let mut edit = Lcg(side * 7919 + 1);
    let mut out = String::with_capacity(11 << 20);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n");
    for i in 0..CLASSES {
        let enabled = rng.chance(900);
        let _ = write!(
            out,
            "    <classAccesses>\n        <apexClass>Class{i:05}</apexClass>\n        <enabled>{}</enabled>\n    </classAccesses>\n",
            flag(enabled)
        );
    }
    out.push_str("    <custom>false</custom>\n");
    for i in 0..FIELD_PERMISSIONS {
        let (object, field) = (i / 50, i % 50);
        let (mut editable, readable) = (rng.chance(500), rng.chance(950));
        // Each side edits entries in its own half of the list.
        let mine = side != 0 && (i % 2 == (side as usize - 1));
        if mine && edit.chance(10) {
            editable = !editable;
        }
        let _ = write!(
            out,
            "    <fieldPermissions>\n        <editable>{}</editable>\n        <field>Object{object:04}__c.Field{field:02}__c</field>\n        <readable>{}</readable>\n    </fieldPermissions>\n",
            flag(editable),
            flag(readable)
        );
        if mine && edit.chance(10) {
            let _ = write!(
                out,
                "    <fieldPermissions>\n        <editable>false</editable>\n        <field>Object{object:04}__c.Field{field:02}x{side}__c</field>\n        <readable>true</readable>\n    </fieldPermissions>\n"
            );
        }
    }
    for i in 0..OBJECTS {
        let mut delete = rng.chance(300);
        if side != 0 && i % 2 == (side as usize - 1) && edit.chance(10) {
            delete = !delete;
        }
        let _ = write!(
            out,
            "    <objectPermissions>\n        <allowCreate>true</allowCreate>\n        <allowDelete>{}</allowDelete>\n        <allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Object{i:04}__c</object>\n        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>\n",
            flag(delete)
        );
    }
    for i in 0..PAGES {
        let _ = write!(
            out,
            "    <pageAccesses>\n        <apexPage>Page{i:05}</apexPage>\n        <enabled>{}</enabled>\n    </pageAccesses>\n",
            flag(rng.chance(800))
        );
    }
    for i in 0..TABS {
        let _ = write!(
            out,
            "    <tabVisibilities>\n        <tab>Object{i:04}__c</tab>\n        <visibility>{}</visibility>\n    </tabVisibilities>\n",
            if rng.chance(500) { "DefaultOn" } else { "Hidden" }
        );
    }
    out.push_str("    <userLicense>Salesforce</userLicense>\n");
    for i in 0..USER_PERMISSIONS {
        let mut enabled = rng.chance(700);
        if side != 0 && i % 2 == (side as usize - 1) && edit.chance(10) {
            enabled = !enabled;
        }
        let _ = write!(
            out,
            "    <userPermissions>\n        <enabled>{}</enabled>\n        <name>Permission{i:04}</name>\n    </userPermissions>\n",
            flag(enabled)
        );
    }
    out.push_str("</Profile>\n");
    out
}

fn git_merge_file(dir: &Path) -> Vec<u8> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["merge-file", "-p", "ours.xml", "base.xml", "theirs.xml"])
        .output()
        .expect("run git merge-file");
    output.stdout
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Returns a field of /proc/self/status in bytes (Linux only).
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Measures the merge's peak resident memory above what the process held
/// before: the kernel's high-water mark is reset through /proc/self/clear_refs.
fn peak_memory_of(f: impl FnOnce()) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = proc_status_bytes("VmRSS:")?;
    f();
    let peak = proc_status_bytes("VmHWM:")?;
    Some(peak.saturating_sub(before))
}

fn bench(c: &mut Criterion) {
    let (base, ours, theirs) = (profile(0), profile(1), profile(2));
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in [
        ("base.xml", &base),
        ("ours.xml", &ours),
        ("theirs.xml", &theirs),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write input");
    }
    let options = MergeOptions::default();
    let merge = || {
        sfsync::xml::merge(
            black_box(base.as_bytes()),
            black_box(ours.as_bytes()),
            black_box(theirs.as_bytes()),
            &options,
        )
        .expect("the generated profile merges")
    };

    let merged = merge();
    assert_eq!(merged.conflicts, 0, "the sides edit disjoint entries");
    let line_merged = git_merge_file(dir.path());
    let largest = base.len().max(ours.len()).max(theirs.len());
    let peak = peak_memory_of(|| {
        black_box(merge());
    });

    let parse_time = median(
        (0..5)
            .map(|_| {
                time(|| {
                    for text in [&base, &ours, &theirs] {
                        black_box(sfsync::xml::tree::Tree::parse(text.as_bytes(), "ours").ok());
                    }
                })
            })
            .collect(),
    );
    println!(
        "xml_merge: parsing the three inputs takes {:.1} ms of the merge",
        parse_time.as_secs_f64() * 1e3
    );

    let runs = 7;
    let ours_time = median(
        (0..runs)
            .map(|_| time(|| drop(black_box(merge()))))
            .collect(),
    );
    let git_time = median(
        (0..runs)
            .map(|_| time(|| drop(black_box(git_merge_file(dir.path())))))
            .collect(),
    );
    println!(
        "xml_merge: input {:.1} MB; sfsync::xml::merge {:.1} ms (clean); git merge-file {:.1} ms ({} conflict markers); ratio {:.2}x (target <= 2x)",
        largest as f64 / 1e6,
        ours_time.as_secs_f64() * 1e3,
        git_time.as_secs_f64() * 1e3,
        line_merged
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"<<<<<<<"))
            .count(),
        ours_time.as_secs_f64() / git_time.as_secs_f64()
    );
    match peak {
        Some(peak) => println!(
            "xml_merge: peak memory of one merge {:.1} MB = {:.2}x the largest input (target < 10x)",
            peak as f64 / 1e6,
            peak as f64 / largest as f64
        ),
        None => println!("xml_merge: peak memory not measured (needs Linux /proc)"),
    }

    let mut group = c.benchmark_group("admin_profile_10mb");
    group.sample_size(10);
    group.bench_function("sfsync_xml_merge", |b| b.iter(&merge));
    group.bench_function("git_merge_file", |b| b.iter(|| git_merge_file(dir.path())));
    group.finish();
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

criterion_group!(benches, bench);
criterion_main!(benches);
