//! Every entry point of the C ABI (polarsh-ffi) with arbitrary input, and its rules: no call
//! panics (a caught panic aborts here, libfuzzer-sys's hook), a forged or stale
//! `PolarBuffer`, `PolarStep` or handle is refused without freeing anything, every output is
//! written only when the header says so, nothing leaks (`polar_live_buffers()` and
//! `polar_live_exchanges()` are back where they were after every input).
//!
//! Input: one byte choosing an arm of [`ARMS`], one byte whose bits pass `NULL` (with the
//! field's length) for pointer arguments (bit 6: the output, bit 7: `err`), then
//! `\0`-separated fields. An operation field of one byte names
//! `polarsh_core::operations::ALL[byte]`, so the fuzzer reaches every operation without
//! guessing its id. A number field is decimal text (`1800000000000`, `-3`) or else
//! little-endian bytes; a jitter field is a float's text, or 8 bytes of its bits.
//!
//! The arms that make a handle (`polar_call_new`, ..., `polar_ingest_new`) take their
//! fields, then run the rest of the input as a script on a [`Session`]: each step is an op
//! field `[op, target, flags, extra...]` followed by the op's fields (see [`OPS`]). `op`
//! picks an entry of [`OPS`]; `target` the handle it acts on (`% 8`: 0 to 4 a live handle
//! of the session, 5 the zero handle, 6 a garbage number from `extra`, 7 a freed one);
//! `flags`: bits 0-3 pass `NULL` for the op's fields, bit 4 for its output, bit 5 for `err`,
//! bit 6 keeps the output (a step, an error, a buffer) unfreed, so the next call meets a
//! non-empty output. A missing byte is 0 (fields cannot hold one: write a target as
//! `8 + slot`, flags with bit 7 set).
//!
//! [`ARMS`] and [`OPS`] are the one list of entry points: a startup check compares their
//! names with the functions `polar-ffi/include/polar.h` declares (itself checked against
//! the crate's `#[no_mangle]` functions by polar-ffi/tests/header.rs), so a new entry point
//! fails this target until it has an arm or an op.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_ffi::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::ffi::CStr;
use std::ptr;

/// The arms the first byte picks, by the entry point they start with.
static ARMS: &[(&str, Arm)] = &[
    ("polar_build_request", Arm::Once(build_request)),
    ("polar_parse_response", Arm::Once(parse_response)),
    ("polar_webhook_verify", Arm::Once(webhook_verify)),
    ("polar_operations", Arm::Once(operations)),
    ("polar_buffer_free", Arm::Once(forged_buffer)),
    ("polar_request_free", Arm::Once(garbage_request)),
    ("polar_error_free", Arm::Once(garbage_error)),
    ("polar_live_buffers", Arm::Once(live_buffers)),
    ("polar_code_name", Arm::Once(code_name)),
    ("polar_call_new", Arm::Session(Kind::Call)),
    ("polar_pages_new", Arm::Session(Kind::Pages)),
    ("polar_items_new", Arm::Session(Kind::Items)),
    ("polar_upload_new", Arm::Session(Kind::Upload)),
    ("polar_ingest_new", Arm::Session(Kind::Ingest)),
];

/// The steps of a session's script: name (the entry point it calls, or a helper's name),
/// how many fields follow the op field, what it does.
static OPS: &[(&str, usize, OpFn)] = &[
    ("polar_exchange_poll", 2, |s, o| s.poll(o, false)),
    ("polar_exchange_response", 3, Session::response),
    ("polar_exchange_fault", 2, Session::fault),
    ("polar_exchange_free", 0, |s, o| s.free(o, false)),
    ("polar_step_free", 0, Session::step_free),
    ("polar_live_exchanges", 0, Session::live),
    ("polar_ingest_poll", 2, |s, o| s.poll(o, true)),
    ("polar_ingest_push", 2, Session::push),
    ("polar_ingest_flush", 0, |s, o| s.flush_close(o, false)),
    ("polar_ingest_close", 0, |s, o| s.flush_close(o, true)),
    ("polar_ingest_stats", 0, |s, o| s.json_out(o, false)),
    ("polar_ingest_take_undelivered", 0, |s, o| {
        s.json_out(o, true)
    }),
    ("polar_ingest_free", 0, |s, o| s.free(o, true)),
    ("polar_call_new", 4, |s, o| s.make_op(Kind::Call, o)),
    ("polar_pages_new", 3, |s, o| s.make_op(Kind::Pages, o)),
    ("polar_items_new", 3, |s, o| s.make_op(Kind::Items, o)),
    ("polar_upload_new", 3, |s, o| s.make_op(Kind::Upload, o)),
    ("polar_ingest_new", 3, |s, o| s.make_op(Kind::Ingest, o)),
    // A plausible answer to the target's last request (extra: variant, then the body or
    // a Retry-After for some variants): takes uploads, walks and queues past the JSON the
    // fuzzer would have to guess.
    ("reply", 0, Session::reply),
    // Up to `extra[0] % 32 + 1` rounds of poll, plausible reply (variant `extra[1]` for
    // the first), sleep.
    ("drive", 0, Session::drive),
];

/// `FFI_FUZZ_TRACE=1`: each step of a session and what it returned, on stderr (to read a
/// crash's input: `cargo +nightly fuzz run ffi <input>`).
fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FFI_FUZZ_TRACE").is_some())
}

macro_rules! trace {
    ($($t:tt)*) => {
        if tracing() {
            eprintln!($($t)*);
        }
    };
}

/// The most steps one input runs.
const MAX_STEPS: usize = 200;
/// A wall clock in milliseconds (2027), the sessions' start.
const T0: u64 = 1_800_000_000_000;

enum Arm {
    /// One call: the fields are its arguments, outputs checked and freed.
    Once(fn(&Args<'_>, &mut Outputs) -> i32),
    /// A handle made from the fields, then the script.
    Session(Kind),
}

type OpFn = fn(&mut Session, &Op<'_>);

/// What the header declares: every `polar_xxx(` that starts a declaration.
fn header_functions() -> BTreeSet<String> {
    include_str!("../../polar-ffi/include/polar.h")
        .lines()
        .filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*"))
        .filter_map(|l| {
            let i = l.find("polar_")?;
            let name: String = l[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            l[i + name.len()..].starts_with('(').then_some(name)
        })
        .collect()
}

/// The arms and ops cover exactly the header's functions.
fn check_entry_points() {
    let covered: BTreeSet<String> = ARMS
        .iter()
        .map(|(n, _)| *n)
        .chain(OPS.iter().map(|(n, _, _)| *n))
        .filter(|n| n.starts_with("polar_"))
        .map(str::to_owned)
        .collect();
    let declared = header_functions();
    assert!(declared.len() >= 27, "polar.h declares {declared:?}");
    let missing: Vec<_> = declared.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&declared).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "fuzz/fuzz_targets/ffi.rs is out of date with polar.h: no arm or op calls {missing:?}; \
         {unknown:?} are not in the header. Add them to ARMS or OPS."
    );
}

// ----------------------------------------------------------------------------------------
// Reading the input.

/// Fields of one call, and which of them are passed as `NULL`.
#[derive(Clone, Copy)]
struct Args<'a> {
    fields: &'a [&'a [u8]],
    nulls: u8,
}

impl<'a> Args<'a> {
    fn field(&self, i: usize) -> &'a [u8] {
        self.fields.get(i).copied().unwrap_or(&[])
    }

    fn is_null(&self, i: usize) -> bool {
        i < 8 && self.nulls & (1 << i) != 0
    }

    /// Field `i` as a (pointer, length) pair; `NULL` with the length when bit `i` is set.
    fn arg(&self, i: usize) -> (*const u8, usize) {
        let f = self.field(i);
        if self.is_null(i) {
            (ptr::null(), f.len())
        } else {
            (f.as_ptr(), f.len())
        }
    }

    /// Field `i` as an operationId: one byte picks a real one.
    fn op(&self, i: usize) -> (*const u8, usize) {
        match self.field(i) {
            [b] if !self.is_null(i) => {
                let ops = polarsh_core::operations::ALL;
                let id = ops[usize::from(*b) % ops.len()].id;
                (id.as_ptr(), id.len())
            }
            _ => self.arg(i),
        }
    }

    fn num(&self, i: usize) -> u64 {
        number(self.field(i))
    }

    fn jitter(&self, i: usize) -> f64 {
        let f = self.field(i);
        if let Some(x) = std::str::from_utf8(f)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
        {
            return x;
        }
        match f {
            [] => 0.5,
            [b] => f64::from(*b) / 256.0,
            _ => {
                let mut x = [0u8; 8];
                for (slot, b) in x.iter_mut().zip(f) {
                    *slot = *b;
                }
                f64::from_bits(u64::from_le_bytes(x))
            }
        }
    }

    /// `err` after a one-call arm (bit 7: passed as `NULL`, nothing to check).
    fn check_error(&self, code: i32, e: &PolarError) {
        if self.nulls & 0x80 == 0 {
            check_error(code, e);
        }
    }

    fn out_ptr<T>(&self, bit: u8, out: &mut T) -> *mut T {
        if self.nulls & (1 << bit) != 0 {
            ptr::null_mut()
        } else {
            out
        }
    }
}

/// Decimal text (negative numbers as their two's complement), else little-endian bytes
/// (missing bytes are 0).
fn number(f: &[u8]) -> u64 {
    if let Ok(s) = std::str::from_utf8(f) {
        if let Ok(n) = s.parse::<u64>() {
            return n;
        }
        if let Ok(n) = s.parse::<i64>() {
            return n as u64;
        }
    }
    let mut x = [0u8; 8];
    for (slot, b) in x.iter_mut().zip(f) {
        *slot = *b;
    }
    u64::from_le_bytes(x)
}

// ----------------------------------------------------------------------------------------
// Outputs: checking and freeing what the library handed out.

fn text(b: &PolarBuffer) -> Vec<u8> {
    b.to_vec().expect("a live buffer")
}

fn error_live(e: &PolarError) -> bool {
    [&e.kind, &e.message, &e.model, &e.body]
        .iter()
        .any(|b| b.is_live())
}

fn step_buffers(s: &PolarStep) -> [&PolarBuffer; 6] {
    let r = &s.request;
    [&r.method, &r.url, &r.target, &r.headers, &r.body, &s.result]
}

fn step_live(s: &PolarStep) -> bool {
    step_buffers(s).iter().any(|b| b.is_live())
}

fn same_buffer(a: &PolarBuffer, b: &PolarBuffer) -> bool {
    (a.data, a.len, a.id) == (b.data, b.len, b.id)
}

/// Copies of a live `b` that are not what the library handed out are refused and free
/// nothing (the ids are small sequential numbers: the neighbours' name other live buffers).
fn refuse_forgeries(b: &PolarBuffer) {
    if b.is_empty_handle() {
        return;
    }
    assert!(b.is_live(), "a buffer handed out is not live: {b:?}");
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
        PolarBuffer {
            data: ptr::null(),
            len: 0,
            ..*b
        },
    ];
    for mut f in forgeries {
        // SAFETY: a readable and writable struct.
        assert_eq!(
            unsafe { polar_buffer_free(&mut f) },
            POLAR_ERR_INVALID_HANDLE,
            "a forged buffer was accepted"
        );
        assert!(f.is_empty_handle(), "a refused buffer is zeroed");
        assert!(b.is_live(), "a forged copy freed the real buffer");
    }
}

/// Checks `b` (forgeries refused), frees it, and checks a second free is a no-op and a
/// stale copy is refused.
fn free_buffer(b: &mut PolarBuffer) {
    if b.is_empty_handle() {
        return;
    }
    refuse_forgeries(b);
    let mut stale = PolarBuffer { ..*b };
    // SAFETY: readable and writable structs.
    unsafe {
        assert_eq!(polar_buffer_free(b), POLAR_OK);
        assert!(b.is_empty_handle());
        assert_eq!(polar_buffer_free(b), POLAR_OK, "a second free is a no-op");
        assert_eq!(polar_buffer_free(&mut stale), POLAR_ERR_INVALID_HANDLE);
    }
}

fn free_request(r: &mut PolarRequest) {
    let bufs = [&r.method, &r.url, &r.target, &r.headers, &r.body];
    let any = bufs.iter().any(|b| !b.is_empty_handle());
    bufs.iter().for_each(|b| refuse_forgeries(b));
    let mut stale = PolarRequest {
        method: PolarBuffer { ..r.method },
        url: PolarBuffer { ..r.url },
        target: PolarBuffer { ..r.target },
        headers: PolarBuffer { ..r.headers },
        body: PolarBuffer { ..r.body },
    };
    // SAFETY: readable and writable structs.
    unsafe {
        assert_eq!(polar_request_free(r), POLAR_OK);
        assert_eq!(polar_request_free(r), POLAR_OK);
        let again = polar_request_free(&mut stale);
        assert_eq!(
            again,
            if any {
                POLAR_ERR_INVALID_HANDLE
            } else {
                POLAR_OK
            }
        );
    }
}

fn free_error(e: &mut PolarError) {
    let bufs = [&e.kind, &e.message, &e.model, &e.body];
    let any = bufs.iter().any(|b| !b.is_empty_handle());
    bufs.iter().for_each(|b| refuse_forgeries(b));
    let mut stale = PolarError {
        code: e.code,
        status: e.status,
        kind: PolarBuffer { ..e.kind },
        message: PolarBuffer { ..e.message },
        model: PolarBuffer { ..e.model },
        body: PolarBuffer { ..e.body },
    };
    // SAFETY: readable and writable structs.
    unsafe {
        assert_eq!(polar_error_free(e), POLAR_OK);
        assert_eq!((e.code, e.status), (0, 0));
        assert!(!error_live(e));
        let again = polar_error_free(&mut stale);
        assert_eq!(
            again,
            if any {
                POLAR_ERR_INVALID_HANDLE
            } else {
                POLAR_OK
            }
        );
    }
}

fn free_step(s: &mut PolarStep) {
    let any = step_buffers(s).iter().any(|b| !b.is_empty_handle());
    step_buffers(s).iter().for_each(|b| refuse_forgeries(b));
    let r = &s.request;
    let mut stale = PolarStep {
        request: PolarRequest {
            method: PolarBuffer { ..r.method },
            url: PolarBuffer { ..r.url },
            target: PolarBuffer { ..r.target },
            headers: PolarBuffer { ..r.headers },
            body: PolarBuffer { ..r.body },
        },
        result: PolarBuffer { ..s.result },
        ..PolarStep::default()
    };
    // SAFETY: readable and writable structs.
    unsafe {
        assert_eq!(polar_step_free(s), POLAR_OK);
        assert_eq!(s.kind, 0, "a freed step is zeroed");
        assert!(step_buffers(s).iter().all(|b| b.is_empty_handle()));
        assert_eq!(polar_step_free(s), POLAR_OK, "a second free is a no-op");
        let again = polar_step_free(&mut stale);
        assert_eq!(
            again,
            if any {
                POLAR_ERR_INVALID_HANDLE
            } else {
                POLAR_OK
            }
        );
    }
}

/// A return code the header defines (never a panic).
fn check_code(code: i32) {
    assert_ne!(code, POLAR_ERR_PANIC, "an entry point panicked");
    // SAFETY: a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(polar_code_name(code)) };
    assert_ne!(
        name.to_bytes(),
        b"POLAR_ERR_UNKNOWN_CODE",
        "{code} is no POLAR_* code"
    );
}

/// `err` after a call that returned `code`: untouched on success, filled on failure.
fn check_error(code: i32, e: &PolarError) {
    if code == POLAR_OK {
        assert!(!error_live(e) && e.code == 0, "err written on success");
    } else {
        assert_eq!(e.code, code, "err.code is the code returned");
        assert!(e.kind.is_live() && e.message.is_live(), "err is filled");
        assert!(!text(&e.kind).is_empty());
    }
}

/// JSON the library wrote.
fn json_of(b: &PolarBuffer) -> Value {
    let bytes = text(b);
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        )
    })
}

// ----------------------------------------------------------------------------------------
// The one-call arms. SAFETY of every call: each pointer is NULL or points to the field's
// bytes (alive for the call), out pointers are NULL or to zeroed structs.

/// What the one-call arms write into.
#[derive(Default)]
struct Outputs {
    request: PolarRequest,
    buffer: PolarBuffer,
    error: PolarError,
}

fn build_request(a: &Args<'_>, out: &mut Outputs) -> i32 {
    let ((o, ol), (p, pl), (c, cl)) = (a.op(0), a.arg(1), a.arg(2));
    let (req, err) = (a.out_ptr(6, &mut out.request), a.out_ptr(7, &mut out.error));
    let code = unsafe { polar_build_request(o, ol, p, pl, c, cl, req, err) };
    a.check_error(code, &out.error);
    if code == POLAR_OK {
        let r = &out.request;
        assert!(r.method.is_live() && r.url.is_live() && r.target.is_live());
        let url = String::from_utf8(text(&r.url)).expect("a UTF-8 URL");
        let target = String::from_utf8(text(&r.target)).expect("a UTF-8 target");
        assert!(
            target.starts_with('/') && url.ends_with(&target),
            "{url} / {target}"
        );
    }
    code
}

fn parse_response(a: &Args<'_>, out: &mut Outputs) -> i32 {
    let ((o, ol), (h, hl), (b, bl)) = (a.op(0), a.arg(2), a.arg(3));
    let status = a.num(1) as u16;
    let (buf, err) = (a.out_ptr(6, &mut out.buffer), a.out_ptr(7, &mut out.error));
    let code = unsafe { polar_parse_response(o, ol, status, h, hl, b, bl, buf, err) };
    a.check_error(code, &out.error);
    if code == POLAR_OK {
        json_of(&out.buffer);
    }
    code
}

fn webhook_verify(a: &Args<'_>, out: &mut Outputs) -> i32 {
    let ((h, hl), (b, bl), (s, sl)) = (a.arg(0), a.arg(1), a.arg(2));
    let (buf, err) = (a.out_ptr(6, &mut out.buffer), a.out_ptr(7, &mut out.error));
    let code = unsafe { polar_webhook_verify(h, hl, b, bl, s, sl, a.num(3) as i64, buf, err) };
    a.check_error(code, &out.error);
    if code == POLAR_OK {
        assert!(json_of(&out.buffer).is_object());
    }
    code
}

fn operations(a: &Args<'_>, out: &mut Outputs) -> i32 {
    let (buf, err) = (a.out_ptr(6, &mut out.buffer), a.out_ptr(7, &mut out.error));
    let code = unsafe { polar_operations(buf, err) };
    a.check_error(code, &out.error);
    if code == POLAR_OK {
        let list = json_of(&out.buffer);
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(polarsh_core::operations::ALL.len())
        );
    }
    code
}

/// A buffer made of arbitrary bytes: nothing the library handed out.
fn forged_buffer(a: &Args<'_>, _: &mut Outputs) -> i32 {
    let mut forged = PolarBuffer {
        data: a.num(0) as usize as *const u8,
        len: a.num(1) as usize,
        id: a.num(2),
    };
    let zero = forged.is_empty_handle();
    let code = unsafe { polar_buffer_free(&mut forged) };
    assert!(
        code == POLAR_OK && zero || code == POLAR_ERR_INVALID_HANDLE,
        "a forged buffer was accepted: {code}"
    );
    assert!(forged.is_empty_handle());
    assert_eq!(
        unsafe { polar_buffer_free(ptr::null_mut()) },
        POLAR_ERR_NULL_POINTER
    );
    code
}

fn garbage(a: &Args<'_>, i: usize) -> PolarBuffer {
    PolarBuffer {
        data: a.num(i) as usize as *const u8,
        len: a.num(i + 1) as usize,
        // Above any id handed out: never a live buffer.
        id: a.num(i + 2) | 1 << 63,
    }
}

fn garbage_request(a: &Args<'_>, _: &mut Outputs) -> i32 {
    let mut req = PolarRequest {
        method: garbage(a, 0),
        body: garbage(a, 3),
        ..PolarRequest::default()
    };
    unsafe {
        assert_eq!(polar_request_free(&mut req), POLAR_ERR_INVALID_HANDLE);
        assert!(req.method.is_empty_handle() && req.body.is_empty_handle());
        assert_eq!(polar_request_free(&mut req), POLAR_OK);
        polar_request_free(ptr::null_mut())
    }
}

fn garbage_error(a: &Args<'_>, _: &mut Outputs) -> i32 {
    let mut e = PolarError {
        code: a.num(6) as i32,
        status: a.num(7) as u16,
        kind: garbage(a, 0),
        model: garbage(a, 3),
        ..PolarError::default()
    };
    unsafe {
        assert_eq!(polar_error_free(&mut e), POLAR_ERR_INVALID_HANDLE);
        assert!(!error_live(&e) && e.code == 0 && e.status == 0);
        polar_error_free(ptr::null_mut())
    }
}

fn live_buffers(_: &Args<'_>, _: &mut Outputs) -> i32 {
    // Called with nothing made yet: whatever the previous inputs did was freed.
    assert_eq!(polar_live_buffers(), 0, "buffers leaked by earlier inputs");
    assert_eq!(
        polar_live_exchanges(),
        0,
        "exchanges leaked by earlier inputs"
    );
    POLAR_OK
}

fn code_name(a: &Args<'_>, _: &mut Outputs) -> i32 {
    let code = a.num(0) as i32;
    let name = polar_code_name(code);
    assert!(!name.is_null());
    // SAFETY: a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) }.to_str().expect("ASCII");
    assert!(name.starts_with("POLAR_"), "{name}");
    POLAR_OK
}

// ----------------------------------------------------------------------------------------
// Sessions: handles and the ops on them.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Call,
    Pages,
    Items,
    Upload,
    Ingest,
}

/// The last request a handle sent.
struct Sent {
    method: Vec<u8>,
    url: String,
    body: Vec<u8>,
}

/// A live handle and what is known of it.
struct Handle {
    id: u64,
    kind: Kind,
    /// A `SEND` was polled and nothing handed back for it yet.
    out: bool,
    /// A call or an upload gave its result, or a walk ended: every later poll says so.
    over: bool,
    sent: Option<Sent>,
    /// Ingest queues: events pushed (OK), taken back, and whether it was closed.
    pushed: u64,
    taken: u64,
    closed: bool,
}

/// What an op's target byte names.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// `handles[i]`.
    Live(usize),
    /// The zero handle.
    Zero,
    /// A number naming nothing live (garbage, or a handle freed before).
    Dead(u64),
}

/// One step of the script.
struct Op<'a> {
    target: Target,
    flags: u8,
    extra: &'a [u8],
    args: Args<'a>,
}

impl Op<'_> {
    fn out_null(&self) -> bool {
        self.flags & 0x10 != 0
    }
    fn err_null(&self) -> bool {
        self.flags & 0x20 != 0
    }
    fn keep(&self) -> bool {
        self.flags & 0x40 != 0
    }
}

struct Session {
    handles: Vec<Handle>,
    freed: Vec<u64>,
    step: PolarStep,
    err: PolarError,
    buf: PolarBuffer,
    now: u64,
    /// `polar_live_exchanges()` and `polar_live_buffers()` before the session.
    base: (usize, usize),
}

/// The codes a poll's result may have (the call, page, item or upload failed).
const RESULT_CODES: [i32; 8] = [
    POLAR_ERR_BUILD,
    POLAR_ERR_API,
    POLAR_ERR_UNEXPECTED_STATUS,
    POLAR_ERR_DECODE,
    POLAR_ERR_TRANSPORT,
    POLAR_ERR_OUT_OF_ORDER,
    POLAR_ERR_UPLOAD,
    POLAR_ERR_OTHER,
];

impl Session {
    fn new() -> Session {
        Session {
            handles: Vec::new(),
            freed: Vec::new(),
            step: PolarStep::default(),
            err: PolarError::default(),
            buf: PolarBuffer::default(),
            now: T0,
            base: (polar_live_exchanges(), polar_live_buffers()),
        }
    }

    fn target(&self, byte: u8, extra: &[u8]) -> Target {
        let n = self.handles.len();
        let dead = |id: u64| match self.handles.iter().position(|h| h.id == id) {
            Some(i) => Target::Live(i),
            None if id == 0 => Target::Zero,
            None => Target::Dead(id),
        };
        match byte % 8 {
            i @ 0..=4 if n > 0 => Target::Live(usize::from(i) % n),
            6 => dead(number(extra)),
            7 => match self.freed.last() {
                Some(id) => Target::Dead(*id),
                None => dead(number(extra)),
            },
            _ => Target::Zero,
        }
    }

    fn id(&self, t: Target) -> u64 {
        match t {
            Target::Live(i) => self.handles[i].id,
            Target::Zero => 0,
            Target::Dead(id) => id,
        }
    }

    /// The live handle `t` names when it is of the kind asked (a queue or not).
    fn of_kind(&self, t: Target, ingest: bool) -> Option<usize> {
        match t {
            Target::Live(i) if (self.handles[i].kind == Kind::Ingest) == ingest => Some(i),
            _ => None,
        }
    }

    /// `err` for a call: the session's, or `NULL`; and whether it still holds buffers
    /// (then the call must refuse to run: `POLAR_ERR_OUT_NOT_EMPTY`, nothing done).
    fn err_arg(&mut self, null: bool) -> (*mut PolarError, bool) {
        if null {
            (ptr::null_mut(), false)
        } else {
            (&mut self.err, error_live(&self.err))
        }
    }

    /// After a call given `err` (unless NULL): checks and frees it (unless kept).
    fn after(&mut self, code: i32, err_null: bool, err_dirty: bool, keep: bool) {
        check_code(code);
        if err_dirty {
            assert_eq!(
                code, POLAR_ERR_OUT_NOT_EMPTY,
                "a call wrote over a live err"
            );
            assert!(error_live(&self.err));
        } else if !err_null {
            check_error(code, &self.err);
        }
        if !keep {
            free_error(&mut self.err);
        }
    }

    // --- making handles

    fn make(&mut self, kind: Kind, a: &Args<'_>, target: Target, flags: (bool, bool, bool)) {
        let (out_null, err_null, keep) = flags;
        let (err, err_dirty) = self.err_arg(err_null);
        let mut var = self.id(target);
        let out: *mut u64 = if out_null { ptr::null_mut() } else { &mut var };
        let before = polar_live_exchanges();
        let code = unsafe {
            match kind {
                Kind::Call => {
                    let ((o, ol), (p, pl), (c, cl)) = (a.op(0), a.arg(1), a.arg(2));
                    polar_call_new(o, ol, p, pl, c, cl, a.num(3) & 1 != 0, out, err)
                }
                Kind::Pages => {
                    let ((o, ol), (p, pl), (c, cl)) = (a.op(0), a.arg(1), a.arg(2));
                    polar_pages_new(o, ol, p, pl, c, cl, out, err)
                }
                Kind::Items => {
                    let ((o, ol), (p, pl), (c, cl)) = (a.op(0), a.arg(1), a.arg(2));
                    polar_items_new(o, ol, p, pl, c, cl, out, err)
                }
                Kind::Upload => {
                    let ((f, fl), (d, dl), (c, cl)) = (a.arg(0), a.arg(1), a.arg(2));
                    polar_upload_new(f, fl, d, dl, c, cl, out, err)
                }
                Kind::Ingest => {
                    let ((c, cl), (i, il), (s, sl)) = (a.arg(0), a.arg(1), a.arg(2));
                    polar_ingest_new(c, cl, i, il, s, sl, out, err)
                }
            }
        };
        trace!("  {kind:?}_new into {target:?}: {code} -> {var}");
        self.after(code, err_null, err_dirty, keep);
        let refusal = if err_dirty {
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else if out_null {
            Some(POLAR_ERR_NULL_POINTER)
        } else if matches!(target, Target::Live(_)) {
            // `*out_handle` names a live exchange: it would be lost.
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else {
            None
        };
        if let Some(r) = refusal {
            assert_eq!(code, r, "{kind:?}_new into {target:?}");
        }
        if code == POLAR_OK {
            assert_ne!(var, 0, "a handle is never 0");
            assert!(self.handles.iter().all(|h| h.id != var) && !self.freed.contains(&var));
            assert_eq!(polar_live_exchanges(), before + 1);
            self.handles.push(Handle {
                id: var,
                kind,
                out: false,
                over: false,
                sent: None,
                pushed: 0,
                taken: 0,
                closed: false,
            });
        } else {
            assert_eq!(var, self.id(target), "a refused *_new wrote its handle");
            assert_eq!(polar_live_exchanges(), before);
        }
    }

    fn make_op(&mut self, kind: Kind, o: &Op<'_>) {
        let flags = (o.out_null(), o.err_null(), o.keep());
        self.make(kind, &o.args, o.target, flags);
    }

    // --- polls

    fn poll(&mut self, o: &Op<'_>, ingest: bool) {
        let now = if o.args.field(0).is_empty() {
            self.now
        } else {
            o.args.num(0)
        };
        self.poll_at(o.target, now, o.args.jitter(1), o.flags, ingest);
    }

    /// Polls `t` (with `polar_ingest_poll` when `ingest`); the step's kind and the code, or
    /// None when the poll was refused.
    fn poll_at(
        &mut self,
        t: Target,
        now: u64,
        jitter: f64,
        flags: u8,
        ingest: bool,
    ) -> Option<(i32, i32)> {
        let (step_null, err_null, keep) = (flags & 0x10 != 0, flags & 0x20 != 0, flags & 0x40 != 0);
        let (err, err_dirty) = self.err_arg(err_null);
        let step_dirty = step_live(&self.step);
        let before: Vec<PolarBuffer> = step_buffers(&self.step)
            .iter()
            .map(|b| PolarBuffer { ..**b })
            .collect();
        let kind_before = self.step.kind;
        let step: *mut PolarStep = if step_null {
            ptr::null_mut()
        } else {
            &mut self.step
        };
        let id = self.id(t);
        let code = unsafe {
            if ingest {
                polar_ingest_poll(id, now, jitter, step, err)
            } else {
                polar_exchange_poll(id, now, jitter, step, err)
            }
        };
        trace!(
            "  poll {t:?} at {now} ({jitter}): {code}, step {} wait {} attempt {}{}",
            self.step.kind,
            self.step.wait_ms,
            self.step.attempt,
            if code == POLAR_OK && self.step.kind == POLAR_STEP_SEND {
                format!(
                    " {}",
                    String::from_utf8_lossy(&text(&self.step.request.url))
                )
            } else if self.step.result.is_live() {
                let r = text(&self.step.result);
                format!(" {}", String::from_utf8_lossy(&r[..r.len().min(120)]))
            } else if !err_null && code != POLAR_OK && self.err.message.is_live() {
                format!(" {}", String::from_utf8_lossy(&text(&self.err.message)))
            } else {
                String::new()
            }
        );
        self.after(code, err_null, err_dirty, keep);
        let target = self.of_kind(t, ingest);
        let refusal = if err_dirty {
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else if step_null {
            Some(POLAR_ERR_NULL_POINTER)
        } else if step_dirty {
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else if !(0.0..1.0).contains(&jitter) {
            Some(POLAR_ERR_INVALID_ARGUMENT)
        } else if target.is_none() {
            Some(POLAR_ERR_INVALID_HANDLE)
        } else {
            None
        };
        let result = match (refusal, target) {
            (Some(r), _) => {
                assert_eq!(code, r, "poll of {t:?} (ingest: {ingest})");
                assert_eq!(self.step.kind, kind_before, "a refused poll wrote its step");
                for (a, b) in before.iter().zip(step_buffers(&self.step)) {
                    assert!(same_buffer(a, b), "a refused poll wrote its step");
                }
                None
            }
            (None, Some(i)) => {
                let step = &self.step;
                let h = &mut self.handles[i];
                check_step(h, code, step);
                if step.kind == POLAR_STEP_WAIT {
                    self.now = now.saturating_add(step.wait_ms);
                } else {
                    self.now = now;
                }
                Some((code, step.kind))
            }
            (None, None) => unreachable!(),
        };
        if !keep {
            free_step(&mut self.step);
        }
        result
    }

    // --- what comes back for a SEND

    fn response(&mut self, o: &Op<'_>) {
        let status = o.args.num(0) as u16;
        let (h, b) = (o.args.arg(1), o.args.arg(2));
        self.respond(o.target, status, h, b, o.flags);
    }

    fn respond(
        &mut self,
        t: Target,
        status: u16,
        (h, hl): (*const u8, usize),
        (b, bl): (*const u8, usize),
        flags: u8,
    ) -> i32 {
        let (err_null, keep) = (flags & 0x20 != 0, flags & 0x40 != 0);
        let (err, err_dirty) = self.err_arg(err_null);
        let id = self.id(t);
        let code = unsafe { polar_exchange_response(id, status, h, hl, b, bl, err) };
        trace!("  response {status} to {t:?}: {code}");
        let kind = (!err_null && code == POLAR_ERR_INVALID_ARGUMENT && !err_dirty)
            .then(|| text(&self.err.kind));
        self.after(code, err_null, err_dirty, keep);
        let refusal = if err_dirty {
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else if h.is_null() && hl > 0 || b.is_null() && bl > 0 {
            Some(POLAR_ERR_NULL_POINTER)
        } else if http::StatusCode::from_u16(status).is_err() {
            Some(POLAR_ERR_INVALID_ARGUMENT)
        } else {
            None
        };
        if let Some(r) = refusal {
            assert_eq!(code, r, "response to {t:?}");
            return code;
        }
        if code == POLAR_ERR_INVALID_ARGUMENT {
            // The header block (not predicted here): refused before the handle is looked up.
            assert!(hl > 0, "an empty header block refused");
            if let Some(kind) = kind {
                assert_eq!(kind, b"invalid_header");
            }
            return code;
        }
        match t {
            Target::Live(i) => {
                let h = &mut self.handles[i];
                let expected = if h.out {
                    POLAR_OK
                } else {
                    POLAR_ERR_OUT_OF_ORDER
                };
                assert_eq!(code, expected, "response to {:?} (out: {})", h.kind, h.out);
                h.out = false;
            }
            _ => assert_eq!(code, POLAR_ERR_INVALID_HANDLE, "response to {t:?}"),
        }
        code
    }

    fn fault(&mut self, o: &Op<'_>) {
        let (err_null, keep) = (o.err_null(), o.keep());
        let (err, err_dirty) = self.err_arg(err_null);
        let kind = o.args.num(0) as i32;
        let (m, ml) = o.args.arg(1);
        let id = self.id(o.target);
        let code = unsafe { polar_exchange_fault(id, kind, m, ml, err) };
        self.after(code, err_null, err_dirty, keep);
        let expected = if err_dirty {
            POLAR_ERR_OUT_NOT_EMPTY
        } else if m.is_null() && ml > 0 {
            POLAR_ERR_NULL_POINTER
        } else if std::str::from_utf8(o.args.field(1)).is_err() {
            POLAR_ERR_INVALID_UTF8
        } else if !matches!(o.target, Target::Live(_)) {
            POLAR_ERR_INVALID_HANDLE
        } else if !(POLAR_FAULT_NOT_SENT..=POLAR_FAULT_ABORTED).contains(&kind) {
            POLAR_ERR_INVALID_ARGUMENT
        } else {
            POLAR_OK
        };
        assert_eq!(code, expected, "fault {kind} to {:?}", o.target);
        if let (POLAR_OK, Target::Live(i)) = (code, o.target) {
            self.handles[i].out = false;
        }
    }

    // --- a plausible server

    fn reply(&mut self, o: &Op<'_>) {
        let variant = o.extra.first().copied().unwrap_or(0);
        let rest = o.extra.get(1..).unwrap_or_default();
        self.reply_with(o.target, variant, rest, o.flags);
    }

    fn reply_with(&mut self, t: Target, variant: u8, extra: &[u8], flags: u8) -> i32 {
        let sent = match t {
            Target::Live(i) => self.handles[i].sent.as_ref(),
            _ => None,
        };
        let (status, headers, body) = plausible(sent, variant, extra);
        let h = (headers.as_ptr(), headers.len());
        let b = (body.as_ptr(), body.len());
        self.respond(t, status, h, b, flags & 0x60)
    }

    fn drive(&mut self, o: &Op<'_>) {
        let rounds = o.extra.first().map_or(1, |r| usize::from(r % 32) + 1);
        let mut variant = o.extra.get(1).copied().unwrap_or(0);
        let extra = o.extra.get(2..).unwrap_or_default();
        let ingest = match o.target {
            Target::Live(i) => self.handles[i].kind == Kind::Ingest,
            _ => false,
        };
        for _ in 0..rounds {
            let Some((code, kind)) = self.poll_at(o.target, self.now, 0.5, 0, ingest) else {
                return;
            };
            match kind {
                POLAR_STEP_SEND => {
                    self.reply_with(o.target, variant, extra, 0);
                    variant = 0;
                }
                POLAR_STEP_WAIT | POLAR_STEP_PROGRESS | POLAR_STEP_REPORT => {}
                POLAR_STEP_DONE if code == POLAR_OK => {}
                _ => return,
            }
        }
    }

    // --- usage-event queues

    fn push(&mut self, o: &Op<'_>) {
        let (err_null, keep) = (o.err_null(), o.keep());
        let (err, err_dirty) = self.err_arg(err_null);
        let (e, el) = o.args.arg(0);
        let now = if o.args.field(1).is_empty() {
            self.now
        } else {
            o.args.num(1)
        };
        let id = self.id(o.target);
        let code = unsafe { polar_ingest_push(id, e, el, now, err) };
        self.after(code, err_null, err_dirty, keep);
        let event = o.args.field(0);
        let refusal = if err_dirty {
            Some(POLAR_ERR_OUT_NOT_EMPTY)
        } else if e.is_null() {
            Some(POLAR_ERR_NULL_POINTER)
        } else if std::str::from_utf8(event).is_err() {
            Some(POLAR_ERR_INVALID_UTF8)
        } else if !matches!(serde_json::from_slice::<Value>(event), Ok(Value::Object(_))) {
            Some(POLAR_ERR_INVALID_JSON)
        } else {
            None
        };
        if let Some(r) = refusal {
            assert_eq!(code, r, "push {:?}", String::from_utf8_lossy(event));
            return;
        }
        if code == POLAR_ERR_INVALID_ARGUMENT {
            return; // Not an event (checked before the handle).
        }
        let Some(i) = self.of_kind(o.target, true) else {
            assert_eq!(code, POLAR_ERR_INVALID_HANDLE, "push to {:?}", o.target);
            return;
        };
        let h = &mut self.handles[i];
        if h.closed {
            assert_eq!(code, POLAR_ERR_QUEUE_CLOSED);
        } else {
            assert!(
                matches!(code, POLAR_OK | POLAR_ERR_QUEUE_FULL),
                "push: {code}"
            );
        }
        if code == POLAR_OK {
            h.pushed += 1;
        }
    }

    fn flush_close(&mut self, o: &Op<'_>, close: bool) {
        let (err_null, keep) = (o.err_null(), o.keep());
        let (err, err_dirty) = self.err_arg(err_null);
        let id = self.id(o.target);
        let code = unsafe {
            if close {
                polar_ingest_close(id, err)
            } else {
                polar_ingest_flush(id, err)
            }
        };
        self.after(code, err_null, err_dirty, keep);
        let target = self.of_kind(o.target, true);
        let expected = if err_dirty {
            POLAR_ERR_OUT_NOT_EMPTY
        } else if target.is_none() {
            POLAR_ERR_INVALID_HANDLE
        } else {
            POLAR_OK
        };
        assert_eq!(code, expected);
        if let (POLAR_OK, Some(i), true) = (code, target, close) {
            self.handles[i].closed = true;
        }
    }

    /// `polar_ingest_stats`, or `polar_ingest_take_undelivered` when `take`.
    fn json_out(&mut self, o: &Op<'_>, take: bool) {
        let (err_null, keep) = (o.err_null(), o.keep());
        let (err, err_dirty) = self.err_arg(err_null);
        let buf_dirty = self.buf.is_live();
        let kept = PolarBuffer { ..self.buf };
        let out: *mut PolarBuffer = if o.out_null() {
            ptr::null_mut()
        } else {
            &mut self.buf
        };
        let id = self.id(o.target);
        let code = unsafe {
            if take {
                polar_ingest_take_undelivered(id, out, err)
            } else {
                polar_ingest_stats(id, out, err)
            }
        };
        self.after(code, err_null, err_dirty, keep);
        let target = self.of_kind(o.target, true);
        let expected = if err_dirty {
            POLAR_ERR_OUT_NOT_EMPTY
        } else if o.out_null() {
            POLAR_ERR_NULL_POINTER
        } else if buf_dirty {
            POLAR_ERR_OUT_NOT_EMPTY
        } else if target.is_none() {
            POLAR_ERR_INVALID_HANDLE
        } else {
            POLAR_OK
        };
        assert_eq!(code, expected, "stats/take ({take}) of {:?}", o.target);
        if code != POLAR_OK {
            assert!(
                same_buffer(&kept, &self.buf),
                "a refused call wrote its output"
            );
        }
        if let (POLAR_OK, Some(i)) = (code, target) {
            let value = json_of(&self.buf);
            let h = &mut self.handles[i];
            if take {
                let events = value.as_array().expect("an array of events");
                for e in events {
                    let id = e["external_id"].as_str().unwrap_or_default();
                    assert!(!id.is_empty(), "an undelivered event without id: {e}");
                }
                h.taken += events.len() as u64;
            } else {
                check_stats(h, &value);
            }
        }
        if !keep {
            free_buffer(&mut self.buf);
        }
    }

    // --- freeing

    /// `polar_exchange_free`, or `polar_ingest_free` when `ingest`, through a variable
    /// holding the target's number; then again through it (a no-op), and a stale copy.
    fn free(&mut self, o: &Op<'_>, ingest: bool) {
        let mut var = self.id(o.target);
        let before = polar_live_exchanges();
        let code = unsafe {
            let p: *mut u64 = if o.out_null() {
                ptr::null_mut()
            } else {
                &mut var
            };
            if ingest {
                polar_ingest_free(p)
            } else {
                polar_exchange_free(p)
            }
        };
        check_code(code);
        if o.out_null() {
            assert_eq!(code, POLAR_ERR_NULL_POINTER);
            return;
        }
        match (o.target, self.of_kind(o.target, ingest)) {
            (Target::Zero, _) => assert_eq!((code, var), (POLAR_OK, 0)),
            (Target::Dead(_), _) => assert_eq!((code, var), (POLAR_ERR_INVALID_HANDLE, 0)),
            (Target::Live(i), None) => {
                // The other kind's: left alone, still live.
                assert_eq!(code, POLAR_ERR_INVALID_HANDLE);
                assert_eq!(
                    var, self.handles[i].id,
                    "a handle of the other kind was zeroed"
                );
                assert_eq!(polar_live_exchanges(), before);
            }
            (Target::Live(i), Some(_)) => {
                assert_eq!((code, var), (POLAR_OK, 0));
                assert_eq!(polar_live_exchanges(), before - 1);
                let h = self.handles.remove(i);
                self.freed.push(h.id);
                let mut stale = h.id;
                unsafe {
                    assert_eq!(polar_exchange_free(&mut var), POLAR_OK);
                    assert_eq!(polar_ingest_free(&mut var), POLAR_OK);
                    let again = if ingest {
                        polar_ingest_free(&mut stale)
                    } else {
                        polar_exchange_free(&mut stale)
                    };
                    assert_eq!((again, stale), (POLAR_ERR_INVALID_HANDLE, 0));
                }
            }
        }
    }

    fn step_free(&mut self, o: &Op<'_>) {
        match o.extra.first().copied().unwrap_or(0) % 3 {
            0 => free_step(&mut self.step),
            1 => assert_eq!(
                unsafe { polar_step_free(ptr::null_mut()) },
                POLAR_ERR_NULL_POINTER
            ),
            _ => {
                let g = |i: usize| PolarBuffer {
                    data: number(o.extra.get(i..).unwrap_or_default()) as usize as *const u8,
                    len: i,
                    id: number(o.extra) | 1 << 63,
                };
                let mut s = PolarStep {
                    kind: POLAR_STEP_DONE,
                    request: PolarRequest {
                        url: g(1),
                        ..PolarRequest::default()
                    },
                    result: g(2),
                    ..PolarStep::default()
                };
                let code = unsafe { polar_step_free(&mut s) };
                assert_eq!(code, POLAR_ERR_INVALID_HANDLE, "a garbage step was freed");
                assert!(s.kind == 0 && !step_live(&s));
            }
        }
    }

    fn held_buffers(&self) -> usize {
        let e = [
            &self.err.kind,
            &self.err.message,
            &self.err.model,
            &self.err.body,
        ];
        step_buffers(&self.step)
            .into_iter()
            .chain(e)
            .chain([&self.buf])
            .filter(|b| b.is_live())
            .count()
    }

    fn live(&mut self, _: &Op<'_>) {
        assert_eq!(
            polar_live_exchanges(),
            self.base.0 + self.handles.len(),
            "exchanges leaked or lost"
        );
        assert_eq!(
            polar_live_buffers(),
            self.base.1 + self.held_buffers(),
            "buffers leaked"
        );
    }

    /// Frees what is left, each with its own function.
    fn finish(mut self) {
        free_step(&mut self.step);
        free_error(&mut self.err);
        free_buffer(&mut self.buf);
        for h in std::mem::take(&mut self.handles) {
            let mut var = h.id;
            let code = unsafe {
                if h.kind == Kind::Ingest {
                    assert_eq!(polar_exchange_free(&mut var), POLAR_ERR_INVALID_HANDLE);
                    polar_ingest_free(&mut var)
                } else {
                    assert_eq!(polar_ingest_free(&mut var), POLAR_ERR_INVALID_HANDLE);
                    polar_exchange_free(&mut var)
                }
            };
            assert_eq!((code, var), (POLAR_OK, 0));
        }
        assert_eq!(polar_live_exchanges(), self.base.0, "exchanges leaked");
        assert_eq!(polar_live_buffers(), self.base.1, "buffers leaked");
    }
}

/// A poll that ran on handle `h` returned `code` and `s`: what the header promises.
fn check_step(h: &mut Handle, code: i32, s: &PolarStep) {
    if h.kind == Kind::Ingest {
        assert_eq!(code, POLAR_OK, "a queue's poll fails only when refused");
    }
    if code != POLAR_OK {
        assert!(RESULT_CODES.contains(&code), "poll returned {code}");
        assert_eq!(s.kind, POLAR_STEP_DONE, "an error result is a DONE step");
        assert!(!step_live(s), "an error result holds buffers");
        match h.kind {
            Kind::Call | Kind::Upload if h.over => {
                assert_eq!(code, POLAR_ERR_OUT_OF_ORDER, "polled after it finished")
            }
            Kind::Pages | Kind::Items if h.over => panic!("a walk went on after its end"),
            _ => {}
        }
        (h.over, h.out, h.sent) = (true, false, None);
        return;
    }
    let allowed: &[i32] = match h.kind {
        Kind::Call => &[POLAR_STEP_SEND, POLAR_STEP_WAIT, POLAR_STEP_DONE],
        Kind::Pages | Kind::Items => &[
            POLAR_STEP_SEND,
            POLAR_STEP_WAIT,
            POLAR_STEP_DONE,
            POLAR_STEP_END,
        ],
        Kind::Upload => &[
            POLAR_STEP_SEND,
            POLAR_STEP_WAIT,
            POLAR_STEP_DONE,
            POLAR_STEP_PROGRESS,
        ],
        Kind::Ingest => &[
            POLAR_STEP_SEND,
            POLAR_STEP_WAIT,
            POLAR_STEP_REPORT,
            POLAR_STEP_IDLE,
        ],
    };
    assert!(allowed.contains(&s.kind), "{:?}: step {}", h.kind, s.kind);
    match h.kind {
        Kind::Call | Kind::Upload if h.over => panic!("a finished {:?} was polled OK", h.kind),
        Kind::Pages | Kind::Items if h.over => {
            assert_eq!(s.kind, POLAR_STEP_END, "a walk goes on after its end")
        }
        _ => {}
    }
    let r = &s.request;
    if s.kind == POLAR_STEP_SEND {
        assert!(r.method.is_live() && r.url.is_live() && r.target.is_live());
        assert!(r.headers.is_live() && r.body.is_live() && !s.result.is_live());
        assert!(s.attempt >= 1, "attempt {}", s.attempt);
        assert!(s.connect_timeout_ms <= s.timeout_ms);
        let url = String::from_utf8(text(&r.url)).expect("a UTF-8 URL");
        let target = String::from_utf8(text(&r.target)).expect("a UTF-8 target");
        assert!(target.starts_with('/'), "target {target:?} of {url:?}");
        h.sent = Some(Sent {
            method: text(&r.method),
            url,
            body: text(&r.body),
        });
    } else {
        assert!(
            [&r.method, &r.url, &r.target, &r.headers, &r.body]
                .iter()
                .all(|b| b.is_empty_handle()),
            "a request outside SEND"
        );
    }
    match s.kind {
        POLAR_STEP_WAIT => assert!(s.wait_ms >= 1, "a WAIT of 0 ms is a busy loop"),
        POLAR_STEP_DONE => {
            let v = json_of(&s.result);
            if h.kind == Kind::Upload {
                assert!(v.get("id").is_some(), "an uploaded file: {v}");
            }
            if matches!(h.kind, Kind::Call | Kind::Upload) {
                h.over = true;
            }
        }
        POLAR_STEP_PROGRESS => {
            let v = json_of(&s.result);
            let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("progress {v}"));
            assert!(n("bytes_sent") <= n("total_bytes") && n("parts_sent") <= n("parts"));
        }
        POLAR_STEP_REPORT => {
            let v = json_of(&s.result);
            assert!(v["events"].as_u64().is_some_and(|n| n >= 1), "report {v}");
            assert!(
                v["rejected"].is_array() && v["mismatches"].is_array(),
                "{v}"
            );
        }
        _ => {
            assert!(!s.result.is_live(), "step {} holds a result", s.kind);
            if s.kind == POLAR_STEP_END {
                h.over = true;
            }
        }
    }
    h.out = s.kind == POLAR_STEP_SEND;
}

/// A queue's counts against what the session did to it.
fn check_stats(h: &Handle, v: &Value) {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("stats `{k}`: {v}"));
    let (pushed, settled, queued, pending) = (n("pushed"), n("settled"), n("queued"), n("pending"));
    assert_eq!(pushed, h.pushed, "stats {v}");
    assert_eq!(v["closed"].as_bool(), Some(h.closed), "stats {v}");
    assert!(queued <= pending, "stats {v}");
    // Every event pushed is settled, queued, in flight or taken back; in flight counts a
    // whole batch, its sub-batches delivered already too.
    assert!(
        settled + queued + h.taken <= pushed,
        "stats {v}, taken {}",
        h.taken
    );
    assert!(
        pushed <= settled + pending + h.taken,
        "stats {v}, taken {}",
        h.taken
    );
    if queued == pending {
        assert_eq!(
            settled + queued + h.taken,
            pushed,
            "stats {v}, taken {}",
            h.taken
        );
    }
}

// ----------------------------------------------------------------------------------------
// The plausible server.

const JSON: &str = "content-type: application/json\r\n";

fn product(id: &str) -> Value {
    json!({
        "id": id, "created_at": "2026-01-01T00:00:00Z", "modified_at": null,
        "trial_interval": null, "trial_interval_count": null, "name": format!("Product {id}"),
        "description": null, "visibility": "public", "recurring_interval": null,
        "recurring_interval_count": null, "meter_interval": null,
        "meter_interval_count": null, "is_recurring": false, "is_archived": false,
        "organization_id": "o1", "metadata": {}, "prices": [], "benefits": [], "medias": [],
        "attached_custom_fields": []
    })
}

fn file_json(size: u64, service: &Value) -> Value {
    json!({
        "id": "f1", "organization_id": "o1", "name": "report.pdf", "path": "o1/f1",
        "mime_type": "application/pdf", "size": size, "storage_version": null,
        "checksum_etag": null, "checksum_sha256_base64": null, "checksum_sha256_hex": null,
        "last_modified_at": null, "version": null, "service": service,
        "is_uploaded": true, "created_at": "2026-11-28T12:00:00Z",
        "flagged_malicious_at": null, "size_readable": format!("{size} B")
    })
}

/// Polar's answer to `files:create` for its request body: every part presigned.
fn file_upload(create: &Value) -> Value {
    let parts: Vec<Value> = create["upload"]["parts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            json!({
                "number": p["number"], "chunk_start": p["chunk_start"],
                "chunk_end": p["chunk_end"],
                "checksum_sha256_base64": p["checksum_sha256_base64"],
                "url": format!("https://storage.example/bucket/part{}?sig=x", p["number"]),
                "expires_at": "2026-11-28T13:00:00Z",
                "headers": {"x-amz-checksum-sha256": p["checksum_sha256_base64"]}
            })
        })
        .collect();
    let size = create["size"].as_u64().unwrap_or(0);
    let mut upload = file_json(size, &create["service"]);
    let obj = upload.as_object_mut().expect("an object");
    obj.remove("created_at");
    obj.remove("flagged_malicious_at");
    obj.insert(
        "upload".into(),
        json!({"id": "u1", "path": "o1/f1", "parts": parts}),
    );
    upload
}

/// An answer to `sent`: `variant % 8` 0, 6, 7 a success (6: empty or duplicates, 7: short
/// or miscounted), 1 a 503 with `Retry-After: extra`, 2 a 429, 3 a 422, 4 a 404, 5 a 200
/// with `extra` as its body.
fn plausible(sent: Option<&Sent>, variant: u8, extra: &[u8]) -> (u16, Vec<u8>, Vec<u8>) {
    let json = |v: Value| serde_json::to_vec(&v).expect("JSON");
    let v = variant % 8;
    match v {
        1 => {
            let after = format!("retry-after: {}\r\n", number(extra) % 100);
            return (503, after.into_bytes(), b"busy".to_vec());
        }
        2 => return (429, b"retry-after: 1\r\n".to_vec(), b"{}".to_vec()),
        3 => {
            let invalid =
                json!({"detail": [{"loc": ["body"], "msg": "bad", "type": "value_error"}]});
            return (422, JSON.into(), json(invalid));
        }
        4 => {
            let not_found = json!({"error": "ResourceNotFound", "detail": "Not found"});
            return (404, JSON.into(), json(not_found));
        }
        5 => return (200, JSON.into(), extra.to_vec()),
        _ => {}
    }
    let Some(sent) = sent else {
        return (200, JSON.into(), b"{}".to_vec());
    };
    let path = sent
        .url
        .find("/v1/")
        .map_or("", |i| &sent.url[i..])
        .split('?')
        .next()
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&sent.body).unwrap_or(Value::Null);
    match (sent.method.as_slice(), path) {
        (b"PUT", _) if v == 6 => (200, Vec::new(), Vec::new()),
        (b"PUT", _) => (200, b"etag: \"e1\"\r\n".to_vec(), Vec::new()),
        (b"POST", "/v1/files/") => (201, JSON.into(), json(file_upload(&body))),
        (b"POST", p) if p.starts_with("/v1/files/") && p.ends_with("/uploaded") => (
            200,
            JSON.into(),
            json(file_json(10, &json!("downloadable"))),
        ),
        (b"POST", "/v1/events/ingest") => {
            let n = body["events"].as_array().map_or(0, Vec::len);
            let counts = match v {
                6 => json!({"inserted": 0, "duplicates": n}),
                7 => json!({"inserted": n.saturating_sub(1)}),
                _ => json!({"inserted": n, "duplicates": 0}),
            };
            (200, JSON.into(), json(counts))
        }
        (b"GET", "/v1/products/") => {
            let ids: &[&str] = match v {
                6 => &[],
                7 => &["c"],
                _ => &["a", "b"],
            };
            let items: Vec<Value> = ids.iter().map(|id| product(id)).collect();
            let page = json!({"items": items, "pagination": {"total_count": 5, "max_page": 3}});
            (200, JSON.into(), json(page))
        }
        (b"GET", p) if p.starts_with("/v1/products/") => (200, JSON.into(), json(product("p1"))),
        (b"GET", _) => {
            let page = json!({"items": [], "pagination": {"total_count": 0, "max_page": 1}});
            (200, JSON.into(), json(page))
        }
        (b"DELETE", _) => (204, Vec::new(), Vec::new()),
        _ => (200, JSON.into(), b"{}".to_vec()),
    }
}

// ----------------------------------------------------------------------------------------

fn session(kind: Kind, maker: Args<'_>, script: &[&[u8]]) {
    let mut s = Session::new();
    let flags = (maker.nulls & 0x40 != 0, maker.nulls & 0x80 != 0, false);
    s.make(kind, &maker, Target::Zero, flags);
    let mut i = 0;
    let mut steps = 0;
    while i < script.len() && steps < MAX_STEPS {
        let f = script[i];
        let byte = |k: usize| f.get(k).copied().unwrap_or(0);
        let (_, nargs, run) = OPS[usize::from(byte(0)) % OPS.len()];
        let end = (i + 1 + nargs).min(script.len());
        let extra = f.get(3..).unwrap_or_default();
        let op = Op {
            target: s.target(byte(1), extra),
            flags: byte(2),
            extra,
            args: Args {
                fields: &script[i + 1..end],
                nulls: byte(2) & 0x0f,
            },
        };
        trace!(
            "{} target {:?} flags {:#x}",
            OPS[usize::from(byte(0)) % OPS.len()].0,
            op.target,
            op.flags
        );
        run(&mut s, &op);
        i = end;
        steps += 1;
    }
    s.finish();
}

fuzz_target!(|data: &[u8]| {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(check_entry_points);
    let [entry, nulls, rest @ ..] = data else {
        return;
    };
    let fields: Vec<&[u8]> = rest.split(|b| *b == 0).collect();
    let before = (polar_live_buffers(), polar_live_exchanges());
    let (_, arm) = &ARMS[usize::from(*entry) % ARMS.len()];
    match arm {
        Arm::Once(call) => {
            let args = Args {
                fields: &fields,
                nulls: *nulls,
            };
            let mut out = Outputs::default();
            let code = call(&args, &mut out);
            check_code(code);
            free_request(&mut out.request);
            free_buffer(&mut out.buffer);
            free_error(&mut out.error);
        }
        Arm::Session(kind) => {
            let n = if *kind == Kind::Call { 4 } else { 3 };
            let split = n.min(fields.len());
            let maker = Args {
                fields: &fields[..split],
                nulls: *nulls,
            };
            session(*kind, maker, &fields[split..]);
        }
    }
    assert_eq!(
        (polar_live_buffers(), polar_live_exchanges()),
        before,
        "an input leaked buffers or exchanges"
    );
});
