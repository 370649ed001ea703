//! The layers point one way: the command-line front ends (`src/cli/`, a
//! module of the binary) may use any library module, but no library module
//! names a layer above its own. Checked on the source: `src/http/` never
//! refers to `crate::carts` (the HTTP layer knows nothing of carts), and no
//! file of the library refers to a `cli` module (the front ends are not
//! part of it).

use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read a source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The lines of `file` that are code (not `//` comments) and contain `needle`.
fn code_lines_with(file: &Path, needle: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("read a source file");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| l.contains(needle))
        .map(|l| format!("{}: {}", file.display(), l.trim()))
        .collect()
}

#[test]
fn http_never_imports_carts_and_the_library_has_no_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let http_to_carts: Vec<String> = rust_files(&src.join("http"))
        .iter()
        .flat_map(|f| code_lines_with(f, "crate::carts"))
        .collect();
    assert!(http_to_carts.is_empty(), "{http_to_carts:#?}");

    let library: Vec<PathBuf> = rust_files(&src)
        .into_iter()
        .filter(|f| !f.starts_with(src.join("cli")) && !f.ends_with("main.rs"))
        .collect();
    assert!(library.len() > 10, "found the library's files");
    let cli_refs: Vec<String> = library
        .iter()
        .flat_map(|f| {
            let mut hits = code_lines_with(f, "mod cli;");
            hits.extend(code_lines_with(f, "cli::"));
            hits
        })
        .collect();
    assert!(cli_refs.is_empty(), "{cli_refs:#?}");
}
