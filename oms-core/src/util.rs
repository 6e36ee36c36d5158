//! Small internal helpers.

use hashbrown::HashTable;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast, fixed-seed hasher (the Fx algorithm used by rustc). Fixed seeds
/// keep the engine free of OS randomness; nothing observable ever depends on
/// hash-map iteration order (queries and snapshots sort).
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
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        // The 1–7 byte tail, zero-padded little-endian, byte by byte: a
        // variable-length copy into a buffer would call `memcpy`.
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = 0u64;
            for (k, &b) in rest.iter().enumerate() {
                word |= u64::from(b) << (8 * k);
            }
            self.add(word);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The Fx step mixes poorly into the low bits, which pick the bucket;
        // finish with the murmur3 avalanche so similar ids ("SKU-000123",
        // "SKU-000124") spread out.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// A small seeded generator (SplitMix64): searches that randomise stay
/// deterministic, the same seed giving the same plan on every machine.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// `items` with `item` inserted at `index`, allocated at its exact size
/// (growing a `Vec` and shrinking it back would allocate twice).
pub(crate) fn inserted<T: Clone>(items: &[T], index: usize, item: T) -> Box<[T]> {
    let mut out = Vec::with_capacity(items.len() + 1);
    out.extend_from_slice(&items[..index]);
    out.push(item);
    out.extend_from_slice(&items[index..]);
    out.into_boxed_slice()
}

/// For `skip_serializing_if` on flags that default to false.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// For `skip_serializing_if`: leaves zero counters out of JSON.
pub(crate) fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Interns strings as dense indices, in first-seen order, all their text
/// in one buffer (no allocation per name: a history has a name per order).
#[derive(Debug, Default, Clone)]
pub(crate) struct Names {
    table: HashTable<u32>,
    text: String,
    spans: Vec<(u32, u32)>,
    /// The last name [`Names::intern_repeated`] returned.
    last: Option<u32>,
}

pub(crate) fn name_hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl Names {
    #[inline]
    pub(crate) fn name(&self, i: u32) -> &str {
        let (a, b) = self.spans[i as usize];
        &self.text[a as usize..b as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        let hash = name_hash(name);
        let Names {
            table, text, spans, ..
        } = self;
        let of = |i: u32| {
            let (a, b) = spans[i as usize];
            &text[a as usize..b as usize]
        };
        let i = spans.len() as u32;
        // One probe: the slot found for a new name is where it goes.
        match table.entry(hash, |&j| of(j) == name, |&j| name_hash(of(j))) {
            hashbrown::hash_table::Entry::Occupied(o) => return *o.get(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(i);
            }
        }
        let a = text.len() as u32;
        text.push_str(name);
        spans.push((a, text.len() as u32));
        i
    }

    pub(crate) fn reserve(&mut self, names: usize) {
        self.spans.reserve(names);
        let (text, spans) = (&self.text, &self.spans);
        self.table.reserve(names, |&j| {
            let (a, b) = spans[j as usize];
            name_hash(&text[a as usize..b as usize])
        });
    }

    /// [`Names::intern`] for names that come again and again in a row
    /// (channels, networks): the last one is checked first.
    pub(crate) fn intern_repeated(&mut self, name: &str) -> u32 {
        if let Some(last) = self.last {
            if self.name(last) == name {
                return last;
            }
        }
        let i = self.intern(name);
        self.last = Some(i);
        i
    }

    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.get_hashed(name, name_hash(name))
    }

    /// [`Names::get`] of a name whose [`name_hash`] is known.
    #[inline]
    pub(crate) fn get_hashed(&self, name: &str, hash: u64) -> Option<u32> {
        self.table.find(hash, |&i| self.name(i) == name).copied()
    }

    /// The names sorted, and each index's rank among them.
    pub(crate) fn sorted(&self) -> (Vec<&str>, Vec<u32>) {
        let mut by_name: Vec<u32> = (0..self.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| self.name(a).cmp(self.name(b)));
        let mut rank = vec![0; by_name.len()];
        for (r, &i) in by_name.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let names = by_name.iter().map(|&i| self.name(i)).collect();
        (names, rank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_is_hashed_as_zero_padded_little_endian() {
        for len in 0..=17usize {
            let bytes: Vec<u8> = (1..=len as u8).collect();
            let mut h = FxHasher::default();
            h.write(&bytes);
            let mut expected = FxHasher::default();
            for chunk in bytes.chunks(8) {
                let mut buf = [0u8; 8];
                buf[..chunk.len()].copy_from_slice(chunk);
                expected.add(u64::from_le_bytes(buf));
            }
            assert_eq!(h.hash, expected.hash, "{len} bytes");
        }
    }
}
