// Finding the YAML files of a repository (check, migrate, bucket preview and the language server's
// index all start here). Folders are read side by side, so these pin what must not depend on the
// order they finish in: each folder's .gitignore applies to that folder only, symlinked files count
// and symlinked folders are not followed, and the list comes back sorted, the same every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { walkFiles } from '../../server/src/domain/workspace/walkFiles.ts';
import { tempTree } from '../helpers/tempTree.ts';

const tree = (files: Record<string, string>): string => tempTree('flux-oci-walk-', files);

test('a fleet repository with many folders: every .gitignore rules its own folder only, and the list is sorted', async () => {
  const files: Record<string, string> = {
    '.git/config': '',
    'node_modules/x/a.yaml': 'a: 1\n',
    'clusters/prod/.gitignore': 'secret.yaml\n',
    'clusters/prod/secret.yaml': 'a: 1\n',
    // A sibling's rule must not leak here, though both folders are read at once.
    'clusters/staging/secret.yaml': 'a: 1\n',
    'apps/base/.gitignore': 'rendered/\n',
    'apps/base/rendered/out.yaml': 'a: 1\n',
    'apps/base/podinfo/release.yaml': 'a: 1\n',
    'apps/base/podinfo/README.md': '#\n',
  };
  const expected = ['clusters/staging/secret.yaml', 'apps/base/podinfo/release.yaml'];
  // Enough folders that reads overlap and finish in no particular order.
  for (let i = 0; i < 60; i++) {
    files[`infrastructure/c${i}/sub/k.yml`] = 'a: 1\n';
    expected.push(`infrastructure/c${i}/sub/k.yml`);
  }
  const dir = tree(files);
  try {
    const want = expected.map((f) => path.join(dir, f)).sort();
    for (let round = 0; round < 3; round++) assert.deepEqual(await walkFiles([], { cwd: dir }), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a symlinked YAML file is found, a symlinked folder and a dangling link are not', async () => {
  const dir = tree({ 'real/app.yaml': 'a: 1\n', 'elsewhere/other.yaml': 'a: 1\n' });
  try {
    symlinkSync(path.join(dir, 'real/app.yaml'), path.join(dir, 'linked.yaml'));
    symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'dangling.yaml'));
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'real/loop'));
    const found = await walkFiles([], { cwd: dir });
    assert.deepEqual(found, [path.join(dir, 'elsewhere/other.yaml'), path.join(dir, 'linked.yaml'), path.join(dir, 'real/app.yaml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a walk whose signal is aborted stops early and still settles', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`d${i}/e/f.yaml`] = 'a: 1\n';
  const dir = tree(files);
  try {
    const controller = new AbortController();
    controller.abort();
    assert.deepEqual(await walkFiles([], { cwd: dir, signal: controller.signal }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
