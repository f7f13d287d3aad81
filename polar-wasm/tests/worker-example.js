// Runs the worker example (examples/worker.rs, built to wasm and bound with
// `wasm-bindgen --target nodejs` into the directory given as argv[2]) once per case with a
// Standard Webhooks delivery signed here, and checks the status it answers.
'use strict';
const crypto = require('crypto');
const path = require('path');
const worker = require(path.resolve(process.argv[2], 'worker.js'));

const key = crypto.randomBytes(24);
const secret = 'whsec_' + key.toString('base64');
const env = { POLAR_WEBHOOK_SECRET: secret };

function signed(body, { ts = Math.floor(Date.now() / 1000), tamper = false } = {}) {
  const id = 'msg_' + crypto.randomBytes(8).toString('hex');
  const sig = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return new Request('https://example.com/webhooks/polar', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': 'v1,' + sig,
    },
    body: tamper ? body.replace('ping', 'pong') : body,
  });
}

const body = JSON.stringify({ type: 'test.ping', timestamp: new Date().toISOString(), data: {} });
const cases = [
  ['a signed delivery is accepted', () => signed(body), 202],
  ['a tampered body is refused', () => signed(body, { tamper: true }), 400],
  ['an old delivery is refused', () => signed(body, { ts: Math.floor(Date.now() / 1000) - 3600 }), 400],
  ['an unsigned delivery is refused', () => new Request('https://example.com/', { method: 'POST', body }), 400],
];

(async () => {
  let passed = 0;
  let failed = 0;
  for (const [name, make, want] of cases) {
    try {
      const res = await worker.fetch(make(), env, {});
      if (res.status === want) {
        passed++;
        console.log(`test ${name} ... ok`);
      } else {
        failed++;
        console.log(`test ${name} ... FAILED: status ${res.status} (${await res.text()}), want ${want}`);
      }
    } catch (e) {
      failed++;
      console.log(`test ${name} ... FAILED: ${e}`);
    }
  }
  console.log(`test result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
