// A loopback stand-in for Polar's two upload calls and the presigned storage host, for the
// wasm upload tests (tests/upload.rs). Each test uses its own session, named in the path:
//   /s/ID/FAULTS/v1/files/                POST files:create: records the body, has Prism
//                                         check it (argv[3]), answers with one presigned URL
//                                         per part on this server
//   /s/ID/FAULTS/v1/files/FID/uploaded    POST files:uploaded: records the body, has Prism
//                                         check it, answers a FileRead
//   /s/ID/FAULTS/bucket/partN             PUT of a part: records it, then meets the next
//                                         fault of FAULTS (`503`, `403`, `drop`, comma-
//                                         separated, `-` for none) or answers 200 + ETag
//   /seen/ID                              GET: what the session received, as JSON
// FAULTS may also hold `noexpose`: no `Access-Control-Expose-Headers: ETag` on PUTs (a
// browser then cannot read the ETag). Every answer closes its connection, so a browser
// never silently resends a request on a reused socket and attempts are counted exactly.
// Usage: node upload-server.js PORT [PRISM_URL]
'use strict';
const http = require('http');
const crypto = require('crypto');
const port = Number(process.argv[2]);
const prism = process.argv[3];
const FILE_ID = '4b9d2c6e-8f3a-4c1d-9e7b-2a5f6d8c0e1f';
const ORG_ID = '1dbfc517-0bbf-4301-9ba8-555ca42b9737';

const sessions = new Map();
function session(id, faults) {
  if (!sessions.has(id)) {
    const list = faults === '-' ? [] : faults.split(',');
    sessions.set(id, {
      noexpose: list.includes('noexpose'),
      faults: list.filter((f) => f !== 'noexpose'),
      create: null,
      create_prism: null,
      uploaded: null,
      uploaded_prism: null,
      puts: [],
    });
  }
  return sessions.get(id);
}

const cors = (req) => ({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
  'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
  'access-control-max-age': '0',
});

function send(res, status, headers, body) {
  res.writeHead(status, { connection: 'close', ...headers });
  res.end(body);
}

function json(req, res, status, value) {
  send(res, status, { ...cors(req), 'content-type': 'application/json' }, JSON.stringify(value));
}

// Has Prism validate a request Polar would receive; `{status, errors}` (the request
// violations it reports) or `{error}` when Prism cannot be reached.
async function check(req, path, body, code) {
  if (!prism) return { error: 'no Prism URL given' };
  const headers = { prefer: `code=${code}` };
  for (const h of ['authorization', 'content-type', 'polar-version', 'user-agent']) {
    if (req.headers[h]) headers[h] = req.headers[h];
  }
  try {
    const r = await fetch(prism + path, { method: 'POST', headers, body });
    await r.arrayBuffer();
    let violations = [];
    try {
      violations = JSON.parse(r.headers.get('sl-violations') || '[]');
    } catch (e) {
      violations = [{ severity: 'Error', location: ['request'], message: String(e) }];
    }
    // Prism also reports on its own canned responses: only what it says of the request counts.
    const errors = violations.filter(
      (v) => v.severity === 'Error' && Array.isArray(v.location) && v.location[0] === 'request'
    );
    return { status: r.status, errors };
  } catch (e) {
    return { error: String(e) };
  }
}

function fileRead(name, size, extra) {
  return {
    id: FILE_ID, organization_id: ORG_ID, name, path: `${ORG_ID}/${FILE_ID}`,
    mime_type: 'application/pdf', size, storage_version: null, checksum_etag: null,
    checksum_sha256_base64: null, checksum_sha256_hex: null, last_modified_at: null,
    version: null, service: 'downloadable', is_uploaded: false, size_readable: `${size} B`,
    ...extra,
  };
}

function parse(body) {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    return null;
  }
}

async function handle(req, res, body) {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  if (req.method === 'OPTIONS') return send(res, 204, cors(req));
  let m = url.pathname.match(/^\/seen\/([^/]+)$/);
  if (m && req.method === 'GET') {
    const s = sessions.get(m[1]);
    return json(req, res, 200, s ? { ...s, faults: undefined } : {});
  }
  m = url.pathname.match(/^\/s\/([^/]+)\/([^/]+)(\/.*)$/);
  if (!m) return json(req, res, 404, { detail: 'no such route' });
  const [, id, faults, rest] = m;
  const s = session(id, faults);
  const base = `http://127.0.0.1:${port}/s/${id}/${faults}`;

  if (req.method === 'POST' && rest === '/v1/files/') {
    const create = parse(body);
    s.create = create;
    s.create_prism = await check(req, '/v1/files/', body, 201);
    const parts = create && create.upload && Array.isArray(create.upload.parts) ? create.upload.parts : null;
    if (!parts) return json(req, res, 422, { detail: 'no upload.parts' });
    const presigned = parts.map((p) => ({
      number: p.number, chunk_start: p.chunk_start, chunk_end: p.chunk_end,
      checksum_sha256_base64: p.checksum_sha256_base64,
      url: `${base}/bucket/part${p.number}?X-Amz-Signature=x`,
      expires_at: '2026-11-28T13:00:00Z',
      headers: { 'x-amz-checksum-sha256': p.checksum_sha256_base64 },
    }));
    const upload = { id: 'u1', path: `${ORG_ID}/${FILE_ID}`, parts: presigned };
    return json(req, res, 201, fileRead(create.name, create.size, { upload }));
  }
  if (req.method === 'POST' && rest === `/v1/files/${FILE_ID}/uploaded`) {
    s.uploaded = parse(body);
    s.uploaded_prism = await check(req, `/v1/files/${FILE_ID}/uploaded`, body, 200);
    const name = s.create ? s.create.name : '';
    const size = s.create ? s.create.size : 0;
    return json(req, res, 200, fileRead(name, size, {
      is_uploaded: true, created_at: '2026-11-28T12:00:00Z', flagged_malicious_at: null,
    }));
  }
  m = rest.match(/^\/bucket\/part(\d+)$/);
  if (req.method === 'PUT' && m) {
    s.puts.push({
      part: Number(m[1]),
      len: body.length,
      sha256: crypto.createHash('sha256').update(body).digest('base64'),
      checksum_header: req.headers['x-amz-checksum-sha256'] || null,
      authorization: 'authorization' in req.headers,
      extra_header: 'x-extra' in req.headers,
      query: url.search,
    });
    const fault = s.faults.shift();
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault) return send(res, Number(fault), cors(req), '<Error><Code>AccessDenied</Code></Error>');
    const headers = { ...cors(req), etag: `"etag-${s.puts.length}"` };
    if (!s.noexpose) headers['access-control-expose-headers'] = 'ETag';
    return send(res, 200, headers, '');
  }
  return json(req, res, 404, { detail: 'no such route' });
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((e) => {
        console.error(e);
        if (!res.headersSent) json(req, res, 500, { detail: String(e) });
      });
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`upload server on ${port}`));
