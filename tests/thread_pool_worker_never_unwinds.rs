//! A worker never unwinds (DESIGN.md 2.4, `src/thread_pool/unwind.rs`).
//!
//! Each scenario runs in a child process (this test binary, re-run with
//! `--ignored --exact NAME`), so a hang or an abort on a broken pool stays
//! in the child and the parent reports it, within a time bound:
//!
//! * the report of a `spawn`ed job's panic cannot be written (stderr is a
//!   pipe whose reader is gone): the worker survives, `Drop` finishes;
//! * panic payloads whose `Drop` panics, in the places where the pool
//!   itself drops a payload (`spawn`, a scope's second panic, both halves
//!   of a `join`, a panicking panic handler): contained, the pool keeps
//!   working and `Drop` finishes;
//! * a panic raised inside the pool's own code (through the idle hook)
//!   aborts the process with a message, rather than killing the worker.
use homemade::thread_pool::{hooks, join, ThreadPool};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CHILD_LIMIT: Duration = Duration::from_secs(30);

/// Runs the ignored test `name` of this binary in a child process; returns
/// its exit status (None if it had to be killed) and its stderr.
fn run_child(name: &str, close_stderr: bool) -> (Option<ExitStatus>, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = if close_stderr {
        // Closing the read end makes every write to the child's stderr
        // fail with EPIPE (Rust programs ignore SIGPIPE).
        drop(pipe);
        None
    } else {
        Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        }))
    };
    let until = Instant::now() + CHILD_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > until {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = reader.map(|r| r.join().unwrap()).unwrap_or_default();
    (status, text)
}

fn assert_child_succeeds(name: &str, close_stderr: bool) {
    let (status, text) = run_child(name, close_stderr);
    match status {
        None => panic!("{name}: the child hung (killed after {CHILD_LIMIT:?}); stderr:\n{text}"),
        Some(s) => assert!(
            s.success(),
            "{name}: child failed with {s}; stderr:\n{text}"
        ),
    }
}

/// A panic payload whose `Drop` panics, unless defused first.
struct Bomb {
    armed: bool,
}

static BOMBS_DROPPED: AtomicUsize = AtomicUsize::new(0);

impl Drop for Bomb {
    fn drop(&mut self) {
        BOMBS_DROPPED.fetch_add(1, Ordering::SeqCst);
        if self.armed && !std::thread::panicking() {
            panic!("a panic payload whose Drop panics");
        }
    }
}

fn throw_bomb() -> ! {
    std::panic::panic_any(Bomb { armed: true })
}

/// Defuses a caught payload if it is a bomb (so the test can drop it).
fn defuse(mut payload: Box<dyn std::any::Any + Send>) {
    if let Some(bomb) = payload.downcast_mut::<Bomb>() {
        bomb.armed = false;
    }
}

/// The pool still runs work on every worker and stops cleanly.
fn pool_still_works(pool: ThreadPool) {
    let squares = pool.map((0..1000u64).collect(), |x| x * x);
    assert_eq!(
        squares.iter().sum::<u64>(),
        (0..1000u64).map(|x| x * x).sum::<u64>()
    );
    drop(pool); // hangs if a worker died or a spawned job was lost
}

#[test]
fn a_spawned_panic_with_stderr_closed_leaves_the_worker_alive() {
    assert_child_succeeds("child_spawned_panic_with_stderr_closed", true);
}

#[test]
#[ignore = "child process of a_spawned_panic_with_stderr_closed_leaves_the_worker_alive"]
fn child_spawned_panic_with_stderr_closed() {
    let pool = ThreadPool::new(2).unwrap();
    for _ in 0..4 {
        pool.spawn(|| panic!("a spawned job panics"));
    }
    let reported = || pool.stats().iter().map(|s| s.panics).sum::<u64>();
    let until = Instant::now() + Duration::from_secs(10);
    while reported() < 4 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(reported(), 4);
    pool_still_works(pool);
}

#[test]
fn payloads_whose_drop_panics_are_contained() {
    assert_child_succeeds("child_spawned_bomb", false);
    assert_child_succeeds("child_scope_second_bomb", false);
    assert_child_succeeds("child_join_two_bombs", false);
    assert_child_succeeds("child_panic_handler_throws_a_bomb", false);
}

#[test]
#[ignore = "child process of payloads_whose_drop_panics_are_contained"]
fn child_spawned_bomb() {
    let pool = ThreadPool::new(2).unwrap();
    pool.spawn(|| throw_bomb());
    let until = Instant::now() + Duration::from_secs(10);
    while BOMBS_DROPPED.load(Ordering::SeqCst) < 1 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    pool_still_works(pool);
    assert_eq!(BOMBS_DROPPED.load(Ordering::SeqCst), 1);
}

#[test]
#[ignore = "child process of payloads_whose_drop_panics_are_contained"]
fn child_scope_second_bomb() {
    let pool = ThreadPool::new(2).unwrap();
    for _ in 0..20 {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|_| throw_bomb());
                s.spawn(|_| throw_bomb());
            })
        }));
        defuse(caught.unwrap_err());
    }
    pool_still_works(pool);
    assert_eq!(BOMBS_DROPPED.load(Ordering::SeqCst), 40);
}

#[test]
#[ignore = "child process of payloads_whose_drop_panics_are_contained"]
fn child_join_two_bombs() {
    let pool = ThreadPool::new(2).unwrap();
    for _ in 0..20 {
        let b_started = std::sync::atomic::AtomicBool::new(false);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                join(
                    || {
                        // Wait (bounded) until a thief runs `b`, so both
                        // halves panic: `a`'s payload is re-raised, `b`'s
                        // is the one the pool drops.
                        let until = Instant::now() + Duration::from_secs(10);
                        while !b_started.load(Ordering::SeqCst) && Instant::now() < until {
                            std::thread::yield_now();
                        }
                        throw_bomb()
                    },
                    || {
                        b_started.store(true, Ordering::SeqCst);
                        throw_bomb()
                    },
                )
            })
        }));
        defuse(caught.unwrap_err());
    }
    pool_still_works(pool);
    assert_eq!(BOMBS_DROPPED.load(Ordering::SeqCst), 40);
}

#[test]
#[ignore = "child process of payloads_whose_drop_panics_are_contained"]
fn child_panic_handler_throws_a_bomb() {
    let pool = ThreadPool::builder()
        .threads(2)
        .panic_handler(|payload| {
            drop(payload);
            throw_bomb()
        })
        .build()
        .unwrap();
    pool.spawn(|| panic!("a spawned job panics"));
    let until = Instant::now() + Duration::from_secs(10);
    while BOMBS_DROPPED.load(Ordering::SeqCst) < 1 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    pool_still_works(pool);
    assert_eq!(BOMBS_DROPPED.load(Ordering::SeqCst), 1);
}

#[test]
fn a_panic_inside_the_pool_aborts_the_process() {
    let (status, text) = run_child("child_idle_hook_panics", false);
    let status = status.expect("the child hung instead of aborting");
    assert_eq!(
        status.signal(),
        Some(libc::SIGABRT),
        "expected an abort, got {status}; stderr:\n{text}"
    );
    assert!(
        text.contains("aborting the process"),
        "no abort message; stderr:\n{text}"
    );
}

#[test]
#[ignore = "child process of a_panic_inside_the_pool_aborts_the_process"]
fn child_idle_hook_panics() {
    hooks::set_idle_hook(Some(|_| panic!("a bug inside the pool")));
    let pool = ThreadPool::new(1).unwrap();
    // The worker goes idle at once and panics in the hook; with the rule
    // in place the process is gone before this sleep ends.
    std::thread::sleep(Duration::from_secs(5));
    hooks::set_idle_hook(None);
    drop(pool);
}
