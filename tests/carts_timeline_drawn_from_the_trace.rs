//! The carts timelines (ASCII and SVG), the report's figures and the Chrome
//! export are all drawn from the same trace events: a small trace built by
//! hand (two lanes, one fetch overlapping two price slices, a GIL-like
//! slice shorter than half a cell) gives the expected ASCII cells one by
//! one, the expected SVG bars (count and `<title>`s), the expected `fetch`
//! and `compute` figures, and a valid Chrome file with the cart slices.

mod trace_support;

use homemade::carts::pricing::Priced;
use homemade::carts::report::Row;
use homemade::carts::strategies::{RunResult, Strategy};
use homemade::carts::timeline::{self, ASCII_WIDTH};
use homemade::trace::WorkerPid;
use homemade::trace::{chrome, CartId, CartPhase, Kind, Lane, LoopId, Recorder, Timestamp};
use std::time::Duration;

/// One millisecond in nanoseconds: one ASCII cell of the run below.
const MS: u64 = 1_000_000;

const LOOP: Lane = Lane::Loop(LoopId(7));
const WORKER: Lane = Lane::Worker(WorkerPid(4242));

fn priced(id: u64) -> Priced {
    Priced {
        id,
        total_cents: 100 * id as i64,
        discounted_cents: 0,
        checksum: 0,
        pid: 4242,
        started_ns: 0,
        ended_ns: 0,
        cpu_ns: 0,
    }
}

/// The run: its events go through a real `Recorder`, as a strategy's do.
///
/// ```text
/// ms      0    10   20   30 35    50                  72
/// loop 7  fetch 1--->
///              fetch 2-------------->
///                   price 1   (0.3 ms)
/// pid 4242                          price 2------------>
/// ```
fn hand_built_run() -> RunResult {
    let rec = Recorder::enabled();
    let bar = |lane, cart, phase, from_ms: f64, to_ms: f64| {
        let (from, to) = ((from_ms * MS as f64) as u64, (to_ms * MS as f64) as u64);
        let dur = Duration::from_nanos(to - from);
        let cart = CartId(cart);
        rec.record_at(Timestamp(from), lane, Kind::CartSpan { cart, phase, dur });
    };
    bar(LOOP, 1, CartPhase::Fetch, 0.0, 20.0);
    bar(LOOP, 2, CartPhase::Fetch, 10.0, 50.0);
    bar(LOOP, 1, CartPhase::Price, 20.0, 30.0);
    bar(LOOP, 1, CartPhase::Price, 35.0, 35.3);
    bar(WORKER, 2, CartPhase::Price, 50.0, 72.0);
    // Another runtime's event in the same trace: not a bar.
    rec.record_at(Timestamp(MS), LOOP, Kind::TimersFired { count: 1 });
    RunResult {
        strategy: Strategy::Pipelined,
        priced: vec![priced(1), priced(2)],
        total_cents: 300,
        origin: Timestamp(0),
        wall_ns: 72 * MS,
        events: rec.take(),
        retries: Vec::new(),
    }
}

#[test]
fn the_ascii_timeline_cell_by_cell() {
    let run = hand_built_run();
    assert_eq!(timeline::axis_ns(&[&run]), 72 * MS);
    assert_eq!(ASCII_WIDTH, 72, "one cell per millisecond below");
    let text = timeline::ascii(&run, 72 * MS);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("pipelined (0.07s): "), "{text}");
    let loop_row = format!(
        "{}{}{}{}{}",
        "~".repeat(20), // 0-20 ms: waiting on cart 1, then on 1 and 2
        "1".repeat(10), // 20-30: pricing cart 1, over the wait on cart 2
        "~".repeat(5),  // 30-35: waiting on cart 2
        "+",            // 35: priced 0.3 ms of the cell: a slice
        "~".repeat(14)  // 36-50: waiting on cart 2; then idle (trimmed)
    );
    assert_eq!(lines[1], format!("  {:<14}|{loop_row}|", "loop 7"));
    let worker_row = format!("{}{}", " ".repeat(50), "2".repeat(22));
    assert_eq!(lines[2], format!("  {:<14}|{worker_row}|", "pid 4242"));
}

#[test]
fn the_svg_has_one_bar_per_event() {
    let run = hand_built_run();
    let svg = timeline::svg(&[&run], "hand-built");
    let mut titles: Vec<&str> = svg
        .split("<title>")
        .skip(1)
        .map(|t| &t[..t.find("</title>").expect("closed title")])
        .collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "cart 1 pricing 0.020-0.030 s",
            "cart 1 pricing 0.035-0.035 s",
            "cart 1 waiting 0.000-0.020 s",
            "cart 2 pricing 0.050-0.072 s",
            "cart 2 waiting 0.010-0.050 s",
        ]
    );
    let lanes: Vec<&str> = svg
        .split(r#"class="lane">"#)
        .skip(1)
        .map(|t| &t[..t.find('<').unwrap()])
        .collect();
    assert_eq!(lanes, ["loop 7", "pid 4242"]);
    assert_eq!(svg.matches(r#"<g class="strategy""#).count(), 1);
}

#[test]
fn the_report_figures_come_from_the_same_events() {
    let run = hand_built_run();
    let row = Row::new(&run, Some(300), None, None);
    // fetch: the union of [0, 20) and [10, 50) ms.
    assert!((row.fetch_s - 0.050).abs() < 1e-9, "{}", row.fetch_s);
    // compute: 10 + 0.3 + 22 ms of price bars.
    assert!((row.compute_s - 0.0323).abs() < 1e-9, "{}", row.compute_s);
    assert!((row.total_s - 0.072).abs() < 1e-9);
    assert!(row.correct);
}

#[test]
fn the_chrome_export_shows_the_same_bars() {
    let run = hand_built_run();
    let trace = chrome::to_json(&run.events);
    let summary = trace_support::check(&trace).unwrap_or_else(|e| panic!("invalid trace: {e}"));
    assert_eq!(summary.slices.get("price cart 1"), Some(&2));
    assert_eq!(summary.slices.get("price cart 2"), Some(&1));
    let records = trace["traceEvents"].as_array().unwrap();
    let fetch_begins: Vec<&str> = records
        .iter()
        .filter(|e| e["ph"] == "b" && e["cat"] == "cart")
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(fetch_begins, ["fetch cart 1", "fetch cart 2"]);
    let on_the_worker = records
        .iter()
        .find(|e| e["name"] == "price cart 2")
        .expect("cart 2's slice");
    assert_eq!(on_the_worker["pid"], 4242, "on the worker process's track");
    assert_eq!(on_the_worker["args"]["cart"], 2);
    assert_eq!(on_the_worker["dur"], 22_000.0, "22 ms, in microseconds");
}
