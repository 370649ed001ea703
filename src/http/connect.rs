//! Reaching a server: its name resolved without blocking the loop, then its
//! addresses tried in turn under one connect timeout.
//!
//! ## Resolving off the loop
//!
//! IP literals and `localhost` are answered at once ([`Url::literal_addrs`]).
//! Any other name goes to `getaddrinfo`, which blocks, so [`resolve`] runs it
//! on a short-lived helper thread (`homemade-dns`) and the task waits for
//! the answer like for any other event: the thread stores the result and
//! wakes the task's waker; the loop goes on serving other tasks meanwhile.
//!
//! ## Trying every address
//!
//! A name may have several addresses (`localhost` is `127.0.0.1` and
//! `::1`). [`connect_any`] tries them in order, and with a connect timeout
//! each attempt gets an equal share of what is left, so one address that
//! swallows SYNs cannot use up the time of the next.
//!
//! Read next: `client.rs` (what the client does with the connection).

use super::{Error, Url};
use crate::event_loop::net::TcpStream;
use crate::event_loop::timeout;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

/// Connects to the first of `addrs` that accepts. With a connect timeout,
/// the whole walk shares it and each attempt gets an equal share of what is
/// left, so an address that swallows SYNs cannot use up the time of the
/// next one (`localhost` is `127.0.0.1` and `::1`, and a server may listen
/// on either). The error of the last attempt is reported if none succeeds.
pub(super) async fn connect_any(
    addrs: &[SocketAddr],
    limit: Option<Duration>,
) -> Result<TcpStream, Error> {
    let started = std::time::Instant::now();
    let mut last = None;
    for (i, &addr) in addrs.iter().enumerate() {
        let attempt = async {
            TcpStream::connect(addr)
                .await
                .map_err(|source| Error::connect(addr, source))
        };
        let result = match limit {
            None => attempt.await,
            Some(after) => {
                let left = after.saturating_sub(started.elapsed());
                let share = left / (addrs.len() - i) as u32;
                if share.is_zero() {
                    Err(Error::ConnectTimeout { addr, after })
                } else {
                    timeout(share, attempt)
                        .await
                        .unwrap_or(Err(Error::ConnectTimeout { addr, after }))
                }
            }
        };
        match result {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::Internal("no address to connect to".into())))
}

/// What the resolver thread leaves for the loop: the answer, and who to wake.
type Resolution = (Option<Result<Vec<SocketAddr>, Error>>, Option<Waker>);

/// The addresses to connect to: literals at once, other names on a helper thread.
pub(super) async fn resolve(url: &Url) -> Result<Vec<SocketAddr>, Error> {
    if let Some(addrs) = url.literal_addrs() {
        return Ok(addrs);
    }
    let slot: Arc<Mutex<Resolution>> = Arc::new(Mutex::new((None, None)));
    let for_thread = Arc::clone(&slot);
    let url_for_thread = url.clone();
    std::thread::Builder::new()
        .name("homemade-dns".into())
        .spawn(move || {
            let result = super::blocking::resolve_all(&url_for_thread);
            let waker = {
                let mut guard = for_thread.lock().unwrap_or_else(|p| p.into_inner());
                guard.0 = Some(result);
                guard.1.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        })
        .map_err(|e| Error::Internal(format!("could not start the resolver thread: {e}")))?;
    poll_fn(|cx| {
        let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
        match guard.0.take() {
            Some(result) => Poll::Ready(result),
            None => {
                guard.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}
