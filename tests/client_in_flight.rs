//! The engine's cap on requests in flight (`Config::max_in_flight`), in the deterministic
//! simulation: many tasks at once never put more than the cap of call requests on the
//! wire, queued requests go out first in first out as others finish, every call still
//! ends once, and the engine's tables are empty afterwards.

mod sim;

use mcp_tasks::client::{CallOutcome, Config, Engine, Protocol, ToolCall};
use serde_json::json;

use sim::endpoint::{Mode, Server, ServerConfig};
use sim::world::{HostConfig, NetConfig, World, args};

fn engine(protocol: Protocol, cap: usize, seed: u64) -> Engine {
    let mut config = Config::new("http://sim/mcp");
    config.protocol = protocol;
    config.seed = seed;
    config.max_in_flight = cap;
    // Queued requests wait long under a small cap: a short time limit would fire only
    // if it counted from the queueing rather than from the sending.
    config.request_timeout_ms = 2_000;
    Engine::new(config)
}

fn world(mode: Mode, protocol: Protocol, cap: usize, net: NetConfig, seed: u64) -> World {
    let mut cfg = ServerConfig::clean(mode);
    cfg.streams = false;
    let server = Server::new(cfg, seed);
    World::new(engine(protocol, cap, seed), server, net, HostConfig::default(), seed)
}

fn modes() -> [(Mode, Protocol); 2] {
    [(Mode::Legacy, Protocol::Legacy), (Mode::Extension, Protocol::Extension)]
}

/// Leftovers in the engine's tables, by name (none once everything ended).
fn leftovers(engine: &Engine) -> Vec<(&'static str, usize)> {
    engine.table_sizes().into_iter().filter(|(_, n)| *n > 0).collect()
}

#[test]
fn the_cap_bounds_requests_in_flight_and_every_call_completes() {
    for (mode, protocol) in modes() {
        let cap = 8;
        let mut w = world(mode, protocol, cap, NetConfig::clean(), 5);
        for i in 0..400 {
            w.call_at(i % 50, ToolCall::new("job", args(json!({"ms": 1000}))));
        }
        assert!(w.run(600_000), "{mode:?}: not settled");
        for rec in w.calls.values() {
            assert_eq!(rec.outcomes.len(), 1, "{mode:?}: {:?}", rec.outcomes);
            assert!(
                matches!(rec.outcomes[0].1, CallOutcome::Completed(_)),
                "{mode:?}: {:?}",
                rec.outcomes[0].1
            );
        }
        // The connection's own requests are not capped, and go before the calls' requests.
        assert!(w.max_live <= cap + 1, "{mode:?}: {} exchanges at once", w.max_live);
        assert!(w.max_live >= cap, "{mode:?}: the cap was never reached ({})", w.max_live);
        assert_eq!(leftovers(&w.engine), [], "{mode:?}");
        // No request was retried: none timed out while it waited in the queue.
        let requests = w.requests;
        assert!(requests <= 400 * 5 + 5, "{mode:?}: {requests} requests");
    }
}

#[test]
fn no_cap_sends_everything_at_once() {
    for (mode, protocol) in modes() {
        let mut w = world(mode, protocol, 0, NetConfig::clean(), 6);
        for _ in 0..300 {
            w.call_at(0, ToolCall::new("job", args(json!({"ms": 500}))));
        }
        assert!(w.run(600_000), "{mode:?}: not settled");
        assert!(w.max_live >= 300, "{mode:?}: {} at once", w.max_live);
        assert_eq!(leftovers(&w.engine), [], "{mode:?}");
    }
}

#[test]
fn a_faulty_network_under_a_small_cap_still_ends_every_call_once() {
    for (mode, protocol) in modes() {
        for seed in [31, 32] {
            let mut w = world(mode, protocol, 3, NetConfig::faulty(), seed);
            for i in 0..120 {
                w.call_at(i * 7, ToolCall::new("job", args(json!({"ms": 700}))));
            }
            assert!(w.run(3_600_000), "{mode:?} seed {seed}: not settled");
            for rec in w.calls.values() {
                assert_eq!(rec.outcomes.len(), 1, "{mode:?} seed {seed}: {:?}", rec.outcomes);
            }
            assert!(w.max_live <= 3 + 1, "{mode:?} seed {seed}: {} at once", w.max_live);
            assert_eq!(leftovers(&w.engine), [], "{mode:?} seed {seed}");
        }
    }
}
