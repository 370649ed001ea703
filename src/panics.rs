//! The text of a panic payload, one function for every runtime.
//!
//! A panic carries a payload of any type (`Box<dyn Any + Send>`). `panic!`
//! with a literal makes it a `&'static str`, `panic!` with a format string
//! a `String`, and `std::panic::panic_any(x)` anything at all. The event
//! loop (a task's `JoinError`), the thread pool (`TaskPanicked`, a spawned
//! job's report) and the process pool (the worker's reply) all show the
//! message to a person, so they all read it here, and a payload that is not
//! a string reads the same everywhere: [`NOT_A_STRING`].
//!
//! Read next: `event_loop/join.rs`, `thread_pool/registry.rs` and
//! `process_pool/child.rs`, the three callers.

use std::any::Any;

/// What [`panic_message`] says for a payload that is neither `&str` nor `String`.
pub(crate) const NOT_A_STRING: &str = "<non-string panic payload>";

/// The text of a panic payload (`&str` or `String`), or [`NOT_A_STRING`].
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        NOT_A_STRING.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload of a real panic of `f`.
    fn payload_of(f: impl FnOnce() + std::panic::UnwindSafe) -> Box<dyn Any + Send> {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let payload = std::panic::catch_unwind(f).expect_err("f panics");
        std::panic::set_hook(hook);
        payload
    }

    #[test]
    fn every_kind_of_payload_reads_as_text() {
        assert_eq!(
            panic_message(&*payload_of(|| panic!("a literal"))),
            "a literal"
        );
        let n = 7;
        assert_eq!(
            panic_message(&*payload_of(move || panic!("formatted {n}"))),
            "formatted 7"
        );
        let odd = payload_of(|| std::panic::panic_any(42_u32));
        assert_eq!(panic_message(&*odd), NOT_A_STRING);
    }
}
