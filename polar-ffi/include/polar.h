/*
 * polar.h: the C API of polar-rs (the Rust SDK for the Polar billing API), sans-IO.
 *
 * The library builds HTTP requests and parses HTTP responses; the host moves the bytes with
 * any HTTP client. Data-driven: name an operationId, pass its parameters as JSON.
 *
 *   polar_call_new / polar_pages_new / polar_items_new / polar_upload_new
 *                        (op, params JSON, config JSON) -> an exchange handle: the core's
 *                        state machine for a call with its retries, a page or item walk,
 *                        an upload
 *   polar_exchange_poll  (handle, now, jitter)          -> PolarStep: SEND this request, WAIT
 *                        this long, DONE (result JSON or error), END of a walk
 *   polar_exchange_response / polar_exchange_fault      <- what came back for a SEND
 *   polar_ingest_new     (config JSON, ingest JSON, seed) -> a usage-event queue handle:
 *                        polar_ingest_push (event JSON) from any thread, polar_ingest_poll
 *                        on one: SEND a batch, WAIT, REPORT (JSON), IDLE
 *   polar_build_request  (op, params JSON, config JSON) -> PolarRequest (one request, no retry)
 *   polar_parse_response (op, status, headers, body)    -> result JSON, or PolarError
 *   polar_webhook_verify (headers, body, secret, now)   -> event JSON, or PolarError
 *
 * THE EXCHANGE LOOP (the host keeps no retry, paging or upload rule of its own)
 *     for (;;) {
 *         rc = polar_exchange_poll(h, now_ms(), random01(), &step, &err);
 *         if (step.kind == POLAR_STEP_SEND)  send step.request, then
 *                                            polar_exchange_response(h, status, ...) or
 *                                            polar_exchange_fault(h, POLAR_FAULT_..., ...);
 *         if (step.kind == POLAR_STEP_WAIT)  sleep step.wait_ms;
 *         if (step.kind == POLAR_STEP_DONE)  rc == POLAR_OK ? use step.result : handle err;
 *                                            a call stops here, a walk goes on;
 *         if (step.kind == POLAR_STEP_END)   a walk stops here;
 *         polar_step_free(&step);
 *     }
 *     polar_exchange_free(&h);
 *
 * MEMORY RULES
 *  1. Inputs are (pointer, length) byte buffers, borrowed for the call only: the library
 *     copies what it keeps. Text inputs are UTF-8, never need a NUL terminator. A NULL
 *     pointer with length 0 is an empty buffer where a buffer is optional (headers, body);
 *     required inputs (op, params, config, secret, method) refuse NULL.
 *  2. Every output is written into a struct the caller provides, which must be zeroed
 *     (`PolarBuffer b = {0};`) or freed before the call; one still holding live buffers is
 *     refused with POLAR_ERR_OUT_NOT_EMPTY (so calling twice cannot leak). Outputs are
 *     written only on POLAR_OK, with one exception: a poll whose result is an error sets
 *     step.kind = POLAR_STEP_DONE (and step.attempt) beside the error code.
 *  3. Every PolarBuffer the library returns is owned by the library until the caller frees
 *     it, with exactly one function per struct type:
 *         PolarBuffer  -> polar_buffer_free(&buf)
 *         PolarRequest -> polar_request_free(&req)   (all five buffers)
 *         PolarError   -> polar_error_free(&err)     (all four buffers)
 *         PolarStep    -> polar_step_free(&step)     (its request and result)
 *     Never free() them, never write through `data`, don't change the struct's fields.
 *     Buffers are NUL-terminated (data[len] == 0) so text ones are also C strings.
 *  4. Free functions zero the struct: freeing twice through the same struct is a no-op
 *     returning POLAR_OK. Freeing a stale copy of a freed struct is detected (each buffer
 *     has a never-reused id) and returns POLAR_ERR_INVALID_HANDLE; nothing is freed twice.
 *     A struct whose id names a live buffer but whose data or len is not that buffer's
 *     (forged, corrupted) is refused the same way and frees nothing.
 *  5. `err` may be NULL (the return code alone tells what happened). When not NULL it must
 *     be zeroed; it is filled only on failure and must then be freed with polar_error_free.
 *  6. No call panics or aborts across the boundary: a bug is caught and reported as
 *     POLAR_ERR_PANIC. polar_live_buffers() counts the buffers not yet freed (0 at the end
 *     of a leak-free program). Every function may be called from any thread.
 *  7. polar_code_name() returns static strings: never free them.
 *  8. Exchange handles are numbers naming the library's state machines, never pointers: a
 *     stale or garbage handle is POLAR_ERR_INVALID_HANDLE. polar_exchange_free(&h) ends one
 *     and zeroes h (again through h: a no-op). polar_live_exchanges() counts those not
 *     freed yet (0 at the end of a leak-free program). Ingest queues are handles of the
 *     same registry (freed with polar_ingest_free, counted by polar_live_exchanges); a
 *     handle of one kind given to a function of the other is POLAR_ERR_INVALID_HANDLE.
 */


#ifndef POLAR_FFI_H
#define POLAR_FFI_H

/* Generated by cbindgen from polar-ffi/src (see polar-ffi/cbindgen.toml). Do not edit by hand. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Success.
 */
#define POLAR_OK 0

/**
 * A required pointer is `NULL` (or a `NULL` data pointer came with a non-zero length).
 */
#define POLAR_ERR_NULL_POINTER -1

/**
 * A text argument (operation id, JSON, secret, webhook headers) is not valid UTF-8.
 */
#define POLAR_ERR_INVALID_UTF8 -2

/**
 * A JSON argument does not parse, or is not the JSON type expected (an object).
 */
#define POLAR_ERR_INVALID_JSON -3

/**
 * No operation has this operationId.
 */
#define POLAR_ERR_UNKNOWN_OPERATION -4

/**
 * An argument is out of range: a config key, an HTTP status, a header block line, a fault
 * kind, a jitter outside `[0, 1)`, a file spec.
 */
#define POLAR_ERR_INVALID_ARGUMENT -5

/**
 * The request cannot be built: the parameters don't match the operation (unknown,
 * missing or mistyped parameter or body), or the credential is missing or not accepted.
 * Nothing was sent. `kind` says which (`invalid_parameter`, `missing_credential`, ...).
 */
#define POLAR_ERR_BUILD -6

/**
 * The server answered an error status the operation declares (400, 401, 402, 403, 404,
 * 409, 410, 412, 422, 429): `status` is set, `model` holds the parsed error model as JSON.
 */
#define POLAR_ERR_API -7

/**
 * The server answered a status the operation does not declare: `status` and `body` are set.
 */
#define POLAR_ERR_UNEXPECTED_STATUS -8

/**
 * A declared status whose body is not what the spec promises (for example the response of
 * another operation): `message` names the JSON path of the first bad value.
 */
#define POLAR_ERR_DECODE -9

/**
 * `polar_pages_new` or `polar_items_new` was given an operation that is not paginated.
 */
#define POLAR_ERR_NOT_PAGINATED -10

/**
 * A webhook delivery was rejected; `kind` says why (`no_matching_signature`,
 * `timestamp_too_old`, `missing_header`, ...). Answer the sender 400.
 */
#define POLAR_ERR_WEBHOOK -11

/**
 * A free function was given a struct that names no live buffer (a stale copy of a struct
 * already freed, or garbage; nothing was freed, the struct was zeroed), or an exchange
 * function a handle that names no live exchange (freed, or never made), or a handle of the
 * other kind (an ingest queue's handle to `polar_exchange_poll`, a call's handle to a
 * `polar_ingest_*` function).
 */
#define POLAR_ERR_INVALID_HANDLE -12

/**
 * An output struct (or `err`) still holds live buffers: free it first. Calling a function
 * twice into the same output without freeing would otherwise leak. Nothing was done.
 */
#define POLAR_ERR_OUT_NOT_EMPTY -13

/**
 * An error of the core this version of the C API has no code for.
 */
#define POLAR_ERR_OTHER -14

/**
 * No usable response came back: the transport's fault (`kind`: `not_sent`,
 * `interrupted`, `timed_out`, `body_too_large`, `aborted`), and the retry policy would not
 * (or no longer) send the request again; `message` says after how many attempts.
 */
#define POLAR_ERR_TRANSPORT -15

/**
 * An exchange was driven out of order: polled again before the response to its last
 * request was handed back, handed a response with no request out, or polled after it
 * finished. The exchange ends with this error (so a create is never sent twice).
 */
#define POLAR_ERR_OUT_OF_ORDER -16

/**
 * A file upload cannot go on: an empty file, a part size that does not fit, Polar's plan
 * not matching the file, a part the storage host refused or acknowledged without an ETag.
 * `kind` says which.
 */
#define POLAR_ERR_UPLOAD -17

/**
 * `polar_ingest_push`: the queue holds its `capacity` of events already (queued and in
 * flight). The event was not queued: it is still the host's, to keep or push again later.
 */
#define POLAR_ERR_QUEUE_FULL -18

/**
 * `polar_ingest_push`: the queue was closed (`polar_ingest_close`). The event was not
 * queued: it is still the host's.
 */
#define POLAR_ERR_QUEUE_CLOSED -19

/**
 * The library panicked (a bug): the panic was caught at the boundary, the call did nothing
 * else. `message` holds the panic message.
 */
#define POLAR_ERR_PANIC -100

/**
 * `PolarStep.kind`: send `request` (within `timeout_ms`, reading at most
 * `max_response_bytes`), then hand back the response (`polar_exchange_response`) or why
 * none came (`polar_exchange_fault`).
 */
#define POLAR_STEP_SEND 1

/**
 * `PolarStep.kind`: sleep `wait_ms` milliseconds, then poll again.
 */
#define POLAR_STEP_WAIT 2

/**
 * `PolarStep.kind`: a result. A call's output, a page, or an item as JSON in `result`
 * (when the poll returned `POLAR_OK`), or the error the poll returned. A call or an upload
 * is over; a walk goes on with the next poll.
 */
#define POLAR_STEP_DONE 3

/**
 * `PolarStep.kind`: a page or item walk is over (after its last page, its first error, or
 * a page with no items); every further poll says the same.
 */
#define POLAR_STEP_END 4

/**
 * `PolarStep.kind`: an upload went one step further (`files:create` accepted, or one more
 * part): its progress as JSON in `result`; poll again.
 */
#define POLAR_STEP_PROGRESS 5

/**
 * `PolarStep.kind` (ingest queues): a batch was dealt with; its report as JSON in `result`
 * (`events`, `inserted`, `duplicates`, `rejected`, `mismatches`, `failed`); poll again.
 */
#define POLAR_STEP_REPORT 6

/**
 * `PolarStep.kind` (ingest queues): nothing is queued; poll again after the next push (or
 * flush, or close). After `polar_ingest_close`: everything was dealt with.
 */
#define POLAR_STEP_IDLE 7

/**
 * `polar_exchange_fault`: the request never reached the server (connection refused, DNS
 * failure, TLS handshake, connect timeout). Sending it again cannot duplicate anything.
 */
#define POLAR_FAULT_NOT_SENT 1

/**
 * `polar_exchange_fault`: the request may have reached the server, but no complete
 * response came back (connection reset, truncated body).
 */
#define POLAR_FAULT_INTERRUPTED 2

/**
 * `polar_exchange_fault`: the attempt ran out of time (`timeout_ms`); the request may have
 * reached the server.
 */
#define POLAR_FAULT_TIMED_OUT 3

/**
 * `polar_exchange_fault`: the response body is larger than `max_response_bytes`. Not
 * retried: it would come back just as large.
 */
#define POLAR_FAULT_BODY_TOO_LARGE 4

/**
 * `polar_exchange_fault`: the host gave up on the exchange (a cancel, a shutdown, a wait it
 * cannot honour). Not retried.
 */
#define POLAR_FAULT_ABORTED 5

/**
 * A byte buffer owned by the library, lent to the host until it is freed.
 *
 * `data[0..len]` holds the bytes; `data[len]` is always a `0` byte, so a text buffer (JSON,
 * URL, message) is also a NUL-terminated C string. `id` identifies the buffer to the
 * library: don't change any field. An *empty* buffer is all zeros (`data == NULL`,
 * `len == 0`, `id == 0`): zero-initialize output buffers (`PolarBuffer b = {0};`).
 *
 * Free it once with `polar_buffer_free(&b)`, which zeroes it: freeing it again is a harmless
 * no-op, and freeing a stale copy returns `POLAR_ERR_INVALID_HANDLE`.
 */
typedef struct PolarBuffer {
  /**
   * The first byte (read-only for the host), or `NULL` for an empty buffer.
   */
  const uint8_t *data;
  /**
   * The number of bytes, not counting the trailing `0`.
   */
  size_t len;
  /**
   * The library's handle for this buffer; `0` when empty.
   */
  uint64_t id;
} PolarBuffer;

/**
 * An HTTP request to send, built by `polar_build_request` or given by a `POLAR_STEP_SEND`.
 * Every field is a `PolarBuffer` (NUL-terminated text); free all of them at once with
 * `polar_request_free(&req)` (or the step's with `polar_step_free`).
 */
typedef struct PolarRequest {
  /**
   * The method, e.g. `GET`.
   */
  struct PolarBuffer method;
  /**
   * The absolute URL, e.g. `https://api.polar.sh/v1/products/?page=2`.
   */
  struct PolarBuffer url;
  /**
   * The request target for an HTTP/1.1 request line (path and query), e.g.
   * `/v1/products/?page=2`.
   */
  struct PolarBuffer target;
  /**
   * The headers, one `Name: value\r\n` line each (`Authorization`, `Polar-Version`,
   * `User-Agent`, `Accept`, and `Content-Type` when there is a body). Not included: `Host`,
   * `Content-Length`, `Connection` (the transport's business).
   */
  struct PolarBuffer headers;
  /**
   * The body (JSON or form-encoded), empty for none.
   */
  struct PolarBuffer body;
} PolarRequest;

/**
 * A structured error, filled by any function given a non-`NULL` `err` when it fails. Free
 * it with `polar_error_free(&err)` before reusing it.
 */
typedef struct PolarError {
  /**
   * The code the function returned (`POLAR_ERR_*`).
   */
  int32_t code;
  /**
   * The HTTP status of the response, or 0 when the failure did not come from a response.
   */
  uint16_t status;
  /**
   * A stable snake_case name of the failure: `invalid_parameter`, `not_found`,
   * `validation`, `decode`, `unexpected_status`, `no_matching_signature`, ...
   */
  struct PolarBuffer kind;
  /**
   * A readable message (UTF-8; never contains a token).
   */
  struct PolarBuffer message;
  /**
   * For `POLAR_ERR_API`: the parsed error model as JSON (e.g.
   * `{"error":"ResourceNotFound","detail":"Not found"}`); empty otherwise.
   */
  struct PolarBuffer model;
  /**
   * The response body as received (at most 64 KiB) for API, unexpected-status and decode
   * errors; empty otherwise.
   */
  struct PolarBuffer body;
} PolarError;

/**
 * What the host does next, filled by `polar_exchange_poll` (and `polar_ingest_poll`). Zero
 * it before the first poll (`PolarStep step = {0};`) and free it with
 * `polar_step_free(&step)` after each poll that returned `POLAR_OK`.
 */
typedef struct PolarStep {
  /**
   * `POLAR_STEP_SEND`, `POLAR_STEP_WAIT`, `POLAR_STEP_DONE`, `POLAR_STEP_END` or
   * `POLAR_STEP_PROGRESS` (exchanges); `POLAR_STEP_SEND`, `POLAR_STEP_WAIT`,
   * `POLAR_STEP_REPORT` or `POLAR_STEP_IDLE` (ingest queues); 0 when the poll was refused
   * (bad handle, pointer or jitter) and nothing happened.
   */
  int32_t kind;
  /**
   * `SEND`: which attempt of this request it is (1 for the first). `DONE`: how many
   * attempts the request behind the result took. Ingest queues: the requests sent for
   * the current batch so far, its halves after a 422 split included (`SEND`), and in
   * all (`REPORT`).
   */
  uint32_t attempt;
  /**
   * `SEND`: the request, complete (method, URL, target, headers, body).
   */
  struct PolarRequest request;
  /**
   * `SEND`: the longest the attempt may take, response body included, in milliseconds.
   * When it runs out, hand back `POLAR_FAULT_TIMED_OUT`.
   */
  uint64_t timeout_ms;
  /**
   * `SEND`: the longest opening the connection may take, in milliseconds (a transport
   * that cannot tell the phases apart keeps to `timeout_ms` alone).
   */
  uint64_t connect_timeout_ms;
  /**
   * `SEND`: the largest response body to read. A larger one: hand back
   * `POLAR_FAULT_BODY_TOO_LARGE`.
   */
  uint64_t max_response_bytes;
  /**
   * `WAIT`: how long to sleep before polling again, in milliseconds (rounded up).
   */
  uint64_t wait_ms;
  /**
   * `DONE`: the result as JSON (a call's output, `null` for an operation without a
   * response body; a page; an item; an uploaded file). `PROGRESS`: an upload's progress,
   * `{"bytes_sent":..,"total_bytes":..,"parts_sent":..,"parts":..}`. `REPORT`: what
   * happened to a batch of usage events (see `polar_ingest_poll`). Empty otherwise.
   */
  struct PolarBuffer result;
} PolarStep;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Builds the HTTP request of an operation.
 *
 * - `op`/`op_len`: the operationId, e.g. `customer-sessions:create` (UTF-8).
 * - `params`/`params_len`: a JSON object of the operation's parameters by their spec name,
 *   the request body under `"body"`, e.g. `{"body":{"customer_id":"..."}}` or
 *   `{"page":2,"limit":100}`. Unknown keys are refused.
 * - `config`/`config_len`: a JSON object, every key optional: `base_url` (or `server`:
 *   `"production"` (default) / `"sandbox"`), `token` and `credential` (its kind:
 *   `organization_token`, `personal_token`, `oauth2_token`, `customer_session`,
 *   `member_session`; by default read from the token's prefix, else `organization_token`),
 *   `organization` (an organization id, sent as `Polar-Organization`), `polar_version`,
 *   `user_agent`, `headers` (an object of extra headers). `{}` is production without
 *   credential. The settings of exchanges (`max_attempts`, ..., see `polar_call_new`) are
 *   accepted and play no part here.
 * - `out`: a zeroed `PolarRequest`, filled on success; free it with `polar_request_free`.
 * - `err`: `NULL`, or a zeroed `PolarError`, filled on failure; free it with
 *   `polar_error_free`.
 *
 * Returns `POLAR_OK`, or `POLAR_ERR_UNKNOWN_OPERATION`, `POLAR_ERR_BUILD` (parameters that
 * don't match, credential missing or not accepted), `POLAR_ERR_INVALID_JSON`,
 * `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_INVALID_ARGUMENT` (config), `POLAR_ERR_NULL_POINTER`,
 * `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`); `out`
 * and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_build_request(const uint8_t *op,
                            size_t op_len,
                            const uint8_t *params,
                            size_t params_len,
                            const uint8_t *config,
                            size_t config_len,
                            struct PolarRequest *out,
                            struct PolarError *err);

/**
 * Parses the response to an operation's request into its typed result, re-serialized as
 * JSON.
 *
 * - `op`/`op_len`: the operationId the request was built for.
 * - `status`: the HTTP status (100..=999).
 * - `headers`/`headers_len`: the response headers, `Name: value` lines separated by `\r\n`
 *   or `\n` (a leading `HTTP/1.1 200 OK` status line is skipped); `NULL`/0 for none.
 * - `body`/`body_len`: the response body; `NULL`/0 for none.
 * - `out_json`: a zeroed `PolarBuffer`, filled with the result as JSON on success (`null`
 *   for operations without a response body); free it with `polar_buffer_free`.
 * - `err`: `NULL`, or a zeroed `PolarError`, filled on failure.
 *
 * Returns `POLAR_OK`, or `POLAR_ERR_API` (a declared error status: `status`, `kind`,
 * `model`), `POLAR_ERR_UNEXPECTED_STATUS`, `POLAR_ERR_DECODE` (the body does not match, e.g.
 * the response of another operation), `POLAR_ERR_UNKNOWN_OPERATION`,
 * `POLAR_ERR_INVALID_ARGUMENT` (status, header block), `POLAR_ERR_INVALID_UTF8`,
 * `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * As for `polar_build_request`.
 */
int32_t polar_parse_response(const uint8_t *op,
                             size_t op_len,
                             uint16_t status,
                             const uint8_t *headers,
                             size_t headers_len,
                             const uint8_t *body,
                             size_t body_len,
                             struct PolarBuffer *out_json,
                             struct PolarError *err);

/**
 * Verifies a webhook delivery (Standard Webhooks signature, 5-minute window both ways) and
 * parses its event.
 *
 * - `headers`/`headers_len`: the delivery's headers as a UTF-8 block of `Name: value` lines
 *   (at least `webhook-id`, `webhook-timestamp`, `webhook-signature`; names compared
 *   case-insensitively).
 * - `body`/`body_len`: the raw body bytes, exactly as received.
 * - `secret`/`secret_len`: the endpoint's secret as Polar shows it (`whsec_...` or
 *   `polar_whs_...`).
 * - `now_unix`: now, in Unix seconds.
 * - `out_event`: a zeroed `PolarBuffer`, filled with the event as JSON
 *   (`{"type":"order.paid","timestamp":...,"data":{...}}`) on success.
 *
 * Returns `POLAR_OK`, or `POLAR_ERR_WEBHOOK` (`kind`: `missing_header`,
 * `invalid_timestamp`, `timestamp_too_old`, `timestamp_too_new`,
 * `invalid_signature_header`, `no_matching_signature`, `invalid_secret`, `decode`, ...),
 * `POLAR_ERR_INVALID_ARGUMENT` (header block), `POLAR_ERR_INVALID_UTF8`,
 * `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * As for `polar_build_request`.
 */
int32_t polar_webhook_verify(const uint8_t *headers,
                             size_t headers_len,
                             const uint8_t *body,
                             size_t body_len,
                             const uint8_t *secret,
                             size_t secret_len,
                             int64_t now_unix,
                             struct PolarBuffer *out_event,
                             struct PolarError *err);

/**
 * Every operation as JSON: `[{"id":"products:list","method":"GET","path":"/v1/products/",
 * "paginated":true}, ...]`, sorted by id. `out` must be a zeroed `PolarBuffer`; free it with
 * `polar_buffer_free`.
 *
 * Returns `POLAR_OK`, `POLAR_ERR_NULL_POINTER` or `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * `out` and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_operations(struct PolarBuffer *out, struct PolarError *err);

/**
 * Frees a buffer the library returned and zeroes `*buf`.
 *
 * Returns `POLAR_OK` (also for an already zeroed buffer: freeing twice through the same
 * struct is harmless), `POLAR_ERR_INVALID_HANDLE` for a struct naming no live buffer (a
 * stale copy of a freed struct; nothing is freed, `*buf` is zeroed), or
 * `POLAR_ERR_NULL_POINTER` when `buf` is `NULL`.
 *
 * # Safety
 *
 * `buf` is `NULL` or points to a readable and writable `PolarBuffer`.
 */
int32_t polar_buffer_free(struct PolarBuffer *buf);

/**
 * Frees every buffer of a `PolarRequest` and zeroes it. Returns as `polar_buffer_free`
 * (the first failure among its buffers; all are freed or zeroed anyway).
 *
 * # Safety
 *
 * `req` is `NULL` or points to a readable and writable `PolarRequest`.
 */
int32_t polar_request_free(struct PolarRequest *req);

/**
 * Frees every buffer of a `PolarError` and zeroes it (code and status too). Returns as
 * `polar_buffer_free`.
 *
 * # Safety
 *
 * `err` is `NULL` or points to a readable and writable `PolarError`.
 */
int32_t polar_error_free(struct PolarError *err);

/**
 * How many buffers the library has returned and the host has not freed yet (all threads).
 * A host checks it is 0 at the end of a test to prove it leaks nothing.
 */
size_t polar_live_buffers(void);

/**
 * The name of a return code (`"POLAR_ERR_DECODE"`) as a static NUL-terminated string: never
 * free it. Unknown codes give `"POLAR_ERR_UNKNOWN_CODE"`.
 */
const char *polar_code_name(int32_t code);

/**
 * Starts a call: one operation, sent and retried as the retry policy allows, parsed into
 * its result.
 *
 * - `op`, `params`, `config`: as for `polar_build_request`; `config` also takes the
 *   settings of the exchange (`max_attempts`, `base_delay_ms`, `max_delay_ms`,
 *   `max_elapsed_ms`, `request_timeout_ms`, `connect_timeout_ms`, `overall_timeout_ms`,
 *   `max_response_bytes`) and extra `headers` (`{"X-Trace":"1"}`).
 * - `repeatable`: a POST or PATCH that may have reached the server is sent again only when
 *   true (the caller says sending it twice is harmless); other methods are always safe.
 * - `out_handle`: receives the handle (a `uint64_t` that is 0 or names no live exchange);
 *   free it with `polar_exchange_free`.
 *
 * Drive it with `polar_exchange_poll` until `POLAR_STEP_DONE`.
 *
 * Returns `POLAR_OK`, or as `polar_build_request` (the request is built here, so a bad
 * parameter or credential is refused now), `POLAR_ERR_OUT_NOT_EMPTY` (`*out_handle` names a
 * live exchange).
 *
 * # Safety
 *
 * Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`);
 * `out_handle` and `err` are `NULL` or point to writable values of their type.
 */
int32_t polar_call_new(const uint8_t *op,
                       size_t op_len,
                       const uint8_t *params,
                       size_t params_len,
                       const uint8_t *config,
                       size_t config_len,
                       bool repeatable,
                       uint64_t *out_handle,
                       struct PolarError *err);

/**
 * Starts a walk over the pages of a paginated operation (one with a `page` parameter, e.g.
 * `products:list`; `polar_operations` marks them `"paginated":true`), from the page its
 * `params` name (the first by default).
 *
 * Each `POLAR_STEP_DONE` carries one page as JSON (as `polar_parse_response` gives it), or
 * the error that ends the walk; `POLAR_STEP_END` follows the last page. A walk ends after
 * the last page the list announces, after an error, or after a page with no items,
 * whatever the list says of a next one: a server announcing pages for ever cannot make it
 * loop.
 *
 * Arguments and returns as `polar_call_new` (without `repeatable`: pages are GETs), plus
 * `POLAR_ERR_NOT_PAGINATED`.
 *
 * # Safety
 *
 * As for `polar_call_new`.
 */
int32_t polar_pages_new(const uint8_t *op,
                        size_t op_len,
                        const uint8_t *params,
                        size_t params_len,
                        const uint8_t *config,
                        size_t config_len,
                        uint64_t *out_handle,
                        struct PolarError *err);

/**
 * Starts a walk over the items of every page of a paginated operation: each
 * `POLAR_STEP_DONE` carries one item as JSON (a product, an order, ...), pages fetched as
 * the walk reaches them; `POLAR_STEP_END` follows the last. Same rules, arguments and
 * returns as `polar_pages_new`.
 *
 * # Safety
 *
 * As for `polar_call_new`.
 */
int32_t polar_items_new(const uint8_t *op,
                        size_t op_len,
                        const uint8_t *params,
                        size_t params_len,
                        const uint8_t *config,
                        size_t config_len,
                        uint64_t *out_handle,
                        struct PolarError *err);

/**
 * Starts a file upload: `files:create` with the file's and each part's SHA-256, a `PUT` of
 * each part to the presigned URL Polar answers with (retried on its own, as the retry
 * policy allows), then `files:uploaded` with the ETags.
 *
 * - `file`/`file_len`: a JSON object: `service` (`downloadable`, `product_media`,
 *   `organization_avatar`, `support_case_attachment`), `name`, `mime_type`, and optionally
 *   `organization_id` (with a personal token) and `part_size` (bytes per part, 10 MB by
 *   default).
 * - `data`/`data_len`: the file's bytes, copied here.
 * - `config`, `out_handle`, `err`: as for `polar_call_new`.
 *
 * Part `PUT`s go to the storage host's URL (not the API's) with only the headers Polar
 * presigned. Each `POLAR_STEP_PROGRESS` reports how far the upload is; `POLAR_STEP_DONE`
 * carries the file as Polar records it, or the error that stopped the upload (an empty
 * file or a part size that does not fit is reported there, by the first poll).
 *
 * Returns `POLAR_OK`, `POLAR_ERR_INVALID_ARGUMENT` (the file spec, the config),
 * `POLAR_ERR_INVALID_JSON`, `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_NULL_POINTER`,
 * `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * As for `polar_call_new`.
 */
int32_t polar_upload_new(const uint8_t *file,
                         size_t file_len,
                         const uint8_t *data,
                         size_t data_len,
                         const uint8_t *config,
                         size_t config_len,
                         uint64_t *out_handle,
                         struct PolarError *err);

/**
 * Asks an exchange what to do next.
 *
 * - `handle`: from a `*_new` function.
 * - `now_ms`: the wall clock, in milliseconds since the Unix epoch (read just before the
 *   call; a `Retry-After` date is compared with it).
 * - `jitter`: a random number in `[0, 1)` drawn by the host (it spreads retries; 0.5 when
 *   unsure).
 * - `step`: a zeroed (or freed) `PolarStep`, filled on `POLAR_OK`:
 *   - `POLAR_STEP_SEND`: send `step.request` within `step.timeout_ms`, then call
 *     `polar_exchange_response` or `polar_exchange_fault`, then poll again;
 *   - `POLAR_STEP_WAIT`: sleep `step.wait_ms`, then poll again;
 *   - `POLAR_STEP_DONE`: `step.result` holds the result as JSON; a call or an upload is
 *     over, a walk goes on;
 *   - `POLAR_STEP_PROGRESS`: an upload's progress in `step.result`; poll again;
 *   - `POLAR_STEP_END`: a walk is over.
 *
 *   Free it with `polar_step_free` before the next poll.
 * - `err`: `NULL`, or a zeroed `PolarError`.
 *
 * When the result is an error (a declared API error, an unexpected status, a transport
 * fault the retry policy gave up on, an exchange driven out of order, ...), the poll
 * returns its code, fills `err`, and sets `step.kind` to `POLAR_STEP_DONE` (and
 * `step.attempt`): the call is over, a walk ends (the next poll says `POLAR_STEP_END`).
 * Any other failing code leaves `step` untouched and the exchange as it was.
 *
 * Returns `POLAR_OK`, a result's error code (as `polar_parse_response`, plus
 * `POLAR_ERR_TRANSPORT`, `POLAR_ERR_OUT_OF_ORDER`, `POLAR_ERR_UPLOAD`), or
 * `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_INVALID_ARGUMENT` (jitter),
 * `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY` (`step` still holds buffers).
 *
 * # Safety
 *
 * `step` and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_exchange_poll(uint64_t handle,
                            uint64_t now_ms,
                            double jitter,
                            struct PolarStep *step,
                            struct PolarError *err);

/**
 * Hands back the response to the request of the last `POLAR_STEP_SEND`, any status (a
 * 4xx or 5xx is a response too: the exchange decides what follows). Then poll again.
 *
 * - `handle`: an exchange's, or an ingest queue's (its `SEND` steps are answered the same
 *   way).
 * - `status`: the HTTP status (100..=999).
 * - `headers`/`headers_len`: the response headers as for `polar_parse_response` (a leading
 *   status line is skipped); `NULL`/0 for none.
 * - `body`/`body_len`: the whole body (de-chunked); `NULL`/0 for none.
 *
 * Returns `POLAR_OK`; `POLAR_ERR_OUT_OF_ORDER` when no request was out (the exchange then
 * ends with that error: a response nobody asked for means the host is out of step);
 * `POLAR_ERR_INVALID_ARGUMENT` (status, header block) or `POLAR_ERR_INVALID_HANDLE`,
 * `POLAR_ERR_NULL_POINTER`, which leave the exchange as it was (hand back a valid response
 * or a fault).
 *
 * # Safety
 *
 * Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`); `err`
 * is `NULL` or points to a writable `PolarError`.
 */
int32_t polar_exchange_response(uint64_t handle,
                                uint16_t status,
                                const uint8_t *headers,
                                size_t headers_len,
                                const uint8_t *body,
                                size_t body_len,
                                struct PolarError *err);

/**
 * Tells an exchange why the request of the last `POLAR_STEP_SEND` brought back no
 * response, or that the host cannot do what the last step asked (a wait it cannot honour:
 * the exchange then ends with the fault). Then poll again: the exchange decides whether
 * to send again, wait, or report the fault.
 *
 * - `handle`: an exchange's, or an ingest queue's (there, a fault with no request out
 *   ends the retries of the batch under way, whose events go back to the queue; with no
 *   batch under way it does nothing).
 * - `fault`: `POLAR_FAULT_NOT_SENT` (connection refused, DNS, connect timeout: never
 *   reached the server), `POLAR_FAULT_INTERRUPTED` (reset, truncated response: may have
 *   reached it), `POLAR_FAULT_TIMED_OUT`, `POLAR_FAULT_BODY_TOO_LARGE`,
 *   `POLAR_FAULT_ABORTED`.
 * - `message`/`message_len`: what the transport knows (`strerror(errno)`), UTF-8, never
 *   a header; `NULL`/0 for none.
 *
 * Returns `POLAR_OK`, or `POLAR_ERR_INVALID_ARGUMENT` (fault kind),
 * `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER` (nothing
 * done).
 *
 * # Safety
 *
 * As for `polar_exchange_response`.
 */
int32_t polar_exchange_fault(uint64_t handle,
                             int32_t fault,
                             const uint8_t *message,
                             size_t message_len,
                             struct PolarError *err);

/**
 * Ends an exchange (finished or not) and zeroes `*handle`. A request it sent may still be
 * answered: nothing listens any more.
 *
 * Returns `POLAR_OK` (also for a zero handle: freeing twice through the same variable is
 * harmless), `POLAR_ERR_INVALID_HANDLE` for a handle naming no live exchange (a stale copy,
 * garbage; `*handle` is zeroed; an ingest queue's handle is left alone: free it with
 * `polar_ingest_free`), `POLAR_ERR_NULL_POINTER`.
 *
 * # Safety
 *
 * `handle` is `NULL` or points to a readable and writable `uint64_t`.
 */
int32_t polar_exchange_free(uint64_t *handle);

/**
 * Frees the buffers of a `PolarStep` (its request and result) and zeroes it. Returns as
 * `polar_request_free`.
 *
 * # Safety
 *
 * `step` is `NULL` or points to a readable and writable `PolarStep`.
 */
int32_t polar_step_free(struct PolarStep *step);

/**
 * How many exchanges are alive (made and not freed yet, all threads), ingest queues
 * included. A host checks it is 0 at the end of a test, as `polar_live_buffers`.
 */
size_t polar_live_exchanges(void);

/**
 * Starts a queue of usage events for `events:ingest`.
 *
 * - `config`/`config_len`: as for `polar_call_new` (`base_url` or `server`, `token` with the
 *   `events:write` scope, `credential`, `headers`, and the settings of exchanges: the
 *   retry policy and timeouts of each batch's request).
 * - `ingest`/`ingest_len`: a JSON object, every key optional (`NULL`/0 for all defaults):
 *   `max_batch_events` (a batch is sent once this many events wait, and holds at most
 *   this many; default 100), `max_batch_bytes` (once its body would reach this size;
 *   512 KiB), `max_age_ms` (once its oldest event waited this long; 5000), `capacity`
 *   (the most events queued and in flight; a push beyond it is refused; 100000).
 * - `seed`/`seed_len`: 32 random bytes from the OS (`getrandom`, `/dev/urandom`,
 *   `BCryptGenRandom`): the `external_id`s of events pushed without one derive from it, so
 *   it must differ between processes.
 * - `out_handle`: receives the handle (a `uint64_t` that is 0 or names nothing live);
 *   free it with `polar_ingest_free`.
 *
 * Returns `POLAR_OK`, `POLAR_ERR_INVALID_ARGUMENT` (config: `invalid_config`; ingest JSON:
 * `invalid_ingest`; seed: `invalid_seed`), `POLAR_ERR_BUILD` (credential missing or not
 * accepted by `events:ingest`), `POLAR_ERR_INVALID_JSON`, `POLAR_ERR_INVALID_UTF8`,
 * `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`);
 * `out_handle` and `err` are `NULL` or point to writable values of their type.
 */
int32_t polar_ingest_new(const uint8_t *config,
                         size_t config_len,
                         const uint8_t *ingest,
                         size_t ingest_len,
                         const uint8_t *seed,
                         size_t seed_len,
                         uint64_t *out_handle,
                         struct PolarError *err);

/**
 * Queues a usage event. Any thread, at any rate: the queue's lock is held for the push
 * only (never while a batch is sent).
 *
 * - `event`/`event_len`: the event as a JSON object, an `EventCreateCustomer`
 *   (`{"name":"llm.tokens","customer_id":"...","metadata":{"tokens":512}}`) or an
 *   `EventCreateExternalCustomer` (`"external_customer_id"` instead of `"customer_id"`).
 *   It gets an `external_id` (a UUID from the seed) unless it has one, and `now_ms` as
 *   its `timestamp` unless it has one.
 * - `now_ms`: the wall clock, in milliseconds since the Unix epoch.
 *
 * Then wake the thread that polls the queue: the push may make a batch due.
 *
 * Returns `POLAR_OK`, `POLAR_ERR_QUEUE_FULL` (the queue holds `capacity` events),
 * `POLAR_ERR_QUEUE_CLOSED` (after `polar_ingest_close`): either way the event was not
 * queued and is still the host's; `POLAR_ERR_INVALID_ARGUMENT` (`invalid_event`: neither
 * kind of event, an unknown or mistyped field), `POLAR_ERR_INVALID_JSON`,
 * `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`.
 *
 * # Safety
 *
 * The pair points to that many readable bytes (or is `NULL`); `err` is `NULL` or points to
 * a writable `PolarError`.
 */
int32_t polar_ingest_push(uint64_t handle,
                          const uint8_t *event,
                          size_t event_len,
                          uint64_t now_ms,
                          struct PolarError *err);

/**
 * Makes what is queued due now, without waiting for a count, a size or an age; wake the
 * polling thread after it. Returns `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`.
 *
 * # Safety
 *
 * `err` is `NULL` or points to a writable `PolarError`.
 */
int32_t polar_ingest_flush(uint64_t handle, struct PolarError *err);

/**
 * Closes the queue: further pushes are refused (`POLAR_ERR_QUEUE_CLOSED`), everything
 * queued is due at once, batch after batch; `polar_ingest_poll` says `POLAR_STEP_IDLE`
 * once all of it was dealt with. On shutdown: close, wake the polling thread, wait for
 * `IDLE` or a deadline, then `polar_ingest_take_undelivered`. Returns `POLAR_OK`,
 * `POLAR_ERR_INVALID_HANDLE`.
 *
 * # Safety
 *
 * `err` is `NULL` or points to a writable `PolarError`.
 */
int32_t polar_ingest_close(uint64_t handle, struct PolarError *err);

/**
 * Asks a queue what to do next.
 *
 * - `now_ms`, `jitter`: as for `polar_exchange_poll`.
 * - `step`: a zeroed (or freed) `PolarStep`, filled on `POLAR_OK`:
 *   - `POLAR_STEP_SEND`: send `step.request` (an `events:ingest` batch) within its limits,
 *     then `polar_exchange_response` or `polar_exchange_fault` with this handle;
 *   - `POLAR_STEP_WAIT`: nothing is due for `step.wait_ms` (a batch's age, a backoff);
 *     sleep that long, or until a push, flush or close wakes you, then poll again;
 *   - `POLAR_STEP_REPORT`: a batch was dealt with; `step.result` holds its report:
 *     `{"events":n,"inserted":n,"duplicates":n,"rejected":[{"external_id":"...",
 *     "event":{...},"error":{...}}],"mismatches":[{"sent":n,"counted":n}],
 *     "failed":null}`. `rejected`: events Polar refused as invalid (422), each found by
 *     splitting the batch, not retried. `mismatches`: sub-batches whose
 *     `inserted + duplicates` did not add up to what was sent. `failed`: when the batch
 *     could not be delivered after the retries, `{"error":{"code":..,"name":..,"kind":..,
 *     "message":..,"status":..,"model":..},"requeued":n}`: its events went back to the
 *     front of the queue and are sent again after a backoff. Poll again;
 *   - `POLAR_STEP_IDLE`: nothing is queued; sleep until a push (after
 *     `polar_ingest_close`: everything was dealt with, the loop may end).
 *
 *   Free it with `polar_step_free` before the next poll.
 *
 * A batch's failure is in its report: the poll itself returns `POLAR_OK`. Polled again
 * with a request out, the batch ends as failed (`out_of_order`) and its events are
 * queued again: sent again later, billed once (their `external_id`s).
 *
 * Returns `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_INVALID_ARGUMENT` (jitter),
 * `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY` (`step` still holds buffers); each
 * failure leaves `step` and the queue as they were.
 *
 * # Safety
 *
 * `step` and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_ingest_poll(uint64_t handle,
                          uint64_t now_ms,
                          double jitter,
                          struct PolarStep *step,
                          struct PolarError *err);

/**
 * The queue's counts as JSON: `{"pushed":n,"settled":n,"inserted":n,"duplicates":n,
 * "rejected":n,"failed_batches":n,"mismatches":n,"queued":n,"pending":n,"closed":false}`.
 * `settled`: events dealt with for good (delivered or rejected); `queued`: waiting, not
 * counting a batch in flight; `pending`: waiting or in flight (not delivered yet). A
 * host's flush waits for `settled` to reach the `pushed` it saw; its close for `pending`
 * to reach 0 (or `IDLE`).
 *
 * `out` must be a zeroed `PolarBuffer`; free it with `polar_buffer_free`. Returns
 * `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`,
 * `POLAR_ERR_OUT_NOT_EMPTY`.
 *
 * # Safety
 *
 * `out` and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_ingest_stats(uint64_t handle, struct PolarBuffer *out, struct PolarError *err);

/**
 * Takes every event not delivered yet (queued, and a batch in flight, whose answer is then
 * ignored) as a JSON array, in queue order, each with its `external_id`: store them and
 * push them again later (to this queue or another), Polar bills each once. What a host
 * does when its shutdown deadline passed.
 *
 * `out` must be a zeroed `PolarBuffer`; free it with `polar_buffer_free`. Returns
 * `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`,
 * `POLAR_ERR_OUT_NOT_EMPTY` (nothing taken).
 *
 * # Safety
 *
 * `out` and `err` are `NULL` or point to writable structs of their type.
 */
int32_t polar_ingest_take_undelivered(uint64_t handle,
                                      struct PolarBuffer *out,
                                      struct PolarError *err);

/**
 * Ends a queue and zeroes `*handle`. What it still held is dropped: take it first with
 * `polar_ingest_take_undelivered`. A request it sent may still be answered: nothing
 * listens any more.
 *
 * Returns `POLAR_OK` (also for a zero handle), `POLAR_ERR_INVALID_HANDLE` for a handle
 * naming no live queue (a stale copy, garbage: `*handle` is zeroed; an exchange's handle
 * is left alone, free it with `polar_exchange_free`), `POLAR_ERR_NULL_POINTER`.
 *
 * # Safety
 *
 * `handle` is `NULL` or points to a readable and writable `uint64_t`.
 */
int32_t polar_ingest_free(uint64_t *handle);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* POLAR_FFI_H */
