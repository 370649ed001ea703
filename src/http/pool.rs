//! The keep-alive pool: idle connections per `host:port`, and the optional
//! cap on connections per host.
//!
//! ## Why pool
//!
//! Opening a TCP connection costs a round trip (SYN, SYN-ACK) before the
//! first request byte moves, plus two sockets' worth of kernel work. HTTP/1.1
//! lets a connection carry request after request, so after a response the
//! client parks the connection here, and the next request to the same
//! `host:port` takes it instead of connecting.
//!
//! ## When a connection goes back in
//!
//! Only when the response parser says [`reusable`](super::ResponseParser::reusable):
//! the whole body was read, it was not close-delimited, the server did not say
//! `Connection: close`, the server is not HTTP/1.0 without `keep-alive`, and
//! no stray byte followed the body. A request that was abandoned half way (a
//! timeout, a dropped future) never returns its connection: its unread bytes
//! would be mistaken for the next response.
//!
//! ## The per-host cap
//!
//! With [`ClientBuilder::max_connections_per_host`](super::ClientBuilder::max_connections_per_host),
//! each host has a budget of open connections (idle ones included). A request
//! that finds no idle connection and no budget waits; every release (a
//! connection parked or closed) wakes all the waiters of that host, and each
//! re-checks. Waking all is simpler than handing a permit to one waiter, and
//! it cannot lose a wakeup when a waiter gives up (its request timed out)
//! just as it was chosen.
//!
//! ## Ownership
//!
//! Everything here lives on one event-loop thread (`Rc`, `RefCell`), and a
//! parked connection is registered with the reactor of the loop that opened
//! it: on another loop nobody would ever deliver its readiness, and a request
//! on it would hang until its timeout. So the pool remembers which loop its
//! idle connections belong to, through a *loop guard*: a tiny task spawned on
//! that loop that never finishes and owns a flag. When that loop is dropped,
//! it cancels its tasks, the guard's drop clears the flag, and the next
//! checkout (on whatever loop runs it now) closes the orphaned idle
//! connections instead of reusing them. A client can therefore be used with
//! one loop after another (a new `EventLoop` per run, say). What it cannot
//! detect is two loops alive at once, alternately driving the same client:
//! give each loop its own `Client`.

use super::conn::Connection;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// Where connections go: the host as written in the URL (prefixed with
/// `https://` for TLS connections, which never mix with plain ones), and the port.
pub(crate) type HostKey = (String, u16);

/// One host's idle connections, budget and waiters.
#[derive(Default)]
struct HostSlot {
    idle: Vec<Connection>,
    open: usize,
    waiters: Vec<Waker>,
}

/// The pool's shared state.
pub(crate) struct PoolState {
    hosts: HashMap<HostKey, HostSlot>,
    max_per_host: Option<usize>,
    max_idle_per_host: usize,
    opened: u64,
    /// Alive while the loop that owns the idle connections is (see "Ownership").
    loop_alive: Option<Rc<Cell<bool>>>,
}

/// Owned by the guard task: clears the flag when that loop drops the task.
struct LoopGuard(Rc<Cell<bool>>);

impl Drop for LoopGuard {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The keep-alive pool of one client.
#[derive(Clone)]
pub(crate) struct Pool {
    state: Rc<RefCell<PoolState>>,
}

/// What a checkout got: a parked connection, or the right to open a new one.
pub(crate) enum Checkout {
    /// An idle connection to reuse.
    Reuse(Lease),
    /// No idle connection: open one (the budget is already taken).
    Open(Lease),
}

/// A connection slot taken from a host's budget. Dropping it without
/// [`park`](Lease::park) closes the connection and frees the slot.
pub(crate) struct Lease {
    pool: Pool,
    key: HostKey,
    /// The connection, once there is one.
    pub(crate) stream: Option<Connection>,
    /// Set by `park`: the slot now belongs to the idle connection.
    parked: bool,
}

impl Pool {
    /// An empty pool.
    pub(crate) fn new(max_per_host: Option<usize>, max_idle_per_host: usize) -> Pool {
        Pool {
            state: Rc::new(RefCell::new(PoolState {
                hosts: HashMap::new(),
                max_per_host,
                max_idle_per_host,
                opened: 0,
                loop_alive: None,
            })),
        }
    }

    /// Takes an idle connection to `key`, or budget for a new one, waiting
    /// while the host is at its cap. With `fresh`, never takes an idle one.
    pub(crate) async fn checkout(&self, key: &HostKey, fresh: bool) -> Checkout {
        self.adopt_current_loop();
        poll_fn(|cx| {
            let mut state = self.state.borrow_mut();
            let max = state.max_per_host;
            if !state.hosts.contains_key(key) {
                state.hosts.insert(key.clone(), HostSlot::default());
            }
            let slot = state.hosts.get_mut(key).expect("inserted above");
            if !fresh {
                if let Some(stream) = slot.idle.pop() {
                    return Poll::Ready(Checkout::Reuse(self.lease(key, Some(stream))));
                }
            }
            let at_cap = max.is_some_and(|m| slot.open >= m);
            if at_cap && fresh && !slot.idle.is_empty() {
                // A retry needs a fresh connection: close an idle one for room.
                slot.idle.pop();
                slot.open -= 1;
            } else if at_cap {
                slot.waiters.push(cx.waker().clone());
                return Poll::Pending;
            }
            slot.open += 1;
            Poll::Ready(Checkout::Open(self.lease(key, None)))
        })
        .await
    }

    /// Makes sure the idle connections belong to a live loop; if the loop
    /// that owned them is gone, closes them and adopts the current loop.
    fn adopt_current_loop(&self) {
        let orphans = {
            let mut state = self.state.borrow_mut();
            if state.loop_alive.as_ref().is_some_and(|alive| alive.get()) {
                return;
            }
            let alive = Rc::new(Cell::new(true));
            state.loop_alive = Some(Rc::clone(&alive));
            let guard = LoopGuard(alive);
            drop(crate::event_loop::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }));
            let mut orphans = Vec::new();
            for slot in state.hosts.values_mut() {
                slot.open -= slot.idle.len();
                orphans.append(&mut slot.idle);
            }
            orphans
        };
        drop(orphans); // closed outside the borrow
    }

    /// Connections opened so far (for tests and curious readers).
    pub(crate) fn opened(&self) -> u64 {
        self.state.borrow().opened
    }

    /// Counts a newly opened connection.
    pub(crate) fn note_opened(&self) {
        self.state.borrow_mut().opened += 1;
    }

    /// Idle connections parked for this host.
    pub(crate) fn idle_count(&self, key: &HostKey) -> usize {
        self.state
            .borrow()
            .hosts
            .get(key)
            .map_or(0, |slot| slot.idle.len())
    }

    /// Wraps a slot in a lease.
    fn lease(&self, key: &HostKey, stream: Option<Connection>) -> Lease {
        Lease {
            pool: self.clone(),
            key: key.clone(),
            stream,
            parked: false,
        }
    }
}

impl Lease {
    /// Puts the connection back for the next request to this host.
    pub(crate) fn park(mut self) {
        let Some(stream) = self.stream.take() else {
            return; // nothing to park: Drop frees the slot
        };
        let mut state = self.pool.state.borrow_mut();
        let max_idle = state.max_idle_per_host;
        let Some(slot) = state.hosts.get_mut(&self.key) else {
            return; // cannot happen: the slot was made at checkout
        };
        if slot.idle.len() < max_idle {
            slot.idle.push(stream);
            self.parked = true; // the slot stays taken, by the idle connection
        }
        // Drop (right after) wakes the waiters, and frees the slot if not parked.
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let waiters = {
            let Ok(mut state) = self.pool.state.try_borrow_mut() else {
                return;
            };
            let Some(slot) = state.hosts.get_mut(&self.key) else {
                return;
            };
            if !self.parked {
                slot.open -= 1;
            }
            std::mem::take(&mut slot.waiters)
        };
        self.stream = None; // close the connection before waking anyone
        waiters.into_iter().for_each(Waker::wake);
    }
}
