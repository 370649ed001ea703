//! `homemade`: the command-line entry point.
//!
//! * `homemade carts`: the explainer's cart workload through every mechanism
//!   (see `src/cli/carts/mod.rs`).
//! * `homemade serve`: the dummyjson-compatible cart server (see `src/cli/serve.rs`).
//! * `homemade fetch URL`: a tiny curl on our own HTTP client (`src/cli/fetch.rs`).
//!
//! The front ends live in `src/cli/`, a module of this binary, not of the
//! library: the library never imports the layer above it.
//!
//! Before any command runs, the soft limit on open files is raised to the
//! hard limit (`homemade::sys::raise_fd_limit`, as Go's runtime does at
//! start), so a busy server or client is not refused by a default of 1024.
//! The commands print through `homemade::stdio`, which never panics on a
//! write error (DESIGN.md §5.9).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Best effort: where the kernel refuses, the process runs with the
    // limit it was given, as it always did.
    let _ = homemade::sys::raise_fd_limit();
    cli.run()
}
