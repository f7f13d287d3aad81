#!/usr/bin/env python3
"""Drives polar-rs's core from Python through polar-ffi's C ABI (ctypes), with urllib as the
HTTP transport. Standard library only.

    python3 tests/python/polar_ffi_demo.py --lib target/debug/libpolar_ffi.so \
        --base-url http://127.0.0.1:4010 [--customer-id ID]

Against a local mock of Polar (Prism): creates a customer session for a customer id (the seed
example), lists products through every page, checks a few error paths, verifies webhook
deliveries it signs itself (Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.ts.body")))
and one of polar-core's webhook vectors, and checks that no library buffer is left alive.
polar-ffi/tests/hosts.rs runs it. Exits 0 when every check passed.
"""

import argparse
import base64
import ctypes
import hashlib
import hmac
import json
import os
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
POLAR_ERR_NOT_PAGINATED = -10
POLAR_ERR_WEBHOOK = -11
POLAR_ERR_INVALID_HANDLE = -12
POLAR_OUTCOME_RESPONSE = 2


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


class PolarRetryDecision(ctypes.Structure):
    _fields_ = [("retry", ctypes.c_bool), ("wait_ms", ctypes.c_uint64)]


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
        "polar_next_page": [u8p, size, u8p, size, u8p, size,
                            ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_retry_decide": [u8p, size, ctypes.c_bool, ctypes.c_uint32, i32, ctypes.c_uint16,
                               u8p, size, ctypes.c_uint64, ctypes.c_int64, ctypes.c_double,
                               ctypes.POINTER(PolarRetryDecision), ctypes.POINTER(PolarError)],
        "polar_webhook_verify": [u8p, size, u8p, size, u8p, size, ctypes.c_int64,
                                 ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_operations": [ctypes.POINTER(PolarBuffer), ctypes.POINTER(PolarError)],
        "polar_buffer_free": [ctypes.POINTER(PolarBuffer)],
        "polar_request_free": [ctypes.POINTER(PolarRequest)],
        "polar_error_free": [ctypes.POINTER(PolarError)],
    }
    for name, args in sig.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, i32
    lib.polar_live_buffers.argtypes, lib.polar_live_buffers.restype = [], size
    lib.polar_code_name.argtypes, lib.polar_code_name.restype = [i32], ctypes.c_char_p
    return lib


class Polar:
    """A thin Pythonic layer: bytes in, bytes/JSON out, every library buffer freed here."""

    def __init__(self, lib, config):
        self.lib = lib
        self.config = json.dumps(config).encode()

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

    def next_page(self, op, params, output):
        out, err = PolarBuffer(), PolarError()
        code = self.lib.polar_next_page(*self._arg(op.encode()),
                                        *self._arg(json.dumps(params).encode()),
                                        *self._arg(json.dumps(output).encode()),
                                        ctypes.byref(out), ctypes.byref(err))
        self._check(code, err)
        if out.len == 0:
            return None
        value = json.loads(out.bytes())
        assert self.lib.polar_buffer_free(ctypes.byref(out)) == POLAR_OK
        return value

    def retry(self, method, attempt, status, retry_after=None):
        d, err = PolarRetryDecision(), PolarError()
        code = self.lib.polar_retry_decide(*self._arg(method.encode()), False, attempt,
                                           POLAR_OUTCOME_RESPONSE, status,
                                           *self._arg(retry_after), 0, int(time.time()), 0.5,
                                           ctypes.byref(d), ctypes.byref(err))
        self._check(code, err)
        return d.wait_ms if d.retry else None

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

    def send(self, op, params, extra_headers=None):
        """build -> urllib -> parse."""
        req = self.build(op, params)
        headers = dict(line.split(": ", 1)
                       for line in req["headers"].decode().split("\r\n") if line)
        headers.update(extra_headers or {})
        http_req = urllib.request.Request(req["url"].decode(), data=req["body"] or None,
                                          headers=headers, method=req["method"].decode())
        try:
            with urllib.request.urlopen(http_req, timeout=30) as resp:
                status, resp_headers, body = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:  # 4xx/5xx: still a response to parse
            status, resp_headers, body = e.code, e.headers, e.read()
        block = "".join(f"{k}: {v}\r\n" for k, v in resp_headers.items()).encode()
        return self.parse(op, status, block, body)


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
    ap.add_argument("--lib", required=True, help="path to libpolar_ffi.so/.dylib/.dll")
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--customer-id", default="00000000-0000-4000-8000-000000000000")
    ap.add_argument("--vectors", help="polar-core's webhook vectors (tests/fixtures/webhooks)")
    args = ap.parse_args()
    lib = load(args.lib)
    polar = Polar(lib, {"base_url": args.base_url, "token": "polar_oat_python_demo"})

    # The seed example: a customer session for a customer id.
    session = polar.send("customer-sessions:create", {"body": {"customer_id": args.customer_id}})
    assert "customer_portal_url" in session, session
    print("customer session, portal URL:", session["customer_portal_url"])

    # Every product, page by page.
    params, pages, products = {"limit": 10}, 0, 0
    first_page = None
    while params is not None:
        pages += 1
        assert pages <= 100, "pagination does not stop"
        page = polar.send("products:list", params)
        first_page = first_page or page
        products += len(page["items"])
        print(f"products page {pages} ({json.dumps(params)}): {len(page['items'])} item(s)")
        params = polar.next_page("products:list", params, page)
    print(f"listed {products} product(s) through {pages} page(s)")
    assert polar.next_page("products:list", {"limit": 10},
                           {"items": [], "pagination": {"total_count": 25, "max_page": 3}}) \
        == {"limit": 10, "page": 2}

    # A declared error: Prism answers 404 when asked to.
    f = expect_failure(POLAR_ERR_API, polar.send, "products:get",
                       {"id": "00000000-0000-4000-8000-000000000000"}, {"Prefer": "code=404"},
                       kind="not_found")
    assert f.status == 404 and f.model and "error" in f.model, f.model
    print("declared error:", f)

    # Bad input.
    expect_failure(POLAR_ERR_UNKNOWN_OPERATION, polar.build, "products:frobnicate", {})
    expect_failure(POLAR_ERR_BUILD, polar.build, "customer-sessions:create", {"bogus": 1},
                   kind="invalid_parameter")
    expect_failure(POLAR_ERR_INVALID_JSON, polar.build, "products:list", b"{")
    expect_failure(POLAR_ERR_INVALID_UTF8, polar.build, "products:list", b'{"query":"\xff"}')
    expect_failure(POLAR_ERR_DECODE, polar.parse, "customer-sessions:create", 201, b"",
                   json.dumps(first_page).encode())
    expect_failure(POLAR_ERR_NOT_PAGINATED, polar.next_page, "customer-sessions:create", {}, {})
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

    # Retries.
    assert polar.retry("GET", 1, 503, b"2") == 2000
    assert polar.retry("POST", 1, 503) is None

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
        # One of polar-core's own vectors, at its own timestamp.
        v = next(v for v in vectors if v["name"] == "event/checkout.created")
        ts = int(dict(v["headers"])["webhook-timestamp"])
        event = polar.verify_webhook(v["headers"], base64.b64decode(v["body_base64"]),
                                     v["secret"], ts)
        assert event["type"] == "checkout.created"
        print("verified polar-core vector:", v["name"])

    live = lib.polar_live_buffers()
    assert live == 0, f"{live} buffer(s) never freed"
    print("polar_ffi_demo.py: all checks passed, 0 buffers alive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
