//! The fork server talks to the kernel only through the process pool's
//! `sys` module, as DESIGN.md §3 says ("`sys.rs` (every libc call)"):
//! `src/process_pool/forkserver.rs` never names `libc` itself, not even for
//! a constant or a struct, so that every system call, its `unsafe` and its
//! `errno` handling can be read in one file. Checked on the source.

#[test]
fn forkserver_names_no_libc_item() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/process_pool/forkserver.rs");
    let text = std::fs::read_to_string(&path).expect("read forkserver.rs");
    let uses: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| l.contains("libc::") || l.contains("use libc"))
        .map(|(n, l)| format!("forkserver.rs:{}: {}", n + 1, l.trim()))
        .collect();
    assert!(uses.is_empty(), "libc used outside sys: {uses:#?}");
}
