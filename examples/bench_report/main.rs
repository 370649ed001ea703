//! The report half of `scripts/bench-report`: reads criterion's estimates
//! and the benches' logs, fills in the table file `benches/goals.json`, and
//! writes `bench-report.md` (a ratio table and a median table per bench)
//! and `bench-ratios.svg` (one bar per ratio, a dashed line per goal).
//!
//! The script runs the benches and then this program; run it alone to
//! redo the report from results you already have:
//!
//! ```text
//! cargo run --example bench_report -- --criterion target/criterion --out target/bench-report
//! ```
//!
//! Read next: `spec.rs` (the table file), `measure.rs` (where the numbers
//! come from), `table.rs` (ratios, goals, markdown), `svg.rs` (the chart).
//! Its tests run on the fixture in `tests/fixtures/bench_report/`:
//! `cargo test --example bench_report`.

mod measure;
mod spec;
mod svg;
mod table;

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Writes the benchmark ratio table and chart from criterion's estimates")]
struct Args {
    /// Criterion's output directory (CRITERION_HOME).
    #[arg(long, default_value = "target/criterion")]
    criterion: PathBuf,
    /// The table file: cases, anchors and goals.
    #[arg(long, default_value = "benches/goals.json")]
    spec: PathBuf,
    /// The benches' logs (`NAME.log`, and `process_pool_py.log` for Python).
    #[arg(long)]
    logs: Option<PathBuf>,
    /// Where bench-report.md and bench-ratios.svg are written.
    #[arg(long, default_value = "target/bench-report")]
    out: PathBuf,
    /// The thread count the benches used (`{threads}` in group names).
    #[arg(long)]
    threads: Option<usize>,
    /// A line for the report's header (repeatable): the machine, the mode.
    #[arg(long)]
    note: Vec<String>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_report: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let spec = spec::Spec::load(&args.spec)?;
    let mut found = measure::Measurements::default();
    found.read_criterion(&args.criterion)?;
    let mut appendix = String::new();
    if let Some(logs) = &args.logs {
        let read = |name: &str| std::fs::read_to_string(logs.join(name)).ok();
        if let Some(py) = read("process_pool_py.log") {
            found.read_python_log(&py);
        }
        if let Some(carts) = read("carts.log") {
            found.read_carts_log(&carts);
        }
        appendix = log_appendix(logs);
    }
    if found.by_id.is_empty() {
        return Err(format!(
            "no estimates under {} (did every bench fail? see the logs)",
            args.criterion.display()
        ));
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let report = table::build(&spec, &found, threads);
    let mut notes = args.note.clone();
    notes.extend(found.warnings.iter().map(|w| format!("warning: {w}")));
    let md = table::markdown(&report, &notes, &appendix);
    let chart = svg::chart(&report);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let write = |name: &str, text: &str| -> Result<PathBuf, String> {
        let path = args.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    };
    let md_path = write("bench-report.md", &md)?;
    let svg_path = write("bench-ratios.svg", &chart)?;
    let ratios: Vec<_> = report.ratios().collect();
    let missed = ratios.iter().filter(|r| r.met() == Some(false)).count();
    println!(
        "{} ratios ({} with a goal missed), {} measurements missing",
        ratios.len(),
        missed,
        report.missing.len()
    );
    println!("wrote {} and {}", md_path.display(), svg_path.display());
    Ok(())
}

/// The tables the benches print themselves (the thread pool's interleaved
/// report, the event loop's alternating rounds, the cart workload's
/// summary), copied from their logs as they are, under one heading per log.
fn log_appendix(logs: &Path) -> String {
    let mut names: Vec<String> = match std::fs::read_dir(logs) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".log"))
            .collect(),
        Err(_) => return String::new(),
    };
    names.sort();
    let mut out = String::new();
    for name in names {
        let Ok(text) = std::fs::read_to_string(logs.join(&name)) else {
            continue;
        };
        let blocks = printed_blocks(&text);
        if blocks.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### As printed in logs/{name}\n"));
        for b in blocks {
            out.push('\n');
            out.push_str(&b);
        }
    }
    if out.is_empty() {
        return out;
    }
    format!(
        "## The benches' own summaries (same run)\n\nThese are not from criterion's \
         estimates: the benches measure them round by round, alternating the \
         implementations.\n{out}"
    )
}

/// Markdown tables (runs of lines starting with `|`, with the line before
/// as their title) and summaries (a line ending in `:` followed by indented
/// lines), as they appear in a bench's output; the Python log whole.
fn printed_blocks(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().is_some_and(|l| l.starts_with("python ")) {
        return vec![format!("```text\n{}\n```\n", text.trim_end())];
    }
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('|') {
            let start = i;
            while i < lines.len() && lines[i].starts_with('|') {
                i += 1;
            }
            let title = lines[..start].iter().rev().find(|l| !l.trim().is_empty());
            let mut b = String::new();
            if let Some(t) = title {
                b.push_str(&format!("{}\n\n", t.trim()));
            }
            for l in &lines[start..i] {
                b.push_str(l);
                b.push('\n');
            }
            blocks.push(b);
        } else if lines[i].ends_with(':')
            && !lines[i].starts_with(' ')
            && lines.get(i + 1).is_some_and(|l| l.starts_with("  "))
        {
            let start = i;
            i += 1;
            while i < lines.len() && lines[i].starts_with("  ") {
                i += 1;
            }
            blocks.push(format!("```text\n{}\n```\n", lines[start..i].join("\n")));
        } else {
            i += 1;
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_tables_and_summaries_are_kept_and_criterion_noise_is_not() {
        let log = "Benchmarking fib32/2threads/homemade: Warming up for 1.0000 s\n\
                   fib32/2threads/homemade\n                        time:   [1 ms 2 ms 3 ms]\n\
                   \nidle CPU per job, 2 threads\n| implementation | CPU per job |\n|---|---|\n| rayon | 1µs |\n\
                   \ncarts_208 (unit 0.05 ms):\n  pipelined 1.0 s\n  tokio+rayon 1.0 s\nafter\n";
        let blocks = printed_blocks(log);
        assert_eq!(blocks.len(), 2, "{blocks:?}");
        assert!(blocks[0].starts_with("idle CPU per job, 2 threads\n\n| implementation"));
        assert_eq!(
            blocks[1],
            "```text\ncarts_208 (unit 0.05 ms):\n  pipelined 1.0 s\n  tokio+rayon 1.0 s\n```\n"
        );
    }

    #[test]
    fn the_report_is_written_from_the_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench_report");
        let out = std::env::temp_dir().join(format!("bench_report_test_{}", std::process::id()));
        let args = Args {
            criterion: dir.join("criterion"),
            spec: dir.join("goals.json"),
            logs: Some(dir.join("logs")),
            out: out.clone(),
            threads: Some(2),
            note: vec!["quick run".into()],
        };
        run(args).unwrap();
        let md = std::fs::read_to_string(out.join("bench-report.md")).unwrap();
        let svg = std::fs::read_to_string(out.join("bench-ratios.svg")).unwrap();
        std::fs::remove_dir_all(&out).unwrap();
        assert!(
            md.starts_with("# Benchmark report\n\nquick run  \n"),
            "{md}"
        );
        assert!(
            md.contains("### As printed in logs/process_pool_py.log"),
            "{md}"
        );
        assert!(
            md.contains("warning: skipped:"),
            "the broken fixture entry is named: {md}"
        );
        assert!(svg.ends_with("</svg>\n"));
    }
}
