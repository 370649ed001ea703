//! The part of libtest's command line that the `harness = false` binaries
//! understand, so that `cargo test NAME`, `cargo test -- --exact NAME`,
//! `--skip`, `--list` and `--ignored` work on them as on ordinary tests.
//!
//! Positional arguments are name filters (a case runs when its name
//! contains any of them, or equals one with `--exact`); a case that runs
//! once per transport (`NAME[shm]`) also matches `--exact NAME`. Flags that
//! only change libtest's output (`--nocapture`, `--quiet`, `--color X`, ...)
//! are accepted and ignored. These binaries have no ignored cases, so
//! `--ignored` selects none and `--include-ignored` changes nothing.

/// Flags of libtest that take a value (as `--flag value` or `--flag=value`).
const WITH_VALUE: [&str; 6] = [
    "--test-threads",
    "--color",
    "--format",
    "--logfile",
    "--report-time",
    "-Z",
];

/// Which cases to run, and whether to only list them.
#[derive(Debug, Default)]
pub struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    /// `--list`: print the names instead of running.
    pub list: bool,
    ignored_only: bool,
}

impl Args {
    /// Reads this process's arguments.
    pub fn from_env() -> Args {
        Args::parse(std::env::args().skip(1))
    }

    /// Parses arguments (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Args {
        let mut out = Args::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--exact" => out.exact = true,
                "--list" => out.list = true,
                "--ignored" => out.ignored_only = true,
                "--skip" => out.skip.extend(args.next()),
                a if a.starts_with("--skip=") => out.skip.push(a["--skip=".len()..].to_string()),
                a if WITH_VALUE.contains(&a) => {
                    args.next();
                }
                a if a.starts_with('-') => {}
                _ => out.filters.push(arg),
            }
        }
        out
    }

    /// Whether the case called `name` is selected.
    pub fn selects(&self, name: &str) -> bool {
        let bare = name.split_once('[').map_or(name, |(bare, _)| bare);
        let matches = |pattern: &String| {
            if self.exact {
                name == pattern || bare == pattern
            } else {
                name.contains(pattern.as_str())
            }
        };
        !self.ignored_only
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}
