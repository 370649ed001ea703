//! # `Bytes`: a byte buffer that crosses to a worker in one copy
//!
//! Tasks and results travel as `postcard` bytes (`wire.rs`). serde sees a
//! `Vec<u8>` as a *sequence* of `u8`s, so postcard encodes it one element
//! at a time (a call per byte, into the growing frame) and decodes it the
//! same way (a bounds check and a push per byte). For a 16 MiB payload
//! that per-byte work costs far more than moving the bytes: it dominated
//! both transports' throughput (BENCHMARKS.md §3.2).
//!
//! [`Bytes`] wraps a `Vec<u8>` and tells serde it is a *byte string*
//! (`serialize_bytes`, `deserialize_byte_buf`): postcard then writes the
//! length and appends the whole slice at once (one `memcpy`), and decoding
//! copies the slice out in one piece. The bytes on the wire are exactly
//! those of a `Vec<u8>` (postcard writes a varint length, then the bytes,
//! in both cases), so a `Bytes` task can be decoded as a `Vec<u8>` and the
//! other way round.
//!
//! Use it for any large byte payload:
//!
//! ```
//! use homemade::process_pool::{Bytes, ProcessPool};
//! let pool = ProcessPool::new(1, |b: Bytes| Bytes::from(b.to_ascii_uppercase())).unwrap();
//! let back = pool.submit(Bytes::from(b"abc".to_vec())).join().unwrap();
//! assert_eq!(&back[..], b"ABC");
//! ```
//!
//! A byte field *inside* your own struct gets the same saving from the
//! `serde_bytes` crate's `#[serde(with = "serde_bytes")]`, or by making the
//! field a `Bytes`.
//!
//! Read next: `wire.rs` (how items are framed).

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A `Vec<u8>` that serde encodes as a byte string (one copy, not one call
/// per byte). See the module docs; it derefs to the `Vec<u8>`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The vector inside.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Bytes {
    /// Shows the length and the first bytes only: payloads can be huge.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = &self.0[..self.0.len().min(16)];
        write!(f, "Bytes(len {}, starts {:02x?})", self.0.len(), head)
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes(v)
    }
}

impl From<Bytes> for Vec<u8> {
    fn from(b: Bytes) -> Vec<u8> {
        b.0
    }
}

impl Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }
}

/// Accepts a byte string (the fast path) or, from formats that write bytes
/// as a list of numbers (JSON), a sequence of `u8`.
struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
        Ok(Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
        Ok(Bytes(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
        // Never trust a size hint for the allocation: cap it.
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(b) = seq.next_element::<u8>()? {
            v.push(b);
        }
        Ok(Bytes(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use postcard::ser_flavors::Flavor;

    /// A postcard output that counts how it was fed: one call per byte, or
    /// whole slices.
    #[derive(Default)]
    struct Counting {
        out: Vec<u8>,
        pushes: usize,
        extends: usize,
    }

    impl Flavor for Counting {
        type Output = Counting;
        fn try_push(&mut self, b: u8) -> postcard::Result<()> {
            self.pushes += 1;
            self.out.push(b);
            Ok(())
        }
        fn try_extend(&mut self, b: &[u8]) -> postcard::Result<()> {
            self.extends += 1;
            self.out.extend_from_slice(b);
            Ok(())
        }
        fn finalize(self) -> postcard::Result<Counting> {
            Ok(self)
        }
    }

    fn encode<T: Serialize>(v: &T) -> Counting {
        postcard::serialize_with_flavor(v, Counting::default()).unwrap()
    }

    #[test]
    fn bytes_are_written_as_one_slice_not_byte_by_byte() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let fast = encode(&Bytes(data.clone()));
        // The varint length, then the payload as one slice.
        assert_eq!(
            (fast.pushes, fast.extends),
            (0, 2),
            "length and payload in two pieces"
        );
        // The same bytes a `Vec<u8>` produces, with one call per byte.
        let slow = encode(&data);
        assert_eq!(slow.pushes, 10_000);
        assert_eq!(fast.out, slow.out, "same wire format as Vec<u8>");
    }

    #[test]
    fn bytes_and_vectors_decode_as_each_other() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let wire = postcard::to_allocvec(&data).unwrap();
        let b: Bytes = postcard::from_bytes(&wire).unwrap();
        assert_eq!(b.0, data);
        let wire = postcard::to_allocvec(&b).unwrap();
        let v: Vec<u8> = postcard::from_bytes(&wire).unwrap();
        assert_eq!(v, data);
    }

    #[test]
    fn a_json_list_of_numbers_decodes_too() {
        let b: Bytes = serde_json::from_str("[1,2,255]").unwrap();
        assert_eq!(b.0, [1, 2, 255]);
        assert!(serde_json::from_str::<Bytes>("[256]").is_err());
    }
}
