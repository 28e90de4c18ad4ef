//! A fast, non-cryptographic hasher for the key indexes.
//!
//! The merge indexes tens of thousands of short keys per large profile; std's
//! SipHash (built to resist collision attacks on untrusted input in long-lived
//! servers) costs several times more per key than this multiply-rotate hash
//! (the one rustc uses), and a merge driver is a short-lived process over the
//! user's own files.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Rustc's FxHasher: one multiply and rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keys_stay_distinct() {
        let keys: Vec<String> = (0..10_000)
            .map(|i| format!("Object{i}__c.Field__c"))
            .collect();
        let set: FxSet<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(set.len(), keys.len());
        assert!(set.contains("Object42__c.Field__c"));
        assert!(!set.contains("Object42__c.Field__"));
    }
}
