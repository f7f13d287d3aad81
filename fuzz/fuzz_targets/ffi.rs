//! Every entry point of the C ABI (polarsh-ffi) with arbitrary input, and the buffer rules:
//! a forged or stale `PolarBuffer` is refused without freeing anything, and every call
//! frees all it handed out.
//!
//! Input: one byte choosing the entry point, one byte whose bits pass `NULL` (with the
//! field's length) for pointer arguments, then `\0`-separated fields. An operation field
//! of one byte names `polarsh_core::operations::ALL[byte]`, so the fuzzer reaches every
//! operation without guessing its id. A new entry point is one more arm in `call`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_ffi::*;
use std::ptr;

struct Input<'a> {
    fields: Vec<&'a [u8]>,
    nulls: u8,
    op_ids: Vec<Vec<u8>>,
}

impl<'a> Input<'a> {
    fn field(&self, i: usize) -> &'a [u8] {
        self.fields.get(i).copied().unwrap_or(&[])
    }

    /// Field `i` as a (pointer, length) pair; `NULL` with the length when bit `i` is set.
    fn arg(&self, i: usize) -> (*const u8, usize) {
        let f = self.field(i);
        if self.nulls & (1 << i) != 0 {
            (ptr::null(), f.len())
        } else {
            (f.as_ptr(), f.len())
        }
    }

    /// Field `i` as an operationId: one byte picks a real one.
    fn op(&self, i: usize) -> (*const u8, usize) {
        match self.field(i) {
            [b] if self.nulls & (1 << i) == 0 => {
                let id = &self.op_ids[usize::from(*b) % self.op_ids.len()];
                (id.as_ptr(), id.len())
            }
            _ => self.arg(i),
        }
    }

    /// Field `i` as a little-endian number (missing bytes are 0).
    fn num(&self, i: usize) -> u64 {
        let mut x = [0u8; 8];
        for (slot, b) in x.iter_mut().zip(self.field(i)) {
            *slot = *b;
        }
        u64::from_le_bytes(x)
    }

    fn out_ptr<T>(&self, bit: u8, out: &mut T) -> *mut T {
        if self.nulls & (1 << bit) != 0 {
            ptr::null_mut()
        } else {
            out
        }
    }
}

/// What the entry points write into.
#[derive(Default)]
struct Outputs {
    request: PolarRequest,
    buffer: PolarBuffer,
    error: PolarError,
    decision: PolarRetryDecision,
}

/// Calls one entry point. SAFETY of every call: each pointer is NULL or points to the
/// field's bytes (alive for the call), out pointers are NULL or to zeroed structs.
fn call(entry: u8, inp: &Input<'_>, out: &mut Outputs) -> i32 {
    let err = inp.out_ptr(7, &mut out.error);
    match entry % 9 {
        0 => {
            let ((o, ol), (p, pl), (c, cl)) = (inp.op(0), inp.arg(1), inp.arg(2));
            let req = inp.out_ptr(6, &mut out.request);
            unsafe { polar_build_request(o, ol, p, pl, c, cl, req, err) }
        }
        1 => {
            let ((o, ol), (h, hl), (b, bl)) = (inp.op(0), inp.arg(2), inp.arg(3));
            let status = inp.num(1) as u16;
            let buf = inp.out_ptr(6, &mut out.buffer);
            unsafe { polar_parse_response(o, ol, status, h, hl, b, bl, buf, err) }
        }
        2 => {
            let ((o, ol), (p, pl), (r, rl)) = (inp.op(0), inp.arg(1), inp.arg(2));
            let buf = inp.out_ptr(6, &mut out.buffer);
            unsafe { polar_next_page(o, ol, p, pl, r, rl, buf, err) }
        }
        3 => {
            let ((m, ml), (r, rl)) = (inp.arg(0), inp.arg(1));
            let n = inp.num(2);
            let decision = inp.out_ptr(6, &mut out.decision);
            unsafe {
                polar_retry_decide(
                    m,
                    ml,
                    n & 1 != 0,
                    (n >> 8) as u32,
                    ((n >> 40) % 4) as i32,
                    (n >> 48) as u16,
                    r,
                    rl,
                    inp.num(3),
                    inp.num(4) as i64,
                    f64::from_bits(inp.num(5)),
                    decision,
                    err,
                )
            }
        }
        4 => {
            let ((h, hl), (b, bl), (s, sl)) = (inp.arg(0), inp.arg(1), inp.arg(2));
            let buf = inp.out_ptr(6, &mut out.buffer);
            unsafe { polar_webhook_verify(h, hl, b, bl, s, sl, inp.num(3) as i64, buf, err) }
        }
        5 => {
            let buf = inp.out_ptr(6, &mut out.buffer);
            unsafe { polar_operations(buf, err) }
        }
        6 => {
            // A buffer made of arbitrary bytes: nothing the library handed out.
            let mut forged = PolarBuffer {
                data: inp.num(0) as usize as *const u8,
                len: inp.num(1) as usize,
                id: inp.num(2),
            };
            let code = unsafe { polar_buffer_free(&mut forged) };
            assert!(
                code == POLAR_OK && inp.num(0) == 0 && inp.num(1) == 0 && inp.num(2) == 0
                    || code == POLAR_ERR_INVALID_HANDLE,
                "a forged buffer was accepted: {code}"
            );
            code
        }
        7 => {
            let name = polar_code_name(inp.num(0) as i32);
            assert!(!name.is_null());
            polar_live_buffers() as i32
        }
        _ => {
            // Freeing structs of arbitrary bytes, and NULL.
            let garbage = |i: usize| PolarBuffer {
                data: inp.num(i) as usize as *const u8,
                len: inp.num(i + 1) as usize,
                id: inp.num(i + 2) | 1 << 63,
            };
            let mut req = PolarRequest {
                method: garbage(0),
                ..PolarRequest::default()
            };
            let mut e = PolarError {
                code: 1,
                status: 0,
                kind: garbage(3),
                ..PolarError::default()
            };
            unsafe {
                assert_eq!(polar_request_free(&mut req), POLAR_ERR_INVALID_HANDLE);
                assert_eq!(polar_error_free(&mut e), POLAR_ERR_INVALID_HANDLE);
                assert_eq!(polar_buffer_free(ptr::null_mut()), POLAR_ERR_NULL_POINTER);
                polar_request_free(ptr::null_mut())
            }
        }
    }
}

/// Copies of `b` that are not what the library handed out are refused and free nothing;
/// then `b` itself is freed, and a stale copy of it is refused.
fn check_buffer(b: &mut PolarBuffer) {
    if b.is_empty_handle() {
        return;
    }
    assert!(b.is_live(), "a buffer handed out is not live");
    let forgeries = [
        PolarBuffer {
            data: b.data.wrapping_add(1),
            ..*b
        },
        PolarBuffer {
            len: b.len + 1,
            ..*b
        },
        PolarBuffer { id: b.id + 1, ..*b },
        PolarBuffer {
            id: b.id.wrapping_sub(1),
            ..*b
        },
    ];
    for mut f in forgeries {
        assert_eq!(
            unsafe { polar_buffer_free(&mut f) },
            POLAR_ERR_INVALID_HANDLE
        );
        assert!(b.is_live(), "a forged copy freed the real buffer");
    }
    let mut stale = PolarBuffer { ..*b };
    assert_eq!(unsafe { polar_buffer_free(b) }, POLAR_OK);
    assert!(b.is_empty_handle());
    assert_eq!(
        unsafe { polar_buffer_free(b) },
        POLAR_OK,
        "a second free is a no-op"
    );
    assert_eq!(
        unsafe { polar_buffer_free(&mut stale) },
        POLAR_ERR_INVALID_HANDLE
    );
}

fuzz_target!(|data: &[u8]| {
    let [entry, nulls, rest @ ..] = data else {
        return;
    };
    let inp = Input {
        fields: rest.split(|b| *b == 0).collect(),
        nulls: *nulls,
        op_ids: polarsh_core::operations::ALL
            .iter()
            .map(|s| s.id.as_bytes().to_vec())
            .collect(),
    };
    let before = polar_live_buffers();
    let mut out = Outputs::default();
    let code = call(*entry, &inp, &mut out);
    assert!(!polar_code_name(code).is_null());
    assert_ne!(code, POLAR_ERR_PANIC, "an entry point panicked");
    let Outputs {
        mut request,
        mut buffer,
        mut error,
        ..
    } = out;
    for b in [
        &mut request.method,
        &mut request.url,
        &mut request.target,
        &mut request.headers,
        &mut request.body,
        &mut buffer,
        &mut error.kind,
        &mut error.message,
        &mut error.model,
        &mut error.body,
    ] {
        check_buffer(b);
    }
    assert_eq!(polar_live_buffers(), before, "a call leaked buffers");
});
