#!/usr/bin/env python3
"""Drives polar-rs's core from Python through polarsh-ffi's C ABI (ctypes), with urllib as the
HTTP transport. Standard library only.

    python3 tests/python/polar_ffi_demo.py --lib target/debug/libpolarsh_ffi.so \
        --base-url http://127.0.0.1:4010 [--customer-id ID]

Against a local mock of Polar (Prism). Every call goes through the library's exchanges: this
script sends the request a step names (urllib), sleeps the time a step names, hands back what
came, and keeps no retry or paging rule of its own. It creates a customer session for a
customer id (the seed example), walks every product page and every product, gets a declared
error, retries a refused connection as the exchange says, checks the bad-input cases (garbage
and stale handles, double frees, exchanges driven out of order, NULL), verifies webhook
deliveries it signs itself (Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.ts.body"))) and
one of polarsh-core's webhook vectors, and checks that no library buffer and no exchange is left
alive. polar-ffi/tests/hosts.rs runs it. Exits 0 when every check passed.
"""

import argparse
import base64
import ctypes
import hashlib
import hmac
import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.request

POLAR_OK = 0
POLAR_ERR_NULL_POINTER = -1
POLAR_ERR_INVALID_UTF8 = -2
POLAR_ERR_INVALID_JSON = -3
POLAR_ERR_UNKNOWN_OPERATION = -4
POLAR_ERR_BUILD = -6
POLAR_ERR_API = -7
POLAR_ERR_DECODE = -9
POLAR_ERR_INVALID_ARGUMENT = -5
POLAR_ERR_NOT_PAGINATED = -10
POLAR_ERR_WEBHOOK = -11
POLAR_ERR_INVALID_HANDLE = -12
POLAR_ERR_OUT_NOT_EMPTY = -13
POLAR_ERR_TRANSPORT = -15
POLAR_ERR_OUT_OF_ORDER = -16
POLAR_ERR_QUEUE_FULL, POLAR_ERR_QUEUE_CLOSED = -18, -19
POLAR_STEP_SEND, POLAR_STEP_WAIT, POLAR_STEP_DONE, POLAR_STEP_END, POLAR_STEP_PROGRESS = 1, 2, 3, 4, 5
POLAR_STEP_REPORT, POLAR_STEP_IDLE = 6, 7
POLAR_FAULT_NOT_SENT, POLAR_FAULT_INTERRUPTED, POLAR_FAULT_TIMED_OUT = 1, 2, 3
POLAR_FAULT_BODY_TOO_LARGE, POLAR_FAULT_ABORTED = 4, 5


class PolarBuffer(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.POINTER(ctypes.c_uint8)),
        ("len", ctypes.c_size_t),
        ("id", ctypes.c_uint64),
    ]

    def bytes(self):
        return ctypes.string_at(self.data, self.len) if self.len else b""


class PolarRequest(ctypes.Structure):
    _fields_ = [(name, PolarBuffer) for name in ("method", "url", "target", "headers", "body")]


class PolarError(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_int32),
        ("status", ctypes.c_uint16),
        ("kind", PolarBuffer),
        ("message", PolarBuffer),
        ("model", PolarBuffer),
        ("body", PolarBuffer),
    ]


class PolarStep(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int32),
        ("attempt", ctypes.c_uint32),
        ("request", PolarRequest),
        ("timeout_ms", ctypes.c_uint64),
        ("connect_timeout_ms", ctypes.c_uint64),
        ("max_response_bytes", ctypes.c_uint64),
        ("wait_ms", ctypes.c_uint64),
        ("result", PolarBuffer),
    ]


class PolarFailure(Exception):
    """A call returned an error code; carries the PolarError's fields as Python values."""

    def __init__(self, code, name, status, kind, message, model, body):
        super().__init__(f"{name} ({code}) {kind}: {message}")
        self.code, self.status, self.kind = code, status, kind
        self.message, self.model, self.body = message, model, body


def load(path):
    lib = ctypes.CDLL(path)
    u8p, size = ctypes.c_char_p, ctypes.c_size_t
    i32 = ctypes.c_int32
    sig = {
        "polar_build_request": [u8p, size, u8p, size, u8p, size,
                                ctypes.POINTER(PolarRequest), ctypes.POINTER(PolarError)],
        "polar_parse_response": [u8p, size, ctypes.c_uint16, u8p, size, u8p, size,
                                 ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_call_new": [u8p, size, u8p, size, u8p, size, ctypes.c_bool,
                           ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(PolarError)],
        "polar_pages_new": [u8p, size, u8p, size, u8p, size,
                            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(PolarError)],
        "polar_items_new": [u8p, size, u8p, size, u8p, size,
                            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(PolarError)],
        "polar_exchange_poll": [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_double,
                                ctypes.POINTER(PolarStep), ctypes.POINTER(PolarError)],
        "polar_exchange_response": [ctypes.c_uint64, ctypes.c_uint16, u8p, size, u8p, size,
                                    ctypes.POINTER(PolarError)],
        "polar_exchange_fault": [ctypes.c_uint64, i32, u8p, size, ctypes.POINTER(PolarError)],
        "polar_exchange_free": [ctypes.POINTER(ctypes.c_uint64)],
        "polar_step_free": [ctypes.POINTER(PolarStep)],
        "polar_webhook_verify": [u8p, size, u8p, size, u8p, size, ctypes.c_int64,
                                 ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_operations": [ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_ingest_new": [u8p, size, u8p, size, u8p, size,
                             ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(PolarError)],
        "polar_ingest_push": [ctypes.c_uint64, u8p, size, ctypes.c_uint64,
                              ctypes.POINTER(PolarError)],
        "polar_ingest_flush": [ctypes.c_uint64, ctypes.POINTER(PolarError)],
        "polar_ingest_close": [ctypes.c_uint64, ctypes.POINTER(PolarError)],
        "polar_ingest_poll": [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_double,
                              ctypes.POINTER(PolarStep), ctypes.POINTER(PolarError)],
        "polar_ingest_stats": [ctypes.c_uint64, ctypes.POINTER(PolarBuffer),
                               ctypes.POINTER(PolarError)],
        "polar_ingest_take_undelivered": [ctypes.c_uint64, ctypes.POINTER(PolarBuffer),
                                          ctypes.POINTER(PolarError)],
        "polar_ingest_free": [ctypes.POINTER(ctypes.c_uint64)],
        "polar_buffer_free": [ctypes.POINTER(PolarBuffer)],
        "polar_request_free": [ctypes.POINTER(PolarRequest)],
        "polar_error_free": [ctypes.POINTER(PolarError)],
    }
    for name, args in sig.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, i32
    lib.polar_live_buffers.argtypes, lib.polar_live_buffers.restype = [], size
    lib.polar_live_exchanges.argtypes, lib.polar_live_exchanges.restype = [], size
    lib.polar_code_name.argtypes, lib.polar_code_name.restype = [i32], ctypes.c_char_p
    return lib


class Polar:
    """A thin Pythonic layer: bytes in, bytes/JSON out, every library buffer freed here."""

    def __init__(self, lib, config):
        self.lib = lib
        self.config = json.dumps(config).encode()
        self.sends = self.sleeps = 0  # what the exchange loop did

    @staticmethod
    def _arg(b):
        return (b, len(b)) if b is not None else (None, 0)

    def _check(self, code, err):
        if code == POLAR_OK:
            return
        failure = PolarFailure(
            code, self.lib.polar_code_name(code).decode(), err.status,
            err.kind.bytes().decode(), err.message.bytes().decode(),
            json.loads(err.model.bytes()) if err.model.len else None, err.body.bytes())
        self.lib.polar_error_free(ctypes.byref(err))
        raise failure

    def build(self, op, params):
        req, err = PolarRequest(), PolarError()
        p = json.dumps(params).encode() if not isinstance(params, bytes) else params
        code = self.lib.polar_build_request(*self._arg(op.encode()), *self._arg(p),
                                            *self._arg(self.config), ctypes.byref(req),
                                            ctypes.byref(err))
        self._check(code, err)
        out = {f: getattr(req, f).bytes() for f in ("method", "url", "target", "headers", "body")}
        assert self.lib.polar_request_free(ctypes.byref(req)) == POLAR_OK
        return out

    def parse(self, op, status, headers, body):
        out, err = PolarBuffer(), PolarError()
        code = self.lib.polar_parse_response(*self._arg(op.encode()), status,
                                             *self._arg(headers), *self._arg(body),
                                             ctypes.byref(out), ctypes.byref(err))
        self._check(code, err)
        value = json.loads(out.bytes())
        assert self.lib.polar_buffer_free(ctypes.byref(out)) == POLAR_OK
        return value

    def verify_webhook(self, headers, body, secret, now):
        block = "".join(f"{k}: {v}\r\n" for k, v in headers).encode()
        out, err = PolarBuffer(), PolarError()
        code = self.lib.polar_webhook_verify(*self._arg(block), *self._arg(body),
                                             *self._arg(secret.encode()), now,
                                             ctypes.byref(out), ctypes.byref(err))
        self._check(code, err)
        value = json.loads(out.bytes())
        assert self.lib.polar_buffer_free(ctypes.byref(out)) == POLAR_OK
        return value

    # ---- exchanges: the library decides, this class sends and sleeps ----

    def _start(self, fn, op, params, *extra, config=None):
        handle, err = ctypes.c_uint64(0), PolarError()
        p = json.dumps(params).encode() if not isinstance(params, bytes) else params
        c = json.dumps(config).encode() if config is not None else self.config
        code = fn(*self._arg(op.encode()), *self._arg(p), *self._arg(c), *extra,
                  ctypes.byref(handle), ctypes.byref(err))
        self._check(code, err)
        return handle

    def call_exchange(self, op, params, repeatable=False, config=None):
        return self._start(self.lib.polar_call_new, op, params, repeatable, config=config)

    def drive(self, handle, call):
        """Polls `handle`, sending and sleeping as it says, and yields each result: a
        (kind, JSON) pair for DONE / PROGRESS, until END (a walk) or after the DONE of a
        `call`. A failed result raises PolarFailure."""
        while True:
            step, err = PolarStep(), PolarError()
            code = self.lib.polar_exchange_poll(handle.value, int(time.time() * 1000),
                                                random.random(), ctypes.byref(step),
                                                ctypes.byref(err))
            try:
                self._check(code, err)
                kind = step.kind
                if kind == POLAR_STEP_SEND:
                    self.sends += 1
                    self._send(handle, step)
                    continue
                if kind == POLAR_STEP_WAIT:
                    self.sleeps += 1
                    time.sleep(step.wait_ms / 1000)
                    continue
                if kind == POLAR_STEP_END:
                    return
                result = json.loads(step.result.bytes())
            finally:
                assert self.lib.polar_step_free(ctypes.byref(step)) == POLAR_OK
            yield kind, result
            if kind == POLAR_STEP_DONE and call:
                return

    def _send(self, handle, step, strict=False):
        """The transport: urllib, within the step's time limit; a response of any status,
        or the fault that kept it from coming. With `strict`, Prism must have found nothing
        wrong with the request (its `sl-violations` header)."""
        req = step.request
        headers = dict(line.split(": ", 1)
                       for line in req.headers.bytes().decode().split("\r\n") if line)
        http_req = urllib.request.Request(req.url.bytes().decode(),
                                          data=req.body.bytes() or None, headers=headers,
                                          method=req.method.bytes().decode())
        limit = step.max_response_bytes
        try:
            try:
                with urllib.request.urlopen(http_req, timeout=step.timeout_ms / 1000) as resp:
                    status, resp_headers, body = resp.status, resp.headers, resp.read(limit + 1)
            except urllib.error.HTTPError as e:  # 4xx/5xx: still a response
                status, resp_headers, body = e.code, e.headers, e.read(limit + 1)
        except urllib.error.URLError as e:
            fault = POLAR_FAULT_NOT_SENT if isinstance(e.reason, ConnectionRefusedError) \
                else POLAR_FAULT_TIMED_OUT if isinstance(e.reason, socket.timeout) \
                else POLAR_FAULT_INTERRUPTED
            return self._fault(handle, fault, str(e.reason))
        except (socket.timeout, TimeoutError) as e:
            return self._fault(handle, POLAR_FAULT_TIMED_OUT, str(e))
        except (ConnectionError, OSError) as e:
            return self._fault(handle, POLAR_FAULT_INTERRUPTED, str(e))
        if len(body) > limit:
            return self._fault(handle, POLAR_FAULT_BODY_TOO_LARGE, "")
        if strict:
            violations = json.loads(resp_headers.get("sl-violations") or "[]")
            bad = [v for v in violations
                   if v.get("severity") == "Error" and v.get("location", [None])[0] == "request"]
            assert not bad, f"Prism found the request invalid: {bad}"
        block = "".join(f"{k}: {v}\r\n" for k, v in resp_headers.items()).encode()
        err = PolarError()
        self._check(self.lib.polar_exchange_response(handle.value, status, *self._arg(block),
                                                     *self._arg(body), ctypes.byref(err)), err)

    def _fault(self, handle, kind, message):
        err = PolarError()
        self._check(self.lib.polar_exchange_fault(handle.value, kind,
                                                  *self._arg(message.encode()),
                                                  ctypes.byref(err)), err)

    # ---- usage events: a queue the host's background thread drives ----

    def ingest_events(self, events, ingest):
        """Pushes `events` into a new queue, then runs the loop a background thread runs:
        sends each batch, closes the queue when it would wait (the demo's shutdown), until
        IDLE. Returns the reports and the stats."""
        lib, handle, err = self.lib, ctypes.c_uint64(0), PolarError()
        seed = os.urandom(32)  # from the OS
        i = json.dumps(ingest).encode()
        self._check(lib.polar_ingest_new(*self._arg(self.config), *self._arg(i),
                                         *self._arg(seed), ctypes.byref(handle),
                                         ctypes.byref(err)), err)
        try:
            for event in events:
                e = json.dumps(event).encode()
                self._check(lib.polar_ingest_push(handle, *self._arg(e),
                                                  int(time.time() * 1000), ctypes.byref(err)),
                            err)
            reports, closed = [], False
            while True:
                step = PolarStep()
                self._check(lib.polar_ingest_poll(handle, int(time.time() * 1000),
                                                  random.random(), ctypes.byref(step),
                                                  ctypes.byref(err)), err)
                try:
                    if step.kind == POLAR_STEP_SEND:
                        assert step.request.target.bytes() == b"/v1/events/ingest"
                        self.sends += 1
                        self._send(handle, step, strict=True)
                    elif step.kind == POLAR_STEP_WAIT:
                        # A real thread sleeps step.wait_ms, or until a push wakes it.
                        assert not closed, step.wait_ms
                        self._check(lib.polar_ingest_close(handle, ctypes.byref(err)), err)
                        closed = True
                    elif step.kind == POLAR_STEP_REPORT:
                        reports.append(json.loads(step.result.bytes()))
                    else:
                        assert step.kind == POLAR_STEP_IDLE and closed, step.kind
                        break
                finally:
                    assert lib.polar_step_free(ctypes.byref(step)) == POLAR_OK
            out = PolarBuffer()
            self._check(lib.polar_ingest_stats(handle, ctypes.byref(out), ctypes.byref(err)),
                        err)
            stats = json.loads(out.bytes())
            assert lib.polar_buffer_free(ctypes.byref(out)) == POLAR_OK
            code = lib.polar_ingest_push(handle, b"{}", 2, 0, None)
            assert code == POLAR_ERR_INVALID_ARGUMENT, code  # refused before the queue
            e = json.dumps(events[0]).encode()
            code = lib.polar_ingest_push(handle, *self._arg(e), 0, None)
            assert code == POLAR_ERR_QUEUE_CLOSED, code
            return reports, stats
        finally:
            assert lib.polar_ingest_free(ctypes.byref(handle)) == POLAR_OK

    def free(self, handle):
        assert self.lib.polar_exchange_free(ctypes.byref(handle)) == POLAR_OK
        assert handle.value == 0

    def send(self, op, params, repeatable=False, config=None):
        """One call, to its result (or PolarFailure)."""
        handle = self.call_exchange(op, params, repeatable, config)
        try:
            ((kind, result),) = list(self.drive(handle, call=True))
            assert kind == POLAR_STEP_DONE
            return result
        finally:
            self.free(handle)

    def walk(self, op, params, items=False):
        """Every page (or item) of a paginated operation, as the library walks them."""
        fn = self.lib.polar_items_new if items else self.lib.polar_pages_new
        handle = self._start(fn, op, params)
        try:
            for kind, result in self.drive(handle, call=False):
                assert kind == POLAR_STEP_DONE
                yield result
        finally:
            self.free(handle)


def expect_failure(code, fn, *args, kind=None):
    try:
        fn(*args)
    except PolarFailure as f:
        assert f.code == code, f"want {code}, got {f}"
        assert kind is None or f.kind == kind, f"want kind {kind}, got {f}"
        return f
    raise AssertionError(f"{fn.__name__}{args!r} succeeded, want error {code}")


def sign(secret, msg_id, ts, body):
    """Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded key, f"{id}.{ts}.{body}"))."""
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True, help="path to libpolarsh_ffi.so/.dylib/.dll")
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--customer-id", default="00000000-0000-4000-8000-000000000000")
    ap.add_argument("--vectors", help="polarsh-core's webhook vectors (tests/fixtures/webhooks)")
    args = ap.parse_args()
    lib = load(args.lib)
    polar = Polar(lib, {"base_url": args.base_url, "token": "polar_oat_python_demo"})

    # The seed example: a customer session for a customer id.
    session = polar.send("customer-sessions:create", {"body": {"customer_id": args.customer_id}})
    assert "customer_portal_url" in session, session
    print("customer session, portal URL:", session["customer_portal_url"])

    # Every product, page by page, then item by item: the library walks, this script sends.
    pages = list(polar.walk("products:list", {"limit": 10}))
    assert 1 <= len(pages) <= 100, len(pages)
    first_page = pages[0]
    products = list(polar.walk("products:list", {"limit": 10}, items=True))
    assert len(products) == sum(len(p["items"]) for p in pages)
    assert all("name" in p for p in products)
    print(f"walked {len(products)} product(s) through {len(pages)} page(s)")

    # A declared error: Prism answers 404 when asked to (an extra header on every request).
    config404 = {"base_url": args.base_url, "token": "polar_oat_python_demo",
                 "headers": {"Prefer": "code=404"}}
    sends = polar.sends
    f = expect_failure(POLAR_ERR_API, polar.send, "products:get",
                       {"id": "00000000-0000-4000-8000-000000000000"}, False, config404,
                       kind="not_found")
    assert f.status == 404 and f.model and "error" in f.model, f.model
    assert polar.sends == sends + 1, "a 404 is not retried"
    print("declared error:", f)

    # Retries, as the exchange decides them: a port nobody listens on refuses every
    # connection; the request is sent again after the waits the exchange names (slept here).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    refused = {"base_url": f"http://127.0.0.1:{closed}", "token": "polar_oat_python_demo",
               "max_attempts": 3, "base_delay_ms": 20, "max_delay_ms": 100}
    sends, sleeps = polar.sends, polar.sleeps
    f = expect_failure(POLAR_ERR_TRANSPORT, polar.send, "customer-sessions:create",
                       {"body": {"customer_id": args.customer_id}}, False, refused,
                       kind="not_sent")
    assert (polar.sends - sends, polar.sleeps - sleeps) == (3, 2), (polar.sends, polar.sleeps)
    assert "3 attempt" in f.message, f.message
    print("refused connection:", f)

    # Usage events: three pushed, two batches (a count of two; close sends the tail).
    events = [{"name": "llm.tokens", "external_customer_id": "user_42",
               "metadata": {"tokens": 512}},
              {"name": "api.request", "customer_id": args.customer_id},
              {"name": "llm.tokens", "external_customer_id": "user_42",
               "external_id": "python-demo-3"}]
    sends = polar.sends
    reports, stats = polar.ingest_events(events, {"max_batch_events": 2, "max_age_ms": 60000})
    assert polar.sends - sends == 2 and [r["events"] for r in reports] == [2, 1], reports
    assert all(r["failed"] is None and r["rejected"] == [] for r in reports), reports
    assert (stats["pushed"], stats["settled"], stats["pending"]) == (3, 3, 0), stats
    print("usage events:", reports, stats)

    # Bad input.
    expect_failure(POLAR_ERR_UNKNOWN_OPERATION, polar.build, "products:frobnicate", {})
    expect_failure(POLAR_ERR_BUILD, polar.build, "customer-sessions:create", {"bogus": 1},
                   kind="invalid_parameter")
    expect_failure(POLAR_ERR_INVALID_JSON, polar.build, "products:list", b"{")
    expect_failure(POLAR_ERR_INVALID_UTF8, polar.build, "products:list", b'{"query":"\xff"}')
    expect_failure(POLAR_ERR_DECODE, polar.parse, "customer-sessions:create", 201, b"",
                   json.dumps(first_page).encode())
    expect_failure(POLAR_ERR_NOT_PAGINATED, lambda: list(polar.walk("customer-sessions:create",
                                                                    {})))
    expect_failure(POLAR_ERR_UNKNOWN_OPERATION, polar.call_exchange, "nope", {})
    expect_failure(POLAR_ERR_INVALID_ARGUMENT, polar.call_exchange, "products:list", {}, False,
                   {"max_attempts": 0}, kind="invalid_config")
    assert lib.polar_buffer_free(None) == POLAR_ERR_NULL_POINTER
    assert lib.polar_build_request(None, 0, b"{}", 2, b"{}", 2, None, None) \
        == POLAR_ERR_NULL_POINTER
    # Double free: through the same struct a no-op, through a stale copy detected.
    ops, err = PolarBuffer(), PolarError()
    assert lib.polar_operations(ctypes.byref(ops), ctypes.byref(err)) == POLAR_OK
    assert b'"products:list"' in ops.bytes()
    stale = PolarBuffer(ops.data, ops.len, ops.id)
    assert lib.polar_buffer_free(ctypes.byref(ops)) == POLAR_OK
    assert lib.polar_buffer_free(ctypes.byref(ops)) == POLAR_OK
    assert lib.polar_buffer_free(ctypes.byref(stale)) == POLAR_ERR_INVALID_HANDLE

    # Exchanges driven wrong.
    def poll(handle, jitter=0.5):
        step, err = PolarStep(), PolarError()
        code = lib.polar_exchange_poll(handle, int(time.time() * 1000), jitter,
                                       ctypes.byref(step), ctypes.byref(err))
        kind = step.kind
        error = err.kind.bytes().decode()
        assert lib.polar_error_free(ctypes.byref(err)) == POLAR_OK
        assert lib.polar_step_free(ctypes.byref(step)) == POLAR_OK
        return code, kind, error

    for garbage in (0, 2**64 - 1, 0xDEADBEEF_DEADBEEF):
        assert poll(garbage) == (POLAR_ERR_INVALID_HANDLE, 0, "invalid_handle"), garbage
        assert lib.polar_exchange_response(garbage, 200, None, 0, None, 0, None) \
            == POLAR_ERR_INVALID_HANDLE
        assert lib.polar_exchange_fault(garbage, POLAR_FAULT_NOT_SENT, None, 0, None) \
            == POLAR_ERR_INVALID_HANDLE
    h = polar.call_exchange("products:list", {})
    copy = ctypes.c_uint64(h.value)
    polar.free(h)
    assert lib.polar_exchange_free(ctypes.byref(h)) == POLAR_OK, "again through the same variable"
    assert lib.polar_exchange_free(ctypes.byref(copy)) == POLAR_ERR_INVALID_HANDLE, "stale copy"
    assert lib.polar_exchange_free(None) == POLAR_ERR_NULL_POINTER
    assert lib.polar_exchange_poll(copy, 0, 0.5, None, None) == POLAR_ERR_NULL_POINTER
    # Polled twice with a request out: the call ends out of order (never sent twice).
    h = polar.call_exchange("customer-sessions:create",
                            {"body": {"customer_id": args.customer_id}})
    assert poll(h.value)[:2] == (POLAR_OK, POLAR_STEP_SEND)
    assert poll(h.value) == (POLAR_ERR_OUT_OF_ORDER, POLAR_STEP_DONE, "out_of_order")
    polar.free(h)
    # A response for no request: refused at once; the call then ends with it.
    h = polar.call_exchange("products:list", {})
    assert lib.polar_exchange_response(h.value, 200, None, 0, b"{}", 2, None) \
        == POLAR_ERR_OUT_OF_ORDER
    assert poll(h.value) == (POLAR_ERR_OUT_OF_ORDER, POLAR_STEP_DONE, "out_of_order")
    # A jitter out of range: refused, nothing happens.
    assert poll(h.value, jitter=1.5) == (POLAR_ERR_INVALID_ARGUMENT, 0, "invalid_jitter")
    polar.free(h)
    # A step not freed is refused.
    h = polar.call_exchange("products:list", {})
    step = PolarStep()
    assert lib.polar_exchange_poll(h, 0, 0.5, ctypes.byref(step), None) == POLAR_OK
    assert lib.polar_exchange_poll(h, 0, 0.5, ctypes.byref(step), None) \
        == POLAR_ERR_OUT_NOT_EMPTY
    assert lib.polar_step_free(ctypes.byref(step)) == POLAR_OK
    polar.free(h)
    print("exchanges driven wrong: every case refused with its code")

    # Webhooks: a delivery signed here, with the real body of an event.
    secret = "whsec_" + base64.b64encode(b"polar-ffi-python-demo-key-0123456").decode()
    body = json.dumps({
        "type": "customer.deleted_in_the_future",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"id": "00000000-0000-4000-8000-000000000000"},
    }, separators=(",", ":")).encode()
    if args.vectors:
        with open(args.vectors) as fh:
            vectors = json.load(fh)["vectors"]
        real = next(v for v in vectors if v["name"] == "event/order.paid")
        body = base64.b64decode(real["body_base64"])
    now = int(time.time())
    headers = [("webhook-id", "msg_python_demo"), ("webhook-timestamp", str(now)),
               ("webhook-signature", sign(secret, "msg_python_demo", now, body))]
    event = polar.verify_webhook(headers, body, secret, now)
    assert event["type"] == json.loads(body)["type"], event["type"]
    print("verified webhook:", event["type"])
    expect_failure(POLAR_ERR_WEBHOOK, polar.verify_webhook, headers, body + b" ", secret, now,
                   kind="no_matching_signature")
    expect_failure(POLAR_ERR_WEBHOOK, polar.verify_webhook, headers, body, secret, now + 301,
                   kind="timestamp_too_old")
    if args.vectors:
        # One of polarsh-core's own vectors, at its own timestamp.
        v = next(v for v in vectors if v["name"] == "event/checkout.created")
        ts = int(dict(v["headers"])["webhook-timestamp"])
        event = polar.verify_webhook(v["headers"], base64.b64decode(v["body_base64"]),
                                     v["secret"], ts)
        assert event["type"] == "checkout.created"
        print("verified polarsh-core vector:", v["name"])

    live = lib.polar_live_buffers()
    assert live == 0, f"{live} buffer(s) never freed"
    exchanges = lib.polar_live_exchanges()
    assert exchanges == 0, f"{exchanges} exchange(s) never freed"
    print(f"polar_ffi_demo.py: all checks passed, 0 buffers alive, 0 exchanges alive "
          f"({polar.sends} requests sent, {polar.sleeps} waits slept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
