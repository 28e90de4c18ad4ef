//! The Apex engine's merge rules as scenarios: one fixture directory per rule
//! (`fixtures/merge/apex/<case>/{base,ours,theirs,expected}.cls`, `.trigger`
//! for triggers), and property tests over generated classes for the
//! invariants every merge must keep.

use proptest::prelude::*;
use sfsync::merge::text::{has_conflict_markers, MergeOptions};
use std::path::{Path, PathBuf};

fn fixture_cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/merge/apex");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/merge/apex exists")
        .map(|entry| entry.expect("readable fixture entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Returns the extension the case's files use (`cls` or `trigger`).
fn extension(case: &Path) -> &'static str {
    if case.join("base.trigger").exists() {
        "trigger"
    } else {
        "cls"
    }
}

#[test]
fn every_fixture_merges_to_its_expected_file() {
    let cases = fixture_cases();
    assert!(cases.len() >= 10, "the rules need their fixtures");
    let mut failures = Vec::new();
    for case in &cases {
        let ext = extension(case);
        let read = |name: &str| {
            std::fs::read(case.join(format!("{name}.{ext}")))
                .unwrap_or_else(|e| panic!("{}: {name}.{ext}: {e}", case.display()))
        };
        let (base, ours, theirs, expected) =
            (read("base"), read("ours"), read("theirs"), read("expected"));
        let name = case.file_name().expect("named case").to_string_lossy();
        match sfsync::apex::merge(&base, &ours, &theirs, &MergeOptions::default()) {
            Ok(merged) => {
                let conflicted = has_conflict_markers(&expected, 7);
                if merged.content != expected {
                    failures.push(format!(
                        "{name}: result differs from expected.{ext}\n--- got ---\n{}",
                        String::from_utf8_lossy(&merged.content)
                    ));
                } else if conflicted != (merged.conflicts > 0) {
                    failures.push(format!("{name}: {} conflicts reported", merged.conflicts));
                }
            }
            Err(error) => failures.push(format!("{name}: engine refused: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fixtures_need_the_semantic_engine() {
    // A fixture that git's line merge already gets right proves nothing about
    // the engine; keep at least the headline cases beyond its reach.
    let mut beyond_line_merge = 0;
    for case in fixture_cases() {
        let ext = extension(&case);
        let read = |name: &str| std::fs::read(case.join(format!("{name}.{ext}"))).expect("read");
        let line = sfsync::merge::text::merge(
            &read("base"),
            &read("ours"),
            &read("theirs"),
            &MergeOptions::default(),
        );
        if line.content != read("expected") {
            beyond_line_merge += 1;
        }
    }
    assert!(beyond_line_merge >= 5, "only {beyond_line_merge} cases");
}

/// One generated member: a field or a method whose body lines carry versions,
/// so that edits on different lines merge and edits on the same line conflict.
#[derive(Debug, Clone)]
struct GenMember {
    name: String,
    method: bool,
    lines: Vec<u8>,
}

impl GenMember {
    fn render(&self, out: &mut String) {
        if self.method {
            out.push_str(&format!("\n    public void {}() {{\n", self.name));
            for (i, v) in self.lines.iter().enumerate() {
                out.push_str(&format!(
                    "        System.debug('{} line {i} v{v}');\n",
                    self.name
                ));
            }
            out.push_str("    }\n");
        } else {
            out.push_str(&format!(
                "    public Integer {} = {};\n",
                self.name,
                self.lines.first().copied().unwrap_or(0)
            ));
        }
    }
}

fn render(members: &[GenMember]) -> String {
    let mut out = String::from("public with sharing class Generated {\n");
    for m in members {
        m.render(&mut out);
    }
    out.push_str("}\n");
    out
}

#[derive(Debug, Clone)]
enum Op {
    Edit(usize, usize),
    Delete(usize),
    Add(usize, bool),
    Move(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(m, l)| Op::Edit(m, l)),
        any::<usize>().prop_map(Op::Delete),
        (any::<usize>(), any::<bool>()).prop_map(|(at, method)| Op::Add(at, method)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Move(a, b)),
    ]
}

/// Applies `ops` to `base`; added members are named `<side>N`.
fn apply(base: &[GenMember], ops: &[Op], side: &str) -> Vec<GenMember> {
    let mut members = base.to_vec();
    for (n, op) in ops.iter().enumerate() {
        let len = members.len();
        match *op {
            Op::Edit(m, l) if len > 0 => {
                let lines = &mut members[m % len].lines;
                let l = l % lines.len();
                lines[l] = lines[l].wrapping_add(1);
            }
            Op::Delete(m) if len > 0 => {
                members.remove(m % len);
            }
            Op::Add(at, method) => members.insert(
                at % (len + 1),
                GenMember {
                    name: format!("{side}{n}"),
                    method,
                    lines: vec![0; if method { 2 } else { 1 }],
                },
            ),
            Op::Move(a, b) if len > 0 => {
                let m = members.remove(a % len);
                members.insert(b % len, m);
            }
            _ => {}
        }
    }
    members
}

fn base_members() -> impl Strategy<Value = Vec<GenMember>> {
    prop::collection::vec((any::<bool>(), 1usize..4), 0..7).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (method, lines))| GenMember {
                name: format!("base{i}"),
                method,
                lines: vec![0; if method { lines } else { 1 }],
            })
            .collect()
    })
}

fn merge(base: &str, ours: &str, theirs: &str) -> sfsync::merge::Merged {
    sfsync::apex::merge(
        base.as_bytes(),
        ours.as_bytes(),
        theirs.as_bytes(),
        &MergeOptions::default(),
    )
    .expect("generated Apex merges semantically")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn same_change_on_both_sides_gives_that_side(
        base in base_members(),
        ops in prop::collection::vec(op(), 0..6),
    ) {
        let ours = render(&apply(&base, &ops, "o"));
        let merged = merge(&render(&base), &ours, &ours);
        prop_assert_eq!(String::from_utf8(merged.content).expect("utf-8"), ours);
        prop_assert_eq!(merged.conflicts, 0);
    }

    #[test]
    fn a_side_equal_to_base_gives_the_other_side(
        base in base_members(),
        ops in prop::collection::vec(op(), 0..6),
    ) {
        let base_text = render(&base);
        let changed = render(&apply(&base, &ops, "x"));
        let merged = merge(&base_text, &base_text, &changed);
        prop_assert_eq!(String::from_utf8(merged.content).expect("utf-8"), changed.clone());
        let merged = merge(&base_text, &changed, &base_text);
        prop_assert_eq!(String::from_utf8(merged.content).expect("utf-8"), changed);
    }

    #[test]
    fn no_added_member_is_lost(
        base in base_members(),
        ours_ops in prop::collection::vec(op(), 0..6),
        theirs_ops in prop::collection::vec(op(), 0..6),
    ) {
        let ours = apply(&base, &ours_ops, "o");
        let theirs = apply(&base, &theirs_ops, "t");
        let merged = merge(&render(&base), &render(&ours), &render(&theirs));
        let text = String::from_utf8(merged.content).expect("utf-8");
        for added in ours.iter().chain(&theirs).filter(|m| !m.name.starts_with("base")) {
            let declared = if added.method {
                format!("void {}()", added.name)
            } else {
                format!("Integer {} =", added.name)
            };
            prop_assert!(text.contains(&declared), "{} lost:\n{}", added.name, text);
        }
        if merged.conflicts == 0 {
            prop_assert!(!has_conflict_markers(text.as_bytes(), 7));
        }
    }
}

/// Scenarios through the real `git merge`, `git rebase` and `git cherry-pick`
/// with the driver configured the way `git sfsync init` configures it.
mod through_git {
    use crate::common::TestEnv;
    use std::path::{Path, PathBuf};

    const PATH: &str = "force-app/main/default/classes/InvoiceService.cls";

    const BASE: &str = "public with sharing class InvoiceService {\n    public Decimal total(List<Decimal> amounts) {\n        Decimal sum = 0;\n        for (Decimal amount : amounts) {\n            sum += amount;\n        }\n        return sum;\n    }\n}\n";

    const TAX: &str =
        "\n    public Decimal tax(Decimal amount) {\n        return amount * 0.2;\n    }\n";

    const OVERDUE: &str =
        "\n    public Boolean isOverdue(Date due) {\n        return due < Date.today();\n    }\n";

    /// Adds `method` after the last member of BASE.
    fn with(methods: &[&str]) -> String {
        let end = BASE.rfind("}\n").expect("class end");
        format!("{}{}{}", &BASE[..end], methods.concat(), &BASE[end..])
    }

    /// A repository whose `main` holds BASE, with the driver registered.
    fn repo(env: &TestEnv) -> PathBuf {
        let dir = env.init_repo("project");
        env.git(
            &dir,
            &[
                "config",
                "merge.sfsync.driver",
                "git-sfsync merge-driver %O %A %B %P %L",
            ],
        )
        .success();
        env.write(
            &dir,
            ".gitattributes",
            "*.cls merge=sfsync\n*.trigger merge=sfsync\n",
        );
        env.write(&dir, PATH, BASE);
        env.commit_all(&dir, "base");
        dir
    }

    /// Commits `content` on a new branch `name` started from main.
    fn branch(env: &TestEnv, dir: &Path, name: &str, content: &str) {
        env.git(dir, &["checkout", "-q", "-b", name, "main"])
            .success();
        env.write(dir, PATH, content);
        env.commit_all(dir, name);
        env.git(dir, &["checkout", "-q", "main"]).success();
    }

    #[test]
    fn git_merge_keeps_methods_both_branches_added_at_the_same_place() {
        let env = TestEnv::new();
        let dir = repo(&env);
        branch(&env, &dir, "tax", &with(&[TAX]));
        branch(&env, &dir, "overdue", &with(&[OVERDUE]));
        env.git(&dir, &["merge", "-q", "tax"]).success();
        env.git(&dir, &["merge", "-q", "--no-edit", "overdue"])
            .success();
        assert_eq!(env.read(&dir, PATH), with(&[TAX, OVERDUE]));
    }

    #[test]
    fn the_line_merge_alone_conflicts_on_the_same_scenario() {
        let env = TestEnv::new();
        let dir = repo(&env);
        branch(&env, &dir, "tax", &with(&[TAX]));
        branch(&env, &dir, "overdue", &with(&[OVERDUE]));
        env.git(&dir, &["merge", "-q", "tax"]).success();
        let run = env
            .command("git", &dir)
            .env("SFSYNC_MERGE", "0")
            .args(["merge", "-q", "--no-edit", "overdue"])
            .output()
            .expect("run git");
        assert_eq!(run.status.code(), Some(1));
    }

    #[test]
    fn rebase_and_cherry_pick_use_the_driver() {
        let env = TestEnv::new();
        let dir = repo(&env);
        branch(&env, &dir, "tax", &with(&[TAX]));
        branch(&env, &dir, "overdue", &with(&[OVERDUE]));
        env.git(&dir, &["checkout", "-q", "overdue"]).success();
        env.git(&dir, &["rebase", "-q", "tax"]).success();
        assert_eq!(env.read(&dir, PATH), with(&[TAX, OVERDUE]));

        env.git(&dir, &["checkout", "-q", "-b", "pick", "main"])
            .success();
        env.write(&dir, PATH, with(&[OVERDUE]));
        env.commit_all(&dir, "overdue first");
        env.git(&dir, &["cherry-pick", "tax"]).success();
        assert_eq!(env.read(&dir, PATH), with(&[OVERDUE, TAX]));
    }

    #[test]
    fn conflicts_are_confined_to_the_member_and_labelled_with_it() {
        let env = TestEnv::new();
        let dir = repo(&env);
        env.git(&dir, &["config", "merge.conflictStyle", "diff3"])
            .success();
        branch(
            &env,
            &dir,
            "ours",
            &BASE.replace("sum += amount;", "sum += amount.setScale(2);"),
        );
        branch(
            &env,
            &dir,
            "theirs",
            &BASE.replace("sum += amount;", "sum = sum + amount;"),
        );
        env.git(&dir, &["merge", "-q", "ours"]).success();
        let run = env.git(&dir, &["merge", "--no-edit", "theirs"]);
        assert_eq!(run.status, 1, "{}", run.stderr);
        let text = env.read(&dir, PATH);
        let label = format!("{PATH} method total(List<Decimal>)");
        assert!(
            text.contains(&format!(
                "<<<<<<< ours:{label}\n            sum += amount.setScale(2);\n||||||| base:{label}\n            sum += amount;\n=======\n            sum = sum + amount;\n>>>>>>> theirs:{label}\n"
            )),
            "{text}"
        );
        for line in text.lines().filter(|l| l.starts_with(['<', '|', '=', '>'])) {
            assert!(
                line.len() >= 7 && line[..7].chars().all(|c| c == line.as_bytes()[0] as char),
                "glued marker: {line}"
            );
        }
    }

    #[test]
    fn the_marker_size_git_passes_is_honoured() {
        let env = TestEnv::new();
        let dir = repo(&env);
        env.write(
            &dir,
            ".gitattributes",
            "*.cls merge=sfsync conflict-marker-size=10\n",
        );
        env.commit_all(&dir, "longer markers");
        branch(
            &env,
            &dir,
            "ours",
            &BASE.replace("Decimal sum = 0;", "Decimal sum = 0.0;"),
        );
        branch(
            &env,
            &dir,
            "theirs",
            &BASE.replace("Decimal sum = 0;", "Decimal sum = null;"),
        );
        env.git(&dir, &["merge", "-q", "ours"]).success();
        let run = env.git(&dir, &["merge", "--no-edit", "theirs"]);
        assert_eq!(run.status, 1, "{}", run.stderr);
        let text = env.read(&dir, PATH);
        assert!(
            text.contains("\n<<<<<<<<<< ours:") && text.contains("\n>>>>>>>>>> theirs:"),
            "{text}"
        );
    }

    #[test]
    fn a_side_that_does_not_parse_is_merged_line_by_line_with_a_warning() {
        let env = TestEnv::new();
        let dir = repo(&env);
        branch(
            &env,
            &dir,
            "broken",
            &with(&[TAX]).replace("return amount * 0.2;", "return amount * ;"),
        );
        branch(
            &env,
            &dir,
            "other",
            &BASE.replace("Decimal sum = 0;", "Decimal sum = 0.0;"),
        );
        env.git(&dir, &["merge", "-q", "other"]).success();
        let run = env.git(&dir, &["merge", "--no-edit", "broken"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("merged line by line")
                && run.stderr.contains("does not parse as Apex"),
            "{}",
            run.stderr
        );
        assert_eq!(
            env.read(&dir, PATH),
            with(&[TAX])
                .replace("return amount * 0.2;", "return amount * ;")
                .replace("Decimal sum = 0;", "Decimal sum = 0.0;")
        );
    }
}
