//! [`Gil`]: a simulated global interpreter lock, like CPython's.
//!
//! # Why simulate it
//!
//! The explainer's rule "threads for I/O, not for CPU work" is not a law of
//! threads; it is a consequence of CPython's GIL: only the thread holding
//! the lock may run Python bytecode. Rust has no GIL, so our pool runs CPU
//! work on all cores. This type puts a GIL back, so you can watch the rule
//! come true (`examples/gil.rs`): CPU-bound jobs on two threads take as long
//! as on one; I/O-bound jobs still overlap, because a thread releases the
//! GIL while it waits.
//!
//! # How CPython's GIL works (3.2 and later), and how this copy follows it
//!
//! * A thread must hold the GIL to run bytecode: here, a [`GilGuard`] from
//!   [`Gil::acquire`] is "holding the GIL".
//! * Blocking calls (`time.sleep`, socket reads) release it around the
//!   wait: here, [`GilGuard::blocking`].
//! * A running thread does not release it by itself. A thread that wants
//!   the GIL waits for the *switch interval* (`sys.getswitchinterval()`,
//!   5 ms by default); if no switch happened meanwhile, it sets a "drop
//!   request" flag. The holder checks that flag regularly between
//!   bytecodes: here, [`GilGuard::tick`], which you call often during CPU
//!   work. It costs one relaxed load while nobody asks.
//! * When the holder drops the GIL on request it waits until another thread
//!   has actually taken it before competing again ("forced switching"), so
//!   the thread that asked gets its turn instead of the old holder winning
//!   the race to re-lock.
//!
//! # Invariant
//!
//! `held` is true exactly while one [`GilGuard`] is between acquire and
//! release (and not inside `blocking`): at most one thread "runs bytecode".

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// CPython's default switch interval (`sys.getswitchinterval()`).
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// A simulated global interpreter lock. Cheap to clone (an `Arc` inside).
///
/// ```
/// use homemade::thread_pool::Gil;
/// use std::time::Duration;
///
/// let gil = Gil::new();
/// let counter = std::sync::Mutex::new(0u64);
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             let mut guard = gil.acquire(); // one thread at a time past here
///             for _ in 0..1000 {
///                 *counter.lock().unwrap() += 1;
///                 guard.tick(); // where CPython checks its eval breaker
///             }
///             // Sleeping (like I/O) releases the GIL meanwhile.
///             guard.blocking(|| std::thread::sleep(Duration::from_millis(1)));
///         });
///     }
/// });
/// assert_eq!(counter.into_inner().unwrap(), 2000);
/// ```
#[derive(Clone)]
pub struct Gil {
    inner: Arc<GilInner>,
}

struct GilInner {
    state: Mutex<GilState>,
    /// Signalled when the GIL is released (waiters) or taken (forced switch).
    changed: Condvar,
    /// Set by a waiter that waited a whole interval without a switch.
    drop_request: AtomicBool,
    switch_interval: Duration,
    handovers: AtomicU64,
}

struct GilState {
    held: bool,
    waiting: usize,
    /// Incremented every time the GIL is taken.
    acquisitions: u64,
}

impl Default for Gil {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Gil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gil")
            .field("switch_interval", &self.inner.switch_interval)
            .field("forced_switches", &self.forced_switches())
            .finish()
    }
}

impl Gil {
    /// A GIL with CPython's default 5 ms switch interval.
    pub fn new() -> Self {
        Self::with_switch_interval(DEFAULT_SWITCH_INTERVAL)
    }

    /// A GIL with the given switch interval (at least 1 µs).
    pub fn with_switch_interval(interval: Duration) -> Self {
        Gil {
            inner: Arc::new(GilInner {
                state: Mutex::new(GilState {
                    held: false,
                    waiting: 0,
                    acquisitions: 0,
                }),
                changed: Condvar::new(),
                drop_request: AtomicBool::new(false),
                switch_interval: interval.max(Duration::from_micros(1)),
                handovers: AtomicU64::new(0),
            }),
        }
    }

    /// The switch interval.
    pub fn switch_interval(&self) -> Duration {
        self.inner.switch_interval
    }

    /// How many times a holder gave the GIL away because a waiter asked.
    pub fn forced_switches(&self) -> u64 {
        self.inner.handovers.load(Ordering::Relaxed)
    }

    /// Blocks until the calling thread holds the GIL.
    pub fn acquire(&self) -> GilGuard<'_> {
        self.inner.take();
        GilGuard { gil: &self.inner }
    }
}

impl GilInner {
    /// Takes the GIL, asking the holder to drop it after each interval.
    fn take(&self) {
        let mut state = self.state.lock();
        if state.held {
            state.waiting += 1;
            while state.held {
                let seen = state.acquisitions;
                let timed_out = self
                    .changed
                    .wait_for(&mut state, self.switch_interval)
                    .timed_out();
                if state.held && timed_out && state.acquisitions == seen {
                    // A whole interval and no switch: ask the holder.
                    self.drop_request.store(true, Ordering::Relaxed);
                }
            }
            state.waiting -= 1;
        }
        state.held = true;
        state.acquisitions += 1;
        // A request aimed at the previous holder is satisfied now; whoever
        // still waits asks again after a fresh interval.
        self.drop_request.store(false, Ordering::Relaxed);
        // Wake a holder that is waiting for its forced switch to happen.
        self.changed.notify_all();
    }

    /// Releases the GIL and lets one waiter in.
    fn give(&self) {
        let mut state = self.state.lock();
        state.held = false;
        self.changed.notify_all();
    }

    /// Drops the GIL on request and waits until someone else took it.
    fn hand_over(&self) {
        let mut state = self.state.lock();
        self.drop_request.store(false, Ordering::Relaxed);
        if state.waiting == 0 {
            return; // The asker gave up meanwhile: keep running.
        }
        state.held = false;
        let released_at = state.acquisitions;
        self.handovers.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_all();
        // Forced switching: do not race the waiter for the lock we just
        // dropped; wait until it has been taken by someone else.
        while state.acquisitions == released_at && state.waiting > 0 {
            self.changed.wait(&mut state);
        }
        drop(state);
        self.take();
    }
}

/// Proof that this thread holds the GIL; releases it when dropped.
pub struct GilGuard<'a> {
    gil: &'a GilInner,
}

/// The GIL's switch interval and how many hand-overs it has made so far.
impl std::fmt::Debug for GilGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GilGuard")
            .field("switch_interval", &self.gil.switch_interval)
            .field("handovers", &self.gil.handovers.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl GilGuard<'_> {
    /// The "eval breaker" check: call it often during CPU work (CPython
    /// checks between bytecodes). If another thread has waited a whole
    /// switch interval, hand the GIL over and wait for it back.
    #[inline]
    pub fn tick(&mut self) {
        if self.gil.drop_request.load(Ordering::Relaxed) {
            self.gil.hand_over();
        }
    }

    /// Runs a blocking call (sleep, I/O) with the GIL released, like a C
    /// extension's `Py_BEGIN_ALLOW_THREADS`; re-acquires it afterwards
    /// (also when `f` panics).
    pub fn blocking<R>(&mut self, f: impl FnOnce() -> R) -> R {
        /// Re-takes the GIL on the way out, even when unwinding.
        struct Retake<'g>(&'g GilInner);
        impl Drop for Retake<'_> {
            fn drop(&mut self) {
                self.0.take();
            }
        }
        self.gil.give();
        let _retake = Retake(self.gil);
        f()
    }
}

impl Drop for GilGuard<'_> {
    fn drop(&mut self) {
        self.gil.give();
    }
}
