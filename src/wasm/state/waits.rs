//! Waiting on the router: the wakers of a call or of the client, the claims that keep a
//! call's state readable, and the futures that wait for a condition in it. Kept beside the
//! router (a child module) because they reach into its private bookkeeping.

use std::future::poll_fn;
use std::task::{Poll, Waker};

use crate::client::CallId;

use super::{CallState, Router, Routes};

/// Futures waiting on one thing. Woken together when that thing changes; each then checks
/// again whether what it waits for happened.
#[derive(Default)]
pub(crate) struct Wakers(Vec<Waker>);

impl Wakers {
    fn register(&mut self, waker: &Waker) {
        // A future polled again without having been woken must not pile up copies.
        if !self.0.iter().any(|w| w.will_wake(waker)) {
            self.0.push(waker.clone());
        }
    }

    /// Wakes every waiting future.
    pub(crate) fn wake(&mut self) {
        for waker in self.0.drain(..) {
            waker.wake();
        }
    }
}

/// A claim on a call's state: while one exists, the state stays, so that handles,
/// iterators and pending promises can read the outcome. The last one dropped after the
/// call ended frees the state; a call whose claims are all gone before it ends is freed
/// when it ends.
pub(crate) struct Hold {
    routes: Routes,
    call: CallId,
}

impl Hold {
    /// The first claim, made by whoever registered the call with [`Router::insert_call`].
    pub(crate) fn first(routes: &Routes, call: CallId) -> Self {
        Self { routes: routes.clone(), call }
    }

    /// A new claim on `call` (nothing, if the call is no longer tracked).
    pub(crate) fn new(routes: &Routes, call: CallId) -> Self {
        if let Some(state) = routes.borrow_mut().calls.get_mut(&call) {
            state.holders += 1;
        }
        Self::first(routes, call)
    }

    /// The call held.
    pub(crate) fn call(&self) -> CallId {
        self.call
    }
}

impl Clone for Hold {
    fn clone(&self) -> Self {
        Self::new(&self.routes, self.call)
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        match self.routes.try_borrow_mut() {
            Ok(mut router) => router.release(self.call),
            // Dropped while the router is borrowed (never by design): release on the next
            // turn instead of leaking the state.
            Err(_) => {
                let (routes, call) = (self.routes.clone(), self.call);
                crate::wasm::settle::spawn(Box::pin(async move {
                    routes.borrow_mut().release(call);
                }));
            }
        }
    }
}

/// Waits until `check` finds what it looks for in the router; woken by client-wide
/// changes only.
pub(crate) async fn wait<T>(routes: &Routes, mut check: impl FnMut(&mut Router) -> Option<T>) -> T {
    poll_fn(|cx| {
        let mut router = routes.borrow_mut();
        match check(&mut router) {
            Some(found) => Poll::Ready(found),
            None => {
                router.client_wakers.register(cx.waker());
                Poll::Pending
            }
        }
    })
    .await
}

/// Waits until `check` finds what it looks for in `call`'s state (`None` once the state
/// is gone: `check` must then decide); woken by that call's events only.
pub(crate) async fn wait_call<T>(
    routes: &Routes,
    call: CallId,
    mut check: impl FnMut(Option<&mut CallState>) -> Option<T>,
) -> T {
    poll_fn(|cx| {
        let mut router = routes.borrow_mut();
        let state = router.calls.get_mut(&call);
        let missing = state.is_none();
        match check(state) {
            Some(found) => Poll::Ready(found),
            None => {
                if let Some(state) = router.calls.get_mut(&call) {
                    state.wakers.register(cx.waker());
                } else if missing {
                    // Nothing will ever wake a wait on a call that is not tracked.
                    router.client_wakers.register(cx.waker());
                }
                Poll::Pending
            }
        }
    })
    .await
}
