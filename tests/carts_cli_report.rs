//! A successful `homemade carts` run, end to end through the binary, with all
//! eight strategies: exit status 0, every row present with the oracle's grand
//! total, `--json` on stdout parses and holds the same figures (the human
//! report moves to stderr), and `--timeline` writes an SVG with one group per
//! strategy (the binary makes its own process pool, so this runs under
//! libtest).

use std::process::Command;

#[test]
fn json_and_timeline_hold_every_row() {
    let svg_path = std::env::temp_dir().join(format!("carts-cli-{}.svg", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args([
            "carts",
            "--carts",
            "1-3",
            "--unit-ms",
            "2",
            "--json",
            "--timeline",
        ])
        .arg(&svg_path)
        .output()
        .expect("run homemade");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // The human report went to stderr, row by row, with check marks.
    let peers = cfg!(feature = "peers");
    let names = [
        "sequential",
        "threads",
        "threads+gil",
        "event-loop",
        "event-loop+threads",
        "event-loop+processes",
        "pipelined",
        "tokio+rayon",
    ];
    for name in names.iter().filter(|n| peers || **n != "tokio+rayon") {
        let row = stderr
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name} in {stderr}"));
        assert!(row.contains("✓"), "{row}");
    }
    assert!(stderr.contains("Lower bound"), "{stderr}");
    assert!(stderr.contains("Timelines"), "{stderr}");

    // stdout is one JSON document with the same rows.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let expected = json["expected_cents"].as_i64().unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    for row in rows
        .iter()
        .filter(|r| peers || r["strategy"] != "tokio+rayon")
    {
        assert_eq!(row["available"], true);
        assert_eq!(row["row"]["total_cents"].as_i64(), Some(expected));
        assert_eq!(row["row"]["correct"], true);
        assert!(!row["run"]["spans"].as_array().unwrap().is_empty());
    }
    assert!(json["bound"]["seconds"].as_f64().unwrap() > 0.0);

    let svg = std::fs::read_to_string(&svg_path).expect("SVG written");
    let _ = std::fs::remove_file(&svg_path);
    let ran = if peers { 8 } else { 7 };
    assert_eq!(svg.matches(r#"<g class="strategy""#).count(), ran);
    for name in names.iter().filter(|n| peers || **n != "tokio+rayon") {
        assert!(
            svg.contains(&format!(r#"data-strategy="{name}""#)),
            "{name}"
        );
    }
    assert!(stderr.contains("in its own words"), "the explainer's lines");
}
