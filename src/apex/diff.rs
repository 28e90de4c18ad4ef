//! The semantic diff: changes named by member, blind to moves and layout.
//!
//! Two versions are compared member by member through their identities, so a
//! member that only moved is not a difference. Inside a member, the leaf tokens
//! of the syntax tree are compared, so indentation, line breaks and spacing are
//! not differences either; comments are compared separately and reported as
//! comment-only changes. SOQL and SOSL queries are compared token by token like
//! any other expression, and a query counts as one unit: the diff says the
//! member changed, never which clause.

use super::model::{Container, File, Header, Kind, Member, Token};
use super::Error;
use crate::semantic::{Change, ChangeKind};
use std::ops::Range;

/// How the semantic diff reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Drop changes that only touch comments.
    pub ignore_comments: bool,
}

/// Compares two versions of an Apex file and names every change by member.
pub fn diff(old: &[u8], new: &[u8], options: &DiffOptions) -> Result<Vec<Change>, Error> {
    let (o, n) = std::thread::scope(|scope| {
        let o = scope.spawn(|| File::parse_with_tokens("old", old));
        let n = File::parse_with_tokens("new", new);
        let o = o
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (o, n)
    });
    let (o, n) = (o?, n?);
    let mut differ = Differ {
        o: &o,
        n: &n,
        changes: Vec::new(),
    };
    if o.decl.key != n.decl.key {
        differ.changes.push(Change::removed(&o.decl.display));
        differ.changes.push(Change::added(&n.decl.display));
    } else {
        differ.member("", &o.decl, &n.decl, true);
        let old_around = [o.decl.lead.clone(), o.suffix.clone()];
        let new_around = [n.decl.lead.clone(), n.suffix.clone()];
        if !differ.same_comments(&old_around, &new_around) {
            differ.changes.push(Change::worded(
                "file comments",
                ChangeKind::CommentOnly,
                "file comments changed",
            ));
        }
    }
    let mut changes = differ.changes;
    if options.ignore_comments {
        changes.retain(|c| c.kind.is_semantic());
    }
    Ok(changes)
}

struct Differ<'d, 'a> {
    o: &'d File<'a>,
    n: &'d File<'a>,
    changes: Vec<Change>,
}

impl Differ<'_, '_> {
    fn code<'t>(file: &'t File<'_>, range: &Range<usize>) -> impl Iterator<Item = &'t str> + 't {
        let text = file.text;
        file.tokens(range)
            .iter()
            .filter(|t| !t.comment)
            .map(move |t: &Token| &text[t.start..t.end])
    }

    fn comments<'t>(file: &'t File<'_>, ranges: &'t [Range<usize>]) -> Vec<String> {
        ranges
            .iter()
            .flat_map(|r| file.tokens(r).iter())
            .filter(|t| t.comment)
            .map(|t| {
                file.text[t.start..t.end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn same_code(&self, old: &Range<usize>, new: &Range<usize>) -> bool {
        Self::code(self.o, old).eq(Self::code(self.n, new))
    }

    fn same_comments(&self, old: &[Range<usize>], new: &[Range<usize>]) -> bool {
        Self::comments(self.o, old) == Self::comments(self.n, new)
    }

    /// Compares one member present in both versions.
    fn member(&mut self, prefix: &str, o: &Member, n: &Member, top: bool) {
        let unit = format!("{prefix}{}", n.display);
        if let (Some(ob), Some(nb)) = (&o.body, &n.body) {
            if o.kind == n.kind {
                if !self.same_comments(std::slice::from_ref(&o.lead), std::slice::from_ref(&n.lead))
                {
                    self.comment_only(&unit);
                }
                self.container(&unit, n.kind, ob, nb, top);
                return;
            }
        }
        let (whole_o, whole_n) = (o.lead.start..o.text.end, n.lead.start..n.text.end);
        if self.same_code(&o.text, &n.text) {
            if !self.same_comments(&[whole_o], &[whole_n]) {
                self.comment_only(&unit);
            }
            return;
        }
        let change = match (o.kind, o.body_start, n.body_start) {
            (Kind::Method | Kind::Constructor, Some(ob), Some(nb)) => {
                let signature = self.same_code(&(o.node.start..ob), &(n.node.start..nb));
                let body = self.same_code(&(ob..o.text.end), &(nb..n.text.end));
                let what = match (signature, body) {
                    (true, _) => "body changed",
                    (false, true) => "signature changed",
                    (false, false) => "signature and body changed",
                };
                Change::worded(&unit, ChangeKind::Modified, format!("{unit} {what}"))
            }
            (Kind::Method | Kind::Constructor, _, _) => Change::worded(
                &unit,
                ChangeKind::Modified,
                format!("{unit} signature changed"),
            ),
            (Kind::Initializer | Kind::StaticInitializer, _, _) => {
                Change::worded(&unit, ChangeKind::Modified, format!("{unit} body changed"))
            }
            (Kind::Field | Kind::Property, _, _) => match (&o.value, &n.value) {
                (Some(ov), Some(nv))
                    if self.same_code(&(o.node.start..ov.start), &(n.node.start..nv.start))
                        && self.same_code(&(ov.end..o.text.end), &(nv.end..n.text.end)) =>
                {
                    Change::value(&unit, squeeze(self.o.slice(ov)), squeeze(self.n.slice(nv)))
                }
                _ => Change::worded(&unit, ChangeKind::Modified, format!("{unit} changed")),
            },
            _ => Change::worded(&unit, ChangeKind::Modified, format!("{unit} changed")),
        };
        self.changes.push(change);
    }

    fn comment_only(&mut self, unit: &str) {
        self.changes.push(Change::worded(
            unit,
            ChangeKind::CommentOnly,
            format!("{unit} comment changed"),
        ));
    }

    /// Compares two bodies: header, members by identity, closing text.
    fn container(&mut self, unit: &str, kind: Kind, o: &Container, n: &Container, top: bool) {
        let header_unit = if top {
            format!("{} header", kind.word(false))
        } else {
            format!("{unit} header")
        };
        if !self.same_code(&o.head, &n.head) {
            let details = header_details(&o.header, &n.header);
            let summary = if details.is_empty() {
                format!("{header_unit} changed")
            } else {
                format!("{header_unit} changed ({})", details.join(", "))
            };
            self.changes
                .push(Change::worded(&header_unit, ChangeKind::Modified, summary));
        } else if !self.same_comments(std::slice::from_ref(&o.head), std::slice::from_ref(&n.head))
        {
            self.comment_only(&header_unit);
        }
        let prefix = if top {
            String::new()
        } else {
            format!("{unit} > ")
        };
        let find = |c: &Container, key: &str| c.members.iter().position(|m| m.key == key);
        for old in &o.members {
            if find(n, &old.key).is_none() {
                self.changes
                    .push(Change::removed(format!("{prefix}{}", old.display)));
            }
        }
        // A linear index keeps large classes fast.
        let old_index: std::collections::HashMap<&str, &Member> =
            o.members.iter().map(|m| (m.key.as_str(), m)).collect();
        for new in &n.members {
            match old_index.get(new.key.as_str()) {
                Some(old) => self.member(&prefix, old, new, false),
                None => self
                    .changes
                    .push(Change::added(format!("{prefix}{}", new.display))),
            }
        }
        let body_unit = if top {
            kind.word(false).to_string()
        } else {
            unit.to_string()
        };
        if !self.same_code(&o.tail, &n.tail) {
            self.changes.push(Change::worded(
                format!("{body_unit} body"),
                ChangeKind::Modified,
                format!("{body_unit} body changed"),
            ));
        } else if !self.same_comments(std::slice::from_ref(&o.tail), std::slice::from_ref(&n.tail))
        {
            self.comment_only(&format!("{body_unit} body"));
        }
    }
}

/// Collapses runs of whitespace to one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words what changed in a declaration header: `implements Schedulable added`.
fn header_details(o: &Header, n: &Header) -> Vec<String> {
    let mut out = Vec::new();
    let mut lists = |what: &str, old: &[String], new: &[String]| {
        let has = |list: &[String], item: &str| list.iter().any(|x| x.eq_ignore_ascii_case(item));
        for item in old.iter().filter(|i| !has(new, i)) {
            out.push(format!("{what}{item} removed"));
        }
        for item in new.iter().filter(|i| !has(old, i)) {
            out.push(format!("{what}{item} added"));
        }
    };
    lists("extends ", &o.extends, &n.extends);
    lists("implements ", &o.implements, &n.implements);
    lists("", &o.modifiers, &n.modifiers);
    lists("", &o.annotations, &n.annotations);
    lists("", &o.trigger_events, &n.trigger_events);
    match (&o.trigger_object, &n.trigger_object) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
            out.push(format!("object {a} changed to {b}"));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summaries(old: &str, new: &str, ignore_comments: bool) -> Vec<String> {
        diff(
            old.as_bytes(),
            new.as_bytes(),
            &DiffOptions { ignore_comments },
        )
        .expect("diffs")
        .into_iter()
        .map(|c| c.summary)
        .collect()
    }

    #[test]
    fn changes_are_named_by_member() {
        let old = "public class Invoice {\n    public static final Integer MAX_RETRIES = 3;\n    public Decimal calculate(Decimal a, Integer q) {\n        return a * q;\n    }\n    public class Builder {}\n}\n";
        let new = "public class Invoice implements Schedulable {\n    public static final Integer MAX_RETRIES = 5;\n    public Decimal calculate(Decimal a, Integer q) {\n        return a * q + 1;\n    }\n    public void execute(SchedulableContext sc) {}\n}\n";
        assert_eq!(
            summaries(old, new, false),
            [
                "class header changed (implements Schedulable added)",
                "inner class Builder removed",
                "field MAX_RETRIES: 3 -> 5",
                "method calculate(Decimal, Integer) body changed",
                "method execute(SchedulableContext) added",
            ]
        );
    }

    #[test]
    fn moves_and_layout_are_not_differences() {
        let old = "public class A {\n    void a() { x(); }\n    void b() {}\n}\n";
        let new = "public class A {\n    void b() {}\n\n    void a() {\n        x();\n    }\n}\n";
        assert!(summaries(old, new, false).is_empty());
    }

    #[test]
    fn comment_only_changes_are_reported_and_ignorable() {
        let old = "public class A {\n    // adds\n    void a() { x(); }\n}\n";
        let new = "public class A {\n    // adds one\n    void a() { x(); /* why */ }\n}\n";
        assert_eq!(summaries(old, new, false), ["method a() comment changed"]);
        assert!(summaries(old, new, true).is_empty());
    }

    #[test]
    fn soql_queries_compare_by_tokens_and_headers_name_their_changes() {
        let old = "public with sharing class Q {\n    List<Account> find() {\n        return [SELECT Id FROM Account WHERE Name = 'x'];\n    }\n}\n";
        let reflowed = "public with sharing class Q {\n    List<Account> find() {\n        return [\n            SELECT Id\n            FROM Account\n            WHERE Name = 'x'\n        ];\n    }\n}\n";
        assert!(summaries(old, reflowed, false).is_empty());
        let changed = old
            .replace("Name = 'x'", "Name = 'y'")
            .replace("with sharing", "inherited sharing");
        assert_eq!(
            summaries(old, &changed, false),
            [
                "class header changed (with sharing removed, inherited sharing added)",
                "method find() body changed"
            ]
        );
    }

    #[test]
    fn nested_members_and_triggers_are_named() {
        let old = "class A {\n    class B {\n        void f() {}\n    }\n}\n";
        let new = "class A {\n    class B {\n        void f() { g(); }\n    }\n}\n";
        assert_eq!(
            summaries(old, new, false),
            ["inner class B > method f() body changed"]
        );
        let old = "trigger T on Account (before insert) {\n    x();\n}\n";
        let new = "trigger T on Account (before insert, after update) {\n    y();\n}\n";
        assert_eq!(
            summaries(old, new, false),
            [
                "trigger header changed (after update added)",
                "trigger body changed"
            ]
        );
    }
}
