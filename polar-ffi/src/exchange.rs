//! Exchange handles: the core's state machines (a call with its retries, a walk over pages or
//! items, a file upload) driven from C.
//!
//! The host asks `polar_exchange_poll` what to do, does it (send a request, sleep) and hands
//! back what happened (`polar_exchange_response`, `polar_exchange_fault`). Every decision
//! (whether and when to retry, which page is next, when a walk ends, what an upload sends)
//! is polarsh-core's: this module only moves values between the C structs and the core's
//! `Exchange` trait, and keeps the machines behind handles.
//!
//! A handle is a number naming an entry in a registry, never a pointer: a stale, forged or
//! garbage handle finds nothing and is reported as `POLAR_ERR_INVALID_HANDLE`. Ids are never
//! reused. Each entry has its own lock, so exchanges run on any thread, in parallel, and
//! one exchange polled from two threads at once is serialized.
//!
//! The usage-event queues of [`crate::ingest`] live in the same registry (one space of
//! handles: a handle of one kind given to a function of the other is refused, never taken
//! for another object): they answer `SEND` steps too, so `polar_exchange_response` and
//! `polar_exchange_fault` take their handles as well.

use crate::buffer::PolarBuffer;
use crate::codes::*;
use crate::failure::{self, Failure};
use crate::{input, json_buffer, request_out, PolarError, PolarRequest};
use polarsh_core::exchange::{
    CallExchange, Exchange, Fault, FaultKind, Options, Outgoing, Parse, RequestExchange, Step,
};
use polarsh_core::ingest::Ingest;
use polarsh_core::json::ToJson;
use polarsh_core::operations::{self, PagesById};
use polarsh_core::paging::{ItemExchange, PageExchange};
use polarsh_core::upload::{FileSpec, UploadEvent, UploadExchange, DEFAULT_PART_SIZE};
use polarsh_core::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// What the host does next, filled by `polar_exchange_poll` (and `polar_ingest_poll`). Zero
/// it before the first poll (`PolarStep step = {0};`) and free it with
/// `polar_step_free(&step)` after each poll that returned `POLAR_OK`.
#[repr(C)]
#[derive(Debug, Default)]
pub struct PolarStep {
    /// `POLAR_STEP_SEND`, `POLAR_STEP_WAIT`, `POLAR_STEP_DONE`, `POLAR_STEP_END` or
    /// `POLAR_STEP_PROGRESS` (exchanges); `POLAR_STEP_SEND`, `POLAR_STEP_WAIT`,
    /// `POLAR_STEP_REPORT` or `POLAR_STEP_IDLE` (ingest queues); 0 when the poll was refused
    /// (bad handle, pointer or jitter) and nothing happened.
    pub kind: i32,
    /// `SEND`: which attempt of this request it is (1 for the first). `DONE`: how many
    /// attempts the request behind the result took. Ingest queues: the requests sent for
    /// the current batch so far, its halves after a 422 split included (`SEND`), and in
    /// all (`REPORT`).
    pub attempt: u32,
    /// `SEND`: the request, complete (method, URL, target, headers, body).
    pub request: PolarRequest,
    /// `SEND`: the longest the attempt may take, response body included, in milliseconds.
    /// When it runs out, hand back `POLAR_FAULT_TIMED_OUT`.
    pub timeout_ms: u64,
    /// `SEND`: the longest opening the connection may take, in milliseconds (a transport
    /// that cannot tell the phases apart keeps to `timeout_ms` alone).
    pub connect_timeout_ms: u64,
    /// `SEND`: the largest response body to read. A larger one: hand back
    /// `POLAR_FAULT_BODY_TOO_LARGE`.
    pub max_response_bytes: u64,
    /// `WAIT`: how long to sleep before polling again, in milliseconds (rounded up).
    pub wait_ms: u64,
    /// `DONE`: the result as JSON (a call's output, `null` for an operation without a
    /// response body; a page; an item; an uploaded file). `PROGRESS`: an upload's progress,
    /// `{"bytes_sent":..,"total_bytes":..,"parts_sent":..,"parts":..}`. `REPORT`: what
    /// happened to a batch of usage events (see `polar_ingest_poll`). Empty otherwise.
    pub result: PolarBuffer,
}

impl PolarStep {
    fn holds_live(&mut self) -> bool {
        self.result.is_live() || self.request.holds_live()
    }
}

/// Parses a call's response with the operation named by id.
pub(crate) struct ByIdParse(&'static str);

impl Parse for ByIdParse {
    type Output = Value;
    fn parse(&self, response: http::Response<Vec<u8>>) -> Result<Value, Error> {
        operations::parse_by_id(self.0, &response)
            .unwrap_or(Err(Error::Misuse("the operation of this call is unknown")))
    }
}

/// The bytes of an upload, owned by the exchange that borrows them.
pub(crate) struct Upload {
    /// Borrows `*data`; dropped before it (see `Drop`).
    exchange: ManuallyDrop<UploadExchange<'static>>,
    /// From `Box::into_raw`; freed in `Drop`, never written.
    data: NonNull<[u8]>,
}

impl Upload {
    fn new(file: &FileSpec, data: Vec<u8>, options: Arc<Options>) -> Upload {
        let data = NonNull::from(Box::leak(data.into_boxed_slice()));
        // SAFETY: `data` comes from a leaked box: valid, aligned, never written or freed
        // until `Drop`, which drops the exchange (the only borrower) first. The `'static`
        // lifetime never escapes this struct: the exchange is private to it.
        let bytes: &'static [u8] = unsafe { data.as_ref() };
        Upload {
            exchange: ManuallyDrop::new(UploadExchange::new(file, bytes, options)),
            data,
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // SAFETY: dropped exactly once, here, and never used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.exchange) };
        // SAFETY: `data` came from `Box::into_raw` (via `Box::leak`) in `new`, is freed only
        // here, and its one borrower, the exchange, is gone.
        drop(unsafe { Box::from_raw(self.data.as_ptr()) });
    }
}

// SAFETY: `Upload` owns its bytes (a heap block no one else can reach) and only reads them,
// through the exchange; `UploadExchange` is `Send` over a shared slice, and the block may
// be freed from any thread.
unsafe impl Send for Upload {}

/// One of the core's state machines.
pub(crate) enum Machine {
    Call(CallExchange<ByIdParse>),
    Pages(PageExchange<PagesById>),
    Items(ItemExchange<PagesById>),
    Upload(Upload),
    /// A usage-event queue: polled with `polar_ingest_poll`, never `polar_exchange_poll`.
    Ingest(Box<Ingest>),
}

/// What a poll produced, whatever the machine.
enum Polled {
    Send(polarsh_core::exchange::Outgoing),
    Wait(Duration),
    Done(Result<Value, Error>),
    Progress(Value),
    End,
}

impl Machine {
    fn poll(&mut self, now: Duration, jitter: f64) -> Polled {
        fn lift<T>(step: Step<T>, done: impl FnOnce(T) -> Polled) -> Polled {
            match step {
                Step::Send(o) => Polled::Send(o),
                Step::Wait(d) => Polled::Wait(d),
                Step::Done(t) => done(t),
            }
        }
        match self {
            Machine::Call(m) => lift(m.poll(now, jitter), Polled::Done),
            Machine::Pages(m) => lift(m.poll(now, jitter), |page| match page {
                Some(page) => Polled::Done(page.map(|p| p.to_json())),
                None => Polled::End,
            }),
            Machine::Items(m) => lift(m.poll(now, jitter), |item| match item {
                Some(item) => Polled::Done(item),
                None => Polled::End,
            }),
            Machine::Upload(u) => lift(u.exchange.poll(now, jitter), |event| match event {
                UploadEvent::Progress(p) => Polled::Progress(serde_json::json!({
                    "bytes_sent": p.bytes_sent,
                    "total_bytes": p.total_bytes,
                    "parts_sent": p.parts_sent,
                    "parts": p.parts,
                })),
                UploadEvent::Finished(file) => Polled::Done(file.map(|f| f.to_json())),
            }),
            // `polar_exchange_poll` refuses ingest handles before polling; never reached.
            Machine::Ingest(_) => Polled::Done(Err(Error::Misuse(
                "an ingest queue is polled with polar_ingest_poll",
            ))),
        }
    }

    fn handle(&mut self, outcome: Result<http::Response<Vec<u8>>, Fault>) {
        match self {
            Machine::Call(m) => m.handle(outcome),
            Machine::Pages(m) => m.handle(outcome),
            Machine::Items(m) => m.handle(outcome),
            Machine::Upload(u) => u.exchange.handle(outcome),
            Machine::Ingest(q) => q.handle(outcome),
        }
    }

    fn fail(&mut self, fault: Fault) {
        match self {
            Machine::Call(m) => m.fail(fault),
            Machine::Pages(m) => m.fail(fault),
            Machine::Items(m) => m.fail(fault),
            Machine::Upload(u) => u.exchange.fail(fault),
            Machine::Ingest(q) => q.fail_step(fault),
        }
    }
}

/// A machine and what the C side needs to know of its last step.
pub(crate) struct Entry {
    pub(crate) machine: Machine,
    /// The last step was `SEND` and nothing has been handed back for it yet.
    pub(crate) in_flight: bool,
    /// `SEND` steps since the last result.
    pub(crate) sends: u32,
    /// The response size limit of the last `SEND` (for `POLAR_FAULT_BODY_TOO_LARGE`).
    pub(crate) max_response_bytes: u64,
}

impl Entry {
    fn is_ingest(&self) -> bool {
        matches!(self.machine, Machine::Ingest(_))
    }
}

pub(crate) type Shared = Arc<Mutex<Entry>>;

/// The live exchanges by handle. A `BTreeMap` because its `new` is `const`.
static LIVE: Mutex<BTreeMap<u64, Shared>> = Mutex::new(BTreeMap::new());
/// The next handle; handles are never reused, so a stale one never names a newer exchange.
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

fn live() -> MutexGuard<'static, BTreeMap<u64, Shared>> {
    // Each use is one insert, lookup or remove: a panic elsewhere cannot leave the map
    // half-updated.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn lock(entry: &Shared) -> MutexGuard<'_, Entry> {
    // A panic while polling leaves a machine in some state of its own (at worst finished,
    // answering "out of order"): still memory-safe to use.
    entry.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn lookup(handle: u64) -> Result<Shared, Failure> {
    live()
        .get(&handle)
        .cloned()
        .ok_or_else(|| Failure::invalid_handle(handle))
}

/// Registers `machine` and writes its handle to `out`.
pub(crate) fn register(machine: Machine, out: &mut u64) {
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    let entry = Entry {
        machine,
        in_flight: false,
        sends: 0,
        max_response_bytes: 0,
    };
    live().insert(handle, Arc::new(Mutex::new(entry)));
    *out = handle;
}

/// An output handle: `NULL` refused; one that still names a live exchange refused (it would
/// be lost, and the exchange with it).
///
/// # Safety
///
/// `ptr` is `NULL` or valid for reads and writes of a `u64`.
pub(crate) unsafe fn out_handle<'a>(ptr: *mut u64, what: &str) -> Result<&'a mut u64, Failure> {
    // SAFETY: forwarded contract.
    let out = unsafe { input::out(ptr, what)? };
    if *out != 0 && live().contains_key(out) {
        return Err(Failure::out_not_empty(what));
    }
    Ok(out)
}

/// The operationId as the core spells it (a `'static` string), or unknown.
fn operation_id(op: &str) -> Result<&'static str, Failure> {
    operations::ALL
        .iter()
        .find(|s| s.id == op)
        .map(|s| s.id)
        .ok_or_else(|| Failure::unknown_operation(op))
}

/// A page source for `op` with `params`, checked by building its first request.
fn page_source(
    op: &str,
    params: serde_json::Map<String, Value>,
    options: &Options,
) -> Result<PagesById, Failure> {
    let id = operation_id(op)?;
    let source = operations::pages_by_id(id, &Value::Object(params))
        .ok_or_else(|| {
            Failure::new(
                POLAR_ERR_NOT_PAGINATED,
                "not_paginated",
                format!("`{id}` is not paginated (it has no `page` parameter)"),
            )
        })?
        .map_err(Failure::from_core)?;
    // Refuse now what every page would refuse (a missing credential, a bad parameter),
    // rather than on the first poll.
    polarsh_core::paging::PageSource::request(&source, options).map_err(Failure::from_core)?;
    Ok(source)
}

/// Reads `(op, params, config)` as the `*_new` functions take them.
///
/// # Safety
///
/// Each pair points to that many readable bytes (or is `NULL`).
unsafe fn read_call_inputs<'a>(
    op: (*const u8, usize),
    params: (*const u8, usize),
    config: (*const u8, usize),
) -> Result<(&'a str, serde_json::Map<String, Value>, Options), Failure> {
    // SAFETY: forwarded contract.
    let (op, params, config) = unsafe {
        (
            input::text(op.0, op.1, "op")?,
            input::json_object(params.0, params.1, "params")?,
            input::json_object(config.0, config.1, "config")?,
        )
    };
    Ok((op, params, input::options(&config)?))
}

/// Starts a call: one operation, sent and retried as the retry policy allows, parsed into
/// its result.
///
/// - `op`, `params`, `config`: as for `polar_build_request`; `config` also takes the
///   settings of the exchange (`max_attempts`, `base_delay_ms`, `max_delay_ms`,
///   `max_elapsed_ms`, `request_timeout_ms`, `connect_timeout_ms`, `overall_timeout_ms`,
///   `max_response_bytes`) and extra `headers` (`{"X-Trace":"1"}`).
/// - `repeatable`: a POST or PATCH that may have reached the server is sent again only when
///   true (the caller says sending it twice is harmless); other methods are always safe.
/// - `out_handle`: receives the handle (a `uint64_t` that is 0 or names no live exchange);
///   free it with `polar_exchange_free`.
///
/// Drive it with `polar_exchange_poll` until `POLAR_STEP_DONE`.
///
/// Returns `POLAR_OK`, or as `polar_build_request` (the request is built here, so a bad
/// parameter or credential is refused now), `POLAR_ERR_OUT_NOT_EMPTY` (`*out_handle` names a
/// live exchange).
///
/// # Safety
///
/// Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`);
/// `out_handle` and `err` are `NULL` or point to writable values of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_call_new(
    op: *const u8,
    op_len: usize,
    params: *const u8,
    params_len: usize,
    config: *const u8,
    config_len: usize,
    repeatable: bool,
    out_handle: *mut u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out_handle` is NULL or valid (this function's contract).
        let out = unsafe { self::out_handle(out_handle, "out_handle")? };
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (op, params, options) =
            unsafe { read_call_inputs((op, op_len), (params, params_len), (config, config_len))? };
        let id = operation_id(op)?;
        let mut request = operations::request_by_id(
            id,
            &Value::Object(params),
            &options.config,
            options.credential.as_ref(),
        )
        .ok_or_else(|| Failure::unknown_operation(op))?
        .map_err(Failure::from_core)?;
        options
            .add_headers(&mut request)
            .map_err(|e| Failure::from_core(e.into()))?;
        let exchange = CallExchange::with_parser(
            RequestExchange::new(Ok(request), options.settings, repeatable),
            ByIdParse(id),
        );
        register(Machine::Call(exchange), out);
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Starts a walk over the pages of a paginated operation (one with a `page` parameter, e.g.
/// `products:list`; `polar_operations` marks them `"paginated":true`), from the page its
/// `params` name (the first by default).
///
/// Each `POLAR_STEP_DONE` carries one page as JSON (as `polar_parse_response` gives it), or
/// the error that ends the walk; `POLAR_STEP_END` follows the last page. A walk ends after
/// the last page the list announces, after an error, or after a page with no items,
/// whatever the list says of a next one: a server announcing pages for ever cannot make it
/// loop.
///
/// Arguments and returns as `polar_call_new` (without `repeatable`: pages are GETs), plus
/// `POLAR_ERR_NOT_PAGINATED`.
///
/// # Safety
///
/// As for `polar_call_new`.
#[no_mangle]
pub unsafe extern "C" fn polar_pages_new(
    op: *const u8,
    op_len: usize,
    params: *const u8,
    params_len: usize,
    config: *const u8,
    config_len: usize,
    out_handle: *mut u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out_handle` is NULL or valid (this function's contract).
        let out = unsafe { self::out_handle(out_handle, "out_handle")? };
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (op, params, options) =
            unsafe { read_call_inputs((op, op_len), (params, params_len), (config, config_len))? };
        let source = page_source(op, params, &options)?;
        register(
            Machine::Pages(PageExchange::new(source, Arc::new(options))),
            out,
        );
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Starts a walk over the items of every page of a paginated operation: each
/// `POLAR_STEP_DONE` carries one item as JSON (a product, an order, ...), pages fetched as
/// the walk reaches them; `POLAR_STEP_END` follows the last. Same rules, arguments and
/// returns as `polar_pages_new`.
///
/// # Safety
///
/// As for `polar_call_new`.
#[no_mangle]
pub unsafe extern "C" fn polar_items_new(
    op: *const u8,
    op_len: usize,
    params: *const u8,
    params_len: usize,
    config: *const u8,
    config_len: usize,
    out_handle: *mut u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out_handle` is NULL or valid (this function's contract).
        let out = unsafe { self::out_handle(out_handle, "out_handle")? };
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (op, params, options) =
            unsafe { read_call_inputs((op, op_len), (params, params_len), (config, config_len))? };
        let source = page_source(op, params, &options)?;
        register(
            Machine::Items(ItemExchange::new(source, Arc::new(options))),
            out,
        );
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// The file spec JSON of `polar_upload_new`.
fn file_spec(map: &serde_json::Map<String, Value>) -> Result<FileSpec, Failure> {
    let bad = |m: String| Failure::invalid_argument("invalid_file", m);
    const KEYS: [&str; 5] = [
        "service",
        "name",
        "mime_type",
        "organization_id",
        "part_size",
    ];
    if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown file key `{k}`, expected one of {KEYS:?}"
        )));
    }
    let string = |key: &str| match map.get(key) {
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(bad(format!("file `{key}` must be a string"))),
    };
    let required = |key: &str| string(key)?.ok_or_else(|| bad(format!("file `{key}` is required")));
    let service = polarsh_core::models::FileServiceTypes::from(required("service")?);
    let mut spec = FileSpec::new(service, required("name")?, required("mime_type")?);
    spec.organization_id = string("organization_id")?.map(str::to_owned);
    spec.part_size = match map.get("part_size") {
        None | Some(Value::Null) => DEFAULT_PART_SIZE,
        Some(v) => v.as_u64().ok_or_else(|| {
            bad(format!(
                "file `part_size` must be an integer >= 1, found {v}"
            ))
        })?,
    };
    Ok(spec)
}

/// Starts a file upload: `files:create` with the file's and each part's SHA-256, a `PUT` of
/// each part to the presigned URL Polar answers with (retried on its own, as the retry
/// policy allows), then `files:uploaded` with the ETags.
///
/// - `file`/`file_len`: a JSON object: `service` (`downloadable`, `product_media`,
///   `organization_avatar`, `support_case_attachment`), `name`, `mime_type`, and optionally
///   `organization_id` (with a personal token) and `part_size` (bytes per part, 10 MB by
///   default).
/// - `data`/`data_len`: the file's bytes, copied here.
/// - `config`, `out_handle`, `err`: as for `polar_call_new`.
///
/// Part `PUT`s go to the storage host's URL (not the API's) with only the headers Polar
/// presigned. Each `POLAR_STEP_PROGRESS` reports how far the upload is; `POLAR_STEP_DONE`
/// carries the file as Polar records it, or the error that stopped the upload (an empty
/// file or a part size that does not fit is reported there, by the first poll).
///
/// Returns `POLAR_OK`, `POLAR_ERR_INVALID_ARGUMENT` (the file spec, the config),
/// `POLAR_ERR_INVALID_JSON`, `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_NULL_POINTER`,
/// `POLAR_ERR_OUT_NOT_EMPTY`.
///
/// # Safety
///
/// As for `polar_call_new`.
#[no_mangle]
pub unsafe extern "C" fn polar_upload_new(
    file: *const u8,
    file_len: usize,
    data: *const u8,
    data_len: usize,
    config: *const u8,
    config_len: usize,
    out_handle: *mut u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out_handle` is NULL or valid (this function's contract).
        let out = unsafe { self::out_handle(out_handle, "out_handle")? };
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (file, data, config) = unsafe {
            (
                input::json_object(file, file_len, "file")?,
                input::bytes(data, data_len, "data")?,
                input::json_object(config, config_len, "config")?,
            )
        };
        let spec = file_spec(&file)?;
        let options = Arc::new(input::options(&config)?);
        register(
            Machine::Upload(Upload::new(&spec, data.to_vec(), options)),
            out,
        );
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Milliseconds, rounded up (a host that sleeps them wakes after the time, not before).
pub(crate) fn millis_up(d: Duration) -> u64 {
    let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The step output of a poll, checked: not `NULL`, holding no live buffers; and the jitter
/// in `[0, 1)`.
///
/// # Safety
///
/// `step` is `NULL` or valid for reads and writes of a `PolarStep` for the whole call.
pub(crate) unsafe fn poll_output<'a>(
    step: *mut PolarStep,
    jitter: f64,
) -> Result<&'a mut PolarStep, Failure> {
    // SAFETY: forwarded contract.
    let out = unsafe { input::out(step, "step")? };
    if out.holds_live() {
        return Err(Failure::out_not_empty("step"));
    }
    if !(0.0..1.0).contains(&jitter) {
        return Err(Failure::invalid_argument(
            "invalid_jitter",
            format!("jitter must be in [0, 1), found {jitter}"),
        ));
    }
    Ok(out)
}

/// A `SEND` step for `outgoing`; notes in `entry` that a request is out, and its limit.
pub(crate) fn send_step(entry: &mut Entry, outgoing: Outgoing) -> PolarStep {
    entry.in_flight = true;
    entry.sends = entry.sends.saturating_add(1);
    entry.max_response_bytes = outgoing.limits.max_response_bytes;
    PolarStep {
        kind: POLAR_STEP_SEND,
        attempt: entry.sends,
        timeout_ms: millis(outgoing.limits.timeout),
        connect_timeout_ms: millis(outgoing.limits.connect_timeout),
        max_response_bytes: outgoing.limits.max_response_bytes,
        request: request_out(outgoing.request),
        ..PolarStep::default()
    }
}

/// Asks an exchange what to do next.
///
/// - `handle`: from a `*_new` function.
/// - `now_ms`: the wall clock, in milliseconds since the Unix epoch (read just before the
///   call; a `Retry-After` date is compared with it).
/// - `jitter`: a random number in `[0, 1)` drawn by the host (it spreads retries; 0.5 when
///   unsure).
/// - `step`: a zeroed (or freed) `PolarStep`, filled on `POLAR_OK`:
///   - `POLAR_STEP_SEND`: send `step.request` within `step.timeout_ms`, then call
///     `polar_exchange_response` or `polar_exchange_fault`, then poll again;
///   - `POLAR_STEP_WAIT`: sleep `step.wait_ms`, then poll again;
///   - `POLAR_STEP_DONE`: `step.result` holds the result as JSON; a call or an upload is
///     over, a walk goes on;
///   - `POLAR_STEP_PROGRESS`: an upload's progress in `step.result`; poll again;
///   - `POLAR_STEP_END`: a walk is over.
///
///   Free it with `polar_step_free` before the next poll.
/// - `err`: `NULL`, or a zeroed `PolarError`.
///
/// When the result is an error (a declared API error, an unexpected status, a transport
/// fault the retry policy gave up on, an exchange driven out of order, ...), the poll
/// returns its code, fills `err`, and sets `step.kind` to `POLAR_STEP_DONE` (and
/// `step.attempt`): the call is over, a walk ends (the next poll says `POLAR_STEP_END`).
/// Any other failing code leaves `step` untouched and the exchange as it was.
///
/// Returns `POLAR_OK`, a result's error code (as `polar_parse_response`, plus
/// `POLAR_ERR_TRANSPORT`, `POLAR_ERR_OUT_OF_ORDER`, `POLAR_ERR_UPLOAD`), or
/// `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_INVALID_ARGUMENT` (jitter),
/// `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY` (`step` still holds buffers).
///
/// # Safety
///
/// `step` and `err` are `NULL` or point to writable structs of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_exchange_poll(
    handle: u64,
    now_ms: u64,
    jitter: f64,
    step: *mut PolarStep,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `step` is NULL or valid (this function's contract).
        let out = unsafe { poll_output(step, jitter)? };
        let shared = lookup(handle)?;
        let mut entry = lock(&shared);
        if entry.is_ingest() {
            return Err(Failure::wrong_kind(
                handle,
                "an ingest queue: poll it with polar_ingest_poll",
            ));
        }
        let polled = entry.machine.poll(Duration::from_millis(now_ms), jitter);
        entry.in_flight = false;
        *out = PolarStep::default();
        match polled {
            Polled::Send(outgoing) => *out = send_step(&mut entry, outgoing),
            Polled::Wait(wait) => {
                out.kind = POLAR_STEP_WAIT;
                out.wait_ms = millis_up(wait);
            }
            Polled::Progress(progress) => {
                entry.sends = 0;
                out.kind = POLAR_STEP_PROGRESS;
                out.result = json_buffer(&progress);
            }
            Polled::End => {
                entry.sends = 0;
                out.kind = POLAR_STEP_END;
            }
            Polled::Done(result) => {
                out.kind = POLAR_STEP_DONE;
                out.attempt = std::mem::take(&mut entry.sends);
                out.result = json_buffer(&result.map_err(Failure::from_core)?);
            }
        }
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Hands back the response to the request of the last `POLAR_STEP_SEND`, any status (a
/// 4xx or 5xx is a response too: the exchange decides what follows). Then poll again.
///
/// - `handle`: an exchange's, or an ingest queue's (its `SEND` steps are answered the same
///   way).
/// - `status`: the HTTP status (100..=999).
/// - `headers`/`headers_len`: the response headers as for `polar_parse_response` (a leading
///   status line is skipped); `NULL`/0 for none.
/// - `body`/`body_len`: the whole body (de-chunked); `NULL`/0 for none.
///
/// Returns `POLAR_OK`; `POLAR_ERR_OUT_OF_ORDER` when no request was out (the exchange then
/// ends with that error: a response nobody asked for means the host is out of step);
/// `POLAR_ERR_INVALID_ARGUMENT` (status, header block) or `POLAR_ERR_INVALID_HANDLE`,
/// `POLAR_ERR_NULL_POINTER`, which leave the exchange as it was (hand back a valid response
/// or a fault).
///
/// # Safety
///
/// Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`); `err`
/// is `NULL` or points to a writable `PolarError`.
#[no_mangle]
pub unsafe extern "C" fn polar_exchange_response(
    handle: u64,
    status: u16,
    headers: *const u8,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (headers, body) = unsafe {
            (
                input::bytes(headers, headers_len, "headers")?,
                input::bytes(body, body_len, "body")?,
            )
        };
        let status = http::StatusCode::from_u16(status).map_err(|_| {
            Failure::invalid_argument("invalid_status", format!("{status} is not an HTTP status"))
        })?;
        let mut response = http::Response::new(body.to_vec());
        *response.status_mut() = status;
        *response.headers_mut() = input::header_map(headers)?;
        let shared = lookup(handle)?;
        let mut entry = lock(&shared);
        let expected = std::mem::replace(&mut entry.in_flight, false);
        // The core decides what a response out of step does to the exchange.
        entry.machine.handle(Ok(response));
        if expected {
            Ok(())
        } else {
            Err(out_of_order(
                "a response was handed back with no request out",
            ))
        }
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

fn out_of_order(what: &str) -> Failure {
    Failure::new(POLAR_ERR_OUT_OF_ORDER, "out_of_order", what)
}

/// Tells an exchange why the request of the last `POLAR_STEP_SEND` brought back no
/// response, or that the host cannot do what the last step asked (a wait it cannot honour:
/// the exchange then ends with the fault). Then poll again: the exchange decides whether
/// to send again, wait, or report the fault.
///
/// - `handle`: an exchange's, or an ingest queue's (there, a fault with no request out
///   ends the retries of the batch under way, whose events go back to the queue; with no
///   batch under way it does nothing).
/// - `fault`: `POLAR_FAULT_NOT_SENT` (connection refused, DNS, connect timeout: never
///   reached the server), `POLAR_FAULT_INTERRUPTED` (reset, truncated response: may have
///   reached it), `POLAR_FAULT_TIMED_OUT`, `POLAR_FAULT_BODY_TOO_LARGE`,
///   `POLAR_FAULT_ABORTED`.
/// - `message`/`message_len`: what the transport knows (`strerror(errno)`), UTF-8, never
///   a header; `NULL`/0 for none.
///
/// Returns `POLAR_OK`, or `POLAR_ERR_INVALID_ARGUMENT` (fault kind),
/// `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER` (nothing
/// done).
///
/// # Safety
///
/// As for `polar_exchange_response`.
#[no_mangle]
pub unsafe extern "C" fn polar_exchange_fault(
    handle: u64,
    fault: i32,
    message: *const u8,
    message_len: usize,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: the pair points to readable bytes (this function's contract).
        let message = input::utf8(
            unsafe { input::bytes(message, message_len, "message")? },
            "message",
        )?;
        let shared = lookup(handle)?;
        let mut entry = lock(&shared);
        let fault = match fault {
            POLAR_FAULT_NOT_SENT => Fault::not_sent(message),
            POLAR_FAULT_INTERRUPTED => Fault::interrupted(message),
            POLAR_FAULT_TIMED_OUT => Fault::timed_out(message),
            POLAR_FAULT_BODY_TOO_LARGE => Fault::body_too_large(entry.max_response_bytes),
            POLAR_FAULT_ABORTED => Fault::new(FaultKind::Aborted, message),
            other => {
                return Err(Failure::invalid_argument(
                    "invalid_fault",
                    format!("fault {other} is not a POLAR_FAULT_* value"),
                ))
            }
        };
        if std::mem::replace(&mut entry.in_flight, false) {
            entry.machine.handle(Err(fault));
        } else {
            entry.machine.fail(fault);
        }
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Ends an exchange (finished or not) and zeroes `*handle`. A request it sent may still be
/// answered: nothing listens any more.
///
/// Returns `POLAR_OK` (also for a zero handle: freeing twice through the same variable is
/// harmless), `POLAR_ERR_INVALID_HANDLE` for a handle naming no live exchange (a stale copy,
/// garbage; `*handle` is zeroed; an ingest queue's handle is left alone: free it with
/// `polar_ingest_free`), `POLAR_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `handle` is `NULL` or points to a readable and writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn polar_exchange_free(handle: *mut u64) -> i32 {
    failure::run_code(|| {
        // SAFETY: the contract of this function: NULL or valid.
        let Some(h) = (unsafe { handle.as_mut() }) else {
            return POLAR_ERR_NULL_POINTER;
        };
        free_handle(h, false)
    })
}

/// Frees the entry `*h` names when it is of the kind asked (an ingest queue or not), and
/// zeroes `*h`. A live entry of the other kind is left alone, `*h` too (zeroing it would
/// lose it).
pub(crate) fn free_handle(h: &mut u64, ingest: bool) -> i32 {
    if *h == 0 {
        return POLAR_OK;
    }
    // The kind of an entry never changes: checked without holding the registry's lock
    // while waiting for the entry's (a poll may hold it).
    let found = live().get(h).cloned();
    if found.is_some_and(|entry| lock(&entry).is_ingest() != ingest) {
        return POLAR_ERR_INVALID_HANDLE;
    }
    let removed = live().remove(&std::mem::take(h));
    // Dropped outside the registry's lock (a machine's drop frees its buffers).
    match removed {
        Some(_) => POLAR_OK,
        None => POLAR_ERR_INVALID_HANDLE,
    }
}

/// Frees the buffers of a `PolarStep` (its request and result) and zeroes it. Returns as
/// `polar_request_free`.
///
/// # Safety
///
/// `step` is `NULL` or points to a readable and writable `PolarStep`.
#[no_mangle]
pub unsafe extern "C" fn polar_step_free(step: *mut PolarStep) -> i32 {
    failure::run_code(|| {
        // SAFETY: the contract of this function: NULL or valid.
        let Some(s) = (unsafe { step.as_mut() }) else {
            return POLAR_ERR_NULL_POINTER;
        };
        let code = crate::release_all(s.request.buffers());
        let result = s.result.release();
        *s = PolarStep::default();
        if code == POLAR_OK {
            result
        } else {
            code
        }
    })
}

/// How many exchanges are alive (made and not freed yet, all threads), ingest queues
/// included. A host checks it is 0 at the end of a test, as `polar_live_buffers`.
#[no_mangle]
pub extern "C" fn polar_live_exchanges() -> usize {
    std::panic::catch_unwind(|| live().len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_round_up() {
        assert_eq!(millis_up(Duration::from_micros(1)), 1);
        assert_eq!(millis_up(Duration::from_millis(250)), 250);
        assert_eq!(millis_up(Duration::from_micros(1500)), 2);
        assert_eq!(millis_up(Duration::ZERO), 0);
        assert_eq!(millis_up(Duration::MAX), u64::MAX);
    }
}
