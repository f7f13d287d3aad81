//! Return codes and input enums of the C API. Every function returns one of these codes.

use std::ffi::c_char;

/// Success.
pub const POLAR_OK: i32 = 0;
/// A required pointer is `NULL` (or a `NULL` data pointer came with a non-zero length).
pub const POLAR_ERR_NULL_POINTER: i32 = -1;
/// A text argument (operation id, JSON, secret, webhook headers) is not valid UTF-8.
pub const POLAR_ERR_INVALID_UTF8: i32 = -2;
/// A JSON argument does not parse, or is not the JSON type expected (an object).
pub const POLAR_ERR_INVALID_JSON: i32 = -3;
/// No operation has this operationId.
pub const POLAR_ERR_UNKNOWN_OPERATION: i32 = -4;
/// An argument is out of range: a config key, an HTTP status, a header block line, a fault
/// kind, a jitter outside `[0, 1)`, a file spec.
pub const POLAR_ERR_INVALID_ARGUMENT: i32 = -5;
/// The request cannot be built: the parameters don't match the operation (unknown,
/// missing or mistyped parameter or body), or the credential is missing or not accepted.
/// Nothing was sent. `kind` says which (`invalid_parameter`, `missing_credential`, ...).
pub const POLAR_ERR_BUILD: i32 = -6;
/// The server answered an error status the operation declares (400, 401, 402, 403, 404,
/// 409, 410, 412, 422, 429): `status` is set, `model` holds the parsed error model as JSON.
pub const POLAR_ERR_API: i32 = -7;
/// The server answered a status the operation does not declare: `status` and `body` are set.
pub const POLAR_ERR_UNEXPECTED_STATUS: i32 = -8;
/// A declared status whose body is not what the spec promises (for example the response of
/// another operation): `message` names the JSON path of the first bad value.
pub const POLAR_ERR_DECODE: i32 = -9;
/// `polar_pages_new` or `polar_items_new` was given an operation that is not paginated.
pub const POLAR_ERR_NOT_PAGINATED: i32 = -10;
/// A webhook delivery was rejected; `kind` says why (`no_matching_signature`,
/// `timestamp_too_old`, `missing_header`, ...). Answer the sender 400.
pub const POLAR_ERR_WEBHOOK: i32 = -11;
/// A free function was given a struct that names no live buffer (a stale copy of a struct
/// already freed, or garbage; nothing was freed, the struct was zeroed), or an exchange
/// function a handle that names no live exchange (freed, or never made), or a handle of the
/// other kind (an ingest queue's handle to `polar_exchange_poll`, a call's handle to a
/// `polar_ingest_*` function).
pub const POLAR_ERR_INVALID_HANDLE: i32 = -12;
/// An output struct (or `err`) still holds live buffers: free it first. Calling a function
/// twice into the same output without freeing would otherwise leak. Nothing was done.
pub const POLAR_ERR_OUT_NOT_EMPTY: i32 = -13;
/// An error of the core this version of the C API has no code for.
pub const POLAR_ERR_OTHER: i32 = -14;

/// No usable response came back: the transport's fault (`kind`: `not_sent`,
/// `interrupted`, `timed_out`, `body_too_large`, `aborted`), and the retry policy would not
/// (or no longer) send the request again; `message` says after how many attempts.
pub const POLAR_ERR_TRANSPORT: i32 = -15;
/// An exchange was driven out of order: polled again before the response to its last
/// request was handed back, handed a response with no request out, or polled after it
/// finished. The exchange ends with this error (so a create is never sent twice).
pub const POLAR_ERR_OUT_OF_ORDER: i32 = -16;
/// A file upload cannot go on: an empty file, a part size that does not fit, Polar's plan
/// not matching the file, a part the storage host refused or acknowledged without an ETag.
/// `kind` says which.
pub const POLAR_ERR_UPLOAD: i32 = -17;
/// `polar_ingest_push`: the queue holds its `capacity` of events already (queued and in
/// flight). The event was not queued: it is still the host's, to keep or push again later.
pub const POLAR_ERR_QUEUE_FULL: i32 = -18;
/// `polar_ingest_push`: the queue was closed (`polar_ingest_close`). The event was not
/// queued: it is still the host's.
pub const POLAR_ERR_QUEUE_CLOSED: i32 = -19;

/// The library panicked (a bug): the panic was caught at the boundary, the call did nothing
/// else. `message` holds the panic message.
pub const POLAR_ERR_PANIC: i32 = -100;

/// `PolarStep.kind`: send `request` (within `timeout_ms`, reading at most
/// `max_response_bytes`), then hand back the response (`polar_exchange_response`) or why
/// none came (`polar_exchange_fault`).
pub const POLAR_STEP_SEND: i32 = 1;
/// `PolarStep.kind`: sleep `wait_ms` milliseconds, then poll again.
pub const POLAR_STEP_WAIT: i32 = 2;
/// `PolarStep.kind`: a result. A call's output, a page, or an item as JSON in `result`
/// (when the poll returned `POLAR_OK`), or the error the poll returned. A call or an upload
/// is over; a walk goes on with the next poll.
pub const POLAR_STEP_DONE: i32 = 3;
/// `PolarStep.kind`: a page or item walk is over (after its last page, its first error, or
/// a page with no items); every further poll says the same.
pub const POLAR_STEP_END: i32 = 4;
/// `PolarStep.kind`: an upload went one step further (`files:create` accepted, or one more
/// part): its progress as JSON in `result`; poll again.
pub const POLAR_STEP_PROGRESS: i32 = 5;
/// `PolarStep.kind` (ingest queues): a batch was dealt with; its report as JSON in `result`
/// (`events`, `inserted`, `duplicates`, `rejected`, `mismatches`, `failed`); poll again.
pub const POLAR_STEP_REPORT: i32 = 6;
/// `PolarStep.kind` (ingest queues): nothing is queued; poll again after the next push (or
/// flush, or close). After `polar_ingest_close`: everything was dealt with.
pub const POLAR_STEP_IDLE: i32 = 7;

/// `polar_exchange_fault`: the request never reached the server (connection refused, DNS
/// failure, TLS handshake, connect timeout). Sending it again cannot duplicate anything.
pub const POLAR_FAULT_NOT_SENT: i32 = 1;
/// `polar_exchange_fault`: the request may have reached the server, but no complete
/// response came back (connection reset, truncated body).
pub const POLAR_FAULT_INTERRUPTED: i32 = 2;
/// `polar_exchange_fault`: the attempt ran out of time (`timeout_ms`); the request may have
/// reached the server.
pub const POLAR_FAULT_TIMED_OUT: i32 = 3;
/// `polar_exchange_fault`: the response body is larger than `max_response_bytes`. Not
/// retried: it would come back just as large.
pub const POLAR_FAULT_BODY_TOO_LARGE: i32 = 4;
/// `polar_exchange_fault`: the host gave up on the exchange (a cancel, a shutdown, a wait it
/// cannot honour). Not retried.
pub const POLAR_FAULT_ABORTED: i32 = 5;

macro_rules! names {
    ($code:expr, $($name:ident),* $(,)?) => {
        match $code {
            $($name => concat!(stringify!($name), "\0"),)*
            _ => "POLAR_ERR_UNKNOWN_CODE\0",
        }
    };
}

/// The name of a code (`"POLAR_ERR_DECODE"`), as a static NUL-terminated string.
pub(crate) fn code_name(code: i32) -> *const c_char {
    name_nul(code).as_ptr().cast()
}

/// The name of a code without its NUL, for JSON reports.
pub(crate) fn code_str(code: i32) -> &'static str {
    let name = name_nul(code);
    name.strip_suffix('\0').unwrap_or(name)
}

fn name_nul(code: i32) -> &'static str {
    names!(
        code,
        POLAR_OK,
        POLAR_ERR_NULL_POINTER,
        POLAR_ERR_INVALID_UTF8,
        POLAR_ERR_INVALID_JSON,
        POLAR_ERR_UNKNOWN_OPERATION,
        POLAR_ERR_INVALID_ARGUMENT,
        POLAR_ERR_BUILD,
        POLAR_ERR_API,
        POLAR_ERR_UNEXPECTED_STATUS,
        POLAR_ERR_DECODE,
        POLAR_ERR_NOT_PAGINATED,
        POLAR_ERR_WEBHOOK,
        POLAR_ERR_INVALID_HANDLE,
        POLAR_ERR_OUT_NOT_EMPTY,
        POLAR_ERR_OTHER,
        POLAR_ERR_TRANSPORT,
        POLAR_ERR_OUT_OF_ORDER,
        POLAR_ERR_UPLOAD,
        POLAR_ERR_QUEUE_FULL,
        POLAR_ERR_QUEUE_CLOSED,
        POLAR_ERR_PANIC,
    )
}
