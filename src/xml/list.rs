//! Lists of siblings: grouping children by element name, and the identity of
//! each item under a rule of the key table. Shared by the merge and the diff so
//! that both see the same items.

use std::borrow::Cow;
use std::ops::Range;

use super::hash::FxSet;
use super::table::{self, KeyChain, Shape};
use super::tree::{Node, Tree};

/// Separates the parts of a compound key; it cannot occur in XML text.
const PART_SEPARATOR: char = '\u{1f}';

/// One key of a chain: the parts joined into a compound key.
pub type Key = &'static [&'static str];

/// The keys of a list's items on one side, in item order.
pub type Keys<'a> = Vec<Cow<'a, str>>;

/// A run of siblings sharing one element name.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    pub name: &'a str,
    pub range: Range<usize>,
}

/// Splits children into runs of equal names, or returns `None` when a name
/// occurs in two separate runs (the list is then merged by position as a whole,
/// since regrouping would reorder it).
pub fn groups<'a>(tree: &Tree<'a>, kids: &[Node]) -> Option<Vec<Group<'a>>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    for (i, kid) in kids.iter().enumerate() {
        let name = tree.name(kid);
        match out.last_mut() {
            Some(last) if last.name == name => last.range.end = i + 1,
            _ => {
                if out.iter().any(|g| g.name == name) {
                    return None;
                }
                out.push(Group {
                    name,
                    range: i..i + 1,
                });
            }
        }
    }
    Some(out)
}

/// Returns the items of the group called `name`, or an empty slice.
pub fn items<'n>(groups: &[Group<'_>], kids: &'n [Node], name: &str) -> &'n [Node] {
    groups
        .iter()
        .find(|g| g.name == name)
        .map_or(&[], |g| &kids[g.range.clone()])
}

/// How a list is treated once the table and the actual items are consulted.
pub enum Plan<'a, const N: usize> {
    /// Unordered set with one unique key per item on every side.
    Keyed(Key, [Keys<'a>; N]),
    /// Ordered list with one unique key per item on every side.
    OrderedKeyed(Key, [Keys<'a>; N], Option<&'static str>),
    /// Ordered list of anonymous items.
    Positional,
    /// At most one item on every side: one element, merged as itself.
    Single,
}

/// Decides how the list at `path` (already including the element name) is
/// handled, given its items on each side.
pub fn plan<'a, const N: usize>(
    root_type: &str,
    path: &str,
    sides: [(&Tree<'a>, &[Node]); N],
) -> Plan<'a, N> {
    match table::lookup(root_type, path) {
        Some(rule) => match rule.shape {
            Shape::Keyed(chain) => match choose_keys(chain, sides) {
                Some((key, keys)) => Plan::Keyed(key, keys),
                None => Plan::Positional,
            },
            Shape::OrderedKeyed(chain) => match choose_keys(chain, sides) {
                Some((key, keys)) => Plan::OrderedKeyed(key, keys, rule.display),
                None => Plan::Positional,
            },
            Shape::Ordered => Plan::Positional,
        },
        None => {
            if let Some((key, keys)) = choose_keys(table::DEFAULT_CHAIN, sides) {
                Plan::Keyed(key, keys)
            } else if sides.iter().all(|(_, items)| items.len() <= 1) {
                Plan::Single
            } else {
                Plan::Positional
            }
        }
    }
}

/// Returns the first key of `chain` that every item on every side has and that
/// is unique within each side, with every side's keys. Duplicates are never collapsed: a chain that
/// finds none gives `None` and the caller merges by position.
pub fn choose_keys<'a, const N: usize>(
    chain: KeyChain,
    sides: [(&Tree<'a>, &[Node]); N],
) -> Option<(Key, [Keys<'a>; N])> {
    'keys: for key in chain {
        let mut all: [Vec<Cow<'a, str>>; N] = std::array::from_fn(|_| Vec::new());
        for (slot, (tree, items)) in all.iter_mut().zip(sides.iter()) {
            for item in items.iter() {
                let Some(k) = key_of(tree, item, key) else {
                    continue 'keys;
                };
                slot.push(k);
            }
            // Salesforce usually writes keyed lists sorted: strictly increasing
            // keys are unique without hashing them.
            if !slot.windows(2).all(|w| w[0] < w[1]) {
                let mut seen = FxSet::default();
                seen.reserve(slot.len());
                if !slot.iter().all(|k| seen.insert(k.as_ref())) {
                    continue 'keys;
                }
            }
        }
        return Some((key, all));
    }
    None
}

/// Returns the item's key, or `None` when its first part is missing.
pub fn key_of<'a>(tree: &Tree<'a>, item: &Node, key: &[&str]) -> Option<Cow<'a, str>> {
    let (first, rest) = key.split_first()?;
    let head = part(tree, item, first)?;
    if rest.is_empty() {
        return Some(Cow::Borrowed(head));
    }
    let mut joined = String::from(head);
    for p in rest {
        joined.push(PART_SEPARATOR);
        joined.push_str(part(tree, item, p).unwrap_or(""));
    }
    Some(Cow::Owned(joined))
}

fn part<'a>(tree: &Tree<'a>, item: &Node, part: &str) -> Option<&'a str> {
    part.split('|').find_map(|alt| tree.child_text(item, alt))
}

/// Returns a key as a person reads it: parts decoded, empty optional parts
/// left out, joined by `, `.
pub fn display_key(key: &str) -> String {
    key.split(PART_SEPARATOR)
        .filter(|p| !p.is_empty())
        .map(super::tree::decode)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends `name` (and `[key]`) to a unit path such as `fields[Status__c].valueSet`.
pub fn push_unit(unit: &mut String, name: &str, key: Option<&str>) {
    if !unit.is_empty() {
        unit.push('.');
    }
    unit.push_str(name);
    if let Some(key) = key {
        unit.push('[');
        unit.push_str(&display_key(key));
        unit.push(']');
    }
}

/// Appends `name#position` (1-based) for an item of a list without keys.
pub fn push_position(unit: &mut String, name: &str, position: usize) {
    push_unit(unit, name, None);
    unit.push('#');
    unit.push_str(&position.to_string());
}

/// Appends an element name to a table path (`fields/valueSet`).
pub fn push_path(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(src: &str) -> Tree<'_> {
        Tree::parse(src.as_bytes(), "ours").unwrap()
    }

    #[test]
    fn interleaved_names_are_not_grouped() {
        let t = tree("<a><b/><b/><c/></a>");
        let g = groups(&t, t.children(&t.root)).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].range, 0..2);
        let t = tree("<a><b/><c/><b/></a>");
        assert!(groups(&t, t.children(&t.root)).is_none());
    }

    #[test]
    fn duplicate_keys_fall_through_the_chain() {
        let t = tree(
            "<Profile><layoutAssignments><layout>A</layout></layoutAssignments>\
             <layoutAssignments><layout>A</layout><recordType>R</recordType></layoutAssignments></Profile>",
        );
        let kids = t.children(&t.root);
        let keys = choose_keys(&[&["layout"]], [(&t, kids)]);
        assert!(keys.is_none(), "layout alone is not unique");
        let (_, [keys]) =
            choose_keys(&[&["layout"], &["layout", "recordType"]], [(&t, kids)]).unwrap();
        assert_eq!(display_key(&keys[0]), "A");
        assert_eq!(display_key(&keys[1]), "A, R");
    }

    #[test]
    fn alternatives_take_the_first_present_part() {
        let t = tree(
            "<W><recipients><type>user</type><recipient>a@b.c</recipient></recipients>\
             <recipients><type>email</type><field>Owner__c</field></recipients></W>",
        );
        let (_, [keys]) =
            choose_keys(&[&["type", "recipient|field"]], [(&t, t.children(&t.root))]).unwrap();
        assert_eq!(display_key(&keys[1]), "email, Owner__c");
    }
}
