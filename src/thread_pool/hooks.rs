//! Test-only hooks: points where a test can pause a worker to widen a race.
//!
//! Some defects need a precise interleaving to show up (a worker idle at
//! the exact moment a job arrives, say). Waiting for the scheduler to
//! produce it by chance makes a test that fails 2 times in 400. Instead,
//! the pool calls a hook at the chosen point, and a test installs a hook
//! that blocks there until the rest of the scenario is in place: the race
//! then happens every time.
//!
//! A hook is a plain `fn` pointer, off by default. With no hook installed
//! the cost is one relaxed atomic load on a cold path (the idle loop), so
//! the hooks are always compiled and no cargo feature is needed. They are
//! `#[doc(hidden)]`: not part of the public API, only for the crate's own
//! tests (`tests/thread_pool_*`).
//!
//! Read next: `worker.rs` (`wait_until_cold`, where the idle hook runs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

static IDLE_HOOK_ON: AtomicBool = AtomicBool::new(false);
static IDLE_HOOK: RwLock<Option<fn(usize)>> = RwLock::new(None);

/// Installs (or with `None` removes) the idle hook.
///
/// The hook is called with the worker's index at the top of every round of
/// the idle loop: the worker is counted as idle (`Sleep::start_looking`
/// has run) and has not yet looked at its latch or the queues again.
pub fn set_idle_hook(hook: Option<fn(usize)>) {
    let mut slot = IDLE_HOOK.write().unwrap_or_else(|p| p.into_inner());
    *slot = hook;
    IDLE_HOOK_ON.store(hook.is_some(), Ordering::SeqCst);
}

/// Runs the idle hook, if one is installed.
#[inline]
pub(crate) fn idle(worker: usize) {
    if IDLE_HOOK_ON.load(Ordering::Relaxed) {
        let hook = *IDLE_HOOK.read().unwrap_or_else(|p| p.into_inner());
        if let Some(hook) = hook {
            hook(worker);
        }
    }
}
