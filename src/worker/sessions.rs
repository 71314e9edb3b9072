//! 2025-11-25 sessions that outlive the isolate: a Durable Object's later isolates (after a
//! restart or an eviction) serve the sessions an earlier one opened. This is the endpoint's
//! design for sessions shared with other servers (`Config::shared_sessions`, as
//! `mcp-tasks serve --store redis://` runs it), the "other servers" being the object's
//! next isolates: the endpoint decides what opens and ends a session; this module only
//! stores its records ([`SharedSession`]) in the object's SQLite and loads them back.
//!
//! A record lapses after the session's idle time unused, as the session does: a request
//! moves its lapse on (written at most once a tenth of the idle time). Lapsed records
//! are deleted when the object starts and by the alarm, unless their session is still
//! open here (a stream keeps it in use): those are renewed. A session ended here (DELETE)
//! is deleted at once.

#![allow(clippy::cast_precision_loss)]

use super::Inner;
use super::sql::SqlStore;
use crate::receiver::http::SharedSession;
use crate::time::UnixMillis;

fn ms(at: UnixMillis) -> f64 {
    at.0 as f64
}

/// Moves session `id`'s lapse to an idle time from `at`, unless that was done lately.
fn touch(sql: &SqlStore, id: &str, at: UnixMillis, idle: u64) {
    let expires = at.saturating_add(idle);
    let before = UnixMillis(expires.0.saturating_sub(idle / 10));
    let _ = sql.touch_session(id, ms(expires), ms(before));
}

/// Before a request that names session `id`: one open here is marked in use; one this
/// isolate does not know is adopted from its record, when one is stored and has not
/// lapsed (an earlier isolate of the object opened it). Otherwise the endpoint answers
/// 404, as for any unknown session.
pub(super) fn before_request(inner: &mut Inner, id: &str, at: UnixMillis) {
    let idle = inner.endpoint.config().session_idle_ms;
    let Some(sql) = &inner.sql else { return };
    if inner.endpoint.knows_session(id) {
        return touch(sql, id, at, idle);
    }
    let Ok(Some(text)) = sql.get_session(id, ms(at)) else { return };
    let Some(record) = SharedSession::decode(&text) else { return };
    if inner.endpoint.adopt_session(id, &record, at) {
        touch(sql, id, at, idle);
    }
}

/// After the endpoint acted: the sessions it opened are stored, those it ended deleted.
pub(super) fn publish(inner: &mut Inner, at: UnixMillis) {
    let idle = inner.endpoint.config().session_idle_ms;
    let Some(sql) = &inner.sql else { return };
    for (id, record) in inner.endpoint.take_opened_sessions() {
        let _ = sql.put_session(&id, &record.encode(), ms(at.saturating_add(idle)));
    }
    for id in inner.endpoint.take_ended_sessions() {
        let _ = sql.delete_session(&id);
    }
}

/// Deletes the records that lapsed by `at`, but renews those of sessions still open here.
/// (A session idle here is forgotten by the endpoint without being ended, as sessions
/// shared with other servers are: its record lapses with it, its tasks end by their TTL.)
pub(super) fn sweep(inner: &Inner, at: UnixMillis) {
    let idle = inner.endpoint.config().session_idle_ms;
    let Some(sql) = &inner.sql else { return };
    let Ok(lapsed) = sql.lapsed_sessions(ms(at)) else { return };
    for id in lapsed {
        if inner.endpoint.knows_session(&id) {
            touch(sql, &id, at, idle);
        } else {
            let _ = sql.delete_session(&id);
        }
    }
}
