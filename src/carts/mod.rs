//! The cart workload: the explainer's closing example, run through every
//! mechanism of the crate.
//!
//! * [`model`]: dummyjson's `Cart` and `Product`, and the 208 embedded carts.
//! * [`routes`]: the dummyjson-compatible `/carts` routes of the embedded server.
//! * [`pricing`]: the CPU work done per cart (calibrated real arithmetic).
//! * [`bars`]: the fetch and price bars, per thread, process or loop, as
//!   cart events of the crate's one trace (`src/trace/`), and read back.
//! * [`strategies`]: the eight ways of running the workload.
//! * [`bound`]: the critical-path lower bound no strategy can beat.
//! * [`report`] and [`timeline`]: the table, the ASCII lanes and the SVG picture.
//! * [`error`]: the one-line errors of a failed run.
//! * [`preflight`]: what `homemade carts` checks before it begins (the
//!   command itself is a front end of the binary, `src/cli/carts/`).
//!
//! Read in this order: `model.rs`, `pricing.rs`, `strategies.rs` (and its
//! files), `bound.rs`, `report.rs`, `timeline.rs`, then `src/cli/carts/`. Chapter 5 of
//! DESIGN.md tells the story with the measured figures.

pub mod bars;
pub mod bound;
pub mod error;
pub mod model;
pub mod preflight;
pub mod pricing;
pub mod report;
pub mod routes;
pub mod strategies;
pub mod timeline;

pub use model::{cents, Cart, CartStore, Product};
