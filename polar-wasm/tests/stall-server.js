// A misbehaving HTTP server for the wasm tests, on loopback:
//   /stall/...  CORS-enabled 200 whose body never ends (timeouts via AbortController)
//   /nocors/... 418 without any CORS header (a browser refuses it; Node does not care)
//   /drop/...   closes the connection without answering (a network error)
//   /big/...    CORS-enabled 200 of 64 KiB, chunked: no Content-Length to refuse it early
// Usage: node stall-server.js PORT
'use strict';
const http = require('http');
const port = Number(process.argv[2]);
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
