//! Deterministic client/server simulation on a virtual clock: the engine, the crate's
//! real Streamable HTTP endpoint with fixture tools, and a seeded network between them.

#![allow(dead_code)]

pub mod endpoint;
pub mod fixtures;
pub mod harness;
pub mod world;

/// The engine's own seeded generator (SplitMix64): the only randomness in a simulation.
#[derive(Clone, Debug)]
pub struct SimRng(mcp_tasks::client::schedule::Rng);

impl SimRng {
    pub fn new(seed: u64) -> Self {
        Self(mcp_tasks::client::schedule::Rng::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.next_u64() % (hi - lo + 1) }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The seed to run: `SIM_SEED` when set (to replay a failure), else `default`.
pub fn seed(default: u64) -> u64 {
    std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
