//! The live progress line of `homemade carts`: while a row runs, one line
//! on stderr says how many carts were fetched and priced, how long the row
//! has run, and about how much is left. `homemade carts --all --unit-ms 2`
//! runs for minutes, and without it nothing moves on screen until a row
//! ends.
//!
//! ## Only on a terminal
//!
//! The line is redrawn in place (`\r` and ANSI escapes), which is noise in a
//! log or a pipe. So it is drawn only when stderr is a terminal and
//! `--json` was not given (under `--json` the human report itself goes to
//! stderr, and whoever reads it is a script); otherwise nothing of it is
//! written at all. The line is cleared before the row's result is printed.
//!
//! ## How it is fed
//!
//! The strategy runs on the calling thread, as without the line; it counts
//! carts in a [`Progress`] (atomic counters, `strategies/drive.rs`). A
//! second, scoped thread reads the counters every [`REDRAW_EVERY`] and
//! redraws the line through `indicatif`. The process pool was forked long
//! before (it must be, while the process has one thread), so this thread
//! changes nothing for it.
//!
//! ## The estimate
//!
//! Cart `i` waits and computes `i` units, and carts finish smallest first
//! (in every row: one after another in id order, or all at once, where the
//! short ones end first). So after `k` carts, the work done is that of the
//! `k` smallest ids, not `k / n` of the whole. [`Estimate`] weighs each
//! cart by its id that way, averages the fetched and priced fractions, and
//! extrapolates the elapsed time: `left = elapsed × (1 − done) / done`.
//!
//! Read next: `mod.rs` (`run_rows`, which calls [`watch`]).

use homemade::carts::strategies::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often the line is redrawn.
pub const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Whether to draw the line: stderr is a terminal and `--json` is off.
pub fn wanted(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

/// Runs `row` (a strategy, counting into the [`Progress`] it is given) on
/// the calling thread; with `draw`, a live line named `name` shows its
/// progress meanwhile and is cleared when it returns.
pub fn watch<T>(
    draw: bool,
    name: &str,
    estimate: &Estimate,
    row: impl FnOnce(&Progress) -> T,
) -> T {
    let progress = Progress::new();
    if !draw {
        return row(&progress);
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
        bar.set_style(style);
    }
    let started = Instant::now();
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let (counts, bar_ref) = (&progress, &bar);
        let redraw = s.spawn(move || loop {
            let text = line(name, counts, estimate, started.elapsed());
            bar_ref.set_message(text);
            bar_ref.tick();
            match stopped.recv_timeout(REDRAW_EVERY) {
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                _ => break,
            }
        });
        let result = row(&progress);
        drop(stop);
        let _ = redraw.join();
        bar.finish_and_clear();
        result
    })
}

/// The text of the line, e.g. `sequential: 12/208 fetched, 11/208 priced,
/// 3.2 s, about 41 s left`.
pub fn line(name: &str, progress: &Progress, estimate: &Estimate, elapsed: Duration) -> String {
    let (fetched, priced) = (progress.fetched(), progress.priced());
    let n = estimate.carts();
    let left = match estimate.left(fetched, priced, elapsed) {
        Some(left) => format!("about {} left", seconds(left)),
        None => "estimating".to_string(),
    };
    format!(
        "{name}: {fetched}/{n} fetched, {priced}/{n} priced, {}, {left}",
        seconds(elapsed)
    )
}

/// A duration as seconds with one decimal below a minute, whole seconds above.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.0} s")
    }
}

/// The share of a row's work done after `k` carts, with cart `i` weighing
/// `i` (see "The estimate").
#[derive(Debug, Clone)]
pub struct Estimate {
    /// `done[k]`: the weight of the `k` smallest ids (`done[0] = 0`).
    done: Vec<u64>,
}

impl Estimate {
    /// For a row over `ids` (any order).
    pub fn new(ids: &[u64]) -> Estimate {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        let mut done = Vec::with_capacity(sorted.len() + 1);
        done.push(0u64);
        for id in sorted {
            let last = done.last().copied().unwrap_or(0);
            done.push(last.saturating_add(id));
        }
        Estimate { done }
    }

    /// How many carts the row has.
    pub fn carts(&self) -> usize {
        self.done.len() - 1
    }

    /// The share (0..=1) of the work done once `fetched` carts are in and
    /// `priced` of them priced: the mean of the two weighted shares.
    pub fn fraction(&self, fetched: usize, priced: usize) -> f64 {
        let total = self.done[self.carts()];
        if total == 0 {
            return if self.carts() == 0 { 1.0 } else { 0.0 };
        }
        let share = |k: usize| self.done[k.min(self.carts())] as f64 / total as f64;
        (share(fetched) + share(priced)) / 2.0
    }

    /// About how long is left, from what `elapsed` achieved; `None` before
    /// anything is done (nothing to extrapolate from).
    pub fn left(&self, fetched: usize, priced: usize, elapsed: Duration) -> Option<Duration> {
        let done = self.fraction(fetched, priced);
        if done <= 0.0 {
            return None;
        }
        Some(elapsed.mul_f64((1.0 - done) / done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_carts_weigh_little() {
        // Carts 1..4 weigh 1+2+3+4 = 10: cart 1 is a tenth of the work.
        let e = Estimate::new(&[4, 2, 1, 3]);
        assert_eq!(e.carts(), 4);
        assert_eq!(e.fraction(0, 0), 0.0);
        assert_eq!(e.fraction(1, 1), 0.1);
        assert_eq!(e.fraction(2, 1), (0.3 + 0.1) / 2.0);
        assert_eq!(e.fraction(4, 4), 1.0);
        assert_eq!(e.fraction(9, 9), 1.0, "counts past the end are clamped");
    }

    #[test]
    fn the_rest_is_extrapolated_from_the_elapsed_time() {
        let e = Estimate::new(&[1, 2, 3, 4]);
        assert_eq!(e.left(0, 0, Duration::from_secs(5)), None);
        // A tenth done in 1 s: nine tenths left, 9 s.
        assert_eq!(
            e.left(1, 1, Duration::from_secs(1)),
            Some(Duration::from_secs(9))
        );
        assert_eq!(e.left(4, 4, Duration::from_secs(7)), Some(Duration::ZERO));
    }

    #[test]
    fn the_line_names_the_row_and_its_counts() {
        let e = Estimate::new(&[1, 2, 3, 4]);
        let p = Progress::new();
        assert_eq!(
            line("threads", &p, &e, Duration::from_millis(1500)),
            "threads: 0/4 fetched, 0/4 priced, 1.5 s, estimating"
        );
        assert_eq!(seconds(Duration::from_secs(75)), "75 s");
    }

    #[test]
    fn an_empty_row_is_done() {
        let e = Estimate::new(&[]);
        assert_eq!(e.fraction(0, 0), 1.0);
        assert_eq!(e.left(0, 0, Duration::from_secs(1)), Some(Duration::ZERO));
    }
}
