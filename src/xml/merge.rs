//! The three-way merge: element by element, list by list, following the key table.
//!
//! The merge writes its result while it walks the three trees. Anything one
//! side did not change is copied from the side that did, byte for byte,
//! including the trivia before it; only elements both sides changed are opened
//! up and merged child by child. Keyed sets are merged item by item, ordered
//! lists as sequences (diff3 over item identities), and a true conflict is
//! written with git's markers, each on its own line, around the smallest element
//! that holds it. A safety net re-reads a clean result before it is returned.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::list::{self, Plan};
use super::seq::{self, Chunk};
use super::tree::{Node, Tree};
use super::Error;
use crate::merge::text::MergeOptions;

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
        safety_net(base, ours, theirs, &out)?;
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
            self.merge_sequence("*", bk, ok, tk, None);
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
        match plan {
            Plan::Keyed(keys) => self.merge_keyed(name, b, o, t, &keys, false),
            Plan::OrderedKeyed(keys, _) => self.merge_keyed(name, b, o, t, &keys, true),
            Plan::Positional => self.merge_sequence(name, b, o, t, None),
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
        let (mb, mo, mt) = (index(kb), index(ko), index(kt));
        let ours_reordered = reordered(ko, &mo, kb, &mb);
        let theirs_reordered = reordered(kt, &mt, kb, &mb);
        if ordered && ours_reordered && theirs_reordered && reordered(ko, &mo, kt, &mt) {
            self.conflict_chunk(name, b, o, t);
            return;
        }
        let theirs_spine = !ours_reordered && theirs_reordered;
        let sorted = !ordered && is_sorted(kb) && is_sorted(ko) && is_sorted(kt);
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
        if sorted {
            entries.sort_by(|x, y| x.key.cmp(y.key));
        }
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

    /// Merges an ordered list as a sequence of identities (keys, or the items'
    /// text when they have no key).
    fn merge_sequence(
        &mut self,
        name: &str,
        b: &[Node],
        o: &[Node],
        t: &[Node],
        keys: Option<&[Vec<Cow<'a, str>>; 3]>,
    ) {
        let (bt, ot, tt) = (self.b, self.o, self.t);
        let ids = |tree: &Tree<'a>, items: &[Node], i: usize| -> Vec<&str> {
            match keys {
                Some(keys) => keys[i].iter().map(AsRef::as_ref).collect(),
                None => items.iter().map(|n| tree.raw(n)).collect(),
            }
        };
        let (ib, io, it) = (ids(bt, b, 0), ids(ot, o, 1), ids(tt, t, 2));
        let mut position = 0;
        for chunk in seq::diff3(&ib, &io, &it) {
            match chunk {
                Chunk::Stable { base, ours, theirs } => {
                    for ((x, y), z) in base.zip(ours).zip(theirs) {
                        position += 1;
                        self.emit_ordered(
                            name,
                            keys.map(|_| io[y]),
                            position,
                            Some(&b[x]),
                            Some(&o[y]),
                            Some(&t[z]),
                        );
                    }
                }
                Chunk::Changed { base, ours, theirs } => {
                    let (sb, so, st) = (&ib[base.clone()], &io[ours.clone()], &it[theirs.clone()]);
                    let find = |ids: &[&str], start: usize, key: &str| {
                        ids.iter().position(|k| *k == key).map(|p| start + p)
                    };
                    if so == sb || st == sb || so == st {
                        // One side kept the order (or both made the same
                        // change): follow the other, merging each item's content.
                        let (follow, follow_ids, follow_start) = if so == sb {
                            (2, st, theirs.start)
                        } else {
                            (1, so, ours.start)
                        };
                        // An item the followed side dropped that the other side
                        // edited is a delete/modify conflict on the whole chunk.
                        let dropped_but_edited = sb.iter().enumerate().any(|(p, key)| {
                            if follow_ids.contains(key) {
                                return false;
                            }
                            let base_raw = bt.raw(&b[base.start + p]);
                            let kept = if follow == 2 {
                                find(so, ours.start, key).map(|i| ot.raw(&o[i]))
                            } else {
                                find(st, theirs.start, key).map(|i| tt.raw(&t[i]))
                            };
                            kept.is_some_and(|raw| raw != base_raw)
                        });
                        if dropped_but_edited {
                            self.conflict_chunk(name, &b[base], &o[ours], &t[theirs]);
                            continue;
                        }
                        for (p, key) in follow_ids.iter().enumerate() {
                            position += 1;
                            let x = find(sb, base.start, key);
                            let (y, z) = if follow == 2 {
                                (find(so, ours.start, key), Some(follow_start + p))
                            } else {
                                (Some(follow_start + p), find(st, theirs.start, key))
                            };
                            self.emit_ordered(
                                name,
                                keys.map(|_| *key),
                                position,
                                x.map(|i| &b[i]),
                                y.map(|i| &o[i]),
                                z.map(|i| &t[i]),
                            );
                        }
                    } else if keys.is_none()
                        && base.len() == 1
                        && ours.len() == 1
                        && theirs.len() == 1
                    {
                        // One anonymous item both sides edited in place.
                        position += 1;
                        let unit_len = self.unit.len();
                        list::push_position(&mut self.unit, name, position);
                        self.merge_node(Some(&b[base.start]), &o[ours.start], &t[theirs.start]);
                        self.unit.truncate(unit_len);
                    } else {
                        position += ours.len();
                        self.conflict_chunk(name, &b[base], &o[ours], &t[theirs]);
                    }
                }
            }
        }
    }

    fn emit_ordered(
        &mut self,
        name: &str,
        key: Option<&str>,
        position: usize,
        b: Option<&Node>,
        o: Option<&Node>,
        t: Option<&Node>,
    ) {
        match key {
            Some(key) => self.emit(name, key, b, o, t),
            None => {
                if let (Some(o), Some(t)) = (o, t) {
                    if self.o.raw(o) == self.t.raw(t) {
                        let ot = self.o;
                        self.write(ot.with_lead(o));
                        return;
                    }
                }
                let unit_len = self.unit.len();
                list::push_position(&mut self.unit, name, position);
                self.merge_optional(b, o, t);
                self.unit.truncate(unit_len);
            }
        }
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

fn index<'k>(keys: &'k [Cow<'_, str>]) -> HashMap<&'k str, usize> {
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
    side_map: &HashMap<&str, usize>,
    base: &[Cow<'_, str>],
    base_map: &HashMap<&str, usize>,
) -> bool {
    let a = side.iter().filter(|k| base_map.contains_key(k.as_ref()));
    let b = base.iter().filter(|k| side_map.contains_key(k.as_ref()));
    !a.eq(b)
}

/// Re-reads a clean result and checks, for every keyed list under the root,
/// that no key either side has disappeared unless a side deleted it, and that
/// no key appears twice.
fn safety_net(
    base: &Tree<'_>,
    ours: &Tree<'_>,
    theirs: &Tree<'_>,
    merged: &str,
) -> Result<(), Error> {
    let fail = |reason: String| Error::SafetyNet { reason };
    let out = Tree::parse(merged.as_bytes(), "merged result")
        .map_err(|e| fail(format!("the result is not well-formed XML ({e})")))?;
    let root_type = ours.name(&ours.root);
    let kids = |t: &Tree<'_>| t.children(&t.root).to_vec();
    let (bk, ok, tk, mk) = (kids(base), kids(ours), kids(theirs), kids(&out));
    let (Some(bg), Some(og), Some(tg)) = (
        list::groups(base, &bk),
        list::groups(ours, &ok),
        list::groups(theirs, &tk),
    ) else {
        return Ok(());
    };
    let mg = list::groups(&out, &mk)
        .ok_or_else(|| fail("the result interleaves lists the inputs kept together".into()))?;
    let mut names: Vec<&str> = og.iter().chain(tg.iter()).map(|g| g.name).collect();
    names.dedup();
    for name in names {
        let (b, o, t, m) = (
            list::items(&bg, &bk, name),
            list::items(&og, &ok, name),
            list::items(&tg, &tk, name),
            list::items(&mg, &mk, name),
        );
        let Some(chain) = chain_for(root_type, name) else {
            continue;
        };
        let Some((key, [kb, ko, kt])) =
            list::choose_keys(chain, [(base, b), (ours, o), (theirs, t)])
        else {
            continue;
        };
        let mut merged_keys = HashSet::new();
        for item in m {
            let k = list::key_of(&out, item, key)
                .ok_or_else(|| fail(format!("an item of {name} lost its key")))?;
            if !merged_keys.insert(k) {
                return Err(fail(format!("{name} holds a key twice")));
            }
        }
        let (sb, so, st): (HashSet<&str>, HashSet<&str>, HashSet<&str>) = (
            kb.iter().map(AsRef::as_ref).collect(),
            ko.iter().map(AsRef::as_ref).collect(),
            kt.iter().map(AsRef::as_ref).collect(),
        );
        for k in so.iter().chain(st.iter()) {
            let deleted = sb.contains(k) && !(so.contains(k) && st.contains(k));
            if !deleted && !merged_keys.contains(&Cow::Borrowed(*k)) {
                return Err(fail(format!(
                    "{name}[{}] would be lost",
                    list::display_key(k)
                )));
            }
        }
    }
    Ok(())
}

/// Returns the key chain that applies to a list directly under the root.
fn chain_for(root_type: &str, name: &str) -> Option<super::table::KeyChain> {
    use super::table::Shape;
    match super::table::lookup(root_type, name).map(|r| r.shape) {
        Some(Shape::Keyed(chain) | Shape::OrderedKeyed(chain)) => Some(chain),
        Some(Shape::Ordered) => None,
        None => Some(super::table::DEFAULT_CHAIN),
    }
}
