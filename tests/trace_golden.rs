//! A tiny deterministic run (one event loop, FIFO, a paused clock, two
//! tasks: one sleeps, one yields, and `main` is woken by them) exports the
//! same Chrome trace every time: compared, with its times zeroed, with the
//! checked-in `tests/golden/trace_event_loop.json`.
//!
//! After a deliberate change to the export, regenerate the file with
//! `HOMEMADE_BLESS=1 cargo test --test trace_golden` and review the diff.

mod trace_support;

use std::time::Duration;

use homemade::event_loop::{sleep, spawn, yield_now, EventLoop, Policy};
use homemade::trace::{chrome, Recorder};
use serde_json::Value;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/trace_event_loop.json"
);

/// Zeroes what differs between runs: the times.
fn normalise(v: &mut Value) {
    if let Some(events) = v["traceEvents"].as_array_mut() {
        for e in events {
            for key in ["ts", "dur"] {
                if e.get(key).is_some() {
                    e[key] = Value::from(0);
                }
            }
        }
    }
}

fn tiny_run() -> Value {
    let rec = Recorder::enabled();
    let lp = EventLoop::builder()
        .policy(Policy::Fifo)
        .paused_clock(true)
        .recorder(rec.clone())
        .build()
        .unwrap();
    let total = lp.block_on(async {
        let sleeper = spawn(async {
            sleep(Duration::from_millis(10)).await;
            1
        });
        let yielder = spawn(async {
            yield_now().await;
            2
        });
        yielder.await.unwrap() + sleeper.await.unwrap()
    });
    assert_eq!(total, 3);
    drop(lp);
    chrome::to_json(&rec.take())
}

#[test]
fn the_tiny_run_matches_the_golden_file() {
    let mut trace = tiny_run();
    trace_support::check(&trace).unwrap_or_else(|e| panic!("invalid trace: {e}"));
    normalise(&mut trace);
    let text = serde_json::to_string_pretty(&trace).unwrap() + "\n";
    if std::env::var_os("HOMEMADE_BLESS").is_some() {
        std::fs::write(GOLDEN, &text).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("tests/golden/trace_event_loop.json");
    assert!(
        text == golden,
        "the trace differs from {GOLDEN}:\n{text}\n(HOMEMADE_BLESS=1 regenerates it)"
    );
}
