//! Simulations of push: a server that pushes status gets the result one round trip after
//! completion, polls relax while pushes arrive and return to the poll interval the moment
//! the stream breaks. Same world as `client_sim.rs`: seeded, virtual time, nothing sleeps.

mod sim;

use mcp_tasks::client::CallOutcome;

use sim::SimRng;
use sim::endpoint::{Mode, ServerConfig};
use sim::harness::{P, both, clean_world, job, only_outcome, with_seed};
use sim::world::{CallRecord, Sent, World};

/// When the host heard that call `id`'s task ended, and how many requests had been sent.
fn terminal_at(w: &World, id: mcp_tasks::client::CallId) -> (mcp_tasks::time::UnixMillis, usize) {
    let terminal = w.statuses.iter().find(|(_, c, s, _)| *c == id && s.is_terminal());
    terminal.map(|(t, _, _, n)| (*t, *n)).expect("a terminal status")
}

/// A pushed terminal status leads straight to the result. 2025-11-25: `tasks/result` goes
/// out the moment the engine hears of the end, even while a `tasks/get` is in flight (that
/// poll is dropped), and it is the task's last request. Extension: the push carries the
/// result, so the call ends then, with no request at all.
#[test]
fn a_pushed_terminal_status_leads_straight_to_the_result() {
    for (mode, protocol) in both() {
        with_seed("push_to_result", 13, |seed| {
            let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
            let mut rng = SimRng::new(seed);
            for _ in 0..300 {
                w.call_at(rng.range(0, 3000), job(rng.range(300, 6000)));
            }
            assert!(w.run(600_000), "{mode:?}: not settled");
            let mut raced = 0;
            for (&id, rec) in &w.calls {
                assert!(matches!(only_outcome(rec), CallOutcome::Completed(_)), "{mode:?}");
                let task = rec.task.as_ref().expect("a task").as_str();
                let (ended, sent_before) = terminal_at(&w, id);
                let about = |s: &&Sent| s.about.as_deref() == Some(task);
                let mine: Vec<&Sent> = w.sent.iter().filter(about).collect();
                let after: Vec<(u64, &str)> = w.sent[sent_before..]
                    .iter()
                    .filter(about)
                    .map(|s| (s.at.0 - ended.0, s.method.as_str()))
                    .collect();
                // A poll dropped at the moment the end was heard raced the push.
                raced += mine
                    .iter()
                    .filter(|s| {
                        s.method == "tasks/get" && w.aborted.get(&s.exchange) == Some(&ended)
                    })
                    .count();
                match mode {
                    Mode::Legacy => {
                        assert_eq!(after, [(0, "tasks/result")], "{mode:?}: requests after the end")
                    }
                    _ => {
                        assert!(after.is_empty(), "{mode:?}: requests after the end: {after:?}");
                        assert_eq!(rec.outcomes[0].0, ended, "{mode:?}: result with the push");
                    }
                }
            }
            if mode == Mode::Legacy {
                assert!(raced > 0, "no push raced a poll: the case is not exercised");
            }
            eprintln!(
                "{mode:?}: {} tasks, {raced} pushes overtook a poll in flight",
                w.calls.len()
            );
        });
    }
}

/// Runs a first short task so that the server's pushes prove to arrive.
fn prove_pushes(w: &mut World) {
    w.call_now(job(300));
    assert!(w.run(60_000), "the first task did not end");
}

/// The task's duration on the server.
fn duration(w: &World, rec: &CallRecord) -> u64 {
    let token = rec.token.as_deref().expect("a task");
    w.server.finished()[token].0 - w.server.created()[token].0
}

/// Against a server whose pushes proved to arrive, a task of duration D at interval P
/// costs at most 3 + ⌈D/(10·P)⌉ requests, every request of the client counted (listen
/// streams too): polls wait the safety interval, and the pushed end brings the result.
/// One task at a time, then many at once.
#[test]
fn pushes_relax_polling_to_the_safety_interval() {
    for (mode, protocol) in both() {
        for p in [100, 500, 2000] {
            with_seed("relaxed", 17 + p, |seed| {
                let mut cfg = ServerConfig::clean(mode);
                cfg.poll_interval_ms = p;
                let mut w = clean_world(cfg, protocol, seed);
                prove_pushes(&mut w);
                let mut rng = SimRng::new(seed);
                let (mut total, mut total_bound, mut plain) = (0, 0, 0);
                for _ in 0..30 {
                    let before = w.requests;
                    let id = w.call_now(job(rng.range(p / 2, 40 * p)));
                    assert!(w.run(600_000), "{mode:?} P={p}: not settled");
                    let rec = &w.calls[&id];
                    assert!(matches!(only_outcome(rec), CallOutcome::Completed(_)), "{mode:?}");
                    let d = duration(&w, rec);
                    let requests = w.requests - before;
                    let bound = 3 + d.div_ceil(10 * p);
                    assert!(requests <= bound, "{mode:?}: {requests} requests, D={d} P={p}");
                    total += requests;
                    total_bound += bound;
                    plain += d.div_ceil(p) + 2;
                }
                eprintln!(
                    "{mode:?} P={p}, one at a time: {total} requests for 30 tasks; Σ 3+⌈D/10P⌉ = {total_bound}, Σ ⌈D/P⌉+2 = {plain}"
                );

                let start = w.now;
                let n = 200;
                for _ in 0..n {
                    w.call_at(rng.range(0, 20 * p), job(rng.range(p / 2, 40 * p)));
                }
                let before = w.requests;
                assert!(w.run(3_600_000), "{mode:?} P={p}: not settled");
                let (mut total, mut total_bound) = (0, 0);
                for rec in w.calls.values().filter(|r| r.started >= start) {
                    assert!(matches!(only_outcome(rec), CallOutcome::Completed(_)), "{mode:?}");
                    let d = duration(&w, rec);
                    let requests = w.requests_of(rec);
                    let bound = 3 + d.div_ceil(10 * p);
                    assert!(requests <= bound, "{mode:?}: {requests} requests, D={d} P={p}");
                    total += requests;
                    total_bound += bound;
                }
                let listens = w.sent.iter().filter(|s| s.method == "subscriptions/listen").count();
                eprintln!(
                    "{mode:?} P={p}, {n} at once: {} requests in all, tasks' own {total} vs Σ 3+⌈D/10P⌉ = {total_bound}, {listens} listen requests",
                    w.requests - before
                );
            });
        }
    }
}

/// When a notification stream is cut (a clean end or a failure), polls relaxed on its
/// account come back to the plain interval at once: each task's next poll is P after the
/// engine heard of the cut, and (the server offering no stream any more) they stay P
/// apart. When a new stream comes up before then and tells each task's status, polls may
/// relax again at once. Every call still ends exactly once.
#[test]
fn a_broken_stream_brings_polling_back_to_the_interval_at_once() {
    for (mode, protocol) in both() {
        for (fail, for_good) in [(false, true), (true, true), (false, false), (true, false)] {
            with_seed("cut", 19, |seed| {
                let mut w = clean_world(ServerConfig::clean(mode), protocol, seed);
                prove_pushes(&mut w);
                let calls: Vec<_> = (0..20).map(|i| w.call_now(job(20_000 + i * 100))).collect();
                w.cut_streams_at(12_000, fail, for_good);
                assert!(w.run(600_000), "{mode:?}: not settled");
                let heard = w.cuts.first().expect("a stream was cut").0;
                // A new stream opened within P of the cut, in the streams-come-back case.
                let reopened = w.sent.iter().any(|s| {
                    matches!(s.method.as_str(), "GET" | "subscriptions/listen")
                        && s.at.0 > heard
                        && s.at.0 <= heard + P
                });
                let mut relaxed = 0;
                for id in &calls {
                    let rec = &w.calls[id];
                    assert!(matches!(only_outcome(rec), CallOutcome::Completed(_)), "{mode:?}");
                    let task = rec.task.as_ref().expect("a task").as_str();
                    let polls: Vec<u64> = w
                        .sent
                        .iter()
                        .filter(|s| s.method == "tasks/get" && s.about.as_deref() == Some(task))
                        .map(|s| s.at.0)
                        .collect();
                    // Before the cut, polls were a safety interval apart.
                    relaxed += polls
                        .windows(2)
                        .filter(|g| g[1] < heard && g[1] - g[0] >= 10 * P - 100)
                        .count();
                    let after: Vec<u64> = polls.iter().copied().filter(|&t| t >= heard).collect();
                    let label = format!("{mode:?} fail={fail} for_good={for_good}");
                    if for_good {
                        assert_eq!(after.first(), Some(&(heard + P)), "{label}: next poll");
                        for g in after.windows(2) {
                            // A plain interval after the previous answer.
                            assert!(
                                g[1] - g[0] <= P + 100,
                                "{label}: polls {} ms apart",
                                g[1] - g[0]
                            );
                        }
                    } else if let Some(&next) = after.first() {
                        assert!(next <= heard + P || reopened, "{label}: next poll {next}");
                    }
                }
                assert!(relaxed > 0, "{mode:?}: polls were never relaxed before the cut");
            });
        }
    }
}
