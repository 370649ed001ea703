//! [`IdleConnections`]: the server's list of open connections, and which of
//! them are idle, so that it can close the one idle longest when it runs out
//! of file descriptors.
//!
//! ## Why
//!
//! Every connection holds a descriptor, and a process may hold only so many
//! (1024 by default). Keep-alive clients that sit idle hold theirs for up to
//! the idle timeout (60 s), so about a thousand of them would shut every new
//! client out: `accept` fails with `EMFILE` until one of them times out.
//!
//! ## How
//!
//! Each connection task registers itself and marks itself idle while it
//! waits for the first byte of a next request (and busy again once bytes
//! arrive). When `accept` fails with `EMFILE`, the accept loop asks for
//! [`shed_oldest`](IdleConnections::shed_oldest): the connection idle longest
//! is shut down (`shutdown(Both)`), its task's pending read returns
//! end-of-file, the task ends and its descriptor is closed; the accept loop
//! then retries and serves the newcomer. A busy connection (a request half
//! read, a handler running, a response being written) is never shed.
//!
//! "Longest idle" is decided with a counter rather than a clock: each time a
//! connection becomes idle it takes the next tick, so the smallest tick is
//! the oldest. The hot path pays two `Cell` writes per read, no system call.
//!
//! Read next: `server.rs`, whose accept loop and connection tasks use this.

use crate::event_loop::net::TcpStream;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::Shutdown;
use std::rc::{Rc, Weak};

/// One connection as the registry sees it.
#[derive(Debug)]
pub(crate) struct Slot {
    stream: TcpStream,
    /// The tick at which it became idle; `0` while busy.
    idle_since: Cell<u64>,
}

/// The open connections of one server (single-threaded: it lives on the
/// server's event loop).
#[derive(Debug, Default)]
pub(crate) struct IdleConnections {
    slots: RefCell<HashMap<u64, Rc<Slot>>>,
    next_id: Cell<u64>,
    tick: Cell<u64>,
}

impl IdleConnections {
    /// Registers a new connection (busy until it says otherwise).
    pub(crate) fn register(self: &Rc<Self>, stream: TcpStream) -> Registration {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let slot = Rc::new(Slot {
            stream,
            idle_since: Cell::new(0),
        });
        self.slots.borrow_mut().insert(id, Rc::clone(&slot));
        Registration {
            registry: Rc::clone(self),
            id,
            slot,
        }
    }

    /// Shuts down the connection idle longest and forgets it; returns a
    /// handle that dies when its task has closed the descriptor, or `None`
    /// when no connection is idle.
    pub(crate) fn shed_oldest(&self) -> Option<Weak<Slot>> {
        let mut slots = self.slots.borrow_mut();
        let (&id, _) = slots
            .iter()
            .filter(|(_, slot)| slot.idle_since.get() != 0)
            .min_by_key(|(_, slot)| slot.idle_since.get())?;
        let slot = slots.remove(&id)?;
        // Its task is parked in a read: end-of-file wakes it and it ends.
        let _ = slot.stream.shutdown(Shutdown::Both);
        Some(Rc::downgrade(&slot))
    }
}

/// A connection task's entry in the registry; dropping it unregisters.
#[derive(Debug)]
pub(crate) struct Registration {
    registry: Rc<IdleConnections>,
    id: u64,
    slot: Rc<Slot>,
}

impl Registration {
    /// The connection's socket.
    pub(crate) fn stream(&self) -> &TcpStream {
        &self.slot.stream
    }

    /// Marks the connection idle: waiting for a next request, nothing buffered.
    pub(crate) fn set_idle(&self) {
        let tick = self.registry.tick.get() + 1;
        self.registry.tick.set(tick);
        self.slot.idle_since.set(tick);
    }

    /// Marks the connection busy: it may not be shed.
    pub(crate) fn set_busy(&self) {
        self.slot.idle_since.set(0);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.slots.borrow_mut().remove(&self.id);
    }
}
