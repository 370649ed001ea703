//! A panic whose payload is not a string (`std::panic::panic_any(42)`)
//! reads the same in all three runtimes: the event loop's `JoinError`, the
//! thread pool's `TaskPanicked` and the process pool's
//! `TaskError::Panicked` all say `<non-string panic payload>`, and a string
//! payload is its own text everywhere. (The process pool used to say
//! "panic with a non-string payload", the others `<non-string panic
//! payload>`.)
//!
//! `harness = false`: the process pool is made first, while this process
//! has one thread.

mod common;

use homemade::event_loop::{spawn, EventLoop};
use homemade::process_pool::{ProcessPool, TaskError};
use homemade::thread_pool::ThreadPool;

/// The words every runtime uses for a payload that is not a string.
const NOT_A_STRING: &str = "<non-string panic payload>";

/// Panics with a string for 0, with a number otherwise.
fn cursed(x: u32) -> u32 {
    if x == 0 {
        panic!("a string payload");
    }
    std::panic::panic_any(x)
}

/// The message each runtime reports for `cursed(x)`: event loop, thread
/// pool, process pool.
fn messages(pool: &ProcessPool<u32, u32>, x: u32) -> [String; 3] {
    let event_loop = EventLoop::new().expect("event loop");
    let on_loop = event_loop.block_on(async move { spawn(async move { cursed(x) }).await });
    let on_loop = on_loop.expect_err("the task panicked");
    let threads = ThreadPool::new(1).expect("thread pool");
    let on_thread = threads.submit(move || cursed(x)).join();
    let on_thread = on_thread.expect_err("the job panicked");
    let on_process = match pool.submit(x).join() {
        Err(TaskError::Panicked { message }) => message,
        other => panic!("expected Panicked, got {other:?}"),
    };
    [
        on_loop.panic_message().unwrap_or("(none)").to_string(),
        on_thread.message().to_string(),
        on_process,
    ]
}

fn a_non_string_payload_reads_the_same_everywhere() {
    let pool = ProcessPool::new(1, cursed).expect("process pool");
    assert_eq!(messages(&pool, 42), [NOT_A_STRING; 3].map(String::from));
    assert_eq!(
        messages(&pool, 0),
        ["a string payload"; 3].map(String::from)
    );
}

fn main() {
    // Quiet the standard hook: the panics are expected.
    std::panic::set_hook(Box::new(|_| {}));
    common::run(common::cases![
        a_non_string_payload_reads_the_same_everywhere
    ])
}
