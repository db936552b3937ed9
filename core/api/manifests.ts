/**
 * Manifest loading: YAML and JSON files (multi-document streams, `kind: List`) into Kubernetes
 * objects that remember where they came from.
 *
 * Parsing follows kubectl: YAML 1.1 (sigs.k8s.io/yaml, so `on` is `true` and `0644` is `420`),
 * duplicate keys are errors, timestamps and `1:20`-style sexagesimal numbers stay strings (as
 * go-yaml v2 leaves them), empty documents are skipped and `List` objects are flattened into their
 * items. JSON is parsed by the same parser, so JSON files get positions too.
 *
 * Errors are values. A bad document never stops the others: loading returns every good object and
 * every error, and a document with an error contributes no object at all (nothing half-read).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Tags,
} from 'yaml';
import type { KubeObject } from './types.js';
import {
  formatFieldPath,
  requiredError,
  unknownFieldMessage,
  type FieldError,
  type PathSegment,
  type UnknownField,
} from './validation-errors.js';

/** Where an object came from. Lines and columns are 1-based. */
export interface ManifestSource {
  readonly file: string;
  /** Position of the object's first key. */
  readonly line: number;
  readonly col: number;
  /** 0-based index of the YAML document in the file (empty documents count). */
  readonly documentIndex: number;
  /** For an item of a `List`: its 0-based index in `items`. */
  readonly itemIndex?: number;
}

/** A loading or validation problem, located in a file. */
export interface ManifestError {
  readonly file: string;
  /** 1-based line and column; 0 when the problem is not inside the file (unreadable file). */
  readonly line: number;
  readonly col: number;
  /** JSON path of the field, e.g. `spec.template.spec.containers[0].ports[0].containerPort`; `''` for the document. */
  readonly path: string;
  /** What is wrong, in upstream's words (`Invalid value: "x": ...`, `Required value`). */
  readonly message: string;
  /** What would have been accepted, when known (`integer`, `one of "A", "B"`). */
  readonly expected?: string;
  readonly documentIndex?: number;
  readonly itemIndex?: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A loaded object and its source. */
export interface LoadedManifest {
  readonly object: KubeObject;
  readonly source: ManifestSource;
  /**
   * Position of a field of this object in the source (1-based). `key` asks for the position of the
   * field's key rather than its value. A path that does not exist resolves to the deepest existing
   * ancestor.
   */
  locate(path: readonly PathSegment[], opts?: { readonly key?: boolean }): { line: number; col: number };
}

/** Everything a load produced. */
export interface ManifestLoadResult {
  /** Good objects, in file order, then document order, then `List` item order. */
  readonly manifests: LoadedManifest[];
  /** Every problem found, in the same order. */
  readonly errors: ManifestError[];
  /** The files read (or attempted), after directory expansion. */
  readonly files: string[];
}

/** What {@link loadManifests} accepts: files and directories, or a text, or both. */
export interface LoadManifestsInput {
  /** Files or directories (directories are searched recursively for *.yaml, *.yml, *.json). */
  readonly files?: readonly string[];
  /** Manifest text (YAML or JSON), e.g. read from stdin. */
  readonly text?: string;
  /** Name used for `text` in sources and errors; `<text>` when absent. */
  readonly fileName?: string;
}

const MANIFEST_EXTENSIONS = /\.(?:ya?ml|json)$/i;

/**
 * go-yaml v2 (behind sigs.k8s.io/yaml) resolves neither YAML 1.1 timestamps nor sexagesimal
 * numbers when decoding into untyped values: `creationTimestamp: 2024-01-01T00:00:00Z` stays a string.
 */
function kubectlTags(tags: Tags): Tags {
  return tags.filter((t) => {
    if (typeof t !== 'object') return true;
    if (t.tag === 'tag:yaml.org,2002:timestamp') return false;
    return !('format' in t && t.format === 'TIME');
  });
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resolveNode(node: unknown, doc: Document): unknown {
  let n = node;
  for (let i = 0; i < 16 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? 'null' : String(key.value);
  return undefined;
}

function startOf(node: unknown): number | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r?.[0];
}

/** Finds the offset of a field in a parsed document. */
function locateOffset(doc: Document, path: readonly PathSegment[], wantKey: boolean): number {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let best = startOf(node) ?? 0;
  let complete = true;
  for (const seg of path) {
    node = resolveNode(node, doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyString(p.key) === String(seg));
      if (pair === undefined) {
        complete = false;
        break;
      }
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) {
        complete = false;
        break;
      }
      keyNode = undefined;
      node = item;
    } else {
      complete = false;
      break;
    }
    best = startOf(node) ?? startOf(keyNode) ?? best;
  }
  if (complete) {
    const keyStart = startOf(keyNode);
    const valueStart = startOf(node);
    if (wantKey && keyStart !== undefined) return keyStart;
    // A collection value starts on the line after its key; the key is the better pointer.
    if (keyStart !== undefined && (valueStart === undefined || isMap(node) || isSeq(node))) return keyStart;
    return valueStart ?? keyStart ?? best;
  }
  // The field is missing (a required field): point at the object that should hold it.
  const resolved = resolveNode(node, doc);
  if (isMap(resolved) || isSeq(resolved)) {
    const first = resolved.items[0];
    const firstStart = isMap(resolved) ? startOf((first as { key?: unknown } | undefined)?.key) : startOf(first);
    if (firstStart !== undefined) return firstStart;
  }
  return startOf(keyNode) ?? best;
}

function yamlErrorMessage(err: { message: string; code?: string }): string {
  // prettyErrors appends " at line L, column C:" and a source excerpt; the position is reported apart.
  const first = err.message.split('\n')[0] ?? err.message;
  return first.replace(/ at line \d+, column \d+:?$/, '').trim();
}

function describeNonObject(value: unknown): string {
  if (Array.isArray(value)) return 'a sequence';
  if (value === null) return 'null';
  return `a ${typeof value} scalar`;
}

function objectIdentity(v: Record<string, unknown>): Pick<ManifestError, 'apiVersion' | 'kind' | 'namespace' | 'name'> {
  const out: { apiVersion?: string; kind?: string; namespace?: string; name?: string } = {};
  if (typeof v['apiVersion'] === 'string') out.apiVersion = v['apiVersion'];
  if (typeof v['kind'] === 'string') out.kind = v['kind'];
  const meta = v['metadata'];
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = meta as Record<string, unknown>;
    if (typeof m['namespace'] === 'string') out.namespace = m['namespace'];
    if (typeof m['name'] === 'string') out.name = m['name'];
  }
  return out;
}

function isList(v: Record<string, unknown>): boolean {
  const kind = v['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(v['items']);
}

/**
 * Parses manifest text (YAML, possibly multi-document, or JSON). `fileName` names the source in
 * results. Synchronous; never throws for bad input.
 */
export function parseManifests(text: string, fileName: string): ManifestLoadResult {
  const manifests: LoadedManifest[] = [];
  const errors: ManifestError[] = [];
  const lineCounter = new LineCounter();
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const docs = parseAllDocuments(src, {
    lineCounter,
    prettyErrors: true,
    uniqueKeys: true,
    version: '1.1',
    customTags: kubectlTags,
  });
  const list: Document.Parsed[] = [...docs];
  if ('empty' in docs && docs.empty) {
    // An empty stream can still carry errors (e.g. a stray flow indicator outside any document).
    for (const e of docs.errors) {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      errors.push({ file: fileName, line: pos.line, col: pos.col, path: '', message: yamlErrorMessage(e) });
    }
  }
  list.forEach((doc, documentIndex) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        errors.push({ file: fileName, line: pos.line, col: pos.col, path: '', message: yamlErrorMessage(e), documentIndex });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      const pos = lineCounter.linePos(startOf(doc.contents) ?? 0);
      errors.push({ file: fileName, line: pos.line, col: pos.col, path: '', message: (err as Error).message, documentIndex });
      return;
    }
    if (value === null || value === undefined) return; // empty document
    const docPos = lineCounter.linePos(startOf(doc.contents) ?? 0);
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({
        file: fileName,
        line: docPos.line,
        col: docPos.col,
        path: '',
        message: `expected a Kubernetes object (a mapping), got ${describeNonObject(value)}`,
        expected: 'a mapping with apiVersion, kind and metadata',
        documentIndex,
      });
      return;
    }
    const obj = value as Record<string, unknown>;
    const makeLocate = (base: readonly PathSegment[]) => (path: readonly PathSegment[], opts?: { readonly key?: boolean }) =>
      lineCounter.linePos(locateOffset(doc, [...base, ...path], opts?.key === true));
    const accept = (o: unknown, base: readonly PathSegment[], itemIndex: number | undefined): void => {
      const locate = makeLocate(base);
      const at = locate([]);
      const where = itemIndex === undefined ? { documentIndex } : { documentIndex, itemIndex };
      if (o === null || typeof o !== 'object' || Array.isArray(o)) {
        errors.push({
          file: fileName,
          ...at,
          path: formatFieldPath(base),
          message: `expected a Kubernetes object (a mapping), got ${describeNonObject(o)}`,
          expected: 'a mapping with apiVersion, kind and metadata',
          ...where,
        });
        return;
      }
      const rec = o as Record<string, unknown>;
      const missing: FieldError[] = [];
      if (typeof rec['apiVersion'] !== 'string' || rec['apiVersion'] === '') missing.push(requiredError(['apiVersion'], 'apiVersion not set'));
      if (typeof rec['kind'] !== 'string' || rec['kind'] === '') missing.push(requiredError(['kind'], 'kind not set'));
      if (missing.length > 0) {
        for (const m of missing) {
          errors.push({ file: fileName, ...at, path: m.field, message: m.message, expected: 'a non-empty string', ...where, ...objectIdentity(rec) });
        }
        return;
      }
      const source: ManifestSource = itemIndex === undefined
        ? { file: fileName, line: at.line, col: at.col, documentIndex }
        : { file: fileName, line: at.line, col: at.col, documentIndex, itemIndex };
      manifests.push({ object: rec as KubeObject, source, locate });
    };
    if (isList(obj)) {
      (obj['items'] as unknown[]).forEach((item, i) => accept(item, ['items', i], i));
    } else {
      accept(obj, [], undefined);
    }
  });
  return { manifests, errors, files: [fileName] };
}

/**
 * Expands files and directories into the manifest files to read: a directory contributes its
 * *.yaml, *.yml and *.json files, recursively, in code-point order of their names; a file is taken
 * as given whatever its extension. Missing paths are reported as errors.
 */
export function expandManifestPaths(paths: readonly string[]): { files: string[]; errors: ManifestError[] } {
  const files: string[] = [];
  const errors: ManifestError[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort(compareCodePoints);
    } catch (err) {
      errors.push({ file: dir, line: 0, col: 0, path: '', message: `cannot read directory: ${ioMessage(err)}` });
      return;
    }
    for (const name of entries) {
      const p = join(dir, name);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(p);
      else if (MANIFEST_EXTENSIONS.test(name)) files.push(p);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      files.push(p);
      errors.push({ file: p, line: 0, col: 0, path: '', message: `cannot read file: ${ioMessage(err)}` });
      continue;
    }
    if (isDir) walk(p);
    else files.push(p);
  }
  return { files, errors };
}

function ioMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Loads manifest files and directories (see {@link expandManifestPaths}). Unreadable files are
 * reported as errors; the other files are still loaded.
 */
export function loadManifestFiles(paths: readonly string[]): ManifestLoadResult {
  const expanded = expandManifestPaths(paths);
  const failed = new Set(expanded.errors.map((e) => e.file));
  const manifests: LoadedManifest[] = [];
  const errors: ManifestError[] = [];
  for (const file of expanded.files) {
    if (failed.has(file)) {
      errors.push(...expanded.errors.filter((e) => e.file === file));
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ file, line: 0, col: 0, path: '', message: `cannot read file: ${ioMessage(err)}` });
      continue;
    }
    const r = parseManifests(text, file);
    manifests.push(...r.manifests);
    errors.push(...r.errors);
  }
  // Directory errors are not tied to a file of the list.
  errors.push(...expanded.errors.filter((e) => !expanded.files.includes(e.file)));
  return { manifests, errors, files: expanded.files };
}

/**
 * Loads manifests from files and directories and/or from a text: the public entry point.
 *
 * @example
 * ```ts
 * const { manifests, errors } = loadManifests({ files: ['deploy/'] });
 * const fromText = loadManifests({ text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
 * ```
 */
export function loadManifests(input: LoadManifestsInput): ManifestLoadResult {
  const parts: ManifestLoadResult[] = [];
  if (input.files !== undefined && input.files.length > 0) parts.push(loadManifestFiles(input.files));
  if (input.text !== undefined) parts.push(parseManifests(input.text, input.fileName ?? '<text>'));
  return {
    manifests: parts.flatMap((p) => p.manifests),
    errors: parts.flatMap((p) => p.errors),
    files: parts.flatMap((p) => p.files),
  };
}

/** Something to report about a field of a manifest: a {@link FieldError} or an unknown field. */
export interface LocatableProblem {
  readonly path: readonly PathSegment[];
  readonly field: string;
  readonly message: string;
  readonly expected?: string;
  /** Point at the field's key rather than its value (unknown fields). */
  readonly atKey?: boolean;
}

/** Unknown fields as problems located at their keys. */
export function unknownFieldProblems(unknown: readonly UnknownField[]): LocatableProblem[] {
  return unknown.map((u) => ({ path: u.path, field: u.field, message: unknownFieldMessage(u), atKey: true }));
}

/** Locates problems (field errors, unknown fields) of a loaded manifest in its source file. */
export function manifestErrorsFor(manifest: LoadedManifest, problems: readonly LocatableProblem[]): ManifestError[] {
  const identity = objectIdentity(manifest.object as unknown as Record<string, unknown>);
  return problems.map((e) => {
    const pos = manifest.locate(e.path, { key: e.atKey === true });
    const base: ManifestError = {
      file: manifest.source.file,
      line: pos.line,
      col: pos.col,
      path: e.field,
      message: e.message,
      documentIndex: manifest.source.documentIndex,
      ...(manifest.source.itemIndex === undefined ? {} : { itemIndex: manifest.source.itemIndex }),
      ...identity,
    };
    return e.expected === undefined ? base : { ...base, expected: e.expected };
  });
}
