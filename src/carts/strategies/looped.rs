//! Rows 4 to 7: every fetch concurrent on our event loop, and four answers to
//! "who computes?".
//!
//! All four start the same way: one `EventLoop`, one HTTP client, and one
//! future per cart, all driven by `gather` on the loop's single thread. While
//! the server holds cart 5 for 5 units, the loop is free to read cart 1's
//! response, and cart 2's, and so on: one thread waits on all the sockets at
//! once. They differ in what happens when a response is in:
//!
//! * `event-loop`: the future prices the cart right there, on the loop. The
//!   kernel never awaits, so the loop cannot run anything else until it
//!   returns: responses that arrive meanwhile sit unread in their sockets. The
//!   timeline shows the loop's lane computing one cart after another, with the
//!   fetch bars of the later carts stretched until the loop gets back to them.
//! * `event-loop+threads`: the future hands the cart to the work-stealing pool
//!   (`pool.submit(..)`) and `.await`s the handle; the loop keeps serving
//!   sockets while pool threads compute, on every core.
//! * `event-loop+processes`: the explainer's program. `gather` all the
//!   fetches first; only when the slowest cart has arrived, `map` them all on
//!   the process pool. Waiting and computing never overlap: the total is
//!   `max Lᵢ + (time to price everything)`.
//! * `pipelined`: each future submits its cart to the process pool the moment
//!   its response is in (`pool.submit(job).await`, the pool's handle is a
//!   future on our loop): cart 1 is priced while cart 5 is still on the wire.
//!
//! Read next: `peers.rs` (the same pipeline on tokio and rayon), then
//! `report.rs`.

use super::fetch;
use super::{CartRetry, PricingPool, Workload};
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::carts::pricing::{price, NoPacer, PriceJob, Priced};
use crate::carts::spans::{current_tid, now_ns, Lane, LaneKind, SpanKind, Spans};
use crate::event_loop::{gather, EventLoop};
use crate::http::Client;
use crate::thread_pool::ThreadPool;
use std::cell::RefCell;
use std::collections::HashMap;

/// Row 4: fetch concurrently, price inline on the loop.
pub(super) fn event_loop(wl: &Workload, spans: &Spans) -> Result<Vec<Priced>, CartError> {
    let lp = new_loop()?;
    let client = client_for(wl);
    let lane = Lane::this_loop();
    lp.block_on(async {
        let carts = wl.ids.iter().map(|&id| {
            let (client, lane) = (&client, &lane);
            async move {
                let cart = fetch_async(client, wl, id, lane, spans).await?;
                // No await in here: the loop is stuck until the kernel returns.
                let priced = price(&cart, wl.effort(id), &mut NoPacer);
                record_compute(spans, lane.clone(), &priced);
                Ok(priced)
            }
        });
        gather(carts).await.into_iter().collect()
    })
}

/// Row 5: fetch on the loop, price on the work-stealing thread pool.
pub(super) fn event_loop_threads(wl: &Workload, spans: &Spans) -> Result<Vec<Priced>, CartError> {
    let pool = ThreadPool::new(wl.workers)
        .map_err(|e| CartError::Runtime(format!("cannot start the thread pool: {e}")))?;
    let lp = new_loop()?;
    let client = client_for(wl);
    let lane = Lane::this_loop();
    lp.block_on(async {
        let carts = wl.ids.iter().map(|&id| {
            let (client, lane, pool) = (&client, &lane, &pool);
            async move {
                let cart = fetch_async(client, wl, id, lane, spans).await?;
                let effort = wl.effort(id);
                let (priced, tid) = pool
                    .submit(move || (price(&cart, effort, &mut NoPacer), current_tid()))
                    .await
                    .map_err(|e| CartError::Runtime(format!("cart {id}: pricing failed: {e}")))?;
                let lane = Lane {
                    kind: LaneKind::Thread,
                    id: tid,
                };
                record_compute(spans, lane, &priced);
                Ok(priced)
            }
        });
        gather(carts).await.into_iter().collect()
    })
}

/// Row 6: the explainer's program: gather every fetch, then `map` on the
/// process pool.
///
/// A chunk lost with its worker is priced again (the pool retries); the
/// carts it held are returned beside the priced ones.
pub(super) fn event_loop_processes(
    wl: &Workload,
    pool: &PricingPool,
    spans: &Spans,
) -> Result<(Vec<Priced>, Vec<CartRetry>), CartError> {
    let lp = new_loop()?;
    let client = client_for(wl);
    let lane = Lane::this_loop();
    let carts: Vec<Cart> = lp.block_on(async {
        let fetches = wl
            .ids
            .iter()
            .map(|&id| fetch_async(&client, wl, id, &lane, spans));
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
    for p in &priced {
        record_compute(spans, Lane::process(p.pid), p);
    }
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
    wl: &Workload,
    pool: &PricingPool,
    spans: &Spans,
) -> Result<(Vec<Priced>, Vec<CartRetry>), CartError> {
    let lp = new_loop()?;
    let client = client_for(wl);
    let lane = Lane::this_loop();
    // Which pool task priced which cart, to name the carts that were retried.
    let tasks = RefCell::new(HashMap::new());
    let priced = lp.block_on(async {
        let carts = wl.ids.iter().map(|&id| {
            let (client, lane, tasks) = (&client, &lane, &tasks);
            async move {
                let cart = fetch_async(client, wl, id, lane, spans).await?;
                let job = PriceJob {
                    effort: wl.effort(id),
                    cart,
                };
                let handle = pool.submit(job);
                tasks.borrow_mut().insert(handle.id(), id);
                let priced = handle
                    .await
                    .map_err(|e| CartError::Runtime(format!("cart {id}: pricing failed: {e}")))?;
                record_compute(spans, Lane::process(priced.pid), &priced);
                Ok(priced)
            }
        });
        gather(carts)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
    })?;
    let tasks = tasks.into_inner();
    let retries = pool
        .take_retries()
        .iter()
        .flat_map(|r| {
            CartRetry::from_retry(r, |r| tasks.get(&r.task).copied().into_iter().collect())
        })
        .collect();
    Ok((priced, retries))
}

/// A fresh event loop, or a one-line error.
fn new_loop() -> Result<EventLoop, CartError> {
    EventLoop::new().map_err(|e| CartError::Runtime(format!("cannot start the event loop: {e}")))
}

/// The event-loop client of a row: every request under the workload's deadline.
fn client_for(wl: &Workload) -> Client {
    Client::builder().request_timeout(wl.timeout).build()
}

/// Fetches cart `id` with our event-loop client and records its fetch bar.
async fn fetch_async(
    client: &Client,
    wl: &Workload,
    id: u64,
    lane: &Lane,
    spans: &Spans,
) -> Result<Cart, CartError> {
    let url = wl.url(id);
    let start = now_ns();
    let response = client.get(&url).await;
    fetch::finish(id, &url, response, start, lane, spans)
}

/// Records the compute bar of a priced cart on `lane`.
fn record_compute(spans: &Spans, lane: Lane, priced: &Priced) {
    spans.record_abs(
        lane,
        SpanKind::Compute,
        priced.id,
        priced.started_ns,
        priced.ended_ns,
    );
}
