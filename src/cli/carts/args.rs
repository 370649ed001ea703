//! The arguments of `homemade carts`, and the checks that turn them into
//! [`Settings`]: every option is declared and validated here, in one place.
//!
//! [`CartsArgs`] is what `clap` parses; [`Settings::parse`] checks the
//! numbers (a unit of 0..=10000 ms, 1..=256 workers, a positive timeout, a
//! well-formed `--url`) and expands `--carts 1,3,7-9` into ids, so that the
//! rest of the command only ever sees values that make sense. A bad value
//! is one line on stderr, before anything starts.
//!
//! Read next: `mod.rs`, which runs the command from these settings.

use super::Fatal;
use homemade::carts::pricing::Work;
use homemade::carts::strategies::{self, Strategy};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `homemade carts`.
#[derive(Debug, Clone, clap::Args)]
pub struct CartsArgs {
    /// A dummyjson-compatible server (e.g. one started with `homemade serve`);
    /// by default an embedded server is started on 127.0.0.1.
    #[arg(long, value_name = "http[s]://HOST:PORT")]
    pub url: Option<String>,
    /// Trust exactly the CA certificates in this PEM file for an https://
    /// --url (a private CA, a test server); default: the system's store.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Which carts: `1-5`, `1,3,7-9`, `1-208`.
    #[arg(
        long,
        value_name = "IDS",
        default_value = "1-5",
        conflicts_with = "all"
    )]
    pub carts: String,
    /// All 208 carts of the data.
    #[arg(long)]
    pub all: bool,
    /// The unit in milliseconds: cart `i` waits `i × unit` on the server and
    /// computes `i × unit`. Default: 100 for the explainer's carts 1..5;
    /// for larger selections, a unit that keeps `sequential` near 3 s.
    #[arg(long, value_name = "MS")]
    pub unit_ms: Option<f64>,
    /// Real computation (`compute`) or a sleep as in the explainer (`sleep`).
    #[arg(long, value_enum, default_value_t = Work::Compute)]
    pub work: Work,
    /// Worker threads and processes of the pooled strategies (default: 5,
    /// the explainer's `processes=5`, or the core count if larger).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Run only these strategies (comma-separated names), in report order.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "NAMES")]
    pub only: Vec<Strategy>,
    /// Also write the timelines as one SVG picture to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<PathBuf>,
    /// Also record every runtime's scheduling events and write them as one
    /// Chrome trace, with the carts' fetch and price bars the timelines are
    /// drawn from (open it in ui.perfetto.dev or chrome://tracing).
    #[arg(long, value_name = "FILE.json")]
    pub trace: Option<PathBuf>,
    /// Print every figure as JSON on stdout (the human report goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Give up on a request after this many seconds (connect, send and the
    /// whole response), on every client.
    #[arg(long, value_name = "SECONDS", default_value_t = strategies::REQUEST_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
}

/// The checked arguments: what the rest of the command works from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Cart ids, in request order.
    pub ids: Vec<u64>,
    /// The unit in milliseconds (given, or [`default_unit_ms`]).
    pub unit_ms: f64,
    /// The machine's cores.
    pub cores: usize,
    /// Worker threads and processes of the pooled strategies.
    pub workers: usize,
    /// The deadline of one request.
    pub timeout: Duration,
    /// The strategies to run, in report order.
    pub selected: Vec<Strategy>,
}

impl Settings {
    /// Checks `args`; a bad value is a [`Fatal::Usage`] naming the option.
    pub fn parse(args: &CartsArgs) -> Result<Settings, Fatal> {
        let ids = if args.all {
            (1..=208).collect()
        } else {
            parse_ids(&args.carts).map_err(Fatal::Usage)?
        };
        let unit_ms = match args.unit_ms {
            Some(ms) if ms.is_finite() && (0.0..=10_000.0).contains(&ms) => ms,
            Some(ms) => return Err(Fatal::Usage(format!("--unit-ms {ms}: expected 0..=10000"))),
            None => default_unit_ms(&ids),
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = args.workers.unwrap_or(cores.max(5));
        if workers == 0 || workers > 256 {
            return Err(Fatal::Usage(format!(
                "--workers {workers}: expected 1..=256"
            )));
        }
        if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 1e6) {
            return Err(Fatal::Usage(format!(
                "--timeout {}: expected a positive number of seconds",
                args.timeout
            )));
        }
        if let Some(url) = &args.url {
            homemade::http::Url::parse(url)
                .map_err(|e| Fatal::Usage(format!("--url {url}: {e}")))?;
        }
        let selected = Strategy::ALL
            .into_iter()
            .filter(|s| args.only.is_empty() || args.only.contains(s))
            .collect();
        Ok(Settings {
            ids,
            unit_ms,
            cores,
            workers,
            timeout: Duration::from_secs_f64(args.timeout),
            selected,
        })
    }
}

/// The default unit: 100 ms for the explainer's carts (Σ ids ≤ 15); for more
/// carts, a unit that keeps `sequential` near 3 s (1.5 s of waits and 1.5 s
/// of computing).
pub fn default_unit_ms(ids: &[u64]) -> f64 {
    let sum: u64 = ids.iter().sum();
    if sum <= 15 {
        100.0
    } else {
        1500.0 / sum as f64
    }
}

/// Parses `1-5`, `1,3,7-9`, `208` into ids (in the order given, duplicates
/// rejected).
pub fn parse_ids(spec: &str) -> Result<Vec<u64>, String> {
    let mut ids = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let bad = || format!("--carts {spec:?}: expected ids like 1-5 or 1,3,7-9");
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<u64>().map_err(|_| bad())?,
                b.trim().parse::<u64>().map_err(|_| bad())?,
            ),
            None => {
                let v = part.parse::<u64>().map_err(|_| bad())?;
                (v, v)
            }
        };
        if lo == 0 || lo > hi {
            return Err(format!(
                "--carts {spec:?}: {part:?} is not a range of ids from 1 upwards"
            ));
        }
        if hi - lo >= 10_000 || ids.len() as u64 + (hi - lo) >= 10_000 {
            return Err(format!("--carts {spec:?}: at most 10000 carts"));
        }
        for id in lo..=hi {
            if ids.contains(&id) {
                return Err(format!("--carts {spec:?}: cart {id} is listed twice"));
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_ranges_and_lists() {
        assert_eq!(parse_ids("1-5").unwrap(), vec![1, 2, 3, 4, 5]);
        assert_eq!(parse_ids("1,3,7-9").unwrap(), vec![1, 3, 7, 8, 9]);
        assert_eq!(parse_ids("208").unwrap(), vec![208]);
        assert!(parse_ids("0-3").is_err());
        assert!(parse_ids("5-1").is_err());
        assert!(parse_ids("a").is_err());
        assert!(parse_ids("1,1").is_err());
        assert!(parse_ids("").is_err());
    }

    #[test]
    fn the_default_unit_keeps_the_explainers_100_ms() {
        assert_eq!(default_unit_ms(&[1, 2, 3, 4, 5]), 100.0);
        let all: Vec<u64> = (1..=208).collect();
        assert!((default_unit_ms(&all) - 1500.0 / 21736.0).abs() < 1e-12);
    }
}
