//! Jobs: the type-erased units of work that travel through the deques.
//!
//! # What a job is
//!
//! A deque of `crossbeam_deque::Worker<T>` needs one concrete `T`, but the
//! closures we run all have different types. So every job is reduced to a
//! [`JobRef`]: a data pointer plus the function that knows how to run it.
//! This is the classic "fat pointer by hand" trick; it keeps each deque slot
//! two words wide and costs no allocation for jobs that live on a stack.
//!
//! Two kinds of job exist:
//!
//! * [`StackJob`] lives in the stack frame of the thread that created it
//!   (`join`, `install`). The creator promises not to return before the job
//!   has run, which it checks through the job's *latch* (see `latch.rs`).
//!   The result, or the panic payload, is written back into the job so the
//!   creator can pick it up.
//! * [`HeapJob`] is boxed and owns its closure (`spawn`, `submit`,
//!   `scope.spawn`). Running it frees it.
//!
//! # Safety contract
//!
//! A `JobRef` is a raw pointer with no lifetime. Whoever creates one must
//! keep the pointee alive until the job has executed, and must make sure it
//! executes exactly once. `join`, `install` and `scope` keep that promise by
//! waiting on a latch; `spawn` keeps it by leaking a `Box` that the job frees
//! itself.
//!
//! Read next: `latch.rs` (how a creator learns that its job is done).

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{self, AssertUnwindSafe};

use super::latch::Latch;

/// A type-erased pointer to a job plus the function that runs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    data: *const (),
    execute_fn: unsafe fn(*const ()),
}

// SAFETY: a JobRef is only a pointer to a job whose closure is `Send`; the
// job types below only hand out JobRefs for `Send` closures.
unsafe impl Send for JobRef {}
// SAFETY: see above; a JobRef is never used to share the job by reference.
unsafe impl Sync for JobRef {}

/// Two JobRefs are the same job when they point at the same data (each
/// live job has its own address; the function pointer adds nothing).
impl PartialEq for JobRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.data, other.data)
    }
}
impl Eq for JobRef {}

impl JobRef {
    /// A JobRef from its two parts (unit tests of the lists that hold them).
    #[cfg(test)]
    pub(crate) fn from_raw_parts(data: *const (), execute_fn: unsafe fn(*const ())) -> Self {
        JobRef { data, execute_fn }
    }

    /// Runs the job. Must be called exactly once per job.
    ///
    /// # Safety
    /// The job the pointer names must still be alive and not yet executed.
    pub(crate) unsafe fn execute(self) {
        // SAFETY: forwarded from the caller's promise.
        unsafe { (self.execute_fn)(self.data) }
    }
}

/// What a job left behind: nothing yet, a value, or a panic payload.
pub(crate) enum JobResult<T> {
    /// The job has not run.
    None,
    /// The job returned a value.
    Ok(T),
    /// The job panicked; the payload is re-raised in the creator.
    Panic(Box<dyn Any + Send>),
}

impl<T> JobResult<T> {
    /// Runs `f`, catching a panic into the result.
    pub(crate) fn call(f: impl FnOnce() -> T) -> Self {
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => JobResult::Ok(v),
            Err(payload) => JobResult::Panic(payload),
        }
    }

    /// Returns the value, or re-raises the job's panic in the caller.
    pub(crate) fn into_return_value(self) -> T {
        match self {
            JobResult::Ok(v) => v,
            JobResult::Panic(p) => panic::resume_unwind(p),
            JobResult::None => unreachable!("job result taken before the job ran"),
        }
    }
}

/// A job that lives on its creator's stack and reports back through a latch.
pub(crate) struct StackJob<L: Latch, F, R> {
    /// Set once the job has finished (value or panic stored).
    pub(crate) latch: L,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
}

impl<L, F, R> StackJob<L, F, R>
where
    L: Latch,
    F: FnOnce() -> R + Send,
    R: Send,
{
    /// Wraps `func`; nothing runs until the job is executed.
    pub(crate) fn new(latch: L, func: F) -> Self {
        StackJob {
            latch,
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
        }
    }

    /// A type-erased reference to this job, to push onto a deque.
    ///
    /// # Safety
    /// The caller must keep `self` alive (and unmoved) until the latch is set
    /// or the job has been taken back and run inline.
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        JobRef {
            data: self as *const Self as *const (),
            execute_fn: Self::execute_erased,
        }
    }

    /// The erased entry point stored in the JobRef.
    unsafe fn execute_erased(this: *const ()) {
        // SAFETY: `as_job_ref` stored a pointer to a live `Self`, and the
        // creator keeps it alive until the latch below is set.
        let this = unsafe { &*(this as *const Self) };
        // SAFETY: a job executes once, so nobody else touches `func`.
        let func = unsafe { (*this.func.get()).take() }.expect("job executed twice");
        let result = JobResult::call(func);
        // SAFETY: the creator reads `result` only after the latch is set.
        unsafe { *this.result.get() = result };
        // After `set` the creator may free the job: touch nothing afterwards.
        // SAFETY: the latch is alive until it is set (same argument as above).
        unsafe { L::set(&this.latch) };
    }

    /// Runs the job on the current thread after taking it back from the deque
    /// or finding it never shared (the fast path of `join`): no
    /// catch_unwind, no latch. It takes the closure out of its cell where
    /// it lies instead of moving the job: moving a whole `StackJob` on that
    /// path costs more than the rest of it (its fields are written
    /// piecewise and read back in wide loads, which stalls).
    ///
    /// # Safety
    /// No other thread may hold a `JobRef` to this job any more (it was
    /// never shared, or it was popped back), and it has not run.
    #[inline(always)]
    pub(crate) unsafe fn run_inline_in_place(&self) -> R {
        // SAFETY: the caller guarantees we are the only user of the job.
        let func = unsafe { (*self.func.get()).take() }.expect("job executed twice");
        func()
    }

    /// Takes the result out where the job lies (`join`, which must not move
    /// the job on its fast path), leaving `JobResult::None` behind.
    ///
    /// # Safety
    /// The latch must have been observed set: the job has run and its
    /// runner no longer touches it.
    #[inline]
    pub(crate) unsafe fn take_result(&self) -> R {
        // SAFETY: the caller saw the latch set, after which only we use it.
        let result = unsafe { std::mem::replace(&mut *self.result.get(), JobResult::None) };
        result.into_return_value()
    }

    /// Takes the result after the latch was observed set.
    pub(crate) fn into_result(self) -> R {
        self.result.into_inner().into_return_value()
    }
}

/// A boxed job that owns its closure and frees itself when it runs.
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F: FnOnce() + Send> HeapJob<F> {
    /// Boxes `func` and leaks it as a JobRef; running the JobRef frees it.
    ///
    /// The closure must not borrow anything that could die before it runs;
    /// `spawn` requires `'static`, `scope` waits for its jobs.
    pub(crate) fn into_job_ref(func: F) -> JobRef {
        let boxed = Box::new(HeapJob { func });
        JobRef {
            data: Box::into_raw(boxed) as *const (),
            execute_fn: Self::execute_erased,
        }
    }

    /// The erased entry point: re-box and run.
    unsafe fn execute_erased(this: *const ()) {
        // SAFETY: `into_job_ref` leaked exactly this Box, and a job executes
        // once, so we are the unique owner now.
        let this = unsafe { Box::from_raw(this as *mut Self) };
        (this.func)();
    }
}
