/**
 * The layering rules of ARCHITECTURE.md §1, as a checker over module specifiers:
 *
 * - `core/` imports nothing from `plugins/` or `properties/`;
 * - `plugins/` reaches core only through the public API (`core/index.ts`, or the package name
 *   `kubeprop`), never a deep `core/...` file, and imports nothing from `properties/`; this holds
 *   for plugin specs too, because the default plugins are the proof that the public API suffices;
 * - `properties/` reaches core and plugins only through `core/index.ts` and `plugins/index.ts`
 *   (or `kubeprop` and `kubeprop/plugins`).
 *
 * Every kind of module reference counts, type-only ones included, since a type import is still a
 * dependency of the layer: static imports and re-exports, `import x = require(...)`, and dynamic
 * `import('...')` with a literal specifier. Files elsewhere (`test/`, `bench/`, `docs/`) are not
 * constrained.
 */
import { posix } from 'node:path';
import { ts } from 'ts-morph';
import { assertNever } from '../../core/errors.js';

/** The package's own name: `import ... from 'kubeprop'` is the public API. */
export const PACKAGE_NAME = 'kubeprop';

/** One forbidden module reference. */
export interface BoundaryViolation {
  /** Repository-relative path of the importing file. */
  readonly file: string;
  readonly line: number;
  /** The module specifier as written. */
  readonly specifier: string;
  /** Which rule it breaks, in words. */
  readonly reason: string;
}

/** The layers the rules talk about. */
type Layer = 'core' | 'plugins' | 'properties';

/** Where a specifier points, as far as the rules care. */
type Target =
  /** The public entry of a layer: `core/index.ts`, `plugins/index.ts`, `properties/index.ts`. */
  | { readonly kind: 'entry'; readonly layer: Layer }
  /** Any other file inside a layer. */
  | { readonly kind: 'deep'; readonly layer: Layer; readonly path: string }
  /** A subpath of the package that its `exports` map does not offer. */
  | { readonly kind: 'unexported'; readonly path: string }
  /** Outside the three layers (another package, `test/`, a Node built-in). */
  | { readonly kind: 'other' };

const LAYERS: readonly Layer[] = ['core', 'plugins', 'properties'];

/**
 * Checks one file's module references against the layering rules. `file` is the file's
 * repository-relative POSIX path (`plugins/scheduler/x/x.ts`); relative specifiers are resolved
 * against it without touching the file system.
 */
export function checkImportBoundaries(file: string, text: string): BoundaryViolation[] {
  const layer = layerOf(file);
  if (layer === undefined) return [];
  // Parsed with the compiler bundled in ts-morph, without a program or type checker: the module
  // specifiers are plain syntax, and this keeps the check to about a millisecond per file.
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const violations: BoundaryViolation[] = [];
  for (const { specifier, line } of moduleReferences(sourceFile)) {
    const reason = ruleFor(layer, resolveTarget(file, specifier));
    if (reason !== undefined) violations.push({ file, line, specifier, reason });
  }
  return violations;
}

/** Formats violations as `file:line: 'specifier' reason` lines. */
export function formatViolations(violations: readonly BoundaryViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: '${v.specifier}' ${v.reason}`).join('\n');
}

function layerOf(path: string): Layer | undefined {
  const top = path.split('/')[0];
  return LAYERS.find((l) => l === top);
}

function ruleFor(from: Layer, target: Target): string | undefined {
  if (target.kind === 'other') return undefined;
  if (target.kind === 'unexported') return `is not exported by the package (use '${PACKAGE_NAME}', '${PACKAGE_NAME}/plugins' or '${PACKAGE_NAME}/properties')`;
  switch (from) {
    case 'core':
      if (target.layer !== 'core') return `imports ${target.layer}/ from core/ (core knows nothing of plugins or properties)`;
      return undefined;
    case 'plugins':
      if (target.layer === 'properties') return 'imports properties/ from plugins/ (dependencies point from properties to plugins)';
      if (target.layer === 'core' && target.kind === 'deep') {
        return `reaches into ${target.path} (plugins use only the public API: '${PACKAGE_NAME}' or core/index.js)`;
      }
      return undefined;
    case 'properties':
      if (target.layer !== 'properties' && target.kind === 'deep') {
        return `reaches into ${target.path} (properties use only core/index.js and plugins/index.js)`;
      }
      return undefined;
    default:
      return assertNever(from, 'layer');
  }
}

/**
 * Resolves a specifier to what the rules need. Relative paths are normalized and stripped of
 * their extension and of a trailing `/index`, so `../core/index.js`, `../core/index.ts`,
 * `../core/index` and `../core` all name the core entry.
 */
function resolveTarget(file: string, specifier: string): Target {
  if (specifier === PACKAGE_NAME) return { kind: 'entry', layer: 'core' };
  if (specifier.startsWith(`${PACKAGE_NAME}/`)) {
    const sub = specifier.slice(PACKAGE_NAME.length + 1);
    if (sub === 'plugins') return { kind: 'entry', layer: 'plugins' };
    if (sub === 'properties') return { kind: 'entry', layer: 'properties' };
    if (sub === 'package.json') return { kind: 'other' };
    return { kind: 'unexported', path: sub };
  }
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..') return { kind: 'other' };
  const joined = posix.normalize(posix.join(posix.dirname(file), specifier));
  const path = joined.replace(/\.(?:[cm]?[jt]s|[jt]sx)$/, '').replace(/\/index$/, '').replace(/\/$/, '');
  const layer = layerOf(path);
  if (layer === undefined) return { kind: 'other' };
  return path === layer ? { kind: 'entry', layer } : { kind: 'deep', layer, path: joined };
}

/** Every module specifier the file references, with its 1-based line. */
function moduleReferences(sourceFile: ts.SourceFile): { readonly specifier: string; readonly line: number }[] {
  const refs: { specifier: string; line: number }[] = [];
  const add = (node: ts.Node, literal: ts.Node | undefined): void => {
    if (literal === undefined || !(ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal))) return;
    const line = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
    refs.push({ specifier: literal.text, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node)) {
      // `import('../plugins/x.js').Thing` in a type position is a dependency as well.
      if (ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return refs;
}
