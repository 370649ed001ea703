//! `homemade`: the command-line entry point.
//!
//! * `homemade carts`: the explainer's cart workload through every mechanism
//!   (see `src/carts/cli.rs`).
//! * `homemade serve`: the dummyjson-compatible cart server (see `src/http/cli.rs`).
//! * `homemade fetch URL`: a tiny curl on our own HTTP client.

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
    match Cli::parse().command {
        Command::Carts(args) => homemade::carts::cli::run(args),
        Command::Serve(args) => homemade::http::cli::serve(args),
        Command::Fetch(args) => homemade::http::cli::fetch(args),
    }
}
