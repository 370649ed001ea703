//! Fetching one cart: the URL, the status check, the JSON decoding.
//!
//! Three transports fetch carts (the blocking client of `http::blocking`,
//! [`blocking`]; our event-loop client, [`on_loop`]; and a small tokio
//! client in `peers.rs`); all three hand
//! the [`Response`] to [`decode`], so every strategy accepts and rejects
//! exactly the same answers: a status other than 200, a body that is not a
//! cart, or a cart with another id each become a one-line [`CartError`].
//!
//! Read next: `drive.rs`, which awaits these fetches.

use super::Workload;
use crate::carts::bars::{self, now_ns};
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::http::{self, Client, Response};
use crate::trace::{CartPhase, Lane, Recorder};

/// `BASE/carts/ID?delay=MS`, the URL of one cart with its server-side delay.
pub fn cart_url(base_url: &str, id: u64, delay_ms: u64) -> String {
    format!(
        "{}/carts/{id}?delay={delay_ms}",
        base_url.trim_end_matches('/')
    )
}

/// Checks the status and decodes the body as the cart `id`.
fn decode(id: u64, url: &str, response: &Response) -> Result<Cart, CartError> {
    if response.status != 200 {
        return Err(CartError::Status {
            id,
            url: url.to_string(),
            status: response.status,
            reason: response.reason.clone(),
        });
    }
    let cart: Cart = serde_json::from_slice(&response.body).map_err(|e| CartError::Malformed {
        id,
        url: url.to_string(),
        detail: format!("the body is not a cart: {e}"),
    })?;
    if cart.id != id {
        return Err(CartError::Malformed {
            id,
            url: url.to_string(),
            detail: format!("asked for cart {id}, got cart {}", cart.id),
        });
    }
    Ok(cart)
}

/// Wraps an HTTP error with the cart and URL it happened to.
fn http_error(id: u64, url: &str, source: http::Error) -> CartError {
    CartError::Http {
        id,
        url: url.to_string(),
        source,
    }
}

/// Fetches cart `id` with the blocking client on the calling thread (the
/// whole exchange within `timeout`) and records the fetch bar on `lane`.
pub(super) fn blocking(
    url: &str,
    timeout: std::time::Duration,
    id: u64,
    lane: Lane,
    recorder: &Recorder,
) -> Result<Cart, CartError> {
    let start = now_ns();
    let response = http::blocking::get_within(url, timeout);
    finish(id, url, response, start, lane, recorder)
}

/// What every client does once its GET of cart `id` (begun at `start` on the
/// shared clock) has ended: name the HTTP error, or decode the cart and record
/// its fetch bar on `lane`.
pub(super) fn finish(
    id: u64,
    url: &str,
    response: Result<Response, http::Error>,
    start: u64,
    lane: Lane,
    recorder: &Recorder,
) -> Result<Cart, CartError> {
    let response = response.map_err(|e| http_error(id, url, e))?;
    let cart = decode(id, url, &response)?;
    bars::record(recorder, lane, id, CartPhase::Fetch, start, now_ns());
    Ok(cart)
}

/// Fetches cart `id` with our event-loop client and records its fetch bar
/// on the lane of the loop that runs it (`EventLoop::block_on` enters it,
/// `trace::current`).
pub(super) async fn on_loop(
    client: &Client,
    wl: &Workload,
    id: u64,
    recorder: &Recorder,
) -> Result<Cart, CartError> {
    let url = wl.url(id);
    let start = now_ns();
    let response = client.get(&url).await;
    let lane = crate::trace::current::lane();
    finish(id, &url, response, start, lane, recorder)
}

/// Fetches cart `id` once, without a delay, and decodes it as every strategy
/// would: the check `homemade carts` makes before its report begins, so that
/// an unreachable or wrong server is the first thing the user sees.
pub(crate) fn probe(
    base_url: &str,
    id: u64,
    timeout: std::time::Duration,
) -> Result<(), CartError> {
    let url = cart_url(base_url, id, 0);
    let response =
        http::blocking::get_within(&url, timeout).map_err(|e| http_error(id, &url, e))?;
    decode(id, &url, &response).map(drop)
}
