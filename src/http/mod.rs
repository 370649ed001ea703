//! Placeholder: the HTTP/1.1 client and server land with their issue.

pub mod cli;
