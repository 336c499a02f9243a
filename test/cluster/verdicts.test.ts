// How flux-oci reads a Flux object's status while waiting on a reconcile request, and how it
// words drift: pure logic, no cluster (the end-to-end story is in e2e.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kstatus, reconcileVerdict } from '../../server/src/domain/cluster/fluxStatus.ts';
import { compareDrift, parseRevision } from '../../server/src/domain/cluster/drift.ts';

const token = '2026-01-01T00:00:00.000000001Z';
const handled = (o: { status?: Record<string, unknown> }) => o.status?.['lastHandledReconcileAt'] === token;

function obj(status: Record<string, unknown>, generation = 2) {
  return { metadata: { name: 'app', generation }, status: { observedGeneration: generation, ...status } };
}

const c = (type: string, s: string, reason: string, message = '') => ({ type, status: s, reason, message });

test('the request is not handled yet: keep waiting even though an old Ready=True is there', () => {
  const v = reconcileVerdict(obj({ conditions: [c('Ready', 'True', 'Succeeded')] }), handled);
  assert.equal(v.state, 'waiting');
});

test('handled and Ready=True: done, with the artifact revision', () => {
  const v = reconcileVerdict(
    obj({ lastHandledReconcileAt: token, artifact: { revision: 'v1@sha256:' + 'a'.repeat(64) }, conditions: [c('Ready', 'True', 'Succeeded')] }),
    handled,
  );
  assert.deepEqual(v, { state: 'ready', revision: 'v1@sha256:' + 'a'.repeat(64), message: '' });
});

test('handled, Ready=False with a failure reason and a retry scheduled: failed at once (flux waits for its timeout)', () => {
  const o = obj({
    lastHandledReconcileAt: token,
    conditions: [c('Reconciling', 'True', 'ProgressingWithRetry'), c('Ready', 'False', 'OCIArtifactPullFailed', 'tag v9 not found')],
  });
  assert.equal(kstatus(o), 'InProgress', 'kstatus (what flux uses) still says in progress');
  assert.deepEqual(reconcileVerdict(o, handled), { state: 'failed', reason: 'OCIArtifactPullFailed', message: 'tag v9 not found' });
});

test('handled but still progressing (first attempt running): waiting', () => {
  const o = obj({
    lastHandledReconcileAt: token,
    conditions: [c('Reconciling', 'True', 'Progressing', 'building artifact'), c('Ready', 'Unknown', 'Progressing')],
  });
  assert.deepEqual(reconcileVerdict(o, handled), { state: 'waiting', detail: 'building artifact' });
});

test('a dependency that is not ready is waiting, not a failure', () => {
  const o = obj({ lastHandledReconcileAt: token, conditions: [c('Ready', 'False', 'DependencyNotReady', 'dependency flux-system/infra is not ready')] });
  assert.equal(reconcileVerdict(o, handled).state, 'waiting');
});

test('a Kustomization whose source artifact is not in its cache yet is waiting: it reconciles again when the source has it', () => {
  const o = obj({
    lastHandledReconcileAt: token,
    conditions: [c('Reconciling', 'True', 'ProgressingWithRetry'), c('Ready', 'False', 'ArtifactFailed', 'Source artifact not found, retrying in 30s')],
  });
  assert.equal(reconcileVerdict(o, handled).state, 'waiting');
});

test('Stalled is a failure as soon as the request is handled', () => {
  const o = obj({ lastHandledReconcileAt: token, conditions: [c('Stalled', 'True', 'URLInvalid', 'bad url'), c('Ready', 'False', 'URLInvalid', 'bad url')] });
  assert.deepEqual(reconcileVerdict(o, handled), { state: 'failed', reason: 'URLInvalid', message: 'bad url' });
});

test('a source that never fetched (status.observedGeneration -1, as source-controller writes it) fails at once when Ready=False is about this generation', () => {
  const o = {
    metadata: { name: 'gone', generation: 1 },
    status: {
      observedGeneration: -1,
      lastHandledReconcileAt: token,
      conditions: [
        { ...c('Reconciling', 'True', 'ProgressingWithRetry', 'building artifact'), observedGeneration: 1 },
        { ...c('Ready', 'False', 'OCIArtifactPullFailed', 'MANIFEST_UNKNOWN: manifest unknown; map[Tag:v9.9.9]'), observedGeneration: 1 },
        { ...c('FetchFailed', 'True', 'OCIArtifactPullFailed', 'MANIFEST_UNKNOWN'), observedGeneration: 1 },
      ],
    },
  };
  assert.deepEqual(reconcileVerdict(o, handled), {
    state: 'failed',
    reason: 'OCIArtifactPullFailed',
    message: 'MANIFEST_UNKNOWN: manifest unknown; map[Tag:v9.9.9]',
  });
});

test('kustomize-controller BuildFailed as v1.9.4 writes it (first attempt, status.observedGeneration -1): failed at once', () => {
  // Status copied from a real kustomize-controller v1.9.4 on the test control plane (paths shortened).
  const o = {
    metadata: { name: 'app', generation: 1, annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
    status: {
      conditions: [
        {
          lastTransitionTime: '2026-11-22T19:48:39Z',
          message: 'Building manifests for revision v2@sha256:1e22 with a timeout of 9m30s',
          observedGeneration: 1,
          reason: 'ProgressingWithRetry',
          status: 'True',
          type: 'Reconciling',
        },
        {
          lastTransitionTime: '2026-11-22T19:48:39Z',
          message: "kustomize build failed: accumulating resources from 'missing.yaml': no such file or directory",
          observedGeneration: 1,
          reason: 'BuildFailed',
          status: 'False',
          type: 'Ready',
        },
      ],
      lastAttemptedRevision: 'v2@sha256:1e22',
      lastHandledReconcileAt: token,
      observedGeneration: -1,
    },
  };
  assert.equal(kstatus(o), 'InProgress', 'flux keeps waiting here until its --timeout');
  assert.deepEqual(reconcileVerdict(o, handled), {
    state: 'failed',
    reason: 'BuildFailed',
    message: "kustomize build failed: accumulating resources from 'missing.yaml': no such file or directory",
  });
});

test('a new generation not yet observed is waiting even with a failed Ready from before', () => {
  const o = {
    metadata: { name: 'app', generation: 3 },
    status: { observedGeneration: 2, lastHandledReconcileAt: token, conditions: [c('Ready', 'False', 'BuildFailed')] },
  };
  assert.equal(reconcileVerdict(o, handled).state, 'waiting');
  const o2 = {
    metadata: { name: 'app', generation: 3 },
    status: { observedGeneration: -1, lastHandledReconcileAt: token, conditions: [{ ...c('Ready', 'False', 'OCIArtifactPullFailed'), observedGeneration: 2 }] },
  };
  assert.equal(reconcileVerdict(o2, handled).state, 'waiting', 'Ready=False about generation 2 says nothing about 3');
});

test('revisions split on the last @', () => {
  assert.deepEqual(parseRevision('v1.2.0@sha256:' + 'b'.repeat(64)), { tag: 'v1.2.0', digest: 'sha256:' + 'b'.repeat(64) });
  assert.deepEqual(parseRevision('sha256:' + 'b'.repeat(64)), { digest: 'sha256:' + 'b'.repeat(64) });
  assert.equal(parseRevision('main@sha1:abc'), undefined);
});

test('drift is worded as the code lens shows it', () => {
  const a = 'sha256:' + 'a'.repeat(64);
  const b = 'sha256:' + 'b'.repeat(64);
  const resolved = (tag: string, digest: string) =>
    ({ ok: true, kind: 'semver', repository: 'r/x', tag, digest, artifact: { digest, mediaType: '', manifestDigest: digest, size: 0, layers: [] } }) as never;
  assert.equal(compareDrift(`v1.2.0@${a}`, resolved('v1.3.0', b)).text, 'cluster at v1.2.0, registry resolves v1.3.0');
  assert.equal(compareDrift(`v1.2.0@${a}`, resolved('v1.2.0', a)).state, 'in-sync');
  assert.equal(
    compareDrift(`v1.2.0@${a}`, resolved('v1.2.0', b)).text,
    'cluster at v1.2.0 (sha256:aaaaaaa), registry resolves v1.2.0 (sha256:bbbbbbb)',
    'a moved tag shows both digests',
  );
  assert.equal(compareDrift(undefined, undefined, false).state, 'not-in-cluster');
});
