//! The semantic diff: what changed between two versions, named by path.
//!
//! Lists are compared the way the merge sees them: keyed sets by key (so a
//! reordered set is no change), ordered keyed lists by key plus a reorder check,
//! anonymous lists by position. Whitespace between elements never counts; leaf
//! values are compared as a person reads them (entities decoded).

use super::hash::{FxMap, FxSet};
use super::list::{self, Plan};
use super::seq;
use super::tree::{Node, Tree};
use crate::semantic::{Change, ChangeKind};

/// Compares two parsed versions.
pub fn diff_trees(old: &Tree<'_>, new: &Tree<'_>) -> Vec<Change> {
    let (old_root, new_root) = (old.name(&old.root), new.name(&new.root));
    if old_root != new_root {
        return vec![Change::worded(
            old_root,
            ChangeKind::Modified,
            format!("root element changed: {old_root} -> {new_root}"),
        )];
    }
    let mut differ = Differ {
        o: old,
        n: new,
        root_type: old_root,
        path: String::new(),
        unit: String::new(),
        changes: Vec::new(),
    };
    differ.node(&old.root, &new.root);
    differ.changes
}

struct Differ<'t, 'a> {
    o: &'t Tree<'a>,
    n: &'t Tree<'a>,
    root_type: &'a str,
    path: String,
    unit: String,
    changes: Vec<Change>,
}

impl<'t, 'a> Differ<'t, 'a> {
    fn unit_or_root(&self) -> String {
        if self.unit.is_empty() {
            self.root_type.to_string()
        } else {
            self.unit.clone()
        }
    }

    fn node(&mut self, o: &Node, n: &Node) {
        let (ot, nt) = (self.o, self.n);
        if ot.raw(o) == nt.raw(n) {
            return;
        }
        if ot.is_blank(o) && nt.is_blank(n) {
            // `<x/>` and `<x></x>` are the same empty value.
            if open_tag(ot.start_tag(o)) != open_tag(nt.start_tag(n)) {
                let unit = self.unit_or_root();
                self.changes.push(Change::worded(
                    unit.clone(),
                    ChangeKind::Modified,
                    format!("{unit} attributes changed"),
                ));
            }
            return;
        }
        let value = |tree: &Tree<'_>, n: &Node| tree.is_leaf(n) && !tree.is_blank(n);
        if value(ot, o) || value(nt, n) {
            if ot.is_leaf(o) && nt.is_leaf(n) && !o.mixed && !n.mixed {
                let (ov, nv) = (ot.value(o), nt.value(n));
                if ov != nv {
                    self.changes
                        .push(Change::value(self.unit_or_root(), ov, nv));
                }
            } else if canonical(ot, o) != canonical(nt, n) {
                let unit = self.unit_or_root();
                self.changes.push(Change::worded(
                    unit.clone(),
                    ChangeKind::Modified,
                    format!("{unit} changed"),
                ));
            }
            return;
        }
        if open_tag(ot.start_tag(o)) != open_tag(nt.start_tag(n)) {
            let unit = self.unit_or_root();
            self.changes.push(Change::worded(
                unit.clone(),
                ChangeKind::Modified,
                format!("{unit} attributes changed"),
            ));
        }
        let (ok, nk) = (ot.children(o), nt.children(n));
        let (Some(og), Some(ng)) = (list::groups(ot, ok), list::groups(nt, nk)) else {
            self.positional("*", ok, nk);
            return;
        };
        let mut names: Vec<&str> = ng.iter().map(|g| g.name).collect();
        for g in &og {
            if !names.contains(&g.name) {
                names.push(g.name);
            }
        }
        for name in names {
            self.group(name, list::items(&og, ok, name), list::items(&ng, nk, name));
        }
    }

    fn group(&mut self, name: &str, o: &[Node], n: &[Node]) {
        let path_len = self.path.len();
        list::push_path(&mut self.path, name);
        match list::plan(self.root_type, &self.path, [(self.o, o), (self.n, n)]) {
            Plan::Keyed(_, [ko, kn]) => {
                let ko: Vec<&str> = ko.iter().map(AsRef::as_ref).collect();
                let kn: Vec<&str> = kn.iter().map(AsRef::as_ref).collect();
                self.keyed(name, o, n, &ko, &kn, None);
            }
            Plan::OrderedKeyed(_, [ko, kn], display) => {
                let ko: Vec<&str> = ko.iter().map(AsRef::as_ref).collect();
                let kn: Vec<&str> = kn.iter().map(AsRef::as_ref).collect();
                self.keyed(name, o, n, &ko, &kn, Some(display.unwrap_or(name)));
            }
            Plan::Positional => self.positional(name, o, n),
            Plan::Single => {
                let unit_len = self.unit.len();
                list::push_unit(&mut self.unit, name, None);
                self.optional(o.first(), n.first());
                self.unit.truncate(unit_len);
            }
        }
        self.path.truncate(path_len);
    }

    fn optional(&mut self, o: Option<&Node>, n: Option<&Node>) {
        let (ot, nt) = (self.o, self.n);
        match (o, n) {
            (Some(o), Some(n)) => self.node(o, n),
            (None, Some(n)) => {
                let mut change = Change::added(self.unit_or_root());
                if nt.is_leaf(n) {
                    change.new = Some(nt.value(n));
                }
                self.changes.push(change);
            }
            (Some(o), None) => {
                let mut change = Change::removed(self.unit_or_root());
                if ot.is_leaf(o) {
                    change.old = Some(ot.value(o));
                }
                self.changes.push(change);
            }
            (None, None) => {}
        }
    }

    fn keyed(
        &mut self,
        name: &str,
        o: &[Node],
        n: &[Node],
        ko: &[&str],
        kn: &[&str],
        reorder_name: Option<&str>,
    ) {
        let mo: FxMap<&str, usize> = ko.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mn: FxSet<&str> = kn.iter().copied().collect();
        for (j, key) in kn.iter().enumerate() {
            let unit_len = self.unit.len();
            list::push_unit(&mut self.unit, name, Some(key));
            self.optional(mo.get(key).map(|&i| &o[i]), Some(&n[j]));
            self.unit.truncate(unit_len);
        }
        for (i, key) in ko.iter().enumerate() {
            if !mn.contains(key) {
                let unit_len = self.unit.len();
                list::push_unit(&mut self.unit, name, Some(key));
                self.optional(Some(&o[i]), None);
                self.unit.truncate(unit_len);
            }
        }
        if let Some(display) = reorder_name {
            let old_common = ko.iter().filter(|k| mn.contains(*k));
            let new_common = kn.iter().filter(|k| mo.contains_key(*k));
            if !old_common.eq(new_common) {
                // The display name covers the path below the nearest keyed
                // ancestor (`valueSet values` for valueSet/valueSetDefinition/value).
                let unit = match self.unit.rfind(']') {
                    Some(end) => format!("{}.{display}", &self.unit[..=end]),
                    None => display.to_string(),
                };
                let order: Vec<String> = kn.iter().map(|k| list::display_key(k)).collect();
                self.changes.push(Change::worded(
                    unit.clone(),
                    ChangeKind::Reordered,
                    format!("{unit} reordered: {}", order.join(", ")),
                ));
            }
        }
    }

    /// Compares lists without keys: aligned by content, and an item removed and
    /// another added at the same place is the same item changed.
    fn positional(&mut self, name: &str, o: &[Node], n: &[Node]) {
        let (ot, nt) = (self.o, self.n);
        let co: Vec<String> = o.iter().map(|x| canonical(ot, x)).collect();
        let cn: Vec<String> = n.iter().map(|x| canonical(nt, x)).collect();
        let ro: Vec<&str> = co.iter().map(String::as_str).collect();
        let rn: Vec<&str> = cn.iter().map(String::as_str).collect();
        let mut interner = seq::Interner::default();
        let (to, tn) = (interner.tokens(&ro), interner.tokens(&rn));
        let matched = seq::matching(&to, &tn, interner.count(), false);
        let (mut i, mut j) = (0, 0);
        while i < o.len() || j < n.len() {
            // The next pair of aligned items ends the current gap.
            let next = (i..o.len()).find_map(|k| matched[k].map(|m| (k, m)));
            let (gi, gj) = next.unwrap_or((o.len(), n.len()));
            let paired = (gi - i).min(gj - j);
            for p in 0..paired {
                self.at_position(name, j + p + 1, Some(&o[i + p]), Some(&n[j + p]));
            }
            for p in paired..gi - i {
                self.at_position(name, i + p + 1, Some(&o[i + p]), None);
            }
            for p in paired..gj - j {
                self.at_position(name, j + p + 1, None, Some(&n[j + p]));
            }
            if next.is_none() {
                break;
            }
            (i, j) = (gi + 1, gj + 1);
        }
    }

    fn at_position(&mut self, name: &str, position: usize, o: Option<&Node>, n: Option<&Node>) {
        let unit_len = self.unit.len();
        if name == "*" {
            let element = o.map(|x| self.o.name(x)).or(n.map(|x| self.n.name(x)));
            list::push_position(&mut self.unit, element.unwrap_or(name), position);
        } else {
            list::push_position(&mut self.unit, name, position);
        }
        self.optional(o, n);
        self.unit.truncate(unit_len);
    }
}

/// Returns a start tag as `<name attributes>` whether or not it was self-closing.
fn open_tag(tag: &str) -> String {
    let tag = squash(tag);
    match tag.strip_suffix("/>") {
        Some(open) => format!("{}>", open.trim_end()),
        None => tag,
    }
}

/// Returns whitespace runs collapsed to one space (for comparing tags).
fn squash(s: &str) -> String {
    s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns an element's meaning as a string: names, attributes and leaf
/// values, without the whitespace between elements.
fn canonical(tree: &Tree<'_>, n: &Node) -> String {
    let mut out = String::new();
    write_canonical(tree, n, &mut out);
    out
}

fn write_canonical(tree: &Tree<'_>, n: &Node, out: &mut String) {
    out.push_str(&squash(tree.start_tag(n)));
    if tree.is_leaf(n) {
        out.push_str(&tree.value(n));
    } else {
        for child in tree.children(n) {
            write_canonical(tree, child, out);
        }
    }
    out.push_str(tree.end_tag(n));
}

#[cfg(test)]
mod tests {
    use crate::semantic::ChangeKind;

    fn summaries(old: &str, new: &str) -> Vec<String> {
        crate::xml::diff(old.as_bytes(), new.as_bytes())
            .expect("both parse")
            .into_iter()
            .map(|c| c.summary)
            .collect()
    }

    const PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="http://soap.sforce.com/2006/04/metadata">
    <fieldPermissions>
        <editable>true</editable>
        <field>Account.Industry</field>
        <readable>true</readable>
    </fieldPermissions>
    <fieldPermissions>
        <editable>false</editable>
        <field>Account.Rating</field>
        <readable>true</readable>
    </fieldPermissions>
    <custom>false</custom>
</Profile>
"#;

    #[test]
    fn a_leaf_change_is_named_by_its_path() {
        let new = PROFILE.replacen("<editable>true</editable>", "<editable>false</editable>", 1);
        assert_eq!(
            summaries(PROFILE, &new),
            ["fieldPermissions[Account.Industry].editable: true -> false"]
        );
    }

    #[test]
    fn reordered_keyed_items_and_whitespace_are_not_changes() {
        let lines: Vec<&str> = PROFILE.lines().collect();
        let swapped = [&lines[..2], &lines[7..12], &lines[2..7], &lines[12..]]
            .concat()
            .join("\n")
            + "\n";
        assert_ne!(swapped, PROFILE);
        assert!(summaries(PROFILE, &swapped).is_empty());
        let reindented = PROFILE.replace("    ", "  ");
        assert!(summaries(PROFILE, &reindented).is_empty());
    }

    #[test]
    fn added_and_removed_items_are_named_by_key() {
        let old = r#"<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">
    <labels>
        <fullName>Invoice_Due</fullName>
        <value>Due</value>
    </labels>
</CustomLabels>
"#;
        let new = r#"<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">
    <labels>
        <fullName>Invoice_Paid</fullName>
        <value>Paid</value>
    </labels>
</CustomLabels>
"#;
        assert_eq!(
            summaries(old, new),
            ["labels[Invoice_Paid] added", "labels[Invoice_Due] removed"]
        );
    }

    #[test]
    fn a_reordered_picklist_is_a_change() {
        let field = |order: &[&str]| {
            let values: String = order
                .iter()
                .map(|v| {
                    format!(
                        "            <value>\n                <fullName>{v}</fullName>\n                <default>false</default>\n                <label>{v}</label>\n            </value>\n"
                    )
                })
                .collect();
            format!(
                "<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Tier__c</fullName>\n    <valueSet>\n        <valueSetDefinition>\n{values}            <sorted>false</sorted>\n        </valueSetDefinition>\n    </valueSet>\n</CustomField>\n"
            )
        };
        let changes = crate::xml::diff(
            field(&["Bronze", "Silver", "Gold"]).as_bytes(),
            field(&["Gold", "Silver", "Bronze"]).as_bytes(),
        )
        .unwrap();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, ChangeKind::Reordered);
        assert_eq!(
            changes[0].summary,
            "valueSet values reordered: Gold, Silver, Bronze"
        );
    }

    #[test]
    fn entities_are_compared_and_shown_decoded() {
        let old = "<CustomLabels>\n    <labels>\n        <fullName>A</fullName>\n        <value>Tom &amp; Jerry</value>\n    </labels>\n</CustomLabels>\n";
        let same = old.replace("&amp;", "&#38;");
        assert!(summaries(old, &same).is_empty());
        let new = old.replace("Tom &amp; Jerry", "Tom &amp; Jerry&apos;s");
        assert_eq!(
            summaries(old, &new),
            ["labels[A].value: Tom & Jerry -> Tom & Jerry's"]
        );
    }

    #[test]
    fn layout_items_are_compared_by_position() {
        let layout = |fields: &[&str]| {
            let items: String = fields
                .iter()
                .map(|f| format!("        <layoutItems>\n            <field>{f}</field>\n        </layoutItems>\n"))
                .collect();
            format!("<Layout>\n    <layoutSections>\n{items}    </layoutSections>\n</Layout>\n")
        };
        assert_eq!(
            summaries(
                &layout(&["Name", "Phone"]),
                &layout(&["Name", "Rating", "Phone"])
            ),
            ["layoutSections#1.layoutItems#2 added"]
        );
        assert_eq!(
            summaries(&layout(&["Name", "Phone"]), &layout(&["Name", "Fax"])),
            ["layoutSections#1.layoutItems#2.field: Phone -> Fax"]
        );
    }
}
