//! Timelines: a run's cart events drawn as ASCII lanes and as one SVG picture.
//!
//! Both pictures are drawn from the run's events of the crate's one trace
//! (`RunResult::events`, [`Kind::CartSpan`](crate::trace::Kind::CartSpan),
//! read back as bars by `bars.rs`): the same events a `--trace` file shows
//! as "fetch cart N" and "price cart N". A timeline has one lane per trace
//! [`Lane`] that did something (a thread, worker process or event loop),
//! and on each lane two kinds of bars: waiting on the network (fetch) and
//! computing (pricing kernel). All strategies share one time axis
//! (the longest run sets its length), so bars of different strategies can be
//! compared by eye: `sequential` fills the width; `pipelined` stops early.
//!
//! ## ASCII
//!
//! [`ascii`] prints each lane as a row of [`ASCII_WIDTH`] cells. A cell shows
//!
//! * the cart's digit (or `#` when ids go past 9) when a cart was being priced
//!   for at least half of the cell;
//! * `+` when some pricing happened in the cell, but less than half of it (the
//!   GIL's slices look like this: many threads, each computing a fraction of
//!   the time);
//! * `~` when the lane was waiting on at least one response;
//! * a blank when the lane was idle.
//!
//! ## SVG
//!
//! [`svg`] writes the same picture as one standalone SVG document: a legend,
//! one `<g class="strategy">` per strategy (stacked, each with its own lanes),
//! and a time axis in seconds at the bottom. Fetch bars are drawn thin and
//! translucent, so concurrent waits on an event loop's lane darken where they
//! pile up; compute bars are drawn full height. Every bar has a `<title>`
//! (hover to see the cart and its times). No dependency: it is plain text.
//!
//! Read next: `src/cli/carts/summary.rs`, which puts the table and the pictures together.

use super::bars::{self, Bar};
use super::strategies::RunResult;
use crate::trace::{CartPhase, Lane};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Number of cells of an ASCII lane.
pub const ASCII_WIDTH: usize = 72;

/// At most this many lanes per strategy in the ASCII timeline (one thread per
/// cart makes 208 lanes with `--all`); the SVG and `--json` keep them all.
pub const ASCII_MAX_LANES: usize = 12;

/// The lanes of a run in display order: loops, then threads, then
/// processes (`bars::group`), each group in the order of the smallest cart
/// id a lane worked on (so thread lanes read cart 1, 2, 3, ... from the top).
pub fn lanes(run: &RunResult) -> Vec<(Lane, Vec<Bar>)> {
    let mut by_lane: BTreeMap<Lane, Vec<Bar>> = BTreeMap::new();
    for bar in run.bars() {
        by_lane.entry(bar.lane).or_default().push(bar);
    }
    let mut lanes: Vec<(Lane, Vec<Bar>)> = by_lane.into_iter().collect();
    lanes.sort_by_key(|(lane, bars)| {
        let first_cart = bars.iter().map(|b| b.cart).min().unwrap_or(0);
        (bars::group(*lane), first_cart, *lane)
    });
    lanes
}

/// The length of the shared time axis: the longest wall time, in nanoseconds.
pub fn axis_ns(runs: &[&RunResult]) -> u64 {
    runs.iter()
        .map(|r| {
            let last_end = r.bars().iter().map(|b| b.end_ns).max().unwrap_or(0);
            r.wall_ns.max(last_end)
        })
        .max()
        .unwrap_or(0)
        .max(1)
}

/// The ASCII timeline of one run on an axis of `axis_ns` nanoseconds.
pub fn ascii(run: &RunResult, axis_ns: u64) -> String {
    let digits = run.priced.iter().all(|p| p.id <= 9);
    let cell_ns = (axis_ns as f64 / ASCII_WIDTH as f64).max(1.0);
    let mut out = format!(
        "{} ({:.2}s): {}\n",
        run.strategy.name(),
        run.wall_ns as f64 / 1e9,
        run.strategy.lesson()
    );
    let lanes = lanes(run);
    let hidden = lanes.len().saturating_sub(ASCII_MAX_LANES);
    for (lane, lane_bars) in lanes.into_iter().take(ASCII_MAX_LANES) {
        let mut row = String::with_capacity(ASCII_WIDTH);
        for cell in 0..ASCII_WIDTH {
            let lo = cell as f64 * cell_ns;
            let hi = lo + cell_ns;
            row.push(cell_char(&lane_bars, lo, hi, digits));
        }
        let label = bars::label(lane);
        let _ = writeln!(out, "  {label:<14}|{}|", row.trim_end_matches(' '));
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "  ... and {hidden} more lanes (all of them are in --timeline and --json)"
        );
    }
    out
}

/// What one cell `[lo, hi)` of a lane shows.
fn cell_char(lane_bars: &[Bar], lo: f64, hi: f64, digits: bool) -> char {
    let overlap = |b: &Bar| (b.end_ns as f64).min(hi) - (b.start_ns as f64).max(lo);
    let mut best: Option<(f64, u64)> = None;
    let mut computing = 0.0;
    let mut waiting = false;
    for bar in lane_bars {
        let o = overlap(bar);
        if o <= 0.0 {
            continue;
        }
        match bar.phase {
            CartPhase::Price => {
                computing += o;
                if best.is_none_or(|(b, _)| o > b) {
                    best = Some((o, bar.cart));
                }
            }
            CartPhase::Fetch => waiting = true,
        }
    }
    match best {
        Some((_, cart)) if computing >= 0.5 * (hi - lo) => {
            if digits {
                char::from_digit((cart % 10) as u32, 10).unwrap_or('#')
            } else {
                '#'
            }
        }
        Some(_) => '+',
        None if waiting => '~',
        None => ' ',
    }
}

/// The legend printed under the ASCII timelines.
pub fn ascii_legend(axis_ns: u64) -> String {
    let secs = axis_ns as f64 / 1e9;
    let mut axis = String::new();
    let _ = write!(
        axis,
        "  {:<14}0s{:>w$}",
        "",
        format!("{secs:.2}s"),
        w = ASCII_WIDTH
    );
    format!(
        "{axis}\n  legend: digit/# = pricing that cart, + = pricing part of the time (GIL slices), \
         ~ = waiting on the network"
    )
}

/// Escapes text for XML.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Colours of the SVG.
const FETCH_COLOR: &str = "#4e79a7";
const COMPUTE_COLOR: &str = "#f28e2b";

/// Geometry of the SVG, in pixels.
const LEFT: f64 = 190.0;
const PLOT_W: f64 = 880.0;
const LANE_H: f64 = 16.0;
const TITLE_H: f64 = 22.0;
const GAP: f64 = 14.0;

/// One SVG document with every run stacked on one time axis.
pub fn svg(runs: &[&RunResult], title: &str) -> String {
    let axis = axis_ns(runs) as f64;
    let x = |ns: u64| LEFT + ns as f64 / axis * PLOT_W;
    let width = LEFT + PLOT_W + 30.0;
    let mut body = String::new();
    let mut y = 60.0;
    for run in runs {
        let name = run.strategy.name();
        let _ = writeln!(
            body,
            r#"<g class="strategy" id="strategy-{id}" data-strategy="{name}">"#,
            id = name.replace('+', "-"),
            name = xml_escape(name)
        );
        let _ = writeln!(
            body,
            r#"<text x="10" y="{:.1}" class="name">{} — {:.2} s</text>"#,
            y + 14.0,
            xml_escape(name),
            run.wall_ns as f64 / 1e9
        );
        y += TITLE_H;
        for (lane, lane_bars) in lanes(run) {
            let _ = writeln!(
                body,
                r#"<text x="24" y="{:.1}" class="lane">{}</text>"#,
                y + 12.0,
                xml_escape(&bars::label(lane))
            );
            let _ = writeln!(
                body,
                r##"<rect x="{LEFT}" y="{:.1}" width="{PLOT_W}" height="{:.1}" fill="#f4f4f4"/>"##,
                y,
                LANE_H - 2.0
            );
            for phase in [CartPhase::Fetch, CartPhase::Price] {
                for s in lane_bars.iter().filter(|b| b.phase == phase) {
                    let (color, bar_y, h, opacity, what) = match phase {
                        CartPhase::Fetch => (FETCH_COLOR, y + 4.0, 6.0, 0.45, "waiting"),
                        CartPhase::Price => (COMPUTE_COLOR, y, LANE_H - 2.0, 1.0, "pricing"),
                    };
                    let _ = writeln!(
                        body,
                        r#"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="{color}" fill-opacity="{opacity}"><title>cart {} {what} {:.3}-{:.3} s</title></rect>"#,
                        x(s.start_ns),
                        bar_y,
                        (x(s.end_ns) - x(s.start_ns)).max(0.5),
                        h,
                        s.cart,
                        s.start_ns as f64 / 1e9,
                        s.end_ns as f64 / 1e9
                    );
                }
            }
            y += LANE_H;
        }
        body.push_str("</g>\n");
        y += GAP;
    }
    let axis_y = y + 4.0;
    let _ = writeln!(body, r#"<g class="axis">"#);
    let _ = writeln!(
        body,
        r#"<line x1="{LEFT}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="black"/>"#,
        LEFT + PLOT_W
    );
    let step = tick_step(axis / 1e9);
    let mut t = 0.0;
    while t <= axis / 1e9 + 1e-9 {
        let tx = LEFT + t * 1e9 / axis * PLOT_W;
        let _ = writeln!(
            body,
            r#"<line x1="{tx:.1}" y1="{axis_y:.1}" x2="{tx:.1}" y2="{:.1}" stroke="black"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0,
            format_tick(t, step)
        );
        t += step;
    }
    body.push_str("</g>\n");
    let height = axis_y + 30.0;
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">
<style>.name {{ font-weight: bold; font-size: 13px; }} .lane {{ fill: #555; }}</style>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="15" font-weight="bold">{title}</text>
<g class="legend">
<rect x="{LEFT}" y="32" width="14" height="6" fill="{FETCH_COLOR}" fill-opacity="0.45"/><text x="{:.0}" y="40">waiting on the network (fetch)</text>
<rect x="{:.0}" y="28" width="14" height="14" fill="{COMPUTE_COLOR}"/><text x="{:.0}" y="40">computing (pricing kernel)</text>
</g>
{body}</svg>
"##,
        LEFT + 20.0,
        LEFT + 260.0,
        LEFT + 280.0,
        title = xml_escape(title),
    )
}

/// A round step between axis ticks: about 8 to 16 ticks.
fn tick_step(seconds: f64) -> f64 {
    let raw = (seconds / 10.0).max(1e-6);
    let pow = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * pow >= raw {
            return m * pow;
        }
    }
    10.0 * pow
}

/// A tick label with as many decimals as the step needs.
fn format_tick(t: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{t:.decimals$}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carts::pricing::Priced;
    use crate::carts::strategies::Strategy;
    use crate::trace::{CartId, Event, Kind, Timestamp};
    use std::time::Duration;

    /// One cart event on thread lane `lane`, from `start_ns` to `end_ns`.
    fn bar(phase: CartPhase, cart: u64, lane: u64, start_ns: u64, end_ns: u64) -> Event {
        Event {
            at: Timestamp(start_ns),
            lane: Lane::Thread(lane),
            kind: Kind::CartSpan {
                cart: CartId(cart),
                phase,
                dur: Duration::from_nanos(end_ns - start_ns),
            },
        }
    }

    fn priced(id: u64) -> Priced {
        Priced {
            id,
            total_cents: 0,
            discounted_cents: 0,
            checksum: 0,
            pid: 1,
            started_ns: 0,
            ended_ns: 0,
            cpu_ns: 0,
        }
    }

    #[test]
    fn ascii_lanes_show_waits_digits_and_slices() {
        let w = ASCII_WIDTH as u64 * 1000; // 1000 ns per cell
        let run = RunResult {
            strategy: Strategy::Threads,
            priced: vec![priced(1), priced(2)],
            total_cents: 0,
            origin: Timestamp(0),
            wall_ns: w,
            events: vec![
                // Lane 10: waits for the first half, computes cart 1 after.
                bar(CartPhase::Fetch, 1, 10, 0, w / 2),
                bar(CartPhase::Price, 1, 10, w / 2, w),
                // Lane 20: computes cart 2 a tenth of every cell.
                bar(CartPhase::Price, 2, 20, 0, 100),
                bar(CartPhase::Price, 2, 20, 1000, 1100),
            ],
            retries: Vec::new(),
        };
        let text = ascii(&run, w);
        let rows: Vec<&str> = text.lines().collect();
        assert!(rows[0].starts_with("threads"));
        let bar = |row: &str| row.split('|').nth(1).unwrap().to_string();
        let first = bar(rows[1]);
        assert_eq!(first.len(), ASCII_WIDTH);
        assert!(
            first[..ASCII_WIDTH / 2].chars().all(|c| c == '~'),
            "{first}"
        );
        assert!(
            first[ASCII_WIDTH / 2..].chars().all(|c| c == '1'),
            "{first}"
        );
        assert_eq!(bar(rows[2]), "++");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(3.0), 0.5);
        assert_eq!(tick_step(10.0), 1.0);
        assert_eq!(format_tick(1.5, 0.5), "1.5s");
        assert_eq!(format_tick(2.0, 1.0), "2s");
    }
}
