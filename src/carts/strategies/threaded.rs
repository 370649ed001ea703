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
//!   threads must hold the GIL to run bytecode. A thread starts by taking
//!   the GIL and releases it while it waits on the network
//!   (`guard.blocking(..)`, as CPython does around socket calls); the kernel
//!   offers it to others every ~50 µs of work (`guard.tick()`, CPython's
//!   switch interval check). The waits still overlap; the computations no
//!   longer do.
//!
//! Each thread runs the driver of `drive.rs` with the blocking fetch and an
//! [`Inline`] pricer; such a future never waits, so [`finish_now`] runs it.
//!
//! Read next: `looped.rs`.

use super::drive::{finish_now, Driver, Pricer};
use super::fetch;
use super::pricers::Inline;
use crate::carts::bars::this_thread;
use crate::carts::error::CartError;
use crate::carts::pricing::Priced;
use crate::thread_pool::Gil;

/// Row 1: one cart after another on the calling thread.
pub(super) fn sequential(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    let ids = &drive.wl.ids;
    ids.iter()
        .map(|&id| on_this_thread(drive, id, &Inline::on_thread(), None))
        .collect()
}

/// Row 2: one OS thread per cart.
pub(super) fn threads(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    thread_per_cart(drive, &Inline::on_thread(), None)
}

/// Row 3: one OS thread per cart, computing only while holding the GIL.
pub(super) fn threads_gil(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    let gil = Gil::new();
    thread_per_cart(drive, &Inline::under_gil(&gil), Some(&gil))
}

/// Fetches and prices cart `id` on the calling thread. With a `gil`, the
/// thread takes it first and releases it around the blocking fetch, as a
/// Python thread would (the pricer then holds it while computing).
fn on_this_thread(
    drive: Driver<'_>,
    id: u64,
    pricer: &impl Pricer,
    gil: Option<&Gil>,
) -> Result<Priced, CartError> {
    let wl = drive.wl;
    let lane = this_thread();
    let get = || fetch::blocking(&wl.url(id), wl.timeout, id, lane, drive.recorder);
    let fetch = async {
        match gil {
            Some(gil) => gil.acquire().blocking(get),
            None => get(),
        }
    };
    finish_now(drive.cart(id, fetch, pricer))
}

/// One scoped thread per cart, each running [`on_this_thread`]; the first
/// error once they have all been joined.
fn thread_per_cart(
    drive: Driver<'_>,
    pricer: &(impl Pricer + Sync),
    gil: Option<&Gil>,
) -> Result<Vec<Priced>, CartError> {
    std::thread::scope(|s| {
        let handles: Vec<_> = drive
            .wl
            .ids
            .iter()
            .map(|&id| {
                std::thread::Builder::new()
                    .name(format!("cart-{id}"))
                    .spawn_scoped(s, move || on_this_thread(drive, id, pricer, gil))
                    .map_err(|e| CartError::Runtime(format!("cannot start a thread: {e}")))
            })
            .collect();
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
        first_error.map_or(Ok(out), Err)
    })
}
