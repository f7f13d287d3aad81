#!/usr/bin/env python3
"""Writes tests/fixtures/webhooks/vectors.json: webhook test vectors signed by the Standard
Webhooks reference library, verified by polarsh-core in tests/tests/webhooks.rs.

Run by hand, not in CI (CI uses the committed fixture):

    pip install standardwebhooks==1.1.0
    python3 scripts/webhook-vectors.py

The output is deterministic: fixed secrets, ids, timestamps and `now`; the example payloads are
built from the vendored spec (its schema and property `examples`, else values made from the
type) with ids derived from the event name. Each vector also records what the reference
library itself answered (`reference`), with its clock pinned to the vector's `now`.

Vectors: one signed delivery per webhook event of the spec (41), then the edge cases: tampered
body/id/timestamp, wrong secret, expired, future, the inclusive 300 s boundaries, rotated
secrets, missing and empty headers, malformed signatures, a non-UTF-8 body, a raw
`polar_whs_` secret, the whole `whsec_` string used as a raw key, header-name case, an unknown
event type with a top-level `api_version`, and a known event with properties the spec lacks.
"""

import base64
import copy
import importlib.metadata
import datetime as dt
import hashlib
import hmac
import json
import pathlib
import sys
import uuid

import standardwebhooks.webhooks as swh
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

REFERENCE = "standardwebhooks==1.1.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "webhooks" / "vectors.json"

NOW = 1767225600  # 2026-01-01T00:00:00Z
SENT = NOW - 30  # a delivery received 30 s after it was sent
SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"polar-rs webhook vectors").digest()[:24]).decode()
OLD_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"polar-rs old secret").digest()[:24]).decode()
WRONG_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"polar-rs wrong secret").digest()[:24]).decode()
RAW_SECRET = "polar_whs_" + hashlib.sha256(b"polar-rs raw secret").hexdigest()[:43]
NS = uuid.UUID("6f2b5c1e-0d4e-4c59-9d4a-2f3c8a1b7e90")


# ---------------------------------------------------------------------------------------------
# Example payloads from the spec


def load_spec():
    version = (ROOT / "spec" / "VERSION").read_text().strip()
    return version, json.loads((ROOT / "spec" / f"polar-{version}.openapi.json").read_text())


class Examples:
    """Builds a value for a schema: `const`, then `examples`, then `enum`, then from the type.
    Optional properties are filled down to `max_depth` so payloads look like Polar's."""

    def __init__(self, spec, seed, pick, max_depth=5):
        self.schemas = spec["components"]["schemas"]
        self.seed = seed
        self.pick = pick
        self.max_depth = max_depth

    def resolve(self, ref):
        return self.schemas[ref.split("/")[-1]]

    def uuid4(self, path):
        u = uuid.uuid5(NS, f"{self.seed}{path}")
        b = bytearray(u.bytes)
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        return str(uuid.UUID(bytes=bytes(b)))

    def value(self, s, path="$", depth=0):
        if "const" in s:
            return s["const"]
        if s.get("examples"):
            return copy.deepcopy(s["examples"][0])
        if "$ref" in s:
            return self.value(self.resolve(s["$ref"]), path, depth)
        if "enum" in s:
            return s["enum"][0]
        if "allOf" in s:
            merged = {}
            for part in s["allOf"]:
                v = self.value(part, path, depth)
                if isinstance(v, dict):
                    merged.update(v)
                else:
                    return v
            return merged
        for key in ("oneOf", "anyOf"):
            if key in s:
                options = [o for o in s[key] if o.get("type") != "null"]
                if not options:
                    return None
                return self.value(options[self.pick % len(options)], path, depth)
        t = s.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "null")
        if t is None and "properties" in s:
            t = "object"
        if t == "object":
            return self.obj(s, path, depth)
        if t == "array":
            if depth >= self.max_depth and not s.get("minItems"):
                return []
            n = max(1, s.get("minItems", 1))
            return [self.value(s.get("items", {}), f"{path}[{i}]", depth + 1) for i in range(n)]
        if t == "string":
            fmt = s.get("format", "")
            if fmt.startswith("uuid"):
                return self.uuid4(path)
            if fmt == "date-time":
                return "2025-12-31T23:59:00Z"
            if fmt == "date":
                return "2025-12-31"
            if fmt == "email":
                return "jane@example.com"
            if fmt in ("uri", "url"):
                return "https://example.com/"
            return path.rsplit(".", 1)[-1].strip("$[]0123456789") or "example"
        if t in ("integer", "number"):
            v = 1000
            if "minimum" in s:
                v = max(v, s["minimum"])
            if "exclusiveMinimum" in s:
                v = max(v, s["exclusiveMinimum"] + 1)
            if "maximum" in s:
                v = min(v, s["maximum"])
            if "exclusiveMaximum" in s:
                v = min(v, s["exclusiveMaximum"] - 1)
            return int(v) if t == "integer" else v
        if t == "boolean":
            return False
        if t == "null":
            return None
        return {}

    def obj(self, s, path, depth):
        props = s.get("properties", {})
        required = set(s.get("required", []))
        out = {}
        for name, ps in props.items():
            if name in required or depth < self.max_depth:
                out[name] = self.value(ps, f"{path}.{name}", depth + 1)
        if not props and isinstance(s.get("additionalProperties"), dict) and depth < self.max_depth:
            out["key"] = self.value(s["additionalProperties"], f"{path}.key", depth + 1)
        return out


def event_payloads(spec):
    """(event type, payload) for every webhook of the spec, in the spec's order."""
    out = []
    for i, (event, item) in enumerate(spec["webhooks"].items()):
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = spec["components"]["schemas"][ref.split("/")[-1]]
        gen = Examples(spec, seed=event, pick=i)
        payload = {
            "type": event,
            "timestamp": "2025-12-31T23:59:30Z",
            "data": gen.value(schema["properties"]["data"], "$.data", 1),
        }
        out.append((event, payload))
    return out


# ---------------------------------------------------------------------------------------------
# Signing and the reference's verdict


class PinnedClock(dt.datetime):
    """`datetime` whose `now` is the vector's `now`, for the reference's timestamp check."""

    pinned = NOW

    @classmethod
    def now(cls, tz=None):
        return dt.datetime.fromtimestamp(cls.pinned, tz=tz)


swh.datetime = PinnedClock  # the reference reads `datetime.now()` from its module globals


def ref_webhook(secret, raw=False):
    return Webhook(secret.encode() if raw else secret)


def sign(secret, msg_id, ts, body, raw=False):
    """The reference's signature; bytes that are not UTF-8 (the reference signs `str`) are
    signed with its `hmac_data` and the key it derived."""
    wh = ref_webhook(secret, raw)
    try:
        text = body.decode()
    except UnicodeDecodeError:
        to_sign = f"{msg_id}.{ts}.".encode() + body
        return "v1," + base64.b64encode(swh.hmac_data(wh._whsecret, to_sign)).decode()
    return wh.sign(msg_id, dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc), text)


def reference_verdict(secret, headers, body, now, raw=False):
    PinnedClock.pinned = now
    try:
        ref_webhook(secret, raw).verify(body, dict(headers), json_parse=False)
        return "ok"
    except WebhookVerificationError as e:
        return str(e)
    except Exception as e:  # the reference raises non-verification errors on some garbage
        return f"{type(e).__name__}: {e}"


def headers_for(msg_id, ts, sig):
    return [["webhook-id", msg_id], ["webhook-timestamp", str(ts)], ["webhook-signature", sig]]


def body_of(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


VECTORS = []


def vector(name, headers, body, expected, secret=SECRET, now=NOW, raw=False, note=None):
    v = {
        "name": name,
        "secret": secret,
        "headers": headers,
        "body_base64": base64.b64encode(body).decode(),
        "now": now,
        "expected": expected,
        "reference": reference_verdict(secret, headers, body, now, raw),
    }
    if note:
        v["note"] = note
    VECTORS.append(v)


def ok(event):
    return {"ok": True, "event_type": event}


def err(kind, header=None):
    e = {"ok": False, "error": kind}
    if header:
        e["header"] = header
    return e


def main():
    installed = importlib.metadata.version("standardwebhooks")
    if f"standardwebhooks=={installed}" != REFERENCE:
        sys.exit(f"expected {REFERENCE}, found standardwebhooks {installed}: pip install {REFERENCE}")
    version, spec = load_spec()
    events = event_payloads(spec)
    assert len(events) == 41, len(events)

    # One genuine delivery per event type.
    for i, (event, payload) in enumerate(events):
        msg_id = "msg_" + uuid.uuid5(NS, event).hex[:27]
        body = body_of(payload)
        vector(f"event/{event}", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, body)), body, ok(event))

    event, payload = next(e for e in events if e[0] == "order.paid")
    body = body_of(payload)
    msg_id = "msg_2Zx1tbC7fQJxXvJ5gAXpfvNPyKk"
    good = sign(SECRET, msg_id, SENT, body)

    tampered = body.replace(b'"total_amount":', b'"total_amount":1', 1)
    assert tampered != body
    vector("tampered/body", headers_for(msg_id, SENT, good), tampered, err("no_matching_signature"))
    vector("tampered/id", headers_for(msg_id + "x", SENT, good), body, err("no_matching_signature"))
    vector("tampered/timestamp", headers_for(msg_id, SENT - 1, good), body, err("no_matching_signature"))
    vector("wrong-secret", headers_for(msg_id, SENT, good), body, err("no_matching_signature"), secret=WRONG_SECRET)

    for name, ts, expected in [
        ("expired", NOW - 301, err("timestamp_too_old")),
        ("expired/long-ago", NOW - 86400, err("timestamp_too_old")),
        ("future", NOW + 301, err("timestamp_too_new")),
        ("boundary/old-300s", NOW - 300, ok(event)),
        ("boundary/new-300s", NOW + 300, ok(event)),
    ]:
        vector(name, headers_for(msg_id, ts, sign(SECRET, msg_id, ts, body)), body, expected)

    old = sign(OLD_SECRET, msg_id, SENT, body)
    other = sign(WRONG_SECRET, msg_id, SENT, body)
    vector("rotated/new-last", headers_for(msg_id, SENT, f"{old} {good}"), body, ok(event))
    vector("rotated/new-first", headers_for(msg_id, SENT, f"{good} {old} {other}"), body, ok(event))
    vector("rotated/none-valid", headers_for(msg_id, SENT, f"{old} {other}"), body, err("no_matching_signature"))
    vector("rotated/other-versions-skipped", headers_for(msg_id, SENT, f"v1a,{good[3:]} v2,abc {good}"), body, ok(event))

    full = headers_for(msg_id, SENT, good)
    for i, name in enumerate(["webhook-id", "webhook-timestamp", "webhook-signature"]):
        missing = [h for j, h in enumerate(full) if j != i]
        vector(f"missing/{name}", missing, body, err("missing_header", name))
        empty = [[h[0], ""] if j == i else h for j, h in enumerate(full)]
        vector(f"empty/{name}", empty, body, err("missing_header", name))

    vector("malformed/no-version", headers_for(msg_id, SENT, good[3:]), body, err("invalid_signature_header"))
    vector("malformed/bad-base64", headers_for(msg_id, SENT, "v1,%%%not*base64%%%"), body, err("invalid_signature_header"))
    vector("malformed/only-v2", headers_for(msg_id, SENT, "v2," + good[3:]), body, err("invalid_signature_header"))
    vector("malformed/short-signature", headers_for(msg_id, SENT, "v1,c2hvcnQ="), body, err("no_matching_signature"))
    for name, ts in [("non-numeric", "soon"), ("fraction", f"{SENT}.5"), ("overflow", "99999999999999999999")]:
        vector(f"timestamp/{name}", [["webhook-id", msg_id], ["webhook-timestamp", ts], ["webhook-signature", good]], body, err("invalid_timestamp"))
    for name, ts in [("i64-max", 9223372036854775807), ("negative", -1)]:
        h = [["webhook-id", msg_id], ["webhook-timestamp", str(ts)], ["webhook-signature", good]]
        vector(f"timestamp/{name}", h, body, err("timestamp_too_new" if ts > 0 else "timestamp_too_old"))

    non_utf8 = b'{"type":"order.paid","data":"\xff\xfe"}'
    vector("body/non-utf8", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, non_utf8)), non_utf8, err("decode"),
           note="genuine signature over bytes that are not UTF-8: rejected by the JSON parser, after the signature check")
    vector("body/empty", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, b"")), b"", err("decode"))
    bad_known = body_of({"type": "order.paid", "timestamp": "2025-12-31T23:59:30Z", "data": {"id": 42}})
    vector("body/known-event-wrong-shape", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, bad_known)), bad_known, err("decode"))

    vector("secret/raw-polar_whs", headers_for(msg_id, SENT, sign(RAW_SECRET, msg_id, SENT, body, raw=True)), body, ok(event),
           secret=RAW_SECRET, raw=True, note="older raw secret: its UTF-8 bytes are the key")
    vector("secret/whsec-string-as-raw-key", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, body, raw=True)), body, ok(event),
           secret=SECRET, raw=True, note="the whole whsec_ string's bytes as the key, as Polar's validator also tries")
    vector("headers/mixed-case", [["Webhook-Id", msg_id], ["WEBHOOK-TIMESTAMP", str(SENT)], ["webhook-Signature", good]], body, ok(event))

    unknown = {"type": "invoice.drafted", "timestamp": "2025-12-31T23:59:30Z", "api_version": "2026-10",
               "data": {"id": "inv_1", "amount": 1200, "lines": [{"sku": "a"}]}}
    ub = body_of(unknown)
    vector("unknown-event/api_version", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, ub)), ub, ok("invoice.drafted"))
    vector("unknown-event/tampered", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, ub)), ub + b" ", err("no_matching_signature"),
           note="an unknown event is parsed only after the signature checks")

    extra = copy.deepcopy(payload)
    extra["api_version"] = "2026-10"
    extra["data"]["loyalty_tier"] = "gold"
    eb = body_of(extra)
    vector("known-event/extra-fields", headers_for(msg_id, SENT, sign(SECRET, msg_id, SENT, eb)), eb, ok(event),
           note="api_version lands in the payload's extra, data.loyalty_tier in Order's extra")

    out = {
        "description": "Webhook vectors for polarsh-core, written by scripts/webhook-vectors.py; do not edit by hand.",
        "reference": REFERENCE,
        "spec_version": version,
        "vectors": VECTORS,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(VECTORS)} vectors to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
