//! The descriptor rule: a worker inherits every descriptor the process had
//! open when it built the pool (as with CPython's `fork` start method), so a
//! `File` the task or the initializer captured works in the worker and its
//! writes land in the file, never in the pool's protocol stream. The pool
//! closes only its own plumbing in the child, and a pool still closes
//! promptly while a later pool's processes hold copies of its sockets.

mod common;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Arc;

use homemade::process_pool::{ProcessPool, Transport};

fn scratch_file(tag: &str) -> (std::path::PathBuf, File) {
    let path = std::env::temp_dir().join(format!("homemade-{tag}-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // Appends are atomic per write, so lines from several workers never mix.
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .unwrap();
    (path, file)
}

fn a_captured_file_is_the_workers_too() {
    let (path, file) = scratch_file("captured");
    let file = Arc::new(file);
    let before = common::open_fds();
    let for_init = file.clone();
    let for_task = file.clone();
    let pool = ProcessPool::builder(2)
        .initializer(move || {
            (&*for_init).write_all(b"init\n").unwrap();
        })
        .build(move |x: u64| {
            // One write per line: O_APPEND keeps each write whole.
            (&*for_task)
                .write_all(format!("task {x}\n").as_bytes())
                .unwrap();
            // What this worker holds: everything the parent had, plus its
            // own channel, and nothing else of the pool's.
            let held = common::open_fds();
            let kept_all = before.iter().all(|fd| held.contains(fd));
            (x * 2, kept_all, held.len() as i64 - before.len() as i64)
        })
        .unwrap();
    // Its own channel; over shared memory also the parent's wake-up
    // eventfd (the region's memfd is closed once mapped).
    let own = match pool.transport() {
        Transport::Socketpair => 1,
        Transport::SharedMemory => 2,
    };
    let got = pool.map(0..20u64).unwrap();
    drop(pool);
    for (x, (double, kept_all, extra)) in got.into_iter().enumerate() {
        assert_eq!(double, 2 * x as u64);
        assert!(
            kept_all,
            "item {x}: the worker lost an inherited descriptor"
        );
        assert_eq!(
            extra, own,
            "item {x}: the worker holds its channel (and eventfd) and nothing more"
        );
    }
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut tasks: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("task ")?.parse().ok())
        .collect();
    tasks.sort_unstable();
    assert_eq!(tasks, (0..20).collect::<Vec<_>>(), "log: {text:?}");
    assert_eq!(text.lines().filter(|l| *l == "init").count(), 2, "{text:?}");
}

fn an_earlier_pool_closes_while_a_later_one_holds_its_sockets() {
    let first = ProcessPool::new(1, |x: u64| x + 1).unwrap();
    // Forked while `first` is alive: its fork server and worker inherit
    // copies of `first`'s parent-side sockets.
    let second = ProcessPool::new(1, |x: u64| x + 2).unwrap();
    assert_eq!(first.submit(1).join().unwrap(), 2);
    let server = first.fork_server_pid().unwrap();
    let worker = first.worker_pids()[0];
    first.close(); // must not wait on the copies `second` holds
    assert!(!common::alive(server) && !common::alive(worker));
    assert_eq!(second.submit(1).join().unwrap(), 3);
}

fn main() {
    common::run_both(common::cases![
        a_captured_file_is_the_workers_too,
        an_earlier_pool_closes_while_a_later_one_holds_its_sockets
    ])
}
