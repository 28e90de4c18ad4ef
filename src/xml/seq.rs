//! Sequence alignment for ordered lists: which items of one version match which
//! of another, and the diff3 chunks of three versions.
//!
//! Items are compared by identity (a key, or the item's text for lists without
//! keys), interned to tokens and aligned with imara-diff's histogram diff, the
//! algorithm git uses for its best line merges.

use std::ops::Range;

use imara_diff::{Algorithm, Diff, Token};

use super::hash::FxMap;

/// Interns identities so that sequences of them can be diffed.
#[derive(Default)]
pub struct Interner<'k> {
    ids: FxMap<&'k str, u32>,
}

impl<'k> Interner<'k> {
    pub fn tokens(&mut self, keys: &[&'k str]) -> Vec<Token> {
        keys.iter()
            .map(|k| {
                let next = self.ids.len() as u32;
                Token(*self.ids.entry(k).or_insert(next))
            })
            .collect()
    }

    pub fn count(&self) -> u32 {
        self.ids.len() as u32
    }
}

/// Returns, for every item of `before`, the index of the item of `after` it is
/// aligned with (monotonic). With `pair_replacements`, items of a hunk that
/// replaces n items by n others are aligned one for one: an anonymous list item
/// edited in place is then the same item, changed.
pub fn matching(
    before: &[Token],
    after: &[Token],
    num_tokens: u32,
    pair_replacements: bool,
) -> Vec<Option<usize>> {
    let mut diff = Diff::default();
    diff.compute_with(Algorithm::Histogram, before, after, num_tokens);
    let mut out = vec![None; before.len()];
    let (mut i, mut j) = (0, 0);
    for hunk in diff.hunks() {
        let (before_hunk, after_hunk) = (
            hunk.before.start as usize..hunk.before.end as usize,
            hunk.after.start as usize..hunk.after.end as usize,
        );
        while i < before_hunk.start {
            out[i] = Some(j);
            i += 1;
            j += 1;
        }
        if pair_replacements && before_hunk.len() == after_hunk.len() {
            for (k, slot) in out[before_hunk.clone()].iter_mut().enumerate() {
                *slot = Some(after_hunk.start + k);
            }
        }
        i = before_hunk.end;
        j = after_hunk.end;
    }
    while i < before.len() {
        out[i] = Some(j);
        i += 1;
        j += 1;
    }
    out
}

/// One region of a three-way alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Items aligned one for one on all three sides.
    Stable {
        base: Range<usize>,
        ours: Range<usize>,
        theirs: Range<usize>,
    },
    /// A region at least one side changed.
    Changed {
        base: Range<usize>,
        ours: Range<usize>,
        theirs: Range<usize>,
    },
}

/// Splits three sequences into aligned and changed chunks, as diff3 does;
/// items replaced one for one count as aligned (see [`matching`]), so the items
/// of a [`Chunk::Stable`] chunk may differ and need merging.
pub fn diff3(base: &[&str], ours: &[&str], theirs: &[&str]) -> Vec<Chunk> {
    let mut interner = Interner::default();
    let (b, o, t) = (
        interner.tokens(base),
        interner.tokens(ours),
        interner.tokens(theirs),
    );
    let to_ours = matching(&b, &o, interner.count(), true);
    let to_theirs = matching(&b, &t, interner.count(), true);
    let mut chunks = Vec::new();
    let (mut ib, mut io, mut it) = (0, 0, 0);
    loop {
        let mut stable = 0;
        while ib + stable < b.len()
            && to_ours[ib + stable] == Some(io + stable)
            && to_theirs[ib + stable] == Some(it + stable)
        {
            stable += 1;
        }
        if stable > 0 {
            chunks.push(Chunk::Stable {
                base: ib..ib + stable,
                ours: io..io + stable,
                theirs: it..it + stable,
            });
            ib += stable;
            io += stable;
            it += stable;
            continue;
        }
        // The next base item both sides kept ends the changed region.
        let next = (ib..b.len()).find_map(|k| match (to_ours[k], to_theirs[k]) {
            (Some(jo), Some(jt)) => Some((k, jo, jt)),
            _ => None,
        });
        let (kb, ko, kt) = next.unwrap_or((b.len(), o.len(), t.len()));
        if kb > ib || ko > io || kt > it {
            chunks.push(Chunk::Changed {
                base: ib..kb,
                ours: io..ko,
                theirs: it..kt,
            });
        }
        if next.is_none() {
            break;
        }
        (ib, io, it) = (kb, ko, kt);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sided_insertions_are_separate_chunks() {
        let chunks = diff3(
            &["a", "b", "c"],
            &["a", "x", "b", "c"],
            &["a", "b", "c", "y"],
        );
        assert_eq!(
            chunks,
            vec![
                Chunk::Stable {
                    base: 0..1,
                    ours: 0..1,
                    theirs: 0..1
                },
                Chunk::Changed {
                    base: 1..1,
                    ours: 1..2,
                    theirs: 1..1
                },
                Chunk::Stable {
                    base: 1..3,
                    ours: 2..4,
                    theirs: 1..3
                },
                Chunk::Changed {
                    base: 3..3,
                    ours: 4..4,
                    theirs: 3..4
                },
            ]
        );
    }

    #[test]
    fn items_edited_in_place_stay_aligned() {
        let chunks = diff3(&["i", "a"], &["i2", "a"], &["i", "a2"]);
        assert_eq!(
            chunks,
            vec![Chunk::Stable {
                base: 0..2,
                ours: 0..2,
                theirs: 0..2
            }]
        );
    }

    #[test]
    fn empty_sequences_give_one_changed_chunk_or_none() {
        assert!(diff3(&[], &[], &[]).is_empty());
        assert_eq!(
            diff3(&[], &["a"], &[]),
            vec![Chunk::Changed {
                base: 0..0,
                ours: 0..1,
                theirs: 0..0
            }]
        );
    }

    #[test]
    fn matching_is_monotonic() {
        let mut interner = Interner::default();
        let a = interner.tokens(&["g", "s", "b"]);
        let b = interner.tokens(&["s", "g", "b"]);
        let m = matching(&a, &b, interner.count(), false);
        let matched: Vec<usize> = m.iter().flatten().copied().collect();
        assert!(matched.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(m[2], Some(2));
    }
}
