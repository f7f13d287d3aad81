#!/usr/bin/env python3
"""Seed corpora of the fuzz targets, from the vendored spec's examples and the webhook
vectors of tests/fixtures/webhooks. Writes fuzz/seeds/<target>/<n> (ignored by git);
scripts/fuzz.sh runs it before fuzzing."""

import base64
import json
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fuzz", "seeds")


def spec():
    version = open(os.path.join(ROOT, "spec", "VERSION")).read().strip()
    return json.load(open(os.path.join(ROOT, "spec", f"polar-{version}.openapi.json")))


def examples(node, out):
    """Every value of every `examples` array, with the schema node holding it."""
    if isinstance(node, dict):
        for ex in node.get("examples", []) if isinstance(node.get("examples"), list) else []:
            out.append((node, ex))
        for k, v in node.items():
            if k not in ("examples", "x-codeSamples"):
                examples(v, out)
    elif isinstance(node, list):
        for v in node:
            examples(v, out)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()


def main():
    s = spec()
    vectors = json.load(open(os.path.join(ROOT, "tests", "fixtures", "webhooks", "vectors.json")))["vectors"]
    seeds = {t: [] for t in ("json_doc", "typed_parse", "webhook", "retry_dates", "ffi")}
    found = []
    examples(s, found)
    bodies = [base64.b64decode(v["body_base64"]) for v in vectors]

    # json_doc: every example and webhook body as JSON text, and some edge cases.
    for _, ex in found:
        seeds["json_doc"].append(compact(ex))
    seeds["json_doc"] += bodies[:200]
    seeds["json_doc"] += [b'{"a":1,"a":2}', b"[1e308,-0,0.1e-400]", b'"\\ud83d\\ude00"', b" [ ] ", b"1" * 30]

    # typed_parse: the webhook bodies as WebhookPayload, their data as the model of their
    # event, token responses (lower-case token_type, string expires_in) with every status.
    by_prefix = {"checkout": 1, "order": 2, "subscription": 3, "organization": 4, "customer": 5, "product": 6}
    for body in bodies:
        seeds["typed_parse"].append(bytes([0]) + body)
        try:
            event = json.loads(body)
        except ValueError:
            continue
        kind = str(event.get("type", "")).split(".")[0]
        if kind in by_prefix and isinstance(event.get("data"), dict):
            seeds["typed_parse"].append(bytes([by_prefix[kind]]) + compact(event["data"]))
    token = {"access_token": "polar_at_SECRET0001", "token_type": "bearer", "expires_in": "3600",
             "refresh_token": "polar_rt_SECRET0002", "scope": "openid", "id_token": "eyJSECRET0003"}
    session = {"id": "x", "token": "polar_cst_SECRET0004", "expires_at": "soon", "return_url": None,
               "customer_portal_url": "https://x", "customer_id": "c", "customer": {}}
    # The selector: model (% 12), status ((/ 12) % 8), operation (/ 96: token, session,
    # checkout).
    for sel in range(256):
        if sel % 12 == 10 and sel // 96 == 0:
            seeds["typed_parse"].append(bytes([sel]) + compact(token))
        if sel % 12 == 11 and sel // 96 == 1:
            seeds["typed_parse"].append(bytes([sel]) + compact(session))
    seeds["typed_parse"].append(bytes([9]) + b'{"error":"ResourceNotFound","detail":"Not found"}')

    # webhook: `selector secret \n headers \n\n body` from each vector.
    for v, body in zip(vectors, bodies):
        head = "\n".join(f"{k}: {val}" for k, val in v["headers"]).encode()
        seeds["webhook"].append(bytes([128]) + v["secret"].encode() + b"\n" + head + b"\n\n" + body)

    # retry_dates: Retry-After values, date-times and dates from the spec.
    texts = ["3", "0", " 120 ", "Sun, 06 Nov 1994 08:49:37 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
             "2025-01-02T03:04:05Z", "2025-01-02T03:04:05.123456789+05:30", "2016-12-31T23:59:60Z",
             "2025-01-02", "-0001-01-01", "9999-12-31T23:59:59.999999999-23:59"]
    for node, ex in found:
        if isinstance(ex, str) and node.get("format") in ("date-time", "date"):
            texts.append(ex)
    for i, t in enumerate(dict.fromkeys(texts)):
        seeds["retry_dates"].append(bytes([i % 256]) + t.encode())
    seeds["retry_dates"].append(bytes([1]) + b"\xff" * 72)

    # ffi: `entry nulls fields...`, fields separated by NUL; a one-byte operation field picks
    # an operation by index.
    ops = sorted(
        op["operationId"]
        for item in s["paths"].values()
        for m, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    )
    def ffi(entry, *fields, nulls=0):
        seeds["ffi"].append(bytes([entry, nulls]) + b"\0".join(fields))
    for i in range(len(ops)):
        ffi(0, bytes([i]), b'{"id":"x","page":2,"body":{}}', b'{"token":"polar_oat_x"}')
    ffi(0, b"customers:get", b'{"id":".."}', b'{"token":"polar_oat_x","server":"sandbox"}')
    ffi(0, b"oauth2:request_token", b'{"body":{"grant_type":"refresh_token","client_id":"a","client_secret":"b","refresh_token":"c"}}', b"{}")
    for body in bodies[:40]:
        try:
            data = compact(json.loads(body)["data"])
        except (ValueError, KeyError):
            continue
        ffi(1, bytes([ops.index("customers:get")]) if "customers:get" in ops else b"customers:get",
            struct.pack("<H", 200), b"content-type: application/json", data)
    ffi(1, b"oauth2:request_token", struct.pack("<H", 200), b"", compact(token))
    ffi(1, b"customers:get", struct.pack("<H", 404), b"", b'{"error":"ResourceNotFound","detail":"x"}')
    ffi(2, b"products:list", b'{"page":1}', b'{"items":[],"pagination":{"total_count":3,"max_page":3}}')
    ffi(3, b"GET", b"Sun, 06 Nov 1994 08:49:37 GMT", struct.pack("<Q", 1 | 1 << 8 | 2 << 40 | 503 << 48))
    for v, body in list(zip(vectors, bodies))[:20]:
        head = "\r\n".join(f"{k}: {val}" for k, val in v["headers"]).encode()
        ts = int(dict(v["headers"])["webhook-timestamp"])
        ffi(4, head, body, v["secret"].encode(), struct.pack("<q", ts))
    ffi(5)
    ffi(6, struct.pack("<Q", 4096), struct.pack("<Q", 8), struct.pack("<Q", 1))
    ffi(7, struct.pack("<i", -3))
    ffi(8, b"\1" * 8, b"\2" * 8, b"\3" * 8)

    for target, items in seeds.items():
        d = os.path.join(OUT, target)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.remove(os.path.join(d, old))
        for i, item in enumerate(dict.fromkeys(items)):
            with open(os.path.join(d, f"seed-{i:05}"), "wb") as f:
                f.write(item)
        print(f"{target}: {len(os.listdir(d))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
