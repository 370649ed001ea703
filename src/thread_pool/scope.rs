//! `scope`: spawn any number of jobs that borrow the caller's stack.
//!
//! # How it works
//!
//! A [`Scope`] is a [`CountLatch`] plus a slot for the first panic. The
//! count starts at one, for the scope's own body. Every `s.spawn` adds one
//! and pushes a boxed job; every finished job (and the end of the body)
//! subtracts one. When the count reaches zero the latch is set and wakes the
//! worker that opened the scope, which has been running other jobs (very
//! likely the scope's own) while it waited (`worker.rs`, `wait_until`).
//!
//! # Why borrowing is sound
//!
//! A spawned closure may borrow anything that outlives `'scope`. Those
//! borrows are only used while the job runs, and `ThreadPool::scope` does
//! not return (nor unwind) before the count is zero, i.e. before every job
//! has finished. The jobs reach the scope itself through a raw pointer for
//! the same reason.
//!
//! # Panics
//!
//! A panicking job does not stop its siblings. The first panic payload is
//! kept; when everything is done, `scope` re-raises it (the body's own
//! panic takes precedence).
//!
//! Read next: `map.rs` (a parallel map built from `join`).

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};

use parking_lot::Mutex;

use super::job::HeapJob;
use super::latch::{CountLatch, Latch};
use super::registry::Registry;
use super::unwind::{drop_quietly, AbortOnUnwind};
use super::worker::WorkerThread;

/// A scope in which jobs borrowing data from outside it can be spawned.
///
/// Made by [`ThreadPool::scope`](super::ThreadPool::scope); see there.
pub struct Scope<'scope> {
    latch: CountLatch,
    registry: *const Registry,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Invariant in `'scope`, so spawned jobs cannot shorten it.
    _marker: PhantomData<fn(&'scope ()) -> &'scope ()>,
}

/// The pool's thread count and whether a spawned job has panicked so far.
impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // SAFETY: the registry outlives the scope (see `Sync` below).
        let threads = unsafe { &*self.registry }.num_threads();
        f.debug_struct("Scope")
            .field("threads", &threads)
            .field("panicked", &self.panic.lock().is_some())
            .finish_non_exhaustive()
    }
}

// SAFETY: the registry pointer is kept alive by the workers for as long as
// the scope exists (the scope lives on a worker's stack); the other fields
// are Sync.
unsafe impl Sync for Scope<'_> {}
// SAFETY: as above.
unsafe impl Send for Scope<'_> {}

/// A `Send` raw pointer to a scope, for the spawned jobs.
struct ScopePtr<'scope>(*const Scope<'scope>);
// SAFETY: `Scope` is Sync, and the pointee outlives every job (module docs).
unsafe impl Send for ScopePtr<'_> {}

impl<'scope> ScopePtr<'scope> {
    /// The scope this pointer was made from.
    ///
    /// # Safety
    /// The scope must still be alive for as long as the returned reference
    /// is used. That holds in a job spawned in the scope until the job
    /// releases its unit of the scope's count (the scope waits for the
    /// count to reach zero before it ends), and nowhere else.
    unsafe fn get(&self) -> &Scope<'scope> {
        // SAFETY: the caller promises the scope is alive (see above).
        unsafe { &*self.0 }
    }
}

impl<'scope> Scope<'scope> {
    fn new(worker: &WorkerThread) -> Self {
        Scope {
            latch: CountLatch::new(worker.registry(), worker.index()),
            registry: worker.registry(),
            panic: Mutex::new(None),
            _marker: PhantomData,
        }
    }

    /// Spawns a job that may borrow data living longer than the scope.
    ///
    /// The job receives the scope again, so it can spawn more jobs.
    pub fn spawn<BODY>(&self, body: BODY)
    where
        BODY: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        self.latch.increment();
        let scope = ScopePtr(self as *const Scope<'scope>);
        let job = HeapJob::into_job_ref(move || {
            // SAFETY: this job holds one unit of the scope's count until
            // the `CountLatch::set` below, so the scope is alive until then,
            // and `scope` is not used after it.
            let scope = unsafe { scope.get() };
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| body(scope))) {
                scope.keep_first_panic(payload);
            }
            // SAFETY: the latch lives until its count reaches zero, which
            // this very call may cause; we touch the scope no more.
            unsafe { CountLatch::set(&scope.latch) };
        });
        // SAFETY: the registry outlives the scope (see the Sync impl).
        unsafe { (*self.registry).push_shared(job) };
    }

    fn keep_first_panic(&self, payload: Box<dyn Any + Send>) {
        let mut slot = self.panic.lock();
        if slot.is_none() {
            *slot = Some(payload);
        } else {
            drop(slot);
            // Only the first panic is re-raised; this one may not escape,
            // even if its payload's `Drop` panics (unwind.rs).
            drop_quietly(payload);
        }
    }
}

/// Runs a scope on the current worker (called inside `install`).
pub(crate) fn scope_in_worker<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    WorkerThread::with_current(|worker| {
        let worker = worker.expect("scope_in_worker runs on a worker");
        let scope = Scope::new(worker);
        // Spawned jobs point at `scope` until the count is zero: nothing may
        // unwind out of this frame before then (unwind.rs).
        let guard = AbortOnUnwind {
            what: "a scope while its jobs were running",
        };
        let body = panic::catch_unwind(AssertUnwindSafe(|| op(&scope)));
        // The body is done: release its unit of the count...
        // SAFETY: the latch lives in this frame, which waits for it just below.
        unsafe { CountLatch::set(&scope.latch) };
        // ...and help until every spawned job has finished.
        worker.wait_until(scope.latch.core());
        guard.disarm();
        let job_panic = scope.panic.lock().take();
        match (body, job_panic) {
            (Err(payload), job_panic) => {
                // The body's panic wins; a job's panic is discarded quietly.
                drop_quietly(job_panic);
                panic::resume_unwind(payload)
            }
            (Ok(_), Some(payload)) => panic::resume_unwind(payload),
            (Ok(value), None) => value,
        }
    })
}
