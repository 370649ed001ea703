//! Rows 1 to 3: a blocking client on plain OS threads.
//!
//! * `sequential`: the main thread fetches cart 1, prices it, fetches cart 2,
//!   ... Every wait and every computation adds up: `Σ Lᵢ + Σ Cᵢ`.
//! * `threads`: the explainer's first program. One thread per cart, each
//!   blocked in `read` on its own socket; the kernel puts the sleeping threads
//!   aside, so all the waits overlap. After its response, each thread prices
//!   its cart, and the computations overlap too, up to the number of cores.
//! * `threads+gil`: the same threads, but every thread must hold the
//!   simulated GIL (`thread_pool::Gil`) to run the kernel, the way CPython
//!   threads must hold the GIL to run bytecode. A thread releases it while it
//!   waits on the network (`guard.blocking(..)`, as CPython does around socket
//!   calls) and the kernel offers it to others every ~50 µs of work
//!   (`guard.tick()`, CPython's switch interval check). The waits still
//!   overlap; the computations no longer do.
//!
//! ## The GIL slices
//!
//! Under the GIL a cart's computation is not one bar but many slices, one per
//! stretch during which its thread held the GIL. [`GilPacer`] cuts a slice
//! whenever `tick()` took long enough that another thread must have run in
//! between (a tick that keeps the GIL returns in nanoseconds; a hand-over
//! involves two thread wake-ups, microseconds at least). The recorded slices
//! of different carts therefore never overlap, and the timeline shows the
//! serialisation exactly.
//!
//! Read next: `looped.rs`.

use super::fetch;
use super::Workload;
use crate::carts::error::CartError;
use crate::carts::pricing::{price, NoPacer, Pacer, Priced};
use crate::carts::spans::{now_ns, Lane, SpanKind, Spans};
use crate::thread_pool::{Gil, GilGuard};
use std::time::Duration;

/// A tick slower than this means the GIL changed hands during it.
const HANDOVER_NS: u64 = 2_000;

/// Row 1: one cart after another on the calling thread.
pub(super) fn sequential(wl: &Workload, spans: &Spans) -> Result<Vec<Priced>, CartError> {
    let lane = Lane::this_thread();
    wl.ids
        .iter()
        .map(|&id| fetch_and_price(wl, id, &lane, spans))
        .collect()
}

/// Row 2: one OS thread per cart.
pub(super) fn threads(wl: &Workload, spans: &Spans) -> Result<Vec<Priced>, CartError> {
    std::thread::scope(|s| {
        let handles: Vec<_> = wl
            .ids
            .iter()
            .map(|&id| {
                std::thread::Builder::new()
                    .name(format!("cart-{id}"))
                    .spawn_scoped(s, move || {
                        fetch_and_price(wl, id, &Lane::this_thread(), spans)
                    })
                    .map_err(|e| CartError::Runtime(format!("cannot start a thread: {e}")))
            })
            .collect();
        join_all(handles)
    })
}

/// Row 3: one OS thread per cart, computing only while holding the GIL.
pub(super) fn threads_gil(wl: &Workload, spans: &Spans) -> Result<Vec<Priced>, CartError> {
    let gil = Gil::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = wl
            .ids
            .iter()
            .map(|&id| {
                let gil = gil.clone();
                std::thread::Builder::new()
                    .name(format!("cart-{id}"))
                    .spawn_scoped(s, move || {
                        let lane = Lane::this_thread();
                        let url = wl.url(id);
                        // A Python thread starts by taking the GIL...
                        let mut guard = gil.acquire();
                        // ...and drops it while it waits on the socket.
                        let cart = guard
                            .blocking(|| fetch::blocking(&url, wl.timeout, id, &lane, spans))?;
                        let mut pacer = GilPacer::new(&mut guard, &lane, id, spans);
                        let priced = price(&cart, wl.effort(id), &mut pacer);
                        pacer.finish(priced.ended_ns);
                        Ok(priced)
                    })
                    .map_err(|e| CartError::Runtime(format!("cannot start a thread: {e}")))
            })
            .collect();
        join_all(handles)
    })
}

/// Fetches and prices one cart on the calling thread, recording both bars.
fn fetch_and_price(
    wl: &Workload,
    id: u64,
    lane: &Lane,
    spans: &Spans,
) -> Result<Priced, CartError> {
    let cart = fetch::blocking(&wl.url(id), wl.timeout, id, lane, spans)?;
    let priced = price(&cart, wl.effort(id), &mut NoPacer);
    spans.record_abs(
        lane.clone(),
        SpanKind::Compute,
        id,
        priced.started_ns,
        priced.ended_ns,
    );
    Ok(priced)
}

/// Joins scoped threads, returning the first error (after joining them all).
fn join_all(
    handles: Vec<Result<std::thread::ScopedJoinHandle<'_, Result<Priced, CartError>>, CartError>>,
) -> Result<Vec<Priced>, CartError> {
    let mut out = Vec::with_capacity(handles.len());
    let mut first_error = None;
    for handle in handles {
        let result = handle.and_then(|h| {
            h.join()
                .unwrap_or_else(|_| Err(CartError::Runtime("a cart thread panicked".into())))
        });
        match result {
            Ok(p) => out.push(p),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The pacer of `threads+gil`: ticks the GIL and records the slices during
/// which this thread held it.
struct GilPacer<'g, 's> {
    guard: &'g mut GilGuard<'s>,
    lane: &'s Lane,
    cart: u64,
    spans: &'s Spans,
    slice_start: u64,
}

impl<'g, 's> GilPacer<'g, 's> {
    /// Starts the first slice now (the caller holds the GIL).
    fn new(guard: &'g mut GilGuard<'s>, lane: &'s Lane, cart: u64, spans: &'s Spans) -> Self {
        GilPacer {
            guard,
            lane,
            cart,
            spans,
            slice_start: now_ns(),
        }
    }

    /// Records the slice that ends at `end`.
    fn cut(&self, end: u64) {
        if end > self.slice_start {
            self.spans.record_abs(
                self.lane.clone(),
                SpanKind::Compute,
                self.cart,
                self.slice_start,
                end,
            );
        }
    }

    /// Records the last slice, which ends when the kernel returned.
    fn finish(self, end: u64) {
        self.cut(end);
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
