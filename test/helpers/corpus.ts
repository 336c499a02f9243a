// The real-world corpus: ../shared/corpus/real-world beside the repository, present only in
// the flux-oci workplace (and its CI); tests that read it say so and skip without it.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const realWorldCorpus = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'real-world');

/** Every .yaml/.yml file below `dir`, in a stable order. */
export function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFilesUnder(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}
