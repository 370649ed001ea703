//! The one fetch-then-price driver every strategy runs.
//!
//! Every row does the same thing to each cart: fetch it, then price it,
//! recording a fetch bar and a price bar (cart events of the trace,
//! `bars.rs`). Only two things change from row
//! to row, and they are the driver's two parameters:
//!
//! * **who waits**: the fetch, a future from one of the three clients of
//!   `fetch.rs` (the blocking client, our event-loop client, tokio's in
//!   `peers.rs`);
//! * **who computes**: a [`Pricer`] from `pricers.rs` (inline on the
//!   calling thread, optionally under the simulated GIL; the work-stealing
//!   pool; the process pool; rayon).
//!
//! [`Driver::cart`] is that sequence for one cart. The rows then only decide
//! *where* the drivers run: one after another on the main thread, one per
//! OS thread, or all at once under `gather` on one loop.
//!
//! ## A future on a plain thread
//!
//! The thread rows (`sequential`, `threads`, `threads+gil`) use the same
//! `async` driver with a blocking fetch and an inline pricer. Neither ever
//! returns `Pending`: the blocking client blocks the thread inside `poll`,
//! and pricing runs to its end. So such a future is finished by its very
//! first poll, and [`finish_now`] polls it once, with a waker that does
//! nothing, instead of starting an event loop. (An `async fn` is only a
//! state machine; nothing in it needs a runtime until it waits.)
//!
//! ## Counting
//!
//! The driver counts each cart fetched and each cart priced in a
//! [`Progress`], which another thread may read while the row runs (the
//! command line's progress line does).
//!
//! Read next: `pricers.rs`, then `threaded.rs` and `looped.rs`.

use super::Workload;
use crate::carts::bars;
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::carts::pricing::{Effort, Priced};
use crate::trace::{CartPhase, Lane, Recorder};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

/// Who computes a fetched cart: one implementation per compute backend.
pub(super) trait Pricer {
    /// Prices `cart` with `effort` of work; says where and when it ran.
    async fn price(&self, cart: Cart, effort: Effort) -> Result<Computed, CartError>;
}

/// A priced cart, with where and when it was computed.
pub(super) struct Computed {
    /// The answer.
    pub priced: Priced,
    /// The thread, worker process or loop that computed it.
    pub lane: Lane,
    /// The stretches of time (start, end, readings of `bars::now_ns`) it was being
    /// computed: one, except under the GIL, where each stretch of holding
    /// the GIL is a slice of its own.
    pub slices: Vec<(u64, u64)>,
}

impl Computed {
    /// Computed in one go on `lane`, from `priced.started_ns` to `ended_ns`.
    pub fn whole(priced: Priced, lane: Lane) -> Computed {
        let slices = vec![(priced.started_ns, priced.ended_ns)];
        Computed {
            priced,
            lane,
            slices,
        }
    }
}

/// How far a row has got: carts fetched, carts priced. Shared between the
/// row and whoever watches it (lock-free counters).
#[derive(Debug, Default)]
pub struct Progress {
    fetched: AtomicUsize,
    priced: AtomicUsize,
}

impl Progress {
    /// Both counters at zero.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Carts fetched so far.
    pub fn fetched(&self) -> usize {
        self.fetched.load(Ordering::Relaxed)
    }

    /// Carts priced so far.
    pub fn priced(&self) -> usize {
        self.priced.load(Ordering::Relaxed)
    }
}

/// What one row's drivers share: the job, the recorder, the counters.
#[derive(Clone, Copy)]
pub(super) struct Driver<'a> {
    /// The workload (ids, unit, effort per cart).
    pub wl: &'a Workload,
    /// The recorder of the row's bars.
    pub recorder: &'a Recorder,
    /// The row's counters.
    pub progress: &'a Progress,
}

impl Driver<'_> {
    /// Cart `id`, start to end: `fetch` it (the client records the fetch
    /// bar), then have `pricer` price it.
    pub async fn cart(
        &self,
        id: u64,
        fetch: impl Future<Output = Result<Cart, CartError>>,
        pricer: &impl Pricer,
    ) -> Result<Priced, CartError> {
        let cart = self.fetch(fetch).await?;
        let computed = pricer.price(cart, self.wl.effort(id)).await?;
        Ok(self.priced(computed))
    }

    /// Awaits one fetch and counts it.
    pub async fn fetch(
        &self,
        fetch: impl Future<Output = Result<Cart, CartError>>,
    ) -> Result<Cart, CartError> {
        let cart = fetch.await?;
        self.progress.fetched.fetch_add(1, Ordering::Relaxed);
        Ok(cart)
    }

    /// Records the price bars of a priced cart and counts it: the one
    /// place where a price bar is recorded.
    pub fn priced(&self, computed: Computed) -> Priced {
        let Computed {
            priced,
            lane,
            slices,
        } = computed;
        for (start, end) in slices {
            bars::record(self.recorder, lane, priced.id, CartPhase::Price, start, end);
        }
        self.progress.priced.fetch_add(1, Ordering::Relaxed);
        priced
    }
}

/// Runs a future that never waits (see "A future on a plain thread") to its
/// end with a single poll; one that does wait is an error, not a hang.
pub(super) fn finish_now<T>(
    future: impl Future<Output = Result<T, CartError>>,
) -> Result<T, CartError> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => Err(CartError::Runtime(
            "internal error: a blocking row's future waited".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_now_runs_a_future_that_never_waits() {
        assert_eq!(finish_now(async { Ok::<_, CartError>(7) }).unwrap(), 7);
    }

    #[test]
    fn finish_now_refuses_a_future_that_waits() {
        let waits = async {
            std::future::pending::<()>().await;
            Ok::<_, CartError>(())
        };
        assert!(finish_now(waits).is_err());
    }
}
