// `diff artifact` compares files, not gzip bytes: what was added, removed or changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, createReadStream, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { artifact, tempDir, writeTree } from './tree.ts';

test('an unchanged tree has no differences; edits, additions, removals and mode changes are reported', async () => {
  using t = tempDir();
  writeTree(t.dir, { 'deploy/a.yaml': 'a\n', 'deploy/b.yaml': 'b\n', 'deploy/sub/c.yaml': 'c\n', 'deploy/run.sh': '#!/bin/sh\n' });
  const opts = { paths: ['deploy'], cwd: t.dir };
  const layer = await artifact.buildLayer(opts);
  const remote = await artifact.readLayerTree(createReadStream(layer.file));
  await layer.dispose();
  assert.deepEqual(artifact.diffTrees(await artifact.readLocalTree(opts), remote), []);

  writeFileSync(path.join(t.dir, 'deploy/a.yaml'), 'a changed\n');
  rmSync(path.join(t.dir, 'deploy/b.yaml'));
  writeFileSync(path.join(t.dir, 'deploy/sub/new.yaml'), 'n\n');
  chmodSync(path.join(t.dir, 'deploy/run.sh'), 0o755);
  const changes = artifact.diffTrees(await artifact.readLocalTree(opts), remote);
  assert.deepEqual(
    changes.map((c) => [c.kind, c.path, c.kind === 'modified' ? c.modeOnly : undefined]),
    [
      ['modified', 'a.yaml', false],
      ['added', 'b.yaml', undefined], // only in the remote
      ['modified', 'run.sh', true],
      ['removed', 'sub/new.yaml', undefined], // only local
    ],
  );
});

test('the local tree honours the same ignore rules as the layer', async () => {
  using t = tempDir();
  writeTree(t.dir, { 'deploy/a.yaml': 'a\n', 'deploy/pic.png': 'p', 'deploy/.sourceignore': 'tmp/\n', 'deploy/tmp/x.yaml': 'x\n' });
  const local = await artifact.readLocalTree({ paths: ['deploy'], cwd: t.dir, ignorePaths: ['*.md'] });
  assert.deepEqual(
    local.map((e) => e.path),
    ['.sourceignore', 'a.yaml'],
  );
});
