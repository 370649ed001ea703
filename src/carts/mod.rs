//! The cart workload: the explainer's closing example, run through every
//! mechanism of the crate.
//!
//! * [`model`]: dummyjson's `Cart` and `Product`, and the 208 embedded carts.
//! * [`routes`]: the dummyjson-compatible `/carts` routes of the embedded server.
//! * [`pricing`]: the CPU work done per cart.
//! * [`strategies`]: the eight ways of running the workload.
//! * [`report`] and [`timeline`]: the table, the ASCII lanes and the SVG picture.
//! * [`cli`]: `homemade carts`.

pub mod cli;
pub mod model;
pub mod pricing;
pub mod report;
pub mod routes;
pub mod strategies;
pub mod timeline;

pub use model::{cents, Cart, CartStore, Product};
