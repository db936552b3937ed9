/**
 * The default components a simulated cluster runs when the caller names none: the default scheduler
 * plugins and the built-in controllers. They live in `plugins/`, which `core/` may not import, so
 * `plugins/index.ts` registers them here when it is loaded (`import 'kubeprop/plugins'`).
 */
import type { ControllerDefinition } from '../controllers/reconciler.js';
import type { SchedulerPluginDefinition } from '../scheduler/plugin.js';

export interface DefaultComponents {
  readonly schedulerPlugins: readonly SchedulerPluginDefinition<unknown>[];
  readonly controllers: readonly ControllerDefinition[];
}

let registered: DefaultComponents | undefined;

/** Registers the default scheduler plugins and controllers (called by `plugins/index.ts`). */
export function registerDefaultComponents(components: DefaultComponents): void {
  registered = components;
}

/** The registered defaults, if `plugins/index.ts` has been loaded. */
export function defaultComponents(): DefaultComponents | undefined {
  return registered;
}
