/**
 * Reading a scheduler configuration file: YAML 1.1 (as kube-scheduler's decoder, `sigs.k8s.io/yaml`
 * over go-yaml v2, reads it: `yes`/`no`/`on`/`off` are booleans, `010` is octal, `<<` merge keys),
 * duplicate keys rejected, and a locator that maps a field path back to `file:line:col`.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Tags } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseFieldPath, type IssueAnchor } from './config-errors.js';
import type { FieldLocator } from './config-types.js';

/** One YAML document of a file: its plain value and a locator for its field paths. */
export interface YamlConfigDocument {
  /** The document converted to plain JavaScript (maps become objects). */
  readonly value: unknown;
  /** Maps a field path to `file:line:col` (the nearest existing ancestor when the field is absent). */
  readonly locate: FieldLocator;
  /** `file:line:col` of the document's start. */
  readonly location: string;
}

/**
 * Parses every non-empty document of `text`. YAML syntax errors (including duplicate keys) throw a
 * `ConfigError` at their position.
 */
export function parseYamlDocuments(text: string, fileName: string): YamlConfigDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    customTags: withoutTimeTags,
  });
  const docs = Array.isArray(parsed) ? parsed : [];
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${fileName}:${line}:${col}`;
  };
  const out: YamlConfigDocument[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw new ConfigError(`invalid YAML: ${err.message.split('\n')[0] ?? err.message}`, at(err.pos[0]));
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      throw new ConfigError(`invalid YAML: ${e instanceof Error ? e.message : String(e)}`, at(doc.contents.range?.[0] ?? 0));
    }
    const start = doc.contents.range?.[0] ?? 0;
    out.push({ value, locate: makeLocator(doc, at, fileName), location: at(start) });
  }
  return out;
}

/**
 * go-yaml v2 does not resolve YAML 1.1's sexagesimal numbers (`1:20`) or timestamps into anything
 * but strings by the time kube-scheduler sees JSON, so both stay strings here too.
 */
function withoutTimeTags(tags: Tags): Tags {
  return tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp';
  });
}

function makeLocator(doc: Document, at: (offset: number) => string, fileName: string): FieldLocator {
  return (field: string, anchor: IssueAnchor = 'value'): string | undefined => {
    const segments = parseFieldPath(field);
    let node: unknown = doc.contents;
    let best: number | undefined = offsetOf(node);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const last = i === segments.length - 1;
      if (isAlias(node)) node = node.resolve(doc);
      if (typeof seg === 'number' && isSeq(node)) {
        const next: unknown = node.items[seg];
        if (next === undefined || next === null) break;
        node = next;
        best = offsetOf(node) ?? best;
      } else if (typeof seg === 'string' && isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === seg);
        if (!pair) break;
        const keyOffset = offsetOf(pair.key);
        if (last && anchor === 'key') {
          best = keyOffset ?? best;
          break;
        }
        // An absent value (`args:`) has no position of its own: use the key's.
        const valueOffset = offsetOf(pair.value);
        best = valueOffset ?? keyOffset ?? best;
        if (pair.value === null || pair.value === undefined) break;
        node = pair.value;
      } else {
        break;
      }
    }
    return best !== undefined ? at(best) : fileName;
  };
}

function offsetOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (Array.isArray(range) && typeof range[0] === 'number') return range[0];
  }
  return undefined;
}
