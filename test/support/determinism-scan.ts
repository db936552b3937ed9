/**
 * A static check that code on the simulation path uses none of the APIs that would make a run
 * depend on the host (ARCHITECTURE.md §3, rule 4): wall-clock time, host randomness, and real
 * timers or microtasks.
 *
 * The scan is syntactic: it parses with the TypeScript compiler bundled in ts-morph and never
 * builds a program or a type checker, which keeps it to about a millisecond per file. It walks the
 * compiler's own syntax tree rather than ts-morph's wrappers, because wrapping every node made the
 * scan twenty times slower. Without types it resolves names by following, within one file, imports
 * from Node's built-in modules and simple aliases (`const r = Math.random`, `const M = Math`,
 * `const { now } = performance`, destructuring from `globalThis`).
 *
 * Known limits, accepted for a lint: aliases are resolved per file, not per scope (a local
 * declaration anywhere in the file hides the global of the same name everywhere in it), and values
 * passed through parameters, object properties or other modules are not followed. The run-time
 * guarantee comes from the kernel owning time and randomness; this scan catches the common
 * mistakes early and points at the line.
 */
import { ts } from 'ts-morph';

/** One use of a banned API. */
export interface DeterminismFinding {
  /** Repository-relative path, as given to the scanner. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The banned API in canonical form: `Math.random`, `new Date()`, `setTimeout`, ... */
  readonly api: string;
  /** The source text of the offending expression (shortened), for the report. */
  readonly text: string;
}

/**
 * The banned APIs, by canonical path (global names, with `globalThis.` removed). Matching is
 * exact, so `process.hrtime.bigint()` is reported once, as `process.hrtime`.
 * `crypto.getRandomValues` is not in ARCHITECTURE.md's list but is the same hazard as
 * `crypto.randomUUID` (host randomness), so it is banned with it. `new Date()` and `Date()` are
 * checked separately, because `new Date(ms)` is allowed.
 */
export const BANNED_APIS: ReadonlySet<string> = new Set([
  'Math.random',
  'Date.now',
  'performance.now',
  'process.hrtime',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'queueMicrotask',
  'crypto.randomUUID',
  'crypto.getRandomValues',
]);

/** Names that denote the global object itself, so `globalThis.Math.random` is `Math.random`. */
const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'window', 'self']);

/**
 * What importing a Node built-in module gives, as a canonical path prefix: `node:crypto` is the
 * global `crypto` (its `randomUUID` is the same hazard), `node:process` is `process`, and the
 * timers modules and `perf_hooks` hold the global timer functions and `performance` themselves
 * (`''` = the global scope).
 */
const MODULE_ROOTS: ReadonlyMap<string, string> = new Map([
  ['crypto', 'crypto'],
  ['process', 'process'],
  ['timers', ''],
  ['timers/promises', ''],
  ['perf_hooks', ''],
]);

/**
 * Scans one file's text and returns every use of a banned API, in source order. `file` is used for
 * reporting and to pick the parser (`.ts`, `.tsx`, `.js`, ...).
 */
export function scanDeterminism(file: string, text: string): DeterminismFinding[] {
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const bindings = collectBindings(sourceFile);
  const resolve = makeResolver(bindings);
  const findings: DeterminismFinding[] = [];
  const report = (node: ts.Node, api: string): void => {
    const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
    findings.push({ file, line: line + 1, column: character + 1, api, text: shorten(node.getText(sourceFile)) });
  };

  const visit = (node: ts.Node): void => {
    // Types have no run-time effect: `ReturnType<typeof setTimeout>` is fine.
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || (ts.isIdentifier(node) && isReference(node))) {
      const path = resolve(node);
      if (path !== undefined && BANNED_APIS.has(path)) report(node, path);
    } else if (ts.isNewExpression(node)) {
      // `new Date()` reads the host clock; `new Date(ms)` formats a given instant and is fine.
      if ((node.arguments === undefined || node.arguments.length === 0) && resolve(node.expression) === 'Date') report(node, 'new Date()');
    } else if (ts.isCallExpression(node)) {
      // `Date()` called as a function ignores its arguments and returns the current time as text.
      if (resolve(node.expression) === 'Date') report(node, 'Date()');
    } else if (ts.isBindingElement(node)) {
      // `const { now } = performance` or `const { random: rnd } = Math`: the destructuring is a use.
      if (bindings.elements.has(node)) {
        const path = resolve(node);
        if (path !== undefined && BANNED_APIS.has(path)) report(node, path);
      }
    } else if (ts.isImportSpecifier(node)) {
      // `import { randomUUID } from 'node:crypto'`: reported where imported, and again where used.
      const path = bindings.imported.get(node);
      if (path !== undefined && BANNED_APIS.has(path)) report(node, path);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return findings;
}

/** Formats findings as `file:line: api` lines, with the source text when it differs from the API. */
export function formatFindings(findings: readonly DeterminismFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.api}${f.text === f.api ? '' : ` (${f.text})`}`).join('\n');
}

/** What a local name stands for: a canonical path, an initializer expression, or a destructuring element. */
type AliasSource = string | ts.Node;

interface Bindings {
  /** Local names that alias something resolvable (`const r = Math.random`, `import { performance } ...`). */
  readonly aliases: Map<string, AliasSource>;
  /** Local names declared some other way: they hide a global of the same name. */
  readonly locals: Set<string>;
  /** Destructuring elements that read a key from a resolvable base (`const { now } = Date`). */
  readonly elements: Map<ts.Node, { readonly base: AliasSource; readonly key: string }>;
  /** The global path each import specifier from a Node built-in brings in. */
  readonly imported: Map<ts.Node, string>;
}

/**
 * First pass: every name the file declares, either as an alias of something resolvable (an
 * initializer expression, a destructured key, a path from a built-in module) or as a plain local.
 */
function collectBindings(sourceFile: ts.SourceFile): Bindings {
  const bindings: Bindings = { aliases: new Map(), locals: new Set(), elements: new Map(), imported: new Map() };
  const declare = (local: string, path: string | undefined): void => {
    if (path === undefined) bindings.locals.add(local);
    else bindings.aliases.set(local, path);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const specifier = ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : '';
      const root = MODULE_ROOTS.get(specifier.replace(/^node:/, ''));
      if (clause?.name !== undefined) declare(clause.name.text, root);
      const named = clause?.namedBindings;
      if (named !== undefined && ts.isNamespaceImport(named)) declare(named.name.text, root);
      if (named !== undefined && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          const path = root === undefined ? undefined : join(root, (element.propertyName ?? element.name).text);
          if (path !== undefined) bindings.imported.set(element, path);
          declare(element.name.text, path);
        }
      }
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      const init = node.initializer;
      collectPattern(node.name, init !== undefined && isAliasable(init) ? init : undefined, bindings);
    } else if (ts.isParameter(node)) {
      collectPattern(node.name, undefined, bindings);
    } else if (
      (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) &&
      node.name !== undefined
    ) {
      bindings.locals.add(node.name.text);
    } else if (ts.isCatchClause(node) && node.variableDeclaration !== undefined) {
      collectPattern(node.variableDeclaration.name, undefined, bindings);
      if (node.block !== undefined) ts.forEachChild(node.block, visit);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return bindings;
}

/** Only member chains and bare names can be aliases we follow; anything else is a plain local. */
function isAliasable(init: ts.Node): boolean {
  return ts.isIdentifier(init) || ts.isPropertyAccessExpression(init) || ts.isElementAccessExpression(init) || ts.isParenthesizedExpression(init);
}

/**
 * Records the names a binding declares. With a resolvable source (`= Math`), a name aliases it and
 * each element `{ random }` of a pattern reads `random` from it; nested patterns
 * (`{ crypto: { randomUUID } } = globalThis`) chain through their element. Without one
 * (parameters, call results, rest elements, array patterns), every name is a plain local.
 */
function collectPattern(name: ts.BindingName, source: AliasSource | undefined, bindings: Bindings): void {
  if (ts.isIdentifier(name)) {
    if (source === undefined) bindings.locals.add(name.text);
    else bindings.aliases.set(name.text, source);
    return;
  }
  if (ts.isObjectBindingPattern(name)) {
    for (const element of name.elements) {
      const key = propertyKey(element.propertyName ?? element.name);
      const readsKey = source !== undefined && element.dotDotDotToken === undefined && key !== undefined;
      if (readsKey) bindings.elements.set(element, { base: source, key });
      collectPattern(element.name, readsKey ? element : undefined, bindings);
    }
    return;
  }
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) collectPattern(element.name, undefined, bindings);
  }
}

/** The key a destructuring element reads, when it is static. */
function propertyKey(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

/**
 * Builds the resolver for one file: the canonical global path of an expression or binding
 * (`Math.random`, `Date`, `setTimeout`), or `undefined` when it is not a global member chain.
 */
function makeResolver(bindings: Bindings): (node: AliasSource) => string | undefined {
  // Guards against alias cycles such as `const a = b, b = a`, which would otherwise recurse forever.
  const resolving = new Set<AliasSource>();

  const resolveName = (name: string): string | undefined => {
    const alias = bindings.aliases.get(name);
    if (alias !== undefined) {
      if (resolving.has(alias)) return undefined;
      resolving.add(alias);
      try {
        return resolveAny(alias);
      } finally {
        resolving.delete(alias);
      }
    }
    if (bindings.locals.has(name)) return undefined;
    return GLOBAL_OBJECTS.has(name) ? '' : name;
  };

  const resolveAny = (node: AliasSource): string | undefined => {
    if (typeof node === 'string') return node;
    if (ts.isBindingElement(node)) {
      const element = bindings.elements.get(node);
      if (element === undefined) return undefined;
      const base = resolveAny(element.base);
      return base === undefined ? undefined : join(base, element.key);
    }
    if (ts.isIdentifier(node)) return resolveName(node.text);
    if (ts.isPropertyAccessExpression(node)) {
      if (!ts.isIdentifier(node.name)) return undefined; // `#private` members are never globals.
      const base = resolveAny(node.expression);
      return base === undefined ? undefined : join(base, node.name.text);
    }
    if (ts.isElementAccessExpression(node)) {
      const arg = node.argumentExpression;
      if (!(ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) return undefined;
      const base = resolveAny(node.expression);
      return base === undefined ? undefined : join(base, arg.text);
    }
    if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
      return resolveAny(node.expression);
    }
    return undefined;
  };
  return resolveAny;
}

/**
 * Whether an identifier is a value reference, as opposed to a declaration name, a member name
 * after a dot, a property key, a label, or part of a qualified name. Member names are handled by
 * the enclosing property access, which resolves the whole chain.
 */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return parent.name === id;
  if (ts.isQualifiedName(parent) || ts.isMetaProperty(parent)) return false;
  const fields = parent as unknown as { readonly name?: ts.Node; readonly propertyName?: ts.Node; readonly label?: ts.Node };
  return fields.name !== id && fields.propertyName !== id && fields.label !== id;
}

function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
