// A misbehaving HTTP server for the wasm tests, on loopback:
//   /stall/...  CORS-enabled 200 whose body never ends (timeouts via AbortController)
//   /nocors/... 418 without any CORS header (a browser refuses it; Node does not care)
//   /drop/...   closes the connection without answering (a network error)
//   /big/...    CORS-enabled 200 of 64 KiB, chunked: no Content-Length to refuse it early
//   /ingest/RUN/SCRIPT/v1/events/ingest  Polar's events:ingest, deduplicating by external_id
//               per RUN as Polar does; its Nth request does as the Nth word of SCRIPT says
//               (comma-separated; `ok` past its end): `ok`, `down` (503, nothing recorded),
//               `reset` (recorded, then the connection is destroyed unanswered). An event
//               named `invalid` makes the whole request a 422.
//   GET /ingest/RUN/seen  {"events": distinct ids recorded, "received": events received,
//               "requests": ingest requests} of RUN
// Usage: node stall-server.js PORT
'use strict';
const http = require('http');
const port = Number(process.argv[2]);
const runs = new Map();
const ingest = (req, res) => {
  const [, , name, script] = req.url.split('/');
  if (!runs.has(name)) runs.set(name, { seen: new Map(), received: 0, requests: 0 });
  const run = runs.get(name);
  const json = (status, body) => {
    res.writeHead(status, { ...cors(req), 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && script === 'seen') {
    json(200, { events: run.seen.size, received: run.received, requests: run.requests });
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const fault = script.split(',')[run.requests] || 'ok';
    run.requests += 1;
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8')).events || [];
    if (events.some((e) => e.name === 'invalid')) {
      json(422, { detail: [{ loc: ['body', 'events', 0, 'name'], msg: 'invalid', type: 'value_error' }] });
      return;
    }
    if (fault === 'down') {
      json(503, {});
      return;
    }
    let inserted = 0;
    let duplicates = 0;
    for (const e of events) {
      run.received += 1;
      if (run.seen.has(e.external_id)) duplicates += 1;
      else {
        run.seen.set(e.external_id, 1);
        inserted += 1;
      }
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    json(200, { inserted, duplicates });
  });
};
const cors = (req) => ({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': '*',
  'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
});
http
  .createServer((req, res) => {
    if (req.url.startsWith('/drop')) {
      req.socket.destroy();
      return;
    }
    if (req.url.startsWith('/nocors')) {
      res.writeHead(418, { 'content-type': 'text/plain' });
      res.end('no CORS here');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors(req));
      res.end();
      return;
    }
    if (req.url.startsWith('/ingest/')) {
      ingest(req, res);
      return;
    }
    if (req.url.startsWith('/big')) {
      res.writeHead(200, { ...cors(req), 'content-type': 'application/json' });
      for (let i = 0; i < 64; i++) res.write(' '.repeat(1024));
      res.end('{}');
      return;
    }
    res.writeHead(200, { ...cors(req), 'content-type': 'application/json' });
    res.write('{"id": ');
    // ...and never more.
  })
  .listen(port, '127.0.0.1', () => console.log(`stall server on ${port}`));
