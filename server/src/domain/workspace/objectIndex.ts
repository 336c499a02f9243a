import { shiftRange, type Range } from '../text/lineIndex';
import type { YamlFile } from '../yaml/yamlFile';
import type { ParsedDocument } from '../yaml/parsedDocument';
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
  from: { kind: string; apiVersion?: string; name?: string; namespace?: string };
}

interface DocumentEntry {
  parsed: ParsedDocument;
  startLine: number;
  object?: IndexedObject;
  /** Objects declared inside the document's object (see `DocumentObjects.nested`). */
  nested: IndexedObject[];
  references: IndexedReference[];
}

interface FileEntry {
  objects: IndexedObject[];
  references: IndexedReference[];
  documents: DocumentEntry[];
  /** Which document declares each object, built on first use (`documentOf` is asked per object). */
  byObject?: Map<IndexedObject, ParsedDocument>;
  /** Bumped whenever this file's objects or references change. */
  version: number;
}

/**
 * Index of Kubernetes objects (Flux objects, Secrets, anything with a kind and
 * a name) across the files of a workspace, and of the references Flux objects
 * make. Files are replaced whole, but a document whose parse and position are
 * unchanged keeps its entries, so re-indexing an edited 2,000-document file
 * allocates for the edited document only.
 * `file` is an opaque key (the LSP uses URIs, the CLI paths).
 */
export class ObjectIndex {
  private readonly files = new Map<string, FileEntry>();
  private readonly byKindName = new Map<string, IndexedObject[]>();
  /** Bumped whenever the set of declared objects changes (not on reference-only edits). */
  private objectsVersion = 0;
  /** Bumped whenever any file's references change. */
  private refsVersion = 0;
  private fileVersions = 0;

  get version(): number {
    return this.objectsVersion;
  }

  get referencesVersion(): number {
    return this.refsVersion;
  }

  /** Changes whenever the file's objects or references change (0 when not indexed). */
  fileVersion(file: string): number {
    return this.files.get(file)?.version ?? 0;
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** Indexes (or re-indexes) one file. Returns true when the objects it declares changed. */
  setFile(file: string, yaml: YamlFile): boolean {
    const before = this.files.get(file);
    const previous = before?.documents ?? [];
    // Typing keeps every other document in place: match by position first and only
    // hash the previous parses when documents were added, removed or moved.
    let byParse: Map<ParsedDocument, DocumentEntry> | undefined;
    const reused = new Set<DocumentEntry>();
    const documents: DocumentEntry[] = new Array<DocumentEntry>(yaml.documents.length);
    for (let i = 0; i < yaml.documents.length; i++) {
      const d = yaml.documents[i]!;
      let old: DocumentEntry | undefined = previous[i];
      if (!old || old.parsed !== d.parsed) {
        if (!byParse) {
          byParse = new Map();
          for (const e of previous) byParse.set(e.parsed, e);
        }
        old = byParse.get(d.parsed);
      }
      if (old && old.startLine === d.slice.startLine && !reused.has(old)) {
        reused.add(old);
        documents[i] = old;
        continue;
      }
      documents[i] = this.documentEntry(file, d.parsed, d.slice.startLine);
    }
    if (before && reused.size === previous.length && documents.length === previous.length) return false;
    const entry: FileEntry = { objects: [], references: [], documents, version: ++this.fileVersions };
    for (const d of documents) {
      if (d.object) entry.objects.push(d.object);
      entry.objects.push(...d.nested);
      for (const r of d.references) entry.references.push(r);
    }
    const changed = !before || !sameObjects(before.objects, entry.objects);
    // Only the documents that changed leave and join the name lookup: an edit of one
    // document of a 2,000-document file must not relink 2,000 objects.
    for (const old of previous) {
      if (reused.has(old)) continue;
      if (old.object) this.unlinkObject(old.object);
      for (const o of old.nested) this.unlinkObject(o);
    }
    this.files.set(file, entry);
    for (const d of documents) {
      if (reused.has(d)) continue;
      if (d.object) this.linkObject(d.object);
      for (const o of d.nested) this.linkObject(o);
    }
    this.refsVersion++;
    if (changed) this.objectsVersion++;
    return changed;
  }

  private documentEntry(file: string, parsed: ParsedDocument, line: number): DocumentEntry {
    const found = documentObjects(parsed);
    const entry: DocumentEntry = { parsed, startLine: line, nested: [], references: [] };
    const indexed = (o: (typeof found.nested)[number]): IndexedObject => ({
      file,
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.name,
      range: shiftRange(o.range, line),
      nameRange: shiftRange(o.nameRange, line),
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    });
    if (found.object) entry.object = indexed(found.object);
    for (const o of found.nested) entry.nested.push(indexed(o));
    for (const r of found.references) {
      let from: IndexedReference['from'];
      if (r.owner) from = r.owner;
      else {
        from = { kind: parsed.identity.kind ?? '' };
        if (parsed.identity.apiVersion !== undefined) from.apiVersion = parsed.identity.apiVersion;
        if (found.object) from.name = found.object.name;
        if (parsed.identity.namespace !== undefined) from.namespace = parsed.identity.namespace;
      }
      const shifted: IndexedReference = { ...r, file, from, nameRange: shiftRange(r.nameRange, line), range: shiftRange(r.range, line) };
      if (r.kindRange) shifted.kindRange = shiftRange(r.kindRange, line);
      entry.references.push(shifted);
    }
    return entry;
  }

  removeFile(file: string): boolean {
    const before = this.files.get(file);
    if (!before) return false;
    this.unlink(before);
    this.files.delete(file);
    this.objectsVersion++;
    this.refsVersion++;
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

  /** The parsed document that declares an indexed object (e.g. to read a Secret's data). */
  documentOf(obj: IndexedObject): ParsedDocument | undefined {
    const entry = this.files.get(obj.file);
    if (!entry) return undefined;
    // A map rather than a scan: callers ask for every object of a kind, which made a scan quadratic on a 2,000-document file.
    if (!entry.byObject) {
      entry.byObject = new Map();
      for (const d of entry.documents) {
        if (d.object && !entry.byObject.has(d.object)) entry.byObject.set(d.object, d.parsed);
        for (const o of d.nested) if (!entry.byObject.has(o)) entry.byObject.set(o, d.parsed);
      }
    }
    return entry.byObject.get(obj);
  }

  /** The parses the index holds for a file (to reuse when the file is opened or re-read with the same documents). */
  parsesOf(file: string): ParsedDocument[] {
    return this.files.get(file)?.documents.map((d) => d.parsed) ?? [];
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

  private unlink(entry: FileEntry): void {
    for (const o of entry.objects) this.unlinkObject(o);
  }

  private linkObject(o: IndexedObject): void {
    const k = key(o.kind, o.name);
    const list = this.byKindName.get(k);
    if (list) list.push(o);
    else this.byKindName.set(k, [o]);
  }

  private unlinkObject(o: IndexedObject): void {
    const k = key(o.kind, o.name);
    const list = this.byKindName.get(k);
    if (!list) return;
    const i = list.indexOf(o);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byKindName.delete(k);
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
