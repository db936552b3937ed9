/**
 * CEL validation rules of CustomResourceDefinitions (`x-kubernetes-validations`).
 *
 * Mirrors apiextensions-apiserver `pkg/apiserver/schema/cel/validation.go`: each rule is an
 * expression over `self` (the value at the schema node) and, for transition rules, `oldSelf` (the
 * stored value at the same place); a rule that evaluates to false yields a field error carrying the
 * rule's `message`, `messageExpression` or `failed rule: <rule>`; a rule that fails at run time yields
 * `<error> evaluating rule: <rule>`. Transition rules are skipped when there is no old value
 * (creates), unless they set `optionalOldSelf`.
 *
 * Not modelled: the cost budget, CRD validation ratcheting, and the Kubernetes CEL libraries beyond
 * what the CEL engine ships (quantity, url, ip/cidr, format, authorizer).
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from './types.js';
import {
  fieldErrorOfType,
  forbiddenError,
  invalidError,
  OMIT_VALUE,
  requiredError,
  duplicateError,
  type FieldError,
  type PathSegment,
} from './validation-errors.js';

/**
 * One CEL environment serves every rule: it holds no per-rule state. Integers reach it as `BigInt`
 * (CEL `int`), so arithmetic such as `self.replicas * 2` type-checks as it does upstream.
 */
const env = new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });

type Program = ((context?: Record<string, unknown>) => unknown) & { check(): { valid: boolean; error?: Error | undefined } };

/** A rule of `x-kubernetes-validations`, as written in the CRD. */
export interface ValidationRuleSpec {
  readonly rule: string;
  readonly message?: string | undefined;
  readonly messageExpression?: string | undefined;
  readonly reason?: string | undefined;
  readonly fieldPath?: string | undefined;
  readonly optionalOldSelf?: boolean | undefined;
}

/** A compiled rule, ready to evaluate. */
export interface CompiledRule {
  readonly spec: ValidationRuleSpec;
  readonly program: Program;
  readonly messageProgram: Program | undefined;
  /** Whether the rule reads `oldSelf` (a transition rule). */
  readonly usesOldSelf: boolean;
  /** `fieldPath` as path segments, relative to the node. */
  readonly fieldPath: readonly PathSegment[];
}

/** Outcome of compiling a rule: the rule, or the compile problems in upstream's wording. */
export type RuleCompileResult =
  | { readonly ok: true; readonly rule: CompiledRule }
  | { readonly ok: false; readonly field: 'rule' | 'messageExpression' | 'fieldPath'; readonly error: string };

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

/** Scans past a CEL string literal starting at `i`; returns the index after it. */
function skipString(src: string, i: number): number {
  let j = i;
  let raw = false;
  if (src[j] === 'r' || src[j] === 'R') {
    raw = true;
    j++;
  } else if ((src[j] === 'b' || src[j] === 'B') && (src[j + 1] === 'r' || src[j + 1] === 'R')) {
    raw = true;
    j += 2;
  } else if (src[j] === 'b' || src[j] === 'B') {
    j++;
  }
  const q = src[j];
  if (q !== '"' && q !== "'") return i + 1;
  const triple = src.slice(j, j + 3) === q.repeat(3);
  const close = triple ? q.repeat(3) : q;
  j += close.length;
  while (j < src.length) {
    if (!raw && src[j] === '\\') {
      j += 2;
      continue;
    }
    if (src.startsWith(close, j)) return j + close.length;
    j++;
  }
  return j;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Index of the `)` closing the `(` at `open`, skipping strings and nested brackets; -1 if none. */
function matchingParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; ) {
    const c = src[i];
    if (c === '"' || c === "'" || ((c === 'r' || c === 'R' || c === 'b' || c === 'B') && !isIdentChar(src[i - 1]) && /["']/.test(src[i + 1] ?? '') )) {
      i = skipString(src, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ')' ? i : -1;
    }
    i++;
  }
  return -1;
}

/** Index of the last `.` at bracket depth 0 outside strings in `src`, or -1. */
function lastTopLevelDot(src: string): number {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '"' || c === "'") {
      i = skipString(src, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '.' && depth === 0 && !/[0-9]/.test(src[i + 1] ?? '')) last = i;
    i++;
  }
  return last;
}

const SIMPLE_SELECT = /^\s*[A-Za-z_][A-Za-z0-9_]*(\s*\.\??\s*[A-Za-z_][A-Za-z0-9_]*)+\s*$/;

/**
 * The CEL engine's `has()` macro only accepts a select chain rooted at a variable
 * (`has(self.a.b)`), while CEL allows any operand (`has(self.matches[0].path)`, used by the Gateway
 * API CRDs). Such calls are rewritten to the equivalent optional-field test
 * `(operand).?field.hasValue()`, which the engine supports.
 */
export function rewriteHasMacros(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '"' || c === "'") {
      const end = skipString(src, i);
      out += src.slice(i, end);
      i = end;
      continue;
    }
    if (src.startsWith('has', i) && !isIdentChar(src[i - 1]) && src[i - 1] !== '.') {
      let j = i + 3;
      while (src[j] === ' ' || src[j] === '\t' || src[j] === '\n') j++;
      if (src[j] === '(') {
        const close = matchingParen(src, j);
        if (close > 0) {
          const arg = src.slice(j + 1, close);
          const dot = lastTopLevelDot(arg);
          const field = dot >= 0 ? arg.slice(dot + 1).trim() : '';
          if (!SIMPLE_SELECT.test(arg) && dot > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
            const operand = rewriteHasMacros(arg.slice(0, dot).replace(/\?\s*$/, ''));
            out += `(${operand}).?${field}.hasValue()`;
            i = close + 1;
            continue;
          }
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}

function compileExpression(expr: string): { ok: true; program: Program } | { ok: false; error: string } {
  try {
    const program = env.parse(rewriteHasMacros(expr)) as unknown as Program;
    const checked = program.check();
    if (!checked.valid) return { ok: false, error: firstLine(checked.error?.message ?? 'type check failed') };
    return { ok: true, program };
  } catch (err) {
    return { ok: false, error: firstLine(err instanceof Error ? err.message : String(err)) };
  }
}

/**
 * Parses a rule's `fieldPath` (`.spec.foo`, `.map['key.with.dots']`, `.list[0]`) into segments.
 * Returns `undefined` when it is not a valid path.
 */
export function parseRuleFieldPath(fieldPath: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let i = 0;
  while (i < fieldPath.length) {
    if (fieldPath[i] === '.') {
      const m = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(fieldPath.slice(i));
      if (m === null || m[1] === undefined) return undefined;
      out.push(m[1]);
      i += m[0].length;
    } else if (fieldPath[i] === '[') {
      const rest = fieldPath.slice(i);
      const quoted = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest);
      const index = /^\[([0-9]+)\]/.exec(rest);
      if (quoted !== null && quoted[1] !== undefined) {
        out.push(quoted[1].replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else if (index !== null && index[1] !== undefined) {
        out.push(Number(index[1]));
        i += index[0].length;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return out;
}

/** Whether an expression reads `oldSelf` (outside string literals). */
function readsOldSelf(expr: string): boolean {
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"' || c === "'") {
      i = skipString(expr, i);
      continue;
    }
    if (expr.startsWith('oldSelf', i) && !isIdentChar(expr[i - 1]) && !isIdentChar(expr[i + 7])) return true;
    i++;
  }
  return false;
}

/** Compiles one rule. Compile problems are values (upstream rejects such a CRD; kubeprop reports it). */
export function compileRule(spec: ValidationRuleSpec): RuleCompileResult {
  const main = compileExpression(spec.rule);
  if (!main.ok) return { ok: false, field: 'rule', error: `compilation failed: ${main.error}` };
  let messageProgram: Program | undefined;
  if (spec.messageExpression !== undefined && spec.messageExpression !== '') {
    const m = compileExpression(spec.messageExpression);
    if (!m.ok) return { ok: false, field: 'messageExpression', error: `messageExpression compilation failed: ${m.error}` };
    messageProgram = m.program;
  }
  let fieldPath: PathSegment[] = [];
  if (spec.fieldPath !== undefined && spec.fieldPath !== '') {
    const parsed = parseRuleFieldPath(spec.fieldPath);
    if (parsed === undefined) return { ok: false, field: 'fieldPath', error: 'fieldPath must be a valid path' };
    fieldPath = parsed;
  }
  return {
    ok: true,
    rule: { spec, program: main.program, messageProgram, usesOldSelf: readsOldSelf(spec.rule), fieldPath },
  };
}

// ---------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------

/**
 * Converts a JSON value to the CEL value the API server would build from it: integers become
 * `BigInt` (CEL `int`) except where the schema says `type: number` (CEL `double`); everything else is
 * kept. Conversions are memoised per object so nested rules reuse their children's values.
 */
export class CelValueCache {
  readonly #memo = new WeakMap<object, unknown>();

  convert(value: unknown, schema: JSONSchemaProps | undefined): unknown {
    if (typeof value === 'number') {
      if (schema?.type === 'number') return value;
      return Number.isInteger(value) ? BigInt(value) : value;
    }
    if (value === null || typeof value !== 'object') return value;
    const hit = this.#memo.get(value);
    if (hit !== undefined) return hit;
    let out: unknown;
    if (Array.isArray(value)) {
      const items = schema?.items as JSONSchemaProps | undefined;
      out = value.map((v) => this.convert(v, items));
    } else {
      const obj: Record<string, unknown> = {};
      const props = schema?.properties;
      const addl = schema?.additionalProperties;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const sub = props?.[k] ?? (addl !== null && typeof addl === 'object' ? (addl as JSONSchemaProps) : undefined);
        obj[k] = this.convert(v, sub);
      }
      out = obj;
    }
    this.#memo.set(value, out);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------

function ruleErrorString(spec: ValidationRuleSpec): string {
  const msg = spec.message?.trim() ?? '';
  return msg !== '' ? msg : spec.rule.trim();
}

function ruleMessageOrDefault(spec: ValidationRuleSpec): string {
  const msg = spec.message?.trim() ?? '';
  return msg !== '' ? msg : `failed rule: ${ruleErrorString(spec)}`;
}

/** Input of one node's rule evaluation. */
export interface RuleNodeInput {
  /** Path of the node in the object. */
  readonly path: readonly PathSegment[];
  /** The node's JSON value (after defaulting). */
  readonly value: unknown;
  /** The node's value as CEL sees it. */
  readonly self: unknown;
  /** The old value as CEL sees it, when the node correlates with a stored object. */
  readonly oldSelf?: unknown;
  readonly hasOldSelf: boolean;
  /** The node's schema `type` (`object`, `string`, ...) used as upstream's bad value. */
  readonly schemaType: string;
}

/** Evaluates compiled rules at one schema node; returns the field errors. */
export function evaluateRules(rules: readonly CompiledRule[], input: RuleNodeInput): FieldError[] {
  const errs: FieldError[] = [];
  if (input.value === null || input.value === undefined) return errs;
  const activation: Record<string, unknown> = { self: input.self };
  if (input.hasOldSelf) activation['oldSelf'] = input.oldSelf;
  for (const rule of rules) {
    let context = activation;
    if (rule.usesOldSelf && !input.hasOldSelf) {
      if (rule.spec.optionalOldSelf !== true) continue;
      context = { ...activation, oldSelf: Optional.none() };
    } else if (rule.usesOldSelf && rule.spec.optionalOldSelf === true) {
      context = { ...activation, oldSelf: Optional.of(input.oldSelf) };
    }
    let result: unknown;
    try {
      result = rule.program(context);
    } catch (err) {
      // cel-go spells this error in lower case; the rest of the wording follows upstream.
      const msg = firstLine(err instanceof Error ? err.message : String(err)).replace(/^No such key/, 'no such key');
      const detail = msg.startsWith('no such overload')
        ? `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule.spec)}`
        : `${msg} evaluating rule: ${ruleErrorString(rule.spec)}`;
      errs.push(invalidError(input.path, input.schemaType, detail));
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      errs.push(invalidError(input.path, input.schemaType, `rule did not evaluate to a bool evaluating rule: ${ruleErrorString(rule.spec)}`));
      continue;
    }
    let detail: string | undefined;
    if (rule.messageProgram !== undefined) {
      try {
        const m = rule.messageProgram(context);
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m.trim();
      } catch {
        // Upstream logs a failing messageExpression and falls back to the static message.
      }
    }
    detail ??= ruleMessageOrDefault(rule.spec);
    const path = [...input.path, ...rule.fieldPath];
    const scalar = input.schemaType !== 'object' && input.schemaType !== 'array';
    const bad = scalar ? input.value : OMIT_VALUE;
    switch (rule.spec.reason) {
      case 'FieldValueForbidden':
        errs.push(forbiddenError(path, detail));
        break;
      case 'FieldValueRequired':
        errs.push(requiredError(path, detail));
        break;
      case 'FieldValueDuplicate':
        errs.push(duplicateError(path, bad));
        break;
      default:
        errs.push(fieldErrorOfType('FieldValueInvalid', path, bad, detail));
    }
  }
  return errs;
}
