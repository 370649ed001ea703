//! One recorder shared by an event loop, a thread pool, a process pool and
//! the HTTP client (against a loopback server) gives one Chrome trace file
//! that follows the format's rules (`trace_support::check`): it parses,
//! slices have `dur >= 0`, spans and flows pair up, every lane is named,
//! slices are in start order per lane. It holds each runtime's lanes and
//! the arrows between them. The checker itself rejects broken traces.
//!
//! `harness = false`: a process pool may only be built while the process
//! is single-threaded (`tests/common`).

mod common;
mod http_support;
mod trace_support;

use std::time::Duration;

use homemade::event_loop::{spawn, yield_now, EventLoop};
use homemade::http::Client;
use homemade::process_pool::ProcessPool;
use homemade::thread_pool::ThreadPool;
use homemade::trace::{chrome, Recorder};
use serde_json::{json, Value};

fn a_real_run_gives_a_valid_trace() {
    let rec = Recorder::enabled();
    // The process pool first, while this process has one thread.
    let procs = ProcessPool::builder(2)
        .recorder(rec.clone())
        .build(|x: u64| x * x)
        .unwrap();
    // A second pool numbers its jobs from 0 too: its hand-offs must not be
    // drawn to the first pool's workers.
    let cubes = ProcessPool::builder(1)
        .recorder(rec.clone())
        .build(|x: u64| x * x * x)
        .unwrap();
    let threads = ThreadPool::builder()
        .threads(2)
        .recorder(rec.clone())
        .build()
        .unwrap();
    let server = http_support::RawServer::answering(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
    );
    let url = format!("http://{}/cart/1", server.addr);
    let lp = EventLoop::builder().recorder(rec.clone()).build().unwrap();
    let (bodies, squares, sum) = lp.block_on(async {
        let client = Client::new();
        let fetch = spawn(async move {
            let mut bodies = Vec::new();
            for _ in 0..2 {
                let response = client.get(&url).await.unwrap();
                bodies.push(response.body.clone());
            }
            bodies
        });
        let yielder = spawn(async {
            yield_now().await;
        });
        let squares = procs.submit(7).await.unwrap() + procs.submit(8).await.unwrap();
        let squares = squares + cubes.submit(2).await.unwrap();
        let sum = threads.submit(|| (0..1000u64).sum::<u64>()).await.unwrap();
        yielder.await.unwrap();
        (fetch.await.unwrap(), squares, sum)
    });
    threads.map((0..64u64).collect(), |x| {
        std::thread::sleep(Duration::from_micros(50));
        x
    });
    assert_eq!(bodies, vec![b"hello".to_vec(), b"hello".to_vec()]);
    assert_eq!((squares, sum), (49 + 64 + 8, 499_500));
    drop(lp);
    drop(threads);
    procs.close();
    cubes.close();
    drop(server);

    let events = rec.take();
    let path = std::env::temp_dir().join(format!("homemade-trace-{}.json", std::process::id()));
    chrome::write(&path, &events).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let trace: Value = serde_json::from_str(&text).expect("the file parses as JSON");
    let summary = trace_support::check(&trace).unwrap_or_else(|e| panic!("invalid trace: {e}"));

    let thread_names: Vec<&String> = summary.threads.values().collect();
    let has_thread = |prefix: &str| thread_names.iter().any(|n| n.starts_with(prefix));
    assert!(has_thread("event loop"), "{thread_names:?}");
    assert!(has_thread("thread pool"), "{thread_names:?}");
    assert!(has_thread("worker "), "{thread_names:?}");
    let workers = summary
        .processes
        .values()
        .filter(|n| n.starts_with("worker process"))
        .count();
    assert!(workers >= 3, "{:?}", summary.processes);
    // Polls, thread-pool jobs and process-pool jobs are slices.
    assert!(summary.slices.contains_key("main"), "{:?}", summary.slices);
    assert!(summary.slices.contains_key("job"), "{:?}", summary.slices);
    assert!(summary.slices.contains_key("job 0"), "{:?}", summary.slices);
    // Wakes by another task and the three hand-offs are arrows.
    assert!(summary.count("s") >= 3, "{:?}", summary.phases);
    let flows: Vec<&str> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "s")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(flows.iter().filter(|n| **n == "hand-off").count(), 3);
    assert!(flows.contains(&"wake"), "{flows:?}");
    // Two requests, each with its phases: request + connect/head/body spans.
    assert!(summary.count("b") >= 2 * 3, "{:?}", summary.phases);
    assert_eq!(summary.count("b"), summary.count("e"));
    // Forks and opened connections are instants; the counters are there.
    assert!(summary.instant_cats.contains_key("process"));
    assert!(
        summary.instant_cats.contains_key("http"),
        "{:?}",
        summary.instant_cats
    );
    assert!(summary.counters.contains("in-flight requests"));
    assert!(
        summary.counters.iter().any(|c| c.starts_with("run queue")),
        "{:?}",
        summary.counters
    );
}

/// A minimal valid trace to break in the cases below.
fn valid() -> Value {
    json!({"traceEvents": [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "p"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "t"}},
        {"name": "a", "ph": "X", "ts": 1.0, "dur": 2.0, "pid": 1, "tid": 1},
        {"name": "r", "cat": "http", "ph": "b", "id": 7, "ts": 1.0, "pid": 1, "tid": 1},
        {"name": "w", "cat": "flow", "ph": "s", "id": 1, "ts": 1.5, "pid": 1, "tid": 1},
        {"name": "B", "ph": "B", "ts": 2.0, "pid": 1, "tid": 1},
        {"name": "B", "ph": "E", "ts": 2.5, "pid": 1, "tid": 1},
        {"name": "b", "ph": "X", "ts": 3.0, "dur": 0.0, "pid": 1, "tid": 1},
        {"name": "w", "cat": "flow", "ph": "f", "bp": "e", "id": 1, "ts": 3.0, "pid": 1, "tid": 1},
        {"name": "r", "cat": "http", "ph": "e", "id": 7, "ts": 4.0, "pid": 1, "tid": 1},
        {"name": "n", "ph": "C", "ts": 4.0, "pid": 1, "tid": 1, "args": {"value": 1}}
    ]})
}

/// `valid()` with event `index` (counting the two `M`s) replaced or removed.
fn broken(index: usize, with: Option<Value>) -> Value {
    let mut t = valid();
    let events = t["traceEvents"].as_array_mut().unwrap();
    match with {
        Some(v) => events[index] = v,
        None => {
            events.remove(index);
        }
    }
    t
}

fn rejected(trace: &Value, words: &str) {
    match trace_support::check(trace) {
        Ok(_) => panic!("the checker accepted a broken trace ({words}): {trace}"),
        Err(e) => assert!(e.contains(words), "wrong complaint {e:?}, wanted {words:?}"),
    }
}

fn the_checker_accepts_a_valid_trace() {
    let s = trace_support::check(&valid()).unwrap();
    assert_eq!(s.count("X"), 2);
}

fn the_checker_rejects_what_is_not_a_trace() {
    rejected(&json!([1, 2]), "traceEvents");
    rejected(&json!({"traceEvents": [3]}), "not an object");
    rejected(
        &broken(
            2,
            Some(json!({"name": "a", "ph": "X", "dur": 1.0, "pid": 1, "tid": 1})),
        ),
        "`ts`",
    );
}

fn the_checker_rejects_a_negative_dur() {
    let x = json!({"name": "a", "ph": "X", "ts": 1.0, "dur": -1.0, "pid": 1, "tid": 1});
    rejected(&broken(2, Some(x)), "dur");
}

fn the_checker_rejects_unnested_b_and_e() {
    rejected(&broken(5, None), "no open `B`");
    rejected(&broken(6, None), "left open");
}

fn the_checker_rejects_unpaired_async_spans() {
    rejected(&broken(3, None), "no open `b`");
    rejected(&broken(9, None), "`b` left open");
    let other_name =
        json!({"name": "x", "cat": "http", "ph": "e", "id": 7, "ts": 4.0, "pid": 1, "tid": 1});
    rejected(&broken(9, Some(other_name)), "closes");
}

fn the_checker_rejects_unpaired_flows() {
    rejected(&broken(4, None), "no `s`");
    rejected(&broken(8, None), "no `f`");
}

fn the_checker_rejects_an_unnamed_lane() {
    rejected(&broken(1, None), "no thread_name");
    rejected(&broken(0, None), "no process_name");
}

fn the_checker_rejects_slices_out_of_start_order() {
    let late = json!({"name": "b", "ph": "X", "ts": 0.5, "dur": 0.0, "pid": 1, "tid": 1});
    rejected(&broken(7, Some(late)), "after one at");
}

fn main() {
    common::run(&[
        (
            "a_real_run_gives_a_valid_trace",
            a_real_run_gives_a_valid_trace,
        ),
        (
            "the_checker_accepts_a_valid_trace",
            the_checker_accepts_a_valid_trace,
        ),
        (
            "the_checker_rejects_what_is_not_a_trace",
            the_checker_rejects_what_is_not_a_trace,
        ),
        (
            "the_checker_rejects_a_negative_dur",
            the_checker_rejects_a_negative_dur,
        ),
        (
            "the_checker_rejects_unnested_b_and_e",
            the_checker_rejects_unnested_b_and_e,
        ),
        (
            "the_checker_rejects_unpaired_async_spans",
            the_checker_rejects_unpaired_async_spans,
        ),
        (
            "the_checker_rejects_unpaired_flows",
            the_checker_rejects_unpaired_flows,
        ),
        (
            "the_checker_rejects_an_unnamed_lane",
            the_checker_rejects_an_unnamed_lane,
        ),
        (
            "the_checker_rejects_slices_out_of_start_order",
            the_checker_rejects_slices_out_of_start_order,
        ),
    ])
}
