//! Who computes: one small [`Pricer`] per compute backend.
//!
//! | pricer | computes on | rows |
//! |---|---|---|
//! | [`Inline`] | the thread that fetched the cart (a plain thread or the loop's) | `sequential`, `threads`, `event-loop` |
//! | [`Inline::under_gil`] | the same thread, holding the simulated GIL | `threads+gil` |
//! | [`OnThreadPool`] | our work-stealing pool, `submit(..).await` | `event-loop+threads` |
//! | [`OnProcessPool`] | our process pool, `submit(job).await` | `pipelined` |
//! | [`OnRayon`] | a rayon pool, bridged by a tokio oneshot | `tokio+rayon` |
//!
//! Each returns a [`Computed`]: the priced cart and the lane and time it
//! was computed in; the driver (`drive.rs`) records the bars.
//!
//! ## The GIL slices
//!
//! Under the GIL a cart's computation is not one bar but many slices, one
//! per stretch during which its thread held the GIL. [`GilPacer`] cuts a
//! slice whenever `tick()` took long enough that another thread must have
//! run in between (a tick that keeps the GIL returns in nanoseconds; a
//! hand-over involves two thread wake-ups, microseconds at least). The
//! slices of different carts therefore never overlap, and the timeline
//! shows the serialisation exactly. (Around the fetch before it, the thread
//! released the GIL, `threaded.rs`; it takes it again here to compute.)
//!
//! Read next: `threaded.rs`.

use super::drive::{Computed, Pricer};
use super::{CartRetry, PricingPool};
use crate::carts::bars::{now_ns, this_thread};
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::carts::pricing::{price, Effort, NoPacer, Pacer, PriceJob};
use crate::process_pool::TaskId;
use crate::thread_pool::{Gil, GilGuard, ThreadPool};
use crate::trace::{current, Lane, WorkerPid};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

/// A tick slower than this means the GIL changed hands during it.
const HANDOVER_NS: u64 = 2_000;

/// Prices on the calling thread: a plain thread, or the loop's own (which
/// then runs nothing else until the kernel returns).
pub(super) struct Inline<'g> {
    /// True on an event loop's thread: the bars go on the loop's lane
    /// (`trace::current::lane()`), not on the OS thread's.
    on_loop: bool,
    /// The GIL to hold while computing, for `threads+gil`.
    gil: Option<&'g Gil>,
}

impl<'g> Inline<'g> {
    /// On a plain OS thread.
    pub fn on_thread() -> Inline<'static> {
        Inline {
            on_loop: false,
            gil: None,
        }
    }

    /// On the event loop's thread.
    pub fn on_loop() -> Inline<'static> {
        Inline {
            on_loop: true,
            gil: None,
        }
    }

    /// On a plain OS thread, holding `gil` while computing.
    pub fn under_gil(gil: &'g Gil) -> Inline<'g> {
        Inline {
            on_loop: false,
            gil: Some(gil),
        }
    }
}

impl Pricer for Inline<'_> {
    async fn price(&self, cart: Cart, effort: Effort) -> Result<Computed, CartError> {
        let lane = if self.on_loop {
            current::lane()
        } else {
            this_thread()
        };
        let Some(gil) = self.gil else {
            // No await in here: the thread is busy until the kernel returns.
            return Ok(Computed::whole(price(&cart, effort, &mut NoPacer), lane));
        };
        let mut guard = gil.acquire();
        let mut pacer = GilPacer::new(&mut guard);
        let priced = price(&cart, effort, &mut pacer);
        let slices = pacer.finish(priced.ended_ns);
        Ok(Computed {
            priced,
            lane,
            slices,
        })
    }
}

/// Prices on our work-stealing thread pool; the loop awaits the handle.
pub(super) struct OnThreadPool<'p>(pub &'p ThreadPool);

impl Pricer for OnThreadPool<'_> {
    async fn price(&self, cart: Cart, effort: Effort) -> Result<Computed, CartError> {
        let id = cart.id;
        // A pool worker enters its own lane for its whole life.
        let (priced, lane) = self
            .0
            .submit(move || (price(&cart, effort, &mut NoPacer), current::lane()))
            .await
            .map_err(|e| CartError::Runtime(format!("cart {id}: pricing failed: {e}")))?;
        Ok(Computed::whole(priced, lane))
    }
}

/// Prices on our process pool, one `submit` per cart; remembers which pool
/// task priced which cart, to name the carts a lost worker made it retry.
pub(super) struct OnProcessPool<'p> {
    pool: &'p PricingPool,
    tasks: RefCell<HashMap<TaskId, u64>>,
}

impl<'p> OnProcessPool<'p> {
    /// Submits to `pool`.
    pub fn new(pool: &'p PricingPool) -> Self {
        OnProcessPool {
            pool,
            tasks: RefCell::new(HashMap::new()),
        }
    }

    /// The carts priced again because their worker died during the row.
    pub fn retries(self) -> Vec<CartRetry> {
        let tasks = self.tasks.into_inner();
        self.pool
            .take_retries()
            .iter()
            .flat_map(|r| {
                CartRetry::from_retry(r, |r| tasks.get(&r.task).copied().into_iter().collect())
            })
            .collect()
    }
}

impl Pricer for OnProcessPool<'_> {
    async fn price(&self, cart: Cart, effort: Effort) -> Result<Computed, CartError> {
        let id = cart.id;
        let handle = self.pool.submit(PriceJob { cart, effort });
        self.tasks.borrow_mut().insert(handle.id(), id);
        let priced = handle
            .await
            .map_err(|e| CartError::Runtime(format!("cart {id}: pricing failed: {e}")))?;
        let lane = process_lane(priced.pid);
        Ok(Computed::whole(priced, lane))
    }
}

/// The lane of the worker process `pid` (as its `Priced` names it): the
/// lane the process pool records that worker's own events on.
pub(super) fn process_lane(pid: u32) -> Lane {
    Lane::Worker(WorkerPid(i32::try_from(pid).unwrap_or(i32::MAX)))
}

/// Prices on a rayon pool; the task awaits a `tokio::sync::oneshot` that the
/// rayon job completes, the idiomatic bridge between the two.
#[cfg(feature = "peers")]
pub(super) struct OnRayon<'p>(pub &'p rayon::ThreadPool);

#[cfg(feature = "peers")]
impl Pricer for OnRayon<'_> {
    async fn price(&self, cart: Cart, effort: Effort) -> Result<Computed, CartError> {
        let id = cart.id;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.spawn(move || {
            let priced = price(&cart, effort, &mut NoPacer);
            let _ = tx.send((priced, this_thread()));
        });
        let (priced, lane) = rx
            .await
            .map_err(|_| CartError::Runtime(format!("cart {id}: the rayon job panicked")))?;
        Ok(Computed::whole(priced, lane))
    }
}

/// The pacer of `threads+gil`: ticks the GIL and notes the slices during
/// which this thread held it.
struct GilPacer<'g, 's> {
    guard: &'g mut GilGuard<'s>,
    slices: Vec<(u64, u64)>,
    slice_start: u64,
}

impl<'g, 's> GilPacer<'g, 's> {
    /// Starts the first slice now (the caller holds the GIL).
    fn new(guard: &'g mut GilGuard<'s>) -> Self {
        GilPacer {
            guard,
            slices: Vec::new(),
            slice_start: now_ns(),
        }
    }

    /// Notes the slice that ends at `end`.
    fn cut(&mut self, end: u64) {
        if end > self.slice_start {
            self.slices.push((self.slice_start, end));
        }
    }

    /// Notes the last slice, which ends when the kernel returned; all of them.
    fn finish(mut self, end: u64) -> Vec<(u64, u64)> {
        self.cut(end);
        self.slices
    }
}

impl Pacer for GilPacer<'_, '_> {
    fn tick(&mut self) {
        let before = now_ns();
        self.guard.tick();
        let after = now_ns();
        if after - before > HANDOVER_NS {
            // Someone else held the GIL in between: close this slice.
            self.cut(before);
            self.slice_start = after;
        }
    }

    fn sleep(&mut self, d: Duration) {
        // Python's time.sleep releases the GIL: so does ours. The sleep stands
        // in for the computation, so it stays one bar, and such bars overlap.
        self.guard.blocking(|| std::thread::sleep(d));
    }
}
