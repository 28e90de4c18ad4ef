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

const LABELS_BASE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">
    <labels>
        <fullName>Invoice_Paid</fullName>
        <language>en_US</language>
        <protected>true</protected>
        <value>Invoice paid</value>
    </labels>
</CustomLabels>
"#;

fn labels_conflict(options: &MergeOptions) -> String {
    let ours = LABELS_BASE.replace("Invoice paid<", "Invoice settled<");
    let theirs = LABELS_BASE.replace("Invoice paid<", "Paid in full<");
    let merged = sfsync::xml::merge(
        LABELS_BASE.as_bytes(),
        ours.as_bytes(),
        theirs.as_bytes(),
        options,
    )
    .expect("mergeable");
    assert_eq!(merged.conflicts, 1);
    String::from_utf8(merged.content).unwrap()
}

#[test]
fn merge_style_hides_the_base_and_marker_size_is_honoured() {
    let options = MergeOptions {
        marker_size: 9,
        ours_label: "HEAD".into(),
        theirs_label: "feature".into(),
        ..MergeOptions::default()
    };
    let text = labels_conflict(&options);
    assert_markers_on_own_lines(&text, 9);
    assert!(text.contains(
        "\n<<<<<<<<< HEAD labels[Invoice_Paid].value\n        <value>Invoice settled</value>\n=========\n        <value>Paid in full</value>\n>>>>>>>>> feature labels[Invoice_Paid].value\n    </labels>\n"
    ), "{text}");
    assert!(!text.contains("|||||||||"));
}

#[test]
fn zdiff3_shows_the_base_section() {
    let options = MergeOptions {
        style: ConflictStyle::ZealousDiff3,
        ..MergeOptions::default()
    };
    let text = labels_conflict(&options);
    assert!(
        text.contains("\n||||||| base labels[Invoice_Paid].value\n        <value>Invoice paid</value>\n=======\n"),
        "{text}"
    );
}

#[test]
fn inputs_the_engine_cannot_read_are_errors_for_the_line_fallback() {
    let options = MergeOptions::default();
    let ours = LABELS_BASE.replace("Invoice paid<", "Invoice settled<");
    let broken = LABELS_BASE.replace("</value>", "</valu>");
    let err = sfsync::xml::merge(
        LABELS_BASE.as_bytes(),
        ours.as_bytes(),
        broken.as_bytes(),
        &options,
    )
    .unwrap_err();
    assert!(matches!(err, sfsync::xml::Error::Malformed(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("theirs is not well-formed XML at line 7"),
        "{err}"
    );

    let marked = format!("{LABELS_BASE}<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n");
    let err = sfsync::xml::merge(
        LABELS_BASE.as_bytes(),
        ours.as_bytes(),
        marked.as_bytes(),
        &options,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        sfsync::xml::Error::ConflictMarkers { side: "theirs" }
    ));

    let latin = LABELS_BASE.replace("UTF-8", "ISO-8859-1");
    let err = sfsync::xml::merge(
        latin.as_bytes(),
        ours.as_bytes(),
        LABELS_BASE.as_bytes(),
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(err, sfsync::xml::Error::Encoding { side: "base", .. }),
        "{err}"
    );

    let mut not_utf8 = LABELS_BASE.as_bytes().to_vec();
    not_utf8.extend_from_slice(b"\xff");
    let err = sfsync::xml::merge(LABELS_BASE.as_bytes(), &not_utf8, ours.as_bytes(), &options)
        .unwrap_err();
    assert!(
        matches!(err, sfsync::xml::Error::NotUtf8 { side: "ours", .. }),
        "{err}"
    );

    let flow = "<Flow>\n    <label>x</label>\n</Flow>\n";
    let err = sfsync::xml::merge(
        LABELS_BASE.as_bytes(),
        ours.as_bytes(),
        flow.as_bytes(),
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(err, sfsync::xml::Error::RootMismatch { .. }),
        "{err}"
    );
}

#[test]
fn diff_names_changes_by_path() {
    let new = LABELS_BASE.replace(
        "<protected>true</protected>",
        "<protected>false</protected>",
    );
    let changes = sfsync::xml::diff(LABELS_BASE.as_bytes(), new.as_bytes()).unwrap();
    let summaries: Vec<&str> = changes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(summaries, ["labels[Invoice_Paid].protected: true -> false"]);
}

mod properties {
    //! Invariants over generated profiles and label files: a model merge over
    //! key -> leaves maps says what the engine must produce.

    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use sfsync::merge::text::MergeOptions;

    #[derive(Debug, Clone, Copy)]
    enum Kind {
        Profile,
        Labels,
    }

    const BOOLS: &[&str] = &["true", "false"];
    const TEXTS: &[&str] = &[
        "Paid",
        "Tom &amp; Jerry",
        "Due &quot;soon&quot;",
        "It&apos;s late",
        "<![CDATA[<b>Draft</b>]]>",
    ];

    type Item = (String, String);
    type Version = BTreeMap<u16, Item>;

    fn leaves(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
        match kind {
            Kind::Profile => (BOOLS, BOOLS),
            Kind::Labels => (BOOLS, TEXTS),
        }
    }

    fn block(kind: Kind, key: u16, (a, b): &Item) -> String {
        match kind {
            Kind::Profile => format!(
                "    <fieldPermissions>\n        <editable>{a}</editable>\n        <field>Account.Field{key:02}__c</field>\n        <readable>{b}</readable>\n    </fieldPermissions>\n"
            ),
            Kind::Labels => format!(
                "    <labels>\n        <fullName>Label_{key:02}</fullName>\n        <language>en_US</language>\n        <protected>{a}</protected>\n        <value>{b}</value>\n    </labels>\n"
            ),
        }
    }

    /// Renders a version with its items in the order `(key * mult) % 101`
    /// (sorted when `mult` is 1).
    fn render(kind: Kind, version: &Version, mult: u16) -> String {
        let mut keys: Vec<u16> = version.keys().copied().collect();
        keys.sort_by_key(|k| (k * mult) % 101);
        let items: String = keys.iter().map(|k| block(kind, *k, &version[k])).collect();
        match kind {
            Kind::Profile => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{items}    <custom>false</custom>\n    <userLicense>Salesforce</userLicense>\n</Profile>\n"
            ),
            Kind::Labels => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomLabels xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{items}</CustomLabels>\n"
            ),
        }
    }

    /// One side's edits: for every key 0..30, an action and replacement leaves.
    fn edits(kind: Kind) -> impl Strategy<Value = Vec<(u8, usize, usize)>> {
        let (a, b) = leaves(kind);
        prop::collection::vec((0u8..10, 0..a.len(), 0..b.len()), 30)
    }

    fn apply(kind: Kind, base: &Version, edits: &[(u8, usize, usize)]) -> Version {
        let (pa, pb) = leaves(kind);
        let mut out = base.clone();
        for (key, &(action, a, b)) in edits.iter().enumerate() {
            let key = key as u16;
            match (out.get_mut(&key), action) {
                (Some(_), 7) => {
                    out.remove(&key);
                }
                (Some(item), 8) => item.0 = pa[a].to_string(),
                (Some(item), 9) => item.1 = pb[b].to_string(),
                (None, 8 | 9) => {
                    out.insert(key, (pa[a].to_string(), pb[b].to_string()));
                }
                _ => {}
            }
        }
        out
    }

    fn leaf3(b: Option<&String>, o: &String, t: &String) -> Option<String> {
        if o == t || b == Some(t) {
            Some(o.clone())
        } else if b == Some(o) {
            Some(t.clone())
        } else {
            None
        }
    }

    /// The model: the merged version, or `None` when some item conflicts.
    fn model(base: &Version, ours: &Version, theirs: &Version) -> Option<Version> {
        let mut out = Version::new();
        let keys: std::collections::BTreeSet<u16> = base
            .keys()
            .chain(ours.keys())
            .chain(theirs.keys())
            .copied()
            .collect();
        for k in keys {
            let (b, o, t) = (base.get(&k), ours.get(&k), theirs.get(&k));
            let item = match (b, o, t) {
                (_, Some(o), Some(t)) => Some((
                    leaf3(b.map(|b| &b.0), &o.0, &t.0)?,
                    leaf3(b.map(|b| &b.1), &o.1, &t.1)?,
                )),
                (Some(b), Some(o), None) | (Some(b), None, Some(o)) => {
                    if b != o {
                        return None;
                    }
                    None
                }
                (None, Some(x), None) | (None, None, Some(x)) => Some(x.clone()),
                (_, None, None) => None,
            };
            if let Some(item) = item {
                out.insert(k, item);
            }
        }
        Some(out)
    }

    fn scenario() -> impl Strategy<Value = (Kind, Version, Version, Version, [u16; 3])> {
        prop_oneof![Just(Kind::Profile), Just(Kind::Labels)].prop_flat_map(|kind| {
            let (a, b) = leaves(kind);
            let base = prop::collection::btree_map(0u16..30, (0..a.len(), 0..b.len()), 0..20)
                .prop_map(move |m| {
                    m.into_iter()
                        .map(|(k, (x, y))| (k, (a[x].to_string(), b[y].to_string())))
                        .collect::<Version>()
                });
            let mult = prop_oneof![3 => Just(1u16), 1 => Just(7u16), 1 => Just(13u16)];
            (
                Just(kind),
                base,
                edits(kind),
                edits(kind),
                [mult.clone(), mult.clone(), mult],
            )
                .prop_map(|(kind, base, eo, et, mults)| {
                    let ours = apply(kind, &base, &eo);
                    let theirs = apply(kind, &base, &et);
                    (kind, base, ours, theirs, mults)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn trivial_merges_return_a_side_byte_for_byte((kind, base, ours, theirs, m) in scenario()) {
            let options = MergeOptions::default();
            let (b, o, t) = (render(kind, &base, m[0]), render(kind, &ours, m[1]), render(kind, &theirs, m[2]));
            for merge in [sfsync::xml::merge, sfsync::xml::merge_parsed] {
                prop_assert_eq!(&merge(b.as_bytes(), o.as_bytes(), o.as_bytes(), &options).unwrap().content, o.as_bytes());
                prop_assert_eq!(&merge(o.as_bytes(), o.as_bytes(), t.as_bytes(), &options).unwrap().content, t.as_bytes());
                prop_assert_eq!(&merge(b.as_bytes(), o.as_bytes(), b.as_bytes(), &options).unwrap().content, o.as_bytes());
            }
        }

        #[test]
        fn the_merge_agrees_with_the_model((kind, base, ours, theirs, m) in scenario()) {
            let options = MergeOptions::default();
            let (b, o, t) = (render(kind, &base, m[0]), render(kind, &ours, m[1]), render(kind, &theirs, m[2]));
            let merged = sfsync::xml::merge_parsed(b.as_bytes(), o.as_bytes(), t.as_bytes(), &options)
                .expect("generated inputs merge");
            let text = String::from_utf8(merged.content).unwrap();
            // Every item added or changed on one side only is in the result.
            for (side, other) in [(&ours, &theirs), (&theirs, &ours)] {
                for (k, item) in side.iter() {
                    let one_sided = base.get(k) != Some(item) && other.get(k) == base.get(k);
                    if one_sided {
                        prop_assert!(text.contains(&block(kind, *k, item)), "item {} missing:\n{}", k, text);
                    }
                }
            }
            match model(&base, &ours, &theirs) {
                Some(expected) => {
                    prop_assert_eq!(merged.conflicts, 0, "{}", text);
                    let want = render(kind, &expected, 1);
                    let changes = sfsync::xml::diff(want.as_bytes(), text.as_bytes()).unwrap();
                    prop_assert!(changes.is_empty(), "{:?}\n{}", changes, text);
                    if m == [1, 1, 1] {
                        prop_assert_eq!(text, want);
                    }
                }
                None => {
                    prop_assert!(merged.conflicts > 0, "{}", text);
                    super::assert_markers_on_own_lines(&text, options.marker_size);
                }
            }
        }
    }

    fn value_set(values: &[(u8, bool)]) -> String {
        let items: String = values
            .iter()
            .map(|(v, default)| {
                format!(
                    "    <customValue>\n        <fullName>Tier_{v}</fullName>\n        <default>{default}</default>\n        <label>Tier {v}</label>\n    </customValue>\n"
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GlobalValueSet xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{items}    <masterLabel>Tier</masterLabel>\n    <sorted>false</sorted>\n</GlobalValueSet>\n"
        )
    }

    /// Picklist values in order: (suffix, default).
    type Values = Vec<(u8, bool)>;

    /// A picklist (ordered, keyed) and two sides that each insert values,
    /// flip defaults, or (ours only) move a value.
    fn picklists() -> impl Strategy<Value = (Values, Values, Values)> {
        let base = prop::collection::btree_set(0u8..20, 0..8)
            .prop_map(|s| s.into_iter().collect::<Vec<u8>>())
            .prop_shuffle();
        (base, any::<u64>(), any::<u64>()).prop_map(|(base, so, st)| {
            let base: Values = base.into_iter().map(|v| (v, false)).collect();
            let side = |seed: u64, fresh: u8, may_move: bool| {
                let mut out = base.clone();
                if seed & 1 == 1 {
                    let at = (seed as usize >> 8) % (out.len() + 1);
                    out.insert(at, (fresh, false));
                }
                if seed & 2 == 2 && !out.is_empty() {
                    let at = (seed as usize >> 16) % out.len();
                    out[at].1 = true;
                }
                if may_move && seed & 4 == 4 && out.len() > 1 {
                    let item = out.remove(0);
                    out.push(item);
                }
                out
            };
            (base.clone(), side(so, 30, true), side(st, 40, false))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn picklist_merges_keep_every_one_sided_change((base, ours, theirs) in picklists()) {
            let options = MergeOptions::default();
            let (b, o, t) = (value_set(&base), value_set(&ours), value_set(&theirs));
            for (x, y, z, want) in [(&b, &o, &o, &o), (&o, &o, &t, &t), (&b, &o, &b, &o)] {
                let merged = sfsync::xml::merge_parsed(x.as_bytes(), y.as_bytes(), z.as_bytes(), &options).unwrap();
                prop_assert_eq!(&merged.content, want.as_bytes());
            }
            let merged = sfsync::xml::merge_parsed(b.as_bytes(), o.as_bytes(), t.as_bytes(), &options).unwrap();
            let text = String::from_utf8(merged.content).unwrap();
            // Only ours moves values and each side adds its own value: no conflict,
            // every added value present, every flipped default kept.
            prop_assert_eq!(merged.conflicts, 0, "{}", text);
            for side in [&ours, &theirs] {
                for (v, default) in side.iter() {
                    let changed = !base.contains(&(*v, *default));
                    if changed {
                        let block = format!("<fullName>Tier_{v}</fullName>\n        <default>{default}</default>");
                        prop_assert!(text.contains(&block), "Tier_{} missing\n{}", v, text);
                    }
                }
            }
        }
    }
}

mod end_to_end {
    //! Real `git merge`, `git rebase` and `git cherry-pick` with the driver
    //! configured as `git sfsync init` configures it.

    use std::path::{Path, PathBuf};

    use crate::common::TestEnv;

    const PROFILE: &str = "force-app/main/default/profiles/Admin.profile-meta.xml";
    const LABELS: &str = "force-app/main/default/labels/CustomLabels.labels-meta.xml";

    fn field_permission(field: &str, editable: bool) -> String {
        format!(
            "    <fieldPermissions>\n        <editable>{editable}</editable>\n        <field>{field}</field>\n        <readable>true</readable>\n    </fieldPermissions>\n"
        )
    }

    fn profile(fields: &[(&str, bool)]) -> String {
        let items: String = fields
            .iter()
            .map(|(f, e)| field_permission(f, *e))
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Profile xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <custom>false</custom>\n{items}    <userLicense>Salesforce</userLicense>\n</Profile>\n"
        )
    }

    fn labels(values: &[(&str, &str)]) -> String {
        let items: String = values
            .iter()
            .map(|(name, value)| {
                format!(
                    "    <labels>\n        <fullName>{name}</fullName>\n        <language>en_US</language>\n        <protected>true</protected>\n        <shortDescription>{name}</shortDescription>\n        <value>{value}</value>\n    </labels>\n"
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomLabels xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n{items}</CustomLabels>\n"
        )
    }

    /// A repository with the driver registered the way `git sfsync init` does it.
    fn repo(env: &TestEnv) -> PathBuf {
        let dir = env.init_repo("project");
        env.write(
            &dir,
            ".gitattributes",
            "*.cls merge=sfsync\n*.trigger merge=sfsync\n*-meta.xml merge=sfsync\n",
        );
        env.git(
            &dir,
            &["config", "merge.sfsync.name", "git-sfsync semantic merge"],
        )
        .success();
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
            PROFILE,
            profile(&[("Account.Industry", false), ("Account.Rating", false)]),
        );
        env.write(
            &dir,
            LABELS,
            labels(&[
                ("Invoice_Due", "Invoice due"),
                ("Invoice_Paid", "Invoice paid"),
            ]),
        );
        env.commit_all(&dir, "base");
        dir
    }

    /// Commits both-sides additions at the same place: `main` adds Phone,
    /// `feature` adds Fax. A line merge conflicts on this.
    fn diverge(env: &TestEnv, dir: &Path) {
        env.git(dir, &["checkout", "-q", "-b", "feature"]).success();
        env.write(
            dir,
            PROFILE,
            profile(&[
                ("Account.Fax", true),
                ("Account.Industry", false),
                ("Account.Rating", false),
            ]),
        );
        env.commit_all(dir, "feature: Fax");
        env.git(dir, &["checkout", "-q", "main"]).success();
        env.write(
            dir,
            PROFILE,
            profile(&[
                ("Account.Industry", false),
                ("Account.Phone", true),
                ("Account.Rating", false),
            ]),
        );
        env.commit_all(dir, "main: Phone");
    }

    fn merged_profile() -> String {
        profile(&[
            ("Account.Fax", true),
            ("Account.Industry", false),
            ("Account.Phone", true),
            ("Account.Rating", false),
        ])
    }

    #[test]
    fn git_merge_keeps_permissions_added_on_both_branches() {
        let env = TestEnv::new();
        let dir = repo(&env);
        diverge(&env, &dir);
        env.git(&dir, &["merge", "-q", "--no-edit", "feature"])
            .success();
        assert_eq!(env.read(&dir, PROFILE), merged_profile());
    }

    #[test]
    fn git_rebase_replays_onto_a_branch_that_added_a_neighbour() {
        let env = TestEnv::new();
        let dir = repo(&env);
        diverge(&env, &dir);
        env.git(&dir, &["checkout", "-q", "feature"]).success();
        env.git(&dir, &["rebase", "-q", "main"]).success();
        assert_eq!(env.read(&dir, PROFILE), merged_profile());
    }

    #[test]
    fn git_cherry_pick_applies_a_label_edit_next_to_a_new_label() {
        let env = TestEnv::new();
        let dir = repo(&env);
        env.git(&dir, &["checkout", "-q", "-b", "feature"])
            .success();
        env.write(
            &dir,
            LABELS,
            labels(&[
                ("Invoice_Due", "Payment due"),
                ("Invoice_Paid", "Invoice paid"),
            ]),
        );
        env.commit_all(&dir, "reword Invoice_Due");
        env.git(&dir, &["checkout", "-q", "main"]).success();
        env.write(
            &dir,
            LABELS,
            labels(&[
                ("Invoice_Draft", "Draft"),
                ("Invoice_Due", "Invoice due"),
                ("Invoice_Paid", "Invoice paid"),
            ]),
        );
        env.commit_all(&dir, "add Invoice_Draft");
        env.git(&dir, &["cherry-pick", "feature"]).success();
        assert_eq!(
            env.read(&dir, LABELS),
            labels(&[
                ("Invoice_Draft", "Draft"),
                ("Invoice_Due", "Payment due"),
                ("Invoice_Paid", "Invoice paid"),
            ])
        );
    }

    #[test]
    fn a_real_conflict_is_marked_around_the_leaf_with_diff3() {
        let env = TestEnv::new();
        let dir = repo(&env);
        env.git(&dir, &["config", "merge.conflictStyle", "diff3"])
            .success();
        env.git(&dir, &["checkout", "-q", "-b", "feature"])
            .success();
        env.write(
            &dir,
            LABELS,
            labels(&[
                ("Invoice_Due", "Payment due"),
                ("Invoice_Paid", "Invoice paid"),
            ]),
        );
        env.commit_all(&dir, "feature wording");
        env.git(&dir, &["checkout", "-q", "main"]).success();
        env.write(
            &dir,
            LABELS,
            labels(&[("Invoice_Due", "Due now"), ("Invoice_Paid", "Invoice paid")]),
        );
        env.commit_all(&dir, "main wording");
        let run = env.git(&dir, &["merge", "--no-edit", "feature"]);
        assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
        let text = env.read(&dir, LABELS);
        let unit = "labels[Invoice_Due].value";
        let expected = format!(
            "<<<<<<< ours:{LABELS} {unit}\n        <value>Due now</value>\n||||||| base:{LABELS} {unit}\n        <value>Invoice due</value>\n=======\n        <value>Payment due</value>\n>>>>>>> theirs:{LABELS} {unit}\n"
        );
        assert!(text.contains(&expected), "{text}");
        assert_eq!(text.matches("<<<<<<<").count(), 1, "{text}");
    }

    #[test]
    fn malformed_xml_falls_back_to_the_line_merge_with_a_warning() {
        let env = TestEnv::new();
        let dir = env.root().to_path_buf();
        let base = labels(&[
            ("Invoice_Due", "Invoice due"),
            ("Invoice_Paid", "Invoice paid"),
        ]);
        let ours = base.replace("Invoice due<", "Due now<");
        let theirs = base.replace("</CustomLabels>", "</CustomLabel>");
        for (name, text) in [("base", &base), ("ours", &ours), ("theirs", &theirs)] {
            env.write(&dir, name, text);
            env.write(&dir, &format!("git-{name}"), text);
        }
        let run = env.sfsync(&dir, &["merge-driver", "base", "ours", "theirs", LABELS]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("merged line by line")
                && run.stderr.contains("theirs is not well-formed XML"),
            "{}",
            run.stderr
        );
        env.git(&dir, &["merge-file", "git-ours", "git-base", "git-theirs"])
            .success();
        assert_eq!(env.read(&dir, "ours"), env.read(&dir, "git-ours"));
    }
}

#[test]
fn diff_names_nested_changes_in_an_object() {
    let dir = common::fixtures_dir()
        .join("merge/xml/object_fields_and_their_picklist_values_merge_by_name");
    let changes = sfsync::xml::diff(&read(&dir, "base.xml"), &read(&dir, "theirs.xml")).unwrap();
    let summaries: Vec<&str> = changes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "fields[Channel__c] added",
            "fields[Priority__c].label: Priority -> Ticket Priority",
            "fields[Priority__c].valueSet values reordered: High, Medium, Low",
        ]
    );
    let json = serde_json::to_value(&changes[2]).unwrap();
    assert_eq!(json["change"], "reordered");
}

#[test]
fn crlf_files_keep_crlf_around_conflict_markers() {
    let base = LABELS_BASE.replace('\n', "\r\n");
    let ours = base.replace("Invoice paid<", "Invoice settled<");
    let theirs = base.replace("Invoice paid<", "Paid in full<");
    let options = MergeOptions {
        style: ConflictStyle::Diff3,
        ..MergeOptions::default()
    };
    let merged = sfsync::xml::merge(
        base.as_bytes(),
        ours.as_bytes(),
        theirs.as_bytes(),
        &options,
    )
    .unwrap();
    assert_eq!(merged.conflicts, 1);
    let text = String::from_utf8(merged.content).unwrap();
    assert!(text.ends_with("</CustomLabels>\r\n"));
    for line in text.split_inclusive('\n') {
        assert!(
            line.ends_with("\r\n"),
            "line without CR: {line:?}\n{text:?}"
        );
    }
    assert_markers_on_own_lines(&text, 7);
}
