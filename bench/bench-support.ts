/**
 * Measurement helpers the benchmarks share: a process-wide memory peak sampler and a full garbage
 * collection between runs (so each run's heap peak is its own).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Peak heap used and RSS over the samples taken. */
export class MemoryPeak {
  heapUsed = 0;
  rss = 0;
  sample(): void {
    const m = process.memoryUsage();
    if (m.heapUsed > this.heapUsed) this.heapUsed = m.heapUsed;
    if (m.rss > this.rss) this.rss = m.rss;
  }
}

let gcFn: (() => void) | undefined;

/** A full collection, exposing the runtime's `gc` once on first use. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}
