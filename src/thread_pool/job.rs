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
//! A `join` keeps its second half in a [`LazyJob`]: the closure, and room
//! for the `StackJob` that is built of it only when the half is shared (at
//! once under work stealing; on a promotion under heartbeat, where most
//! halves never are).
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
use std::mem::MaybeUninit;
use std::panic::{self, AssertUnwindSafe};

use super::latch::{Latch, SpinLatch};
use super::registry::Registry;

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

/// The second half of a heartbeat `join` that may never be shared: the
/// closure alone, and room beside it for the [`StackJob`] a promotion makes
/// of it (`join.rs`, `frames.rs`).
///
/// Most heartbeat joins are never promoted, and for them a `StackJob`
/// (latch, registry, owner, empty result) is work thrown away. So the job
/// is only built when the half is shared: by the promotion under heartbeat,
/// at once under work stealing. Until then the closure sits in `func`.
///
/// It has no `Drop`: which of its two fields holds something depends on
/// what happened to the join, which only the join knows, so the join
/// empties it on every path (`join.rs`).
pub(crate) struct LazyJob<F, R> {
    /// The closure, until it runs inline or `make_job` moves it into `job`.
    func: UnsafeCell<MaybeUninit<F>>,
    /// The job, once `make_job` has built it.
    job: UnsafeCell<MaybeUninit<StackJob<SpinLatch, F, R>>>,
}

/// What a promotion needs to share a pending half: a pointer to its
/// [`LazyJob`] and the function that makes a job of it (type-erased like
/// [`JobRef`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingRef {
    data: *const (),
    make_fn: unsafe fn(*const (), &Registry, usize) -> JobRef,
}

/// Two PendingRefs are the same half when they point at the same data.
impl PartialEq for PendingRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.data, other.data)
    }
}
impl Eq for PendingRef {}

impl PendingRef {
    /// A PendingRef from its two parts (unit tests of the frame list).
    #[cfg(test)]
    pub(crate) fn from_raw_parts(
        data: *const (),
        make_fn: unsafe fn(*const (), &Registry, usize) -> JobRef,
    ) -> Self {
        PendingRef { data, make_fn }
    }

    /// Builds the job of this pending half, owned by worker `owner` of
    /// `registry`, and returns the reference to push.
    ///
    /// # Safety
    /// As [`LazyJob::make_job`], on the `LazyJob` this was made from.
    pub(crate) unsafe fn make_job(self, registry: &Registry, owner: usize) -> JobRef {
        // SAFETY: forwarded from the caller's promise.
        unsafe { (self.make_fn)(self.data, registry, owner) }
    }
}

impl<F, R> LazyJob<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    /// Holds `func`; no job yet.
    #[inline(always)]
    pub(crate) fn new(func: F) -> Self {
        LazyJob {
            func: UnsafeCell::new(MaybeUninit::new(func)),
            job: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// A type-erased reference for the frame list, for a later promotion.
    ///
    /// # Safety
    /// `self` must stay alive and unmoved while the reference is held.
    #[inline(always)]
    pub(crate) unsafe fn as_pending_ref(&self) -> PendingRef {
        PendingRef {
            data: self as *const Self as *const (),
            make_fn: Self::make_job_erased,
        }
    }

    unsafe fn make_job_erased(this: *const (), registry: &Registry, owner: usize) -> JobRef {
        // SAFETY: `as_pending_ref` stored a pointer to a live `Self`, and
        // the caller of `PendingRef::make_job` forwards `make_job`'s promise.
        unsafe { (*(this as *const Self)).make_job(registry, owner) }
    }

    /// Moves the closure into a `StackJob` beside it, owned by worker
    /// `owner` of `registry`, and returns the job's reference.
    ///
    /// # Safety
    /// The closure is still here (neither taken nor moved before), no
    /// reference to the job is alive, and `self` stays alive and unmoved
    /// until the job has run or was taken back (`StackJob::as_job_ref`).
    #[inline(always)]
    pub(crate) unsafe fn make_job(&self, registry: &Registry, owner: usize) -> JobRef {
        // SAFETY: the closure is here, and after this read it is not: only
        // the job holds it.
        let func = unsafe { (*self.func.get()).assume_init_read() };
        // SAFETY: nobody else touches `job` before it is built (caller).
        let job = unsafe { &mut *self.job.get() };
        let job = job.write(StackJob::new(SpinLatch::new(registry, owner), func));
        // SAFETY: the caller keeps `self`, hence the job, alive and in place.
        unsafe { job.as_job_ref() }
    }

    /// The closure, taken out to run inline or to drop: it was never shared.
    ///
    /// # Safety
    /// The closure is still here (`make_job` was not called), and it is
    /// taken once.
    #[inline(always)]
    pub(crate) unsafe fn take_func(&self) -> F {
        // SAFETY: the caller guarantees it is here and taken once.
        unsafe { (*self.func.get()).assume_init_read() }
    }

    /// The job `make_job` built.
    ///
    /// # Safety
    /// `make_job` was called on `self`, and the job was not taken out.
    #[inline(always)]
    pub(crate) unsafe fn job(&self) -> &StackJob<SpinLatch, F, R> {
        // SAFETY: built by `make_job` (caller), and only read from here on.
        unsafe { (*self.job.get()).assume_init_ref() }
    }

    /// The job `make_job` built, moved out (to drop it: its unrun closure
    /// or its result).
    ///
    /// # Safety
    /// As `job`, and no other thread touches the job any more.
    pub(crate) unsafe fn take_job(&self) -> StackJob<SpinLatch, F, R> {
        // SAFETY: as `job`; the caller makes sure nothing else uses it.
        unsafe { (*self.job.get()).assume_init_read() }
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
