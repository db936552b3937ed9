/**
 * A watch served by one API server instance. It passes the store's events through until the
 * instance goes down; then the stream ends with a single `ERROR` event (503 ServiceUnavailable)
 * and the events the client had not read yet are lost with the connection, so the client's
 * reflector relists and watches again, through another instance.
 */
import type { KubeObject } from '../api/types.js';
import type { ApiError } from '../store/api-error.js';
import type { StorableObject } from '../store/storable-object.js';
import type { WatchEvent, Watcher } from '../store/watch-event.js';

/** The instance's side of its watchers: it forgets a watcher once the watcher ends. */
export interface WatcherRegistry {
  forget(watcher: InstanceWatcher): void;
}

/** See the module comment. */
export class InstanceWatcher<T extends StorableObject = KubeObject> implements Watcher<T> {
  readonly #inner: Watcher<T>;
  readonly #registry: WatcherRegistry;
  #terminal: ApiError | undefined;
  #ended = false;
  #resourceVersion: string | undefined;
  #listener: (() => void) | undefined = undefined;

  constructor(inner: Watcher<T>, registry: WatcherRegistry) {
    this.#inner = inner;
    this.#registry = registry;
  }

  get id(): number {
    return this.#inner.id;
  }

  get stopped(): boolean {
    return this.#ended || (this.#terminal === undefined && this.#inner.stopped);
  }

  get resourceVersion(): string {
    return this.#resourceVersion ?? this.#inner.resourceVersion;
  }

  /** Ends the stream because the instance went down: the next poll returns only `ERROR`. */
  terminate(error: ApiError): void {
    if (this.#ended || this.#terminal !== undefined) return;
    this.#resourceVersion = this.#inner.resourceVersion;
    this.#terminal = error;
    this.#inner.stop();
    // The ERROR is pending now, whether or not the inner watcher signalled its stop.
    this.#listener?.();
  }

  poll(max?: number): WatchEvent<T>[] {
    if (this.#ended) return [];
    if (this.#terminal !== undefined) {
      if (max !== undefined && max <= 0) return [];
      this.#ended = true;
      this.#registry.forget(this as unknown as InstanceWatcher);
      return [Object.freeze({ type: 'ERROR', error: this.#terminal })];
    }
    const events = this.#inner.poll(max);
    if (this.#inner.stopped) {
      this.#ended = true;
      this.#registry.forget(this as unknown as InstanceWatcher);
    }
    return events;
  }

  hasPending(): boolean {
    if (this.#ended) return false;
    if (this.#terminal !== undefined) return true;
    return this.#inner.hasPending();
  }

  /** Signals exactly when the store's watcher does (see `Watcher.notifyPending`), and on `terminate`. */
  notifyPending(listener: (() => void) | undefined): boolean {
    const signals = this.#inner.notifyPending?.(listener) ?? false;
    this.#listener = signals ? listener : undefined;
    return signals;
  }

  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#terminal === undefined) {
      this.#resourceVersion = this.#inner.resourceVersion;
      this.#inner.stop();
    }
    this.#registry.forget(this as unknown as InstanceWatcher);
  }
}
