//! The XML engine against its fixture directories, its invariants over generated
//! profiles and labels, and (where the driver is wired) real git merges.

use std::fs;
use std::path::Path;

use sfsync::merge::text::{ConflictStyle, MergeOptions};

use crate::common;

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// Asserts that every conflict marker stands on its own line.
#[track_caller]
fn assert_markers_on_own_lines(text: &str, size: usize) {
    for line in text.lines() {
        for c in ['<', '|', '=', '>'] {
            let marker: String = std::iter::repeat_n(c, size).collect();
            if line.contains(&marker) {
                let rest = line
                    .strip_prefix(&marker)
                    .unwrap_or_else(|| panic!("marker glued to text: {line:?}\nin:\n{text}"));
                assert!(
                    rest.is_empty() || rest.starts_with(' '),
                    "bad marker line {line:?}\nin:\n{text}"
                );
            }
        }
    }
}

#[test]
fn every_xml_fixture_merges_to_its_expected_result() {
    let root = common::fixtures_dir().join("merge/xml");
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("fixtures/merge/xml exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let bless = std::env::var_os("SFSYNC_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let style = fs::read_to_string(dir.join("conflictstyle"))
            .map(|s| ConflictStyle::from_git_config(&s))
            .unwrap_or_default();
        let options = MergeOptions {
            style,
            ..MergeOptions::default()
        };
        let merged = sfsync::xml::merge(
            &read(dir, "base.xml"),
            &read(dir, "ours.xml"),
            &read(dir, "theirs.xml"),
            &options,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8(merged.content).expect("UTF-8 result");
        assert_markers_on_own_lines(&text, options.marker_size);
        let opening = text.lines().filter(|l| l.starts_with("<<<<<<< ")).count();
        assert_eq!(merged.conflicts, opening, "{name}: conflict count");
        let expected_path = dir.join("expected.xml");
        if bless && !expected_path.exists() {
            fs::write(&expected_path, &text).expect("write expected.xml");
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == text => {}
            Ok(expected) => failures.push(format!(
                "{name}: result differs\n--- expected\n{expected}\n--- got\n{text}"
            )),
            Err(e) => failures.push(format!("{name}: no expected.xml ({e})")),
        }
        if merged.conflicts == 0 {
            // A clean result is well-formed and is what the engine sees as settled:
            // merging it with itself changes nothing.
            let again =
                sfsync::xml::merge(text.as_bytes(), text.as_bytes(), text.as_bytes(), &options)
                    .expect("re-merge");
            assert_eq!(again.content, text.as_bytes());
        }
    }
    assert!(
        dirs.len() >= 10,
        "expected the fixture set, found {}",
        dirs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
