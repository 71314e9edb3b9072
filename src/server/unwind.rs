//! A tool that panics fails its call, not the server: its run and its decision before a
//! task are caught here and become a JSON-RPC internal error that names no internals (the
//! panic message and its source location stay in the server's log, where the panic hook
//! prints them).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ctx::ToolError;
use super::tool::{RunFuture, ToolResult};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};

/// What a peer learns of a panic in tool code.
pub(crate) fn panicked() -> ErrorObject {
    ErrorObject::new(ErrorCode::INTERNAL_ERROR, "Internal error: the tool failed")
}

/// Runs `f` (tool code), turning a panic into [`panicked`].
pub(crate) fn guard<T>(f: impl FnOnce() -> T) -> Result<T, ErrorObject> {
    // Unwind safety: what `f` may leave half-changed is the tool's own state; the
    // server's state sits behind a lock that a panic does not leave unusable
    // (`Shared::lock` takes a poisoned lock over).
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| panicked())
}

/// A tool run that ends with [`panicked`] when a poll of it panics.
pub(crate) struct Guarded<'a> {
    run: Option<RunFuture<'a>>,
}

impl<'a> Guarded<'a> {
    pub fn new(run: RunFuture<'a>) -> Self {
        Self { run: Some(run) }
    }
}

impl Future for Guarded<'_> {
    type Output = ToolResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ToolResult> {
        let this = self.get_mut();
        let Some(run) = this.run.as_mut() else {
            return Poll::Ready(Err(ToolError::Rpc(panicked())));
        };
        match guard(|| run.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => {
                this.run = None;
                Poll::Ready(outcome)
            }
            Err(error) => {
                // A future that panicked is never polled again; its drop is tool code
                // too, and may panic in turn.
                let run = this.run.take();
                let _ = guard(move || drop(run));
                Poll::Ready(Err(ToolError::Rpc(error)))
            }
        }
    }
}

impl Drop for Guarded<'_> {
    fn drop(&mut self) {
        // Dropped unfinished (a plain call whose client left, the server stopping): the
        // tool's drop code runs here, and may panic.
        if let Some(run) = self.run.take() {
            let _ = guard(move || drop(run));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn a_panicking_run_ends_with_an_internal_error_that_says_nothing_of_it() {
        let run: RunFuture<'static> = Box::pin(async { panic!("secret at /src/tool.rs:1") });
        let Err(ToolError::Rpc(error)) = block_on(Guarded::new(run)) else {
            panic!("the panic was not caught");
        };
        assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
        assert!(!error.message.contains("secret") && !error.message.contains(".rs"));
    }

    #[test]
    fn a_run_that_returns_is_passed_through() {
        let run: RunFuture<'static> = Box::pin(async { Err(ToolError::Cancelled) });
        assert!(matches!(block_on(Guarded::new(run)), Err(ToolError::Cancelled)));
    }

    #[test]
    fn a_panic_in_the_drop_of_an_unfinished_run_is_caught() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("boom");
            }
        }
        let run: RunFuture<'static> = Box::pin(async {
            let _bomb = Bomb;
            std::future::pending::<()>().await;
            Err(ToolError::Cancelled)
        });
        let mut guarded = Box::pin(Guarded::new(run));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(guarded.as_mut().poll(&mut cx).is_pending());
        drop(guarded);
    }
}
