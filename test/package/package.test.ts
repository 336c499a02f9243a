// `npm run package` makes a small, self-contained VSIX: bundles, schemas and the docs, nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/lspClient.ts';

/** Names of the entries of a zip file, read from its central directory. */
function zipEntries(file: string): string[] {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'the VSIX is a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

test('npm run package writes a small VSIX with only the bundles, schemas, manifest and docs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-oci-vsix-'));
  try {
    const out = path.join(dir, 'flux-oci.vsix');
    const r = spawnSync(process.execPath, ['scripts/package.mjs', '--out', out], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env['PATH']}` },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const entries = zipEntries(out)
      .filter((e) => e.startsWith('extension/'))
      .map((e) => e.slice('extension/'.length));
    const allowed = [
      /^dist\/server\.js$/,
      /^dist\/cli\.js$/,
      /^dist\/cli\/[\w-]+\.mjs$/,
      /^dist\/client\/extension\.js$/,
      /^schemas\/(releases\/ATTRIBUTION\.md|[\w.-]+\.(json|md))$/,
      /^bin\/(flux-oci(-language-server)?|nodeVersion\.js|serverLaunch\.js|serverNodeFlags\.json)$/,
      /^dist\/THIRD-PARTY-NOTICES\.md$/,
      /^package\.json$/,
      /^readme\.md$/i,
      /^LICENSE(\.txt)?$/,
      /^changelog\.md$/i,
      /^media\//,
      /^syntaxes\/[\w.-]+\.tmLanguage\.json$/,
    ];
    const unexpected = entries.filter((e) => !allowed.some((a) => a.test(e)));
    assert.deepEqual(unexpected, [], 'nothing but the shipped files');
    for (const needed of ['dist/server.js', 'dist/client/extension.js', 'package.json', 'dist/THIRD-PARTY-NOTICES.md'])
      assert.ok(entries.includes(needed), `${needed} is in the VSIX`);
    assert.ok(
      entries.some((e) => /^LICENSE/.test(e)),
      'the licence ships',
    );
    assert.ok(
      entries.some((e) => e.startsWith('schemas/') && e.endsWith('OCIRepository.json')),
      'the schemas ship',
    );
    const size = statSync(out).size;
    assert.ok(size < 3 * 1024 * 1024, `VSIX is small (${(size / 1024).toFixed(0)} KiB)`);
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string; activationEvents: string[] };
    assert.ok(entries.includes(manifest.main.replace(/^\.\//, '')), 'the extension entry point ships');
    assert.ok(manifest.activationEvents.includes('onLanguage:yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
