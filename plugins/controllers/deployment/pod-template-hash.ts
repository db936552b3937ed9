/**
 * The pod-template hash that names a Deployment's ReplicaSets (`<deployment>-<hash>`) and labels
 * their pods: upstream `controller.ComputeHash` (`pkg/controller/controller_utils.go`).
 *
 * Upstream hashes the template with 32-bit FNV-1a over Go's `spew` dump of the struct, appends the
 * collision count (4 bytes little-endian in an 8-byte buffer) when one is set, and encodes the
 * decimal digits of the sum with `rand.SafeEncodeString` (an alphabet without vowels, so no word
 * is ever spelled). The hash here has the same shape and properties, deterministic and changing
 * with every template change or collision count, but it hashes the template's canonical JSON
 * (keys sorted), so its values are not those a real cluster computes.
 */
import { canonicalJson, type DeepReadonly, type TraceValue } from 'kubeprop';

/** Upstream `rand.alphanums`: no vowels, no 0/1/3 (which look like o/l/e). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

function fnv1a32(bytes: Uint8Array, seed: number = FNV32_OFFSET): number {
  let h = seed;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** Upstream `rand.SafeEncodeString`: each character mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length] as string;
  return out;
}

const encoder = new TextEncoder();

/** Upstream `ComputeHash(template, collisionCount)`. */
export function computePodTemplateHash(template: DeepReadonly<unknown>, collisionCount: number | undefined): string {
  let h = fnv1a32(encoder.encode(canonicalJson(template as TraceValue)));
  if (collisionCount !== undefined) {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv1a32(buf, h);
  }
  return safeEncodeString(String(h));
}
