//! The three-way merge: element by element, list by list, following the key table.
//!
//! The merge writes its result while it walks the three trees. Anything one
//! side did not change is copied from the side that did, byte for byte,
//! including the trivia before it; only elements both sides changed are opened
//! up and merged child by child. Keyed lists are merged item by item (an
//! ordered keyed list, like picklist values, follows the side that reordered
//! it; two different reorders are one conflict), lists without keys as
//! sequences (diff3 over the items' text), a multi-line text value both sides
//! edited line by line, and a true conflict is written with git's markers,
//! each on its own line, around the smallest element that holds it. A safety
//! net re-reads a clean result and checks that no key was lost or doubled.

use std::borrow::Cow;

use super::hash::{FxMap, FxSet};
use super::list::{self, Key, Plan};
use super::seq::{self, Chunk};
use super::tree::{Node, Tree};
use super::Error;
use crate::merge::text::{self, MergeOptions};

/// Merges three parsed versions; the caller has ruled out the trivial cases.
pub fn merge_trees(
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
    options: &MergeOptions,
) -> Result<(String, usize), Error> {
    let root_type = ours.name(&ours.root);
    for (side, tree) in [("base", base), ("theirs", theirs)] {
        if tree.name(&tree.root) != root_type {
            return Err(Error::RootMismatch {
                side,
                expected: root_type.to_string(),
                found: tree.name(&tree.root).to_string(),
            });
        }
    }
    let Some(prolog) = choose3(base.prolog(), ours.prolog(), theirs.prolog()) else {
        return Err(Error::Unmergeable {
            reason:
                "both sides changed the XML declaration or the comments before the root element"
                    .into(),
        });
    };
    let eol = if ours.src.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut merger = Merger {
        b: base,
        o: ours,
        t: theirs,
        options,
        root_type,
        out: String::with_capacity(ours.src.len().max(theirs.src.len()) + 1024),
        conflicts: 0,
        path: String::new(),
        unit: String::new(),
        pending_newline: false,
        eol,
        root_lists: Vec::new(),
    };
    merger.write(prolog);
    merger.merge_node(Some(&base.root), &ours.root, &theirs.root);
    let epilog = choose3(base.epilog(), ours.epilog(), theirs.epilog()).unwrap_or(ours.epilog());
    merger.write(epilog);
    if merger.pending_newline {
        merger.out.push_str(eol);
    }
    let (out, conflicts) = (merger.out, merger.conflicts);
    if conflicts == 0 {
        safety_net(base, ours, theirs, &out, &merger.root_lists)?;
    }
    Ok((out, conflicts))
}

/// Returns the version of a value after a three-way choice, or `None` when both
/// sides changed it differently.
fn choose3<'s>(base: &'s str, ours: &'s str, theirs: &'s str) -> Option<&'s str> {
    if ours == theirs || base == theirs {
        Some(ours)
    } else if base == ours {
        Some(theirs)
    } else {
        None
    }
}

struct Merger<'t, 'a> {
    b: &'t Tree<'a>,
    o: &'t Tree<'a>,
    t: &'t Tree<'a>,
    options: &'t MergeOptions,
    root_type: &'a str,
    out: String,
    conflicts: usize,
    /// Table path of the list being merged (`fields/valueSet`).
    path: String,
    /// The unit conflicts are labelled with (`fieldPermissions[Account.Industry]`).
    unit: String,
    /// A marker line was written and still needs its line ending.
    pending_newline: bool,
    eol: &'static str,
    /// Keyed lists directly under the root and the key each was merged by,
    /// for the safety net.
    root_lists: Vec<(String, Key)>,
}

/// One item of a keyed list after deciding where it goes, with its index on
/// each side that has it.
struct Entry<'k> {
    key: &'k str,
    b: Option<usize>,
    o: Option<usize>,
    t: Option<usize>,
}

impl<'t, 'a> Merger<'t, 'a> {
    fn write(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.pending_newline {
            if !s.starts_with('\n') && !s.starts_with("\r\n") {
                self.out.push_str(self.eol);
            }
            self.pending_newline = false;
        }
        self.out.push_str(s);
    }

    fn marker(&mut self, c: char, label: &str) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push_str(self.eol);
        }
        self.out
            .extend(std::iter::repeat_n(c, self.options.marker_size));
        if !label.is_empty() {
            self.out.push(' ');
            self.out.push_str(label);
        }
        self.pending_newline = true;
    }

    /// Writes a conflict between three renderings of the current unit.
    fn conflict_text(&mut self, base: &str, ours: &str, theirs: &str) {
        let labels = self.options.labels_for_unit(&self.unit);
        self.conflicts += 1;
        self.marker('<', &labels.ours_label);
        self.write(ours);
        if self.options.style.shows_base() {
            self.marker('|', &labels.base_label);
            self.write(base);
        }
        self.marker('=', "");
        self.write(theirs);
        self.marker('>', &labels.theirs_label);
    }

    fn conflict(&mut self, b: Option<&Node>, o: Option<&Node>, t: Option<&Node>) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        self.conflict_text(
            b.map_or("", |n| bt.with_lead(n)),
            o.map_or("", |n| ot.with_lead(n)),
            t.map_or("", |n| tt.with_lead(n)),
        );
    }

    /// Writes the merge of one element present on both sides (with its trivia).
    fn merge_node(&mut self, b: Option<&Node>, o: &Node, t: &Node) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let (or, tr) = (ot.raw(o), tt.raw(t));
        if or == tr {
            self.write(ot.with_lead(o));
            return;
        }
        let lead = match b {
            Some(b) => choose3(bt.lead(b), ot.lead(o), tt.lead(t)).unwrap_or(ot.lead(o)),
            None => ot.lead(o),
        };
        if let Some(b) = b {
            let br = bt.raw(b);
            if br == or {
                self.write(lead);
                self.write(tr);
                return;
            }
            if br == tr {
                self.write(lead);
                self.write(or);
                return;
            }
        }
        // A blank element is an empty list that the other sides may fill; a
        // self-closing one can only be opened up when it is the base.
        let value = |tree: &Tree<'_>, n: &Node, is_base: bool| {
            tree.is_leaf(n) && !(tree.is_blank(n) && (is_base || !tree.is_self_closing(n)))
        };
        let leaf =
            value(ot, o, false) || value(tt, t, false) || b.is_some_and(|b| value(bt, b, true));
        let start = match b {
            Some(b) => choose3(bt.start_tag(b), ot.start_tag(o), tt.start_tag(t)),
            None => (ot.start_tag(o) == tt.start_tag(t)).then(|| ot.start_tag(o)),
        };
        if leaf {
            if let (Some(b), Some(start)) = (b, start) {
                if self.merge_text_value(b, o, t, lead, start) {
                    return;
                }
            }
        }
        let Some(start) = start.filter(|_| !leaf) else {
            self.conflict(b, Some(o), Some(t));
            return;
        };
        self.write(lead);
        self.write(start);
        self.merge_children(b, o, t);
        let trailing = match b {
            Some(b) => choose3(bt.trailing(b), ot.trailing(o), tt.trailing(t)),
            None => None,
        };
        self.write(trailing.unwrap_or(ot.trailing(o)));
        self.write(ot.end_tag(o));
    }

    /// Merges a multi-line text value both sides edited (a formula, a
    /// description) line by line, as git would; returns false, writing
    /// nothing, when that conflicts or the value is not multi-line text.
    fn merge_text_value(&mut self, b: &Node, o: &Node, t: &Node, lead: &str, start: &str) -> bool {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let plain = |tree: &Tree<'_>, n: &Node| n.child_count == 0 && !tree.is_self_closing(n);
        if !(plain(bt, b) && plain(ot, o) && plain(tt, t)) {
            return false;
        }
        let (bc, oc, tc) = (bt.content(b), ot.content(o), tt.content(t));
        if !(oc.contains('\n') && tc.contains('\n')) {
            return false;
        }
        let merged = text::merge(bc.as_bytes(), oc.as_bytes(), tc.as_bytes(), self.options);
        if !merged.is_clean() {
            return false;
        }
        let Ok(content) = String::from_utf8(merged.content) else {
            return false;
        };
        self.write(lead);
        self.write(start);
        self.write(&content);
        self.write(ot.end_tag(o));
        true
    }

    fn merge_children(&mut self, b: Option<&Node>, o: &Node, t: &Node) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let bk: &[Node] = b.map_or(&[], |b| bt.children(b));
        let (ok, tk) = (ot.children(o), tt.children(t));
        let (Some(bg), Some(og), Some(tg)) = (
            list::groups(bt, bk),
            list::groups(ot, ok),
            list::groups(tt, tk),
        ) else {
            // Interleaved names: the children are one ordered list.
            self.merge_sequence("*", bk, ok, tk);
            return;
        };
        let mut names: Vec<&str> = og.iter().map(|g| g.name).collect();
        for (i, g) in tg.iter().enumerate() {
            if names.contains(&g.name) {
                continue;
            }
            let at = match i.checked_sub(1) {
                Some(prev) => names
                    .iter()
                    .position(|n| *n == tg[prev].name)
                    .map_or(names.len(), |p| p + 1),
                None => 0,
            };
            names.insert(at, g.name);
        }
        for name in names {
            self.merge_group(
                name,
                list::items(&bg, bk, name),
                list::items(&og, ok, name),
                list::items(&tg, tk, name),
            );
        }
    }

    fn merge_group(&mut self, name: &str, b: &[Node], o: &[Node], t: &[Node]) {
        let path_len = self.path.len();
        list::push_path(&mut self.path, name);
        let plan = list::plan(
            self.root_type,
            &self.path,
            [(self.b, b), (self.o, o), (self.t, t)],
        );
        let ordered = matches!(plan, Plan::OrderedKeyed(..));
        match plan {
            Plan::Keyed(key, keys) | Plan::OrderedKeyed(key, keys, _) => {
                if !self.path.contains('/') {
                    self.root_lists.push((name.to_string(), key));
                }
                self.merge_keyed(name, b, o, t, &keys, ordered)
            }
            Plan::Positional => self.merge_sequence(name, b, o, t),
            Plan::Single => {
                let unit_len = self.unit.len();
                list::push_unit(&mut self.unit, name, None);
                self.merge_optional(b.first(), o.first(), t.first());
                self.unit.truncate(unit_len);
            }
        }
        self.path.truncate(path_len);
    }

    /// Merges an element that each side may or may not have.
    fn merge_optional(&mut self, b: Option<&Node>, o: Option<&Node>, t: Option<&Node>) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        match (b, o, t) {
            (_, Some(o), Some(t)) => self.merge_node(b, o, t),
            (None, Some(o), None) => self.write(ot.with_lead(o)),
            (None, None, Some(t)) => self.write(tt.with_lead(t)),
            (Some(b), Some(o), None) => {
                if bt.raw(b) != ot.raw(o) {
                    self.conflict(Some(b), Some(o), None);
                }
            }
            (Some(b), None, Some(t)) => {
                if bt.raw(b) != tt.raw(t) {
                    self.conflict(Some(b), None, Some(t));
                }
            }
            (_, None, None) => {}
        }
    }

    fn emit(
        &mut self,
        name: &str,
        key: &str,
        b: Option<&Node>,
        o: Option<&Node>,
        t: Option<&Node>,
    ) {
        // Most items of a large list are identical on both sides: copy them
        // without building their unit name.
        if let (Some(o), Some(t)) = (o, t) {
            if self.o.raw(o) == self.t.raw(t) {
                let ot = self.o;
                self.write(ot.with_lead(o));
                return;
            }
        }
        let unit_len = self.unit.len();
        list::push_unit(&mut self.unit, name, Some(key));
        self.merge_optional(b, o, t);
        self.unit.truncate(unit_len);
    }

    /// Merges a keyed list: items by key, new items next to their neighbour on
    /// the side that added them. The order follows the side that reordered the
    /// items it shares with base. An unordered set is re-sorted only if all
    /// three versions were sorted; an ordered list reordered differently by
    /// both sides is one conflict.
    fn merge_keyed<'k>(
        &mut self,
        name: &str,
        b: &[Node],
        o: &[Node],
        t: &[Node],
        keys: &'k [Vec<Cow<'a, str>>; 3],
        ordered: bool,
    ) {
        let [kb, ko, kt] = keys;
        if !ordered && is_sorted(kb) && is_sorted(ko) && is_sorted(kt) {
            // All three sorted (as retrieve writes them): the result is the
            // sorted union, found by walking the three lists together.
            for e in join_sorted(kb, ko, kt) {
                self.emit(
                    name,
                    e.key,
                    e.b.map(|i| &b[i]),
                    e.o.map(|i| &o[i]),
                    e.t.map(|i| &t[i]),
                );
            }
            return;
        }
        let (mb, mo, mt) = (index(kb), index(ko), index(kt));
        let ours_reordered = reordered(ko, &mo, kb, &mb);
        let theirs_reordered = reordered(kt, &mt, kb, &mb);
        if ordered && ours_reordered && theirs_reordered && reordered(ko, &mo, kt, &mt) {
            self.conflict_chunk(name, b, o, t);
            return;
        }
        let theirs_spine = !ours_reordered && theirs_reordered;
        let (spine, other, spine_map) = if theirs_spine {
            (kt, ko, &mt)
        } else {
            (ko, kt, &mo)
        };
        let entry = |key: &'k str| Entry {
            key,
            b: mb.get(key).copied(),
            o: mo.get(key).copied(),
            t: mt.get(key).copied(),
        };
        let mut inserts: Vec<(usize, Entry<'k>)> = Vec::new();
        let mut anchor = 0;
        for k in other.iter() {
            match spine_map.get(k.as_ref()) {
                Some(&i) => anchor = i + 1,
                None => inserts.push((anchor, entry(k))),
            }
        }
        inserts.sort_by_key(|(a, _)| *a);
        let mut entries: Vec<Entry<'k>> = Vec::with_capacity(spine.len() + inserts.len());
        let mut pending = inserts.into_iter().peekable();
        for (i, k) in spine.iter().enumerate() {
            while let Some((_, e)) = pending.next_if(|(a, _)| *a <= i) {
                entries.push(e);
            }
            entries.push(entry(k));
        }
        entries.extend(pending.map(|(_, e)| e));
        for e in entries {
            self.emit(
                name,
                e.key,
                e.b.map(|i| &b[i]),
                e.o.map(|i| &o[i]),
                e.t.map(|i| &t[i]),
            );
        }
    }

    /// Merges an ordered list of anonymous items as a sequence: diff3 over the
    /// items' text, where an item replaced one for one by another counts as the
    /// same item edited, and is merged leaf by leaf.
    fn merge_sequence(&mut self, name: &str, b: &[Node], o: &[Node], t: &[Node]) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let ids = |tree: &Tree<'a>, items: &[Node]| -> Vec<&'a str> {
            items.iter().map(|n| tree.raw(n)).collect()
        };
        let (ib, io, it) = (ids(bt, b), ids(ot, o), ids(tt, t));
        let mut position = 0;
        for chunk in seq::diff3(&ib, &io, &it) {
            match chunk {
                Chunk::Stable { base, ours, theirs } => {
                    for ((x, y), z) in base.zip(ours).zip(theirs) {
                        position += 1;
                        self.emit_positional(name, position, &b[x], &o[y], &t[z]);
                    }
                }
                Chunk::Changed { base, ours, theirs } => {
                    let (sb, so, st) = (&ib[base.clone()], &io[ours.clone()], &it[theirs.clone()]);
                    if so == sb {
                        for z in theirs {
                            position += 1;
                            self.write(tt.with_lead(&t[z]));
                        }
                    } else if st == sb || so == st {
                        for y in ours {
                            position += 1;
                            self.write(ot.with_lead(&o[y]));
                        }
                    } else {
                        position += ours.len();
                        self.conflict_chunk(name, &b[base], &o[ours], &t[theirs]);
                    }
                }
            }
        }
    }

    fn emit_positional(&mut self, name: &str, position: usize, b: &Node, o: &Node, t: &Node) {
        let ot = self.o;
        if ot.raw(o) == self.t.raw(t) {
            self.write(ot.with_lead(o));
            return;
        }
        let unit_len = self.unit.len();
        let element = if name == "*" { ot.name(o) } else { name };
        list::push_position(&mut self.unit, element, position);
        self.merge_node(Some(b), o, t);
        self.unit.truncate(unit_len);
    }

    /// Writes a conflict over a run of list items.
    fn conflict_chunk(&mut self, name: &str, b: &[Node], o: &[Node], t: &[Node]) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let span = |tree: &Tree<'a>, items: &[Node]| -> &'a str {
            match (items.first(), items.last()) {
                (Some(first), Some(last)) => {
                    &tree.src[first.lead_start as usize..last.end as usize]
                }
                _ => "",
            }
        };
        let unit_len = self.unit.len();
        if name != "*" {
            list::push_unit(&mut self.unit, name, None);
        }
        let (sb, so, st) = (span(bt, b), span(ot, o), span(tt, t));
        self.conflict_text(sb, so, st);
        self.unit.truncate(unit_len);
    }
}

/// Returns the entries of three sorted key lists in key order.
fn join_sorted<'k>(
    kb: &'k [Cow<'_, str>],
    ko: &'k [Cow<'_, str>],
    kt: &'k [Cow<'_, str>],
) -> Vec<Entry<'k>> {
    let mut entries = Vec::with_capacity(ko.len().max(kt.len()) + 16);
    let (mut ib, mut io, mut it) = (0, 0, 0);
    loop {
        let heads = [kb.get(ib), ko.get(io), kt.get(it)];
        let Some(key) = heads.into_iter().flatten().map(|k| k.as_ref()).min() else {
            break;
        };
        let at = |keys: &[Cow<'_, str>], i: &mut usize| {
            (keys.get(*i).map(AsRef::as_ref) == Some(key)).then(|| {
                *i += 1;
                *i - 1
            })
        };
        let (b, o, t) = (at(kb, &mut ib), at(ko, &mut io), at(kt, &mut it));
        if o.is_some() || t.is_some() {
            entries.push(Entry { key, b, o, t });
        }
    }
    entries
}

fn index<'k>(keys: &'k [Cow<'_, str>]) -> FxMap<&'k str, usize> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| (k.as_ref(), i))
        .collect()
}

fn is_sorted(keys: &[Cow<'_, str>]) -> bool {
    keys.windows(2).all(|w| w[0] <= w[1])
}

/// Returns true when `side` lists the items it shares with `base` in another order.
fn reordered(
    side: &[Cow<'_, str>],
    side_map: &FxMap<&str, usize>,
    base: &[Cow<'_, str>],
    base_map: &FxMap<&str, usize>,
) -> bool {
    let a = side.iter().filter(|k| base_map.contains_key(k.as_ref()));
    let b = base.iter().filter(|k| side_map.contains_key(k.as_ref()));
    !a.eq(b)
}

/// Re-reads a clean result and checks, for every keyed list under the root,
/// that no key appears twice and that no key ours or theirs has disappeared
/// unless a side deleted it.
fn safety_net(
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
    merged: &str,
    lists: &[(String, Key)],
) -> Result<(), Error> {
    let fail = |reason: String| Error::SafetyNet { reason };
    let out = Tree::parse(merged.as_bytes(), "merged result")
        .map_err(|e| fail(format!("the result is not well-formed XML ({e})")))?;
    if lists.is_empty() {
        return Ok(());
    }
    let kids = |t: &Tree<'_>| t.children(&t.root).to_vec();
    let (bk, ok, tk, mk) = (kids(base), kids(ours), kids(theirs), kids(&out));
    let (Some(bg), Some(og), Some(tg)) = (
        list::groups(base, &bk),
        list::groups(ours, &ok),
        list::groups(theirs, &tk),
    ) else {
        return Err(fail("the inputs' lists changed shape".into()));
    };
    let mg = list::groups(&out, &mk)
        .ok_or_else(|| fail("the result interleaves lists the inputs kept together".into()))?;
    let key_set = |tree: &Tree<'_>, items: &[Node], key: Key| -> FxSet<String> {
        items
            .iter()
            .filter_map(|n| list::key_of(tree, n, key))
            .map(Cow::into_owned)
            .collect()
    };
    for (name, key) in lists {
        let name = name.as_str();
        let mut merged_keys: FxSet<Cow<'_, str>> = FxSet::default();
        for item in list::items(&mg, &mk, name) {
            let k = list::key_of(&out, item, key)
                .ok_or_else(|| fail(format!("an item of {name} lost its key")))?;
            if !merged_keys.insert(k) {
                return Err(fail(format!("{name} holds a key twice")));
            }
        }
        let base_items = list::items(&bg, &bk, name);
        let sides = [
            (
                ours,
                list::items(&og, &ok, name),
                theirs,
                list::items(&tg, &tk, name),
            ),
            (
                theirs,
                list::items(&tg, &tk, name),
                ours,
                list::items(&og, &ok, name),
            ),
        ];
        // Sets of base and the other side are only needed for a missing key,
        // which only a deletion explains.
        for (tree, items, other_tree, other_items) in sides {
            let mut explained: Option<(FxSet<String>, FxSet<String>)> = None;
            for item in items {
                let Some(k) = list::key_of(tree, item, key) else {
                    continue;
                };
                if merged_keys.contains(&k) {
                    continue;
                }
                let (in_base, in_other) = explained.get_or_insert_with(|| {
                    (
                        key_set(base, base_items, key),
                        key_set(other_tree, other_items, key),
                    )
                });
                let deleted_by_other =
                    in_base.contains(k.as_ref()) && !in_other.contains(k.as_ref());
                if !deleted_by_other {
                    return Err(fail(format!(
                        "{name}[{}] would be lost",
                        list::display_key(&k)
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> String {
        let items: String = names
            .iter()
            .map(|n| format!("    <labels>\n        <fullName>{n}</fullName>\n        <value>{n}</value>\n    </labels>\n"))
            .collect();
        format!("<CustomLabels>\n{items}</CustomLabels>\n")
    }

    fn net(base: &[&str], ours: &[&str], theirs: &[&str], merged: &[&str]) -> Result<(), Error> {
        let (b, o, t, m) = (labels(base), labels(ours), labels(theirs), labels(merged));
        let (tb, to, tt) = (
            Tree::parse(b.as_bytes(), "base").unwrap(),
            Tree::parse(o.as_bytes(), "ours").unwrap(),
            Tree::parse(t.as_bytes(), "theirs").unwrap(),
        );
        let key: Key = &["fullName"];
        safety_net(&tb, &to, &tt, &m, &[("labels".to_string(), key)])
    }

    #[test]
    fn the_safety_net_accepts_deletions_and_additions() {
        assert!(net(&["A", "B"], &["A", "B", "C"], &["A"], &["A", "C"]).is_ok());
    }

    #[test]
    fn the_safety_net_catches_a_lost_key() {
        let err = net(&["A"], &["A", "C"], &["A", "D"], &["A", "D"]).unwrap_err();
        assert!(err.to_string().contains("labels[C] would be lost"), "{err}");
        // A key both sides kept cannot vanish either.
        assert!(net(&["A", "B"], &["A", "B"], &["A", "B", "C"], &["A", "C"]).is_err());
    }

    #[test]
    fn the_safety_net_catches_a_duplicated_key() {
        let err = net(&["A"], &["A", "C"], &["A", "C"], &["A", "C", "C"]).unwrap_err();
        assert!(err.to_string().contains("holds a key twice"), "{err}");
    }

    #[test]
    fn the_safety_net_catches_malformed_output() {
        let (b, o) = (labels(&["A"]), labels(&["A", "B"]));
        let (tb, to) = (
            Tree::parse(b.as_bytes(), "base").unwrap(),
            Tree::parse(o.as_bytes(), "ours").unwrap(),
        );
        let err = safety_net(&tb, &to, &tb, "<CustomLabels><labels>", &[]).unwrap_err();
        assert!(matches!(err, Error::SafetyNet { .. }), "{err}");
    }

    #[test]
    fn sorted_lists_join_in_key_order_without_losing_entries() {
        let keys = |k: &[&'static str]| k.iter().map(|s| Cow::Borrowed(*s)).collect::<Vec<_>>();
        let (b, o, t) = (
            keys(&["a", "c", "e"]),
            keys(&["a", "b", "c"]),
            keys(&["c", "d", "e"]),
        );
        let joined: Vec<(&str, bool, bool, bool)> = join_sorted(&b, &o, &t)
            .into_iter()
            .map(|e| (e.key, e.b.is_some(), e.o.is_some(), e.t.is_some()))
            .collect();
        assert_eq!(
            joined,
            [
                ("a", true, true, false),
                ("b", false, true, false),
                ("c", true, true, true),
                ("d", false, false, true),
                ("e", true, false, true),
            ]
        );
    }
}
