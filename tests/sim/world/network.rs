//! The simulated network: latency, dropped requests and responses, black holes, responses
//! split into random chunks, truncated event streams, and per-exchange ordering.

use mcp_tasks::protocol::http::{ExchangeId, HttpRequest, TransportFailure};
use mcp_tasks::time::UnixMillis;

use super::super::endpoint::Frame;
use super::{Ev, In, Sent, World};

impl World {
    pub(super) fn latency(&mut self) -> u64 {
        self.rng.range(self.net.latency.0, self.net.latency.1)
    }

    pub(super) fn transmit(&mut self, req: HttpRequest) {
        self.requests += 1;
        self.live.insert(req.id);
        self.max_live = self.max_live.max(self.live.len());
        if self.log {
            eprintln!(
                "{} -> {} {:?} {}",
                self.now.0 % 1_000_000,
                req.id,
                req.method,
                req.body.as_deref().unwrap_or("").chars().take(160).collect::<String>()
            );
        }
        // Counted by a scan of the body: parsing every request again would add much to
        // the simulation's cost.
        if let Some(body) = req.body.as_deref() {
            let field = |name: &str| {
                let key = format!("\"{name}\":\"");
                let start = body.find(&key)? + key.len();
                let len = body.get(start..)?.find('"')?;
                body.get(start..start + len).map(str::to_owned)
            };
            let method = field("method");
            let about = match method.as_deref() {
                Some("tools/call") => field("progressToken"),
                _ => field("taskId"),
            };
            match method.as_deref() {
                Some("tools/call") => {
                    if let Some(t) = &about {
                        *self.by_token.entry(t.clone()).or_default() += 1;
                    }
                }
                Some("tasks/get" | "tasks/result") => {
                    if let Some(t) = &about {
                        *self.by_task.entry(t.clone()).or_default() += 1;
                    }
                }
                _ => {}
            }
            let method = method.unwrap_or_default();
            self.sent.push(Sent { at: self.now, exchange: req.id, method, about });
        } else {
            let method = format!("{:?}", req.method).to_uppercase();
            self.sent.push(Sent { at: self.now, exchange: req.id, method, about: None });
        }
        let t = self.now.saturating_add(self.latency());
        if self.rng.chance(self.net.drop_request) {
            let t2 = t.saturating_add(self.latency());
            self.at(
                t2,
                Ev::ToClient(req.id, In::Fail(TransportFailure::Connect("refused".into()))),
            );
            return;
        }
        if self.rng.chance(self.net.black_hole) {
            return;
        }
        self.at(t, Ev::ToServer(req));
    }

    /// Carries what the server sent to the client, splitting, delaying and cutting it.
    pub(super) fn ship(&mut self) {
        for (x, frame) in self.server.take_out() {
            if self.dead.contains(&x) || self.shipped_end.contains(&x) {
                self.server.detach(self.now, x);
                continue;
            }
            match frame {
                Frame::Head(head) => {
                    if self.rng.chance(self.net.drop_response) {
                        self.dead_letter(
                            x,
                            TransportFailure::Connect("reset before the response".into()),
                        );
                        continue;
                    }
                    if head.is_event_stream() && self.rng.chance(self.net.truncate) {
                        let k = self.rng.range(1, 4) as u32;
                        self.cut_after.insert(x, k);
                    }
                    self.deliver(x, In::Head(head));
                }
                Frame::Chunk(bytes) => {
                    let mut rest: &[u8] = &bytes;
                    while !rest.is_empty() {
                        let n =
                            (self.rng.range(1, self.net.chunk_max as u64) as usize).min(rest.len());
                        let (piece, tail) = rest.split_at(n);
                        rest = tail;
                        if let Some(k) = self.cut_after.get_mut(&x) {
                            if *k == 0 {
                                let ending = if self.rng.chance(0.5) {
                                    In::End
                                } else {
                                    In::Fail(TransportFailure::BodyInterrupted("cut".into()))
                                };
                                self.cut_after.remove(&x);
                                self.deliver(x, ending);
                                self.shipped_end.insert(x);
                                self.server.detach(self.now, x);
                                break;
                            }
                            *k -= 1;
                        }
                        self.deliver(x, In::Chunk(piece.to_vec()));
                    }
                }
                Frame::End => {
                    self.cut_after.remove(&x);
                    self.deliver(x, In::End);
                    self.shipped_end.insert(x);
                }
            }
        }
    }

    pub(super) fn dead_letter(&mut self, x: ExchangeId, failure: TransportFailure) {
        self.deliver(x, In::Fail(failure));
        self.shipped_end.insert(x);
        self.server.detach(self.now, x);
    }

    /// Delivers in order per exchange; different exchanges may overtake each other.
    pub(super) fn deliver(&mut self, x: ExchangeId, input: In) {
        let t = self.now.saturating_add(self.latency());
        let t = t.max(self.last_at.get(&x).copied().unwrap_or(UnixMillis(0)));
        self.last_at.insert(x, t);
        if matches!(input, In::End | In::Fail(_)) {
            self.last_at.remove(&x);
        }
        self.at(t, Ev::ToClient(x, input));
    }
}
