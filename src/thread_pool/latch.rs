//! Latches: one-shot "it is done" signals between a job and its creator.
//!
//! # Why latches
//!
//! `join`, `install` and `scope` hand a job that borrows their stack to
//! another thread, then must not return before that job has finished. A
//! latch is the flag that says "finished". It starts unset, is set exactly
//! once by whoever runs the job, and is then read by the creator.
//!
//! # The three latches
//!
//! * [`SpinLatch`]: for a creator that is itself a pool worker (`join`,
//!   `scope`). A worker never just blocks while it waits: it keeps running
//!   other jobs ("steal while waiting", see `worker.rs`), and only when there
//!   is nothing at all to do does it park. So the latch must be able to wake
//!   its *owner* worker: that is what the `SLEEPY` state is for.
//! * [`LockLatch`]: for a creator outside the pool (`install` from `main`).
//!   It has nothing better to do than block on a condition variable.
//! * [`CountLatch`]: a `SpinLatch` that is set when a counter of pending jobs
//!   reaches zero (`scope`).
//!
//! # The owner-wake protocol (no lost wake-up for a waiting worker)
//!
//! `CoreLatch` has three states: `UNSET`, `SLEEPY`, `SET`.
//!
//! 1. The owner, about to park, moves `UNSET -> SLEEPY` (if it finds `SET`
//!    it does not park at all).
//! 2. It then takes its own sleep mutex, looks at the latch once more, and
//!    only if it is still not `SET` marks itself blocked and waits.
//! 3. The setter *swaps* in `SET`. If the old state was `SLEEPY`, the owner
//!    may be parked or about to park, so the setter takes the owner's sleep
//!    mutex and wakes it if it is marked blocked.
//!
//! Either the setter's swap comes before the owner's step-2 check (the owner
//! sees `SET` and does not block), or after it (then the owner is already
//! marked blocked under the mutex the setter must take, and gets woken). An
//! `UNSET` old state means the owner had not announced sleepiness, so its
//! step 1 will see `SET`. In every ordering the owner wakes up.
//!
//! # Touching nothing after `set`
//!
//! The moment a latch is set its creator may return and free the memory
//! the latch lives in. So `set` copies everything it needs (which worker to
//! wake, which registry) into locals *before* the swap, and takes a raw
//! pointer rather than `&self`, so no reference outlives the memory.
//!
//! Read next: `sleep/README.md` (how parked workers are woken for new work).

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex};

use super::registry::Registry;

/// Something a job sets when it is done.
pub(crate) trait Latch {
    /// Sets the latch.
    ///
    /// # Safety
    /// `this` must point to a live latch; it may be freed as soon as this
    /// call's swap happens, so implementations touch it no more after that.
    unsafe fn set(this: *const Self);
}

const UNSET: u8 = 0;
const SLEEPY: u8 = 1;
const SET: u8 = 2;

/// The three-state flag shared by the worker-owned latches.
#[derive(Debug)]
pub(crate) struct CoreLatch {
    state: AtomicU8,
}

impl CoreLatch {
    /// A fresh, unset latch.
    pub(crate) const fn new() -> Self {
        CoreLatch {
            state: AtomicU8::new(UNSET),
        }
    }

    /// True once the latch is set (acquire: the job's writes are visible).
    #[inline]
    pub(crate) fn probe(&self) -> bool {
        self.state.load(Ordering::Acquire) == SET
    }

    /// Step 1 of the owner-wake protocol: announce "I may park".
    /// Returns false if the latch is already set (then do not park).
    pub(crate) fn get_sleepy(&self) -> bool {
        match self
            .state
            .compare_exchange(UNSET, SLEEPY, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => true,
            Err(current) => current == SLEEPY,
        }
    }

    /// Swaps in `SET`; true if the owner had announced it may park.
    ///
    /// # Safety
    /// `this` must be live; it may be freed right after the swap.
    pub(crate) unsafe fn set_and_check_sleepy(this: *const Self) -> bool {
        // SAFETY: the caller guarantees `this` is live until this swap.
        let old = unsafe { (*this).state.swap(SET, Ordering::AcqRel) };
        old == SLEEPY
    }
}

impl Latch for CoreLatch {
    unsafe fn set(this: *const Self) {
        // Used for the per-worker terminate latches, which live in the
        // registry for the whole life of the pool; nobody to wake here, the
        // registry's `terminate` does the waking.
        // SAFETY: forwarded.
        unsafe { CoreLatch::set_and_check_sleepy(this) };
    }
}

/// A latch whose owner is a worker of `registry`; setting it wakes the owner.
///
/// It keeps a raw pointer to the registry: a `SpinLatch` is only created by a
/// worker (whose `Arc<Registry>` outlives the latch) and only set by workers
/// of the same pool (each holding its own `Arc`).
pub(crate) struct SpinLatch {
    core: CoreLatch,
    registry: *const Registry,
    owner: usize,
}

// SAFETY: the registry pointer refers to a `Sync` registry kept alive by the
// workers (see the type's docs); the rest is atomics and plain data.
unsafe impl Send for SpinLatch {}
// SAFETY: as above; `set` and `probe` only use atomics and the registry.
unsafe impl Sync for SpinLatch {}

impl SpinLatch {
    /// A latch owned by worker `owner` of `registry`.
    pub(crate) fn new(registry: &Registry, owner: usize) -> Self {
        SpinLatch {
            core: CoreLatch::new(),
            registry,
            owner,
        }
    }

    /// The state the owner polls and parks on.
    pub(crate) fn core(&self) -> &CoreLatch {
        &self.core
    }
}

impl Latch for SpinLatch {
    unsafe fn set(this: *const Self) {
        // Copy what we need BEFORE the swap: afterwards `this` may be gone.
        // The registry itself outlives the latch: the setter is a worker of
        // the same registry and holds its own `Arc` to it.
        // SAFETY: `this` is live until the swap below.
        let (registry, owner) = unsafe { ((*this).registry, (*this).owner) };
        // SAFETY: `this` is live until this swap.
        let was_sleepy = unsafe { CoreLatch::set_and_check_sleepy(&(*this).core) };
        if was_sleepy {
            // SAFETY: see above, the registry outlives every job it runs.
            unsafe { (*registry).sleep.wake_specific(owner) };
        }
    }
}

/// A latch for a thread outside the pool: a flag under a mutex.
pub(crate) struct LockLatch {
    done: Mutex<bool>,
    cond: Condvar,
}

impl LockLatch {
    /// A fresh, unset latch.
    pub(crate) fn new() -> Self {
        LockLatch {
            done: Mutex::new(false),
            cond: Condvar::new(),
        }
    }

    /// Blocks the calling thread until the latch is set.
    pub(crate) fn wait(&self) {
        let mut done = self.done.lock();
        while !*done {
            self.cond.wait(&mut done);
        }
    }
}

impl Latch for LockLatch {
    unsafe fn set(this: *const Self) {
        // The waiter cannot return (and free the latch) before it re-takes
        // the mutex, which it can only do after our guard is dropped, the
        // last time we touch the latch.
        // SAFETY: `this` is live: its waiter is blocked on this mutex.
        let latch = unsafe { &*this };
        let mut done = latch.done.lock();
        *done = true;
        latch.cond.notify_all();
    }
}

/// A `SpinLatch` that is set when its pending count drops to zero.
pub(crate) struct CountLatch {
    pending: AtomicUsize,
    latch: SpinLatch,
}

impl CountLatch {
    /// Starts at one pending unit (the creator's own body).
    pub(crate) fn new(registry: &Registry, owner: usize) -> Self {
        CountLatch {
            pending: AtomicUsize::new(1),
            latch: SpinLatch::new(registry, owner),
        }
    }

    /// One more job that must finish before the latch is set.
    pub(crate) fn increment(&self) {
        self.pending.fetch_add(1, Ordering::Relaxed);
    }

    /// The state the owner polls and parks on.
    pub(crate) fn core(&self) -> &CoreLatch {
        self.latch.core()
    }
}

impl Latch for CountLatch {
    unsafe fn set(this: *const Self) {
        // SAFETY: live until the count reaches zero and the latch is set.
        let last = unsafe { (*this).pending.fetch_sub(1, Ordering::AcqRel) } == 1;
        if last {
            // SAFETY: still live: the owner only leaves once this is set.
            unsafe { SpinLatch::set(&(*this).latch) };
        }
    }
}
