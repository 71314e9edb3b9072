//! What every simulation scenario starts from: engines, worlds, seeds and outcome reads.

use mcp_tasks::client::{CallOutcome, Config, Engine, Failure, Protocol, ToolCall};
use serde_json::json;

use super::endpoint::{Mode, Server, ServerConfig};
use super::world::{CallRecord, HostConfig, NetConfig, World, args};

pub const P: u64 = 500;

pub fn config(protocol: Protocol, seed: u64) -> Config {
    let mut config = Config::new("http://sim/mcp");
    config.protocol = protocol;
    config.seed = seed;
    config.inputs.elicitation = true;
    config
}

pub fn engine(protocol: Protocol, seed: u64) -> Engine {
    Engine::new(config(protocol, seed))
}

pub fn job(ms: u64) -> ToolCall {
    ToolCall::new("job", args(json!({"ms": ms})))
}

pub fn both() -> [(Mode, Protocol); 2] {
    [(Mode::Legacy, Protocol::Legacy), (Mode::Extension, Protocol::Extension)]
}

/// A world on a clean network with a patient host.
pub fn clean_world(server: ServerConfig, protocol: Protocol, seed: u64) -> World {
    let server = Server::new(server, seed);
    World::new(engine(protocol, seed), server, NetConfig::clean(), HostConfig::default(), seed)
}

/// Runs `f` with the scenario's seed, printing it if `f` panics.
pub fn with_seed(name: &str, default: u64, f: impl FnOnce(u64)) {
    let seed = super::seed(default);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(seed)));
    if let Err(e) = result {
        eprintln!("simulation {name} failed: replay with SIM_SEED={seed}");
        std::panic::resume_unwind(e);
    }
}

pub fn text(outcome: &CallOutcome) -> Option<&str> {
    match outcome {
        CallOutcome::Completed(r) | CallOutcome::Failed(Failure::Tool(r)) => {
            r.content.first()?.get("text")?.as_str()
        }
        _ => None,
    }
}

pub fn only_outcome(rec: &CallRecord) -> &CallOutcome {
    assert_eq!(rec.outcomes.len(), 1, "exactly one outcome: {:?}", rec.outcomes);
    &rec.outcomes[0].1
}
