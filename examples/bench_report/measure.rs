//! Where the numbers come from: criterion's own estimates, and the two
//! figures no criterion group holds (Python's `multiprocessing.Pool`, and
//! the cart workload's critical-path bound), read from the benches' logs.
//!
//! Criterion writes, for every benchmark it ran,
//! `CRITERION_HOME/<directory>/new/benchmark.json` (its ids: `full_id` is
//! `group/function`) and `new/estimates.json` (point estimates with their
//! confidence intervals, in nanoseconds per iteration). We key every
//! measurement by criterion's `full_id`, never by the directory name, which
//! criterion rewrites (`fib32/2threads` becomes `fib32_2threads`).
//!
//! A file that is missing or unreadable becomes a warning, not a crash: the
//! report then says which cases it could not fill.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One measured implementation: median time per iteration, nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub median_ns: f64,
    /// The 95% confidence interval of the median (criterion's bootstrap);
    /// equal to the median for figures read from logs.
    pub lower_ns: f64,
    pub upper_ns: f64,
    /// Elements or bytes per iteration, when the bench declared them.
    pub throughput: Option<Throughput>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throughput {
    Elements(u64),
    Bytes(u64),
}

/// Every measurement found, by id, and what could not be read.
#[derive(Debug, Default)]
pub struct Measurements {
    pub by_id: BTreeMap<String, Measurement>,
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct BenchmarkJson {
    full_id: String,
    throughput: Option<BTreeMap<String, u64>>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: Estimate,
}

/// Criterion nests `group/function/new` at most this deep (a group or a
/// function id may itself hold slashes, which criterion flattens).
const MAX_DEPTH: usize = 8;

impl Measurements {
    /// Reads every `new/benchmark.json` + `new/estimates.json` under `dir`.
    pub fn read_criterion(&mut self, dir: &Path) -> Result<(), String> {
        if !dir.is_dir() {
            return Err(format!(
                "{} is not a directory of criterion results (run the benches first)",
                dir.display()
            ));
        }
        self.walk(dir, 0);
        Ok(())
    }

    fn walk(&mut self, dir: &Path, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.warnings
                    .push(format!("cannot list {}: {e}", dir.display()));
                return;
            }
        };
        let mut subdirs: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            match sub.file_name().and_then(|n| n.to_str()) {
                // criterion's HTML, and the previous run's copies.
                Some("report" | "base" | "change") => {}
                Some("new") => self.read_one(&sub),
                _ => self.walk(&sub, depth + 1),
            }
        }
    }

    /// One `new/` directory.
    fn read_one(&mut self, new: &Path) {
        let read = |name: &str| -> Result<String, String> {
            let path = new.join(name);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        let result = read("benchmark.json").and_then(|bench| {
            let bench: BenchmarkJson = serde_json::from_str(&bench)
                .map_err(|e| format!("{}/benchmark.json: {e}", new.display()))?;
            let estimates: EstimatesJson = serde_json::from_str(&read("estimates.json")?)
                .map_err(|e| format!("{}/estimates.json: {e}", new.display()))?;
            Ok((bench, estimates))
        });
        match result {
            Ok((bench, estimates)) => {
                let throughput = bench.throughput.and_then(|t| {
                    let (kind, n) = t.into_iter().next()?;
                    Some(match kind.as_str() {
                        "Elements" => Throughput::Elements(n),
                        _ => Throughput::Bytes(n),
                    })
                });
                let m = estimates.median;
                self.insert(
                    bench.full_id,
                    Measurement {
                        median_ns: m.point_estimate,
                        lower_ns: m.confidence_interval.lower_bound,
                        upper_ns: m.confidence_interval.upper_bound,
                        throughput,
                    },
                );
            }
            Err(e) => self.warnings.push(format!("skipped: {e}")),
        }
    }

    fn insert(&mut self, id: String, m: Measurement) {
        if m.median_ns.is_finite() && m.median_ns > 0.0 {
            self.by_id.insert(id, m);
        } else {
            self.warnings
                .push(format!("skipped {id}: its median is not a positive time"));
        }
    }

    /// A figure read from a log: no interval, no throughput.
    fn insert_plain(&mut self, id: String, ns: f64) {
        self.insert(
            id,
            Measurement {
                median_ns: ns,
                lower_ns: ns,
                upper_ns: ns,
                throughput: None,
            },
        );
    }

    /// The output of `benches/process_pool.py`: lines such as
    /// `round_trip/apply      64.20 us`, stored as `python/round_trip/apply`.
    /// `us/task` figures stay per task (the table file scales them).
    pub fn read_python_log(&mut self, text: &str) {
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [name, value, unit] = words[..] else {
                continue;
            };
            let factor = match unit {
                "us" | "us/task" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                _ => continue,
            };
            if !name.contains('/') {
                continue;
            }
            if let Ok(v) = value.parse::<f64>() {
                self.insert_plain(format!("python/{name}"), v * factor);
            }
        }
    }

    /// The output of `cargo bench --bench carts`: the line
    /// `sequential 1.2 s (one run); critical-path bound 0.6 s (...)`, stored
    /// as `carts_208/critical_path_bound`.
    pub fn read_carts_log(&mut self, text: &str) {
        const KEY: &str = "critical-path bound ";
        for line in text.lines() {
            let Some(at) = line.find(KEY) else { continue };
            let rest = &line[at + KEY.len()..];
            let mut words = rest.split_whitespace();
            if let (Some(v), Some("s")) = (words.next(), words.next()) {
                if let Ok(seconds) = v.parse::<f64>() {
                    self.insert_plain("carts_208/critical_path_bound".into(), seconds * 1e9);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench_report/criterion")
    }

    #[test]
    fn criterion_estimates_are_keyed_by_full_id() {
        let mut m = Measurements::default();
        m.read_criterion(&fixture()).unwrap();
        let fib = &m.by_id["fib32/2threads/homemade"];
        assert_eq!(fib.median_ns, 20_000_000.0);
        assert_eq!(fib.lower_ns, 19_000_000.0);
        assert_eq!(fib.upper_ns, 21_000_000.0);
        assert_eq!(
            m.by_id["http/concurrent/hyper"].throughput,
            Some(Throughput::Elements(10_000))
        );
        // The half-written directory of the fixture is a warning.
        assert!(
            m.warnings
                .iter()
                .any(|w| w.contains("broken/new/estimates.json")),
            "{:?}",
            m.warnings
        );
        assert!(!m.by_id.contains_key("broken"));
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let mut m = Measurements::default();
        let err = m
            .read_criterion(Path::new("/nonexistent/criterion"))
            .unwrap_err();
        assert!(err.contains("run the benches first"), "{err}");
    }

    #[test]
    fn python_lines_become_measurements() {
        let mut m = Measurements::default();
        m.read_python_log(
            "python 3.11.7, start method fork, best of 3\n\
             round_trip/apply                         64.20 us\n\
             map_tiny/chunksize_1_x10k                16.400 us/task\n\
             startup/pool_of_2_first_result            6.50 ms\n\
             cpu_map_200x1ms/speedup                   1.77 x\n\
             garbage line\n",
        );
        let ids: Vec<&str> = m.by_id.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            [
                "python/map_tiny/chunksize_1_x10k",
                "python/round_trip/apply",
                "python/startup/pool_of_2_first_result"
            ]
        );
        assert!((m.by_id["python/round_trip/apply"].median_ns - 64_200.0).abs() < 1e-6);
        assert!((m.by_id["python/startup/pool_of_2_first_result"].median_ns - 6.5e6).abs() < 1e-3);
    }

    #[test]
    fn the_carts_bound_is_read_from_its_log() {
        let mut m = Measurements::default();
        m.read_carts_log(
            "  sequential 1.180 s (one run); critical-path bound 0.610 s (chain 0.100 s, capacity 0.610 s)\n",
        );
        assert!((m.by_id["carts_208/critical_path_bound"].median_ns - 0.61e9).abs() < 1.0);
    }
}
