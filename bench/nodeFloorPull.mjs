// The least a pull can cost in Node: the floor the benches show beside flux-oci (issue 18). It does
// what every pull must (three requests over node:http, sha256 of the manifest and of the layer,
// gunzip, a walk of the tar, the files written synchronously as they come) and nothing else: no
// safety checks, no atomic folder, no errors worth reading, no progress, plain HTTP, anonymous. It
// is no product code and must never become some: it only tells how much of a figure is Node's own.
// `node bench/nodeFloorPull.mjs pull artifact oci://<host>/<repo>:<tag> -o <folder>` (the CLI's
// words, so the benches run it as they run the others); `--version` only starts Node and exits.
const args = process.argv.slice(2);
if (args[0] === '--version') process.exit(0);
const http = process.getBuiltinModule('node:http');
const { createHash } = process.getBuiltinModule('node:crypto');
const { createGunzip } = process.getBuiltinModule('node:zlib');
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');

const ref = args[2].replace(/^oci:\/\//, '');
const out = args[args.indexOf('-o') + 1];
const slash = ref.indexOf('/');
const [hostname, port] = ref.slice(0, slash).split(':');
const colon = ref.lastIndexOf(':');
const repo = ref.slice(slash + 1, colon);
const tag = ref.slice(colon + 1);

const agent = new http.Agent({ keepAlive: true });
const get = (urlPath, accept) =>
  new Promise((resolve, reject) => http.get({ hostname, port, path: urlPath, agent, headers: accept ? { accept } : {} }, resolve).on('error', reject));
const whole = async (res) => {
  const chunks = [];
  for await (const c of res) chunks.push(c);
  return Buffer.concat(chunks);
};

await whole(await get('/v2/'));
const manifestBytes = await whole(await get(`/v2/${repo}/manifests/${tag}`, 'application/vnd.oci.image.manifest.v1+json'));
createHash('sha256').update(manifestBytes).digest('hex');
const layer = JSON.parse(manifestBytes).layers[0];
const res = await get(`/v2/${repo}/blobs/${layer.digest}`);

fs.mkdirSync(out, { recursive: true });
const made = new Set([out]);
const folder = (dir) => {
  if (!made.has(dir)) fs.mkdirSync(dir, { recursive: true });
  made.add(dir);
};
const hash = createHash('sha256');
const gunzip = createGunzip({ chunkSize: 512 * 1024 });
res.on('data', (chunk) => {
  hash.update(chunk);
  if (!gunzip.write(chunk)) {
    res.pause();
    gunzip.once('drain', () => res.resume());
  }
});
res.on('end', () => gunzip.end());

// The tar walk: 512-byte headers (ustar name and prefix, octal size), each entry's data, padding.
let header = Buffer.alloc(0);
let left = 0;
let padding = 0;
let file; // { abs, parts } for a small file, { abs, fd } for a large one
const field = (h, at, length) => {
  const end = h.indexOf(0, at);
  return h.toString('utf8', at, end < 0 || end > at + length ? at + length : end);
};
function startEntry(h) {
  if (h.every((b) => b === 0)) return;
  const prefix = field(h, 345, 155);
  const abs = path.join(out, prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
  const size = parseInt(field(h, 124, 12).trim() || '0', 8);
  left = size;
  padding = (512 - (size % 512)) % 512;
  if (h[156] === 0x35) return folder(abs);
  folder(path.dirname(abs));
  file = size <= 1 << 20 ? { abs, parts: [] } : { abs, fd: fs.openSync(abs, 'w') };
  if (size === 0) endEntry();
}
function endEntry() {
  if (file.fd === undefined) fs.writeFileSync(file.abs, file.parts.length === 1 ? file.parts[0] : Buffer.concat(file.parts));
  else fs.closeSync(file.fd);
  file = undefined;
}
gunzip.on('data', (chunk) => {
  let at = 0;
  while (at < chunk.length) {
    if (left > 0) {
      const piece = chunk.subarray(at, at + Math.min(left, chunk.length - at));
      at += piece.length;
      left -= piece.length;
      if (file.fd === undefined) file.parts.push(piece);
      else fs.writeSync(file.fd, piece);
      if (left === 0) endEntry();
    } else if (padding > 0) {
      const n = Math.min(padding, chunk.length - at);
      at += n;
      padding -= n;
    } else {
      const part = chunk.subarray(at, at + 512 - header.length);
      at += part.length;
      header = header.length ? Buffer.concat([header, part]) : part;
      if (header.length === 512) {
        const h = header;
        header = Buffer.alloc(0);
        startEntry(h);
      }
    }
  }
});
await new Promise((resolve) => gunzip.on('end', resolve));
hash.digest('hex');
agent.destroy();
