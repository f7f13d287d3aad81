//! Byte buffers handed to the host, and the registry that makes freeing them safe.
//!
//! Every buffer the library returns is registered under a fresh 64-bit id (never reused).
//! The registry owns the bytes; the host sees a pointer into them. Freeing looks the id up:
//! a buffer freed twice through the same struct is a no-op (the first free zeroed it), a
//! stale copy of an already freed struct is detected (its id is gone) instead of freeing
//! memory twice, and a struct whose id names a live buffer but whose pointer or length is
//! not that buffer's (forged, corrupted) is refused without freeing anything. Freeing never
//! dereferences the host's pointer.

use crate::codes::{POLAR_ERR_INVALID_HANDLE, POLAR_OK};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A byte buffer owned by the library, lent to the host until it is freed.
///
/// `data[0..len]` holds the bytes; `data[len]` is always a `0` byte, so a text buffer (JSON,
/// URL, message) is also a NUL-terminated C string. `id` identifies the buffer to the
/// library: don't change any field. An *empty* buffer is all zeros (`data == NULL`,
/// `len == 0`, `id == 0`): zero-initialize output buffers (`PolarBuffer b = {0};`).
///
/// Free it once with `polar_buffer_free(&b)`, which zeroes it: freeing it again is a harmless
/// no-op, and freeing a stale copy returns `POLAR_ERR_INVALID_HANDLE`.
#[repr(C)]
#[derive(Debug)]
pub struct PolarBuffer {
    /// The first byte (read-only for the host), or `NULL` for an empty buffer.
    pub data: *const u8,
    /// The number of bytes, not counting the trailing `0`.
    pub len: usize,
    /// The library's handle for this buffer; `0` when empty.
    pub id: u64,
}

impl Default for PolarBuffer {
    fn default() -> Self {
        PolarBuffer::EMPTY
    }
}

/// The buffers alive, by id. A `BTreeMap` because its `new` is `const`.
static LIVE: Mutex<BTreeMap<u64, Box<[u8]>>> = Mutex::new(BTreeMap::new());
/// The next id; ids are never reused, so a stale copy can never name a newer buffer.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn live() -> MutexGuard<'static, BTreeMap<u64, Box<[u8]>>> {
    // A panic while the lock was held cannot leave the map half-updated (each operation is
    // one insert or remove): keep going with it.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PolarBuffer {
    /// The empty buffer (all zeros).
    pub const EMPTY: PolarBuffer = PolarBuffer {
        data: std::ptr::null(),
        len: 0,
        id: 0,
    };

    /// Registers `bytes` (plus a trailing `0`) and lends them out.
    pub(crate) fn new(bytes: impl Into<Vec<u8>>) -> PolarBuffer {
        let mut bytes = bytes.into();
        let len = bytes.len();
        bytes.push(0);
        let boxed = bytes.into_boxed_slice();
        // The heap block does not move when the box moves into the map.
        let data = boxed.as_ptr();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        live().insert(id, boxed);
        PolarBuffer { data, len, id }
    }

    /// True when the struct holds nothing (all zeros).
    pub fn is_empty_handle(&self) -> bool {
        self.id == 0 && self.data.is_null() && self.len == 0
    }

    /// True when the struct names a buffer not yet freed: its id, pointer and length are
    /// those of a buffer the library handed out.
    pub fn is_live(&self) -> bool {
        self.id != 0
            && live().get(&self.id).is_some_and(|stored| {
                stored.as_ptr() == self.data && stored.len() == self.len.wrapping_add(1)
            })
    }

    /// The bytes, when live (for the library's own tests).
    pub fn to_vec(&self) -> Option<Vec<u8>> {
        let map = live();
        let stored = map.get(&self.id)?;
        stored
            .get(..stored.len().saturating_sub(1))
            .map(<[u8]>::to_vec)
    }

    /// Frees the buffer and zeroes the struct. An empty struct is a no-op (`POLAR_OK`); a
    /// struct naming no live buffer by id, pointer and length (a stale copy, garbage, a
    /// forgery) is zeroed and reported as `POLAR_ERR_INVALID_HANDLE`, nothing freed.
    pub(crate) fn release(&mut self) -> i32 {
        if self.is_empty_handle() {
            return POLAR_OK;
        }
        let freed = self.id != 0 && {
            let mut map = live();
            // The id alone is a small sequential number a forged or corrupted struct can
            // hit: free only when the pointer and length are also the ones handed out
            // (compared, never dereferenced).
            let handed_out = map.get(&self.id).is_some_and(|stored| {
                stored.as_ptr() == self.data && stored.len() == self.len.wrapping_add(1)
            });
            handed_out && map.remove(&self.id).is_some()
        };
        *self = PolarBuffer::EMPTY;
        if freed {
            POLAR_OK
        } else {
            POLAR_ERR_INVALID_HANDLE
        }
    }
}

/// How many buffers are alive (returned and not yet freed), process-wide.
pub(crate) fn live_count() -> usize {
    live().len()
}
