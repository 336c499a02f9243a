import { shiftRange, type Range } from '../text/lineIndex';
import type { YamlFile } from '../yaml/yamlFile';
import { documentObjects, type ObjectReference } from './objectReferences';

/** An object declared somewhere in the workspace, in file coordinates. */
export interface IndexedObject {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  range: Range;
  nameRange: Range;
}

/** A reference made by an object of the workspace, in file coordinates. */
export interface IndexedReference extends ObjectReference {
  file: string;
  from: { kind: string; name?: string; namespace?: string };
}

interface FileEntry {
  objects: IndexedObject[];
  references: IndexedReference[];
}

/**
 * Index of Kubernetes objects (Flux objects, Secrets, anything with a kind and
 * a name) across the files of a workspace, and of the references Flux objects
 * make. Files are replaced whole; per-document extraction is memoised on the
 * parse, so re-indexing an edited file re-reads only the edited document.
 * `file` is an opaque key (the LSP uses URIs, the CLI paths).
 */
export class ObjectIndex {
  private readonly files = new Map<string, FileEntry>();
  private readonly byKindName = new Map<string, IndexedObject[]>();
  /** Bumped whenever the set of declared objects changes (not on reference-only edits). */
  private objectsVersion = 0;

  get version(): number {
    return this.objectsVersion;
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** Indexes (or re-indexes) one file. Returns true when the objects it declares changed. */
  setFile(file: string, yaml: YamlFile): boolean {
    const entry: FileEntry = { objects: [], references: [] };
    for (const d of yaml.documents) {
      const found = documentObjects(d.parsed);
      const line = d.slice.startLine;
      if (found.object) {
        const o = found.object;
        const obj: IndexedObject = { file, apiVersion: o.apiVersion, kind: o.kind, name: o.name, range: shiftRange(o.range, line), nameRange: shiftRange(o.nameRange, line) };
        if (o.namespace !== undefined) obj.namespace = o.namespace;
        entry.objects.push(obj);
      }
      for (const r of found.references) {
        const from: IndexedReference['from'] = { kind: d.parsed.identity.kind ?? '' };
        if (found.object) from.name = found.object.name;
        if (d.parsed.identity.namespace !== undefined) from.namespace = d.parsed.identity.namespace;
        entry.references.push({ ...r, file, from, nameRange: shiftRange(r.nameRange, line), range: shiftRange(r.range, line) });
      }
    }
    const before = this.files.get(file);
    const changed = !before || !sameObjects(before.objects, entry.objects);
    if (before && changed) this.unlink(before);
    this.files.set(file, entry);
    if (changed) {
      this.link(entry);
      this.objectsVersion++;
    } else if (before) {
      // Same identities, possibly moved: swap the entries in place so ranges stay exact.
      this.unlink(before);
      this.link(entry);
    }
    return changed;
  }

  removeFile(file: string): boolean {
    const before = this.files.get(file);
    if (!before) return false;
    this.unlink(before);
    this.files.delete(file);
    this.objectsVersion++;
    return before.objects.length > 0;
  }

  hasFile(file: string): boolean {
    return this.files.has(file);
  }

  /**
   * Objects of a kind and name. A missing namespace on either side matches any
   * namespace: kustomize overlays and `targetNamespace` often set it at build time.
   */
  find(kind: string, name: string, namespace?: string): IndexedObject[] {
    const all = this.byKindName.get(key(kind, name)) ?? [];
    return all.filter((o) => namespaceMatches(o.namespace, namespace));
  }

  /** Every object of a kind (for name completion), optionally limited to a namespace. */
  objectsOfKind(kind: string, namespace?: string): IndexedObject[] {
    const out: IndexedObject[] = [];
    for (const entry of this.files.values()) {
      for (const o of entry.objects) if (o.kind === kind && namespaceMatches(o.namespace, namespace)) out.push(o);
    }
    return out;
  }

  objectsInFile(file: string): IndexedObject[] {
    return this.files.get(file)?.objects ?? [];
  }

  referencesInFile(file: string): IndexedReference[] {
    return this.files.get(file)?.references ?? [];
  }

  /** Every reference of the workspace. */
  *allReferences(): Iterable<IndexedReference> {
    for (const entry of this.files.values()) yield* entry.references;
  }

  /** References anywhere in the workspace that point at the given object. */
  referencesTo(target: { kind: string; name: string; namespace?: string }): IndexedReference[] {
    const out: IndexedReference[] = [];
    for (const entry of this.files.values()) {
      for (const r of entry.references) {
        if (r.target.kind === target.kind && r.target.name === target.name && namespaceMatches(r.target.namespace, target.namespace)) out.push(r);
      }
    }
    return out;
  }

  private link(entry: FileEntry): void {
    for (const o of entry.objects) {
      const k = key(o.kind, o.name);
      const list = this.byKindName.get(k);
      if (list) list.push(o);
      else this.byKindName.set(k, [o]);
    }
  }

  private unlink(entry: FileEntry): void {
    for (const o of entry.objects) {
      const k = key(o.kind, o.name);
      const list = this.byKindName.get(k);
      if (!list) continue;
      const i = list.indexOf(o);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byKindName.delete(k);
    }
  }
}

function key(kind: string, name: string): string {
  return `${kind}\u0000${name}`;
}

export function namespaceMatches(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function sameObjects(a: IndexedObject[], b: IndexedObject[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== y.kind || x.name !== y.name || x.namespace !== y.namespace || x.apiVersion !== y.apiVersion) return false;
  }
  return true;
}
