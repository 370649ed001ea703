//! `homemade carts --trace FILE.json` puts the carts' own bars in the file,
//! beside the runtimes' events: for a loop strategy (`event-loop`: fetches
//! and pricing on the loop's lane) and a process-pool one (`pipelined`:
//! pricing on the worker processes' tracks, inside the jobs the loop handed
//! over), each cart has a "fetch cart N" async span and a "price cart N"
//! slice with `args.cart`, the file passes the checker, and the hand-off
//! arrows still pair.

mod cli_support;
mod trace_support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Stdio;

/// Runs `carts` with `--trace` for one strategy; returns the parsed file
/// and the command's stdout.
fn traced_run(strategy: &str) -> (Value, String) {
    let path = std::env::temp_dir().join(format!(
        "carts-bars-{strategy}-{}.trace.json",
        std::process::id()
    ));
    // Bounded: a run still going after `cli_support::BOUND` is killed.
    let args = [
        "carts",
        "--carts",
        "1-3",
        "--unit-ms",
        "2",
        "--only",
        strategy,
    ];
    let mut cmd = cli_support::homemade(&args);
    cmd.arg("--trace").arg(&path);
    let out = cli_support::run(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{strategy}: {stderr}");
    let text = std::fs::read_to_string(&path).expect("the trace file");
    std::fs::remove_file(&path).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        serde_json::from_str(&text).expect("the file parses"),
        stdout,
    )
}

/// The records named `name`, with phase `ph`.
fn named<'a>(trace: &'a Value, ph: &str, name: &str) -> Vec<&'a Value> {
    trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == ph && e["name"] == name)
        .collect()
}

/// Each thread's name, by `(pid, tid)`.
fn thread_names(trace: &Value) -> BTreeMap<(i64, i64), String> {
    let summary = trace_support::check(trace).unwrap_or_else(|e| panic!("invalid trace: {e}"));
    summary.threads
}

/// Checks the bars every strategy records, and returns each cart's price
/// slices.
fn every_cart_has_its_bars(trace: &Value, stdout: &str) -> Vec<Vec<Value>> {
    assert!(
        stdout.contains("Timelines ("),
        "the ASCII timelines too: {stdout}"
    );
    (1..=3)
        .map(|cart| {
            let fetch = named(trace, "b", &format!("fetch cart {cart}"));
            assert_eq!(fetch.len(), 1, "cart {cart}: one fetch span");
            assert_eq!(fetch[0]["cat"], "cart");
            assert_eq!(named(trace, "e", &format!("fetch cart {cart}")).len(), 1);
            let price = named(trace, "X", &format!("price cart {cart}"));
            assert_eq!(price.len(), 1, "cart {cart}: one price slice");
            assert_eq!(price[0]["args"]["cart"], cart);
            price.into_iter().cloned().collect()
        })
        .collect()
}

#[test]
fn a_loop_strategy_prices_on_the_loops_lane() {
    let (trace, stdout) = traced_run("event-loop");
    let threads = thread_names(&trace);
    for slices in every_cart_has_its_bars(&trace, &stdout) {
        let track = (
            slices[0]["pid"].as_i64().unwrap(),
            slices[0]["tid"].as_i64().unwrap(),
        );
        let name = &threads[&track];
        assert!(name.starts_with("event loop"), "priced on {name}");
    }
    let fetch = named(&trace, "b", "fetch cart 1")[0];
    let track = (
        fetch["pid"].as_i64().unwrap(),
        fetch["tid"].as_i64().unwrap(),
    );
    assert!(threads[&track].starts_with("event loop"));
}

#[test]
fn a_process_pool_strategy_prices_inside_the_handed_over_jobs() {
    let (trace, stdout) = traced_run("pipelined");
    let threads = thread_names(&trace);
    let jobs: Vec<&Value> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "job")
        .collect();
    for slices in every_cart_has_its_bars(&trace, &stdout) {
        let price = &slices[0];
        let track = (
            price["pid"].as_i64().unwrap(),
            price["tid"].as_i64().unwrap(),
        );
        assert!(
            threads[&track].starts_with("worker "),
            "priced on {track:?}"
        );
        let (ts, dur) = (
            price["ts"].as_f64().unwrap(),
            price["dur"].as_f64().unwrap(),
        );
        let inside = jobs.iter().any(|j| {
            let (jts, jdur) = (j["ts"].as_f64().unwrap(), j["dur"].as_f64().unwrap());
            j["pid"] == price["pid"] && jts <= ts && ts + dur <= jts + jdur
        });
        assert!(inside, "{price} lies in no job slice of its worker");
    }
    let hand_offs = named(&trace, "s", "hand-off").len();
    assert_eq!(hand_offs, 3, "one arrow per cart submitted");
    assert_eq!(named(&trace, "f", "hand-off").len(), 3);
}
