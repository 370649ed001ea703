//! The command-line front ends of `homemade`, one file per command.
//!
//! These sit *above* the library: they may import any module of it (the
//! `serve` command is where the HTTP server meets the cart routes), and no
//! library module imports them. That keeps the layers pointing one way:
//! `http` knows nothing of carts, `carts` knows nothing of a terminal.
//!
//! * [`carts`]: `homemade carts`, the cart workload through every mechanism.
//! * [`serve`]: `homemade serve`, the cart server in the foreground.
//! * [`fetch`]: `homemade fetch URL`, a tiny curl on our own client.
//!
//! Each command's arguments are declared next to the code that runs it, as
//! a `clap::Args` struct; [`Cli`] only names the subcommands. Every command
//! prints through `homemade::stdio`, which never panics on a write error
//! (DESIGN.md §5.9).
//!
//! Read next: `carts/mod.rs`.

pub mod carts;
pub mod fetch;
pub mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Threads, processes and an event loop, built from scratch.
#[derive(Debug, Parser)]
#[command(name = "homemade", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch shopping carts and price them with every mechanism, side by side.
    Carts(carts::CartsArgs),
    /// Serve the dummyjson-compatible cart API until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Fetch a URL with the homemade HTTP client and print the body.
    Fetch(fetch::FetchArgs),
}

impl Cli {
    /// Runs the chosen command; returns its exit status.
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Carts(args) => carts::run(args),
            Command::Serve(args) => serve::run(args),
            Command::Fetch(args) => fetch::run(args),
        }
    }
}
