//! The runner of the `harness = false` binaries (`tests/common`) takes
//! libtest's arguments: a name filter, `--exact`, `--skip`, `--list` and
//! `--ignored` select the same cases as they would under libtest, each case
//! prints `test NAME ... ok` or `FAILED`, and the exit status says whether
//! one failed. This binary runs itself as the child under test.

mod common;

use std::process::{Command, Output};

/// Set in the child: run the three sample cases instead of the checks.
const CHILD: &str = "HOMEMADE_RUNNER_CHILD";

fn alpha_case() {}

fn beta_case() {}

fn gamma_case_fails() {
    panic!("gamma fails on purpose");
}

/// Runs this binary as the child with `args`; its stdout and exit code.
fn child(args: &[&str]) -> (String, i32) {
    let out: Output = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .env(CHILD, "1")
        .output()
        .expect("run the child");
    let code = out.status.code().expect("the child exited");
    (String::from_utf8(out.stdout).unwrap(), code)
}

/// The `test NAME ... VERDICT` lines of an output, as (name, ok).
fn ran(out: &str) -> Vec<(&str, bool)> {
    out.lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... "))
        .map(|(name, verdict)| (name, verdict == "ok"))
        .collect()
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        common::run(common::cases![alpha_case, beta_case, gamma_case_fails]);
    }
    let mut runner = common::Runner::default();
    runner.case("no_filter_runs_all_and_a_failure_fails_the_binary", || {
        let (out, code) = child(&[]);
        let expected = [
            ("alpha_case", true),
            ("beta_case", true),
            ("gamma_case_fails", false),
        ];
        assert_eq!(ran(&out), expected, "{out}");
        assert!(out.contains("gamma fails on purpose"), "{out}");
        assert!(
            out.contains("test result: FAILED. 2 passed; 1 failed;"),
            "{out}"
        );
        assert_eq!(code, 1);
    });
    runner.case("a_substring_filter_runs_only_matching_cases", || {
        let (out, code) = child(&["alpha", "--nocapture"]);
        assert_eq!(ran(&out), [("alpha_case", true)], "{out}");
        assert!(out.contains("1 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out"));
        assert_eq!(code, 0);
    });
    runner.case("exact_and_skip", || {
        let (out, _) = child(&["--exact", "beta"]);
        assert_eq!(ran(&out), [], "--exact needs the whole name: {out}");
        let (out, code) = child(&["--exact", "beta_case"]);
        assert_eq!(ran(&out), [("beta_case", true)], "{out}");
        assert_eq!(code, 0);
        let (out, code) = child(&["_case", "--skip", "gamma", "--test-threads", "1"]);
        assert_eq!(
            ran(&out),
            [("alpha_case", true), ("beta_case", true)],
            "{out}"
        );
        assert_eq!(code, 0);
    });
    runner.case("list_names_every_case_and_runs_none", || {
        let (out, code) = child(&["--list"]);
        assert_eq!(ran(&out), [], "{out}");
        let names: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .collect();
        assert_eq!(names, ["alpha_case", "beta_case", "gamma_case_fails"]);
        assert_eq!(code, 0);
    });
    runner.case("ignored_selects_none_here", || {
        let (out, code) = child(&["--ignored"]);
        assert_eq!(ran(&out), [], "{out}");
        assert!(out.contains("0 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out"));
        assert_eq!(code, 0);
    });
    runner.finish()
}
