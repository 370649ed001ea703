//! `homemade carts --trace FILE.json` writes one Chrome trace of the whole
//! run that follows the format's rules (`trace_support::check`) and holds
//! every runtime's lanes: event loops, thread-pool workers, worker
//! processes, the HTTP requests as async spans and the carts handed from
//! the loop to a worker process as arrows.

mod trace_support;

use std::process::Command;

#[test]
fn carts_writes_one_valid_trace_of_every_runtime() {
    let path = std::env::temp_dir().join(format!("carts-cli-{}.trace.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["carts", "--carts", "1-3", "--unit-ms", "2", "--trace"])
        .arg(&path)
        .output()
        .expect("run homemade");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Trace ("), "{stdout}");
    let text = std::fs::read_to_string(&path).expect("the trace file");
    std::fs::remove_file(&path).unwrap();
    let trace: serde_json::Value = serde_json::from_str(&text).expect("the file parses");
    let summary = trace_support::check(&trace).unwrap_or_else(|e| panic!("invalid trace: {e}"));

    let names: Vec<&String> = summary.threads.values().collect();
    for prefix in ["event loop", "thread pool", "worker "] {
        assert!(
            names.iter().any(|n| n.starts_with(prefix)),
            "no {prefix} lane in {names:?}"
        );
    }
    // Each of the 3 carts is fetched by each of the fetching strategies.
    assert!(summary.count("b") >= 3, "{:?}", summary.phases);
    let hand_offs = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "s" && e["name"] == "hand-off")
        .count();
    assert!(hand_offs >= 3, "{:?}", summary.phases);
}
