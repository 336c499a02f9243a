// A user presses Cancel on "Listing artifacts" (or "Pulling artifact") at once, while the language
// server is busy: the request and its $/cancelRequest reach the server in the same read. The
// registry behind the fault proxy never answers the call the command is waiting on. The command
// must answer "cancelled" at once, not after the registry's 60 s timeout and retries: the
// operation fuzz once saw flux-oci.artifact.list unanswered 30 s after its cancel on a loaded
// machine. (vscode-jsonrpc hands such a request the frozen `CancellationToken.Cancelled`, whose
// onCancellationRequested never fires; server/src/lsp/cancellation.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRegistryAvailable, startRegistry, type StartedRegistry } from '../peers/registry.ts';
import { startFaultProxy, type FaultProxy } from '../peers/faultProxy.ts';
import { LspClient } from '../helpers/lspClient.ts';
import { seed } from '../resolution/stories.ts';

const skip = dockerRegistryAvailable() ? false : 'docker-registry is not installed (apt-get install docker-registry)';
/** Far below the registry timeout (60 s per try): an answer later than this means the cancel was lost. */
const answerBoundMs = 10_000;

let registry: StartedRegistry;
let proxy: FaultProxy;
let home = '';

before(async () => {
  if (skip) return;
  registry = await startRegistry();
  await seed(registry.host, 'team/app', ['v1.0.0']);
  proxy = await startFaultProxy({ host: '127.0.0.1', port: registry.port });
  home = mkdtempSync(path.join(tmpdir(), 'flux-oci-cancel-home-'));
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/** The server's answer to request `id`, read from its stdout beside the client's own reader; undefined after `ms`. */
function answerTo(lsp: LspClient, id: string, ms: number): Promise<{ result?: unknown; error?: unknown } | undefined> {
  const stdout = lsp.process.stdout!;
  let buffered = Buffer.alloc(0);
  return new Promise((resolve) => {
    const finish = (v: { result?: unknown; error?: unknown } | undefined) => {
      clearTimeout(timer);
      stdout.off('data', onData);
      resolve(v);
    };
    const timer = setTimeout(() => finish(undefined), ms);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffered.subarray(0, end).toString('ascii'))?.[1]);
        if (buffered.length < end + 4 + length) return;
        const message = JSON.parse(buffered.subarray(end + 4, end + 4 + length).toString('utf8')) as { id?: unknown; result?: unknown; error?: unknown };
        buffered = buffered.subarray(end + 4 + length);
        if (message.id === id && ('result' in message || 'error' in message)) return finish(message);
      }
    };
    stdout.on('data', onData);
  });
}

/** Sends the command and its cancel in one write, as a busy server reads them: both are queued before it dispatches either. */
async function commandCancelledInTheSameRead(lsp: LspClient, id: string, command: string, arg: object) {
  const answer = answerTo(lsp, id, answerBoundMs);
  const started = Date.now();
  lsp.process.stdin!.write(
    Buffer.concat([
      frame({ id, method: 'workspace/executeCommand', params: { command, arguments: [arg] } }),
      frame({ method: '$/cancelRequest', params: { id } }),
    ]),
  );
  const got = await answer;
  return { got, ms: Date.now() - started };
}

test('a command cancelled before the busy server dispatched it answers "cancelled" at once, though the registry never answers', { skip }, async () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'flux-oci-cancel-ws-'));
  const lsp = await LspClient.start({ workspaceFolders: [ws], env: { HOME: home, KUBECONFIG: path.join(home, 'no-kubeconfig') } });
  try {
    const url = `oci://${proxy.host}/team/app`;

    // Listing artifacts: the registry holds the tag list forever.
    proxy.setRules([{ path: /\/tags\/list/, fault: { kind: 'stall' } }]);
    const list = await commandCancelledInTheSameRead(lsp, 'story-list', 'flux-oci.artifact.list', { url });
    assert.ok(list.got, `flux-oci.artifact.list was cancelled and still unanswered after ${answerBoundMs} ms`);
    assert.equal((list.got.result as { code?: string }).code, 'cancelled', JSON.stringify(list.got));

    // Pulling an artifact: the registry holds the manifest forever.
    proxy.setRules([{ path: /\/manifests\//, fault: { kind: 'stall' } }]);
    const pull = await commandCancelledInTheSameRead(lsp, 'story-pull', 'flux-oci.artifact.pull', { url: `${url}:v1.0.0`, output: path.join(ws, 'pulled') });
    assert.ok(pull.got, `flux-oci.artifact.pull was cancelled and still unanswered after ${answerBoundMs} ms`);
    assert.equal((pull.got.result as { code?: string }).code, 'cancelled', JSON.stringify(pull.got));

    // The server goes on serving: the same list, not cancelled, once the registry answers again.
    proxy.setRules([]);
    const after = (await lsp.executeCommand('flux-oci.artifact.list', [{ url }])) as { ok: boolean; artifacts?: Array<{ tag: string }> };
    assert.deepEqual(
      after.artifacts?.map((a) => a.tag),
      ['v1.0.0'],
    );
  } finally {
    proxy.setRules([]);
    await lsp.stop();
    rmSync(ws, { recursive: true, force: true });
  }
});
