/**
 * CustomResourceDefinitions as the API server handles them: writing a CRD (re)registers its kind
 * in the type registry and the store, so the kind is served at once; the CRD's status gets the
 * conditions and accepted names upstream's naming and establishing controllers would set; and
 * removing a CRD stops serving its kind and deletes its instances.
 *
 * Upstream: `staging/src/k8s.io/apiextensions-apiserver/pkg/controller/status/naming_controller.go`
 * (`NamesAccepted`, `acceptedNames`), `pkg/controller/establish/establishing_controller.go`
 * (`Established`), `pkg/controller/finalizer/crd_finalizer.go` (instances deleted with the CRD).
 * Simplifications: the conditions are set in the same write as the CRD (no controller delay); a
 * CRD whose kind another CRD or a built-in already serves is rejected (422) rather than stored
 * with `NamesAccepted=False`; instances are removed when the CRD is, without waiting for their
 * finalizers.
 */
import type { KindInfo } from '../api/kinds.js';
import type { CustomResourceDefinition } from '../api/types.js';
import type { TypeRegistry } from '../api/type-registry.js';
import type { FieldError } from '../api/validation-errors.js';
import type { Store } from '../store/store.js';
import { deepEqual } from '../store/deep-equal.js';
import { arrAt, isObj, objAt, strAt, type Obj } from './json-fields.js';

/** The group/kind key of CustomResourceDefinition. */
export const CRD_KEY = 'apiextensions.k8s.io/CustomResourceDefinition';

/** A CRD registration waiting for its store write: commit after success, roll back after failure. */
export interface CrdStage {
  readonly info: KindInfo;
  commit(): void;
  rollback(): void;
}

/** See the module comment. */
export class CrdLifecycle {
  readonly #store: Store;
  readonly #registry: TypeRegistry;
  readonly #onKindsChanged: () => void;

  constructor(store: Store, registry: TypeRegistry, onKindsChanged: () => void) {
    this.#store = store;
    this.#registry = registry;
    this.#onKindsChanged = onKindsChanged;
  }

  /**
   * Registers `crd` in the type registry ahead of its store write (compile errors are the CRD's
   * validation errors). `previous`: the stored CRD an update replaces, restored on rollback.
   */
  stage(crd: Readonly<Obj>, previous: Readonly<Obj> | undefined): { readonly ok: true; readonly stage: CrdStage } | { readonly ok: false; readonly errors: readonly FieldError[] } {
    const name = strAt(objAt(crd, 'metadata'), 'name') ?? '';
    const restore = (): void => {
      if (previous !== undefined) this.#registry.registerCrd(previous as unknown as CustomResourceDefinition);
      else this.#registry.unregisterCrd(name);
      this.#onKindsChanged();
    };
    const res = this.#registry.registerCrd(crd as unknown as CustomResourceDefinition);
    if (!res.ok) return { ok: false, errors: res.errors };
    if (res.errors.length > 0) {
      restore();
      return { ok: false, errors: res.errors };
    }
    this.#onKindsChanged();
    const info = res.info;
    return {
      ok: true,
      stage: {
        info,
        commit: () => {
          this.#store.registerKind(info);
          this.#onKindsChanged();
        },
        rollback: restore,
      },
    };
  }

  /** The status the CRD should have (conditions kept when unchanged, stored versions accumulated). */
  status(crd: Readonly<Obj>, previousStatus: Readonly<Obj> | undefined, now: string): Obj {
    const spec = objAt(crd, 'spec');
    const names = objAt(spec, 'names') ?? {};
    const accepted: Obj = {};
    for (const k of ['plural', 'singular', 'shortNames', 'kind', 'listKind', 'categories']) if (names[k] !== undefined) accepted[k] = names[k];
    const storage = (arrAt(spec, 'versions') ?? []).find((v) => isObj(v) && v.storage === true);
    const stored = new Set<string>();
    for (const v of arrAt(previousStatus, 'storedVersions') ?? []) if (typeof v === 'string') stored.add(v);
    if (isObj(storage) && typeof storage.name === 'string') stored.add(storage.name);
    const oldConditions = arrAt(previousStatus, 'conditions') ?? [];
    const condition = (type: string, reason: string, message: string): Obj => {
      const old = oldConditions.find((c) => isObj(c) && c.type === type);
      const since = isObj(old) && old.status === 'True' && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
      return { type, status: 'True', lastTransitionTime: since, reason, message };
    };
    return {
      conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
      acceptedNames: accepted,
      storedVersions: [...stored],
    };
  }

  /** Whether the stored status differs from what `status` computes. */
  statusStale(crd: Readonly<Obj>, now: string): Obj | undefined {
    const current = objAt(crd, 'status');
    const next = this.status(crd, current, now);
    return deepEqual(next, current) ? undefined : next;
  }

  /** The CRD is gone from the store: stop serving its kind and delete its instances. */
  removed(crd: Readonly<Obj>): void {
    const name = strAt(objAt(crd, 'metadata'), 'name') ?? '';
    const spec = objAt(crd, 'spec');
    const group = strAt(spec, 'group') ?? '';
    const kind = strAt(objAt(spec, 'names'), 'kind') ?? '';
    if (group !== '' && kind !== '') this.#store.unregisterKind({ group, kind });
    this.#registry.unregisterCrd(name);
    this.#onKindsChanged();
  }
}
