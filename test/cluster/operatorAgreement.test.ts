/**
 * Flux Operator manifests judged twice, by a real kube-apiserver with Flux 2.9's CRDs (the
 * files of ../shared/crds) and by the real language server over stdio (issue 10, must hold 2):
 *
 * 1. Each Flux object of a ResourceSet's `spec.resources` (the fixtures, the corpus's when it is
 *    there, and test/fixtures/operator/broken-embedded.yaml) is rendered as the operator applies
 *    it, once per literal input set (`<< inputs.x >>` substituted; into the ResourceSet's
 *    namespace unless it names one), and dry-run created. flux-oci must report an error inside
 *    that object's range iff the API server refuses it (an error that names an input set counts
 *    for that set only). An object that keeps a template we cannot evaluate (a pipeline, an
 *    input given by `inputsFrom` or by Flux's `${VAR}` substitution) is not rendered: the
 *    operator's output is unknown, so neither side is asked.
 * 2. Flux Operator patches Flux's Alert and Receiver CRDs so that eventSources/resources kinds
 *    accept FluxInstance, ResourceSet and ResourceSetInputProvider. The patched CRD here is NOT
 *    the operator's (AGPL-3.0): the test derives it from Flux's Apache-2.0 CRD by adding the
 *    three kinds to the kind enum, our own small transformation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parse, parseAllDocuments, stringify, type YAMLMap } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { requireControlPlane, startControlPlane, type ControlPlane } from '../peers/controlPlane.ts';
import { LspClient, fileUri, repoRoot } from '../helpers/lspClient.ts';
import { sharedCrdDir, sharedFluxCrds } from '../helpers/fluxCrds.ts';
import { dryRunCreate, installCrds } from '../helpers/apiServerVerdict.ts';
import { realWorldCorpus, yamlFilesUnder } from '../helpers/corpus.ts';

const ERROR = 1;
const INFO = 3;
const text = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : String(d.message));
const fixtures = path.join(repoRoot, 'test/fixtures/operator');

/** The ResourceSet files: our fixtures (copied from permissive repositories, and the broken probes), then the corpus's. */
function resourceSetFiles(): string[] {
  const mine = yamlFilesUnder(fixtures);
  const corpus = existsSync(realWorldCorpus) ? yamlFilesUnder(realWorldCorpus) : [];
  return [...mine, ...corpus].filter((f) => /^kind: ResourceSet$/m.test(readFileSync(f, 'utf8')) && /fluxcd\.controlplane\.io\//.test(readFileSync(f, 'utf8')));
}

interface Probe {
  /** file#document/resources[i] */
  name: string;
  file: string;
  /** Lines of the item in the file (0-based, inclusive). */
  lines: [number, number];
  /** What the comment above the item (broken-embedded.yaml) says the API server answers. */
  comment: string;
  /** Index in spec.inputs, or undefined when the ResourceSet has none. */
  inputSet: number | undefined;
  /** The object as the operator applies it, or undefined when a template we cannot evaluate remains. */
  rendered: Record<string, any> | undefined;
  namespace: string;
  apiVersion: string;
  kind: string;
}

// Plain `<< inputs.x >>`; anything else (pipelines, functions, `<<-` trimming) is not evaluated here.
const simpleInput = /<<\s*inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*>>/g;
const anyAction = /<<[\s\S]*?>>/;

/** The operator renders the resources as text with each input set, then parses the YAML. */
function render(itemText: string, inputs: Map<string, string>): Record<string, any> | undefined {
  let missing = false;
  const out = itemText.replace(simpleInput, (_m, key: string) => {
    const v = inputs.get(key);
    if (v === undefined) missing = true;
    return v ?? '';
  });
  if (missing || anyAction.test(out)) return undefined;
  return parse(out) as Record<string, any>;
}

function probesOf(file: string, fluxGroups: Set<string>): Probe[] {
  const source = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const out: Probe[] = [];
  parseAllDocuments(source, { lineCounter }).forEach((doc, d) => {
    if (!('contents' in doc)) return;
    const root = doc.contents;
    if (!isMap(root)) return;
    const apiVersion = String(root.get('apiVersion') ?? '');
    if (String(root.get('kind') ?? '') !== 'ResourceSet' || !apiVersion.startsWith('fluxcd.controlplane.io/')) return;
    const namespace = String((root.get('metadata') as YAMLMap | undefined)?.get('namespace') ?? 'default');
    const spec = root.get('spec', true);
    if (!isMap(spec)) return;
    const inputs = spec.get('inputs', true);
    // Literal values only: one that Flux substitutes first (`${VAR}`) or that is itself a template is unknown here.
    const inputSets: Array<{ index: number | undefined; values: Map<string, string> }> = isSeq(inputs)
      ? inputs.items.map((item, index) => {
          const values = new Map<string, string>();
          if (isMap(item))
            for (const p of item.items) {
              if (!isScalar(p.key) || !isScalar(p.value) || p.value.value === null) continue;
              const v = String(p.value.value);
              if (!v.includes('${') && !anyAction.test(v)) values.set(String(p.key.value), v);
            }
          return { index, values };
        })
      : [{ index: undefined, values: new Map() }];
    const resources = spec.get('resources', true);
    if (!isSeq(resources)) return;
    resources.items.forEach((item, i) => {
      if (!isMap(item) || !item.range) return;
      const [start, , end] = item.range;
      const startPos = lineCounter.linePos(start);
      let last = end;
      while (last > start && /\s/.test(source[last - 1]!)) last--;
      const lines: [number, number] = [startPos.line - 1, lineCounter.linePos(last).line - 1];
      const itemText = ' '.repeat(startPos.col - 1) + source.slice(start, end);
      const objApiVersion = String(item.get('apiVersion') ?? '');
      if (!fluxGroups.has(objApiVersion.split('/')[0]!)) return; // only Flux's kinds are installed and judged
      for (const set of inputSets) {
        const rendered = render(itemText, set.values);
        out.push({
          name: `${path.relative(repoRoot, file).replace(/^\.\.\/shared\/corpus\/real-world\//, 'corpus:')}#${d}/resources[${i}]${set.index === undefined ? '' : ` inputs[${set.index}]`}`,
          file,
          lines,
          comment: item.commentBefore?.trim() ?? '',
          inputSet: set.index,
          rendered,
          namespace: String(rendered?.['metadata']?.['namespace'] ?? namespace),
          apiVersion: objApiVersion,
          kind: String(item.get('kind')),
        });
      }
    });
  });
  return out;
}

/**
 * Disagreements that are meant, each with why. Key: the probe's name. Empty: every verdict
 * on an error matches the API server's.
 */
const intended: Record<string, string> = {
  // Stricter than the API server, and right: the CRD's url pattern is only `^oci://.*$`, but
  // source-controller parses the url as an OCI reference, which refuses an upper-case
  // repository, and the OCIRepository stalls with URLInvalid; it can never work. flux-oci
  // says so as an error at the top level too (lint/ociRepositoryUrl.ts).
  // The operator patches Flux's Alert CRD to accept its kinds when it starts, and an object in a
  // ResourceSet is applied by the operator: the stock CRD's refusal never happens where it runs
  // (the second test shows the patched CRD accepting the kind).
  'test/fixtures/operator/broken-embedded.yaml#0/resources[13] inputs[0]': 'operator kind in Alert eventSources: stock CRD refuses, the operator patches it',
  'test/fixtures/operator/broken-embedded.yaml#0/resources[13] inputs[1]': 'operator kind in Alert eventSources: stock CRD refuses, the operator patches it',
  'test/fixtures/operator/broken-embedded.yaml#0/resources[11] inputs[1]':
    'upper-case OCI repository: the API server stores it, source-controller refuses it (URLInvalid)',
};

describe('a real kube-apiserver and flux-oci agree on Flux Operator manifests', { timeout: 600_000 }, () => {
  let cp: ControlPlane | undefined;
  let crds: Record<string, any>[] = [];
  let plural = new Map<string, string>();
  const dirs: string[] = [];
  const mkdir = (name: string) => {
    const d = mkdtempSync(path.join(tmpdir(), `flux-oci-${name}-`));
    dirs.push(d);
    return d;
  };

  // A hook has no t.skip: the reason is kept and each test skips with it.
  let skipReason = 'no control plane';
  before(async () => {
    crds = sharedFluxCrds() ?? [];
    if (!crds.length) return void (skipReason = `skipped: ${sharedCrdDir} is absent (Flux 2.9's CRD files)`);
    if (!requireControlPlane({ skip: (m?: string) => void (skipReason = m ?? skipReason) }, [], [])) return;
    cp = await startControlPlane({ controllers: [], crds: [], namespaces: ['tenants'] });
    await installCrds(cp, crds);
    plural = new Map(crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, c.spec.names.plural as string]));
  });

  after(async () => {
    await cp?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('each embedded Flux object, rendered per literal input set: an error from flux-oci inside it iff the API server refuses it', async (t) => {
    if (!cp) return t.skip(skipReason);
    const fluxGroups = new Set(crds.map((c) => c.spec.group as string));
    const files = resourceSetFiles();
    const probes = files.flatMap((f) => probesOf(f, fluxGroups));
    const rendered = probes.filter((p) => p.rendered);
    assert.ok(rendered.length >= 20, `only ${rendered.length} renderable objects`);

    // The API server's verdicts (namespaces made for real first: a dry-run create needs its namespace).
    for (const ns of new Set(rendered.map((p) => p.namespace))) {
      const r = await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      assert.ok(r.status === 201 || r.status === 409 || r.status === 422, `namespace ${ns}: ${r.status}`);
    }
    const apiServer = new Map<Probe, { accepted: boolean; message: string }>();
    for (const p of rendered) {
      const group = p.apiVersion.split('/')[0]!;
      apiServer.set(p, await dryRunCreate(cp, p.rendered!, plural.get(`${group}/${p.kind}`)!, p.namespace));
    }

    // flux-oci's: each file opened in the editor, in a workspace of its own copies.
    const ws = mkdir('operator-agreement');
    const lsp = await LspClient.start({ workspaceFolders: [ws] });
    const diagnostics = new Map<string, Diagnostic[]>();
    try {
      for (const [i, f] of files.entries()) {
        const copy = path.join(ws, `${i}-${path.basename(f)}`);
        copyFileSync(f, copy);
        const uri = fileUri(copy);
        const pending = lsp.diagnostics(uri, 1, 30_000);
        lsp.open(uri, readFileSync(f, 'utf8'));
        diagnostics.set(f, await pending);
      }
    } finally {
      await lsp.stop();
    }
    /** Errors inside the probe's item that concern its input set (an error naming another input set does not). */
    const errorsOf = (p: Probe): Diagnostic[] =>
      diagnostics
        .get(p.file)!
        .filter((d) => d.severity === ERROR && d.range.start.line >= p.lines[0] && d.range.start.line <= p.lines[1])
        .filter((d) => {
          // "With inputs[0] (tenant: a), inputs[2] (tenant: c): ..." is about those input sets only.
          const named = [...text(d).matchAll(/(?:^With |, )inputs\[(\d+)\]/g)].map((m) => Number(m[1]));
          return !named.length || named.includes(p.inputSet!);
        });

    const disagree: string[] = [];
    for (const p of rendered) {
      const api = apiServer.get(p)!;
      const ours = errorsOf(p);
      if (api.accepted === (ours.length === 0)) continue;
      disagree.push(
        `${p.name} (${p.kind}): API server ${api.accepted ? 'accepts' : `refuses (${api.message})`}, flux-oci ${ours.length ? `errors ${JSON.stringify(ours.map(text))}` : 'reports no error'}`,
      );
    }
    t.diagnostic(
      `${rendered.length} rendered objects from ${files.length} files (${rendered.filter((p) => !apiServer.get(p)!.accepted).length} refused by the API server); ` +
        `${probes.length - rendered.length} kept a template we do not evaluate and were not asked`,
    );
    assert.deepEqual(
      disagree.filter((d) => !Object.keys(intended).some((k) => d.startsWith(`${k} `))),
      [],
    );
    assert.deepEqual(
      Object.keys(intended).filter((k) => !disagree.some((d) => d.startsWith(`${k} `))),
      [],
      'an intended disagreement that no longer happens',
    );

    // The probes say what they probe: the API server answers as each comment says.
    const wrongComment: string[] = [];
    for (const p of rendered.filter((q) => q.file.endsWith('broken-embedded.yaml'))) {
      const perSet = /^per input set: refused for inputs\[(\d+)\]/.exec(p.comment);
      const expectAccepted = perSet ? Number(perSet[1]) !== p.inputSet : /^accepted/.test(p.comment);
      if (apiServer.get(p)!.accepted !== expectAccepted) wrongComment.push(`${p.name}: ${p.comment} / ${apiServer.get(p)!.message}`);
    }
    assert.deepEqual(wrongComment, []);

    // What is not rendered is never judged where a template decides: no error on a line holding one.
    for (const p of probes.filter((q) => !q.rendered)) {
      const lines = readFileSync(p.file, 'utf8').split('\n');
      const onTemplates = diagnostics
        .get(p.file)!
        .filter((d) => d.severity === ERROR && d.range.start.line >= p.lines[0] && d.range.start.line <= p.lines[1])
        .filter((d) => anyAction.test(lines[d.range.start.line] ?? ''));
      assert.deepEqual(onTemplates.map(text), [], p.name);
    }
  });

  test('the operator-patched Alert and Receiver CRDs: the API server takes the operator kinds only when patched; flux-oci never calls them an error', async (t) => {
    if (!cp) return t.skip(skipReason);
    const stock = crds.filter((c) => ['alerts.notification.toolkit.fluxcd.io', 'receivers.notification.toolkit.fluxcd.io'].includes(c.metadata.name));
    assert.equal(stock.length, 2);
    // Our own transformation of Flux's CRDs (not the operator's text): the three kinds added to the enum.
    const patched = stock.map((crd) => {
      const c = structuredClone(crd);
      const list = c.spec.names.kind === 'Alert' ? 'eventSources' : 'resources';
      for (const v of c.spec.versions) {
        const kind = v.schema.openAPIV3Schema.properties.spec.properties[list].items.properties.kind;
        kind.enum = [...kind.enum, 'FluxInstance', 'ResourceSet', 'ResourceSetInputProvider'];
      }
      return c;
    });
    const objects = [
      {
        file: 'alert.yaml',
        plural: 'alerts',
        obj: {
          apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
          kind: 'Alert',
          metadata: { name: 'operator', namespace: 'flux-system' },
          spec: { providerRef: { name: 'slack' }, eventSources: [{ kind: 'FluxInstance', name: 'flux' }] },
        },
      },
      {
        file: 'receiver.yaml',
        plural: 'receivers',
        obj: {
          apiVersion: 'notification.toolkit.fluxcd.io/v1',
          kind: 'Receiver',
          metadata: { name: 'prs', namespace: 'flux-system' },
          spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ kind: 'ResourceSetInputProvider', name: 'pull-requests' }] },
        },
      },
    ];
    // A workspace with nothing that shows Flux Operator: only these two objects.
    const ws = mkdir('operator-patched-crds');
    for (const o of objects) writeFileSync(path.join(ws, o.file), stringify(o.obj));
    const lines = (o: (typeof objects)[number]) => readFileSync(path.join(ws, o.file), 'utf8');
    /** The line of the operator kind, where the note belongs. */
    const kindLine = (o: (typeof objects)[number]) =>
      lines(o)
        .split('\n')
        .findIndex((l) => /kind: (FluxInstance|ResourceSetInputProvider)$/.test(l));

    /** The API server's verdict on each object once it serves the CRDs just installed (a change takes a moment to be served). */
    const apiServerAccepts = async (expected: boolean): Promise<boolean[]> => {
      const verdicts = async () => Promise.all(objects.map(async (o) => (await dryRunCreate(cp!, o.obj, o.plural, 'flux-system')).accepted));
      let got = await verdicts();
      for (let i = 0; got.some((v) => v !== expected) && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 200));
        got = await verdicts();
      }
      return got;
    };
    const stockNote = (d: Diagnostic[], o: (typeof objects)[number]) =>
      d.length === 1 && d[0]!.code === 'flux/needs-flux-operator' && d[0]!.severity === INFO && d[0]!.range.start.line === kindLine(o);

    // The stock CRDs (installed in before()): the API server refuses both.
    assert.deepEqual(await apiServerAccepts(false), [false, false]);
    const lsp = await LspClient.start({ workspaceFolders: [ws], settings: { schemas: { fromCluster: true } }, env: { KUBECONFIG: cp.kubeconfig } });
    try {
      const uris = objects.map((o) => fileUri(path.join(ws, o.file)));
      // Stock CRD from the cluster, no operator in the workspace: information, never an error. The API
      // server does refuse this today; the note is still right, because the object is meant for a
      // cluster where the operator runs, and the operator patches the CRD when it starts (intended).
      for (const [i, o] of objects.entries()) {
        lsp.open(uris[i]!, lines(o));
        // The hover on the kind says which schemas judged it: wait until they are the cluster's.
        const checkedAgainst = async () => JSON.stringify((await lsp.hover(uris[i]!, { line: 1, character: 8 }))?.contents ?? '');
        for (let n = 0; n < 150 && !/CRDs of kube context flux-oci-test/.test(await checkedAgainst()); n++) await new Promise((r) => setTimeout(r, 200));
        assert.match(await checkedAgainst(), /CRDs of kube context flux-oci-test/, 'checked against the cluster CRDs');
        const republished = lsp.diagnostics(uris[i]!, lsp.replaceAll(uris[i]!, lines(o)), 30_000);
        const diags = await republished;
        assert.ok(stockNote(diags, o), JSON.stringify(diags));
      }

      // The patched CRDs: the API server accepts both, and flux-oci (watching the cluster's CRDs) says nothing at all.
      const quiet = uris.map((uri) => lsp.nextDiagnostics(uri, (d) => d.length === 0, 30_000));
      await installCrds(cp, patched);
      assert.deepEqual(await apiServerAccepts(true), [true, true]);
      await Promise.all(quiet);

      // Back to the stock CRDs: refused again, and the note comes back (still no error).
      const notes = objects.map((o, i) => lsp.nextDiagnostics(uris[i]!, (d) => stockNote(d, o), 30_000));
      await installCrds(cp, stock);
      assert.deepEqual(await apiServerAccepts(false), [false, false]);
      await Promise.all(notes);
    } finally {
      await lsp.stop();
    }
  });
});
