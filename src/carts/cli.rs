//! `homemade carts`: placeholder until the cart workload lands.

use std::process::ExitCode;

/// Arguments of `homemade carts`.
#[derive(Debug, clap::Args)]
pub struct CartsArgs {}

/// Runs `homemade carts`.
pub fn run(_args: CartsArgs) -> ExitCode {
    eprintln!("homemade carts: not built yet (see the cart workload issue)");
    ExitCode::from(2)
}
