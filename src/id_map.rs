//! Maps keyed by numbers this crate hands out itself (exchanges, calls, one-off requests,
//! input requests, JSON-RPC ids, timers). Such keys need no defence against chosen
//! collisions, so they skip SipHash: a multiply and a rotate per word instead, which is most
//! of what a small request's bookkeeping cost in the wasm build.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` over keys the crate allocates.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Mixes each word into the state with a rotate, an xor and an odd multiplier (the
/// multiplier spreads sequential numbers over the high bits hashbrown groups by).
#[derive(Clone, Copy)]
pub(crate) struct IdHasher(u64);

const SPREAD: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Default for IdHasher {
    /// Starts away from zero, where a zero word would leave the state unchanged (and `""`
    /// and `"\0"` would hash alike).
    fn default() -> Self {
        Self(SPREAD)
    }
}

impl IdHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SPREAD);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.mix(u64::from(byte));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(value: impl Hash) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(value)
    }

    #[test]
    fn sequential_ids_spread_over_the_high_bits() {
        // hashbrown picks buckets with the low bits and tags with the top 7: both must vary.
        let tops: std::collections::HashSet<u64> = (0u64..64).map(|i| hash(i) >> 57).collect();
        let lows: std::collections::HashSet<u64> = (0u64..64).map(|i| hash(i) & 63).collect();
        assert!(tops.len() > 32, "{} distinct tags", tops.len());
        assert!(lows.len() > 32, "{} distinct buckets", lows.len());
    }

    #[test]
    fn strings_differing_late_hash_apart() {
        assert_ne!(hash("request-000000001"), hash("request-000000002"));
        assert_ne!(hash(""), hash("\0"));
    }

    #[test]
    fn a_map_over_it_finds_what_it_holds() {
        let mut map: IdMap<u64, u64> = IdMap::default();
        for i in 0..10_000 {
            map.insert(i, i * 2);
        }
        assert!((0..10_000).all(|i| map.get(&i) == Some(&(i * 2))));
        assert_eq!(map.get(&10_000), None);
    }
}
