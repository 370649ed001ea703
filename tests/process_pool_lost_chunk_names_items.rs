//! With automatic chunks, a worker that dies in the middle of a chunk loses
//! the whole chunk: the error must name every item that was lost, not only
//! the chunk's first item.

mod common;

use homemade::process_pool::{auto_chunksize, PoolError, ProcessPool};

/// The item whose worker exits.
const VICTIM: u64 = 37;

fn a_lost_chunk_names_all_its_items() {
    let pool = ProcessPool::new(1, |x: u64| {
        if x == VICTIM {
            // SAFETY: _exit takes a plain integer.
            unsafe { libc::_exit(3) };
        }
        x
    })
    .unwrap();
    assert_eq!(auto_chunksize(48, 1), 6, "chunk 36..=41 holds the victim");
    let err = pool.map(0..48u64).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("items 36 to 41"), "{text}");
    assert!(text.contains("exited with code 3"), "{text}");
    if let PoolError::Lost { items, .. } = &err {
        assert_eq!(items, &(36..42).collect::<Vec<usize>>());
    } else {
        panic!("expected PoolError::Lost, got {err:?}");
    }
    assert_eq!(pool.map(0..4u64).unwrap(), vec![0, 1, 2, 3]);
}

fn main() {
    common::run_both(common::cases![a_lost_chunk_names_all_its_items])
}
