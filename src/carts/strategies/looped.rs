//! Rows 4 to 7: every fetch concurrent on our event loop, and four answers to
//! "who computes?".
//!
//! All four start the same way: one `EventLoop`, one HTTP client, and one
//! driver per cart (`drive.rs`), all under `gather` on the loop's single
//! thread. While the server holds cart 5 for 5 units, the loop is free to
//! read cart 1's response, and cart 2's, and so on: one thread waits on all
//! the sockets at once. They differ in their pricer (`pricers.rs`):
//!
//! * `event-loop`: [`Inline::on_loop`] prices the cart right there, on the
//!   loop. The kernel never awaits, so the loop cannot run anything else
//!   until it returns: responses that arrive meanwhile sit unread in their
//!   sockets. The timeline shows the loop's lane computing one cart after
//!   another, with the fetch bars of the later carts stretched until the
//!   loop gets back to them.
//! * `event-loop+threads`: [`OnThreadPool`] hands the cart to the
//!   work-stealing pool (`pool.submit(..)`) and `.await`s the handle; the
//!   loop keeps serving sockets while pool threads compute, on every core.
//! * `event-loop+processes`: the explainer's program, the one row that is
//!   not fetch-then-price per cart. `gather` all the fetches first; only
//!   when the slowest cart has arrived, `map` them all on the process pool.
//!   Waiting and computing never overlap: the total is
//!   `max Lᵢ + (time to price everything)`.
//! * `pipelined`: [`OnProcessPool`] submits each cart to the process pool
//!   the moment its response is in (`pool.submit(job).await`, the pool's
//!   handle is a future on our loop): cart 1 is priced while cart 5 is
//!   still on the wire.
//!
//! Read next: `peers.rs` (the same pipeline on tokio and rayon), then
//! `report.rs`.

use super::drive::{Computed, Driver, Pricer};
use super::fetch;
use super::pricers::{process_lane, Inline, OnProcessPool, OnThreadPool};
use super::{CartRetry, PricingPool};
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::carts::pricing::{PriceJob, Priced};
use crate::event_loop::{gather, EventLoop};
use crate::http::Client;
use crate::thread_pool::ThreadPool;

/// Row 4: fetch concurrently, price inline on the loop.
pub(super) fn event_loop(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    every_cart_on_a_loop(drive, &Inline::on_loop())
}

/// Row 5: fetch on the loop, price on the work-stealing thread pool.
pub(super) fn event_loop_threads(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    let pool = ThreadPool::new(drive.wl.workers)
        .map_err(|e| CartError::Runtime(format!("cannot start the thread pool: {e}")))?;
    every_cart_on_a_loop(drive, &OnThreadPool(&pool))
}

/// Row 6: the explainer's program: gather every fetch, then `map` on the
/// process pool.
///
/// A chunk lost with its worker is priced again (the pool retries); the
/// carts it held are returned beside the priced ones.
pub(super) fn event_loop_processes(
    drive: Driver<'_>,
    pool: &PricingPool,
) -> Result<(Vec<Priced>, Vec<CartRetry>), CartError> {
    let wl = drive.wl;
    let lp = new_loop()?;
    let client = client_for(drive);
    let carts: Vec<Cart> = lp.block_on(async {
        let fetches = wl
            .ids
            .iter()
            .map(|&id| drive.fetch(fetch::on_loop(&client, wl, id, drive.recorder)));
        gather(fetches).await.into_iter().collect::<Result<_, _>>()
    })?;
    let ids: Vec<u64> = carts.iter().map(|c| c.id).collect();
    let jobs = carts.into_iter().map(|cart| PriceJob {
        effort: wl.effort(cart.id),
        cart,
    });
    let priced = pool
        .map(jobs)
        .map_err(|e| CartError::Runtime(format!("the process pool failed: {e}")))?;
    let priced = priced
        .into_iter()
        .map(|p| {
            let lane = process_lane(p.pid);
            drive.priced(Computed::whole(p, lane))
        })
        .collect();
    // A retried task is a chunk: items first_item.. of the map's input.
    let retries = pool
        .take_retries()
        .iter()
        .flat_map(|r| {
            CartRetry::from_retry(r, |r| {
                let end = (r.first_item + r.items).min(ids.len());
                ids.get(r.first_item..end).unwrap_or_default().to_vec()
            })
        })
        .collect();
    Ok((priced, retries))
}

/// Row 7: each cart goes to the process pool as soon as its response is in.
pub(super) fn pipelined(
    drive: Driver<'_>,
    pool: &PricingPool,
) -> Result<(Vec<Priced>, Vec<CartRetry>), CartError> {
    let pricer = OnProcessPool::new(pool);
    let priced = every_cart_on_a_loop(drive, &pricer)?;
    Ok((priced, pricer.retries()))
}

/// One loop, one client, and every cart's driver under `gather`.
fn every_cart_on_a_loop(drive: Driver<'_>, pricer: &impl Pricer) -> Result<Vec<Priced>, CartError> {
    let wl = drive.wl;
    let lp = new_loop()?;
    let client = client_for(drive);
    lp.block_on(async {
        let carts = wl.ids.iter().map(|&id| {
            let fetch = fetch::on_loop(&client, wl, id, drive.recorder);
            drive.cart(id, fetch, pricer)
        });
        gather(carts).await.into_iter().collect()
    })
}

/// A fresh event loop, or a one-line error.
fn new_loop() -> Result<EventLoop, CartError> {
    EventLoop::new().map_err(|e| CartError::Runtime(format!("cannot start the event loop: {e}")))
}

/// The event-loop client of a row: every request under the workload's deadline.
fn client_for(drive: Driver<'_>) -> Client {
    Client::builder().request_timeout(drive.wl.timeout).build()
}
