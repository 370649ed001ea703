//! `homemade`: the command-line entry point.
//!
//! * `homemade carts`: the explainer's cart workload through every mechanism
//!   (see `src/carts/cli.rs`).
//! * `homemade serve`: the dummyjson-compatible cart server (see `src/http/cli.rs`).
//! * `homemade fetch URL`: a tiny curl on our own HTTP client.
//!
//! Before any command runs, the soft limit on open files is raised to the
//! hard limit (`homemade::sys::raise_fd_limit`, as Go's runtime does at
//! start), so a busy server or client is not refused by a default of 1024.
//! The commands print through `homemade::stdio`, which never panics on a
//! write error (DESIGN.md §5.9).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Threads, processes and an event loop, built from scratch.
#[derive(Debug, Parser)]
#[command(name = "homemade", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch shopping carts and price them with every mechanism, side by side.
    Carts(homemade::carts::cli::CartsArgs),
    /// Serve the dummyjson-compatible cart API until Ctrl-C.
    Serve(homemade::http::cli::ServeArgs),
    /// Fetch a URL with the homemade HTTP client and print the body.
    Fetch(homemade::http::cli::FetchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Best effort: where the kernel refuses, the process runs with the
    // limit it was given, as it always did.
    let _ = homemade::sys::raise_fd_limit();
    match cli.command {
        Command::Carts(args) => homemade::carts::cli::run(args),
        Command::Serve(args) => homemade::http::cli::serve(args),
        Command::Fetch(args) => homemade::http::cli::fetch(args),
    }
}
