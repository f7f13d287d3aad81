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

    # ffi: `entry nulls fields...`, fields separated by NUL (see fuzz_targets/ffi.rs); a
    # one-byte operation field picks an operation by index, numbers are decimal text. The
    # arms (ARMS) and the session ops (OPS) by index, as the target lists them:
    arms = ["build_request", "parse_response", "webhook_verify", "operations", "buffer_free",
            "request_free", "error_free", "live_buffers", "code_name", "call_new", "pages_new",
            "items_new", "upload_new", "ingest_new"]
    # (name, fields after the op field)
    ops_ = [("poll", 2), ("response", 3), ("fault", 2), ("exchange_free", 0), ("step_free", 0),
            ("live", 0), ("ingest_poll", 2), ("push", 2), ("flush", 0), ("close", 0),
            ("stats", 0), ("take", 0), ("ingest_free", 0), ("call_new", 4), ("pages_new", 3),
            ("items_new", 3), ("upload_new", 3), ("ingest_new", 3), ("reply", 0), ("drive", 0)]
    op_names = [n for n, _ in ops_]
    ops = sorted(
        op["operationId"]
        for item in s["paths"].values()
        for m, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    )
    def num(n):
        return str(n).encode()
    def ffi(entry, *fields, nulls=0):
        seeds["ffi"].append(bytes([arms.index(entry), nulls]) + b"\0".join(fields))
    def op(name, *fields, target=0, flags=0, extra=b""):
        """A session step: `[op, target, flags, extra]` (no NUL inside: a target is
        written `8 + slot`, flags with bit 7 set, op 0 as the table's length), its fields."""
        i = op_names.index(name)
        nargs = ops_[i][1]
        assert len(fields) <= nargs, name
        head = bytes([i or len(ops_), 8 + target, 0x80 | flags]) + extra
        assert b"\0" not in head and all(b"\0" not in f for f in fields), name
        return [head, *fields, *[b""] * (nargs - len(fields))]
    def session(entry, maker, *steps, nulls=0):
        ffi(entry, *maker, *[f for step in steps for f in step], nulls=nulls)

    for i in range(len(ops)):
        ffi("build_request", bytes([i]) if i else ops[0].encode(), b'{"id":"x","page":2,"body":{}}', b'{"token":"polar_oat_x"}')
    ffi("build_request", b"customers:get", b'{"id":".."}', b'{"token":"polar_oat_x","server":"sandbox"}')
    ffi("build_request", b"oauth2:request_token", b'{"body":{"grant_type":"refresh_token","client_id":"a","client_secret":"b","refresh_token":"c"}}', b"{}")
    ffi("build_request", b"products:list", b"{}", b'{"base_url":"example.com:80"}')
    for body in bodies[:40]:
        try:
            data = compact(json.loads(body)["data"])
        except (ValueError, KeyError):
            continue
        ffi("parse_response", b"customers:get", num(200), b"content-type: application/json", data)
    ffi("parse_response", b"oauth2:request_token", num(200), b"", compact(token))
    ffi("parse_response", b"customers:get", num(404), b"HTTP/1.1 404 Not Found\r\nx: y", b'{"error":"ResourceNotFound","detail":"x"}')
    for v, body in list(zip(vectors, bodies))[:20]:
        head = "\r\n".join(f"{k}: {val}" for k, val in v["headers"]).encode()
        ts = int(dict(v["headers"])["webhook-timestamp"])
        ffi("webhook_verify", head, body, v["secret"].encode(), num(ts))
    ffi("operations")
    ffi("buffer_free", num(4096), num(8), num(1))
    ffi("request_free", b"\1" * 8, b"\2" * 8, b"\3" * 8)
    ffi("error_free", b"\1" * 8, b"\2" * 8, b"\3" * 8, b"\4", b"\5", b"\6", num(-7), num(404))
    ffi("live_buffers")
    ffi("code_name", num(-3))

    # Sessions: a handle made from the first fields, then a script.
    local = b'{"base_url":"http://127.0.0.1:1","token":"polar_oat_x","max_attempts":3,"base_delay_ms":100}'
    product_json = compact({"id": "p1", "created_at": "2026-01-01T00:00:00Z", "modified_at": None,
        "trial_interval": None, "trial_interval_count": None, "name": "P", "description": None,
        "visibility": "public", "recurring_interval": None, "recurring_interval_count": None,
        "meter_interval": None, "meter_interval_count": None, "is_recurring": False,
        "is_archived": False, "organization_id": "o1", "metadata": {}, "prices": [], "benefits": [],
        "medias": [], "attached_custom_fields": []})
    JSONH = b"content-type: application/json"
    # A call: sent, answered, parsed; polled after it finished; freed twice.
    session("call_new", [b"products:get", b'{"id":"p1"}', local, num(0)],
            op("poll", num(1800000000000), b"0.5"), op("response", num(200), JSONH, product_json),
            op("poll"), op("poll"), op("exchange_free"), op("exchange_free", target=6))
    # Retries: a 503 with Retry-After, a wait, a fault, a backoff, the last attempt.
    session("call_new", [b"products:get", b'{"id":"p1"}', local, num(0)],
            op("poll"), op("response", num(503), b"retry-after: 2", b"busy"), op("poll"),
            op("poll", num(1800000001000), b"0.5"), op("poll", num(1800000002000), b"0.99"),
            op("fault", num(1), b"connection refused"), op("poll", num(1800000002000), b"0"),
            op("drive", extra=bytes([8])), op("live"))
    # A POST that may have reached the server, repeatable or not; out of order; bad input.
    for rep in (0, 1):
        session("call_new", [b"customer-sessions:create", b'{"body":{"customer_id":"00000000-0000-4000-8000-000000000000"}}', local, num(rep)],
                op("poll"), op("fault", num(2), b"reset"), op("poll"), op("poll"),
                op("response", num(200), b"", b"{}"), op("poll"))
    session("call_new", [b"benefits:delete", b'{"id":"b1"}', local, num(1)],
            op("poll"), op("poll"), op("response", num(1000), b"x: y", b""),
            op("response", num(204), b"bad header line", b""), op("fault", num(9), b"x"),
            op("fault", num(5), b"\xff"), op("poll", b"", b"1.5"), op("poll", b"", b"NaN"),
            op("poll", flags=0x40), op("poll"), op("step_free"), op("step_free", extra=b"\x01"),
            op("step_free", extra=b"\x02\x10\x20"), op("live"))
    # A call with a size limit, an overall timeout, a body too large.
    session("call_new", [b"products:get", b'{"id":"p1"}', b'{"base_url":"http://127.0.0.1:1","token":"polar_oat_x","max_response_bytes":10,"overall_timeout_ms":1000,"request_timeout_ms":0}', num(0)],
            op("poll"), op("fault", num(4), b""), op("poll"), op("poll"))
    # Walks: every page, every item, an error, pages announced for ever.
    for entry in ("pages_new", "items_new"):
        session(entry, [b"products:list", b'{"limit":2}', local],
                op("drive", extra=bytes([20])), op("poll"), op("live"))
        session(entry, [b"products:list", b'{"page":2}', local],
                op("poll"), op("reply", extra=bytes([8])), op("poll"), op("poll"),
                op("reply", extra=bytes([3])), op("poll"), op("poll"), op("poll"))
        session(entry, [b"events:list", b"{}", local],
                op("poll"), op("response", num(200), JSONH, b'{"items":[],"pagination":{"has_next_page":true}}'),
                op("poll"), op("poll"))
        session(entry, [b"products:get", b'{"id":"p1"}', local])
    # An upload: files:create, parts (one retried), files:uploaded.
    upload_file = b'{"service":"downloadable","name":"report.pdf","mime_type":"application/pdf","part_size":4}'
    session("upload_new", [upload_file, b"0123456789", local],
            op("drive", extra=bytes([3])), op("drive", extra=bytes([1, 1])),
            op("drive", extra=bytes([30])), op("poll"))
    session("upload_new", [upload_file, b"0123456789", local],
            op("poll"), op("reply"), op("poll"), op("poll"), op("reply", extra=bytes([6])), op("poll"))
    session("upload_new", [upload_file, b"", local], op("poll"), op("poll"))
    session("upload_new", [b'{"service":"product_media","name":"a.png","mime_type":"image/png","part_size":1}', b"xyz", local],
            op("drive", extra=bytes([31])))
    # Usage events: pushes, a batch by count, a 422 split, a failure, close, take, stats.
    seed = bytes(range(1, 33))
    event = b'{"name":"llm.tokens","external_customer_id":"user_42","metadata":{"tokens":512}}'
    event2 = b'{"name":"api.request","customer_id":"00000000-0000-4000-8000-000000000000","external_id":"e2"}'
    session("ingest_new", [local, b'{"max_batch_events":3,"max_age_ms":5000,"capacity":5}', seed],
            op("push", event, b""), op("ingest_poll"), op("push", event2, b""), op("push", event, b""),
            op("ingest_poll"), op("reply"), op("ingest_poll"), op("stats"),
            op("push", event), op("push", event2), op("flush"), op("ingest_poll"),
            op("reply", extra=bytes([3])), op("drive", extra=bytes([10])), op("stats"),
            op("push", event), op("push", b'{"name":"x"}'), op("push", b"[]"), op("push", b"\xff"),
            op("flush"), op("ingest_poll"), op("fault", num(1), b"refused"), op("drive", extra=bytes([6])),
            op("stats"), op("take"), op("stats"), op("close"), op("push", event), op("ingest_poll"),
            op("stats"), op("live"), op("ingest_free"), op("stats", target=7))
    session("ingest_new", [local, b"", seed],
            op("push", event), op("close"), op("drive", extra=bytes([4, 7])), op("stats"))
    session("ingest_new", [local, b'{"max_batch_bytes":1}', seed],
            op("push", event), op("push", event), op("drive", extra=bytes([8, 6])), op("stats", flags=0x40),
            op("stats"), op("take"))
    session("ingest_new", [b'{}', b"{}", seed])
    session("ingest_new", [local, b"{}", b"\1" * 32])
    # Kinds mixed up, garbage, stale and zero handles, outputs not freed.
    session("ingest_new", [local, b"{}", seed],
            op("call_new", b"products:get", b'{"id":"p1"}', local, num(0), target=5),
            op("call_new", b"products:get", b'{"id":"p1"}', local, num(0), target=0),
            op("poll", target=0), op("ingest_poll", target=1), op("push", event, target=1),
            op("stats", target=1), op("exchange_free", target=0), op("ingest_free", target=1),
            op("poll", target=1), op("ingest_poll", target=0), op("poll", target=6, extra=b"\x07"),
            op("response", num(200), b"", b"", target=6, extra=b"\xff\xff"), op("fault", num(1), b"", target=5),
            op("flush", target=6, extra=b"\x01"), op("take", target=5),
            op("pages_new", b"products:list", b"{}", local, target=6, extra=b"\x63"),
            op("items_new", b"products:list", b"{}", local, target=5),
            op("upload_new", upload_file, b"abc", local, flags=0x10, target=5),
            op("exchange_free", target=1), op("exchange_free", target=7), op("ingest_free", target=7),
            op("poll", target=7), op("live"), op("exchange_free", target=5), op("exchange_free", flags=0x10))
    session("call_new", [b"products:list", b"{}", local, num(0)],
            op("poll", flags=0x20), op("response", num(503), b"", b"", flags=0x20),
            op("poll", b"", b"7", flags=0x40), op("poll"), op("push", b"{}", flags=0x40),
            op("response", num(200), b"", b""), op("fault", num(3), b"slow"), op("live"))
    session("call_new", [b"nope", b"{}", b"{}", num(0)], nulls=0x80)
    session("call_new", [b"products:list", b"{}", b"{}", num(0)], nulls=0x40)

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
