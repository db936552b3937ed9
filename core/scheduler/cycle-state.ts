/**
 * `CycleState`: per-scheduling-cycle storage shared by the plugins of one profile.
 *
 * Mirrors `kube-scheduler/framework/cycle_state.go`. Keys are typed (`StateKey<T>`), so a plugin reads
 * back exactly the type it wrote. Values that preemption must be able to modify on a copy implement
 * `clone()`; `CycleState.clone()` deep-copies those and shares the rest, as upstream's `StateData.Clone`.
 */

/** A typed key into `CycleState`. Create one per piece of state, at module level or in a factory. */
export class StateKey<T> {
  /** Phantom field so keys of different value types are not assignable to each other. */
  declare readonly __type: T;
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

/** A value stored in `CycleState` that can be copied for preemption's what-if evaluations. */
export interface Cloneable<T> {
  clone(): T;
}

function isCloneable(v: unknown): v is Cloneable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { clone?: unknown }).clone === 'function';
}

/**
 * A `Set` that counts its changes, so the framework can work out the plugins to run once per cycle
 * and notice when the set changed, instead of looking every plugin up for every node.
 */
export class ChangeCountingSet<T> extends Set<T> {
  /** Bumped by every `add`, `delete` and `clear`. */
  changes = 0;

  override add(value: T): this {
    // `Set`'s constructor calls `add` before the field initializer has run.
    this.changes = (this.changes ?? 0) + 1;
    return super.add(value);
  }

  override delete(value: T): boolean {
    this.changes++;
    return super.delete(value);
  }

  override clear(): void {
    this.changes++;
    super.clear();
  }
}

/** The state of one scheduling cycle. Not shared across cycles. */
export class CycleState {
  private readonly data = new Map<StateKey<unknown>, unknown>();
  /** Plugins whose Filter is skipped this cycle (their PreFilter returned Skip). */
  readonly skipFilterPlugins: Set<string> = new ChangeCountingSet<string>();
  /** Plugins whose Score is skipped this cycle (their PreScore returned Skip). */
  readonly skipScorePlugins: Set<string> = new ChangeCountingSet<string>();

  /** The value stored under `key`, or `undefined`. */
  read<T>(key: StateKey<T>): T | undefined {
    return this.data.get(key as StateKey<unknown>) as T | undefined;
  }

  /** Stores `value` under `key`, replacing any previous value. */
  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key as StateKey<unknown>, value);
  }

  delete(key: StateKey<unknown>): void {
    this.data.delete(key);
  }

  has(key: StateKey<unknown>): boolean {
    return this.data.has(key);
  }

  /** A copy for what-if evaluation: cloneable values are cloned, others shared. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, isCloneable(v) ? v.clone() : v);
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}
