//! The member-by-member 3-way merge.
//!
//! Each body is merged in three parts: its header (3-way text merge of the
//! declaration line with its doc comment and annotations), its members, and
//! its closing text. Members are matched by identity across the three
//! versions; a member only one side changed is copied from that side, a member
//! both sides changed is merged alone with git's line merge (or, for an inner
//! type, recursively), and the member order follows the side that reordered,
//! with the other side's additions placed after the member they follow there.
//! Every byte of the result is copied from one of the inputs or produced by the
//! line merge, except a comma between enum constants that changed places and
//! a newline that keeps a conflict marker on its own line: nothing is
//! reformatted.

use super::model::{member_paths, Container, File, Kind, Member};
use super::reduce;
use super::Error;
use crate::merge::text::{self, has_conflict_markers, MergeOptions, Merged};
use std::collections::{HashMap, HashSet};

/// Merges three versions of an Apex class, interface, enum or trigger member
/// by member; `Err` means the file must be merged line by line instead.
pub fn merge(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    options: &MergeOptions,
) -> Result<Merged, Error> {
    for (side, bytes) in [("base", base), ("ours", ours), ("theirs", theirs)] {
        if has_conflict_markers(bytes, options.marker_size) {
            return Err(Error::ConflictMarkers { side });
        }
    }
    if let (Ok(b), Ok(o), Ok(t)) = (
        std::str::from_utf8(base),
        std::str::from_utf8(ours),
        std::str::from_utf8(theirs),
    ) {
        if let Some(reduced) = reduce::reduce(b, o, t) {
            let merged = merge_parsed(
                reduced.base.as_bytes(),
                reduced.ours.as_bytes(),
                reduced.theirs.as_bytes(),
                options,
            );
            // Any doubt about the reduced merge: merge the full texts instead.
            let expanded = merged.ok().and_then(|m| {
                let text = String::from_utf8(m.content).ok()?;
                Some((reduced.expand(&text)?, m.conflicts))
            });
            if let Some((content, conflicts)) = expanded {
                return Ok(Merged {
                    content: content.into_bytes(),
                    conflicts,
                });
            }
        }
    }
    merge_parsed(base, ours, theirs, options)
}

/// Merges three texts known to hold no conflict markers.
fn merge_parsed(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    options: &MergeOptions,
) -> Result<Merged, Error> {
    // Parsing dominates the run time on large classes: parse the base once,
    // then ours and theirs (side by side) incrementally from its tree.
    let b = File::parse("base", base)?;
    let (o, t) = std::thread::scope(|scope| {
        let o = scope.spawn(|| File::parse_like("ours", ours, &b));
        let t = File::parse_like("theirs", theirs, &b);
        let o = o
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (o, t)
    });
    let (o, t) = (o?, t?);
    if b.decl.key != o.decl.key || b.decl.key != t.decl.key {
        return Err(Error::TopLevelMismatch {
            base: b.decl.display.clone(),
            ours: o.decl.display.clone(),
            theirs: t.decl.display.clone(),
        });
    }
    let mut merger = Merger {
        b: &b,
        o: &o,
        t: &t,
        options,
        out: String::with_capacity(ours.len().max(theirs.len()) + 64),
        broken: false,
        conflicts: 0,
        expected: Vec::new(),
    };
    merger.member("", Some(&b.decl), &o.decl, &t.decl);
    let suffix = (b.slice(&b.suffix), o.slice(&o.suffix), t.slice(&t.suffix));
    merger.unit(Some(suffix.0), suffix.1, suffix.2, "");
    let Merger {
        out,
        conflicts,
        mut expected,
        broken,
        ..
    } = merger;
    if broken {
        return Err(Error::Unsafe {
            reason: "a member's line merge did not give UTF-8".into(),
        });
    }
    if conflicts == 0 {
        check(&out, &mut expected, &o)?;
    }
    Ok(Merged {
        content: out.into_bytes(),
        conflicts,
    })
}

/// The safety net: a clean result must parse and hold exactly the members the
/// merge decided to keep.
fn check(out: &str, expected: &mut Vec<String>, ours: &File<'_>) -> Result<(), Error> {
    let merged =
        File::parse_like("the merge result", out.as_bytes(), ours).map_err(|e| Error::Unsafe {
            reason: e.to_string(),
        })?;
    let mut found = merged.key_paths();
    found.sort_unstable();
    expected.sort_unstable();
    if found != *expected {
        let found_set: HashSet<&String> = found.iter().collect();
        let missing: Vec<&str> = expected
            .iter()
            .filter(|k| !found_set.contains(k))
            .map(String::as_str)
            .collect();
        return Err(Error::Unsafe {
            reason: if missing.is_empty() {
                "the result declares members no side has".into()
            } else {
                format!("members lost: {}", missing.join(", "))
            },
        });
    }
    Ok(())
}

/// Which side a member is copied from.
#[derive(Clone, Copy)]
enum Side {
    Ours,
    Theirs,
}

struct Merger<'m, 'a> {
    b: &'m File<'a>,
    o: &'m File<'a>,
    t: &'m File<'a>,
    options: &'m MergeOptions,
    out: String,
    /// Set when a line merge gave bytes that are not UTF-8.
    broken: bool,
    conflicts: usize,
    /// Identity paths of every member written, checked against the re-parse.
    expected: Vec<String>,
}

impl Merger<'_, '_> {
    /// Writes the 3-way merge of one text unit; identical or one-sided changes
    /// never reach the line merge.
    fn unit(&mut self, b: Option<&str>, o: &str, t: &str, unit: &str) {
        if o == t || b == Some(t) {
            self.out.push_str(o);
        } else if b == Some(o) {
            self.out.push_str(t);
        } else {
            let merged = text::merge(
                b.unwrap_or("").as_bytes(),
                o.as_bytes(),
                t.as_bytes(),
                &self.options.labels_for_unit(unit),
            );
            self.push_merged(merged);
        }
    }

    fn push_merged(&mut self, merged: Merged) {
        // A line merge of UTF-8 texts splits only at newlines, so this never
        // fails; if it ever did, the merge is refused rather than guessed.
        let Ok(content) = String::from_utf8(merged.content) else {
            self.broken = true;
            return;
        };
        if merged.conflicts > 0 {
            // Conflict markers must start a line.
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            self.out.push_str(&content);
            if !content.ends_with('\n') {
                self.out.push('\n');
            }
            self.conflicts += merged.conflicts;
        } else {
            self.out.push_str(&content);
        }
    }

    /// Writes the text before a member; whitespace-only differences between
    /// the sides never conflict (ours wins).
    fn lead(&mut self, b: Option<&str>, o: &str, t: &str, unit: &str) {
        if o != t && b != Some(o) && b != Some(t) && o.trim() == t.trim() {
            self.out.push_str(o);
        } else {
            self.unit(b, o, t, unit);
        }
    }

    /// Writes one member present on both sides (`b` is `None` when both added it).
    fn member(&mut self, prefix: &str, b: Option<&Member>, o: &Member, t: &Member) {
        let (bf, of, tf) = (self.b, self.o, self.t);
        self.lead(
            b.map(|m| bf.slice(&m.lead)),
            of.slice(&o.lead),
            tf.slice(&t.lead),
            &o.display,
        );
        let (ot, tt) = (of.slice(&o.text), tf.slice(&t.text));
        let bt = b.map(|m| bf.slice(&m.text));
        if ot == tt || bt == Some(tt) {
            self.out.push_str(ot);
            member_paths(o, prefix, &mut self.expected);
            return;
        }
        if bt == Some(ot) {
            self.out.push_str(tt);
            member_paths(t, prefix, &mut self.expected);
            return;
        }
        let base_body = match b {
            Some(m) if m.kind == o.kind => m.body.as_ref().map(Some),
            Some(_) => None,
            None => Some(None),
        };
        match (base_body, &o.body, &t.body) {
            (Some(bb), Some(ob), Some(tb)) if o.kind == t.kind => {
                let path = format!("{prefix}/{}", o.key);
                self.container(&path, o, bb, ob, tb);
                self.expected.push(path);
            }
            _ => {
                self.unit(bt, ot, tt, &o.display);
                self.expected.push(format!("{prefix}/{}", o.key));
            }
        }
    }

    /// Writes a member only one side has, or that one side deleted.
    fn one_sided(&mut self, prefix: &str, member: &Member, side: Side) {
        let file = match side {
            Side::Ours => self.o,
            Side::Theirs => self.t,
        };
        self.out.push_str(file.slice(&member.lead));
        self.out.push_str(file.slice(&member.text));
        member_paths(member, prefix, &mut self.expected);
    }

    /// Writes the conflict for a member one side deleted and the other changed.
    fn delete_conflict(&mut self, base: &Member, kept: &Member, side: Side) {
        let kept_file = match side {
            Side::Ours => self.o,
            Side::Theirs => self.t,
        };
        let with_newline = |s: String| {
            if s.is_empty() || s.ends_with('\n') {
                s
            } else {
                s + "\n"
            }
        };
        let kept_text = with_newline(format!(
            "{}{}",
            kept_file.slice(&kept.lead),
            kept_file.slice(&kept.text)
        ));
        let base_text = with_newline(format!(
            "{}{}",
            self.b.slice(&base.lead),
            self.b.slice(&base.text)
        ));
        let (ours, theirs) = match side {
            Side::Ours => (kept_text, String::new()),
            Side::Theirs => (String::new(), kept_text),
        };
        let labels = self.options.labels_for_unit(&kept.display);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        let marker = |c| self.options.marker(c);
        let mut block = format!("{} {}\n{ours}", marker('<'), labels.ours_label);
        if self.options.style.shows_base() {
            block.push_str(&format!(
                "{} {}\n{base_text}",
                marker('|'),
                labels.base_label
            ));
        }
        block.push_str(&format!(
            "{}\n{theirs}{} {}\n",
            marker('='),
            marker('>'),
            labels.theirs_label
        ));
        self.out.push_str(&block);
        self.conflicts += 1;
    }

    /// Merges a body: header, members, closing text.
    fn container(
        &mut self,
        path: &str,
        owner: &Member,
        b: Option<&Container>,
        o: &Container,
        t: &Container,
    ) {
        let (bf, of, tf) = (self.b, self.o, self.t);
        self.unit(
            b.map(|c| bf.slice(&c.head)),
            of.slice(&o.head),
            tf.slice(&t.head),
            &format!("{} header", owner.display),
        );
        let (bi, oi, ti) = (index(b), index(Some(o)), index(Some(t)));
        let changed = |file: &File<'_>, m: &Member, base: &Member| {
            file.slice(&m.text) != bf.slice(&base.text)
                || file.slice(&m.lead).trim() != bf.slice(&base.lead).trim()
        };
        let keep = |key: &str| match (bi.get(key), oi.get(key), ti.get(key)) {
            (Some(_), Some(_), Some(_)) | (None, _, _) => true,
            (Some(base), Some(m), None) => changed(of, m, base),
            (Some(base), None, Some(m)) => changed(tf, m, base),
            (Some(_), None, None) => false,
        };
        let order = merge_order(&keys(b), &keys(Some(o)), &keys(Some(t)), keep);
        let is_enum = owner.kind == Kind::Enum;
        for (position, key) in order.into_iter().enumerate() {
            let mark = self.out.len();
            match (bi.get(key), oi.get(key), ti.get(key)) {
                (bm, Some(om), Some(tm)) => {
                    let identical = bm.is_none()
                        && of.slice(&om.text) == tf.slice(&tm.text)
                        && of.slice(&om.lead).trim() == tf.slice(&tm.lead).trim();
                    if identical {
                        self.one_sided(path, om, Side::Ours);
                    } else {
                        self.member(path, bm.copied(), om, tm);
                    }
                }
                (None, Some(om), None) => self.one_sided(path, om, Side::Ours),
                (None, None, Some(tm)) => self.one_sided(path, tm, Side::Theirs),
                (Some(bm), Some(om), None) => self.delete_conflict(bm, om, Side::Ours),
                (Some(bm), None, Some(tm)) => self.delete_conflict(bm, tm, Side::Theirs),
                (_, None, None) => {}
            }
            if is_enum {
                fix_enum_separator(&mut self.out, mark, position == 0);
            }
        }
        self.unit(
            b.map(|c| bf.slice(&c.tail)),
            of.slice(&o.tail),
            tf.slice(&t.tail),
            &owner.display,
        );
    }
}

fn index(c: Option<&Container>) -> HashMap<&str, &Member> {
    c.map(|c| c.members.iter().map(|m| (m.key.as_str(), m)).collect())
        .unwrap_or_default()
}

fn keys(c: Option<&Container>) -> Vec<&str> {
    c.map(|c| c.members.iter().map(|m| m.key.as_str()).collect())
        .unwrap_or_default()
}

/// Keeps enum constants comma-separated when the merge put a constant first
/// that was not first on its side, or the other way round (the comma lives in
/// the text before each constant but the first).
fn fix_enum_separator(out: &mut String, mark: usize, first: bool) {
    let written = &out[mark..];
    let leading = written.len() - written.trim_start().len();
    let has_comma = written[leading..].starts_with(',');
    if first && has_comma {
        out.remove(mark + leading);
    } else if !first && !has_comma && !written.is_empty() {
        out.insert(mark, ',');
    }
}

/// Returns the merged member order.
///
/// The skeleton is the order of the side that reordered the members it shares
/// with the base (ours when neither or both did). The other side's members the
/// skeleton lacks are placed after the nearest member preceding them on their
/// side, in their side's order. `keep` says whether a member survives
/// (deletions against unchanged members drop it).
fn merge_order<'k>(
    base: &[&'k str],
    ours: &[&'k str],
    theirs: &[&'k str],
    keep: impl Fn(&str) -> bool,
) -> Vec<&'k str> {
    let base_set: HashSet<&str> = base.iter().copied().collect();
    let reordered = |side: &[&str]| {
        let side_set: HashSet<&str> = side.iter().copied().collect();
        let from_base = base.iter().filter(|k| side_set.contains(*k));
        let from_side = side.iter().filter(|k| base_set.contains(*k));
        !from_base.eq(from_side)
    };
    let (skeleton, other) = if reordered(theirs) && !reordered(ours) {
        (theirs, ours)
    } else {
        (ours, theirs)
    };
    let skeleton_set: HashSet<&str> = skeleton.iter().copied().collect();
    // Followers of each anchor (None: the start of the body), in order.
    let mut followers: HashMap<Option<&str>, Vec<&'k str>> = HashMap::new();
    let mut anchor: Option<&str> = None;
    for &key in other {
        if !keep(key) {
            continue;
        }
        if !skeleton_set.contains(key) {
            followers.entry(anchor).or_default().push(key);
        }
        anchor = Some(key);
    }
    // Members the skeleton side deleted but the other side changed sit among
    // the other side's insertions (handled above); base-only members vanish.
    // The other side's insertions after a shared member come after the
    // skeleton side's own insertions there: ours first, then theirs.
    let other_set: HashSet<&str> = other.iter().copied().collect();
    let mut order = Vec::with_capacity(skeleton.len() + other.len());
    let flush = |anchor: Option<&str>, order: &mut Vec<&'k str>| {
        let mut stack: Vec<&'k str> = followers
            .get(&anchor)
            .into_iter()
            .flatten()
            .rev()
            .copied()
            .collect();
        while let Some(key) = stack.pop() {
            order.push(key);
            if let Some(next) = followers.get(&Some(key)) {
                stack.extend(next.iter().rev());
            }
        }
    };
    let mut pending: Option<&str> = None;
    for &key in skeleton.iter().filter(|k| keep(k)) {
        if other_set.contains(key) {
            flush(pending, &mut order);
            pending = Some(key);
        }
        order.push(key);
    }
    flush(pending, &mut order);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::text::ConflictStyle;

    fn merged(base: &str, ours: &str, theirs: &str) -> (String, usize) {
        let m = merge(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            &MergeOptions::default(),
        )
        .expect("merges");
        (String::from_utf8(m.content).expect("utf-8"), m.conflicts)
    }

    #[test]
    fn order_follows_the_side_that_moved_and_places_additions_after_their_anchor() {
        let keep = |_: &str| true;
        assert_eq!(
            merge_order(
                &["a", "b", "c"],
                &["a", "x", "b", "c"],
                &["c", "a", "b", "y"],
                keep
            ),
            ["c", "a", "x", "b", "y"]
        );
        assert_eq!(
            merge_order(&["a", "b"], &["a", "b", "x"], &["t", "a", "b"], keep),
            ["t", "a", "b", "x"]
        );
    }

    #[test]
    fn both_sides_adding_methods_at_the_end_keeps_both() {
        let base = "public class A {\n    void a() {}\n}\n";
        let ours = "public class A {\n    void a() {}\n\n    void o() {}\n}\n";
        let theirs = "public class A {\n    void a() {}\n\n    void t() {}\n}\n";
        let (text, conflicts) = merged(base, ours, theirs);
        assert_eq!(conflicts, 0);
        assert_eq!(
            text,
            "public class A {\n    void a() {}\n\n    void o() {}\n\n    void t() {}\n}\n"
        );
    }

    #[test]
    fn delete_against_modify_conflicts_with_base_section_in_diff3() {
        let base = "class A {\n    void a() {\n        x();\n    }\n}\n";
        let ours = "class A {\n}\n";
        let theirs = "class A {\n    void a() {\n        y();\n    }\n}\n";
        let options = MergeOptions {
            style: ConflictStyle::Diff3,
            ..MergeOptions::default()
        };
        let m = merge(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            &options,
        )
        .expect("merges");
        let text = String::from_utf8(m.content).expect("utf-8");
        assert_eq!(m.conflicts, 1);
        assert_eq!(
            text,
            "class A {\n<<<<<<< ours method a()\n||||||| base method a()\n    void a() {\n        x();\n    }\n=======\n    void a() {\n        y();\n    }\n>>>>>>> theirs method a()\n}\n"
        );
    }

    #[test]
    fn enum_constants_added_on_both_sides_stay_comma_separated() {
        let base = "public enum S {\n    A,\n    B\n}\n";
        let ours = "public enum S {\n    A,\n    B,\n    C\n}\n";
        let theirs = "public enum S {\n    D,\n    A,\n    B\n}\n";
        let (text, conflicts) = merged(base, ours, theirs);
        assert_eq!(conflicts, 0);
        assert_eq!(text, "public enum S {\n    D,\n    A,\n    B,\n    C\n}\n");
    }

    #[test]
    fn crlf_files_and_one_line_classes_merge() {
        let base = "public class A {\r\n    void a() {}\r\n}\r\n";
        let ours = "public class A {\r\n    void a() {}\r\n    void o() {}\r\n}\r\n";
        let theirs = "public class A {\r\n    void a() {}\r\n    void t() {}\r\n}\r\n";
        assert_eq!(
            merged(base, ours, theirs),
            (
                "public class A {\r\n    void a() {}\r\n    void o() {}\r\n    void t() {}\r\n}\r\n"
                    .to_string(),
                0
            )
        );
        let (text, conflicts) = merged(
            "public class A {}\n",
            "public class A {\n    void o() {}\n}\n",
            "public class A {\n    void t() {}\n}\n",
        );
        assert_eq!(conflicts, 0);
        assert_eq!(
            text,
            "public class A {\n    void o() {}\n    void t() {}\n}\n"
        );
    }

    #[test]
    fn renamed_top_level_types_are_left_to_the_line_merge() {
        let err = merge(
            b"public class A {}\n",
            b"public class B {}\n",
            b"public class A { }\n",
            &MergeOptions::default(),
        )
        .expect_err("renamed");
        assert!(matches!(err, Error::TopLevelMismatch { .. }), "{err}");
    }

    #[test]
    fn one_line_enums_and_interfaces_merge_by_member() {
        let (text, conflicts) = merged(
            "public enum S { A, B, C }\n",
            "public enum S { A, B, C, D }\n",
            "public enum S { A, B, C, E }\n",
        );
        assert_eq!(
            (text.as_str(), conflicts),
            ("public enum S { A, B, C, D, E }\n", 0)
        );
        let base = "public interface Pricing {\n    Decimal price(Id productId);\n}\n";
        let (text, conflicts) = merged(
            base,
            &base.replace("}\n", "    Decimal discount(Id productId);\n}\n"),
            &base.replace("}\n", "    String currencyCode();\n}\n"),
        );
        assert_eq!(conflicts, 0);
        assert_eq!(
            text,
            "public interface Pricing {\n    Decimal price(Id productId);\n    Decimal discount(Id productId);\n    String currencyCode();\n}\n"
        );
    }

    #[test]
    fn an_inner_class_both_sides_added_is_merged_member_by_member() {
        let base = "public class A {\n}\n";
        let ours = "public class A {\n    public class Row {\n        public Id id;\n        public String name;\n    }\n}\n";
        let theirs = "public class A {\n    public class Row {\n        public Id id;\n        public Decimal amount;\n    }\n}\n";
        let (text, conflicts) = merged(base, ours, theirs);
        assert_eq!(conflicts, 0);
        assert_eq!(
            text,
            "public class A {\n    public class Row {\n        public Id id;\n        public String name;\n        public Decimal amount;\n    }\n}\n"
        );
    }

    #[test]
    fn existing_markers_and_bad_syntax_are_refused() {
        let marked = "class A {\n<<<<<<< ours\n=======\n>>>>>>> theirs\n}\n";
        assert!(matches!(
            merge(
                b"class A {}\n",
                marked.as_bytes(),
                b"class A {}\n",
                &MergeOptions::default()
            ),
            Err(Error::ConflictMarkers { side: "ours" })
        ));
        assert!(matches!(
            merge(
                b"class A {}\n",
                b"class A { void f( }\n",
                b"class A {}\n",
                &MergeOptions::default()
            ),
            Err(Error::Parse { side: "ours", .. })
        ));
        assert!(matches!(
            merge(
                b"class A {}\n",
                b"class A {}\n",
                b"class A { \xff }\n",
                &MergeOptions::default()
            ),
            Err(Error::NotUtf8 { side: "theirs", .. })
        ));
    }

    /// Renders a class whose methods carry a version per body line.
    fn class(methods: &[(usize, Vec<u8>)]) -> String {
        let mut out = String::from("public class Big {\n");
        for (name, lines) in methods {
            out.push_str(&format!(
                "\n    /** Step {name}. */\n    public void m{name}() {{\n"
            ));
            for (i, v) in lines.iter().enumerate() {
                out.push_str(&format!("        System.debug('{i} {v}');\n"));
            }
            out.push_str("    }\n");
        }
        out.push_str("}\n");
        out
    }

    /// Edits, deletes, moves and adds methods, as a developer would.
    fn edit(
        base: &[(usize, Vec<u8>)],
        ops: &[(u8, usize, usize)],
        fresh: usize,
    ) -> Vec<(usize, Vec<u8>)> {
        let mut out = base.to_vec();
        for (n, &(op, a, b)) in ops.iter().enumerate() {
            let len = out.len();
            match op % 4 {
                0 if len > 0 => {
                    let lines = &mut out[a % len].1;
                    let l = b % lines.len();
                    lines[l] = lines[l].wrapping_add(1);
                }
                1 if len > 0 => {
                    out.remove(a % len);
                }
                2 if len > 0 => {
                    let m = out.remove(a % len);
                    out.insert(b % len, m);
                }
                _ => out.insert(a % (len + 1), (fresh + n, vec![0, 0])),
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn reducing_untouched_members_changes_nothing(
            sizes in proptest::collection::vec(1usize..4, 4..30),
            ours_ops in proptest::collection::vec((0u8..4, 0usize..64, 0usize..64), 0..5),
            theirs_ops in proptest::collection::vec((0u8..4, 0usize..64, 0usize..64), 0..5),
        ) {
            let base: Vec<(usize, Vec<u8>)> =
                sizes.iter().enumerate().map(|(i, &n)| (i, vec![0; n])).collect();
            let (b, o, t) = (
                class(&base),
                class(&edit(&base, &ours_ops, 1000)),
                class(&edit(&base, &theirs_ops, 2000)),
            );
            let options = MergeOptions { style: ConflictStyle::Diff3, ..MergeOptions::default() };
            let full = merge_parsed(b.as_bytes(), o.as_bytes(), t.as_bytes(), &options)
                .expect("full merge");
            let reduced = merge(b.as_bytes(), o.as_bytes(), t.as_bytes(), &options)
                .expect("merge");
            proptest::prop_assert_eq!(
                String::from_utf8(reduced.content).expect("utf-8"),
                String::from_utf8(full.content).expect("utf-8")
            );
            proptest::prop_assert_eq!(reduced.conflicts, full.conflicts);
        }
    }

    #[test]
    fn large_merges_go_through_the_reduced_texts() {
        let base: Vec<(usize, Vec<u8>)> = (0..40).map(|i| (i, vec![0; 3])).collect();
        let (b, o, t) = (
            class(&base),
            class(&edit(&base, &[(0, 1, 1)], 1000)),
            class(&edit(&base, &[(3, 30, 0)], 2000)),
        );
        let reduced = reduce::reduce(&b, &o, &t).expect("reducible");
        assert!(reduced.base.len() * 4 < b.len());
        let merged = merge(
            b.as_bytes(),
            o.as_bytes(),
            t.as_bytes(),
            &MergeOptions::default(),
        )
        .expect("merges");
        assert_eq!(merged.conflicts, 0);
        let text = String::from_utf8(merged.content).expect("utf-8");
        assert!(text.contains("m2000()") && text.contains("System.debug('1 1')"));
        assert!(!text.contains("__sfsync_keep_"));
    }
}
